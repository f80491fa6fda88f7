//! E-mail addresses: trimmed, lower-cased (ASCII; the domain part is case-insensitive and
//! people never mean two mailboxes that differ in case), and checked for a plausible shape.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid e-mail address")]
pub struct InvalidEmail;

impl Email {
    pub fn parse(input: &str) -> Result<Email, InvalidEmail> {
        let s = input.trim().to_ascii_lowercase();
        if s.is_empty() || s.len() > 254 {
            return Err(InvalidEmail);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(InvalidEmail)?;
        if local.is_empty() || local.len() > 64 || domain.len() < 3 {
            return Err(InvalidEmail);
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        if local_ok && crate::website::valid_host(domain) {
            Ok(Email(s))
        } else {
            Err(InvalidEmail)
        }
    }

    pub fn from_stored(s: String) -> Email {
        Email(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_are_lower_cased() {
        assert_eq!(
            Email::parse(" Ayse.Yilmaz@Ornek.COM.tr ").unwrap().as_str(),
            "ayse.yilmaz@ornek.com.tr"
        );
        assert!(Email::parse("a+b@x.io").is_ok());
    }

    #[test]
    fn invalid_addresses_are_rejected() {
        for s in [
            "",
            "ayse",
            "ayse@",
            "@x.com",
            "a@b",
            "a@b.c",
            "a..b@x.com",
            "a b@x.com",
            "a@-x.com",
            "<a>@x.com",
        ] {
            assert!(Email::parse(s).is_err(), "{s}");
        }
    }
}
