//! Bulk changes on list rows: on the ticked rows or on everything matching a list's filter.
//!
//! Every bulk change is a run: its set frozen when asked for, each record checked (permission,
//! validation, version) and written through the kit's batch write with its history, the outcome
//! of each record kept, and the whole run undoable. A run over everything matching a filter is
//! confirmed with its exact count and goes to the job worker; a handful of ticked rows runs at
//! once, in the request ([`run_now`]). One record failing does not stop the others: the outcome
//! counts what changed and why the rest were skipped — the count shown is the count done.

use std::collections::HashSet;

use kervan_core::permissions::Action;
use kervan_core::record::{Input, Inputs};

use crate::error::{AppError, Result};
use crate::records::{self, RecordKind};
use crate::{Actor, App};

/// The most ticked rows one request may carry: they run in the request.
pub const MAX_IDS: usize = 200;

/// How a bulk action went, for the list's toast: records changed, and records skipped by reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Changed (and undoable).
    pub changed: usize,
    /// Already as asked.
    pub unchanged: usize,
    /// Unknown, outside what the actor may see, or not theirs to change.
    pub not_found: usize,
    /// The record does not pass validation with the change (an owner the actor may not assign
    /// to, a converted lead, …).
    pub invalid: usize,
    /// Somebody changed the record between reading and writing it.
    pub conflict: usize,
}

impl Outcome {
    pub fn skipped(&self) -> usize {
        self.not_found + self.invalid + self.conflict
    }
}

