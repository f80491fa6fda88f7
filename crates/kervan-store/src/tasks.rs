//! Tasks: what the record kit does not read for them.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result};

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
