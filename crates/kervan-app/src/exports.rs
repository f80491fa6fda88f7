//! Dışa aktarma: a list or a saved view (segment) as CSV for Turkish Excel, XLSX, or vCard.
//!
//! Rows are read a thousand at a time in the list's own keyset order and written straight to a
//! file, so a million rows take no more memory than a thousand. Each export is a run (see
//! [`kervan_store::runs`]): from a page it goes to the job worker and shows its progress; from
//! the command line it runs at once. Either way it is audited: who, what (kind, filters,
//! format), how many rows.
//!
//! Cells are written the way the importer reads them back (choices by their label, owners by
//! name, phones in E.164, Turkish dates and amounts), and text that a spreadsheet would run as a
//! formula is neutralised ([`kervan_io::write::neutralise`]); so an export re-imports unchanged.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use kervan_core::permissions::Action;
use kervan_core::record::{CustomDef, Value};
use kervan_core::time::now_ms;
use kervan_store::runs::{self, NewRun};

use crate::error::{AppError, Result};
use crate::records::{self, Record, RecordKind};
use crate::{Actor, App, registry};

pub const OP: &str = "export";
pub const JOB: &str = "export";
/// Rows read per query.
const PAGE: u64 = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    #[default]
    Csv,
    Xlsx,
    /// vCard 4.0, for records of people (leads, contacts).
    Vcf,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "vcf" => Some(Format::Vcf),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Vcf => "vcf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Vcf => "text/vcard; charset=utf-8",
        }
    }
}

/// What to export, with the words for its headers and choices (the caller owns the words; the
/// worker writes them as given).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Spec {
    pub kind: String,
    pub format: Format,
    /// The list's parameters (filters, sort), a saved view's included.
    pub params: Vec<(String, String)>,
    /// Column keys (`name`, field keys, `custom.KEY`, `created_at` …) and their headers.
    pub columns: Vec<String>,
    pub headers: Vec<String>,
    /// Per field path: option key → label.
    #[serde(default)]
    pub options: BTreeMap<String, BTreeMap<String, String>>,
    /// The words for yes and no.
    #[serde(default)]
    pub yes_no: (String, String),
}

/// The columns of "all fields": every exportable field, the active custom fields, the dates.
pub fn all_columns(kind: &kervan_core::record::Kind, defs: &[CustomDef]) -> Vec<String> {
    let mut out: Vec<String> = kind
        .fields
        .iter()
        .filter(|f| f.export && !f.hidden)
        .map(|f| f.key.to_string())
        .collect();
    out.extend(defs.iter().filter(|d| d.active).map(|d| d.path()));
    out.extend(["created_at".to_string(), "updated_at".to_string()]);
    out
}

fn entry_of(kind: &str) -> Result<registry::Entry> {
    registry::entry(kind).ok_or(AppError::NotFound)
}

/// Where an export's file is written.
pub fn file_path(app: &App, id: i64) -> PathBuf {
    app.config.data_dir.join("exports").join(format!("{id}.out"))
}

/// Checks an export request: the grant, the format for the kind, the list's parameters.
async fn check(app: &App, actor: &Actor, spec: &Spec) -> Result<registry::Entry> {
    let entry = entry_of(&spec.kind)?;
    actor
        .require(entry.kind.module, Action::View)
        .map_err(|_| AppError::NotFound)?;
    actor.require(entry.kind.module, Action::Export)?;
    if spec.format == Format::Vcf && entry.kind.field("first_name").is_none() {
        return Err(AppError::field("format", "invalid_choice"));
    }
    let defs = records::defs(app, entry.kind).await?;
    let live: Vec<CustomDef> = defs.iter().filter(|d| d.active).cloned().collect();
    (entry.parse_list)(app.db.conn.get_database_backend(), &live, &spec.params).map_err(AppError::Validation)?;
    Ok(entry)
}

/// Queues an export for the job worker; returns its run.
pub async fn start(app: &App, actor: &Actor, spec: &Spec) -> Result<i64> {
    check(app, actor, spec).await?;
    let json = serde_json::to_string(spec).map_err(|e| AppError::Internal(e.to_string()))?;
    let txn = kervan_store::db::begin_guarded(&app.db.conn, &[]).await?;
    let now = now_ms();
    let id = runs::insert(
        &txn,
        &NewRun {
            op: OP,
            kind: &spec.kind,
            user_id: actor.author(),
            status: "queued",
            file_name: None,
            settings: &json,
            total: 0,
        },
        now,
    )
    .await?;
    crate::runs::enqueue(&txn, JOB, id).await?;
    txn.commit().await?;
    crate::runs::wake(app);
    Ok(id)
}