/// Runs draft `id` (ticked rows, at most [`MAX_IDS`]) at once, in the request, and tells how it
/// went. Should the request's run fail midway, the job worker takes it over from where it got.
pub async fn run_now(app: &App, actor: &Actor, id: i64) -> Result<Outcome> {
    let (row, _) = get(app, actor, id).await?;
    let c = &app.db.conn;
    if row.total > MAX_IDS as i64 {
        return Err(AppError::field("ids", "bulk_too_many"));
    }
    if !runs::transition(c, id, &["draft"], "running", now_ms()).await? {
        return Err(AppError::field("status", "import_not_draft"));
    }
    let entry = crate::registry::entry(&row.kind).ok_or(AppError::NotFound)?;
    if let Err(e) = (entry.bulk)(app.clone(), actor.clone(), id).await {
        let txn = kervan_store::db::begin_guarded(c, &[]).await?;
        crate::runs::enqueue(&txn, JOB, id).await?;
        txn.commit().await?;
        crate::runs::wake(app);
        return Err(e);
    }
    runs::transition(c, id, &["running"], "done", now_ms()).await?;
    let mut out = Outcome::default();
    for it in runs::items(c, id, &row.kind, &["updated", "skipped"], i64::MIN, MAX_IDS as u64).await? {
        let code = it
            .reason
            .as_deref()
            .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
            .and_then(|v| v["code"].as_str().map(str::to_string));
        match (it.outcome.as_str(), code.as_deref()) {
            ("updated", _) => out.changed += 1,
            (_, Some("unchanged")) => out.unchanged += 1,
            (_, Some("invalid")) => out.invalid += 1,
            (_, Some("conflict")) => out.conflict += 1,
            _ => out.not_found += 1,
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Bulk changes by filter: everything matching a list's filter, frozen when it is asked for,
// confirmed with its exact count, run by the job worker a batch per transaction through the
// kit's batch write (the same checks, history and version checks per record), undoable.

use kervan_core::record::{CustomDef, CustomValues, Values};
use kervan_core::time::now_ms;
use kervan_store::runs::{self, Counts, ItemRow, NewRun};
use serde::{Deserialize, Serialize};

pub const OP: &str = "bulk";
pub const JOB: &str = "bulk";
/// Records per transaction.
const BATCH: u64 = 2000;

/// A change a bulk run makes to every record of its set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Planned {
    /// Set a field (declared for bulk changes, or a custom field `custom.KEY`) to a value.
    Set {
        field: String,
        value: String,
    },
    AddTag {
        tag: String,
    },
    RemoveTag {
        tag: String,
    },
    /// Give the records to these people in turn ("Devret").
    Assign {
        owners: Vec<i64>,
    },
    Archive,
    Restore,
}

impl Planned {
    pub fn action(&self) -> Action {
        match self {
            Planned::Archive | Planned::Restore => Action::Delete,
            _ => Action::Edit,
        }
    }
}

/// Freezes the records of `K` matching the list parameters `params` that the actor sees, as a
/// draft run of `change`: its id and the exact count the confirmation shows.
pub async fn freeze(
    app: &App,
    actor: &Actor,
    kind: &'static kervan_core::record::Kind,
    params: &[(String, String)],
    change: &Planned,
) -> Result<(i64, i64)> {
    actor.require(kind.module, change.action())?;
    check_change(kind, &records::custom_defs(&app.db.conn, kind).await?, change)?;
    let entry = crate::registry::entry(kind.key).ok_or(AppError::NotFound)?;
    let ids = (entry.matching)(app.clone(), actor.clone(), params.to_vec()).await?;
    let settings = serde_json::json!({ "change": change, "params": params }).to_string();
    draft(app, actor, kind.key, &settings, &ids).await
}

/// A draft run over `ids` (the set, frozen): its id and size.
async fn draft(app: &App, actor: &Actor, kind: &str, settings: &str, ids: &[i64]) -> Result<(i64, i64)> {
    let txn = kervan_store::db::begin_guarded(&app.db.conn, &[]).await?;
    let id = runs::insert(
        &txn,
        &NewRun {
            op: OP,
            kind,
            user_id: actor.author(),
            status: "draft",
            file_name: None,
            settings,
            total: ids.len() as i64,
        },
        now_ms(),
    )
    .await?;
    let items: Vec<ItemRow> = ids
        .iter()
        .enumerate()
        .map(|(i, rid)| ItemRow {
            kind: kind.to_string(),
            row_no: i as i64 + 1,
            outcome: "pending".into(),
            record_id: Some(*rid),
            version_after: None,
            reason: None,
            before_image: None,
            cells: None,
        })
        .collect();
    runs::insert_items(&txn, id, &items).await?;
    txn.commit().await?;
    Ok((id, ids.len() as i64))
}

fn check_change(kind: &kervan_core::record::Kind, defs: &[CustomDef], change: &Planned) -> Result<()> {
    match change {
        Planned::Set { field, .. } => {
            let ok = match field.strip_prefix("custom.") {
                Some(k) => defs.iter().any(|d| d.key == k && d.active),
                None => kind.field(field).is_some_and(|f| f.bulk),
            };
            if !ok {
                return Err(AppError::field("action", "invalid_choice"));
            }
        }
        Planned::AddTag { tag } | Planned::RemoveTag { tag } => {
            if !kind
                .fields
                .iter()
                .any(|f| f.storage == kervan_core::record::Storage::Tags)
            {
                return Err(AppError::field("action", "invalid_choice"));
            }
            let t = tag.trim();
            if t.is_empty() || t.chars().count() > kervan_core::validation::MAX_TAG {
                return Err(AppError::field(
                    "tag",
                    if t.is_empty() { "required" } else { "too_long" },
                ));
            }
        }
        Planned::Assign { owners } => {
            if owners.is_empty() || !kind.owned {
                return Err(AppError::field("owners", "required"));
            }
        }
        Planned::Archive | Planned::Restore => {}
    }
    Ok(())
}

/// The ids of every record of `K` the actor sees matching `params`, in list order.
pub async fn matching<K: RecordKind>(app: &App, actor: &Actor, params: &[(String, String)]) -> Result<Vec<i64>> {
    let defs = records::custom_defs(&app.db.conn, K::KIND).await?;
    let live: Vec<CustomDef> = defs.into_iter().filter(|d| d.active).collect();
    let backend = app.db.conn.get_database_backend();
    let ls = crate::lists::parse::<K>(backend, &live, params, 500, 500).map_err(AppError::Validation)?;
    records::ids_for(app, actor, K::KIND, &ls.query, Action::View).await
}

/// A bulk run of the actor's (an admin's: anyone's).
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<(runs::RunRow, Planned)> {
    let row = crate::runs::owned(app, actor, OP, id).await?;
    let v: serde_json::Value = serde_json::from_str(&row.settings).map_err(|e| AppError::Internal(e.to_string()))?;
    let change: Planned = serde_json::from_value(v["change"].clone()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((row, change))
}

/// Confirms a draft: the worker takes it.
pub async fn confirm(app: &App, actor: &Actor, id: i64) -> Result<()> {
    get(app, actor, id).await?;
    let txn = kervan_store::db::begin_guarded(&app.db.conn, &[]).await?;
    if !runs::transition(&txn, id, &["draft"], "queued", now_ms()).await? {
        return Err(AppError::field("status", "import_not_draft"));
    }
    crate::runs::enqueue(&txn, JOB, id).await?;
    txn.commit().await?;
    crate::runs::wake(app);
    Ok(())
}

/// The worker's side of a bulk run.
pub async fn run_job(app: &App, payload: &str) -> Result<()> {
    let Some((row, actor)) = crate::runs::claim(app, payload).await? else {
        return Ok(());
    };
    let entry = crate::registry::entry(&row.kind).ok_or(AppError::NotFound)?;
    (entry.bulk)(app.clone(), actor, row.id).await?;
    runs::transition(&app.db.conn, row.id, &["running"], "done", now_ms()).await?;
    Ok(())
}

/// Applies run `run_id`'s change to its pending records of `K`, a batch per transaction: the
/// batch's records read in one statement, each checked for permission (once per owner) and
/// planned, then written together by the kit's batch write; each record's outcome (changed with
/// its before-image, or skipped with the reason) and the run's counts are written with it.
pub async fn process<K: RecordKind>(app: &App, actor: &Actor, run_id: i64) -> Result<()> {
    let kind = K::KIND;
    let c = &app.db.conn;
    let (_, change) = get_any(app, run_id).await?;
    if let Planned::AddTag { tag } | Planned::RemoveTag { tag } = &change {
        retag(
            app,
            actor,
            kind,
            run_id,
            tag,
            matches!(change, Planned::AddTag { .. }),
            false,
        )
        .await?;
        return Ok(());
    }
    let defs = records::custom_defs(c, kind).await?;
    // New owners, told once at the end.
    let mut given = Vec::new();
    let mut breather = crate::runs::Breather::new();
    let mut after = i64::MIN;
    loop {
        let items = runs::items(c, run_id, kind.key, &["pending"], after, BATCH).await?;
        let Some(last) = items.last().map(|i| i.row_no) else {
            break;
        };
        after = last;
        let txn = kervan_store::db::begin_guarded(c, &[]).await?;
        let ids: Vec<i64> = items.iter().filter_map(|i| i.record_id).collect();
        let recs = records::read_many(&txn, kind, &defs, &ids).await?;
        let mut permits = records::Permits::new(change.action());
        // Each item's outcome, the edits written together after the loop filling theirs in.
        let mut done: Vec<(ItemRow, Option<usize>)> = Vec::with_capacity(items.len());
        let mut edits: Vec<(&records::Record, Values, CustomValues)> = Vec::new();
        let mut befores: Vec<String> = Vec::new();
        for it in items {
            let rec = it.record_id.and_then(|rid| recs.get(&rid));
            let plan = match rec {
                None => Done::Skipped("gone"),
                Some(rec) => {
                    let ok = permits.allow(&txn, actor, kind, rec.owner_id()).await?;
                    if !ok {
                        Done::Skipped("not_allowed")
                    } else if let Planned::Archive | Planned::Restore = change {
                        archive_in(&txn, actor, kind, rec, matches!(change, Planned::Archive)).await?
                    } else {
                        match plan::<K>(&defs, rec, &change, it.row_no as usize) {
                            Ok((values, custom, before)) => {
                                edits.push((rec, values, custom));
                                befores.push(before);
                                Done::Planned
                            }
                            Err(code) => Done::Skipped(code),
                        }
                    }
                }
            };
            let mut row = it;
            let slot = match plan {
                Done::Changed(before, version) => {
                    row.outcome = "updated".into();
                    row.before_image = before;
                    row.version_after = Some(version);
                    None
                }
                Done::Skipped(code) => {
                    row.outcome = "skipped".into();
                    row.reason = Some(serde_json::json!({ "code": code }).to_string());
                    None
                }
                Done::Planned => Some(edits.len() - 1),
            };
            done.push((row, slot));
        }
        let results = records::update_many_in::<K>(&txn, actor, &defs, &edits).await?;
        let mut n = Counts::default();
        let mut rows = Vec::with_capacity(done.len());
        for (mut row, slot) in done {
            if let Some(e) = slot {
                let (rec, values, _) = &edits[e];
                match &results[e] {
                    Ok(true) => {
                        row.outcome = "updated".into();
                        row.before_image = Some(befores[e].clone());
                        row.version_after = Some(rec.version + 1);
                        if values.get("owner_id") != rec.values.get("owner_id")
                            && let Some(o) = values.get("owner_id").and_then(kervan_core::record::Value::as_id)
                        {
                            given.push(o);
                        }
                    }
                    other => {
                        let code = match other {
                            Ok(_) => "unchanged",
                            Err(AppError::Conflict { .. }) => "conflict",
                            _ => "invalid",
                        };
                        row.outcome = "skipped".into();
                        row.reason = Some(serde_json::json!({ "code": code }).to_string());
                    }
                }
            }
            n.processed += 1;
            if row.outcome == "updated" {
                n.updated += 1;
            } else {
                n.skipped += 1;
            }
            rows.push(row);
        }
        drop(edits);
        runs::replace_items(&txn, run_id, &rows).await?;
        runs::add_progress(&txn, run_id, &n).await?;
        txn.commit().await?;
        breather.breathe(app).await;
    }
    records::tell_owners_of_run(app, actor, kind, &given, &format!("#{run_id}")).await
}

/// A tag change over run `run_id`'s records of `kind`, a batch per transaction through the
/// kit's [`records::retag_many_in`] (tag rows and history only, no new version of a record).
/// Running (`undo` false) it works through the pending items and keeps each one's outcome;
/// undoing (`undo` true, with `add` already turned round) it works through the changed ones and
/// tells how that went — one that is already as the undo would leave it was changed by
/// somebody since, and is left alone.
///
/// On PostgreSQL the run's rows are split in two halves written side by side, on two
/// connections: the records are disjoint, so the two never wait for each other but at the
/// run's counts, and the database's work (tag rows, history, items) gets both cores. SQLite
/// has one writer; there it is one pass.
async fn retag(
    app: &App,
    actor: &Actor,
    kind: &'static kervan_core::record::Kind,
    run_id: i64,
    tag: &str,
    add: bool,
    undo: bool,
) -> Result<crate::imports::UndoReport> {
    let total = runs::get(&app.db.conn, run_id).await?.map_or(0, |r| r.total);
    let parts: i64 = if app.db.is_postgres() { 2 } else { 1 };
    let share = total / parts + 1;
    let halves = (0..parts).map(|p| {
        let rows = (p * share, (p + 1) * share);
        retag_rows(app, actor, kind, run_id, (tag, add, undo), rows)
    });
    let mut report = crate::imports::UndoReport::default();
    for r in futures_util::future::try_join_all(halves).await? {
        report.restored += r.restored;
        report.gone += r.gone;
        report.edited_since.extend(r.edited_since);
    }
    Ok(report)
}

/// [`retag`] over the run's rows after `rows.0` up to `rows.1`.
async fn retag_rows(
    app: &App,
    actor: &Actor,
    kind: &'static kervan_core::record::Kind,
    run_id: i64,
    (tag, add, undo): (&str, bool, bool),
    rows: (i64, i64),
) -> Result<crate::imports::UndoReport> {
    let c = &app.db.conn;
    let action = Action::Edit;
    let mut report = crate::imports::UndoReport::default();
    let mut breather = crate::runs::Breather::new();
    let mut after = rows.0;
    let of: &[&str] = if undo { &["updated"] } else { &["pending"] };
    while after < rows.1 {
        let mut items = runs::items(c, run_id, kind.key, of, after, BATCH).await?;
        items.retain(|i| i.row_no <= rows.1);
        let Some(last) = items.last().map(|i| i.row_no) else {
            break;
        };
        after = last;
        let txn = kervan_store::db::begin_guarded(c, &[]).await?;
        let ids: Vec<i64> = items.iter().filter_map(|i| i.record_id).collect();
        let done = records::retag_many_in(&txn, actor, kind, &ids, tag, add, action).await?;
        let gone = (records::Retagged::Gone, String::new());
        let outcome = |id: Option<i64>| id.and_then(|r| done.get(&r)).unwrap_or(&gone);
        if undo {
            for it in &items {
                match outcome(it.record_id) {
                    (records::Retagged::Changed(_), _) => report.restored += 1,
                    (records::Retagged::Gone, _) => report.gone += 1,
                    (_, name) => report
                        .edited_since
                        .push((it.record_id.unwrap_or_default(), name.clone())),
                }
            }
        } else {
            let mut n = Counts::default();
            let mut rows = Vec::with_capacity(items.len());
            for mut row in items {
                let code = match &outcome(row.record_id).0 {
                    records::Retagged::Changed(before) => {
                        row.outcome = "updated".into();
                        row.before_image = Some(serde_json::json!({ "tags": before }).to_string());
                        n.updated += 1;
                        None
                    }
                    records::Retagged::Unchanged => Some("unchanged"),
                    records::Retagged::Gone => Some("gone"),
                    records::Retagged::NotAllowed => Some("not_allowed"),
                    records::Retagged::Invalid => Some("invalid"),
                };
                if let Some(code) = code {
                    row.outcome = "skipped".into();
                    row.reason = Some(serde_json::json!({ "code": code }).to_string());
                    n.skipped += 1;
                }
                n.processed += 1;
                rows.push(row);
            }
            runs::replace_items(&txn, run_id, &rows).await?;
            runs::add_progress(&txn, run_id, &n).await?;
        }
        txn.commit().await?;
        breather.breathe(app).await;
    }
    Ok(report)
}

/// How tag `tag` was written on the records a tag-removing run changed (from a before-image),
/// or `tag` itself.
async fn spelled_before(app: &App, run_id: i64, kind: &kervan_core::record::Kind, tag: &str) -> Result<String> {
    let wanted = kervan_core::text::fold(tag);
    let items = runs::items(&app.db.conn, run_id, kind.key, &["updated"], i64::MIN, 1).await?;
    let before: Vec<String> = items
        .first()
        .and_then(|i| i.before_image.as_deref())
        .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
        .and_then(|v| serde_json::from_value(v["tags"].clone()).ok())
        .unwrap_or_default();
    Ok(before
        .into_iter()
        .find(|t| kervan_core::text::fold(t) == wanted)
        .unwrap_or_else(|| tag.to_string()))
}

async fn get_any(app: &App, id: i64) -> Result<(runs::RunRow, Planned)> {
    let row = runs::get(&app.db.conn, id).await?.ok_or(AppError::NotFound)?;
    let v: serde_json::Value = serde_json::from_str(&row.settings).map_err(|e| AppError::Internal(e.to_string()))?;
    let change: Planned = serde_json::from_value(v["change"].clone()).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((row, change))
}

enum Done {
    /// The before-image (JSON; `archived` for an archive or restore) and the version left at.
    Changed(Option<String>, i64),
    Skipped(&'static str),
    /// An edit for the batch write.
    Planned,
}

/// Archives or restores one record of a bulk run inside the batch's transaction.
async fn archive_in(
    txn: &kervan_store::DatabaseTransaction,
    actor: &Actor,
    kind: &'static kervan_core::record::Kind,
    rec: &records::Record,
    archive: bool,
) -> Result<Done> {
    if rec.is_archived() == archive {
        return Ok(Done::Skipped("unchanged"));
    }
    let r = crate::access::Archivable {
        table: kind.table,
        entity: kind.entity,
        id: rec.id,
        current_version: rec.version,
        archived_at: rec.archived_at,
    };
    // A conflict is an UPDATE that found no row at its version: no failed statement, so no
    // savepoint is needed for it.
    match crate::access::set_archived_in(txn, actor, r, rec.version, archive).await {
        Ok(()) => {}
        Err(AppError::Conflict { .. }) => return Ok(Done::Skipped("conflict")),
        Err(e) => return Err(e),
    }
    let before = serde_json::json!({ "archived": !archive }).to_string();
    Ok(Done::Changed(Some(before), rec.version + 1))
}

/// A record's new values under a bulk change (the `turn`-th record of the run, for round-robin
/// owners) and its before-image; or why it is skipped.
fn plan<K: RecordKind>(
    defs: &[CustomDef],
    rec: &records::Record,
    change: &Planned,
    turn: usize,
) -> std::result::Result<(Values, CustomValues, String), &'static str> {
    let kind = K::KIND;
    let (mut values, mut custom): (Values, CustomValues) = (rec.values.clone(), rec.custom.clone());
    match change {
        Planned::Set { field, value } => {
            let mut inputs = Inputs::default();
            match field.strip_prefix("custom.") {
                Some(k) => inputs.custom.insert(k.to_string(), Input::Text(value.clone())),
                None => inputs.fields.insert(field.clone(), Input::Text(value.clone())),
            };
            (values, custom) = records::prepare_edit::<K>(defs, &inputs, rec).map_err(|_| "invalid")?;
        }
        Planned::AddTag { tag } | Planned::RemoveTag { tag } => {
            let f = kind
                .fields
                .iter()
                .find(|f| f.storage == kervan_core::record::Storage::Tags)
                .ok_or("invalid")?;
            let mut tags = rec.tags().to_vec();
            let key = kervan_core::text::fold(tag);
            let has = tags.iter().any(|t| kervan_core::text::fold(t) == key);
            match change {
                Planned::AddTag { .. } if !has => {
                    if tags.len() >= kervan_core::validation::MAX_TAGS {
                        return Err("invalid");
                    }
                    tags.push(tag.trim().to_string());
                }
                Planned::RemoveTag { .. } if has => tags.retain(|t| kervan_core::text::fold(t) != key),
                _ => return Err("unchanged"),
            }
            if tags.is_empty() {
                values.remove(f.key);
            } else {
                values.insert(f.key, kervan_core::record::Value::Tags(tags));
            }
        }
        Planned::Assign { owners } => {
            let owner = owners[turn % owners.len()];
            values.insert("owner_id", kervan_core::record::Value::User(owner));
        }
        Planned::Archive | Planned::Restore => return Err("invalid"),
    }
    let diff = kervan_core::record::diff(kind, (&rec.values, &rec.custom), (&values, &custom));
    if diff.is_empty() {
        return Err("unchanged");
    }
    let mut before = serde_json::Map::new();
    for (key, _, _) in &diff {
        let old = match key.strip_prefix("custom.") {
            Some(k) => rec.custom.get(k),
            None => rec.values.get(key.as_str()),
        };
        before.insert(key.clone(), old.map_or(serde_json::Value::Null, |v| v.to_json()));
    }
    Ok((values, custom, serde_json::Value::Object(before).to_string()))
}

/// Undoes a finished bulk run like an import: every record it changed gets its before-image
/// back (archived ones are restored), unless changed since.
pub async fn undo(app: &App, actor: &Actor, id: i64) -> Result<crate::imports::UndoReport> {
    let (row, change) = get(app, actor, id).await?;
    if row.status != "done" {
        return Err(AppError::field("status", "import_not_done"));
    }
    actor.require(
        crate::registry::entry(&row.kind).ok_or(AppError::NotFound)?.kind.module,
        change.action(),
    )?;
    let entry = crate::registry::entry(&row.kind).ok_or(AppError::NotFound)?;
    let report = match &change {
        // A tag goes off the records it was put on (and back on those it was taken off),
        // whatever else was edited on them since: tags are not part of a record's version.
        Planned::AddTag { tag } => retag(app, actor, entry.kind, id, tag, false, true).await?,
        Planned::RemoveTag { tag } => {
            // Back as it was written on the records ("Eski fuar"), not as the run was typed.
            let spelled = spelled_before(app, id, entry.kind, tag).await?;
            retag(app, actor, entry.kind, id, &spelled, true, true).await?
        }
        _ => (entry.undo_items)(app.clone(), actor.clone(), id).await?,
    };
    let json = serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?;
    let txn = kervan_store::db::begin_guarded(&app.db.conn, &[]).await?;
    runs::set_undo_report(&txn, id, &json).await?;
    runs::transition(&txn, id, &["done"], "undone", now_ms()).await?;
    txn.commit().await?;
    Ok(report)
}

/// "Devret": hands every open record and task of `from` (a person leaving) to `to`, in turn:
/// one bulk run per kind, queued at once. Admins only. Returns the runs.
pub async fn handover(app: &App, actor: &Actor, from: i64, to: &[i64]) -> Result<Vec<(String, i64, i64)>> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: kervan_core::permissions::Module::Users,
            action: Action::Edit,
        });
    }
    if to.is_empty() || to.contains(&from) {
        return Err(AppError::field("to", "required"));
    }
    for u in to {
        let ok = kervan_store::users::by_id(&app.db.conn, *u)
            .await?
            .is_some_and(|u| u.deactivated_at.is_none());
        if !ok {
            return Err(AppError::field("to", "invalid_choice"));
        }
    }
    let change = Planned::Assign { owners: to.to_vec() };
    let mut out = Vec::new();
    for (kind, open) in HANDOVER {
        let Some(entry) = crate::registry::entry(kind) else {
            continue;
        };
        let ids: Vec<i64> = kervan_store::db::all::<IdRow, _>(
            &app.db.conn,
            &format!(
                "SELECT id FROM {} WHERE owner_id = ? AND archived_at IS NULL AND {open} ORDER BY id",
                entry.kind.table
            ),
            vec![from.into()],
        )
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
        if ids.is_empty() {
            continue;
        }
        let settings = serde_json::json!({ "change": change, "handover_from": from }).to_string();
        let (id, n) = draft(app, actor, kind, &settings, &ids).await?;
        confirm(app, actor, id).await?;
        out.push((kind.to_string(), id, n));
    }
    Ok(out)
}

