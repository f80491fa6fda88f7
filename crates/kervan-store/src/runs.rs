//! Runs: imports and bulk changes, with what came of each row (see migration 23).

use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use crate::db::{self, Result};

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct RunRow {
    pub id: i64,
    /// `import` or `bulk`.
    pub op: String,
    pub kind: String,
    pub user_id: Option<i64>,
    /// `draft` (an import being mapped), `queued`, `running`, `done`, `failed`, `undone`.
    pub status: String,
    pub file_name: Option<String>,
    /// What was asked, as JSON (the mapping and the values for every row; the change and the ids).
    pub settings: String,
    pub total: i64,
    pub processed: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub rejected: i64,
    pub error: Option<String>,
    /// What an undo did, as JSON.
    pub undo_report: Option<String>,
    /// A step running in the background on a finished run (`undo`, `assign`, `first_calls`).
    pub step: Option<String>,
    /// What the last step did, as JSON.
    pub step_report: Option<String>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub undone_at: Option<i64>,
}

const SELECT: &str = "SELECT id, op, kind, user_id, status, file_name, settings, total, processed, created, updated,
    skipped, rejected, error, undo_report, step, step_report, created_at, started_at, finished_at, undone_at FROM runs";

pub struct NewRun<'a> {
    pub op: &'a str,
    pub kind: &'a str,
    pub user_id: Option<i64>,
    pub status: &'a str,
    pub file_name: Option<&'a str>,
    pub settings: &'a str,
    pub total: i64,
}

pub async fn insert<C: ConnectionTrait>(c: &C, r: &NewRun<'_>, now: i64) -> Result<i64> {
    db::insert_id(
        c,
        "INSERT INTO runs (op, kind, user_id, status, file_name, settings, total, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            r.op.into(),
            r.kind.into(),
            r.user_id.into(),
            r.status.into(),
            r.file_name.into(),
            r.settings.into(),
            r.total.into(),
            now.into(),
        ],
    )
    .await
}

pub async fn get<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<RunRow>> {
    db::one(c, &format!("{SELECT} WHERE id = ?"), vec![id.into()]).await
}

/// The newest runs of a user (all users' with `user_id = None`), of one op.
pub async fn recent<C: ConnectionTrait>(c: &C, op: &str, user_id: Option<i64>, limit: u64) -> Result<Vec<RunRow>> {
    let (cond, mut vals): (&str, Vec<Value>) = match user_id {
        Some(u) => (" AND user_id = ?", vec![u.into()]),
        None => ("", vec![]),
    };
    let mut v: Vec<Value> = vec![op.into()];
    v.append(&mut vals);
    v.push((limit as i64).into());
    db::all(c, &format!("{SELECT} WHERE op = ?{cond} ORDER BY id DESC LIMIT ?"), v).await
}

