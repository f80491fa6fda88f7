//! Turkish-aware text helpers. Never use `str::to_lowercase` on Turkish text: `I` lowers to `ı`
//! in Turkish, and `İ` to `i`; the Unicode default gets both wrong.

use icu_casemap::CaseMapper;

/// The search key of a text: Turkic case folding, then Turkish and other Latin diacritics
/// stripped, punctuation collapsed to single spaces. `ŞÜKRÜ IŞIK` and `sukru isik` share a key,
/// and so do `İSTANBUL` and `istanbul`.
pub fn fold(s: &str) -> String {
    let folded = CaseMapper::new().fold_turkic_string(s);
    let mut out = String::with_capacity(folded.len());
    let mut last_space = true;
    for c in folded.chars() {
        let base = strip_diacritic(c);
        if base.is_alphanumeric() || base == '@' || base == '.' || base == '+' || base == '-' {
            out.push(base);
            last_space = false;
        } else if !last_space {
            out.push(' ');
            last_space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn strip_diacritic(c: char) -> char {
    match c {
        'ç' => 'c',
        'ğ' => 'g',
        'ı' | 'î' | 'ì' | 'í' | 'ï' => 'i',
        'ö' | 'ô' | 'ò' | 'ó' | 'õ' => 'o',
        'ş' => 's',
        'ü' | 'û' | 'ù' | 'ú' => 'u',
        'â' | 'à' | 'á' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'ñ' => 'n',
        // a combining dot (from a decomposed İ) carries no meaning in a search key
        '\u{0307}' => '\0',
        other => other,
    }
}

/// The search key of a record: its parts joined by spaces, then folded. Blank parts are skipped.
pub fn search_key(parts: &[Option<&str>]) -> String {
    let joined = parts.iter().flatten().copied().collect::<Vec<_>>().join(" ");
    fold(&joined)
}

/// `Ayşe Yılmaz` from a first and a last name, either of which may be missing.
pub fn person_name(first: Option<&str>, last: Option<&str>) -> String {
    [first, last].into_iter().flatten().collect::<Vec<_>>().join(" ")
}

/// Only the ASCII digits of a text (for matching phone fragments).
pub fn digits(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// Turkish upper-casing for display (`istanbul` → `İSTANBUL`).
pub fn upper_tr(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            'i' => vec!['İ'],
            'ı' => vec!['I'],
            other => other.to_uppercase().collect(),
        })
        .collect()
}

/// Turkish lower-casing for display (`IŞIK` → `ışık`).
pub fn lower_tr(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            'I' => vec!['ı'],
            'İ' => vec!['i'],
            other => other.to_lowercase().collect(),
        })
        .collect()
}

/// Initials for an avatar: first letters of the first two words, Turkish upper case.
pub fn initials(name: &str) -> String {
    let s: String = name
        .split_whitespace()
        .take(2)
        .filter_map(|w| w.chars().next())
        .collect();
    upper_tr(&s)
}

/// A sort key that puts Turkish letters where a Turkish reader expects them
/// (c < ç < d, g < ğ < h, ı < i, o < ö < p, s < ş < t, u < ü < v).
pub fn collation_key(s: &str) -> Vec<u32> {
    const ORDER: &str = "0123456789aâbcçdefgğhıiîjklmnoöprsştuüûvwxyzqé";
    lower_tr(s)
        .chars()
        .map(|c| match ORDER.chars().position(|o| o == c) {
            Some(p) => p as u32,
            None => 1000 + c as u32,
        })
        .collect()
}