/// What "Devret" hands over, per kind: what is still being worked (open leads, deals and
/// tasks, quotes still being prepared — a sent one is revised, never edited —, planned
/// meetings and calls; customers and their people as they are).
const HANDOVER: &[(&str, &str)] = &[
    ("leads", "status NOT IN ('converted', 'lost')"),
    ("accounts", "1 = 1"),
    ("contacts", "1 = 1"),
    ("deals", "status = 'open'"),
    ("quotes", "status IN ('draft', 'pending_approval', 'approved')"),
    ("tasks", "status = 'open'"),
    ("activities", "status = 'planned'"),
];

/// How much "Devret" would hand over from `from`, per kind. Admins only.
pub async fn handover_counts(app: &App, actor: &Actor, from: i64) -> Result<Vec<(&'static str, i64)>> {
    if !actor.is_admin() {
        return Err(AppError::NotFound);
    }
    let mut out = Vec::new();
    for (kind, open) in HANDOVER {
        let Some(entry) = crate::registry::entry(kind) else {
            continue;
        };
        let n = kervan_store::db::scalar_i64(
            &app.db.conn,
            &format!(
                "SELECT COUNT(*) FROM {} WHERE owner_id = ? AND archived_at IS NULL AND {open}",
                entry.kind.table
            ),
            vec![from.into()],
        )
        .await?
        .unwrap_or(0);
        out.push((*kind, n));
    }
    Ok(out)
}

