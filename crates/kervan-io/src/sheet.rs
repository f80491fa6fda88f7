//! Reading a spreadsheet a person brings: CSV in the encodings and delimiters Turkish offices
//! produce, or XLSX. The format is told from the bytes, never from the name: a file named `.csv`
//! that is a picture is refused, an XLSX renamed `.csv` is read as what it is.
//!
//! Everything a hostile file could use to take the server down is bounded before it is spent:
//! the columns, the rows, and for XLSX the bytes that unzipping may produce (counted while
//! inflating, not taken from the archive's own claims).

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

/// How a CSV file's text is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    /// UTF-8 with a byte-order mark (what Excel writes as "CSV UTF-8").
    Utf8Bom,
    /// Windows-1254 (Turkish Windows; what Excel writes as plain "CSV").
    Windows1254,
    /// ISO-8859-9 (Latin-5). Identical to Windows-1254 for every letter; decoded the same way.
    Iso88599,
}

impl TextEncoding {
    pub const ALL: &'static [TextEncoding] = &[
        TextEncoding::Utf8,
        TextEncoding::Utf8Bom,
        TextEncoding::Windows1254,
        TextEncoding::Iso88599,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Bom => "utf-8-bom",
            TextEncoding::Windows1254 => "windows-1254",
            TextEncoding::Iso88599 => "iso-8859-9",
        }
    }

    pub fn parse(s: &str) -> Option<TextEncoding> {
        TextEncoding::ALL.iter().copied().find(|e| e.key() == s)
    }
}

/// What kind of file it turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn key(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

/// How to read a file; `None` means "detect".
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    pub encoding: Option<TextEncoding>,
    pub delimiter: Option<u8>,
    /// More columns than this and the file is refused (a CSV of 10,000 columns is an attack or
    /// a mistake, never an address book).
    pub max_columns: usize,
    /// More data rows than this and the file is refused.
    pub max_rows: usize,
    /// The most bytes an XLSX may unzip to.
    pub max_unzipped: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            encoding: None,
            delimiter: None,
            max_columns: 500,
            max_rows: 1_000_000,
            max_unzipped: 512 * 1024 * 1024,
        }
    }
}

/// The delimiters a CSV may use.
pub const DELIMITERS: &[u8] = b",;\t";

/// A file read into a header row and data rows (every row as long as the header).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub format: Format,
    /// For CSV: the encoding read (detected or chosen).
    pub encoding: Option<TextEncoding>,
    /// For CSV: the delimiter read.
    pub delimiter: Option<u8>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Each row's number as the spreadsheet shows it (1 is the sheet's first row; blank rows
    /// skipped here still count): what a report says when it names a row.
    pub row_numbers: Vec<u32>,
    /// For XLSX: every worksheet's name; the first is the one read.
    pub sheets: Vec<String>,
}

/// Why a file cannot be read. Each is told to the person in their words by the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not a CSV or XLSX spreadsheet")]
    NotSpreadsheet,
    #[error("the file unzips to more than the limit")]
    TooLargeUnzipped,
    #[error("the file has {0} columns")]
    TooManyColumns(usize),
    #[error("the file has more than {0} rows")]
    TooManyRows(usize),
    #[error("the file cannot be read: {0}")]
    Malformed(String),
}

/// Reads `bytes` as a spreadsheet.
pub fn read(bytes: &[u8], opts: &ReadOptions) -> Result<Table, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes, opts);
    }
    if looks_binary(bytes) {
        return Err(ReadError::NotSpreadsheet);
    }
    read_csv(bytes, opts)
}

/// Text never holds NUL bytes, and the usual binary formats announce themselves.
fn looks_binary(bytes: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"%PDF",
        b"\x89PNG",
        b"\xFF\xD8\xFF",
        b"GIF8",
        b"\xD0\xCF\x11\xE0", // old .xls and .doc
        b"\x1F\x8B",         // gzip
        b"Rar!",
        b"7z\xBC\xAF",
    ];
    let head = &bytes[..bytes.len().min(8192)];
    MAGIC.iter().any(|m| bytes.starts_with(m)) || head.contains(&0)
}

/// Decodes CSV bytes: UTF-8 when they are UTF-8 (with or without a BOM), Windows-1254 otherwise.
pub fn decode(bytes: &[u8], chosen: Option<TextEncoding>) -> (String, TextEncoding) {
    let enc = chosen.unwrap_or_else(|| detect_encoding(bytes));
    let text = match enc {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            String::from_utf8_lossy(body).into_owned()
        }
        TextEncoding::Windows1254 | TextEncoding::Iso88599 => encoding_rs::WINDOWS_1254
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    };
    (text, enc)
}