pub async fn set_settings<C: ConnectionTrait>(c: &C, id: i64, settings: &str, total: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE runs SET settings = ?, total = ? WHERE id = ? AND status = 'draft'",
        vec![settings.into(), total.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// Moves a run from one status to another; false when it was not in `from` any more (another
/// request or worker got there first).
pub async fn transition<C: ConnectionTrait>(c: &C, id: i64, from: &[&str], to: &str, now: i64) -> Result<bool> {
    let marks = vec!["?"; from.len()].join(", ");
    let stamp = match to {
        "running" => Some("started_at = COALESCE(started_at, ?)"),
        "done" | "failed" => Some("finished_at = ?"),
        "undone" => Some("undone_at = ?"),
        _ => None,
    };
    let mut v: Vec<Value> = vec![to.into()];
    let set = match stamp {
        Some(s) => {
            v.push(now.into());
            format!(", {s}")
        }
        None => String::new(),
    };
    v.push(id.into());
    v.extend(from.iter().map(|s| Value::from(*s)));
    let n = db::exec(
        c,
        &format!("UPDATE runs SET status = ?{set} WHERE id = ? AND status IN ({marks})"),
        v,
    )
    .await?;
    Ok(n > 0)
}

/// Adds a batch's counts to the run (in the batch's transaction, so counts and rows agree).
pub async fn add_progress<C: ConnectionTrait>(c: &C, id: i64, d: &Counts) -> Result<()> {
    db::exec(
        c,
        "UPDATE runs SET processed = processed + ?, created = created + ?, updated = updated + ?,
         skipped = skipped + ?, rejected = rejected + ? WHERE id = ?",
        vec![
            d.processed.into(),
            d.created.into(),
            d.updated.into(),
            d.skipped.into(),
            d.rejected.into(),
            id.into(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn fail<C: ConnectionTrait>(c: &C, id: i64, error: &str, now: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?",
        vec![error.into(), now.into(), id.into()],
    )
    .await?;
    Ok(())
}

pub async fn set_undo_report<C: ConnectionTrait>(c: &C, id: i64, report: &str) -> Result<()> {
    db::exec(
        c,
        "UPDATE runs SET undo_report = ? WHERE id = ?",
        vec![report.into(), id.into()],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub processed: i64,
    pub created: i64,
    pub updated: i64,
    pub skipped: i64,
    pub rejected: i64,
}

/// What came of one row.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct ItemRow {
    /// The kind of the record (an import's own kind, or `tasks` for the follow-ups it made).
    pub kind: String,
    pub row_no: i64,
    /// `created`, `updated`, `skipped`, `rejected`.
    pub outcome: String,
    pub record_id: Option<i64>,
    pub version_after: Option<i64>,
    /// JSON: the problems (`[{field, code, arg}]`) or the reason a row was skipped.
    pub reason: Option<String>,
    /// JSON object of the fields the run changed, as they were before.
    pub before_image: Option<String>,
    /// JSON array of the row's cells (refused rows only).
    pub cells: Option<String>,
}

/// Writes many rows' outcomes in one statement per hundred.
pub async fn insert_items<C: ConnectionTrait>(c: &C, run_id: i64, items: &[ItemRow]) -> Result<()> {
    for chunk in items.chunks(1000) {
        let marks = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * 9);
        for i in chunk {
            v.extend([
                run_id.into(),
                i.kind.clone().into(),
                i.row_no.into(),
                i.outcome.clone().into(),
                i.record_id.into(),
                i.version_after.into(),
                i.reason.clone().into(),
                i.before_image.clone().into(),
                i.cells.clone().into(),
            ]);
        }
        db::exec(
            c,
            &format!(
                "INSERT INTO run_items (run_id, kind, row_no, outcome, record_id, version_after, reason, before_image, cells)
                 VALUES {marks}"
            ),
            v,
        )
        .await?;
    }
    Ok(())
}

/// Writes the outcomes of a batch of pending items (a bulk run's records, listed in row order):
/// the pending rows of their range go and the new ones are inserted, two statements a batch
/// instead of an UPDATE per record. A range, not a list of row numbers: PostgreSQL, whose
/// statistics had not yet seen the run's new items, scanned the whole table for a list.
pub async fn replace_items<C: ConnectionTrait>(c: &C, run_id: i64, items: &[ItemRow]) -> Result<()> {
    let mut by_kind: std::collections::BTreeMap<&str, (i64, i64)> = Default::default();
    for i in items {
        let r = by_kind.entry(i.kind.as_str()).or_insert((i.row_no, i.row_no));
        r.0 = r.0.min(i.row_no);
        r.1 = r.1.max(i.row_no);
    }
    for (kind, (first, last)) in by_kind {
        db::exec(
            c,
            "DELETE FROM run_items WHERE run_id = ? AND kind = ? AND row_no >= ? AND row_no <= ? AND outcome = 'pending'",
            vec![run_id.into(), kind.into(), first.into(), last.into()],
        )
        .await?;
    }
    insert_items(c, run_id, items).await
}

const ITEM: &str = "SELECT kind, row_no, outcome, record_id, version_after, reason, before_image, cells FROM run_items";

/// Rows of a run about records of `kind` with one of `outcomes`, after row `after_row`, by row.
pub async fn items<C: ConnectionTrait>(
    c: &C,
    run_id: i64,
    kind: &str,
    outcomes: &[&str],
    after_row: i64,
    limit: u64,
) -> Result<Vec<ItemRow>> {
    let marks = vec!["?"; outcomes.len()].join(", ");
    let mut v: Vec<Value> = vec![run_id.into(), kind.into(), after_row.into()];
    v.extend(outcomes.iter().map(|o| Value::from(*o)));
    v.push((limit as i64).into());
    db::all(
        c,
        &format!(
            "{ITEM} WHERE run_id = ? AND kind = ? AND row_no > ? AND outcome IN ({marks}) ORDER BY row_no LIMIT ?"
        ),
        v,
    )
    .await
}

/// Changes the version a run left a record at (a later step of the same run, such as assigning
/// owners after an import, is not "an edit since").
pub async fn set_version_after<C: ConnectionTrait>(
    c: &C,
    run_id: i64,
    kind: &str,
    record_id: i64,
    version: i64,
) -> Result<()> {
    db::exec(
        c,
        "UPDATE run_items SET version_after = ? WHERE run_id = ? AND kind = ? AND record_id = ?",
        vec![version.into(), run_id.into(), kind.into(), record_id.into()],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct TemplateRow {
    pub id: i64,
    pub kind: String,
    pub user_id: Option<i64>,
    pub name: String,
    /// JSON object: header → field path.
    pub mapping: String,
    pub created_at: i64,
}

pub async fn insert_template<C: ConnectionTrait>(
    c: &C,
    kind: &str,
    user_id: Option<i64>,
    name: &str,
    mapping: &str,
    now: i64,
) -> Result<i64> {
    db::exec(
        c,
        "DELETE FROM import_templates WHERE kind = ? AND name = ?",
        vec![kind.into(), name.into()],
    )
    .await?;
    db::insert_id(
        c,
        "INSERT INTO import_templates (kind, user_id, name, mapping, created_at) VALUES (?, ?, ?, ?, ?)",
        vec![kind.into(), user_id.into(), name.into(), mapping.into(), now.into()],
    )
    .await
}

pub async fn templates<C: ConnectionTrait>(c: &C, kind: &str) -> Result<Vec<TemplateRow>> {
    db::all(
        c,
        "SELECT id, kind, user_id, name, mapping, created_at FROM import_templates WHERE kind = ? ORDER BY name",
        vec![kind.into()],
    )
    .await
}

pub async fn template<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<TemplateRow>> {
    db::one(
        c,
        "SELECT id, kind, user_id, name, mapping, created_at FROM import_templates WHERE id = ?",
        vec![id.into()],
    )
    .await
}

/// Marks a step as running on run `id`; false when another one already is.
pub async fn begin_step<C: ConnectionTrait>(c: &C, id: i64, step: &str) -> Result<bool> {
    let n = db::exec(
        c,
        "UPDATE runs SET step = ?, step_report = NULL WHERE id = ? AND step IS NULL",
        vec![step.into(), id.into()],
    )
    .await?;
    Ok(n > 0)
}

/// Ends every step still marked running, reporting it as interrupted (see
/// `kervan_app::runs::release_steps`).
pub async fn release_steps<C: ConnectionTrait>(c: &C) -> Result<u64> {
    db::exec(
        c,
        "UPDATE runs SET step_report = '{\"step\":\"' || step || '\",\"ok\":false,\"error\":\"interrupted\"}',
         step = NULL WHERE step IS NOT NULL",
        vec![],
    )
    .await
}

pub async fn end_step<C: ConnectionTrait>(c: &C, id: i64, report: &str) -> Result<()> {
    db::exec(
        c,
        "UPDATE runs SET step = NULL, step_report = ? WHERE id = ?",
        vec![report.into(), id.into()],
    )
    .await?;
    Ok(())
}
