//! Redirects to places a request named (`next` after sign-in, `back` after the language menu or
//! a bulk action). A browser strips tabs and newlines from a `Location` before it resolves it and
//! reads `\` as `/`, so a check on the raw text is not enough (`/\t/evil.example` becomes
//! `//evil.example`): the target is parsed and rebuilt here, and only a same-site path survives.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The same-site path in `raw`, rebuilt; `/` when `raw` is anything else.
///
/// Accepted: a path that starts with exactly one `/`, without control characters, backslashes
/// or an authority, with an optional query; a fragment is dropped. Spaces and non-ASCII letters
/// are percent-encoded so the result is always a valid header value.
pub fn safe_path(raw: &str) -> String {
    rebuild(raw).unwrap_or_else(|| "/".to_string())
}

fn rebuild(raw: &str) -> Option<String> {
    // Control characters (a browser drops tab, CR and LF before parsing; others are never part
    // of a path we hand out) and backslashes (read as `/` by browsers) end the matter.
    if raw.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let without_fragment = raw.split('#').next().unwrap_or("");
    let (path, query) = match without_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (without_fragment, None),
    };
    // Exactly one leading slash: `//host` is another site, and a path never needs a scheme.
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    // A percent-encoded slash or backslash at the start could be decoded by a proxy into `//`.
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("/%2f") || lower.starts_with("/%5c") {
        return None;
    }
    let mut out = String::with_capacity(raw.len() + 8);
    encode_into(&mut out, path);
    if let Some(q) = query {
        out.push('?');
        encode_into(&mut out, q);
    }
    Some(out)
}

/// Copies visible ASCII as is and percent-encodes everything else (space, non-ASCII letters).
fn encode_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_graphic() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// `303 See Other` to `path`, which must be one of ours (a literal, or [`safe_path`]'s result).
/// Never panics: a value that is not a valid header (it cannot be, after `safe_path`) goes to `/`.
pub fn see_other(path: &str) -> Response {
    let value = HeaderValue::from_str(path).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response()
}

/// [`see_other`] to the same-site path in `raw`.
pub fn to_safe(raw: &str) -> Response {
    see_other(&safe_path(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_local_paths() {
        assert_eq!(safe_path("/leads?status=new"), "/leads?status=new");
        assert_eq!(safe_path("/accounts/12#tab"), "/accounts/12");
        assert_eq!(safe_path("/leads?q=Işık Tekstil"), "/leads?q=I%C5%9F%C4%B1k%20Tekstil");
        assert_eq!(safe_path("/"), "/");
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "leads",
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/\t/evil.example/phish",
            "/\t\\host",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\u{b}/evil",
            "\t//evil.example",
            "/%2F/evil.example",
            "/%5cevil.example",
            "javascript:alert(1)",
            " /leads",
        ] {
            assert_eq!(safe_path(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn redirects_never_fail() {
        let r = to_safe("/\r\n/evil");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "/");
        let r = to_safe("/müşteriler?x=ü");
        assert_eq!(r.headers()[header::LOCATION], "/m%C3%BC%C5%9Fteriler?x=%C3%BC");
    }
}
