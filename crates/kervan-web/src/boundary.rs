//! Checks on raw input before any handler reads it: query strings, form bodies and JSON.
//!
//! PostgreSQL refuses a NUL byte in text with an error (a 500 before this existed), and a form
//! value with invalid UTF-8 was decoded lossily and stored as "��". Both are refused here, once,
//! for every route: NUL and the other C0 control characters (and DEL) anywhere in a query string;
//! in bodies the same except tab, LF and CR, which long texts (notes) may hold — whether a
//! single-line field may hold them is the field's own validation (`invalid_chars`).

use serde_json::Value;

/// Why raw input was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Percent-encoded bytes that are not UTF-8.
    InvalidUtf8,
    /// A control character in the named parameter or field.
    ControlChar(String),
}

/// Whether `c` may appear in a value: never a C0 control or DEL, except tab/LF/CR when `multiline`.
fn allowed(c: char, multiline: bool) -> bool {
    if multiline && matches!(c, '\t' | '\n' | '\r') {
        return true;
    }
    !(c < ' ' || c == '\u{7f}')
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space) strictly.
fn decode(part: &[u8]) -> Result<String, Refusal> {
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < part.len() => match (hex(part[i + 1]), hex(part[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| Refusal::InvalidUtf8)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Checks every name and value of a query string or form body.
pub fn check_urlencoded(raw: &[u8], multiline: bool) -> Result<(), Refusal> {
    for pair in raw.split(|b| *b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let mut it = pair.splitn(2, |b| *b == b'=');
        let name = decode(it.next().unwrap_or_default())?;
        let value = decode(it.next().unwrap_or_default())?;
        if !name.chars().all(|c| allowed(c, false)) || !value.chars().all(|c| allowed(c, multiline)) {
            let shown: String = name.chars().filter(|c| allowed(*c, false)).take(64).collect();
            return Err(Refusal::ControlChar(shown));
        }
    }
    Ok(())
}

/// The path (`notes`, `custom.butce`, `lines[2].description`) of the first string in a JSON
/// document holding a character no field may hold (tab, LF and CR are the fields' own business).
pub fn json_control_char(v: &Value) -> Option<String> {
    fn walk(v: &Value, path: &mut String) -> bool {
        match v {
            Value::String(s) => !s.chars().all(|c| allowed(c, true)),
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    if walk(x, path) {
                        return true;
                    }
                    path.truncate(len);
                }
                false
            }
            Value::Object(map) => {
                for (k, x) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    let clean: String = k.chars().filter(|c| allowed(*c, false)).take(64).collect();
                    path.push_str(&clean);
                    if clean.len() != k.len() || walk(x, path) {
                        return true;
                    }
                    path.truncate(len);
                }
                false
            }
            _ => false,
        }
    }
    let mut path = String::new();
    walk(v, &mut path).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_strings() {
        assert_eq!(check_urlencoded(b"city=%C4%B0stanbul&q=a+b", false), Ok(()));
        assert_eq!(check_urlencoded(b"", false), Ok(()));
        assert_eq!(check_urlencoded(b"x=100%", false), Ok(()));
        assert_eq!(check_urlencoded(b"x=%zz", false), Ok(()));
        assert_eq!(
            check_urlencoded(b"city=a%00b", false),
            Err(Refusal::ControlChar("city".into()))
        );
        assert_eq!(
            check_urlencoded(b"next=/%0d%0a/evil", false),
            Err(Refusal::ControlChar("next".into()))
        );
        assert_eq!(
            check_urlencoded(b"a%00=1", false),
            Err(Refusal::ControlChar("a".into()))
        );
        assert_eq!(check_urlencoded(b"q=%FF%FE", false), Err(Refusal::InvalidUtf8));
        assert_eq!(check_urlencoded(b"q=%7F", false), Err(Refusal::ControlChar("q".into())));
    }

    #[test]
    fn form_bodies_allow_line_breaks() {
        assert_eq!(check_urlencoded(b"notes=sat%C4%B1r%0D%0Asat%C4%B1r%09x", true), Ok(()));
        assert_eq!(
            check_urlencoded(b"notes=a%00", true),
            Err(Refusal::ControlChar("notes".into()))
        );
        assert_eq!(check_urlencoded(b"name=%C3%28", true), Err(Refusal::InvalidUtf8));
    }

    #[test]
    fn json_documents() {
        assert_eq!(json_control_char(&json!({"notes": "a\nb\tc", "n": 1})), None);
        assert_eq!(
            json_control_char(&json!({"custom": {"butce": "a\u{0}"}})),
            Some("custom.butce".into())
        );
        assert_eq!(
            json_control_char(&json!({"lines": [{"d": "x"}, {"d": "\u{1b}"}]})),
            Some("lines[1].d".into())
        );
        assert_eq!(json_control_char(&json!({"a\u{0}": 1})), Some("a".into()));
    }
}
