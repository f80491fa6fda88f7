//! File type detection for attachments. A file attached to a CRM record is accepted only when its bytes are of an
//! allowed type and the extension of the name the user gave agrees with them. The name alone is never trusted: it is
//! what a download will be saved as, and what the user's operating system will open it with, so a PNG called
//! `fatura.pdf` or a program called `fatura.pdf` must both be refused.
//!
//! Only the first [`HEAD`] bytes are looked at, so the web layer can stream an upload to storage and keep just
//! its head for this check.

/// How many leading bytes `detect` wants to see (the caller streams the upload and keeps only this head).
pub const HEAD: usize = 8192;

/// The kinds of file that may be attached to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Png,
    Jpeg,
    Webp,
    Docx,
    Xlsx,
    Pptx,
    Doc,
    Xls,
    Ppt,
    Odt,
    Ods,
    Odp,
    Csv,
    Text,
    Zip,
    Dwg,
    Dxf,
}

/// Every type that may be attached (the upload form's `accept` list, the type of a stored media type).
pub const ALL: &[FileType] = &[
    FileType::Pdf,
    FileType::Png,
    FileType::Jpeg,
    FileType::Webp,
    FileType::Docx,
    FileType::Xlsx,
    FileType::Pptx,
    FileType::Doc,
    FileType::Xls,
    FileType::Ppt,
    FileType::Odt,
    FileType::Ods,
    FileType::Odp,
    FileType::Csv,
    FileType::Text,
    FileType::Zip,
    FileType::Dwg,
    FileType::Dxf,
];

impl FileType {
    /// The type a stored media type was written for (the inverse of [`FileType::mime`]).
    pub fn from_mime(mime: &str) -> Option<FileType> {
        ALL.iter().copied().find(|t| t.mime() == mime)
    }

    /// The media type to serve the file with. It comes from the detected type, never from the upload's own
    /// `Content-Type`, which the browser derives from the name.
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Webp => "image/webp",
            FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            FileType::Doc => "application/msword",
            FileType::Xls => "application/vnd.ms-excel",
            FileType::Ppt => "application/vnd.ms-powerpoint",
            FileType::Odt => "application/vnd.oasis.opendocument.text",
            FileType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileType::Odp => "application/vnd.oasis.opendocument.presentation",
            FileType::Csv => "text/csv; charset=utf-8",
            FileType::Text => "text/plain; charset=utf-8",
            FileType::Zip => "application/zip",
            FileType::Dwg => "image/vnd.dwg",
            FileType::Dxf => "image/vnd.dxf",
        }
    }

    /// Whether the file may be shown inline as a picture. Only raster formats qualify: SVG can carry script and is
    /// never accepted at all, and DWG/DXF have `image/` media types but no browser can draw them.
    pub fn is_image(self) -> bool {
        matches!(self, FileType::Png | FileType::Jpeg | FileType::Webp)
    }

    /// The lower-case extensions (without the dot) a file of this type may be named with.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Png => &["png"],
            // `jfif` and `jpe` are what some browsers and cameras save JPEGs as
            FileType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            FileType::Webp => &["webp"],
            // the macro-enabled variants (docm, xlsm, pptm) are deliberately absent: macros are not accepted
            FileType::Docx => &["docx"],
            FileType::Xlsx => &["xlsx"],
            FileType::Pptx => &["pptx"],
            FileType::Doc => &["doc"],
            FileType::Xls => &["xls"],
            FileType::Ppt => &["ppt"],
            FileType::Odt => &["odt"],
            FileType::Ods => &["ods"],
            FileType::Odp => &["odp"],
            // a tab-separated file is a CSV with another separator, and spreadsheets open it the same way
            FileType::Csv => &["csv", "tsv"],
            FileType::Text => &["txt"],
            FileType::Zip => &["zip"],
            FileType::Dwg => &["dwg"],
            FileType::Dxf => &["dxf"],
        }
    }

    fn has_extension(self, ext: &str) -> bool {
        self.extensions().contains(&ext)
    }

    /// The office formats that are ZIP archives underneath.
    fn is_zip_package(self) -> bool {
        matches!(
            self,
            FileType::Docx | FileType::Xlsx | FileType::Pptx | FileType::Odt | FileType::Ods | FileType::Odp
        )
    }
}

/// Why an upload was refused. The kinds are kept apart so the form can tell the user what to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The content is not of an allowed type (a program, an SVG, an HTML page, a GIF, something unknown).
    #[error("this kind of file cannot be attached")]
    NotAllowed,
    /// The content is allowed, but the name's extension claims another type.
    #[error("the file name's extension does not match its content")]
    NameMismatch,
    /// The name is empty or has no extension, so there is nothing to check the content against.
    #[error("the file needs a name with an extension")]
    NoName,
}