/// Runs an export at once (the command line): the rows written.
pub async fn run_now(app: &App, actor: &Actor, spec: &Spec, out: &std::path::Path) -> Result<u64> {
    check(app, actor, spec).await?;
    let json = serde_json::to_string(spec).map_err(|e| AppError::Internal(e.to_string()))?;
    let id = runs::insert(
        &app.db.conn,
        &NewRun {
            op: OP,
            kind: &spec.kind,
            user_id: actor.author(),
            status: "running",
            file_name: out.file_name().map(|n| n.to_string_lossy().into_owned()).as_deref(),
            settings: &json,
            total: 0,
        },
        now_ms(),
    )
    .await?;
    let entry = entry_of(&spec.kind)?;
    match (entry.export)(app.clone(), actor.clone(), spec.clone(), id, out.to_path_buf()).await {
        Ok(n) => {
            finished(app, actor, id, spec, n).await?;
            Ok(n)
        }
        Err(e) => {
            runs::fail(&app.db.conn, id, &e.to_string(), now_ms()).await?;
            Err(e)
        }
    }
}

/// Marks a run done and writes the audit entry.
async fn finished(app: &App, actor: &Actor, id: i64, spec: &Spec, rows: u64) -> Result<()> {
    let txn = kervan_store::db::begin_guarded(&app.db.conn, &[]).await?;
    kervan_store::db::exec(
        &txn,
        "UPDATE runs SET status = 'done', processed = ?, total = ?, finished_at = ? WHERE id = ?",
        vec![(rows as i64).into(), (rows as i64).into(), now_ms().into(), id.into()],
    )
    .await?;
    let what = serde_json::json!({
        "kind": spec.kind, "format": spec.format.key(), "params": spec.params, "rows": rows,
    });
    let change = kervan_store::audit::Change::new("exported", None, Some(what.to_string()));
    kervan_store::audit::write(&txn, "export", id, actor.author(), now_ms(), &[change]).await?;
    txn.commit().await?;
    Ok(())
}

