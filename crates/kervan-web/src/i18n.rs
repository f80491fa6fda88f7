//! Every word a person reads comes from `locales/<lang>/*.ftl` through here.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use kervan_core::FieldError;
use kervan_core::time;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "tr",
        // Unicode isolation marks around arguments confuse copy-paste and tests; our arguments are plain.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Tr,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tr" => Some(Lang::Tr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Tr => "tr",
            Lang::En => "en",
        }
    }
    /// The first supported language in an `Accept-Language` header, Turkish otherwise.
    pub fn from_accept(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim();
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(l) = Lang::parse(primary) {
                return l;
            }
        }
        Lang::Tr
    }
    fn id(self) -> fluent_templates::LanguageIdentifier {
        match self {
            Lang::Tr => fluent_templates::langid!("tr"),
            Lang::En => fluent_templates::langid!("en"),
        }
    }
}

/// The translator handed to every template.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    pub lang: Lang,
}

impl I18n {
    pub fn new(lang: Lang) -> I18n {
        I18n { lang }
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn t(&self, key: &str) -> String {
        LOCALES
            .try_lookup(&self.lang.id(), key)
            .unwrap_or_else(|| key.to_string())
    }

    /// Whether there is a message `key`.
    pub fn has(&self, key: &str) -> bool {
        LOCALES.try_lookup(&self.lang.id(), key).is_some()
    }

    /// The message `key`, or the message `fallback` when there is no `key` (a module's own
    /// wording of a text the kit has for every kind: `lead-toast-created` over `toast-created`).
    pub fn t_or(&self, key: &str, fallback: &str) -> String {
        LOCALES
            .try_lookup(&self.lang.id(), key)
            .unwrap_or_else(|| self.t(fallback))
    }

    pub fn t1(&self, key: &str, name: &'static str, value: impl ToString) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed(name), FluentValue::from(value.to_string()));
        LOCALES
            .try_lookup_with_args(&self.lang.id(), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    /// A message with several text arguments.
    pub fn t_args(&self, key: &str, values: &[(&str, String)]) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        for (name, v) in values {
            args.insert(Cow::Owned(name.to_string()), FluentValue::from(v.clone()));
        }
        LOCALES
            .try_lookup_with_args(&self.lang.id(), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    pub fn tn(&self, key: &str, n: i64) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed("n"), FluentValue::from(n));
        args.insert(Cow::Borrowed("count"), FluentValue::from(self.num(n)));
        LOCALES
            .try_lookup_with_args(&self.lang.id(), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    /// A message with several number arguments (each also as `{name}_text`, formatted for the
    /// language), so plural selectors can look at every one of them.
    pub fn t_nums(&self, key: &str, nums: &[(&'static str, i64)]) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        for (name, n) in nums {
            args.insert(Cow::Borrowed(*name), FluentValue::from(*n));
            args.insert(Cow::Owned(format!("{name}_text")), FluentValue::from(self.num(*n)));
        }
        LOCALES
            .try_lookup_with_args(&self.lang.id(), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    pub fn status(&self, code: &str) -> String {
        self.t(&format!("lead-status-{code}"))
    }

    pub fn source(&self, code: &str) -> String {
        self.t(&format!("lead-source-{code}"))
    }

    pub fn role(&self, code: &str) -> String {
        self.t(&format!("role-{code}"))
    }

    pub fn field(&self, name: &str) -> String {
        self.t(&format!("lead-field-{name}"))
    }

    /// The sentence for a validation error.
    pub fn err(&self, e: &FieldError) -> String {
        let key = format!("err-{}", e.code);
        match &e.arg {
            Some(a) => self.t1(&key, "arg", a),
            None => self.t(&key),
        }
    }

    /// `1.234.567` in Turkish, `1,234,567` in English.
    pub fn num(&self, n: i64) -> String {
        let sep = if self.lang == Lang::Tr { '.' } else { ',' };
        let s = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        if n < 0 { format!("-{out}") } else { out }
    }

    pub fn date(&self, ms: i64) -> String {
        time::date(ms)
    }

    pub fn datetime(&self, ms: i64) -> String {
        time::datetime(ms)
    }

    /// "14:30", Istanbul time.
    pub fn time(&self, ms: i64) -> String {
        time::datetime(ms).split(' ').nth(1).unwrap_or_default().to_string()
    }

    /// "2 gün önce"
    pub fn ago(&self, ms: i64) -> String {
        let (n, unit) = time::ago(time::now_ms(), ms);
        if unit == "now" {
            self.t("ago-now")
        } else {
            self.tn(&format!("ago-{unit}"), n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_language_from_header() {
        assert_eq!(Lang::from_accept("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept("de-DE,tr;q=0.8"), Lang::Tr);
        assert_eq!(Lang::from_accept(""), Lang::Tr);
    }

    #[test]
    fn numbers_and_messages() {
        let tr = I18n::new(Lang::Tr);
        assert_eq!(tr.num(1234567), "1.234.567");
        assert_eq!(I18n::new(Lang::En).num(1234), "1,234");
        assert_eq!(tr.t("nav-leads"), "Adaylar");
        assert_eq!(I18n::new(Lang::En).t("nav-leads"), "Leads");
        // Messages come from every file of the language, not only main.ftl.
        assert_eq!(tr.t("err-merge_same"), "Bir kayıt kendisiyle birleştirilemez.");
    }

    /// Every `.ftl` file of a language (one per business area), concatenated.
    fn locale_text(lang: &str) -> String {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang);
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn every_key_exists_in_both_languages_once() {
        let keys = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && l.contains(" ="))
                .filter_map(|l| l.split(" =").next().map(|k| k.trim().to_string()))
                .collect()
        };
        let tr_keys = keys(&locale_text("tr"));
        let en_keys = keys(&locale_text("en"));
        let missing: Vec<_> = tr_keys.iter().filter(|k| !en_keys.contains(k)).collect();
        assert!(missing.is_empty(), "missing in en: {missing:?}");
        let extra: Vec<_> = en_keys.iter().filter(|k| !tr_keys.contains(k)).collect();
        assert!(extra.is_empty(), "missing in tr: {extra:?}");
        let mut seen = std::collections::HashSet::new();
        let dup: Vec<_> = tr_keys.iter().filter(|k| !seen.insert(k.as_str())).collect();
        assert!(dup.is_empty(), "defined twice: {dup:?}");
    }
}