/// Text extensions a browser would treat as active content (script, markup). A text file is refused outright under
/// these names rather than reported as misnamed: renaming it would not make it acceptable as what it claims to be.
const ACTIVE_EXTENSIONS: &[&str] = &["svg", "html", "htm", "xhtml", "js", "mjs", "xml"];

/// What the bytes alone say, before the name is consulted.
enum Sniffed {
    /// The content settles the type.
    Exact(FileType),
    /// An OLE2 compound file: Word, Excel and PowerPoint 97–2003 share the container, and telling them apart would
    /// mean reading its directory, which usually lies beyond the head. The extension picks one.
    Ole2,
    /// An Office Open XML package; `Some` when the part names seen in the head settle which one.
    Ooxml(Option<FileType>),
    /// Plain text: CSV or a note, depending on the name.
    Text,
}

/// Detects the type of an upload from its first bytes and checks it against the name the user gave.
///
/// `head`: the first up-to-HEAD bytes; `name`: the name the user gave.
pub fn detect(head: &[u8], name: &str) -> Result<FileType, Refusal> {
    // Only HEAD bytes count even if the caller passes more, so the answer does not depend on how much it buffered
    // (a text file with a binary byte after HEAD must not pass or fail depending on that).
    let head = &head[..head.len().min(HEAD)];
    // The content is judged first: a program is "not allowed" whatever it is called, even when it has no name.
    let sniffed = sniff(head).ok_or(Refusal::NotAllowed)?;
    let ext = extension(name).ok_or(Refusal::NoName)?;
    let ext = ext.as_str();
    match sniffed {
        Sniffed::Exact(ty) | Sniffed::Ooxml(Some(ty)) => named(ty, ext),
        Sniffed::Ole2 => [FileType::Doc, FileType::Xls, FileType::Ppt]
            .into_iter()
            .find(|ty| ty.has_extension(ext))
            .ok_or(Refusal::NameMismatch),
        Sniffed::Ooxml(None) => [FileType::Docx, FileType::Xlsx, FileType::Pptx]
            .into_iter()
            .find(|ty| ty.has_extension(ext))
            .or_else(|| FileType::Zip.has_extension(ext).then_some(FileType::Zip))
            .ok_or(Refusal::NameMismatch),
        Sniffed::Text => {
            if ACTIVE_EXTENSIONS.contains(&ext) {
                return Err(Refusal::NotAllowed);
            }
            [FileType::Csv, FileType::Text]
                .into_iter()
                .find(|ty| ty.has_extension(ext))
                .ok_or(Refusal::NameMismatch)
        }
    }
}

/// `ty` if the extension belongs to it. An office package named `.zip` is accepted as a plain ZIP: it is one, the
/// name does not lie, and a user's own archive may well contain a folder called `word/` or `xl/`.
fn named(ty: FileType, ext: &str) -> Result<FileType, Refusal> {
    if ty.has_extension(ext) {
        Ok(ty)
    } else if ty.is_zip_package() && FileType::Zip.has_extension(ext) {
        Ok(FileType::Zip)
    } else {
        Err(Refusal::NameMismatch)
    }
}

