//! Tasks: what the record kit does not read for them.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result};
use crate::listing::{Visibility, Where};

/// An open task with a reminder, as its reminder job names it.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct Reminded {
    pub id: i64,
    pub due_at: i64,
    pub reminder: String,
}

/// The newest open, assigned tasks with a reminder (at most `limit`).
pub async fn open_reminded<C: ConnectionTrait>(c: &C, limit: u64) -> Result<Vec<Reminded>> {
    db::all(
        c,
        &format!(
            "SELECT id, due_at, reminder FROM tasks WHERE status = 'open' AND owner_id IS NOT NULL
             AND reminder <> 'none' AND archived_at IS NULL ORDER BY id DESC LIMIT {limit}"
        ),
        vec![],
    )
    .await
}

/// One person's open tasks past their day and due today.
#[derive(Debug, Clone, Default, FromQueryResult, PartialEq)]
pub struct DueCounts {
    pub overdue: i64,
    pub today: i64,
}

/// `start`/`end`: today's bounds (the Istanbul day).
pub async fn due_counts<C: ConnectionTrait>(c: &C, owner: i64, start: i64, end: i64) -> Result<DueCounts> {
    Ok(db::one(
        c,
        "SELECT COUNT(CASE WHEN due_at < ? THEN 1 END) AS overdue,
                COUNT(CASE WHEN due_at >= ? THEN 1 END) AS today
         FROM tasks WHERE owner_id = ? AND status = 'open' AND archived_at IS NULL AND due_at < ?",
        vec![start.into(), start.into(), owner.into(), end.into()],
    )
    .await?
    .unwrap_or_default())
}

/// Overdue open tasks per person, among the people whose tasks `vis` shows, most first.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct OwnerCount {
    pub owner_id: i64,
    pub name: String,
    pub n: i64,
}

pub async fn overdue_by_owner<C: ConnectionTrait>(c: &C, vis: Visibility, start: i64) -> Result<Vec<OwnerCount>> {
    let mut w = Where::default();
    w.push(
        "k.status = 'open' AND k.archived_at IS NULL AND k.due_at < ?",
        vec![start.into()],
    );
    vis.clause(&mut w, "k.owner_id");
    db::all(
        c,
        &format!(
            "SELECT k.owner_id AS owner_id, u.name AS name, COUNT(*) AS n FROM tasks k
             JOIN users u ON u.id = k.owner_id {} GROUP BY k.owner_id, u.name ORDER BY n DESC, u.name LIMIT 20",
            w.sql()
        ),
        w.values,
    )
    .await
}