/// The worker's side of an export.
pub async fn run_job(app: &App, payload: &str) -> Result<()> {
    let Some((row, actor)) = crate::runs::claim(app, payload).await? else {
        return Ok(());
    };
    let spec: Spec = serde_json::from_str(&row.settings).map_err(|e| AppError::Internal(e.to_string()))?;
    let path = file_path(app, row.id);
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let entry = entry_of(&spec.kind)?;
    match (entry.export)(app.clone(), actor.clone(), spec.clone(), row.id, path).await {
        Ok(n) => {
            finished(app, &actor, row.id, &spec, n).await?;
            let link = format!("/exports/{}", row.id);
            crate::runs::tell_runner(app, &actor, "export_ready", serde_json::json!({ "count": n }), &link).await
        }
        Err(e @ (AppError::Validation(_) | AppError::Forbidden { .. } | AppError::NotFound)) => {
            runs::fail(&app.db.conn, row.id, &e.to_string(), now_ms()).await?;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The actor's recent exports, newest first (an admin's: everyone's).
pub async fn recent(app: &App, actor: &Actor, limit: u64) -> Result<Vec<kervan_store::runs::RunRow>> {
    crate::runs::recent(app, actor, OP, limit).await
}

/// An export run of the actor's (an admin's: anyone's).
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<kervan_store::runs::RunRow> {
    crate::runs::owned(app, actor, OP, id).await
}

/// Where the rows go.
enum Sink {
    Csv(Box<kervan_io::write::CsvOut<std::io::BufWriter<std::fs::File>>>),
    Xlsx(Box<kervan_io::write::XlsxOut>, std::fs::File),
    Vcf(std::io::BufWriter<std::fs::File>),
}

fn io_err(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("export write: {e}"))
}

/// Writes the export of kind `K` to `path`: the rows written. Progress goes to the run every page.
pub async fn write<K: RecordKind>(app: &App, actor: &Actor, spec: &Spec, run_id: i64, path: PathBuf) -> Result<u64> {
    let kind = K::KIND;
    let c = &app.db.conn;
    let defs: Vec<CustomDef> = records::custom_defs(c, kind).await?;
    let users: HashMap<i64, String> = kervan_store::users::list(c)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let file = std::fs::File::create(&path).map_err(io_err)?;
    let mut sink = match spec.format {
        Format::Csv => Sink::Csv(Box::new(
            kervan_io::write::CsvOut::new(std::io::BufWriter::new(file)).map_err(io_err)?,
        )),
        Format::Xlsx => Sink::Xlsx(
            Box::new(kervan_io::write::XlsxOut::new(&spec.kind).map_err(io_err)?),
            file,
        ),
        Format::Vcf => Sink::Vcf(std::io::BufWriter::new(file)),
    };
    match &mut sink {
        Sink::Csv(w) => w.row(&spec.headers).map_err(io_err)?,
        Sink::Xlsx(w, _) => w.row(&spec.headers).map_err(io_err)?,
        Sink::Vcf(_) => {}
    }
    // The next pages are read while this one is written: the database's thread and ours work
    // side by side, and at most two pages wait in memory.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<Record>>>(2);
    let reader = {
        let (app, actor, defs, params) = (app.clone(), actor.clone(), defs.clone(), spec.params.clone());
        tokio::spawn(async move {
            let mut pages = crate::lists::Pages::<K>::new(&defs, &params, PAGE);
            loop {
                let next = pages.next(&app, &actor, &defs, Action::Export).await.transpose();
                let Some(page) = next else { break };
                let failed = page.is_err();
                if tx.send(page).await.is_err() || failed {
                    break;
                }
            }
        })
    };
    let mut written: u64 = 0;
    let mut told = std::time::Instant::now();
    while let Some(page) = rx.recv().await {
        let page = page?;
        for rec in &page {
            match &mut sink {
                Sink::Csv(w) => w.row(&cells::<K>(spec, &defs, &users, rec)).map_err(io_err)?,
                Sink::Xlsx(w, _) => w.row(&cells::<K>(spec, &defs, &users, rec)).map_err(io_err)?,
                Sink::Vcf(w) => {
                    let mut s = String::new();
                    card(rec).write(&mut s);
                    w.write_all(s.as_bytes()).map_err(io_err)?;
                }
            }
        }
        written += page.len() as u64;
        // The progress bar moves twice a second, not once a page: each is a write.
        if told.elapsed() >= std::time::Duration::from_millis(500) {
            told = std::time::Instant::now();
            kervan_store::db::exec(
                c,
                "UPDATE runs SET processed = ? WHERE id = ?",
                vec![(written as i64).into(), run_id.into()],
            )
            .await?;
        }
    }
    reader
        .await
        .map_err(|e| AppError::Internal(format!("export reader failed: {e}")))?;
    match sink {
        Sink::Csv(w) => {
            w.finish().map_err(io_err)?.flush().map_err(io_err)?;
        }
        Sink::Xlsx(w, file) => w.finish(file).map_err(io_err)?,
        Sink::Vcf(mut w) => w.flush().map_err(io_err)?,
    }
    Ok(written)
}

/// One record's cells for the spec's columns.
fn cells<K: RecordKind>(spec: &Spec, defs: &[CustomDef], users: &HashMap<i64, String>, rec: &Record) -> Vec<String> {
    let kind = K::KIND;
    spec.columns
        .iter()
        .map(|col| match col.as_str() {
            "name" => K::name(&rec.values),
            "created_at" => kervan_core::time::datetime(rec.created_at),
            "updated_at" => kervan_core::time::datetime(rec.updated_at),
            records::NEXT_STEP => rec.next_step.map(kervan_core::time::datetime).unwrap_or_default(),
            key => match key.strip_prefix("custom.") {
                Some(ck) => match (rec.custom.get(ck), defs.iter().find(|d| d.key == ck)) {
                    (Some(v), Some(d)) => text(spec, key, v, users, rec, Some(d)),
                    _ => String::new(),
                },
                None => match rec.values.get(kind.field(key).map_or("", |f| f.key)) {
                    Some(v) => text(spec, key, v, users, rec, None),
                    None => String::new(),
                },
            },
        })
        .collect()
}

/// A value as the importer reads it back.
fn text(
    spec: &Spec,
    path: &str,
    v: &Value,
    users: &HashMap<i64, String>,
    rec: &Record,
    def: Option<&CustomDef>,
) -> String {
    let label = |key: &str| -> String {
        if let Some(d) = def {
            return d.option_label(key).unwrap_or(key).to_string();
        }
        spec.options
            .get(path)
            .and_then(|m| m.get(key))
            .cloned()
            .unwrap_or_else(|| key.to_string())
    };
    match v {
        Value::Choice(k) => label(k),
        Value::Multi(ks) => ks.iter().map(|k| label(k)).collect::<Vec<_>>().join(", "),
        Value::Tags(ts) => ts.join(", "),
        Value::User(id) => users.get(id).cloned().unwrap_or_default(),
        Value::Ref(_) => rec.ref_names.get(path).cloned().unwrap_or_default(),
        Value::Money(m) => m.amount_text(),
        Value::Date(d) => d.format("%d.%m.%Y").to_string(),
        Value::DateTime(ms) => kervan_core::time::datetime(*ms),
        Value::Bool(b) => {
            if *b {
                spec.yes_no.0.clone()
            } else {
                spec.yes_no.1.clone()
            }
        }
        other => other.canonical(),
    }
}

/// A person's card: names, company, title, phones, e-mail.
fn card(rec: &Record) -> kervan_io::vcard::Card {
    let t = |k: &str| rec.text(k).map(str::to_string);
    let mut phones = Vec::new();
    for (key, ty) in [("mobile", "cell"), ("phone", "voice"), ("whatsapp", "cell")] {
        if let Some(p) = rec.values.get(key) {
            let n = p.canonical();
            if !phones.iter().any(|(_, x): &(&str, String)| *x == n) {
                phones.push((ty, n));
            }
        }
    }
    kervan_io::vcard::Card {
        first_name: t("first_name").unwrap_or_default(),
        last_name: t("last_name").unwrap_or_default(),
        organization: t("company").or_else(|| rec.ref_names.get("account_id").cloned()),
        title: t("title"),
        phones,
        emails: rec.values.get("email").map(|e| vec![e.canonical()]).unwrap_or_default(),
        note: None,
    }
}