#[derive(sea_orm::FromQueryResult)]
struct IdRow {
    id: i64,
}

/// The bulk runs of the actor (an admin's: everyone's), newest first.
pub async fn recent(app: &App, actor: &Actor, limit: u64) -> Result<Vec<runs::RunRow>> {
    crate::runs::recent(app, actor, OP, limit).await
}

/// A run's skipped records with their reasons, for its page.
pub async fn skipped(app: &App, actor: &Actor, id: i64, limit: u64) -> Result<Vec<ItemRow>> {
    let (row, _) = get(app, actor, id).await?;
    Ok(runs::items(&app.db.conn, id, &row.kind, &["skipped"], i64::MIN, limit).await?)
}

/// A draft run of `change` over ticked records (each is checked again when the run gets to it).
pub async fn freeze_ids(
    app: &App,
    actor: &Actor,
    kind: &'static kervan_core::record::Kind,
    ids: &[i64],
    change: &Planned,
) -> Result<(i64, i64)> {
    actor.require(kind.module, change.action())?;
    if ids.len() > MAX_IDS {
        return Err(AppError::field("ids", "bulk_too_many"));
    }
    check_change(kind, &records::custom_defs(&app.db.conn, kind).await?, change)?;
    let mut seen = HashSet::new();
    let ids: Vec<i64> = ids.iter().copied().filter(|i| seen.insert(*i)).collect();
    let settings = serde_json::json!({ "change": change }).to_string();
    draft(app, actor, kind.key, &settings, &ids).await
}
