//! Field-level validation errors. A code (`required`, `too_long`, …) is stable and machine-readable;
//! the web layer turns it into a Turkish (or English) sentence from the `.ftl` files as `err-<code>`.

use serde::Serialize;

use crate::text::fold;

/// At most this many tags on a record.
pub const MAX_TAGS: usize = 20;
/// At most this many characters in one tag.
pub const MAX_TAG: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    /// Extra value for the message, such as the maximum length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: &str, code: &str) {
        self.0.push(FieldError {
            field: field.into(),
            code: code.into(),
            arg: None,
        });
    }
    pub fn add_with(&mut self, field: &str, code: &str, arg: impl ToString) {
        self.0.push(FieldError {
            field: field.into(),
            code: code.into(),
            arg: Some(arg.to_string()),
        });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
    pub fn into_result<T>(self, ok: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() { Ok(ok) } else { Err(self) }
    }
    /// Puts the errors in the order a form shows its fields, so focus lands on the first one. Fields not in
    /// `order` go last; errors of one field keep the order they were found in.
    pub fn sort_by_form(&mut self, order: &[&str]) {
        self.0
            .sort_by_key(|x| order.iter().position(|f| *f == x.field).unwrap_or(usize::MAX));
    }
}

/// A checkbox or flag as forms and query strings send it (`1`, `true`, `on`, `yes`).
pub fn truthy(s: &str) -> bool {
    matches!(s.trim(), "1" | "true" | "on" | "yes")
}

/// A raw value trimmed, with blank meaning "not given".
pub fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|s| !s.is_empty())
}

/// Parses an optional value with `parse`: blank is `None`; a failure records the code `code(error)` on `field`.
pub fn parse_opt<T, E>(
    errs: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
    code: impl FnOnce(E) -> &'static str,
) -> Option<T> {
    match parse(given(value)?) {
        Ok(v) => Some(v),
        Err(err) => {
            errs.add(field, code(err));
            None
        }
    }
}

/// One value of a fixed list (`str_enum!`): blank is `None`; anything not on the list records `invalid_choice`.
pub fn choice<T>(
    errs: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Option<T> {
    let v = given(value)?;
    let parsed = parse(v);
    if parsed.is_none() {
        errs.add(field, "invalid_choice");
    }
    parsed
}

/// Tags as typed: trimmed, blanks dropped, duplicates removed Turkish-insensitively (`İhracat` = `ihracat`, the
/// first spelling wins). A tag that is too long or holds a comma (the form's separator) records `invalid_tag`;
/// more than [`MAX_TAGS`] records `too_many`.
pub fn clean_tags(errs: &mut FieldErrors, field: &str, raw: &[String]) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for raw in raw {
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > MAX_TAG || t.chars().any(|c| c.is_control() || c == ',') {
            errs.add_with(field, "invalid_tag", MAX_TAG);
            break;
        }
        if !tags.iter().any(|x| fold(x) == fold(t)) {
            tags.push(t.to_string());
        }
    }
    if tags.len() > MAX_TAGS {
        errs.add_with(field, "too_many", MAX_TAGS);
    }
    tags
}

/// Trims a free-text value, rejects control characters and over-long input, and turns an
/// empty string into `None`. `multiline` allows newlines and tabs (notes).
pub fn clean_text(
    errs: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    max_chars: usize,
    multiline: bool,
) -> Option<String> {
    let v = value?.trim();
    if v.is_empty() {
        return None;
    }
    if v.chars().count() > max_chars {
        errs.add_with(field, "too_long", max_chars);
        return None;
    }
    let bad = v.chars().any(|c| {
        if multiline && (c == '\n' || c == '\r' || c == '\t') {
            return false;
        }
        c.is_control() || c == '\u{FEFF}'
    });
    if bad {
        errs.add(field, "invalid_chars");
        return None;
    }
    Some(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_trims_and_limits() {
        let mut e = FieldErrors::new();
        assert_eq!(clean_text(&mut e, "a", Some("  Ayşe "), 10, false), Some("Ayşe".into()));
        assert_eq!(clean_text(&mut e, "a", Some("   "), 10, false), None);
        assert!(e.is_empty());
        assert_eq!(clean_text(&mut e, "b", Some("ğğğğğğğğğğğ"), 10, false), None);
        assert_eq!(e.0[0].code, "too_long");
        assert_eq!(clean_text(&mut e, "c", Some("a\u{0}b"), 10, false), None);
        assert_eq!(e.0[1].code, "invalid_chars");
        assert_eq!(
            clean_text(&mut e, "d", Some("satır\nsatır"), 20, true),
            Some("satır\nsatır".into())
        );
    }

    #[test]
    fn helpers_for_optional_values() {
        let mut e = FieldErrors::new();
        assert_eq!(given(Some("  ")), None);
        assert_eq!(given(Some(" x ")), Some("x"));
        let n: Option<u8> = parse_opt(&mut e, "n", Some(" 7 "), |s| s.parse(), |_| "invalid_number");
        assert_eq!(n, Some(7));
        let n: Option<u8> = parse_opt(&mut e, "n", Some(""), |s| s.parse(), |_| "invalid_number");
        assert_eq!(n, None);
        assert!(e.is_empty());
        let n: Option<u8> = parse_opt(&mut e, "n", Some("yedi"), |s| s.parse(), |_| "invalid_number");
        assert_eq!(n, None);
        assert_eq!(e.0[0].code, "invalid_number");
        assert_eq!(choice(&mut e, "c", Some(" a "), |s| (s == "a").then_some(1)), Some(1));
        assert_eq!(choice(&mut e, "c", Some("b"), |s| (s == "a").then_some(1)), None);
        assert_eq!(e.0[1].code, "invalid_choice");
    }

    #[test]
    fn errors_sort_in_form_order() {
        let mut e = FieldErrors::new();
        e.add("z", "x");
        e.add("b", "first");
        e.add("a", "y");
        e.add("b", "second");
        e.sort_by_form(&["a", "b"]);
        let got: Vec<_> = e.0.iter().map(|x| (x.field.as_str(), x.code.as_str())).collect();
        assert_eq!(got, vec![("a", "y"), ("b", "first"), ("b", "second"), ("z", "x")]);
    }

    #[test]
    fn tags_are_cleaned() {
        let mut e = FieldErrors::new();
        let raw: Vec<String> = vec!["İhracat".into(), "ihracat".into(), " ".into(), " Fuar ".into()];
        assert_eq!(
            clean_tags(&mut e, "tags", &raw),
            vec!["İhracat".to_string(), "Fuar".to_string()]
        );
        assert!(e.is_empty());
        clean_tags(&mut e, "tags", &["a,b".to_string()]);
        assert_eq!(
            (e.0[0].code.as_str(), e.0[0].arg.as_deref()),
            ("invalid_tag", Some("40"))
        );
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| format!("t{i}")).collect();
        clean_tags(&mut e, "tags", &many);
        assert_eq!(e.0[1].code, "too_many");
    }
}
