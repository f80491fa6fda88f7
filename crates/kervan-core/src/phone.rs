//! Phone numbers, stored and compared as E.164. Input may be any common Turkish form
//! (`0532 123 45 67`, `532-123-4567`, `+90 532 1234567`, `0090…`) or international.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid phone number")]
pub struct InvalidPhone;

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, InvalidPhone> {
        let trimmed = input.trim();
        if trimmed.is_empty() || trimmed.len() > 40 {
            return Err(InvalidPhone);
        }
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-().\u{a0}/".contains(c)))
        {
            return Err(InvalidPhone);
        }
        // "0090…" is how Turkish users often write the international prefix.
        let normalized = match trimmed.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None => trimmed.to_string(),
        };
        let parsed = phonenumber::parse(Some(phonenumber::country::Id::TR), &normalized).map_err(|_| InvalidPhone)?;
        if !phonenumber::is_valid(&parsed) {
            return Err(InvalidPhone);
        }
        Ok(Phone(parsed.format().mode(phonenumber::Mode::E164).to_string()))
    }

    /// Wraps a value read back from the database, which was validated when written.
    pub fn from_stored(e164: String) -> Phone {
        Phone(e164)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The way people write it: `0532 123 45 67` (mobile) or `0212 555 66 77` (landline) for
    /// Turkish numbers, the international form for others (`+49 30 901820`).
    pub fn display(&self) -> String {
        let s = &self.0;
        if let Some(n) = s.strip_prefix("+90")
            && n.len() == 10
        {
            return format!("0{} {} {} {}", &n[0..3], &n[3..6], &n[6..8], &n[8..10]);
        }
        match phonenumber::parse(None, s) {
            Ok(p) => p.format().mode(phonenumber::Mode::International).to_string(),
            Err(_) => s.clone(),
        }
    }

    /// The national significant number's digits (`5321234567`): what people type.
    pub fn national_digits(&self) -> String {
        match self.0.strip_prefix("+90") {
            Some(n) => n.to_string(),
            None => self.0.trim_start_matches('+').to_string(),
        }
    }

    /// The forms search should find the number by: E.164 and the national form with a leading 0
    /// (`+905321234567 05321234567`).
    pub fn search_forms(&self) -> String {
        format!("{} 0{}", self.0, self.national_digits())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turkish_forms_become_e164() {
        for s in [
            "0532 123 45 67",
            "05321234567",
            "532 123 4567",
            "+90 532 123 45 67",
            "0090 532 123 45 67",
            "(0532) 123-45-67",
            "+905321234567",
        ] {
            assert_eq!(Phone::parse(s).map(|p| p.0), Ok("+905321234567".into()), "{s}");
        }
        assert_eq!(Phone::parse("0212 555 12 12").map(|p| p.0), Ok("+902125551212".into()));
        assert_eq!(Phone::parse("+49 30 901820").map(|p| p.0), Ok("+4930901820".into()));
    }

    #[test]
    fn rubbish_is_rejected() {
        for s in [
            "",
            "abc",
            "123",
            "0532 123",
            "+90 532 123 45 67 89 00",
            "05321234567x",
            "<script>",
        ] {
            assert!(Phone::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn display_groups_turkish_numbers() {
        let p = Phone::parse("05321234567").unwrap();
        assert_eq!(p.display(), "0532 123 45 67");
        assert_eq!(Phone::parse("0212 555 66 77").unwrap().display(), "0212 555 66 77");
        assert_eq!(Phone::parse("+49 30 901820").unwrap().display(), "+49 30 901820");
        assert_eq!(p.national_digits(), "5321234567");
        assert_eq!(p.search_forms(), "+905321234567 05321234567");
    }
}
