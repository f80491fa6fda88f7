//! Amounts of Turkish lira, held as whole kuruş in an `i64` so sums are exact (never `f64`). Input is read the
//! Turkish way — `.` groups thousands, `,` starts the kuruş (`1.250.000,50`) — and shown the same way
//! (`1.250.000,50 ₺`).

use std::fmt;

/// An amount in Turkish lira, as whole kuruş (1 ₺ = 100 kuruş).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// The text is not an amount we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid amount")]
pub struct InvalidMoney;

impl Money {
    /// Nothing.
    pub const ZERO: Money = Money(0);
    /// The largest amount `parse` accepts: 999.999.999.999.999,99 ₺. Far above any real figure (a typo, not a
    /// revenue), and far enough below `i64::MAX` that adding up many of them cannot overflow.
    pub const MAX: Money = Money(99_999_999_999_999_999);

    /// An amount from kuruş, as stored.
    pub fn from_kurus(kurus: i64) -> Money {
        Money(kurus)
    }

    /// The amount in kuruş, for storing.
    pub fn kurus(self) -> i64 {
        self.0
    }

    /// Reads an amount as a Turkish user types it: `1250000`, `1.250.000`, `1250000,50`, `1.250.000,50`, with an
    /// optional `₺`/`TL` around it. A plain `1250000.50` is read as a decimal point only when it is the single dot
    /// and 1–2 digits follow it; `1.250` is one thousand two hundred and fifty, as a Turkish reader means it.
    /// Refused: negatives, more than two decimals, misplaced group dots, English `1,250.00`, anything else.
    pub fn parse(input: &str) -> Result<Money, InvalidMoney> {
        let s = strip_currency(input.trim()).trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',') {
            return Err(InvalidMoney);
        }
        let (int_part, frac) = match s.split_once(',') {
            Some((i, f)) => (i, Some(f)),
            None => match s.split_once('.') {
                Some((i, f)) if f.len() <= 2 && !f.is_empty() && !f.contains('.') => (i, Some(f)),
                _ => (s, None),
            },
        };
        let kurus = match frac {
            None => 0,
            Some(f) if (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
                // "5" after the comma is 50 kuruş, not 5
                let n: i64 = f.parse().map_err(|_| InvalidMoney)?;
                if f.len() == 1 { n * 10 } else { n }
            }
            Some(_) => return Err(InvalidMoney),
        };
        let lira_digits = integer_digits(int_part).ok_or(InvalidMoney)?;
        let significant = lira_digits.trim_start_matches('0');
        // 15 digits of lira is MAX; checking the length first keeps `parse` clear of overflow
        if significant.len() > 15 {
            return Err(InvalidMoney);
        }
        let lira: i64 = if significant.is_empty() {
            0
        } else {
            significant.parse().map_err(|_| InvalidMoney)?
        };
        let total = lira
            .checked_mul(100)
            .and_then(|v| v.checked_add(kurus))
            .ok_or(InvalidMoney)?;
        if total > Money::MAX.0 {
            return Err(InvalidMoney);
        }
        Ok(Money(total))
    }

    /// `1.250.000,50`: the amount without the sign, in a form `parse` reads back (for an edit form).
    pub fn amount_text(self) -> String {
        let abs = self.0.unsigned_abs();
        let lira = (abs / 100).to_string();
        let mut grouped = String::with_capacity(lira.len() + lira.len() / 3);
        for (i, c) in lira.chars().enumerate() {
            if i > 0 && (lira.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{grouped},{:02}", abs % 100)
    }

    /// `1250000.50`: lira, a decimal point, two digits — the form JSON carries, which any
    /// client parses (the API, the quote totals).
    pub fn plain_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// `1.250.000,50 ₺`, as Turkish invoices and reports show it.
    pub fn display(self) -> String {
        format!("{} ₺", self.amount_text())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Drops a currency mark pasted with the amount: `₺` before or after, `TL` or `TRY` after (any case).
fn strip_currency(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix('₺') {
        return rest;
    }
    if let Some(rest) = s.strip_suffix('₺') {
        return rest;
    }
    for suffix in ["tl", "try"] {
        if s.len() >= suffix.len()
            && let Some(tail) = s.get(s.len() - suffix.len()..)
            && tail.eq_ignore_ascii_case(suffix)
            && let Some(rest) = s.get(..s.len() - suffix.len())
        {
            return rest;
        }
    }
    s
}

/// The digits of the lira part: plain digits, or groups of three after a first group of one to three
/// (`1.250.000`). `None` for anything else (`1.25.000`, `.5`, `1.`).
fn integer_digits(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if !s.contains('.') {
        return s.bytes().all(|b| b.is_ascii_digit()).then(|| s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    for (i, group) in s.split('.').enumerate() {
        let ok_len = if i == 0 {
            (1..=3).contains(&group.len())
        } else {
            group.len() == 3
        };
        if !ok_len || !group.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        out.push_str(group);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Result<i64, InvalidMoney> {
        Money::parse(s).map(Money::kurus)
    }

    #[test]
    fn turkish_forms_are_read() {
        for (s, want) in [
            ("1250000", 125_000_000),
            ("1.250.000", 125_000_000),
            ("1250000,50", 125_000_050),
            ("1.250.000,50", 125_000_050),
            ("1.250.000,5", 125_000_050),
            ("1250000.50", 125_000_050),
            ("1250000.5", 125_000_050),
            ("1.250", 125_000),
            ("12.345.678,09", 1_234_567_809),
            ("0,05", 5),
            ("0", 0),
            ("007", 700),
            (" 1.250,00 ₺ ", 125_000),
            ("₺1.250", 125_000),
            ("1250 TL", 125_000),
            ("1250tl", 125_000),
            ("99 TRY", 9_900),
            ("999.999.999.999.999,99", Money::MAX.kurus()),
        ] {
            assert_eq!(k(s), Ok(want), "{s}");
        }
    }

    #[test]
    fn rubbish_is_refused() {
        for s in [
            "",
            " ",
            "₺",
            "TL",
            "-5",
            "+5",
            "−5",
            "1,255",
            "1250000,505",
            "1250000.505",
            "1.250.000.50",
            "1,250,000.50",
            "1,250.00",
            "1.25.000",
            "1250.000,00",
            "12.50,0",
            "1.",
            "1,",
            ".5",
            ",5",
            "1 250 000",
            "1e6",
            "abc",
            "١٢٣",
            "12 $",
            "1.000.000.000.000.000",
            "1000000000000000",
            "99999999999999999999999999",
        ] {
            assert_eq!(Money::parse(s), Err(InvalidMoney), "{s}");
        }
    }

    #[test]
    fn shown_the_turkish_way() {
        assert_eq!(Money::from_kurus(125_000_050).display(), "1.250.000,50 ₺");
        assert_eq!(Money::from_kurus(125_000_050).to_string(), "1.250.000,50 ₺");
        assert_eq!(Money::from_kurus(123_456).amount_text(), "1.234,56");
        assert_eq!(Money::from_kurus(99_900).amount_text(), "999,00");
        assert_eq!(Money::from_kurus(5).amount_text(), "0,05");
        assert_eq!(Money::ZERO.display(), "0,00 ₺");
        assert_eq!(Money::from_kurus(-123_456).amount_text(), "-1.234,56");
        assert_eq!(Money::from_kurus(i64::MIN).amount_text(), "-92.233.720.368.547.758,08");
        assert_eq!(Money::MAX.amount_text(), "999.999.999.999.999,99");
    }

    #[test]
    fn text_round_trips() {
        for kurus in [0, 1, 10, 99, 100, 123_456, 100_000_000, 125_000_050, Money::MAX.kurus()] {
            let m = Money::from_kurus(kurus);
            assert_eq!(Money::parse(&m.amount_text()), Ok(m));
            assert_eq!(Money::parse(&m.display()), Ok(m));
        }
    }
}
