//! Turkish identifiers: the tax number (VKN, Vergi Kimlik Numarası, 10 digits) of a company and the national id
//! (TCKN, T.C. Kimlik Numarası, 11 digits) of a person. Both carry check digits, so a typo is caught on entry,
//! before it reaches an e-invoice that the tax office (GİB) would refuse.

use std::fmt;

/// Why a VKN or TCKN was refused. The kinds are kept apart so the form can say which rule failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TaxIdError {
    /// Not the right number of digits, or something other than digits, spaces and dashes.
    #[error("wrong number of digits")]
    Length,
    /// A TCKN never starts with 0.
    #[error("a national id cannot start with 0")]
    LeadingZero,
    /// The digits are well formed but the check digits do not match: almost always a typo.
    #[error("check digit mismatch")]
    Checksum,
}

/// A Turkish tax number (VKN): 10 digits, the last one a check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vkn(String);

/// A Turkish national id (TCKN): 11 digits, not starting with 0, the last two check digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tckn(String);

/// The digits of `input` when it holds exactly `len` of them. People group these numbers with spaces or dashes
/// when they type or paste them (`123 456 78 90`, `123-456-7890`), so those are skipped; anything else is refused.
fn bare_digits(input: &str, len: usize) -> Result<Vec<u8>, TaxIdError> {
    let mut digits = Vec::with_capacity(len);
    for c in input.trim().chars() {
        match c {
            '0'..='9' => digits.push(c as u8 - b'0'),
            ' ' | '-' | '\u{a0}' => {}
            _ => return Err(TaxIdError::Length),
        }
        if digits.len() > len {
            return Err(TaxIdError::Length);
        }
    }
    if digits.len() == len {
        Ok(digits)
    } else {
        Err(TaxIdError::Length)
    }
}

