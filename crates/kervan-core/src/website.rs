//! Web site addresses of customers, checked loosely (people type `www.firma.com.tr`, `firma.com.tr/`,
//! `HTTPS://Firma.com.tr`) and stored in one normal form, so a link can be made of it and two spellings of one
//! site compare equal.

use std::fmt;

/// A web address: `http` or `https`, a host with at least one dot, optional port and path.
/// Stored as `https://host/path` (the scheme added when missing, the host lower-cased, a bare `/` dropped).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Website(String);

/// The text is not a web address we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid web address")]
pub struct InvalidWebsite;

impl Website {
    /// Reads and normalizes a web address. Schemes other than `http(s)` (`javascript:`, `ftp:`) and
    /// addresses with a user name (`user@host`, a phishing trick) are refused.
    pub fn parse(input: &str) -> Result<Website, InvalidWebsite> {
        let s = input.trim();
        if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidWebsite);
        }
        let (scheme, rest) = if let Some(rest) = strip_prefix_ci(s, "https://") {
            ("https", rest)
        } else if let Some(rest) = strip_prefix_ci(s, "http://") {
            ("http", rest)
        } else if s.contains("://") {
            return Err(InvalidWebsite);
        } else {
            ("https", s)
        };
        let split = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(split);
        if authority.contains('@') {
            return Err(InvalidWebsite);
        }
        let (host, port) = match authority.split_once(':') {
            Some((h, p)) => {
                if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(InvalidWebsite);
                }
                (h, Some(p))
            }
            None => (authority, None),
        };
        // Host names are ASCII case-insensitive; non-ASCII (IDN) labels are kept as typed.
        let host = host.to_ascii_lowercase();
        if !valid_host(&host) {
            return Err(InvalidWebsite);
        }
        let tail = if tail == "/" { "" } else { tail };
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        Ok(Website(format!("{scheme}://{host}{port}{tail}")))
    }

    /// Wraps a value read back from the database, which was validated when written.
    pub fn from_stored(s: String) -> Website {
        Website(s)
    }

    /// The normalized address (`https://www.firma.com.tr/urunler`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host (`www.firma.com.tr`), without scheme, port or path.
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, r)| r);
        let end = rest.find(['/', '?', '#', ':']).unwrap_or(rest.len());
        &rest[..end]
    }

    /// The host without a leading `www.` (`firma.com.tr`): what to compare with an e-mail domain.
    pub fn domain(&self) -> &str {
        let host = self.host();
        host.strip_prefix("www.").unwrap_or(host)
    }
}

impl fmt::Display for Website {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// At least two labels of letters, digits and inner dashes; a top-level domain of letters (or punycode).
pub(crate) fn valid_host(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && host.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| {
            tld.starts_with("xn--") || (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_forms_are_normalized() {
        for (s, want) in [
            ("www.firma.com.tr", "https://www.firma.com.tr"),
            ("firma.com.tr/", "https://firma.com.tr"),
            ("HTTPS://Firma.COM.tr", "https://firma.com.tr"),
            ("http://firma.com.tr/Urunler?id=5", "http://firma.com.tr/Urunler?id=5"),
            (" firma.com.tr:8080/a ", "https://firma.com.tr:8080/a"),
            ("şirket.com.tr", "https://şirket.com.tr"),
            ("xn--irket-ova.com.tr", "https://xn--irket-ova.com.tr"),
        ] {
            assert_eq!(Website::parse(s).map(|w| w.0), Ok(want.to_string()), "{s}");
        }
    }

    #[test]
    fn rubbish_is_refused() {
        for s in [
            "",
            "firma",
            "firma .com",
            "javascript:alert(1)",
            "ftp://firma.com",
            "http://",
            "https://firma",
            "user@firma.com",
            "http://user:pw@firma.com",
            "firma.com:",
            "firma.com:80a",
            "-firma.com",
            "firma..com",
            "firma.com.",
            "firma.c0m",
            "firma.c",
            "<script>.com",
        ] {
            assert!(Website::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn host_and_domain() {
        let w = Website::parse("HTTP://WWW.Firma.com.tr:8080/iletisim").unwrap();
        assert_eq!(w.host(), "www.firma.com.tr");
        assert_eq!(w.domain(), "firma.com.tr");
        assert_eq!(Website::parse("firma.com.tr").unwrap().domain(), "firma.com.tr");
    }
}