/// The lower-cased extension of `name`, or `None` when there is no usable one.
fn extension(name: &str) -> Option<String> {
    // Some browsers (old Internet Explorer, Edge in IE mode) send the whole client path; only its last component
    // is the file's name, and a dot in a folder name is not an extension.
    let base = match name.rfind(['/', '\\']) {
        Some(i) => &name[i + 1..],
        None => name,
    };
    // Windows drops trailing dots and spaces when it saves a file, so `x.html.` opens as `x.html`: check the
    // extension the user's machine will actually see.
    let base = base
        .trim_start()
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    let (stem, ext) = base.rsplit_once('.')?;
    // `.pdf` alone is a hidden file with no extension, as `std::path::Path::extension` also has it.
    if stem.is_empty() || ext.is_empty() {
        return None;
    }
    // ASCII-only lowering: every allowed extension is ASCII, and Unicode lowering would map the Turkish `İ` to
    // `i̇` (two chars), which no extension contains anyway; `TEKLİF.PDF` still gives `pdf`.
    Some(ext.to_ascii_lowercase())
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
const OLE2: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP_LOCAL: &[u8] = b"PK\x03\x04";
/// The end-of-central-directory record that starts an archive with no entries.
const ZIP_EMPTY: &[u8] = b"PK\x05\x06";
const DXF_BINARY: &[u8] = b"AutoCAD Binary DXF\r\n\x1a\x00";
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The type the bytes announce, or `None` when they are not of an allowed type.
fn sniff(head: &[u8]) -> Option<Sniffed> {
    // Magic numbers are checked before the text test, since several of them (`%PDF-`, `AC1032`) are ASCII.
    let exact = if head.starts_with(b"%PDF-") {
        FileType::Pdf
    } else if head.starts_with(PNG) {
        FileType::Png
    } else if head.starts_with(b"\xFF\xD8\xFF") {
        FileType::Jpeg
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        FileType::Webp
    } else if head.starts_with(OLE2) {
        return Some(Sniffed::Ole2);
    } else if head.starts_with(ZIP_LOCAL) {
        return Some(sniff_zip(head));
    } else if head.starts_with(ZIP_EMPTY) {
        FileType::Zip
    } else if is_dwg(head) {
        FileType::Dwg
    } else if head.starts_with(DXF_BINARY) || is_ascii_dxf(head) {
        FileType::Dxf
    } else if is_text(head) {
        // Markup saved under a text name is still markup: a browser that sniffs content would render it.
        return if looks_like_markup(head) {
            None
        } else {
            Some(Sniffed::Text)
        };
    } else {
        // programs (MZ, ELF), GIF, TIFF, archives other than ZIP, and anything unknown
        return None;
    };
    Some(Sniffed::Exact(exact))
}

/// A DWG drawing starts with its version string: `AC10` and two digits (AC1015 for AutoCAD 2000 up to AC1032 for
/// 2018 and later).
fn is_dwg(head: &[u8]) -> bool {
    head.len() >= 6 && head.starts_with(b"AC10") && head[4].is_ascii_digit() && head[5].is_ascii_digit()
}

/// An ASCII DXF is a list of (group code, value) line pairs and always opens a section first: `0` / `SECTION`.
/// Lines may be indented (codes are often right-aligned in three columns) and end in CRLF or LF; a few exporters
/// put `999` comment pairs before it.
fn is_ascii_dxf(head: &[u8]) -> bool {
    let body = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    let mut lines = body
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .skip_while(|line| line.is_empty());
    loop {
        let (Some(code), Some(value)) = (lines.next(), lines.next()) else {
            return false;
        };
        match code {
            b"0" => return value == b"SECTION",
            b"999" => continue,
            _ => return false,
        }
    }
}

/// Bytes that Windows-1254 (Turkish) leaves undefined. ISO-8859-9 puts C1 controls there; either way no text has
/// them, so a non-UTF-8 head containing one is binary.
const CP1254_UNDEFINED: &[u8] = &[0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E];

/// Whether the head reads as text: UTF-8, or the Windows-1254 / ISO-8859-9 that Turkish Excel still writes CSVs in.
fn is_text(head: &[u8]) -> bool {
    // Control characters other than tab, line feed, form feed and carriage return (NUL above all) do not occur in
    // text in either encoding, and every binary format has them.
    if head
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0C | b'\r'))
    {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // No `error_len` means the input ended inside a character: the head was cut in the middle of a multi-byte
        // character, and the rest of it is in the part we did not keep.
        Err(e) if e.error_len().is_none() => true,
        Err(_) => !head.iter().any(|b| CP1254_UNDEFINED.contains(b)),
    }
}

/// Whether a text head opens like HTML or XML (SVG included), after an optional BOM and whitespace. The tags are
/// those the WHATWG MIME Sniffing standard uses to decide a resource is HTML, plus `<svg`, so that no file this
/// module lets through as text could be taken for markup by a sniffing browser.
fn looks_like_markup(head: &[u8]) -> bool {
    let body = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    let start = body
        .iter()
        .position(|b| !matches!(b, b'\t' | b'\n' | 0x0C | b'\r' | b' '))
        .unwrap_or(body.len());
    let body = &body[start..];
    if starts_with_ignore_case(body, b"<?xml") {
        return true;
    }
    const TAGS: &[&[u8]] = &[
        b"<!DOCTYPE HTML",
        b"<HTML",
        b"<HEAD",
        b"<SCRIPT",
        b"<IFRAME",
        b"<H1",
        b"<DIV",
        b"<FONT",
        b"<TABLE",
        b"<A",
        b"<STYLE",
        b"<TITLE",
        b"<B",
        b"<BODY",
        b"<BR",
        b"<P",
        b"<!--",
        b"<SVG",
    ];
    TAGS.iter().any(|tag| {
        starts_with_ignore_case(body, tag)
            // the tag must end there (`<b>`, `<svg xmlns=…`), or `<Bursa>` in a note would count as `<B`
            && matches!(body.get(tag.len()), Some(b' ' | b'>' | b'/' | b'\t' | b'\n' | b'\r' | 0x0C))
    })
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// One ZIP local file header found in the head.
struct ZipEntry<'a> {
    name: &'a [u8],
    /// 0 is stored (uncompressed).
    method: u16,
    /// Offset of the entry's data in the head.
    data_start: usize,
    /// Compressed size, `None` when the local header does not give it (a data descriptor follows the data, or the
    /// real size is in a ZIP64 extra field).
    size: Option<usize>,
}

