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
    fn digits_only() {
        assert_eq!(digits("+90 (532) 123-45-67"), "905321234567");
    }
}