pub fn detect_encoding(bytes: &[u8]) -> TextEncoding {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        TextEncoding::Utf8Bom
    } else if std::str::from_utf8(bytes).is_ok() {
        TextEncoding::Utf8
    } else {
        TextEncoding::Windows1254
    }
}

/// The delimiter that splits the first lines into the same number of fields most often (more
/// than one field), ties broken by `;` (Turkish Excel), `,`, tab.
pub fn detect_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    let mut best = (b';', 0usize, 0usize);
    for &d in [b';', b',', b'\t'].iter() {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let Some(&first) = counts.first() else { continue };
        if first == 0 {
            continue;
        }
        let agree = counts.iter().filter(|&&c| c == first).count();
        if (agree, first) > (best.1, best.2) {
            best = (d, agree, first);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

fn read_csv(bytes: &[u8], opts: &ReadOptions) -> Result<Table, ReadError> {
    let (text, enc) = decode(bytes, opts.encoding);
    let delimiter = opts.delimiter.unwrap_or_else(|| detect_delimiter(&text));
    // Count the header's fields by hand first: the csv reader would build a 10,000-field record.
    let header_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let columns = count_outside_quotes(header_line, delimiter) + 1;
    if columns > opts.max_columns {
        return Err(ReadError::TooManyColumns(columns));
    }
    let mut rd = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut numbers = Vec::new();
    // The row a spreadsheet shows: one per record (a quoted line break stays in its cell), one
    // per blank line the reader passes over — a record's position is where the reader stood,
    // before those blank lines.
    let raw = text.as_bytes();
    let mut shown = 0u32;
    for rec in rd.records() {
        let rec = rec.map_err(|e| ReadError::Malformed(e.to_string()))?;
        if rec.len() > opts.max_columns {
            return Err(ReadError::TooManyColumns(rec.len()));
        }
        let from = rec.position().map_or(raw.len(), |p| p.byte() as usize);
        let blank = raw
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .filter(|b| **b == b'\n')
            .count();
        shown = shown.saturating_add(1 + blank as u32);
        let cells: Vec<String> = rec.iter().map(unescape).collect();
        push_row(&mut headers, (&mut rows, &mut numbers), (cells, shown), opts)?;
    }
    let headers = headers.ok_or(ReadError::Empty)?;
    square(&headers, &mut rows);
    Ok(Table {
        format: Format::Csv,
        encoding: Some(enc),
        delimiter: Some(delimiter),
        headers,
        rows,
        row_numbers: numbers,
        sheets: vec![],
    })
}

/// Adds a row: the first non-empty one is the header; blank rows are skipped; every row is
/// padded or cut to the header's width (cells beyond the header have no column to go to, and a
/// non-empty one there is kept in an extra column so nothing vanishes unseen).
fn push_row(
    headers: &mut Option<Vec<String>>,
    (rows, numbers): (&mut Vec<Vec<String>>, &mut Vec<u32>),
    (mut cells, number): (Vec<String>, u32),
    opts: &ReadOptions,
) -> Result<(), ReadError> {
    if cells.iter().all(|c| c.trim().is_empty()) {
        return Ok(());
    }
    match headers {
        None => {
            while cells.last().is_some_and(|c| c.trim().is_empty()) {
                cells.pop();
            }
            *headers = Some(cells.into_iter().map(|c| c.trim().to_string()).collect());
        }
        Some(h) => {
            if rows.len() >= opts.max_rows {
                return Err(ReadError::TooManyRows(opts.max_rows));
            }
            while cells.len() > h.len() && cells.last().is_some_and(|c| c.trim().is_empty()) {
                cells.pop();
            }
            while h.len() < cells.len() {
                if h.len() >= opts.max_columns {
                    return Err(ReadError::TooManyColumns(cells.len()));
                }
                h.push(String::new());
            }
            cells.resize(h.len(), String::new());
            rows.push(cells);
            numbers.push(number);
        }
    }
    Ok(())
}

/// Rows read before a longer one widened the header get its width too.
fn square(headers: &[String], rows: &mut [Vec<String>]) {
    for r in rows.iter_mut() {
        r.resize(headers.len(), String::new());
    }
}

/// A cell written by our own export with a leading apostrophe against formula injection gets its
/// value back (see [`crate::write::neutralise`]).
pub fn unescape(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => cell.to_string(),
    }
}

fn read_xlsx(bytes: &[u8], opts: &ReadOptions) -> Result<Table, ReadError> {
    check_unzipped(bytes, opts.max_unzipped)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| ReadError::NotSpreadsheet)?;
    let sheets = book.sheet_names();
    let range = match book.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(ReadError::Malformed(e.to_string())),
        None => return Err(ReadError::Empty),
    };
    let (h, w) = range.get_size();
    if w > opts.max_columns {
        return Err(ReadError::TooManyColumns(w));
    }
    if h > opts.max_rows.saturating_add(1) {
        return Err(ReadError::TooManyRows(opts.max_rows));
    }
    let mut headers = None;
    let mut rows = Vec::with_capacity(h);
    let mut numbers = Vec::with_capacity(h);
    // The range starts at the sheet's first used cell, not always row 1.
    let top = range.start().map_or(0, |(r, _)| r);
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        push_row(
            &mut headers,
            (&mut rows, &mut numbers),
            (cells, top + i as u32 + 1),
            opts,
        )?;
    }
    let headers = headers.ok_or(ReadError::Empty)?;
    square(&headers, &mut rows);
    Ok(Table {
        format: Format::Xlsx,
        encoding: None,
        delimiter: None,
        headers,
        rows,
        row_numbers: numbers,
        sheets,
    })
}

