//! İçe aktarma: records of a kind brought in from a spreadsheet, the way a person checks them.
//!
//! 1. [`upload`]: the file is read (format, encoding and delimiter detected; hostile files
//!    refused before anything is written), kept under `DATA/imports/`, and its columns mapped to
//!    fields by the words people use for them. The run is a `draft`.
//! 2. [`configure`] changes the mapping, the duplicate policy and the values every row gets;
//!    [`preview`] judges every row exactly as the run will — nothing written — and shows the
//!    first rows' problems and the counts the run will give.
//! 3. [`start`] queues it; the job worker ([`run_job`]) writes it in batches, each in one
//!    transaction through the kit's batch write, which falls back to a savepoint per row when
//!    the database refuses the batch — so one bad row never stops the rest (nor, on
//!    PostgreSQL, aborts its batch). Each row's outcome is kept: the record created, the record
//!    updated with its before-image, the reason a row was skipped or refused with its cells.
//! 4. [`undo`] removes what it created and restores what it changed, except records edited
//!    since, which are listed and left alone.
//!
//! Every row goes through the record kit's own checks and writes ([`records::prepare_new`],
//! [`records::create_many_in`], [`records::update_in`]): an imported record is exactly what the
//! form would have made, with its history and search keys.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use serde::{Deserialize, Serialize};

use kervan_core::permissions::Action;
use kervan_core::places;
use kervan_core::record::{self, CustomDef, CustomValues, FieldType, Input, Inputs, Kind, Value, Values};
use kervan_core::text::fold;
use kervan_core::time::now_ms;
use kervan_core::{FieldError, FieldErrors};
use kervan_io::sheet::{self, ReadError, ReadOptions, Table, TextEncoding};
use kervan_store::ConnectionTrait;
use kervan_store::runs::{self, Counts, ItemRow, NewRun, RunRow};

use crate::error::{AppError, Result};
use crate::records::{self, RecordKind};
use crate::{Actor, App, registry};

pub const OP: &str = "import";
pub const JOB: &str = "import";
/// The kinds a file may bring in.
pub const KINDS: &[&str] = &["leads", "accounts", "contacts", "products"];
/// The pseudo-field of a column holding a whole name ("Ad Soyad"), split into first and last.
pub const FULL_NAME: &str = "full_name";
/// Rows per transaction: small enough that a batch holds the write lock briefly (a few tenths
/// of a second) and a crash loses little, large enough that commits — and on SQLite the
/// full-text index's flush and merge at each — do not dominate.
const BATCH: usize = 2000;
/// Rows the preview shows.
pub const PREVIEW_ROWS: usize = 20;

/// What an assignment by region names as its field: the region of the record's city (not a
/// stored field: a customer's own `region` is free text).
pub const REGION: &str = "city_region";

/// What to do with a row that matches an existing record (or an earlier row of the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Leave the existing record alone (the default: never a second record for the same person).
    #[default]
    Skip,
    /// Fill the existing record's empty fields.
    Update,
    /// Replace the existing record's fields with the row's non-empty cells.
    Overwrite,
    /// Create a new record anyway.
    Create,
}

impl Policy {
    pub const ALL: &'static [Policy] = &[Policy::Skip, Policy::Update, Policy::Overwrite, Policy::Create];

    pub fn key(self) -> &'static str {
        match self {
            Policy::Skip => "skip",
            Policy::Update => "update",
            Policy::Overwrite => "overwrite",
            Policy::Create => "create",
        }
    }

    pub fn parse(s: &str) -> Option<Policy> {
        Policy::ALL.iter().copied().find(|p| p.key() == s)
    }
}

/// The words people use for fields and choices, from the caller (the web layer owns the words):
/// `(field path, labels in every language)` and `(field path, [(label, option key)])`.
#[derive(Debug, Clone, Default)]
pub struct Words {
    pub fields: Vec<(String, Vec<String>)>,
    pub options: Vec<(String, Vec<(String, String)>)>,
}

/// What an import was asked to do (stored with the run as JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Settings {
    /// `utf-8`, `utf-8-bom`, `windows-1254`, `iso-8859-9` (CSV only).
    #[serde(default)]
    pub encoding: Option<String>,
    /// `,`, `;` or a tab (CSV only).
    #[serde(default)]
    pub delimiter: Option<String>,
    #[serde(default)]
    pub format: String,
    pub headers: Vec<String>,
    /// Per column, the field path it fills (`first_name`, `custom.budget`, [`FULL_NAME`]), or ""
    /// for a column left out.
    pub mapping: Vec<String>,
    #[serde(default)]
    pub policy: Policy,
    /// Values every row gets where its own cell is empty (`source`, `source_detail`, `owner_id`,
    /// and `tags`, which are added to the row's).
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Per choice field: folded label (or key) → option key.
    #[serde(default)]
    pub choices: BTreeMap<String, BTreeMap<String, String>>,
    /// An XLSX's worksheets: the first is read, the others are told about (not read).
    #[serde(default)]
    pub sheets: Vec<String>,
}

/// An import as its pages show it.
#[derive(Debug, Clone)]
pub struct Run {
    pub row: RunRow,
    pub settings: Settings,
}

fn parse_settings(row: &RunRow) -> Settings {
    serde_json::from_str(&row.settings).unwrap_or_default()
}

fn entry_of(kind: &str) -> Result<registry::Entry> {
    if !KINDS.contains(&kind) {
        return Err(AppError::NotFound);
    }
    registry::entry(kind).ok_or(AppError::NotFound)
}

/// Where an import's file is kept while it is mapped and run.
fn file_path(app: &App, id: i64) -> PathBuf {
    app.config.data_dir.join("imports").join(format!("{id}.bin"))
}

/// Why a file was refused, as a field error on `file`.
fn refusal(e: ReadError) -> AppError {
    let (code, arg) = match e {
        ReadError::Empty => ("import_empty", None),
        ReadError::NotSpreadsheet => ("import_not_spreadsheet", None),
        ReadError::TooLargeUnzipped => ("import_zip_bomb", None),
        ReadError::TooManyColumns(n) => ("import_too_many_columns", Some(n.to_string())),
        ReadError::TooManyRows(n) => ("import_too_many_rows", Some(n.to_string())),
        ReadError::Malformed(_) => ("import_malformed", None),
    };
    let mut errors = FieldErrors::new();
    match arg {
        Some(a) => errors.add_with("file", code, a),
        None => errors.add("file", code),
    }
    AppError::Validation(errors)
}

fn read_options(s: &Settings) -> ReadOptions {
    ReadOptions {
        encoding: s.encoding.as_deref().and_then(TextEncoding::parse),
        delimiter: s.delimiter.as_deref().and_then(|d| d.bytes().next()),
        ..ReadOptions::default()
    }
}

/// Reads a file brought for import and keeps it as a draft run, its columns mapped by their
/// headers. Nothing of a refused file stays.
pub async fn upload(app: &App, actor: &Actor, kind: &str, file_name: &str, bytes: &[u8], words: &Words) -> Result<i64> {
    let entry = entry_of(kind)?;
    actor.require(entry.kind.module, Action::Import)?;
    actor.require(entry.kind.module, Action::Create)?;
    if bytes.len() as u64 > app.config.max_import_bytes {
        return Err(AppError::Validation({
            let mut e = FieldErrors::new();
            e.add_with("file", "import_too_large", app.config.max_import_bytes / (1024 * 1024));
            e
        }));
    }
    let table = sheet::read(bytes, &ReadOptions::default()).map_err(refusal)?;
    if table.rows.is_empty() {
        return Err(refusal(ReadError::Empty));
    }
    let defs = records::custom_defs(&app.db.conn, entry.kind).await?;
    let mapping = auto_map(entry.kind, &defs, words, &table.headers);
    let settings = Settings {
        encoding: table.encoding.map(|e| e.key().to_string()),
        delimiter: table.delimiter.map(|d| (d as char).to_string()),
        format: table.format.key().to_string(),
        headers: table.headers.clone(),
        mapping,
        policy: Policy::Skip,
        values: BTreeMap::new(),
        choices: choice_words(entry.kind, &defs, words),
        sheets: table.sheets.clone(),
    };
    let json = serde_json::to_string(&settings).map_err(|e| AppError::Internal(e.to_string()))?;
    let name: String = file_name.chars().filter(|c| !c.is_control()).take(200).collect();
    let id = runs::insert(
        &app.db.conn,
        &NewRun {
            op: OP,
            kind,
            user_id: actor.author(),
            status: "draft",
            file_name: Some(&name),
            settings: &json,
            total: table.rows.len() as i64,
        },
        now_ms(),
    )
    .await?;
    let path = file_path(app, id);
    let saved = async {
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::write(&path, bytes).await
    };
    if let Err(e) = saved.await {
        // No file, no run.
        kervan_store::db::exec(&app.db.conn, "DELETE FROM runs WHERE id = ?", vec![id.into()]).await?;
        return Err(AppError::Internal(format!("import file not saved: {e}")));
    }
    Ok(id)
}

/// A run of the actor's (an admin sees everyone's); someone else's answers `NotFound`.
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<Run> {
    let row = crate::runs::owned(app, actor, OP, id).await?;
    let settings = parse_settings(&row);
    Ok(Run { row, settings })
}

