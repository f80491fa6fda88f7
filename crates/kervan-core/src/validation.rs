//! Field-level validation errors. A code (`required`, `too_long`, …) is stable and machine-readable;
//! the web layer turns it into a Turkish (or English) sentence from the `.ftl` files as `err-<code>`.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    /// Extra value for the message, such as the maximum length.
    #[serde(skip_serializing_if = "Option::is_none")]
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
}