/// Inflates every entry of the archive into nothing, counting: an entry that claims 1 KB and
/// unzips to 4 GB is caught by what it produces.
fn check_unzipped(bytes: &[u8], limit: u64) -> Result<(), ReadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| ReadError::NotSpreadsheet)?;
    if zip.index_for_name("xl/workbook.xml").is_none() {
        return Err(ReadError::NotSpreadsheet);
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| ReadError::Malformed(e.to_string()))?;
        let left = limit.saturating_sub(total);
        let n = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink())
            .map_err(|e| ReadError::Malformed(e.to_string()))?;
        total += n;
        if total > limit {
            return Err(ReadError::TooLargeUnzipped);
        }
    }
    Ok(())
}

/// A cell as the text a person typed: whole numbers without ".0" (a phone or a tax number typed
/// into a number cell), dates as `YYYY-MM-DD`.
fn cell_text(d: &Data) -> String {
    let text = match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(),
    };
    unescape(&text)
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// An Excel serial day (days since 1899-12-30) as `YYYY-MM-DD`, with the time when it has one.
fn excel_date(serial: f64) -> String {
    let Some(epoch) = chrono::NaiveDate::from_ymd_opt(1899, 12, 30) else {
        return number_text(serial);
    };
    let days = serial.floor();
    let Some(date) = epoch.checked_add_signed(chrono::Duration::days(days as i64)) else {
        return number_text(serial);
    };
    let secs = ((serial - days) * 86_400.0).round() as i64;
    if secs == 0 {
        date.format("%Y-%m-%d").to_string()
    } else {
        let t = date.and_hms_opt(0, 0, 0).map(|d| d + chrono::Duration::seconds(secs));
        t.map_or_else(|| date.to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ReadOptions {
        ReadOptions::default()
    }

    #[test]
    fn utf8_with_bom_and_semicolons() {
        let t = read("\u{FEFF}Ad;Şehir\nAyşe;İstanbul\n".as_bytes(), &opts()).unwrap();
        assert_eq!(t.encoding, Some(TextEncoding::Utf8Bom));
        assert_eq!(t.delimiter, Some(b';'));
        assert_eq!(t.headers, vec!["Ad", "Şehir"]);
        assert_eq!(t.rows, vec![vec!["Ayşe", "İstanbul"]]);
    }

    #[test]
    fn windows_1254_with_commas() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1254.encode("Ad,Şehir\nĞülşen,Iğdır\n");
        let t = read(&bytes, &opts()).unwrap();
        assert_eq!(t.encoding, Some(TextEncoding::Windows1254));
        assert_eq!(t.delimiter, Some(b','));
        assert_eq!(t.rows[0], vec!["Ğülşen", "Iğdır"]);
    }

    #[test]
    fn tabs_and_quoted_delimiters() {
        let t = read(b"Ad\tNot\n\"Ali\"\t\"a;b,c\"\n", &opts()).unwrap();
        assert_eq!(t.delimiter, Some(b'\t'));
        assert_eq!(t.rows[0], vec!["Ali", "a;b,c"]);
        // A comma inside quotes does not make the file comma-separated.
        let t = read(b"Ad;Not\n\"Veli\";\"x, y\"\n", &opts()).unwrap();
        assert_eq!(t.delimiter, Some(b';'));
    }

    #[test]
    fn chosen_delimiter_and_encoding_win() {
        let o = ReadOptions {
            delimiter: Some(b','),
            encoding: Some(TextEncoding::Iso88599),
            ..opts()
        };
        let t = read(b"a;b,c\n1;2,3\n", &o).unwrap();
        assert_eq!(t.headers, vec!["a;b", "c"]);
        assert_eq!(t.encoding, Some(TextEncoding::Iso88599));
    }

    #[test]
    fn blank_rows_skipped_short_rows_padded_long_rows_kept() {
        let t = read(b"a;b\n\n1\n;;\n1;2;3\n", &opts()).unwrap();
        assert_eq!(t.rows, vec![vec!["1", "", ""], vec!["1", "2", "3"]]);
        assert_eq!(t.headers, vec!["a", "b", ""]);
    }

    #[test]
    fn rows_keep_the_numbers_a_spreadsheet_shows() {
        // Header on line 1, a blank line, A on 3, two blank lines, B on 6 with a line break in
        // a quoted cell (one row in a spreadsheet), C on the next row: 7.
        let t = read(b"Ad;Not\n\nA;x\n\n\nB;\"iki\nsat\xc4\xb1r\"\nC;y\n", &opts()).unwrap();
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.row_numbers, vec![3, 6, 7]);
        // An XLSX whose first row is blank and with a blank row among the data.
        let mut x = crate::write::XlsxOut::new("S").unwrap();
        for r in [vec![], vec!["Ad", "Not"], vec!["A", "x"], vec![], vec!["B", "y"]] {
            x.row(&r).unwrap();
        }
        let t = read(&x.to_bytes().unwrap(), &opts()).unwrap();
        assert_eq!(t.sheets, vec!["S"]);
        assert_eq!(t.rows, vec![vec!["A", "x"], vec!["B", "y"]]);
        assert_eq!(t.row_numbers, vec![3, 5]);
    }

    #[test]
    fn hostile_files_are_refused() {
        assert_eq!(read(b"  \n", &opts()), Err(ReadError::Empty));
        assert_eq!(read(b"\x89PNG\r\n\x1a\n....", &opts()), Err(ReadError::NotSpreadsheet));
        assert_eq!(read(b"a;b\x00c\n", &opts()), Err(ReadError::NotSpreadsheet));
        let wide = vec!["x"; 10_000].join(";");
        assert_eq!(read(wide.as_bytes(), &opts()), Err(ReadError::TooManyColumns(10_000)));
        let o = ReadOptions { max_rows: 2, ..opts() };
        assert_eq!(read(b"a\n1\n2\n3\n", &o), Err(ReadError::TooManyRows(2)));
        // A zip that is not a workbook.
        let mut buf = Vec::new();
        {
            let mut z = zip::ZipWriter::new(Cursor::new(&mut buf));
            z.start_file("a.txt", zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut z, b"hello").unwrap();
            z.finish().unwrap();
        }
        assert_eq!(read(&buf, &opts()), Err(ReadError::NotSpreadsheet));
    }

    #[test]
    fn zip_bomb_is_refused_by_what_it_inflates_to() {
        let mut buf = Vec::new();
        {
            let mut z = zip::ZipWriter::new(Cursor::new(&mut buf));
            let o = zip::write::SimpleFileOptions::default();
            z.start_file("xl/workbook.xml", o).unwrap();
            z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
            let zeros = vec![b' '; 1 << 20];
            for _ in 0..64 {
                std::io::Write::write_all(&mut z, &zeros).unwrap();
            }
            z.finish().unwrap();
        }
        assert!(buf.len() < 1 << 20, "the bomb is small: {}", buf.len());
        let o = ReadOptions {
            max_unzipped: 32 << 20,
            ..opts()
        };
        assert_eq!(read(&buf, &o), Err(ReadError::TooLargeUnzipped));
    }

    #[test]
    fn apostrophe_of_our_export_is_taken_off() {
        assert_eq!(unescape("'=1+2"), "=1+2");
        assert_eq!(unescape("'-5 indirim"), "-5 indirim");
        assert_eq!(unescape("'Ali"), "'Ali");
        assert_eq!(unescape("O'Neil"), "O'Neil");
    }

    #[test]
    fn xlsx_cells_read_as_typed() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Ad Soyad").unwrap();
        ws.write_string(0, 1, "Telefon").unwrap();
        ws.write_string(0, 2, "Not").unwrap();
        ws.write_string(1, 0, "Ayşe Yılmaz").unwrap();
        ws.write_number(1, 1, 5321234567.0).unwrap();
        ws.write_string(1, 2, "'=HYPERLINK(\"x\")").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let t = read(&bytes, &opts()).unwrap();
        assert_eq!(t.format, Format::Xlsx);
        assert_eq!(t.headers, vec!["Ad Soyad", "Telefon", "Not"]);
        assert_eq!(t.rows, vec![vec!["Ayşe Yılmaz", "5321234567", "=HYPERLINK(\"x\")"]]);
    }

    #[test]
    fn excel_dates() {
        assert_eq!(excel_date(45658.0), "2025-01-01");
        assert_eq!(excel_date(45658.5), "2025-01-01 12:00");
    }
}
