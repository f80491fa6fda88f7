//! Field-level history: one row per changed field, written in the same transaction as the change.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result};

#[derive(Debug, Clone, FromQueryResult)]
pub struct AuditRow {
    pub id: i64,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub at: i64,
}

/// One changed field: a declared field's key, `custom.KEY`, or an event (`created`, `archived_at`, `merged_from` …).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub field: std::borrow::Cow<'static, str>,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl Change {
    pub fn new(field: impl Into<std::borrow::Cow<'static, str>>, old: Option<String>, new: Option<String>) -> Change {
        Change {
            field: field.into(),
            old,
            new,
        }
    }
}

pub async fn write<C: ConnectionTrait>(
    c: &C,
    entity: &str,
    entity_id: i64,
    user_id: Option<i64>,
    at: i64,
    changes: &[Change],
) -> Result<()> {
    // One multi-row INSERT, not one per field: a created record writes a row per field, and one
    // statement instead of twenty keeps a conversion (two records and a lead) in a few ms.
    let rows: Vec<(i64, Change)> = changes.iter().map(|ch| (entity_id, ch.clone())).collect();
    write_many(c, entity, user_id, at, &rows).await
}

/// The history of many records at once (a batch of new ones): `(entity id, change)` rows, a
/// statement per thousand.
pub async fn write_many<C: ConnectionTrait>(
    c: &C,
    entity: &str,
    user_id: Option<i64>,
    at: i64,
    changes: &[(i64, Change)],
) -> Result<()> {
    for chunk in changes.chunks(1000) {
        let mut values = Vec::with_capacity(chunk.len() * 7);
        for (id, ch) in chunk {
            values.extend([
                entity.into(),
                (*id).into(),
                ch.field.to_string().into(),
                ch.old.clone().into(),
                ch.new.clone().into(),
                user_id.into(),
                at.into(),
            ]);
        }
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        db::exec(
            c,
            &format!("INSERT INTO audit_log (entity, entity_id, field, old, new, user_id, at) VALUES {rows}"),
            values,
        )
        .await?;
    }
    Ok(())
}

/// Newest first.
pub async fn for_entity<C: ConnectionTrait>(c: &C, entity: &str, entity_id: i64, limit: u64) -> Result<Vec<AuditRow>> {
    db::all(
        c,
        "SELECT a.id, a.field, a.old, a.new, a.user_id, u.name AS user_name, a.at FROM audit_log a
         LEFT JOIN users u ON u.id = a.user_id WHERE a.entity = ? AND a.entity_id = ? ORDER BY a.id DESC LIMIT ?",
        vec![entity.into(), entity_id.into(), (limit as i64).into()],
    )
    .await
}

/// Newest first, at or after `from` and before `upto`.
pub async fn for_entity_between<C: ConnectionTrait>(
    c: &C,
    entity: &str,
    entity_id: i64,
    from: i64,
    upto: i64,
    limit: u64,
) -> Result<Vec<AuditRow>> {
    db::all(
        c,
        "SELECT a.id, a.field, a.old, a.new, a.user_id, u.name AS user_name, a.at FROM audit_log a
         LEFT JOIN users u ON u.id = a.user_id WHERE a.entity = ? AND a.entity_id = ? AND a.at >= ? AND a.at < ?
         ORDER BY a.id DESC LIMIT ?",
        vec![
            entity.into(),
            entity_id.into(),
            from.into(),
            upto.into(),
            (limit as i64).into(),
        ],
    )
    .await
}