/// A sort key stored in a database column: it orders Turkish text as [`collation_key`] does, but it is a plain
/// lower-case ASCII string, because byte order (SQLite, PostgreSQL `C`) and the usual locale collations agree on
/// `[a-z]` while they disagree on `ç`, `ı`, `ş`… Each character becomes two letters. Runs of spaces and punctuation
/// become one word break that sorts before every letter (`Ali Can` < `Alican`, as in a phone book); other Latin
/// letters sort as their base letter (`ä` as `a`); letters of other scripts share one code after `z`.
pub fn sort_key(s: &str) -> String {
    const ORDER: &str = "0123456789aâbcçdefgğhıiîjklmnoöprsştuüûvwxyzqé";
    // Code 0 is the word break; ORDER starts at 1; the last two-letter code is "other script".
    const OTHER: u32 = 26 * 26 - 1;
    let mut codes: Vec<u32> = Vec::with_capacity(s.len());
    let mut pending_break = false;
    for c in lower_tr(s).chars() {
        if c == '\u{0307}' {
            // a decomposed `İ` lowers to `ı` + combining dot: together they are `i`
            if let Some(last) = codes.last_mut()
                && Some(*last) == order_code(ORDER, 'ı')
                && let Some(i) = order_code(ORDER, 'i')
            {
                *last = i;
            }
            continue;
        }
        if ('\u{0300}'..='\u{036F}').contains(&c) {
            // other combining marks: the base letter decides
            continue;
        }
        if !c.is_alphanumeric() {
            pending_break = true;
            continue;
        }
        let code = order_code(ORDER, c)
            .or_else(|| order_code(ORDER, strip_diacritic(c)))
            .unwrap_or(OTHER);
        if pending_break && !codes.is_empty() {
            codes.push(0);
        }
        pending_break = false;
        codes.push(code);
    }
    let mut out = String::with_capacity(codes.len() * 2);
    for code in codes {
        // both values are below 26, so the additions stay within `a..=z`
        out.push(char::from(b'a' + (code / 26) as u8));
        out.push(char::from(b'a' + (code % 26) as u8));
    }
    out
}

/// 1-based position of `c` in `order` (0 is kept for the word break).
fn order_code(order: &str, c: char) -> Option<u32> {
    order.chars().position(|o| o == c).map(|p| p as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_is_turkish_insensitive() {
        assert_eq!(fold("ŞÜKRÜ IŞIK"), "sukru isik");
        assert_eq!(fold("sukru isik"), "sukru isik");
        assert_eq!(fold("İSTANBUL"), "istanbul");
        assert_eq!(fold("istanbul"), "istanbul");
        assert_eq!(fold("Çağlar Öztürk"), "caglar ozturk");
        assert_eq!(fold("  Ayşe   Yılmaz, Ltd. Şti. "), "ayse yilmaz ltd. sti.");
        assert_eq!(fold("ISPARTA"), fold("Isparta"));
    }

    #[test]
    fn turkish_case_for_display() {
        assert_eq!(upper_tr("istanbul ılık"), "İSTANBUL ILIK");
        assert_eq!(lower_tr("IŞIK İLE"), "ışık ile");
        assert_eq!(initials("ismail ılgaz"), "İI");
    }

    #[test]
    fn collation_orders_turkish_letters() {
        let mut v = vec!["Şahin", "Sarı", "Çelik", "Cengiz", "Demir", "Ölmez", "Oral"];
        v.sort_by_key(|s| collation_key(s));
        assert_eq!(v, vec!["Cengiz", "Çelik", "Demir", "Oral", "Ölmez", "Sarı", "Şahin"]);
    }

    #[test]
    fn sort_key_orders_turkish_and_is_ascii() {
        let mut v = vec![
            "Şahin", "Sarı", "Çelik", "Cengiz", "Demir", "Ölmez", "Oral", "ılık", "İnci", "Ali Can", "Alican",
        ];
        v.sort_by_key(|s| sort_key(s));
        assert_eq!(
            v,
            vec![
                "Ali Can", "Alican", "Cengiz", "Çelik", "Demir", "ılık", "İnci", "Oral", "Ölmez", "Sarı", "Şahin"
            ]
        );
        let k = sort_key("Şükrü IŞIK & Ortakları");
        assert!(k.bytes().all(|b| b.is_ascii_lowercase()), "{k}");
        // case and punctuation do not matter; a decomposed İ is an i
        assert_eq!(sort_key("ŞAHİN"), sort_key("şahin"));
        assert_eq!(sort_key("I\u{0307}nci"), sort_key("inci"));
        assert_eq!(sort_key("  Ali -- Can. "), sort_key("ali can"));
        assert_eq!(sort_key("Mäller"), sort_key("maller"));
        assert!(sort_key("Zeki") < sort_key("Ωmega"));
        assert!(sort_key("Firma 2") < sort_key("Firma A"));
    }

    #[test]
    fn search_key_and_person_name() {
        assert_eq!(search_key(&[Some("Şükrü"), None, Some("IŞIK")]), "sukru isik");
        assert_eq!(person_name(Some("Ayşe"), Some("Yılmaz")), "Ayşe Yılmaz");
        assert_eq!(person_name(None, Some("Yılmaz")), "Yılmaz");
        assert_eq!(person_name(None, None), "");
    }

    #[test]
    fn digits_only() {
        assert_eq!(digits("+90 (532) 123-45-67"), "905321234567");
    }
}