/// The local file header at `at`, if a whole one (name included) is in the head.
fn zip_entry(head: &[u8], at: usize) -> Option<ZipEntry<'_>> {
    let h = head.get(at..)?;
    if h.len() < 30 || !h.starts_with(ZIP_LOCAL) {
        return None;
    }
    let u16_at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
    let flags = u16_at(6);
    let method = u16_at(8);
    let size = u32::from_le_bytes([h[18], h[19], h[20], h[21]]);
    let name_len = usize::from(u16_at(26));
    let extra_len = usize::from(u16_at(28));
    let name = h.get(30..30 + name_len)?;
    let size = if flags & 0x0008 != 0 || size == u32::MAX {
        None
    } else {
        usize::try_from(size).ok()
    };
    Some(ZipEntry {
        name,
        method,
        data_start: at + 30 + name_len + extra_len,
        size,
    })
}

/// The entries whose local headers are in the head, in archive order.
fn zip_entries(head: &[u8]) -> Vec<ZipEntry<'_>> {
    let mut entries = Vec::new();
    let mut at = 0;
    while let Some(entry) = zip_entry(head, at) {
        at = match entry.size {
            Some(size) => entry.data_start.saturating_add(size),
            // Streaming writers (Java's ZipOutputStream, many web exporters) only give the size after the data;
            // the next local header is then found by its signature. `data_start` is past `at`, so this advances.
            None => match head.get(entry.data_start..).and_then(|rest| find(rest, ZIP_LOCAL)) {
                Some(offset) => entry.data_start + offset,
                None => usize::MAX,
            },
        };
        entries.push(entry);
    }
    entries
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// The ODF media types a `mimetype` entry may hold, with the type each one means.
const ODF_MIMETYPES: &[(&[u8], FileType)] = &[
    (b"application/vnd.oasis.opendocument.text", FileType::Odt),
    (b"application/vnd.oasis.opendocument.spreadsheet", FileType::Ods),
    (b"application/vnd.oasis.opendocument.presentation", FileType::Odp),
];

