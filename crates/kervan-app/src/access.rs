//! Rules every module shares: who may see a record (by its owner), to whom a record may be
//! given, and the field-by-field history of a write.

use kervan_core::permissions::{Action, Module, Scope};
use kervan_core::text::collation_key;
use kervan_core::text::fold;
use kervan_core::time::{now_ms, rfc3339};
use kervan_store::audit::{self, Change};
use kervan_store::listing::Visibility;
use kervan_store::{ConnectionTrait, StoreError, TransactionTrait, listing, users};

use crate::error::{AppError, Duplicate, Result};
use crate::{Actor, App};

/// Whether a record owned by `owner_id` is inside `vis`.
pub async fn visible<C: ConnectionTrait>(c: &C, vis: Visibility, owner_id: Option<i64>) -> Result<bool> {
    Ok(match vis {
        Visibility::All => true,
        Visibility::Nothing => false,
        Visibility::Own { user_id } => owner_id == Some(user_id),
        Visibility::Team { team_id } => match owner_id {
            Some(o) => users::by_id(c, o).await?.is_some_and(|u| u.team_id == Some(team_id)),
            None => false,
        },
    })
}

/// Checks that the actor may act on a record of `module` owned by `owner_id`: one it cannot even
/// see is `NotFound` (never tell whether somebody else's record exists); one it sees but may not
/// `action` is `Forbidden`.
pub async fn authorize<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    module: Module,
    owner_id: Option<i64>,
    action: Action,
) -> Result<()> {
    if !visible(c, actor.visibility(module, Action::View), owner_id).await? {
        return Err(AppError::NotFound);
    }
    if action != Action::View {
        actor.require(module, action)?;
        if !visible(c, actor.visibility(module, action), owner_id).await? {
            return Err(AppError::Forbidden { module, action });
        }
    }
    Ok(())
}

/// The duplicates as the actor may be told of them: records it can see in full, the others only
/// by the field that matched (once per field, so not even their number is told).
pub async fn redact<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    module: Module,
    found: Vec<Duplicate>,
) -> Result<Vec<Duplicate>> {
    let vis = actor.visibility(module, Action::View);
    let mut out: Vec<Duplicate> = Vec::new();
    for d in found {
        if visible(c, vis, d.owner_id).await? {
            out.push(d);
        } else if !out.iter().any(|x| x.hidden && x.field == d.field) {
            out.push(Duplicate::redacted(&d.field));
        }
    }
    Ok(out)
}

/// `Err(Duplicate)` with the redacted list when anything was found.
pub async fn refuse_duplicates<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    module: Module,
    found: Vec<Duplicate>,
) -> Result<()> {
    if found.is_empty() {
        return Ok(());
    }
    Err(AppError::Duplicate(redact(c, actor, module, found).await?))
}

/// A stale version seen by the store, as the use-case error with the version now current.
pub fn conflict(e: StoreError, current_version: i64) -> AppError {
    match e {
        StoreError::Conflict => AppError::Conflict { current_version },
        other => other.into(),
    }
}

/// The picked tags plus the other record's that are not among them (Turkish-insensitive), for
/// a merge.
pub fn union_tags(picked: &[String], other: &[String]) -> Vec<String> {
    let mut all = picked.to_vec();
    for t in other {
        if !all.iter().any(|x| collation_key(x) == collation_key(t)) {
            all.push(t.clone());
        }
    }
    all
}

/// Checks that the actor may give a record to `owner_id` under `scope`.
pub async fn check_owner<C: ConnectionTrait>(c: &C, actor: &Actor, scope: Scope, owner_id: i64) -> Result<()> {
    if owner_id == actor.user_id && actor.author().is_some() {
        return Ok(());
    }
    let Some(owner) = users::by_id(c, owner_id).await? else {
        return Err(AppError::field("owner_id", "invalid_choice"));
    };
    if owner.deactivated_at.is_some() {
        return Err(AppError::field("owner_id", "owner_inactive"));
    }
    let ok = match scope {
        Scope::All => true,
        Scope::Team => actor.team_id.is_some() && owner.team_id == actor.team_id,
        Scope::Own => false,
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::field("owner_id", "owner_not_allowed"))
    }
}

/// A record as `(field, value)` pairs in form order, for [`diff`].
pub type Snapshot = Vec<(&'static str, Option<String>)>;

/// Field-by-field differences between two snapshots of one record (either may be empty: a
/// create or a delete), as audit changes.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<Change> {
    let n = old.len().max(new.len());
    let mut out = Vec::new();
    for i in 0..n {
        let field = old.get(i).or(new.get(i)).map(|x| x.0).unwrap_or("");
        let o = old.get(i).and_then(|x| x.1.clone());
        let nw = new.get(i).and_then(|x| x.1.clone());
        if o != nw {
            out.push(Change::new(field, o, nw));
        }
    }
    out
}

/// Tags with their folded keys, as stored.
pub fn tag_pairs(tags: &[String]) -> Vec<(String, String)> {
    tags.iter().map(|t| (t.clone(), fold(t))).collect()
}

/// A record being archived or restored, as its module loaded it (for `Action::Delete`).
pub struct Archivable<'a> {
    /// Table and history entity: `leads`/`lead`, `accounts`/`account`, `contacts`/`contact`.
    pub table: &'a str,
    pub entity: &'a str,
    pub id: i64,
    pub current_version: i64,
    pub archived_at: Option<i64>,
}

/// Archives (`archive = true`) or restores a record if the caller's `version` is current, with
/// one history row; doing what is already done is a no-op.
pub async fn set_archived(app: &App, actor: &Actor, r: Archivable<'_>, version: i64, archive: bool) -> Result<()> {
    let txn = app.db.conn.begin().await?;
    set_archived_in(&txn, actor, r, version, archive).await?;
    txn.commit().await?;
    Ok(())
}

/// [`set_archived`] inside the caller's transaction (a bulk change's batch).
pub async fn set_archived_in(
    txn: &kervan_store::DatabaseTransaction,
    actor: &Actor,
    r: Archivable<'_>,
    version: i64,
    archive: bool,
) -> Result<()> {
    if r.current_version != version {
        return Err(AppError::Conflict {
            current_version: r.current_version,
        });
    }
    if r.archived_at.is_some() == archive {
        return Ok(());
    }
    let now = now_ms();
    let at = archive.then_some(now);
    listing::set_archived(txn, r.table, r.id, version, at, now)
        .await
        .map_err(|e| conflict(e, r.current_version))?;
    let change = Change {
        field: "archived_at".into(),
        old: r.archived_at.map(rfc3339),
        new: at.map(rfc3339),
    };
    audit::write(txn, r.entity, r.id, actor.author(), now, &[change]).await?;
    Ok(())
}