/// The actor's recent imports (an admin's: everyone's).
pub async fn recent(app: &App, actor: &Actor, limit: u64) -> Result<Vec<Run>> {
    let rows = crate::runs::recent(app, actor, OP, limit).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let settings = parse_settings(&row);
            Run { row, settings }
        })
        .collect())
}

/// The file of a draft, read with its settings.
async fn table_of(app: &App, run: &Run) -> Result<Table> {
    let bytes = tokio::fs::read(file_path(app, run.row.id))
        .await
        .map_err(|_| AppError::NotFound)?;
    sheet::read(&bytes, &read_options(&run.settings)).map_err(refusal)
}

/// What a person changes on the mapping page.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    /// Per column: field path or "".
    pub mapping: Option<Vec<String>>,
    pub policy: Option<Policy>,
    pub values: Option<BTreeMap<String, String>>,
}

/// Changes a draft's reading, mapping, policy or fixed values; re-reads the file when the
/// encoding or delimiter changed (the headers may change with them).
pub async fn configure(app: &App, actor: &Actor, id: i64, ch: &Changes, words: &Words) -> Result<Run> {
    let mut run = get(app, actor, id).await?;
    if run.row.status != "draft" {
        return Err(AppError::field("status", "import_not_draft"));
    }
    let entry = entry_of(&run.row.kind)?;
    let defs = records::custom_defs(&app.db.conn, entry.kind).await?;
    let mut e = FieldErrors::new();
    let reread = ch.encoding.is_some() || ch.delimiter.is_some();
    if let Some(enc) = &ch.encoding {
        if TextEncoding::parse(enc).is_none() {
            e.add("encoding", "invalid_choice");
        }
        run.settings.encoding = Some(enc.clone());
    }
    if let Some(d) = &ch.delimiter {
        let d = if d == "tab" { "\t" } else { d.as_str() };
        if !matches!(d, "," | ";" | "\t") {
            e.add("delimiter", "invalid_choice");
        }
        run.settings.delimiter = Some(d.to_string());
    }
    if let Some(p) = ch.policy {
        run.settings.policy = p;
    }
    if let Some(m) = &ch.mapping {
        let allowed = mappable(entry.kind, &defs);
        let mut used = Vec::new();
        for (i, path) in m.iter().enumerate() {
            if path.is_empty() {
                continue;
            }
            if !allowed.iter().any(|a| a == path) {
                e.add(&format!("mapping.{i}"), "invalid_choice");
            } else if used.contains(path) {
                e.add(&format!("mapping.{i}"), "import_mapped_twice");
            }
            used.push(path.clone());
        }
        run.settings.mapping = m.clone();
    }
    if let Some(v) = &ch.values {
        for (k, val) in v {
            if !matches!(k.as_str(), "source" | "source_detail" | "owner_id" | "tags") || entry.kind.field(k).is_none()
            {
                e.add(k, "unknown_field");
                continue;
            }
            if k == "owner_id" && !val.is_empty() {
                let Ok(uid) = val.parse::<i64>() else {
                    e.add(k, "invalid_choice");
                    continue;
                };
                let scope = actor.require(entry.kind.module, Action::Create)?;
                if let Err(AppError::Validation(v)) = crate::access::check_owner(&app.db.conn, actor, scope, uid).await
                {
                    e.0.extend(v.0);
                }
            }
        }
        run.settings.values = v
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), v.trim().to_string()))
            .collect();
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    if reread {
        let table = table_of(app, &run).await?;
        if table.headers != run.settings.headers {
            run.settings.mapping = auto_map(entry.kind, &defs, words, &table.headers);
            run.settings.headers = table.headers.clone();
        }
        run.row.total = table.rows.len() as i64;
    }
    run.settings.mapping.resize(run.settings.headers.len(), String::new());
    let json = serde_json::to_string(&run.settings).map_err(|e| AppError::Internal(e.to_string()))?;
    runs::set_settings(&app.db.conn, id, &json, run.row.total).await?;
    Ok(run)
}

/// The field paths a column may fill: writable fields (not hidden, not the system's), the full
/// name where a kind has first and last names, active custom fields.
pub fn mappable(kind: &Kind, defs: &[CustomDef]) -> Vec<String> {
    let mut out = Vec::new();
    if kind.field("first_name").is_some() && kind.field("last_name").is_some() {
        out.push(FULL_NAME.to_string());
    }
    for f in kind.writable().filter(|f| !f.hidden) {
        out.push(f.key.to_string());
    }
    out.extend(defs.iter().filter(|d| d.active).map(|d| d.path()));
    out
}

/// Words for a whole name in a header.
const FULL_NAME_WORDS: &[&str] = &[
    "Ad Soyad",
    "Adı Soyadı",
    "Ad-Soyad",
    "İsim Soyisim",
    "Full name",
    "Name Surname",
    "Kişi",
    "Yetkili",
];

/// Maps each header to the field it names: by the field's key, its import aliases, its labels,
/// a custom field's label or key; each field at most once (the first column that names it).
pub fn auto_map(kind: &Kind, defs: &[CustomDef], words: &Words, headers: &[String]) -> Vec<String> {
    let allowed = mappable(kind, defs);
    let mut names: Vec<(String, String)> = Vec::new();
    let mut add = |word: &str, path: &str| {
        if allowed.iter().any(|a| a == path) {
            names.push((fold(word), path.to_string()));
        }
    };
    for w in FULL_NAME_WORDS {
        add(w, FULL_NAME);
    }
    for f in kind.writable() {
        add(f.key, f.key);
        for a in f.import {
            add(a, f.key);
        }
    }
    for (path, labels) in &words.fields {
        for l in labels {
            add(l, path);
        }
    }
    for d in defs.iter().filter(|d| d.active) {
        add(&d.label, &d.path());
        add(&d.key, &d.path());
    }
    let mut used: Vec<String> = Vec::new();
    headers
        .iter()
        .map(|h| {
            let h = fold(h.trim());
            let found = names
                .iter()
                .find(|(n, p)| *n == h && !used.contains(p))
                .map(|(_, p)| p.clone());
            match found {
                Some(p) => {
                    used.push(p.clone());
                    p
                }
                None => String::new(),
            }
        })
        .collect()
}

/// Per choice field (declared or custom): folded labels and keys → option key.
fn choice_words(kind: &Kind, defs: &[CustomDef], words: &Words) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for f in kind.writable().filter(|f| f.ty == FieldType::Choice) {
        let m = out.entry(f.key.to_string()).or_default();
        for o in f.options {
            m.insert(fold(o), o.to_string());
        }
    }
    for (path, opts) in &words.options {
        let m = out.entry(path.clone()).or_default();
        for (label, key) in opts {
            m.entry(fold(label)).or_insert_with(|| key.clone());
        }
    }
    for d in defs
        .iter()
        .filter(|d| matches!(d.ty, FieldType::Choice | FieldType::MultiChoice))
    {
        let m = out.entry(d.path()).or_default();
        for o in d.options.iter().filter(|o| o.active) {
            m.insert(fold(&o.label), o.key.clone());
            m.insert(fold(&o.key), o.key.clone());
        }
    }
    out
}

/// Splits a whole name: the last word is the surname, the rest the given names ("Ayşe Nur
/// Yılmaz" → "Ayşe Nur", "Yılmaz"). One word is a given name.
pub fn split_name(full: &str) -> (String, String) {
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.split_last() {
        None => (String::new(), String::new()),
        Some((last, [])) => (last.to_string(), String::new()),
        Some((last, rest)) => (rest.join(" "), last.to_string()),
    }
}

/// A province's own spelling when the cell names one, whatever its case; anything else as typed.
fn province(cell: &str) -> String {
    let key = fold(cell);
    kervan_core::places::PROVINCES
        .iter()
        .find(|p| fold(p) == key)
        .map_or_else(|| cell.to_string(), |p| p.to_string())
}

