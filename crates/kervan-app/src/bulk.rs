//! Bulk changes on list rows: set one field on several records, or archive them.
//!
//! Each record goes through the kit's own use case (`update`, `set_archived`) exactly as if it had
//! been edited on its own, so permissions, visibility, validation, history and version checks
//! apply record by record. One record failing does not stop the others: the outcome counts what
//! changed and why the rest were skipped — the count shown is the count done.

use std::collections::HashSet;

use kervan_core::permissions::Action;
use kervan_core::record::{Input, Inputs};

use crate::error::{AppError, Result};
use crate::records::{self, RecordKind, WriteOptions};
use crate::{Actor, App};

/// The most ids one request may carry: each record is its own transaction, so a request stays
/// short enough to finish well inside the request timeout.
pub const MAX_IDS: usize = 200;

/// What to do with every selected record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Set a field declared for bulk changes (the owner, a status …) to a value.
    Set {
        field: &'static str,
        value: String,
    },
    Archive,
}

impl Change {
    /// The permission the change needs (archiving is the delete grant, as on a card).
    pub fn action(&self) -> Action {
        match self {
            Change::Archive => Action::Delete,
            Change::Set { .. } => Action::Edit,
        }
    }
}

/// How a bulk action went: records changed, and records skipped by reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Changed, or already as asked.
    pub changed: usize,
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

