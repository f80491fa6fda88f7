//! File formats, as pure transforms: spreadsheets in (CSV in Turkish encodings and delimiters,
//! XLSX) and out (CSV for Turkish Excel, XLSX), vCard. No database, no async: the app layer
//! decides what goes in and out.

pub mod sheet;
pub mod vcard;
pub mod write;