fn to_string(digits: &[u8]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

/// The official VKN check digit of the first nine digits (Gelir İdaresi Başkanlığı's algorithm).
fn vkn_check_digit(d: &[u8]) -> u8 {
    let mut sum: u32 = 0;
    for (i, &digit) in d.iter().take(9).enumerate() {
        let tmp = (u32::from(digit) + 10 - (i as u32 + 1)) % 10;
        let v = if tmp == 9 { 9 } else { (tmp * (1 << (9 - i as u32))) % 9 };
        sum += v;
    }
    ((10 - sum % 10) % 10) as u8
}

/// The two TCKN check digits of the first nine digits.
fn tckn_check_digits(d: &[u8]) -> (u8, u8) {
    let d: Vec<i32> = d.iter().take(9).map(|&x| i32::from(x)).collect();
    let odd = d[0] + d[2] + d[4] + d[6] + d[8];
    let even = d[1] + d[3] + d[5] + d[7];
    // `rem_euclid`: the difference may be negative, and the rule wants the mathematical remainder
    let d10 = (odd * 7 - even).rem_euclid(10);
    let d11 = (odd + even + d10) % 10;
    (d10 as u8, d11 as u8)
}

impl Vkn {
    /// Parses a VKN as typed (`" 123 456 78 90 "`), checking length and check digit.
    pub fn parse(input: &str) -> Result<Vkn, TaxIdError> {
        let d = bare_digits(input, 10)?;
        if vkn_check_digit(&d) != d[9] {
            return Err(TaxIdError::Checksum);
        }
        Ok(Vkn(to_string(&d)))
    }

    /// Wraps a value read back from the database, which was validated when written.
    pub fn from_stored(digits: String) -> Vkn {
        Vkn(digits)
    }

    /// The valid VKN whose first nine digits are `n` (zero-padded; only the last nine digits of
    /// `n` count). For demo and test data.
    pub fn from_number(n: u64) -> Vkn {
        let mut d: Vec<u8> = format!("{:09}", n % 1_000_000_000).bytes().map(|b| b - b'0').collect();
        d.push(vkn_check_digit(&d));
        Vkn(to_string(&d))
    }

    /// The 10 bare digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Tckn {
    /// Parses a TCKN as typed (`"100 000 001 46"`), checking length, first digit and check digits.
    pub fn parse(input: &str) -> Result<Tckn, TaxIdError> {
        let d = bare_digits(input, 11)?;
        if d[0] == 0 {
            return Err(TaxIdError::LeadingZero);
        }
        if tckn_check_digits(&d) != (d[9], d[10]) {
            return Err(TaxIdError::Checksum);
        }
        Ok(Tckn(to_string(&d)))
    }

    /// Wraps a value read back from the database, which was validated when written.
    pub fn from_stored(digits: String) -> Tckn {
        Tckn(digits)
    }

    /// The 11 bare digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Vkn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Tckn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every number that differs from `valid` in exactly one digit.
    fn one_digit_off(valid: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, c) in valid.char_indices() {
            for r in '0'..='9' {
                if r != c {
                    let mut s = valid.to_string();
                    s.replace_range(i..i + 1, &r.to_string());
                    out.push(s);
                }
            }
        }
        out
    }

    /// A VKN built from nine digits with the algorithm, independently of `parse`.
    fn make_vkn(first9: &str) -> String {
        let d: Vec<u8> = first9.bytes().map(|b| b - b'0').collect();
        format!("{first9}{}", vkn_check_digit(&d))
    }

    fn make_tckn(first9: &str) -> String {
        let d: Vec<u8> = first9.bytes().map(|b| b - b'0').collect();
        let (a, b) = tckn_check_digits(&d);
        format!("{first9}{a}{b}")
    }

    // Widely published example VKNs (test-environment and sample values) that pass the official algorithm.
    const PUBLISHED_VKN: &[&str] = &["1234567890", "3900383669", "3130557669", "4840847211"];
    // Widely published example TCKNs: 10000000146 is the classic test number, 11111111110 another common one.
    const PUBLISHED_TCKN: &[&str] = &["10000000146", "11111111110", "12345678950"];

    #[test]
    fn published_vkns_are_valid() {
        for v in PUBLISHED_VKN {
            assert_eq!(Vkn::parse(v).map(|x| x.0), Ok(v.to_string()), "{v}");
        }
    }

    #[test]
    fn computed_vkns_are_valid() {
        // hand-checked: 123456789 -> 0, so 1234567890 (also published) comes out of the same computation
        assert_eq!(make_vkn("123456789"), "1234567890");
        // computed separately (a short script of the same published algorithm), so `parse` is checked against
        // values it did not produce itself
        for v in [
            "0000000001",
            "9999999994",
            "3141592650",
            "2718281825",
            "1000000018",
            "5555555553",
        ] {
            assert!(Vkn::parse(v).is_ok(), "{v}");
            assert_eq!(make_vkn(&v[..9]), v);
        }
    }

    #[test]
    fn generated_vkns_are_valid() {
        for n in [0, 1, 42, 123_456_789, 999_999_999, 7_000_000_001] {
            let v = Vkn::from_number(n);
            assert_eq!(Vkn::parse(v.as_str()), Ok(v.clone()), "{n}");
        }
    }

    #[test]
    fn vkn_single_digit_changes_are_caught() {
        let mut all: Vec<String> = PUBLISHED_VKN.iter().map(|s| s.to_string()).collect();
        all.push("3141592650".to_string());
        for valid in all {
            for bad in one_digit_off(&valid) {
                assert_eq!(Vkn::parse(&bad), Err(TaxIdError::Checksum), "{bad} (from {valid})");
            }
        }
    }

    #[test]
    fn vkn_accepts_grouping_and_rejects_rubbish() {
        assert_eq!(Vkn::parse(" 123 456 78 90 ").unwrap().as_str(), "1234567890");
        assert_eq!(Vkn::parse("123-456-7890").unwrap().to_string(), "1234567890");
        for bad in [
            "",
            "   ",
            "123456789",
            "12345678901",
            "123456789O",
            "123.456.7890",
            "１２３４５６７８９０",
            "+1234567890",
        ] {
            assert_eq!(Vkn::parse(bad), Err(TaxIdError::Length), "{bad}");
        }
        assert_eq!(Vkn::parse("1234567891"), Err(TaxIdError::Checksum));
    }

    #[test]
    fn published_and_computed_tckns_are_valid() {
        for t in PUBLISHED_TCKN {
            assert_eq!(Tckn::parse(t).map(|x| x.0), Ok(t.to_string()), "{t}");
        }
        assert_eq!(make_tckn("100000001"), "10000000146");
        // computed separately, as for the VKNs above
        for t in [
            "12345678950",
            "98765432150",
            "11111111110",
            "99999999990",
            "50000000500",
            "20304050600",
        ] {
            assert!(Tckn::parse(t).is_ok(), "{t}");
            assert_eq!(make_tckn(&t[..9]), t);
        }
    }

    #[test]
    fn tckn_single_digit_changes_are_caught() {
        let mut all: Vec<String> = PUBLISHED_TCKN.iter().map(|s| s.to_string()).collect();
        all.push("98765432150".to_string());
        for valid in all {
            for bad in one_digit_off(&valid) {
                let want = if bad.starts_with('0') {
                    TaxIdError::LeadingZero
                } else {
                    TaxIdError::Checksum
                };
                assert_eq!(Tckn::parse(&bad), Err(want), "{bad} (from {valid})");
            }
        }
    }

    #[test]
    fn tckn_rules() {
        assert_eq!(Tckn::parse(" 100 000 001 46 ").unwrap().as_str(), "10000000146");
        assert_eq!(Tckn::parse("1000000014-6").unwrap().to_string(), "10000000146");
        // passes both check digits but starts with 0
        assert_eq!(make_tckn("012345678"), "01234567840");
        assert_eq!(Tckn::parse("01234567840"), Err(TaxIdError::LeadingZero));
        for bad in ["", "1000000014", "100000001466", "1000000014a", "10000000146."] {
            assert_eq!(Tckn::parse(bad), Err(TaxIdError::Length), "{bad}");
        }
        assert_eq!(Tckn::parse("12345678901"), Err(TaxIdError::Checksum));
        // a VKN is not a TCKN, and the other way round
        assert_eq!(Tckn::parse("1234567890"), Err(TaxIdError::Length));
        assert_eq!(Vkn::parse("10000000146"), Err(TaxIdError::Length));
    }
}
