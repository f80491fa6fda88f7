//! Bulk actions on list rows: give several records to one owner, archive them, or (leads) move
//! them to another status.
//!
//! Each record goes through the module's own use case (`update`, `set_archived`) exactly as if
//! it had been edited on its own, so permissions, visibility, validation, history and version
//! checks apply record by record. One record failing does not stop the others: the outcome
//! counts what changed and why the rest were skipped.

use std::collections::HashSet;

use kervan_core::leads::LeadStatus;
use kervan_core::permissions::{Action, Module};

use crate::error::{AppError, Result};
use crate::{Actor, App, accounts, contacts, leads};

/// The most ids one request may carry: each record is its own transaction, so a request stays
/// short enough to finish well inside the request timeout.
pub const MAX_IDS: usize = 200;

/// The list the selection was made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Leads,
    Accounts,
    Contacts,
}

impl Target {
    pub fn module(self) -> Module {
        match self {
            Target::Leads => Module::Leads,
            Target::Accounts => Module::Accounts,
            Target::Contacts => Module::Contacts,
        }
    }
}

/// What to do with every selected record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Make this user the owner.
    Owner(i64),
    Archive,
    /// Leads only; never `Lost` (that needs a reason per lead) nor `Converted`.
    Status(LeadStatus),
}

impl Change {
    /// The permission the change needs on the module (archiving is the delete grant, as on a card).
    pub fn action(self) -> Action {
        match self {
            Change::Archive => Action::Delete,
            Change::Owner(_) | Change::Status(_) => Action::Edit,
        }
    }
}

/// How a bulk action went: records changed, and records skipped by reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Changed, or already as asked (the selected owner already owned it, say).
    pub changed: usize,
    /// Unknown, outside what the actor may see, or not theirs to change.
    pub not_found: usize,
    /// The record as stored does not pass validation with the change (an owner the actor may
    /// not assign to, a converted lead, …).
    pub invalid: usize,
    /// Somebody changed the record between reading and writing it.
    pub conflict: usize,
}

impl Outcome {
    pub fn skipped(&self) -> usize {
        self.not_found + self.invalid + self.conflict
    }
}

/// Applies `change` to every record of `ids` (duplicates once), each through its module's use case.
/// Fails as a whole only when the request itself is wrong (too many ids, a change the list does
/// not offer, no permission at all on the module) or the database fails.
pub async fn apply(app: &App, actor: &Actor, target: Target, ids: &[i64], change: Change) -> Result<Outcome> {
    if ids.len() > MAX_IDS {
        return Err(AppError::field("ids", "bulk_too_many"));
    }
    match change {
        Change::Status(_) if target != Target::Leads => return Err(AppError::field("action", "invalid_choice")),
        // A lost lead needs its own reason; one reason pasted on many leads would say nothing.
        Change::Status(LeadStatus::Lost) => return Err(AppError::field("status", "bulk_lost")),
        Change::Status(s) if !LeadStatus::MANUAL.contains(&s) => {
            return Err(AppError::field("status", "status_not_allowed"));
        }
        _ => {}
    }
    // Somebody without the grant at all gets the access-denied page, not "0 changed, 12 skipped".
    actor.require(target.module(), change.action())?;
    let mut seen = HashSet::new();
    let mut out = Outcome::default();
    for &id in ids {
        if !seen.insert(id) {
            continue;
        }
        match one(app, actor, target, id, change).await {
            Ok(()) => out.changed += 1,
            Err(AppError::NotFound | AppError::Forbidden { .. }) => out.not_found += 1,
            Err(AppError::Validation(_) | AppError::Duplicate(_)) => out.invalid += 1,
            Err(AppError::Conflict { .. }) => out.conflict += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// One record: read it as the actor sees it, change one thing in its draft, and save it at the
/// version just read.
async fn one(app: &App, actor: &Actor, target: Target, id: i64, change: Change) -> Result<()> {
    match (target, change) {
        (Target::Leads, Change::Archive) => {
            let l = leads::get(app, actor, id).await?;
            leads::set_archived(app, actor, id, l.row.version, true).await
        }
        (Target::Leads, Change::Owner(_) | Change::Status(_)) => {
            let l = leads::get(app, actor, id).await?;
            let mut d = l.draft();
            match change {
                Change::Owner(o) => d.owner_id = Some(o),
                Change::Status(s) => d.status = Some(s.as_str().to_string()),
                Change::Archive => {}
            }
            // The phone and e-mail do not change, so the duplicate check has nothing to say.
            leads::update(app, actor, id, l.row.version, &d, true).await
        }
        (Target::Accounts, Change::Archive) => {
            let a = accounts::get(app, actor, id).await?;
            accounts::set_archived(app, actor, id, a.row.version, true).await
        }
        (Target::Accounts, Change::Owner(o)) => {
            let a = accounts::get(app, actor, id).await?;
            let mut d = a.draft();
            d.owner_id = Some(o);
            accounts::update(app, actor, id, a.row.version, &d, true).await
        }
        (Target::Contacts, Change::Archive) => {
            let c = contacts::get(app, actor, id).await?;
            contacts::set_archived(app, actor, id, c.row.version, true).await
        }
        (Target::Contacts, Change::Owner(o)) => {
            let c = contacts::get(app, actor, id).await?;
            let mut d = c.draft();
            d.owner_id = Some(o);
            contacts::update(app, actor, id, c.row.version, &d, true).await
        }
        (Target::Accounts | Target::Contacts, Change::Status(_)) => Err(AppError::field("action", "invalid_choice")),
    }
}
