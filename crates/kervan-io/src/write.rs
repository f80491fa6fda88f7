//! Writing what a person downloads: CSV that Turkish Excel opens right (`;`, a BOM, CRLF) and
//! XLSX, both with text cells kept from being run as formulas.

use std::borrow::Cow;
use std::io::Write;

/// A text cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, or a leading
/// tab or CR) gets a leading apostrophe, which Excel and LibreOffice show as plain text; the
/// importer takes it off again ([`crate::sheet::unescape`]). A number (`-5`, `1.250,50`) and a
/// phone in international form (`+90 532 123 45 67`) stay as they are: no spreadsheet runs them.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let Some(first) = cell.chars().next() else {
        return Cow::Borrowed(cell);
    };
    if !matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r') || is_number(cell) || is_phone(cell) {
        return Cow::Borrowed(cell);
    }
    Cow::Owned(format!("'{cell}"))
}

/// `-12`, `-1250,50`, `-1.250,50`, `+3.5`.
fn is_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    !body.is_empty()
        && body.starts_with(|c: char| c.is_ascii_digit())
        && body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

/// `+905321234567`, `+90 532 123 45 67`, `+90 (532) 123 45 67`.
fn is_phone(s: &str) -> bool {
    let Some(body) = s.strip_prefix('+') else {
        return false;
    };
    body.starts_with(|c: char| c.is_ascii_digit())
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '(' || c == ')')
}

/// Writes rows as CSV for Turkish Excel: a UTF-8 BOM, `;` between cells, CRLF after rows.
pub struct CsvOut<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> CsvOut<W> {
    pub fn new(mut out: W) -> std::io::Result<CsvOut<W>> {
        out.write_all(b"\xEF\xBB\xBF")?;
        let w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        Ok(CsvOut { w })
    }

    /// One row; every cell goes through [`neutralise`].
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> std::io::Result<()> {
        self.w
            .write_record(cells.iter().map(|c| neutralise(c.as_ref()).into_owned()))
            .map_err(std::io::Error::other)
    }

    pub fn finish(self) -> std::io::Result<W> {
        self.w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
    }
}

/// Writes rows into one XLSX sheet, streamed to a temporary file as they come (constant memory,
/// so a million rows do not sit in memory), with a bold, frozen header row.
pub struct XlsxOut {
    book: rust_xlsxwriter::Workbook,
    row: u32,
    bold: rust_xlsxwriter::Format,
}

impl XlsxOut {
    pub fn new(sheet: &str) -> Result<XlsxOut, rust_xlsxwriter::XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet_with_constant_memory()?;
        // Sheet names may not hold some characters and are at most 31 long.
        let name: String = sheet
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
            .take(31)
            .collect();
        if !name.trim().is_empty() {
            ws.set_name(name.trim())?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(XlsxOut {
            book,
            row: 0,
            bold: rust_xlsxwriter::Format::new().set_bold(),
        })
    }

    /// One row: the first is the header (bold). Text cells go through [`neutralise`] too, so a
    /// file saved again as CSV from Excel stays harmless.
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> Result<(), rust_xlsxwriter::XlsxError> {
        let header = self.row == 0;
        let ws = self.book.worksheet_from_index(0)?;
        for (i, c) in cells.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            let text = neutralise(c.as_ref());
            if header {
                ws.write_string_with_format(self.row, col, text.as_ref(), &self.bold)?;
            } else if !text.is_empty() {
                ws.write_string(self.row, col, text.as_ref())?;
            }
        }
        if header {
            for i in 0..cells.len() {
                ws.set_column_width(u16::try_from(i).unwrap_or(u16::MAX), 20)?;
            }
        }
        self.row += 1;
        Ok(())
    }

    pub fn finish<W: Write + std::io::Seek + Send>(mut self, out: W) -> Result<(), rust_xlsxwriter::XlsxError> {
        self.book.save_to_writer(out)
    }

    pub fn to_bytes(mut self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        self.book.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet;

    #[test]
    fn formulas_neutralised_numbers_and_phones_not() {
        for bad in [
            "=1+2",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"http://x\")",
        ] {
            assert_eq!(neutralise(bad), format!("'{bad}"), "{bad:?}");
        }
        for ok in [
            "-12",
            "-1.250,50",
            "+905321234567",
            "+90 532 123 45 67",
            "+90 (532) 123 45 67",
            "Ali",
            "",
            "5-6",
        ] {
            assert_eq!(neutralise(ok), ok, "{ok:?}");
        }
    }

    #[test]
    fn csv_for_turkish_excel_and_back() {
        let mut out = CsvOut::new(Vec::new()).unwrap();
        out.row(&["Ad", "Not", "Telefon"]).unwrap();
        out.row(&["Ayşe; Fatma", "=1+2", "+905321234567"]).unwrap();
        let bytes = out.finish().unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "Ad;Not;Telefon\r\n\"Ayşe; Fatma\";'=1+2;+905321234567\r\n");
        let t = sheet::read(&bytes, &sheet::ReadOptions::default()).unwrap();
        assert_eq!(t.rows, vec![vec!["Ayşe; Fatma", "=1+2", "+905321234567"]]);
    }

    #[test]
    fn xlsx_round_trip() {
        let mut out = XlsxOut::new("Adaylar").unwrap();
        out.row(&["Ad", "Not"]).unwrap();
        out.row(&["Çağlar", "@x"]).unwrap();
        let bytes = out.to_bytes().unwrap();
        let t = sheet::read(&bytes, &sheet::ReadOptions::default()).unwrap();
        assert_eq!(t.headers, vec!["Ad", "Not"]);
        assert_eq!(t.rows, vec![vec!["Çağlar", "@x"]]);
    }
}