/// "Evet", "Hayır", "X", "yes" … as the kit's boolean words (an export writes the language's
/// words; a sheet may hold anything a person types).
fn yes_no(cell: &str) -> String {
    match fold(cell).as_str() {
        "evet" | "e" | "yes" | "y" | "true" | "x" | "var" | "1" => "true".into(),
        "hayir" | "h" | "no" | "n" | "false" | "yok" | "0" => "false".into(),
        _ => cell.to_string(),
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

/// The kit's inputs of one row, by the mapping: choices by their label, users by e-mail or name,
/// the values every row gets where its own cell is empty.
fn row_inputs(
    kind: &Kind,
    defs: &[CustomDef],
    settings: &Settings,
    (users, named): (&HashMap<String, i64>, &Named),
    cells: &[String],
) -> (Inputs, FieldErrors) {
    let mut inputs = Inputs::default();
    let mut problems = FieldErrors::new();
    let choice = |path: &str, cell: &str| -> String {
        settings
            .choices
            .get(path)
            .and_then(|m| m.get(&fold(cell)))
            .cloned()
            .unwrap_or_else(|| cell.to_string())
    };
    for (i, path) in settings.mapping.iter().enumerate() {
        let Some(cell) = cells.get(i).map(|c| c.trim()) else {
            continue;
        };
        if path.is_empty() || cell.is_empty() {
            continue;
        }
        if path == FULL_NAME {
            let (first, last) = split_name(cell);
            inputs.fields.insert("first_name".into(), Input::Text(first));
            if !last.is_empty() {
                inputs.fields.insert("last_name".into(), Input::Text(last));
            }
            continue;
        }
        if let Some(key) = path.strip_prefix("custom.") {
            let Some(d) = defs.iter().find(|d| d.key == key) else {
                continue;
            };
            let input = match d.ty {
                FieldType::MultiChoice => Input::List(split_list(cell).iter().map(|c| choice(path, c)).collect()),
                FieldType::Choice => Input::Text(choice(path, cell)),
                FieldType::User => Input::Text(users.get(&fold(cell)).map_or(cell.to_string(), |u| u.to_string())),
                _ => Input::Text(cell.to_string()),
            };
            inputs.custom.insert(key.to_string(), input);
            continue;
        }
        let Some(f) = kind.field(path) else { continue };
        let input = match f.ty {
            FieldType::Choice => Input::Text(choice(path, cell)),
            FieldType::Bool => Input::Text(yes_no(cell)),
            FieldType::Tags | FieldType::MultiChoice => Input::List(split_list(cell)),
            FieldType::User => Input::Text(users.get(&fold(cell)).map_or(cell.to_string(), |u| u.to_string())),
            // A customer (or person) by its name, as an export writes it.
            FieldType::Reference => match named.get(f.refers, cell) {
                Some(ByName::One(id)) => Input::Text(id.to_string()),
                Some(ByName::Many) => {
                    problems.add_with(f.key, "reference_ambiguous", cell);
                    continue;
                }
                Some(ByName::None) => {
                    problems.add_with(f.key, "reference_not_found", cell);
                    continue;
                }
                // A number is an id (the API's way); the kit checks it.
                None => Input::Text(cell.to_string()),
            },
            // "ANKARA", "izmir", "istanbul": the province as it is written.
            _ if f.suggest == record::Suggest::Provinces => Input::Text(province(cell)),
            _ => Input::Text(cell.to_string()),
        };
        inputs.fields.insert(path.clone(), input);
    }
    for (k, v) in &settings.values {
        if k == "tags" {
            let mut tags = match inputs.fields.remove("tags") {
                Some(Input::List(t)) => t,
                _ => vec![],
            };
            for t in split_list(v) {
                if !tags.iter().any(|x| fold(x) == fold(&t)) {
                    tags.push(t);
                }
            }
            inputs.fields.insert("tags".into(), Input::List(tags));
        } else if !inputs.fields.contains_key(k.as_str()) {
            let input = if kind.field(k).is_some_and(|f| f.ty == FieldType::Choice) {
                Input::Text(choice(k, v))
            } else {
                Input::Text(v.clone())
            };
            inputs.fields.insert(k.clone(), input);
        }
    }
    (inputs, problems)
}

/// What a name in a reference column found among the records the importing user may see.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ByName {
    One(i64),
    Many,
    None,
}

/// Names of reference columns looked up once each: `(kind, folded name)`.
#[derive(Default)]
struct Named(HashMap<(&'static str, String), ByName>);

impl Named {
    /// What `cell` names; `None` for a number (an id) or a name not looked up.
    fn get(&self, kind: &'static str, cell: &str) -> Option<ByName> {
        if cell.parse::<i64>().is_ok() {
            return None;
        }
        self.0.get(&(kind, fold(cell))).copied()
    }

    /// Looks up the names of `rows`' reference columns not looked up yet: exact matches only
    /// (Turkish-insensitive), the records the actor may see.
    async fn learn(
        &mut self,
        app: &App,
        actor: &Actor,
        kind: &Kind,
        mapping: &[String],
        rows: &[Vec<String>],
    ) -> Result<()> {
        for (i, path) in mapping.iter().enumerate() {
            let Some(f) = kind.field(path).filter(|f| f.ty == FieldType::Reference) else {
                continue;
            };
            for cells in rows {
                let Some(cell) = cells.get(i).map(|c| c.trim()).filter(|c| !c.is_empty()) else {
                    continue;
                };
                let key = (f.refers, fold(cell));
                if cell.parse::<i64>().is_ok() || self.0.contains_key(&key) {
                    continue;
                }
                // Enough candidates that the exact one is among them when many names share words.
                let exact: Vec<i64> = crate::registry::find_by_name(app, actor, f.refers, cell, 50)
                    .await?
                    .into_iter()
                    .filter(|(_, name)| fold(name) == key.1)
                    .map(|(id, _)| id)
                    .collect();
                let found = match exact.as_slice() {
                    [id] => ByName::One(*id),
                    [] => ByName::None,
                    _ => ByName::Many,
                };
                self.0.insert(key, found);
            }
        }
        Ok(())
    }
}

/// A new record starts where the form starts (a customer is a company unless the file or the
/// fixed values say otherwise); an existing one keeps what it has.
fn as_new(kind: &Kind, inputs: &Inputs) -> Option<Inputs> {
    let missing: Vec<_> = kind
        .writable()
        .filter_map(|f| f.initial.filter(|v| *v != record::NOW).map(|v| (f.key, v)))
        .filter(|(k, _)| !inputs.fields.contains_key(*k))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut out = inputs.clone();
    for (k, v) in missing {
        out.fields.insert(k.to_string(), Input::Text(v.to_string()));
    }
    Some(out)
}

/// The fields by which a row is the same record as another: e-mail, phone, VKN, TCKN among the
/// kind's identity fields (a product: its code).
fn match_fields(kind: &Kind, identity: &[&'static str]) -> Vec<&'static str> {
    let typed: Vec<&'static str> = identity
        .iter()
        .copied()
        .filter(|k| {
            kind.field(k).is_some_and(|f| {
                matches!(
                    f.ty,
                    FieldType::Email | FieldType::Phone | FieldType::Vkn | FieldType::Tckn
                )
            })
        })
        .collect();
    if typed.is_empty() { identity.to_vec() } else { typed }
}

/// The phone fields among `fields` (a person's phone, mobile and WhatsApp): one number, in
/// whichever of them it is written, is one person.
fn phone_fields(kind: &Kind, fields: &[&'static str]) -> Vec<&'static str> {
    fields
        .iter()
        .copied()
        .filter(|f| kind.field(f).is_some_and(|x| x.ty == FieldType::Phone))
        .collect()
}

/// A row's duplicate keys: `(field, value)`, every phone under the first phone field's name.
fn keys_of(kind: &Kind, fields: &[&'static str], values: &Values) -> Vec<(&'static str, String)> {
    let phones = phone_fields(kind, fields);
    let mut out: Vec<(&'static str, String)> = fields
        .iter()
        .filter_map(|f| {
            let label = if phones.contains(f) { phones[0] } else { *f };
            values.get(f).map(|v| (label, v.canonical()))
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let mut once = HashSet::new();
    out.retain(|k| once.insert(k.clone()));
    out
}

/// An existing record found by an equal key.
#[derive(Debug, Clone, sea_orm::FromQueryResult)]
struct Found {
    id: i64,
    owner_id: Option<i64>,
    value: String,
}

/// Existing records (not archived) whose match fields equal any of `keys`: `(field, value)` → id
/// and owner, the lowest id first.
async fn find_existing<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    fields: &[&'static str],
    keys: &[(&'static str, String)],
) -> Result<HashMap<(&'static str, String), (i64, Option<i64>)>> {
    let mut out = HashMap::new();
    let mut by_field: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for (f, v) in keys {
        by_field.entry(f).or_default().push(v.clone());
    }
    let owner = if kind.owned { "owner_id" } else { "NULL" };
    let phones = phone_fields(kind, fields);
    // A phone key is looked for in every phone column (see `keys_of`).
    let columns: Vec<(&'static str, &'static str)> = by_field
        .keys()
        .flat_map(|label| {
            if phones.first() == Some(label) {
                phones.iter().map(|col| (*label, *col)).collect::<Vec<_>>()
            } else {
                vec![(*label, *label)]
            }
        })
        .collect();
    for (label, field) in columns {
        let Some(values) = by_field.get(label) else { continue };
        for chunk in values.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let rows: Vec<Found> = kervan_store::db::all(
                c,
                &format!(
                    "SELECT id, {owner} AS owner_id, {field} AS value FROM {} WHERE archived_at IS NULL AND {field} IN ({marks}) ORDER BY id",
                    kind.table
                ),
                chunk.iter().map(|v| v.clone().into()).collect(),
            )
            .await?;
            for r in rows {
                out.entry((label, r.value)).or_insert((r.id, r.owner_id));
            }
        }
    }
    Ok(out)
}

/// A match key: a field and its canonical value (`phone`, `+905321234567`).
type Key = (&'static str, String);
/// Stored records by key: id and owner.
type Existing = HashMap<Key, (i64, Option<i64>)>;
/// Earlier rows of the file by key: the row number.
type Seen = HashMap<Key, i64>;

/// A row read and checked, with the keys it is matched by.
struct ReadRow<'a> {
    row_no: i64,
    cells: &'a Vec<String>,
    inputs: Inputs,
    keys: Vec<(&'static str, String)>,
    /// The row as a new record, or its problems.
    prepared: std::result::Result<(Values, CustomValues), FieldErrors>,
}

/// What will come of a row.
enum Verdict {
    Create(Values, CustomValues),
    Update {
        rec: Box<records::Record>,
        values: Values,
        custom: CustomValues,
    },
    Skip(serde_json::Value),
    Reject(FieldErrors),
}

/// The outcome of judging (and, when writing, of writing) a file.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    pub counts: Counts,
    /// The first rows with their problems: `(row number, cells, problems, outcome)`.
    pub rows: Vec<PreviewRow>,
}

#[derive(Debug, Clone)]
pub struct PreviewRow {
    /// 1-based, the header being row 1 as a spreadsheet numbers it.
    pub row_no: i64,
    pub cells: Vec<String>,
    /// `created`, `updated`, `skipped`, `rejected`.
    pub outcome: &'static str,
    pub problems: Vec<FieldError>,
    /// Why a row is skipped (JSON, see [`Verdict::Skip`]).
    pub reason: Option<serde_json::Value>,
}

/// Judges every row of a draft as the run will; nothing is written.
pub async fn preview(app: &App, actor: &Actor, id: i64) -> Result<Preview> {
    let run = get(app, actor, id).await?;
    let entry = entry_of(&run.row.kind)?;
    (entry.import)(app.clone(), actor.clone(), run.row.id, false).await
}

/// Queues a draft for the job worker.
pub async fn start(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let run = get(app, actor, id).await?;
    let entry = entry_of(&run.row.kind)?;
    actor.require(entry.kind.module, Action::Import)?;
    if run.settings.mapping.iter().all(String::is_empty) {
        return Err(AppError::field("mapping", "import_nothing_mapped"));
    }
    let txn = kervan_store::db::begin_guarded(&app.db.conn, &[]).await?;
    if !runs::transition(&txn, id, &["draft"], "queued", now_ms()).await? {
        return Err(AppError::field("status", "import_not_draft"));
    }
    crate::runs::enqueue(&txn, JOB, id).await?;
    txn.commit().await?;
    crate::runs::wake(app);
    Ok(())
}

/// Runs a draft at once, without the job worker (the command line).
pub async fn run_now(app: &App, actor: &Actor, id: i64) -> Result<RunRow> {
    let run = get(app, actor, id).await?;
    let entry = entry_of(&run.row.kind)?;
    actor.require(entry.kind.module, Action::Import)?;
    if !runs::transition(&app.db.conn, id, &["draft"], "running", now_ms()).await? {
        return Err(AppError::field("status", "import_not_draft"));
    }
    match (entry.import)(app.clone(), actor.clone(), id, true).await {
        Ok(_) => {
            runs::transition(&app.db.conn, id, &["running"], "done", now_ms()).await?;
            let _ = tokio::fs::remove_file(file_path(app, id)).await;
            tell_owners(app, actor, id).await?;
        }
        Err(e) => {
            runs::fail(&app.db.conn, id, &e.to_string(), now_ms()).await?;
            return Err(e);
        }
    }
    runs::get(&app.db.conn, id).await?.ok_or(AppError::NotFound)
}

/// The worker's side: runs a queued (or interrupted) import to its end.
pub async fn run_job(app: &App, payload: &str) -> Result<()> {
    let Some((row, actor)) = crate::runs::claim(app, payload).await? else {
        return Ok(());
    };
    let entry = entry_of(&row.kind)?;
    match (entry.import)(app.clone(), actor.clone(), row.id, true).await {
        Ok(_) => {
            runs::transition(&app.db.conn, row.id, &["running"], "done", now_ms()).await?;
            let _ = tokio::fs::remove_file(file_path(app, row.id)).await;
            tell_owners(app, &actor, row.id).await?;
            let done = runs::get(&app.db.conn, row.id).await?.ok_or(AppError::NotFound)?;
            let params = serde_json::json!({
                "file": done.file_name.unwrap_or_default(), "created": done.created,
                "updated": done.updated, "skipped": done.skipped, "rejected": done.rejected,
            });
            crate::runs::tell_runner(app, &actor, "import_done", params, &format!("/imports/{}", row.id)).await
        }
        Err(e @ AppError::Validation(_)) => {
            runs::fail(&app.db.conn, row.id, &e.to_string(), now_ms()).await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Tells each owner of the records run `id` created how many it gave them, once.
async fn tell_owners(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let Some(row) = runs::get(&app.db.conn, id).await? else {
        return Ok(());
    };
    let entry = entry_of(&row.kind)?;
    if !entry.kind.owned {
        return Ok(());
    }
    #[derive(sea_orm::FromQueryResult)]
    struct O {
        owner_id: Option<i64>,
    }
    let owners: Vec<O> = kervan_store::db::all(
        &app.db.conn,
        &format!(
            "SELECT r.owner_id FROM run_items i JOIN {} r ON r.id = i.record_id
             WHERE i.run_id = ? AND i.kind = ? AND i.outcome = 'created'",
            entry.kind.table
        ),
        vec![id.into(), row.kind.clone().into()],
    )
    .await?;
    let owners: Vec<i64> = owners.into_iter().filter_map(|o| o.owner_id).collect();
    let what = row.file_name.unwrap_or_default();
    records::tell_owners_of_run(app, actor, entry.kind, &owners, &what).await
}

/// Judges (and with `write`, writes) the rows of run `id` for kind `K`.
pub async fn process<K: RecordKind>(app: &App, actor: &Actor, id: i64, write: bool) -> Result<Preview> {
    let kind = K::KIND;
    let c = &app.db.conn;
    let row = runs::get(c, id).await?.ok_or(AppError::NotFound)?;
    let run = Run {
        settings: parse_settings(&row),
        row,
    };
    let opened = Instant::now();
    let table = table_of(app, &run).await?;
    let opened = opened.elapsed();
    let defs = records::custom_defs(c, kind).await?;
    let users = user_words(app).await?;
    let fields = match_fields(kind, K::IDENTITY);
    let policy = run.settings.policy;
    let live: Vec<CustomDef> = defs.iter().filter(|d| d.active).cloned().collect();
    let mut seen: HashMap<(&'static str, String), i64> = HashMap::new();
    let mut named = Named::default();
    let mut may = (records::Permits::new(Action::View), records::Permits::new(Action::Edit));
    let mut out = Preview::default();
    // A resumed run goes on after the rows it already wrote.
    let start = if write { run.row.processed.max(0) as usize } else { 0 };
    let mut breather = crate::runs::Breather::new();
    // Batches being written: one beside the reading on SQLite (one writer at a time anyway),
    // two on PostgreSQL, whose inserts into a table with many indexes take a core each. They
    // commit in file order (each waits for the one before), so `processed` stays a row count a
    // resumed run can start after.
    let in_flight = if app.db.is_postgres() && !K::UNIQUE { 2 } else { 1 };
    let mut writing: VecDeque<tokio::task::JoinHandle<Result<(Counts, Duration)>>> = VecDeque::new();
    let mut last: Option<(oneshot::Receiver<()>, oneshot::Receiver<()>)> = None;
    // Where the time went, logged at the end: what an operator (and the benchmark) asks first.
    let mut spent = Spent::default();
    for (b, chunk) in table.rows.chunks(BATCH).enumerate() {
        let first = b * BATCH;
        if first + chunk.len() <= start {
            continue;
        }
        // 1. Every row read and checked on its own.
        let t = Instant::now();
        named.learn(app, actor, kind, &run.settings.mapping, chunk).await?;
        let mut read: Vec<ReadRow<'_>> = Vec::new();
        for (i, cells) in chunk.iter().enumerate() {
            let idx = first + i;
            if idx < start {
                continue;
            }
            let (inputs, problems) = row_inputs(kind, &defs, &run.settings, (&users, &named), cells);
            // Read once: the values a new record would get, whose keys find its duplicates.
            let fresh = as_new(kind, &inputs);
            let mut prepared = records::prepare_new::<K>(actor, &defs, fresh.as_ref().unwrap_or(&inputs));
            if !problems.is_empty() {
                // A name that found nothing is the row's problem, beside any other.
                let mut e = prepared.err().unwrap_or_default();
                e.0.retain(|x| !problems.0.iter().any(|p| p.field == x.field));
                e.0.extend(problems.0);
                prepared = Err(e);
            }
            let keys = match &prepared {
                Ok((values, _)) => keys_of(kind, &fields, values),
                Err(_) => {
                    let (values, _, _) =
                        record::read_inputs(kind, &live, &inputs, (&Values::new(), &CustomValues::new()), true);
                    keys_of(kind, &fields, &values)
                }
            };
            // The row as the spreadsheet numbers it (its header and blank rows counted).
            read.push(ReadRow {
                row_no: table.row_numbers.get(idx).map_or(idx as i64 + 2, |n| *n as i64),
                cells,
                inputs,
                keys,
                prepared,
            });
        }
        spent.read += t.elapsed();
        // 2. The batch's keys looked up at once.
        let t = Instant::now();
        let all_keys: Vec<(&'static str, String)> = read.iter().flat_map(|r| r.keys.clone()).collect();
        let existing = if policy == Policy::Create {
            HashMap::new()
        } else {
            find_existing(c, kind, &fields, &all_keys).await?
        };
        // The records the batch's rows match, read together (a re-imported file matches one
        // per row: not a read each).
        let mut matched: Vec<i64> = existing.values().map(|(id, _)| *id).collect();
        matched.sort_unstable();
        matched.dedup();
        let matched = records::read_many(c, kind, &defs, &matched).await?;
        spent.lookup += t.elapsed();
        // 3. A verdict per row.
        let t = Instant::now();
        let mut verdicts = Vec::with_capacity(read.len());
        for ReadRow {
            row_no,
            cells,
            inputs,
            keys,
            prepared,
        } in read
        {
            let v = judge::<K>(
                app,
                actor,
                &defs,
                policy,
                (&inputs, prepared),
                &keys,
                (&existing, &matched, &seen, &mut may),
            )
            .await?;
            if matches!(v, Verdict::Create(..) | Verdict::Update { .. }) && policy != Policy::Create {
                for k in &keys {
                    seen.entry(k.clone()).or_insert(row_no);
                }
            }
            verdicts.push((row_no, cells, v));
        }
        spent.judge += t.elapsed();
        // 4. Written in one transaction (the kit's batch write), while the next batch is read
        //    and judged: `in_flight` batches at a time, the database's threads and ours side by
        //    side.
        let counts = if write {
            let t = Instant::now();
            let mut n = Counts::default();
            while writing.len() >= in_flight {
                if let Some(w) = writing.pop_front() {
                    add(&mut n, &spent.written(w.await)?);
                }
            }
            spent.wait += t.elapsed();
            let owned: Vec<(i64, Vec<String>, Verdict)> =
                verdicts.into_iter().map(|(r, c, v)| (r, c.clone(), v)).collect();
            let (app, actor, defs) = (app.clone(), actor.clone(), defs.clone());
            // The pause for other writers is the writer's: the next batch is judged meanwhile.
            let pause = breather.due(&app);
            let ((counted, counted_rx), (committed, committed_rx)) = (oneshot::channel(), oneshot::channel());
            let order = match last.replace((counted_rx, committed_rx)) {
                Some((counters, commit)) => Order {
                    turn: records::Turn::after(counters),
                    before: Some(commit),
                    counted,
                    committed,
                },
                None => Order {
                    turn: records::Turn::default(),
                    before: None,
                    counted,
                    committed,
                },
            };
            writing.push_back(tokio::spawn(async move {
                if pause {
                    tokio::time::sleep(crate::runs::Breather::GAP).await;
                }
                let t = Instant::now();
                let n = write_batch::<K>(&app, &actor, &defs, id, owned, order).await?;
                Ok((n, t.elapsed()))
            }));
            n
        } else {
            let mut n = Counts::default();
            for (row_no, cells, v) in verdicts {
                let (outcome, problems, reason) = match v {
                    Verdict::Create(..) => ("created", vec![], None),
                    Verdict::Update { .. } => ("updated", vec![], None),
                    Verdict::Skip(r) => ("skipped", vec![], Some(r)),
                    Verdict::Reject(e) => ("rejected", e.0, None),
                };
                count(&mut n, outcome);
                if out.rows.len() < PREVIEW_ROWS || (outcome == "rejected" && out.rows.len() < PREVIEW_ROWS * 3) {
                    out.rows.push(PreviewRow {
                        row_no,
                        cells: cells.clone(),
                        outcome,
                        problems,
                        reason,
                    });
                }
            }
            n
        };
        add(&mut out.counts, &counts);
    }
    let t = Instant::now();
    while let Some(w) = writing.pop_front() {
        let n = spent.written(w.await)?;
        add(&mut out.counts, &n);
    }
    spent.wait += t.elapsed();
    if write {
        tracing::info!(
            run = id,
            rows = out.counts.processed,
            file_ms = opened.as_millis() as u64,
            read_ms = spent.read.as_millis() as u64,
            lookup_ms = spent.lookup.as_millis() as u64,
            judge_ms = spent.judge.as_millis() as u64,
            write_ms = spent.write.as_millis() as u64,
            waited_for_writer_ms = spent.wait.as_millis() as u64,
            "import written"
        );
    }
    Ok(out)
}

/// An import run's time by step (the writer's beside the reader's).
#[derive(Default)]
struct Spent {
    read: Duration,
    lookup: Duration,
    judge: Duration,
    write: Duration,
    wait: Duration,
}

impl Spent {
    fn written(
        &mut self,
        joined: std::result::Result<Result<(Counts, Duration)>, tokio::task::JoinError>,
    ) -> Result<Counts> {
        let (n, took) = joined.map_err(|e| AppError::Internal(format!("import writer failed: {e}")))??;
        self.write += took;
        Ok(n)
    }
}

fn count(n: &mut Counts, outcome: &str) {
    n.processed += 1;
    match outcome {
        "created" => n.created += 1,
        "updated" => n.updated += 1,
        "skipped" => n.skipped += 1,
        _ => n.rejected += 1,
    }
}

fn add(total: &mut Counts, d: &Counts) {
    total.processed += d.processed;
    total.created += d.created;
    total.updated += d.updated;
    total.skipped += d.skipped;
    total.rejected += d.rejected;
}

/// Active users by folded e-mail and folded name, for owner columns.
async fn user_words(app: &App) -> Result<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for u in kervan_store::users::list(&app.db.conn).await? {
        if u.deactivated_at.is_some() {
            continue;
        }
        out.insert(fold(&u.email), u.id);
        out.entry(fold(&u.name)).or_insert(u.id);
    }
    Ok(out)
}

async fn judge<K: RecordKind>(
    app: &App,
    actor: &Actor,
    defs: &[CustomDef],
    policy: Policy,
    (inputs, prepared): (&Inputs, std::result::Result<(Values, CustomValues), FieldErrors>),
    keys: &[(&'static str, String)],
    // Records already stored with a key (id, owner), those records, rows of the file before
    // this one, and whether the actor may see and edit a record of an owner (asked once each).
    (existing, matched, seen, may): (
        &Existing,
        &HashMap<i64, records::Record>,
        &Seen,
        &mut (records::Permits, records::Permits),
    ),
) -> Result<Verdict> {
    let kind = K::KIND;
    if policy != Policy::Create {
        if let Some((k, row)) = keys.iter().find_map(|k| seen.get(k).map(|r| (k, *r))) {
            return Ok(Verdict::Skip(
                serde_json::json!({"code": "duplicate_in_file", "row": row, "field": k.0}),
            ));
        }
        if let Some((k, (id, owner))) = keys.iter().find_map(|k| existing.get(k).map(|m| (k, *m))) {
            let c = &app.db.conn;
            let seen_by_actor = may.0.allow(c, actor, kind, owner).await?;
            if !seen_by_actor {
                // Somebody else's record: a duplicate, told without a name, an id or an owner.
                return Ok(Verdict::Skip(
                    serde_json::json!({"code": "duplicate_hidden", "field": k.0}),
                ));
            }
            let rec = match matched.get(&id) {
                Some(r) => r.clone(),
                None => records::read(c, kind, defs, id).await?.ok_or(AppError::NotFound)?,
            };
            let name = K::name(&rec.values);
            if policy == Policy::Skip {
                return Ok(Verdict::Skip(
                    serde_json::json!({"code": "duplicate", "field": k.0, "id": id, "name": name}),
                ));
            }
            if !may.1.allow(c, actor, kind, owner).await? {
                return Ok(Verdict::Skip(
                    serde_json::json!({"code": "duplicate_not_editable", "field": k.0, "id": id, "name": name}),
                ));
            }
            let mut inputs = inputs.clone();
            if policy == Policy::Update {
                inputs.fields.retain(|key, _| !rec.values.contains_key(key.as_str()));
                inputs.custom.retain(|key, _| !rec.custom.contains_key(key));
            }
            // The owner of an existing record is not the import's to change.
            inputs.fields.remove("owner_id");
            return Ok(match records::prepare_edit::<K>(defs, &inputs, &rec) {
                Ok((values, custom)) => {
                    if record::diff(kind, (&rec.values, &rec.custom), (&values, &custom)).is_empty() {
                        Verdict::Skip(serde_json::json!({"code": "unchanged", "id": id, "name": name}))
                    } else {
                        Verdict::Update {
                            rec: Box::new(rec),
                            values,
                            custom,
                        }
                    }
                }
                Err(e) => Verdict::Reject(e),
            });
        }
    }
    Ok(match prepared {
        Ok((values, custom)) => Verdict::Create(values, custom),
        Err(e) => Verdict::Reject(e),
    })
}

/// The before-image of an update: each changed field's old value (JSON null for none).
fn before_image(kind: &Kind, rec: &records::Record, values: &Values, custom: &CustomValues) -> String {
    let mut m = serde_json::Map::new();
    for (key, _, _) in record::diff(kind, (&rec.values, &rec.custom), (values, custom)) {
        let old = match key.strip_prefix("custom.") {
            Some(k) => rec.custom.get(k),
            None => rec.values.get(key.as_str()),
        };
        m.insert(key, old.map_or(serde_json::Value::Null, Value::to_json));
    }
    serde_json::Value::Object(m).to_string()
}

/// What a batch write says of a refused row, as the row's problems: a duplicate names its
/// field; a refusal that is not about the row (the database failing) ends the run.
fn refusal_json(e: AppError) -> Result<String> {
    match e {
        AppError::Validation(e) => Ok(errors_json(&e)),
        AppError::Duplicate(d) => {
            let mut e = FieldErrors::new();
            e.add(d.first().map_or("name", |x| x.field.as_str()), "duplicate");
            Ok(errors_json(&e))
        }
        AppError::Forbidden { .. } => {
            let mut e = FieldErrors::new();
            e.add("owner_id", "owner_not_allowed");
            Ok(errors_json(&e))
        }
        other => Err(other),
    }
}

/// How a judged row is written (see [`write_batch`]).
enum Written {
    Created,
    Updated,
    Skipped(serde_json::Value),
    Rejected(FieldErrors),
}

fn errors_json(e: &FieldErrors) -> String {
    serde_json::to_string(&e.0).unwrap_or_else(|_| "[]".into())
}

/// Where a batch stands to the one written before it (see [`process`]).
struct Order {
    /// Comes when the batch before has taken its shared counters.
    turn: records::Turn,
    /// Answers when the batch before has committed.
    before: Option<oneshot::Receiver<()>>,
    /// Tells the batch after that this one has taken its counters …
    counted: oneshot::Sender<()>,
    /// … and that it has committed.
    committed: oneshot::Sender<()>,
}

/// Writes a batch's verdicts in one transaction, a savepoint per row; the rows' outcomes and the
/// run's counts go in the same transaction, committed after the batch before.
async fn write_batch<K: RecordKind>(
    app: &App,
    actor: &Actor,
    defs: &[CustomDef],
    run_id: i64,
    verdicts: Vec<(i64, Vec<String>, Verdict)>,
    mut order: Order,
) -> Result<Counts> {
    let kind = K::KIND;
    let txn = kervan_store::db::begin_guarded(&app.db.conn, &[]).await?;
    // The new records are written together (the kit's batch write), the updates one by one.
    // New records and updates are written by the kit's batch writes; skipped and refused rows
    // only get their items.
    let (mut new_rows, mut updates) = (Vec::new(), Vec::new());
    let verdicts: Vec<_> = verdicts
        .into_iter()
        .map(|(row_no, cells, v)| match v {
            Verdict::Create(values, custom) => {
                new_rows.push((values, custom));
                (row_no, cells, Written::Created)
            }
            Verdict::Update { rec, values, custom } => {
                updates.push((*rec, values, custom));
                (row_no, cells, Written::Updated)
            }
            Verdict::Skip(r) => (row_no, cells, Written::Skipped(r)),
            Verdict::Reject(e) => (row_no, cells, Written::Rejected(e)),
        })
        .collect();
    let mut created = records::create_many_after::<K>(&txn, actor, defs, &new_rows, &mut order.turn)
        .await?
        .into_iter();
    // Updates lock records and counters: after the batch before has taken its own.
    order.turn.wait().await?;
    let edits: Vec<(&records::Record, Values, CustomValues)> =
        updates.iter().map(|(r, v, c)| (r, v.clone(), c.clone())).collect();
    let mut updated = edits
        .iter()
        .zip(records::update_many_in::<K>(&txn, actor, defs, &edits).await?);
    // Nobody listening is fine (the last batch).
    let _ = order.counted.send(());
    let mut items = Vec::with_capacity(verdicts.len());
    let mut n = Counts::default();
    for (row_no, cells, v) in verdicts {
        let item =
            |outcome: &str, record_id, reason: Option<String>, before: Option<String>, cells: Option<String>| ItemRow {
                kind: kind.key.to_string(),
                row_no,
                outcome: outcome.to_string(),
                record_id,
                version_after: None,
                reason,
                before_image: before,
                cells,
            };
        let cells_json = || serde_json::to_string(&cells).ok();
        let it = match v {
            Written::Skipped(r) => item(
                "skipped",
                r.get("id").and_then(|x| x.as_i64()),
                Some(r.to_string()),
                None,
                None,
            ),
            Written::Rejected(e) => item("rejected", None, Some(errors_json(&e)), None, cells_json()),
            Written::Created => match created.next() {
                Some(Ok(id)) => item("created", Some(id), None, None, None),
                Some(Err(e)) => item("rejected", None, Some(refusal_json(e)?), None, cells_json()),
                None => return Err(AppError::Internal("an import row lost its outcome".into())),
            },
            Written::Updated => match updated.next() {
                Some(((rec, values, custom), Ok(_))) => {
                    let before = before_image(kind, rec, values, custom);
                    item("updated", Some(rec.id), None, Some(before), None)
                }
                Some(((rec, _, _), Err(AppError::Conflict { .. }))) => {
                    let r = serde_json::json!({"code": "conflict", "id": rec.id});
                    item("skipped", Some(rec.id), Some(r.to_string()), None, None)
                }
                Some((_, Err(e))) => item("rejected", None, Some(refusal_json(e)?), None, cells_json()),
                None => return Err(AppError::Internal("an import row lost its outcome".into())),
            },
        };
        count(&mut n, &it.outcome);
        items.push(it);
    }
    // The version each record was left at: a later edit makes it "edited since".
    let ids: Vec<i64> = items
        .iter()
        .filter(|i| matches!(i.outcome.as_str(), "created" | "updated"))
        .filter_map(|i| i.record_id)
        .collect();
    let versions = versions_of(&txn, kind, &ids).await?;
    for i in items.iter_mut() {
        if matches!(i.outcome.as_str(), "created" | "updated") {
            i.version_after = i.record_id.and_then(|id| versions.get(&id).copied());
        }
    }
    if let Some(before) = order.before {
        // The batch before failed (its error ends the run): this one is not kept either.
        before
            .await
            .map_err(|_| AppError::Internal("the import's batch before this one was not written".into()))?;
    }
    runs::insert_items(&txn, run_id, &items).await?;
    runs::add_progress(&txn, run_id, &n).await?;
    txn.commit().await?;
    let _ = order.committed.send(());
    Ok(n)
}

async fn versions_of<C: ConnectionTrait>(c: &C, kind: &Kind, ids: &[i64]) -> Result<HashMap<i64, i64>> {
    #[derive(sea_orm::FromQueryResult)]
    struct V {
        id: i64,
        version: i64,
    }
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let rows: Vec<V> = kervan_store::db::all(
            c,
            &format!("SELECT id, version FROM {} WHERE id IN ({marks})", kind.table),
            chunk.iter().map(|i| (*i).into()).collect(),
        )
        .await?;
        out.extend(rows.into_iter().map(|r| (r.id, r.version)));
    }
    Ok(out)
}

/// What an undo did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UndoReport {
    pub removed: i64,
    /// Of `removed`, the tasks the run made (an import's first calls).
    #[serde(default)]
    pub removed_tasks: i64,
    pub restored: i64,
    /// Records changed by somebody since the run: `(id, name)`, left as they are.
    pub edited_since: Vec<(i64, String)>,
    /// Records that no longer exist.
    pub gone: i64,
}

/// Undoes a finished run: records it created are removed (with the tasks it made for them),
/// records it updated get their before-image back — unless changed since.
pub async fn undo(app: &App, actor: &Actor, id: i64) -> Result<UndoReport> {
    let run = get(app, actor, id).await?;
    if run.row.status != "done" {
        return Err(AppError::field("status", "import_not_done"));
    }
    let entry = entry_of(&run.row.kind)?;
    actor.require(entry.kind.module, Action::Import)?;
    let mut report = UndoReport::default();
    // The tasks it made first, then its own records.
    let mut kinds = vec![entry];
    if let Some(tasks) = registry::entry("tasks") {
        kinds.insert(0, tasks);
    }
    for e in kinds {
        let r = (e.undo_items)(app.clone(), actor.clone(), id).await?;
        if e.kind.key == "tasks" {
            report.removed_tasks += r.removed;
        }
        report.removed += r.removed;
        report.restored += r.restored;
        report.gone += r.gone;
        report.edited_since.extend(r.edited_since);
    }
    let json = serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?;
    let txn = kervan_store::db::begin_guarded(&app.db.conn, &[]).await?;
    runs::set_undo_report(&txn, id, &json).await?;
    runs::transition(&txn, id, &["done"], "undone", now_ms()).await?;
    txn.commit().await?;
    Ok(report)
}

/// Undoes run `run_id`'s items about records of `K`, a batch per transaction.
pub async fn undo_items<K: RecordKind>(app: &App, actor: &Actor, run_id: i64) -> Result<UndoReport> {
    let mut report = UndoReport::default();
    let kind = K::KIND;
    let c = &app.db.conn;
    let defs = records::custom_defs(c, kind).await?;
    let mut after = i64::MIN;
    let mut breather = crate::runs::Breather::new();
    loop {
        let items = runs::items(c, run_id, kind.key, &["created", "updated"], after, BATCH as u64).await?;
        let Some(last) = items.last().map(|i| i.row_no) else {
            break;
        };
        after = last;
        let txn = kervan_store::db::begin_guarded(c, &[]).await?;
        let ids: Vec<i64> = items.iter().filter_map(|i| i.record_id).collect();
        let recs = records::read_many(&txn, kind, &defs, &ids).await?;
        let mut removed = Vec::new();
        let mut restore = Vec::new();
        for it in items {
            let Some(rid) = it.record_id else { continue };
            let Some(rec) = recs.get(&rid) else {
                report.gone += 1;
                continue;
            };
            if Some(rec.version) != it.version_after {
                report.edited_since.push((rid, K::name(&rec.values)));
                continue;
            }
            if it.outcome == "created" {
                removed.push((rid, K::name(&rec.values)));
                report.removed += 1;
                continue;
            }
            let Some(before) = it
                .before_image
                .as_deref()
                .and_then(|b| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(b).ok())
            else {
                continue;
            };
            // A bulk archive or restore: the other way round.
            if let Some(was) = before.get("archived").and_then(|v| v.as_bool()) {
                let r = crate::access::Archivable {
                    table: kind.table,
                    entity: kind.entity,
                    id: rid,
                    current_version: rec.version,
                    archived_at: rec.archived_at,
                };
                crate::access::set_archived_in(&txn, actor, r, rec.version, was).await?;
                report.restored += 1;
                continue;
            }
            let (mut values, mut custom) = (rec.values.clone(), rec.custom.clone());
            for (key, old) in before {
                match key.strip_prefix("custom.") {
                    Some(k) => {
                        let ty = defs.iter().find(|d| d.key == k).map(|d| d.ty);
                        match ty.and_then(|t| Value::from_json(t, &old)) {
                            Some(v) => custom.insert(k.to_string(), v),
                            None => custom.remove(k),
                        };
                    }
                    None => {
                        let Some(f) = kind.field(&key) else { continue };
                        match Value::from_json(f.ty, &old) {
                            Some(v) => values.insert(f.key, v),
                            None => values.remove(f.key),
                        };
                    }
                }
            }
            restore.push((rec, values, custom));
        }
        // The before-images go back together (the kit's batch write).
        for ((rec, _, _), r) in restore
            .iter()
            .zip(records::update_many_in::<K>(&txn, actor, &defs, &restore).await?)
        {
            match r {
                Ok(_) => report.restored += 1,
                Err(AppError::Validation(_) | AppError::Conflict { .. } | AppError::Forbidden { .. }) => {
                    report.edited_since.push((rec.id, K::name(&rec.values)));
                }
                Err(e) => return Err(e),
            }
        }
        // A record somebody has worked on since (a call, a task, a file) stays, like one edited.
        let ids: Vec<i64> = removed.iter().map(|(id, _)| *id).collect();
        let worked = registry::linked_many(&txn, kind.key, &ids).await?;
        if !worked.is_empty() {
            let (kept, gone): (Vec<_>, Vec<_>) = removed.into_iter().partition(|(id, _)| worked.contains(id));
            report.removed -= kept.len() as i64;
            report.edited_since.extend(kept);
            removed = gone;
        }
        let sweep = records::delete_many_in(&txn, actor, kind, &removed).await?;
        txn.commit().await?;
        crate::files::sweep(app, &sweep).await;
        breather.breathe(app).await;
    }
    Ok(report)
}

/// How the records an import created get their owners: by the value of a field (city,
/// sector), and the rest in turn among chosen reps.
#[derive(Debug, Clone, Default)]
pub struct Assign {
    /// The field whose value picks the owner (`city`, `sector`, or [`REGION`]: the city's
    /// region, by its key such as `aegean`), if any.
    pub by: Option<String>,
    /// `(value, user id)`: records with that value (Turkish-insensitive) go to that user.
    pub rules: Vec<(String, i64)>,
    /// Everyone else in turn (round-robin); empty leaves them with the owner they have.
    pub rest: Vec<i64>,
}

/// What a step over many records did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub changed: i64,
    /// Left alone: edited by somebody since, or no rule gives them an owner.
    pub skipped: i64,
}

/// The distinct values of `field` among the records a run created, with how many each (the
/// assignment form lists them).
pub async fn created_values(app: &App, actor: &Actor, id: i64, field: &str) -> Result<Vec<(String, i64)>> {
    if field == REGION {
        // The cities' counts summed per region ("" for a foreign city or none).
        let mut out: Vec<(String, i64)> = Vec::new();
        for (city, n) in column_values(app, actor, id, "city").await? {
            let region = places::region_of(&city).unwrap_or_default();
            match out.iter_mut().find(|(r, _)| r == region) {
                Some(e) => e.1 += n,
                None => out.push((region.to_string(), n)),
            }
        }
        out.sort_by_key(|e| std::cmp::Reverse(e.1));
        return Ok(out);
    }
    column_values(app, actor, id, field).await
}

/// [`created_values`] of a stored column.
async fn column_values(app: &App, actor: &Actor, id: i64, field: &str) -> Result<Vec<(String, i64)>> {
    let run = get(app, actor, id).await?;
    let entry = entry_of(&run.row.kind)?;
    let f = entry.kind.field(field).ok_or(AppError::NotFound)?;
    if f.storage != record::Storage::Column {
        return Err(AppError::NotFound);
    }
    #[derive(sea_orm::FromQueryResult)]
    struct V {
        value: Option<String>,
        n: i64,
    }
    let rows: Vec<V> = kervan_store::db::all(
        &app.db.conn,
        &format!(
            "SELECT r.{field} AS value, COUNT(*) AS n FROM run_items i JOIN {t} r ON r.id = i.record_id
             WHERE i.run_id = ? AND i.kind = ? AND i.outcome = 'created' GROUP BY r.{field} ORDER BY COUNT(*) DESC, r.{field}",
            t = entry.kind.table
        ),
        vec![id.into(), run.row.kind.clone().into()],
    )
    .await?;
    // One line per value whatever its spelling ("İstanbul", "istanbul"): the commonest spelling.
    let mut out: Vec<(String, i64)> = Vec::new();
    for r in rows {
        let v = r.value.unwrap_or_default();
        match out.iter_mut().find(|(x, _)| fold(x) == fold(&v)) {
            Some(e) => e.1 += r.n,
            None => out.push((v, r.n)),
        }
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.1));
    Ok(out)
}

/// Gives the records an import created their owners by `a`. Records edited since the import
/// are left alone; every change is the kit's (permission to assign to that owner, history).
pub async fn assign(app: &App, actor: &Actor, id: i64, a: &Assign) -> Result<Tally> {
    let run = get(app, actor, id).await?;
    if run.row.status != "done" {
        return Err(AppError::field("status", "import_not_done"));
    }
    let entry = entry_of(&run.row.kind)?;
    if !entry.kind.owned {
        return Err(AppError::NotFound);
    }
    actor.require(entry.kind.module, Action::Edit)?;
    if a.rules.is_empty() && a.rest.is_empty() {
        return Err(AppError::field("rest", "import_assign_nobody"));
    }
    // A region is read off the city.
    if let Some(by) = &a.by
        && entry
            .kind
            .field(if by == REGION { "city" } else { by })
            .is_none_or(|f| f.storage != record::Storage::Column)
    {
        return Err(AppError::field("by", "invalid_choice"));
    }
    (entry.assign)(app.clone(), actor.clone(), id, a.clone()).await
}

/// [`assign`] for kind `K`.
pub async fn assign_kind<K: RecordKind>(app: &App, actor: &Actor, run_id: i64, a: &Assign) -> Result<Tally> {
    let kind = K::KIND;
    let c = &app.db.conn;
    let defs = records::custom_defs(c, kind).await?;
    let rules: HashMap<String, i64> = a.rules.iter().map(|(v, u)| (fold(v), *u)).collect();
    let mut tally = Tally::default();
    let mut turn = 0usize;
    let mut after = i64::MIN;
    let mut given = Vec::new();
    let mut breather = crate::runs::Breather::new();
    loop {
        let items = runs::items(c, run_id, kind.key, &["created"], after, BATCH as u64).await?;
        let Some(last) = items.last().map(|i| i.row_no) else {
            break;
        };
        after = last;
        let txn = kervan_store::db::begin_guarded(c, &[]).await?;
        let ids: Vec<i64> = items.iter().filter_map(|i| i.record_id).collect();
        let recs = records::read_many(&txn, kind, &defs, &ids).await?;
        let mut edits = Vec::new();
        for it in &items {
            let Some(rec) = it.record_id.and_then(|rid| recs.get(&rid)) else {
                continue;
            };
            if Some(rec.version) != it.version_after {
                tally.skipped += 1;
                continue;
            }
            let value = match a.by.as_deref() {
                Some(REGION) => rec.text("city").and_then(places::region_of),
                Some(f) => rec.text(f),
                None => None,
            };
            let by_rule = value.and_then(|v| rules.get(&fold(v)).copied());
            let owner = by_rule.or_else(|| {
                let u = a.rest.get(turn % a.rest.len().max(1)).copied();
                if u.is_some() {
                    turn += 1;
                }
                u
            });
            let Some(owner) = owner else {
                tally.skipped += 1;
                continue;
            };
            let mut values = rec.values.clone();
            values.insert("owner_id", Value::User(owner));
            edits.push((rec, values, rec.custom.clone()));
        }
        let results = records::update_many_in::<K>(&txn, actor, &defs, &edits).await?;
        for ((rec, values, _), r) in edits.iter().zip(results) {
            match r {
                Ok(changed) => {
                    if changed {
                        runs::set_version_after(&txn, run_id, kind.key, rec.id, rec.version + 1).await?;
                        given.extend(values.get("owner_id").and_then(Value::as_id));
                    }
                    tally.changed += 1;
                }
                Err(AppError::Validation(_) | AppError::Forbidden { .. } | AppError::Conflict { .. }) => {
                    tally.skipped += 1;
                }
                Err(e) => return Err(e),
            }
        }
        txn.commit().await?;
        breather.breathe(app).await;
    }
    let what = runs::get(c, run_id)
        .await?
        .and_then(|r| r.file_name)
        .unwrap_or_default();
    records::tell_owners_of_run(app, actor, kind, &given, &what).await?;
    Ok(tally)
}

/// Creates a first-call task (`title`) for every lead the import created, due at 10:00 on the
/// `days`th business day from today (weekends and Turkish public holidays skipped), owned by
/// the lead's owner. The tasks are the run's: an undo removes them with the leads.
pub async fn first_calls(app: &App, actor: &Actor, id: i64, days: u32, title: &str) -> Result<Tally> {
    let run = get(app, actor, id).await?;
    if run.row.status != "done" {
        return Err(AppError::field("status", "import_not_done"));
    }
    if run.row.kind != "leads" {
        return Err(AppError::NotFound);
    }
    if days > 30 {
        return Err(AppError::field("days", "import_days_range"));
    }
    actor.require(kervan_core::permissions::Module::Tasks, Action::Create)?;
    let today = kervan_core::time::today_local(now_ms());
    let due = kervan_core::holidays::add_business_days(today, days).map_err(|e| {
        let mut errors = FieldErrors::new();
        errors.add_with("days", "holidays_beyond", e.year);
        AppError::Validation(errors)
    })?;
    let due_text = format!("{}T10:00", due.format("%Y-%m-%d"));
    let tasks = registry::entry("tasks").ok_or(AppError::NotFound)?;
    let c = &app.db.conn;
    let mut tally = Tally::default();
    // Each owner hears once of their new tasks, not once a task.
    let mut given = Vec::new();
    let mut after = i64::MIN;
    loop {
        let items = runs::items(c, id, &run.row.kind, &["created"], after, BATCH as u64).await?;
        let Some(last) = items.last().map(|i| i.row_no) else {
            break;
        };
        let before = std::mem::replace(&mut after, last);
        // One first call per lead, however often the step is run: the rows of this batch that
        // have one, read as a range of the items' key (a list of row numbers made PostgreSQL,
        // whose statistics had not yet seen the new items, scan the whole table per batch).
        let has_task: HashSet<i64> = runs::items(c, id, "tasks", &["created"], before, BATCH as u64)
            .await?
            .into_iter()
            .map(|i| i.row_no)
            .filter(|r| *r <= last)
            .collect();
        let leads: Vec<i64> = items.iter().filter_map(|i| i.record_id).collect();
        let owners = kervan_store::records::owners_many(c, &kervan_core::leads::KIND, &leads).await?;
        let mut wanted = Vec::new();
        let mut inputs = Vec::new();
        for it in items {
            let Some(rid) = it.record_id else { continue };
            if has_task.contains(&it.row_no) {
                tally.skipped += 1;
                continue;
            }
            let mut i = Inputs::default();
            i.fields.insert("title".into(), Input::Text(title.to_string()));
            i.fields.insert("due_at".into(), Input::Text(due_text.clone()));
            i.fields.insert("lead_id".into(), Input::Text(rid.to_string()));
            let owner = owners.get(&rid).copied().flatten();
            if let Some(o) = owner {
                i.fields.insert("owner_id".into(), Input::Text(o.to_string()));
            }
            wanted.push((it.row_no, owner));
            inputs.push(i);
        }
        let mut made = Vec::new();
        for ((row_no, owner), outcome) in wanted
            .into_iter()
            .zip((tasks.create_many)(app.clone(), actor.clone(), inputs).await?)
        {
            match outcome {
                Ok(task_id) => {
                    tally.changed += 1;
                    given.extend(owner);
                    made.push(ItemRow {
                        kind: "tasks".into(),
                        row_no,
                        outcome: "created".into(),
                        record_id: Some(task_id),
                        version_after: None,
                        reason: None,
                        before_image: None,
                        cells: None,
                    });
                }
                Err(AppError::Validation(_) | AppError::Forbidden { .. }) => tally.skipped += 1,
                Err(e) => return Err(e),
            }
        }
        let ids: Vec<i64> = made.iter().filter_map(|m| m.record_id).collect();
        let versions = versions_of(c, &kervan_core::tasks::KIND, &ids).await?;
        for m in made.iter_mut() {
            m.version_after = m.record_id.and_then(|i| versions.get(&i).copied());
        }
        runs::insert_items(c, id, &made).await?;
    }
    records::tell_owners_of_run(app, actor, &kervan_core::tasks::KIND, &given, title).await?;
    Ok(tally)
}

/// Rows of a run that did not become a record, or all rows of one outcome, for the report.
pub async fn report_rows(
    app: &App,
    actor: &Actor,
    id: i64,
    outcomes: &[&str],
    after: i64,
    limit: u64,
) -> Result<Vec<ItemRow>> {
    let run = get(app, actor, id).await?;
    Ok(runs::items(&app.db.conn, id, &run.row.kind, outcomes, after, limit).await?)
}

/// The refused rows as an XLSX to fix and import again as it is: the file's own headers with
/// the problems in a last column ("Hata", in the caller's words).
pub async fn rejected_xlsx(
    app: &App,
    actor: &Actor,
    id: i64,
    reason_header: &str,
    explain: impl Fn(&FieldError) -> String,
) -> Result<Vec<u8>> {
    let run = get(app, actor, id).await?;
    let mut out = kervan_io::write::XlsxOut::new(reason_header).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut header = run.settings.headers.clone();
    header.push(reason_header.to_string());
    out.row(&header).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut after = i64::MIN;
    loop {
        let items = runs::items(&app.db.conn, id, &run.row.kind, &["rejected"], after, 1000).await?;
        let Some(last) = items.last().map(|i| i.row_no) else {
            break;
        };
        after = last;
        for it in items {
            let mut cells: Vec<String> = it
                .cells
                .as_deref()
                .and_then(|c| serde_json::from_str(c).ok())
                .unwrap_or_default();
            cells.resize(run.settings.headers.len(), String::new());
            let problems: Vec<FieldError> = it
                .reason
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or_default();
            cells.push(problems.iter().map(&explain).collect::<Vec<_>>().join("; "));
            out.row(&cells).map_err(|e| AppError::Internal(e.to_string()))?;
        }
    }
    out.to_bytes().map_err(|e| AppError::Internal(e.to_string()))
}

/// Saves a draft's mapping under a name, for the next file from the same source.
pub async fn save_template(app: &App, actor: &Actor, id: i64, name: &str) -> Result<()> {
    let run = get(app, actor, id).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::field(
            "template_name",
            if name.is_empty() { "required" } else { "too_long" },
        ));
    }
    let m: BTreeMap<String, String> = run
        .settings
        .headers
        .iter()
        .zip(&run.settings.mapping)
        .filter(|(_, p)| !p.is_empty())
        .map(|(h, p)| (fold(h), p.clone()))
        .collect();
    let json = serde_json::to_string(&m).map_err(|e| AppError::Internal(e.to_string()))?;
    runs::insert_template(&app.db.conn, &run.row.kind, actor.author(), name, &json, now_ms()).await?;
    Ok(())
}

/// Applies a saved template to a draft: its headers' fields where the template names them.
pub async fn apply_template(app: &App, actor: &Actor, id: i64, template_id: i64, words: &Words) -> Result<Run> {
    let run = get(app, actor, id).await?;
    let t = runs::template(&app.db.conn, template_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if t.kind != run.row.kind {
        return Err(AppError::NotFound);
    }
    let m: BTreeMap<String, String> = serde_json::from_str(&t.mapping).unwrap_or_default();
    let mapping: Vec<String> = run
        .settings
        .headers
        .iter()
        .map(|h| m.get(&fold(h)).cloned().unwrap_or_default())
        .collect();
    let ch = Changes {
        mapping: Some(mapping),
        ..Changes::default()
    };
    configure(app, actor, id, &ch, words).await
}

pub async fn templates(app: &App, actor: &Actor, kind: &str) -> Result<Vec<runs::TemplateRow>> {
    let entry = entry_of(kind)?;
    actor.require(entry.kind.module, Action::Import)?;
    Ok(runs::templates(&app.db.conn, kind).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_last_word() {
        assert_eq!(split_name("Ayşe Nur Yılmaz"), ("Ayşe Nur".into(), "Yılmaz".into()));
        assert_eq!(split_name("  Ali   Veli "), ("Ali".into(), "Veli".into()));
        assert_eq!(split_name("Cem"), ("Cem".into(), String::new()));
        assert_eq!(split_name(""), (String::new(), String::new()));
    }

    #[test]
    fn headers_map_by_alias_and_label_once_each() {
        let kind = &kervan_core::leads::KIND;
        let words = Words {
            fields: vec![("city".into(), vec!["Şehir".into(), "City".into()])],
            options: vec![],
        };
        let headers: Vec<String> = ["AD SOYAD", "Firma", "GSM", "E-posta", "ŞEHİR", "Telefon", "Bilinmeyen"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = auto_map(kind, &[], &words, &headers);
        assert_eq!(m[0], FULL_NAME);
        assert_eq!(m[1], "company");
        assert_eq!(m[2], "phone");
        assert_eq!(m[4], "city");
        // The phone is taken by GSM already: the second phone column stays unmapped.
        assert_eq!(m[5], "");
        assert_eq!(m[6], "");
    }
}