/// Applies `change` to every record of `ids` (duplicates once). Fails as a whole only when the
/// request itself is wrong (too many ids, a field not declared for bulk changes, no permission
/// at all on the module) or the database fails.
pub async fn apply<K: RecordKind>(app: &App, actor: &Actor, ids: &[i64], change: &Change) -> Result<Outcome> {
    let kind = K::KIND;
    if ids.len() > MAX_IDS {
        return Err(AppError::field("ids", "bulk_too_many"));
    }
    if let Change::Set { field, .. } = change
        && !kind.field(field).is_some_and(|f| f.bulk)
    {
        return Err(AppError::field("action", "invalid_choice"));
    }
    // Somebody without the grant at all gets the access-denied page, not "0 changed, 12 skipped".
    actor.require(kind.module, change.action())?;
    let mut seen = HashSet::new();
    let mut out = Outcome::default();
    for &id in ids {
        if !seen.insert(id) {
            continue;
        }
        match one::<K>(app, actor, id, change).await {
            Ok(()) => out.changed += 1,
            Err(AppError::NotFound | AppError::Forbidden { .. }) => out.not_found += 1,
            Err(AppError::Validation(_) | AppError::Duplicate(_)) => out.invalid += 1,
            Err(AppError::Conflict { .. }) => out.conflict += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// One record: read it as the actor sees it and change one thing at the version just read.
async fn one<K: RecordKind>(app: &App, actor: &Actor, id: i64, change: &Change) -> Result<()> {
    let rec = records::get::<K>(app, actor, id).await?;
    match change {
        Change::Archive => records::set_archived::<K>(app, actor, id, rec.version, true).await,
        Change::Set { field, value } => {
            let mut inputs = Inputs::default();
            inputs.fields.insert(field.to_string(), Input::Text(value.clone()));
            // Nothing that identifies the record changes, so the duplicate check has nothing to say.
            let opts = WriteOptions { allow_duplicate: true };
            records::update::<K>(app, actor, id, rec.version, &inputs, &opts).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bulk changes by filter: everything matching a list's filter, frozen when it is asked for,
// confirmed with its exact count, run by the job worker a batch per transaction, undoable.

use kervan_core::record::{CustomDef, Values};
use kervan_core::time::now_ms;
use kervan_store::TransactionTrait;
use kervan_store::runs::{self, Counts, ItemRow, NewRun};
use serde::{Deserialize, Serialize};

pub const OP: &str = "bulk";
pub const JOB: &str = "bulk";
/// Records per transaction.
const BATCH: u64 = 500;

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
    let mut pages = crate::lists::Pages::<K>::new(&defs, params, 1000);
    let mut ids = Vec::new();
    while let Some(page) = pages.next(app, actor, &defs, Action::View).await? {
        ids.extend(page.iter().map(|r| r.id));
    }
    Ok(ids)
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

/// Applies run `run_id`'s change to its pending records of `K`, a batch per transaction and a
/// savepoint per record; each record's outcome (changed with its before-image, or skipped with
/// the reason) and the run's counts are written with it.
pub async fn process<K: RecordKind>(app: &App, actor: &Actor, run_id: i64) -> Result<()> {
    let kind = K::KIND;
    let c = &app.db.conn;
    let (_, change) = get_any(app, run_id).await?;
    let defs = records::custom_defs(c, kind).await?;
    // New owners, told once at the end.
    let mut given = Vec::new();
    let gives = matches!(&change, Planned::Assign { .. })
        || matches!(&change, Planned::Set { field, .. } if field == "owner_id");
    loop {
        let items = runs::items(c, run_id, kind.key, &["pending"], i64::MIN, BATCH).await?;
        if items.is_empty() {
            break;
        }
        let txn = kervan_store::db::begin_guarded(c, &[]).await?;
        let mut n = Counts::default();
        for it in items {
            let Some(rid) = it.record_id else { continue };
            let (outcome, reason, before, version) =
                match one_in::<K>(&txn, actor, &defs, rid, &change, it.row_no as usize).await? {
                    Done::Changed(before, version) => ("updated", None, before, Some(version)),
                    Done::Skipped(code) => (
                        "skipped",
                        Some(serde_json::json!({ "code": code }).to_string()),
                        None,
                        None,
                    ),
                };
            n.processed += 1;
            if outcome == "updated" {
                if gives {
                    let owner = kervan_store::db::scalar_i64(
                        &txn,
                        &format!("SELECT owner_id FROM {} WHERE id = ?", kind.table),
                        vec![rid.into()],
                    )
                    .await?;
                    given.extend(owner);
                }
                n.updated += 1;
            } else {
                n.skipped += 1;
            }
            kervan_store::db::exec(
                &txn,
                "UPDATE run_items SET outcome = ?, reason = ?, before_image = ?, version_after = ?
                 WHERE run_id = ? AND kind = ? AND row_no = ?",
                vec![
                    outcome.into(),
                    reason.into(),
                    before.into(),
                    version.into(),
                    run_id.into(),
                    kind.key.into(),
                    it.row_no.into(),
                ],
            )
            .await?;
        }
        runs::add_progress(&txn, run_id, &n).await?;
        txn.commit().await?;
        crate::runs::breathe(app).await;
    }
    records::tell_owners_of_run(app, actor, kind, &given, &format!("#{run_id}")).await
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
}

/// One record of a bulk run, inside the batch's transaction.
async fn one_in<K: RecordKind>(
    txn: &kervan_store::DatabaseTransaction,
    actor: &Actor,
    defs: &[CustomDef],
    id: i64,
    change: &Planned,
    turn: usize,
) -> Result<Done> {
    let kind = K::KIND;
    let Some(rec) = records::read(txn, kind, defs, id).await? else {
        return Ok(Done::Skipped("gone"));
    };
    match records::authorize(txn, actor, kind, rec.owner_id(), change.action()).await {
        Ok(()) => {}
        Err(AppError::NotFound | AppError::Forbidden { .. }) => return Ok(Done::Skipped("not_allowed")),
        Err(e) => return Err(e),
    }
    if let Planned::Archive | Planned::Restore = change {
        let archive = matches!(change, Planned::Archive);
        if rec.is_archived() == archive {
            return Ok(Done::Skipped("unchanged"));
        }
        let r = crate::access::Archivable {
            table: kind.table,
            entity: kind.entity,
            id,
            current_version: rec.version,
            archived_at: rec.archived_at,
        };
        crate::access::set_archived_in(txn, actor, r, rec.version, archive).await?;
        let before = serde_json::json!({ "archived": !archive }).to_string();
        return Ok(Done::Changed(Some(before), rec.version + 1));
    }
    let (mut values, mut custom): (Values, _) = (rec.values.clone(), rec.custom.clone());
    match change {
        Planned::Set { field, value } => {
            let mut inputs = Inputs::default();
            match field.strip_prefix("custom.") {
                Some(k) => inputs.custom.insert(k.to_string(), Input::Text(value.clone())),
                None => inputs.fields.insert(field.clone(), Input::Text(value.clone())),
            };
            match records::prepare_edit::<K>(defs, &inputs, &rec) {
                Ok((v, c)) => (values, custom) = (v, c),
                Err(_) => return Ok(Done::Skipped("invalid")),
            }
        }
        Planned::AddTag { tag } | Planned::RemoveTag { tag } => {
            let Some(f) = kind
                .fields
                .iter()
                .find(|f| f.storage == kervan_core::record::Storage::Tags)
            else {
                return Ok(Done::Skipped("invalid"));
            };
            let mut tags = rec.tags().to_vec();
            let key = kervan_core::text::fold(tag);
            let has = tags.iter().any(|t| kervan_core::text::fold(t) == key);
            match change {
                Planned::AddTag { .. } if !has => {
                    if tags.len() >= kervan_core::validation::MAX_TAGS {
                        return Ok(Done::Skipped("invalid"));
                    }
                    tags.push(tag.trim().to_string());
                }
                Planned::RemoveTag { .. } if has => tags.retain(|t| kervan_core::text::fold(t) != key),
                _ => return Ok(Done::Skipped("unchanged")),
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
        Planned::Archive | Planned::Restore => {}
    }
    let diff = kervan_core::record::diff(kind, (&rec.values, &rec.custom), (&values, &custom));
    if diff.is_empty() {
        return Ok(Done::Skipped("unchanged"));
    }
    let mut before = serde_json::Map::new();
    for (key, _, _) in &diff {
        let old = match key.strip_prefix("custom.") {
            Some(k) => rec.custom.get(k),
            None => rec.values.get(key.as_str()),
        };
        before.insert(key.clone(), old.map_or(serde_json::Value::Null, |v| v.to_json()));
    }
    let sp = txn.begin().await?;
    match records::update_in::<K>(&sp, actor, defs, &rec, &values, &custom, records::In::RUN).await {
        Ok(_) => {
            sp.commit().await?;
            Ok(Done::Changed(
                Some(serde_json::Value::Object(before).to_string()),
                rec.version + 1,
            ))
        }
        Err(AppError::Validation(_) | AppError::Duplicate(_)) => {
            sp.rollback().await?;
            Ok(Done::Skipped("invalid"))
        }
        Err(AppError::Conflict { .. }) => {
            sp.rollback().await?;
            Ok(Done::Skipped("conflict"))
        }
        Err(AppError::Forbidden { .. } | AppError::NotFound) => {
            sp.rollback().await?;
            Ok(Done::Skipped("not_allowed"))
        }
        Err(e) => Err(e),
    }
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
    let report = (entry.undo_items)(app.clone(), actor.clone(), id).await?;
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
/// tasks; customers and their people as they are).
const HANDOVER: &[(&str, &str)] = &[
    ("leads", "status NOT IN ('converted', 'lost')"),
    ("accounts", "1 = 1"),
    ("contacts", "1 = 1"),
    ("deals", "status = 'open'"),
    ("tasks", "status = 'open'"),
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
    let who = if actor.is_admin() { None } else { actor.author() };
    Ok(runs::recent(&app.db.conn, OP, who, limit).await?)
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
