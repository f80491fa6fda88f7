//! vCard 4.0 (RFC 6350) for a phone's address book.

/// One person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Card {
    pub first_name: String,
    pub last_name: String,
    pub organization: Option<String>,
    pub title: Option<String>,
    /// `(type, number)`: `cell`, `work`, `voice` …
    pub phones: Vec<(&'static str, String)>,
    pub emails: Vec<String>,
    pub note: Option<String>,
}

/// Text values escape backslash, comma, semicolon and line breaks (RFC 6350 §3.4).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Lines longer than 75 octets are folded: CRLF and a space, never inside a UTF-8 character
/// (§3.2).
fn fold_line(line: &str, out: &mut String) {
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

impl Card {
    pub fn write(&self, out: &mut String) {
        let mut lines = vec!["BEGIN:VCARD".to_string(), "VERSION:4.0".to_string()];
        let full = format!("{} {}", self.first_name, self.last_name);
        lines.push(format!("FN:{}", escape(full.trim())));
        lines.push(format!("N:{};{};;;", escape(&self.last_name), escape(&self.first_name)));
        if let Some(o) = self.organization.as_deref().filter(|o| !o.is_empty()) {
            lines.push(format!("ORG:{}", escape(o)));
        }
        if let Some(t) = self.title.as_deref().filter(|t| !t.is_empty()) {
            lines.push(format!("TITLE:{}", escape(t)));
        }
        for (ty, number) in &self.phones {
            lines.push(format!("TEL;VALUE=uri;TYPE={ty}:tel:{}", number.replace(' ', "")));
        }
        for e in &self.emails {
            lines.push(format!("EMAIL:{}", escape(e)));
        }
        if let Some(n) = self.note.as_deref().filter(|n| !n.is_empty()) {
            lines.push(format!("NOTE:{}", escape(n)));
        }
        lines.push("END:VCARD".to_string());
        for l in lines {
            fold_line(&l, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card() {
        let c = Card {
            first_name: "Ayşe".into(),
            last_name: "Yılmaz".into(),
            organization: Some("Kara Metal, A.Ş.".into()),
            title: None,
            phones: vec![("cell", "+905321234567".into())],
            emails: vec!["ayse@karametal.com.tr".into()],
            note: Some("Fuar; 2. gün\nstant 4".into()),
        };
        let mut s = String::new();
        c.write(&mut s);
        assert_eq!(
            s,
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ayşe Yılmaz\r\nN:Yılmaz;Ayşe;;;\r\nORG:Kara Metal\\, A.Ş.\r\n\
             TEL;VALUE=uri;TYPE=cell:tel:+905321234567\r\nEMAIL:ayse@karametal.com.tr\r\n\
             NOTE:Fuar\\; 2. gün\\nstant 4\r\nEND:VCARD\r\n"
        );
    }

    #[test]
    fn long_lines_fold_between_characters() {
        let c = Card {
            first_name: "Ş".repeat(60),
            ..Card::default()
        };
        let mut s = String::new();
        c.write(&mut s);
        for line in s.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        let unfolded = s.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("FN:{}", "Ş".repeat(60))));
    }
}