/// Tells ODF and OOXML documents from plain ZIP archives by their first entries.
fn sniff_zip(head: &[u8]) -> Sniffed {
    let entries = zip_entries(head);

    // ODF requires the first entry to be `mimetype`, stored uncompressed, so that its type can be read at a fixed
    // place without unzipping. Templates and other ODF kinds fall through to plain ZIP.
    if let Some(first) = entries.first()
        && first.name == b"mimetype"
        && first.method == 0
        && let Some(size) = first.size
        && let Some(content) = head.get(first.data_start..first.data_start.saturating_add(size))
        && let Some(&(_, ty)) = ODF_MIMETYPES.iter().find(|(mime, _)| *mime == content)
    {
        return Sniffed::Exact(ty);
    }

    // OOXML has no fixed first entry, but every package has `[Content_Types].xml` and `_rels/`, and the main part
    // sits under `word/`, `xl/` or `ppt/`. Only the parts in the head are seen; when they do not settle which
    // document it is (or contradict each other), the extension decides.
    let mut ooxml = false;
    let mut kind = None;
    let mut conflicting = false;
    for entry in &entries {
        let name = entry.name;
        if starts_with_ignore_case(name, b"[Content_Types].xml") || starts_with_ignore_case(name, b"_rels/") {
            ooxml = true;
        }
        let this = if starts_with_ignore_case(name, b"word/") {
            FileType::Docx
        } else if starts_with_ignore_case(name, b"xl/") {
            FileType::Xlsx
        } else if starts_with_ignore_case(name, b"ppt/") {
            FileType::Pptx
        } else {
            continue;
        };
        ooxml = true;
        match kind {
            None => kind = Some(this),
            Some(seen) if seen != this => conflicting = true,
            Some(_) => {}
        }
    }
    if ooxml {
        Sniffed::Ooxml(if conflicting { None } else { kind })
    } else {
        Sniffed::Exact(FileType::Zip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [FileType; 18] = [
        FileType::Pdf,
        FileType::Png,
        FileType::Jpeg,
        FileType::Webp,
        FileType::Docx,
        FileType::Xlsx,
        FileType::Pptx,
        FileType::Doc,
        FileType::Xls,
        FileType::Ppt,
        FileType::Odt,
        FileType::Ods,
        FileType::Odp,
        FileType::Csv,
        FileType::Text,
        FileType::Zip,
        FileType::Dwg,
        FileType::Dxf,
    ];

    /// A ZIP local file header for `name` followed by `data`, built field by field as a real archiver writes it.
    /// `descriptor`: set bit 3 and leave the sizes zero, as streaming writers do.
    fn local(name: &str, method: u16, data: &[u8], descriptor: bool) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
        out.extend_from_slice(&(if descriptor { 0x0008u16 } else { 0 }).to_le_bytes()); // flags
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&0x6000u16.to_le_bytes()); // DOS time 12:00
        out.extend_from_slice(&0x5a21u16.to_le_bytes()); // DOS date 2025-01-01
        out.extend_from_slice(&0x1234_5678u32.to_le_bytes()); // CRC-32 (not checked)
        let size = if descriptor { 0 } else { data.len() as u32 };
        out.extend_from_slice(&size.to_le_bytes()); // compressed size
        out.extend_from_slice(&size.to_le_bytes()); // uncompressed size (equal: fine for a test)
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra field length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        if descriptor {
            out.extend_from_slice(b"PK\x07\x08");
            out.extend_from_slice(&[0; 12]);
        }
        out
    }

    const DEFLATE: u16 = 8;
    /// Stand-in for deflated XML: binary, with a NUL, so nothing but the ZIP structure can be recognised.
    const DEFLATED: &[u8] = b"\xed\x9d\x5b\x6f\x00\x1c\xc7\x95\x85\xdf";

    fn zip(entries: &[Vec<u8>]) -> Vec<u8> {
        entries.concat()
    }

    fn docx_head() -> Vec<u8> {
        zip(&[
            local("[Content_Types].xml", DEFLATE, DEFLATED, false),
            local("_rels/.rels", DEFLATE, DEFLATED, false),
            local("word/document.xml", DEFLATE, DEFLATED, false),
        ])
    }

    fn odf_head(mimetype: &str) -> Vec<u8> {
        zip(&[
            local("mimetype", 0, mimetype.as_bytes(), false),
            local("content.xml", DEFLATE, DEFLATED, false),
        ])
    }

    const PNG_HEAD: &[u8] =
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00";
    const PDF_HEAD: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    /// The start of a Windows program: `MZ` and a DOS header full of NULs.
    const EXE_HEAD: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00";
    const OLE2_HEAD: &[u8] =
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00\x00\x00\x00\x00\x3e\x00\x03\x00\xfe\xff";

    #[test]
    fn filetype_pdf() {
        assert_eq!(detect(PDF_HEAD, "teklif.pdf"), Ok(FileType::Pdf));
    }

    #[test]
    fn filetype_extension_case_including_turkish_name() {
        // `İ` is not ASCII; only the extension is lowered, and it is `PDF`.
        assert_eq!(detect(PDF_HEAD, "TEKLİF.PDF"), Ok(FileType::Pdf));
        assert_eq!(detect(PDF_HEAD, "Sözleşme.Pdf"), Ok(FileType::Pdf));
    }

    #[test]
    fn filetype_png() {
        assert_eq!(detect(PNG_HEAD, "logo.png"), Ok(FileType::Png));
    }

    #[test]
    fn filetype_png_named_pdf_is_name_mismatch() {
        assert_eq!(detect(PNG_HEAD, "fatura.pdf"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_pdf_named_exe_is_name_mismatch() {
        assert_eq!(detect(PDF_HEAD, "x.exe"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_jpeg_extensions() {
        let jpeg = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00";
        assert_eq!(detect(jpeg, "foto.jpg"), Ok(FileType::Jpeg));
        assert_eq!(detect(jpeg, "foto.JPEG"), Ok(FileType::Jpeg));
        assert_eq!(detect(jpeg, "foto.jfif"), Ok(FileType::Jpeg));
        assert_eq!(detect(jpeg, "foto.png"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_webp() {
        let webp = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00";
        assert_eq!(detect(webp, "urun.webp"), Ok(FileType::Webp));
        // RIFF is also WAV and AVI: without `WEBP` at offset 8 it is not an image
        let wav = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00";
        assert_eq!(detect(wav, "urun.webp"), Err(Refusal::NotAllowed));
    }

    #[test]
    fn filetype_docx_from_local_headers() {
        let head = docx_head();
        assert_eq!(detect(&head, "sozlesme.docx"), Ok(FileType::Docx));
        assert_eq!(detect(&head, "sozlesme.xlsx"), Err(Refusal::NameMismatch));
        assert_eq!(detect(&head, "sozlesme.pdf"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_xlsx_and_pptx_from_part_names() {
        let xlsx = zip(&[
            local("[Content_Types].xml", DEFLATE, DEFLATED, false),
            local("xl/workbook.xml", DEFLATE, DEFLATED, false),
        ]);
        assert_eq!(detect(&xlsx, "fiyatlar.xlsx"), Ok(FileType::Xlsx));
        let pptx = zip(&[
            local("[Content_Types].xml", DEFLATE, DEFLATED, false),
            local("ppt/presentation.xml", DEFLATE, DEFLATED, false),
        ]);
        assert_eq!(detect(&pptx, "sunum.pptx"), Ok(FileType::Pptx));
        assert_eq!(detect(&pptx, "sunum.docx"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_ooxml_decided_by_extension_when_parts_unseen() {
        // only the package parts fit in the head: any of the three, as the name says
        let head = zip(&[
            local("[Content_Types].xml", DEFLATE, DEFLATED, false),
            local("_rels/.rels", DEFLATE, DEFLATED, false),
        ]);
        assert_eq!(detect(&head, "rapor.xlsx"), Ok(FileType::Xlsx));
        assert_eq!(detect(&head, "rapor.docx"), Ok(FileType::Docx));
        assert_eq!(detect(&head, "rapor.pptx"), Ok(FileType::Pptx));
        assert_eq!(detect(&head, "rapor.odt"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_ooxml_with_data_descriptors() {
        // sizes after the data: the walk must find `word/` by the next header's signature
        let head = zip(&[
            local("[Content_Types].xml", DEFLATE, DEFLATED, true),
            local("word/document.xml", DEFLATE, DEFLATED, true),
        ]);
        assert_eq!(detect(&head, "mektup.docx"), Ok(FileType::Docx));
        assert_eq!(detect(&head, "mektup.xlsx"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_office_package_named_zip_is_zip() {
        assert_eq!(detect(&docx_head(), "arsiv.zip"), Ok(FileType::Zip));
        assert_eq!(
            detect(&odf_head("application/vnd.oasis.opendocument.text"), "a.zip"),
            Ok(FileType::Zip)
        );
    }

    #[test]
    fn filetype_macro_enabled_office_is_name_mismatch() {
        assert_eq!(detect(&docx_head(), "makro.docm"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_odf() {
        let odt = odf_head("application/vnd.oasis.opendocument.text");
        assert_eq!(detect(&odt, "dilekce.odt"), Ok(FileType::Odt));
        assert_eq!(detect(&odt, "dilekce.ods"), Err(Refusal::NameMismatch));
        let ods = odf_head("application/vnd.oasis.opendocument.spreadsheet");
        assert_eq!(detect(&ods, "tablo.ODS"), Ok(FileType::Ods));
        let odp = odf_head("application/vnd.oasis.opendocument.presentation");
        assert_eq!(detect(&odp, "sunum.odp"), Ok(FileType::Odp));
    }

    #[test]
    fn filetype_odf_other_kinds_are_plain_zip() {
        // a template's media type only starts like a document's
        let ott = odf_head("application/vnd.oasis.opendocument.text-template");
        assert_eq!(detect(&ott, "sablon.odt"), Err(Refusal::NameMismatch));
        assert_eq!(detect(&ott, "sablon.zip"), Ok(FileType::Zip));
        // `mimetype` compressed breaks the ODF rule: not recognised as ODF
        let compressed = zip(&[local(
            "mimetype",
            DEFLATE,
            b"application/vnd.oasis.opendocument.text",
            false,
        )]);
        assert_eq!(detect(&compressed, "x.odt"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_plain_zip() {
        let head = zip(&[
            local("fotograflar/", 0, b"", false),
            local("fotograflar/depo.jpg", 0, b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", false),
        ]);
        assert_eq!(detect(&head, "arsiv.zip"), Ok(FileType::Zip));
        assert_eq!(detect(&head, "arsiv.docx"), Err(Refusal::NameMismatch));
        let empty = b"PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
        assert_eq!(detect(empty, "bos.zip"), Ok(FileType::Zip));
    }

    #[test]
    fn filetype_ole2_by_extension() {
        assert_eq!(detect(OLE2_HEAD, "eski.doc"), Ok(FileType::Doc));
        assert_eq!(detect(OLE2_HEAD, "eski.XLS"), Ok(FileType::Xls));
        assert_eq!(detect(OLE2_HEAD, "eski.ppt"), Ok(FileType::Ppt));
        assert_eq!(detect(OLE2_HEAD, "eski.docx"), Err(Refusal::NameMismatch));
        assert_eq!(detect(OLE2_HEAD, "kurulum.msi"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_dwg_versions() {
        for version in ["AC1015", "AC1018", "AC1024", "AC1027", "AC1032"] {
            let mut head = version.as_bytes().to_vec();
            head.extend_from_slice(b"\x00\x00\x00\x00\x00\x03\x00\x01\x00\x00");
            assert_eq!(detect(&head, "kat-plani.dwg"), Ok(FileType::Dwg), "{version}");
            assert_eq!(detect(&head, "kat-plani.dxf"), Err(Refusal::NameMismatch), "{version}");
        }
    }

    #[test]
    fn filetype_dxf_ascii_and_binary() {
        let crlf = b"  0\r\nSECTION\r\n  2\r\nHEADER\r\n  9\r\n$ACADVER\r\n  1\r\nAC1015\r\n";
        assert_eq!(detect(crlf, "vaziyet.dxf"), Ok(FileType::Dxf));
        let leading_blank = b"\n\n0\nSECTION\n2\nENTITIES\n";
        assert_eq!(detect(leading_blank, "vaziyet.DXF"), Ok(FileType::Dxf));
        let comment = b"999\nexported by a CAD tool\n  0\nSECTION\n";
        assert_eq!(detect(comment, "vaziyet.dxf"), Ok(FileType::Dxf));
        let binary = b"AutoCAD Binary DXF\r\n\x1a\x00\x00\x00SECTION\x00";
        assert_eq!(detect(binary, "vaziyet.dxf"), Ok(FileType::Dxf));
        assert_eq!(detect(crlf, "vaziyet.txt"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_utf8_turkish_csv() {
        let csv = "Ad;Soyad;Şehir;Telefon\nÇağrı;Öztürk;İstanbul;+90 532 000 00 00\nAyşe;Güneş;Muğla;\n";
        assert_eq!(detect(csv.as_bytes(), "musteriler.csv"), Ok(FileType::Csv));
        assert_eq!(detect(csv.as_bytes(), "musteriler.tsv"), Ok(FileType::Csv));
        assert_eq!(detect(csv.as_bytes(), "musteriler.txt"), Ok(FileType::Text));
        // with the BOM Excel writes for "CSV UTF-8"
        let bom = [UTF8_BOM, csv.as_bytes()].concat();
        assert_eq!(detect(&bom, "musteriler.csv"), Ok(FileType::Csv));
    }

    #[test]
    fn filetype_windows_1254_csv() {
        // "Ad;İlçe\nAyşe;Karşıyaka\nDoğan;Şişli\n" as Turkish Excel saves it: ı=FD, ğ=F0, ş=FE, İ=DD, Ş=DE
        let csv = b"Ad;\xDDl\xE7e\r\nAy\xFEe;Kar\xFE\xFDyaka\r\nDo\xF0an;\xDEi\xFEli\r\n";
        assert_eq!(detect(csv, "musteriler.csv"), Ok(FileType::Csv));
    }

    #[test]
    fn filetype_text_cut_inside_a_character() {
        // `Ş` (C5 9E) shifted by one byte, so the head ends on the first byte of a character. 0x9E is undefined in
        // Windows-1254, so only the UTF-8 path (with its tolerance for the cut) can accept this.
        let mut head = vec![b'a'];
        while head.len() < HEAD + 10 {
            head.extend_from_slice("Ş".as_bytes());
        }
        assert_eq!(HEAD % 2, 0);
        assert_eq!(head[HEAD - 1], 0xC5);
        assert_eq!(detect(&head[..HEAD], "notlar.txt"), Ok(FileType::Text));
        // passing more than HEAD gives the same answer
        assert_eq!(detect(&head, "notlar.txt"), Ok(FileType::Text));
    }

    #[test]
    fn filetype_only_head_is_looked_at() {
        let mut head = vec![b'a'; HEAD];
        head.push(0);
        assert_eq!(detect(&head, "notlar.txt"), Ok(FileType::Text));
    }

    #[test]
    fn filetype_binary_is_not_text() {
        // not UTF-8, and 0x81 is undefined in Windows-1254
        assert_eq!(detect(b"abc\x81def", "x.txt"), Err(Refusal::NotAllowed));
        // an escape character
        assert_eq!(detect(b"abc\x1b[31mdef", "x.txt"), Err(Refusal::NotAllowed));
    }

    #[test]
    fn filetype_text_named_pdf_is_name_mismatch() {
        assert_eq!(detect(b"merhaba\n", "x.pdf"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_exe_renamed_pdf_is_not_allowed() {
        assert_eq!(detect(EXE_HEAD, "fatura.pdf"), Err(Refusal::NotAllowed));
        assert_eq!(detect(EXE_HEAD, "fatura.exe"), Err(Refusal::NotAllowed));
        // the content is judged before the name
        assert_eq!(detect(EXE_HEAD, ""), Err(Refusal::NotAllowed));
    }

    #[test]
    fn filetype_elf_and_gif_are_not_allowed() {
        let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";
        assert_eq!(detect(elf, "rapor.pdf"), Err(Refusal::NotAllowed));
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04";
        assert_eq!(detect(gif, "animasyon.gif"), Err(Refusal::NotAllowed));
    }

    #[test]
    fn filetype_svg_is_not_allowed() {
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
        assert_eq!(detect(svg, "logo.svg"), Err(Refusal::NotAllowed));
        // under a text name it is still SVG
        assert_eq!(detect(svg, "logo.txt"), Err(Refusal::NotAllowed));
        let xml = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<svg width=\"10\"/>";
        assert_eq!(detect(xml, "logo.svg"), Err(Refusal::NotAllowed));
        assert_eq!(detect(xml, "logo.csv"), Err(Refusal::NotAllowed));
    }

    #[test]
    fn filetype_html_is_not_allowed() {
        let html = b"\n  <!DOCTYPE html>\n<html><body>kampanya</body></html>";
        assert_eq!(detect(html, "kampanya.html"), Err(Refusal::NotAllowed));
        assert_eq!(detect(html, "kampanya.txt"), Err(Refusal::NotAllowed));
        assert_eq!(detect(b"<p>merhaba</p>", "not.txt"), Err(Refusal::NotAllowed));
    }

    #[test]
    fn filetype_angle_bracket_text_is_still_text() {
        // only tags a browser would sniff as markup count
        assert_eq!(detect(b"<Bursa sube> notlari\n", "not.txt"), Ok(FileType::Text));
        assert_eq!(detect(b"<=100 TL;indirim\n", "kural.csv"), Ok(FileType::Csv));
    }

    #[test]
    fn filetype_text_with_active_extension_is_not_allowed() {
        for name in ["x.svg", "x.html", "x.HTM", "x.js", "x.xml"] {
            assert_eq!(detect(b"merhaba dunya\n", name), Err(Refusal::NotAllowed), "{name}");
        }
    }

    #[test]
    fn filetype_no_name() {
        for name in [
            "",
            "   ",
            "fatura",
            "fatura.",
            ".pdf",
            "belgeler.2025/fatura",
            "C:\\belgeler.v2\\ ",
        ] {
            assert_eq!(detect(PDF_HEAD, name), Err(Refusal::NoName), "{name:?}");
        }
    }

    #[test]
    fn filetype_name_with_client_path_and_trailing_dots() {
        assert_eq!(
            detect(PDF_HEAD, "C:\\Users\\ayse\\Desktop\\fatura.pdf"),
            Ok(FileType::Pdf)
        );
        assert_eq!(detect(PDF_HEAD, "belgeler/fatura.pdf"), Ok(FileType::Pdf));
        // Windows would save this as `fatura.pdf`
        assert_eq!(detect(PDF_HEAD, "fatura.pdf. "), Ok(FileType::Pdf));
        // and this as `x.html`
        assert_eq!(detect(b"merhaba\n", "x.html."), Err(Refusal::NotAllowed));
        // the last extension is the one that counts
        assert_eq!(detect(PDF_HEAD, "fatura.pdf.exe"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_truncated_or_tiny_heads() {
        assert_eq!(detect(b"", "bos.txt"), Ok(FileType::Text));
        assert_eq!(detect(b"PK\x03\x04\x14\x00", "yarim.zip"), Ok(FileType::Zip));
        // a local header whose name runs past the head
        let mut cut = local("word/document.xml", DEFLATE, DEFLATED, false);
        cut.truncate(35);
        assert_eq!(detect(&cut, "cut.zip"), Ok(FileType::Zip));
        // four ASCII bytes are not a WebP, just text under the wrong name
        assert_eq!(detect(b"RIFF", "x.webp"), Err(Refusal::NameMismatch));
    }

    #[test]
    fn filetype_metadata_is_consistent() {
        let mut seen: Vec<&str> = Vec::new();
        assert_eq!(&ALL[..], super::ALL);
        for ty in ALL {
            assert!(!ty.mime().is_empty());
            assert_eq!(FileType::from_mime(ty.mime()), Some(ty));
            assert!(!ty.extensions().is_empty(), "{ty:?}");
            for ext in ty.extensions() {
                assert_eq!(*ext, ext.to_ascii_lowercase(), "{ty:?}");
                assert!(!ACTIVE_EXTENSIONS.contains(ext), "{ty:?}");
                // an extension names one type, or the name could not settle a mismatch
                assert!(!seen.contains(ext), "{ext} twice");
                seen.push(ext);
            }
            assert_eq!(
                ty.is_image(),
                ty.mime().starts_with("image/") && !matches!(ty, FileType::Dwg | FileType::Dxf)
            );
        }
        assert_eq!(FileType::Csv.mime(), "text/csv; charset=utf-8");
        assert_eq!(
            FileType::Docx.mime(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
    }
}
