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
