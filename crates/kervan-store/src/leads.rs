//! What the lead records need beyond the record kit's store: the conversion mark, the
//! conversion report and the dashboard's counts.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result, StoreError};

/// Marks the lead converted into `account_id` / `contact_id` if still at `version`.
pub async fn mark_converted<C: ConnectionTrait>(
    c: &C,
    id: i64,
    version: i64,
    account_id: i64,
    contact_id: Option<i64>,
    now: i64,
) -> Result<()> {
    let n = db::exec(
        c,
        "UPDATE leads SET status = 'converted', account_id = ?, contact_id = ?, converted_at = ?, updated_at = ?,
            version = version + 1 WHERE id = ? AND version = ?",
        vec![
            account_id.into(),
            contact_id.into(),
            now.into(),
            now.into(),
            id.into(),
            version.into(),
        ],
    )
    .await?;
    if n == 0 { Err(StoreError::Conflict) } else { Ok(()) }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct ConversionRow {
    pub source: String,
    pub leads: i64,
    pub converted: i64,
}

/// Leads created in `[from, to)` by source, and how many of them became customers.
pub async fn conversion_by_source<C: ConnectionTrait>(c: &C, from: i64, to: i64) -> Result<Vec<ConversionRow>> {
    db::all(
        c,
        "SELECT source, COUNT(*) AS leads, SUM(CASE WHEN converted_at IS NOT NULL THEN 1 ELSE 0 END) AS converted
         FROM leads WHERE created_at >= ? AND created_at < ? GROUP BY source ORDER BY leads DESC, source",
        vec![from.into(), to.into()],
    )
    .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct SourceCount {
    pub source: String,
    pub n: i64,
}

/// Open, not archived leads owned by the user.
pub async fn count_open_owned<C: ConnectionTrait>(c: &C, owner_id: i64) -> Result<i64> {
    Ok(db::scalar_i64(
        c,
        "SELECT COUNT(*) FROM leads WHERE owner_id = ? AND archived_at IS NULL AND status IN ('new', 'contacted', 'info_sent', 'quoted')",
        vec![owner_id.into()],
    )
    .await?
    .unwrap_or(0))
}

/// New leads of the user since `since`, by source, most first.
pub async fn new_by_source<C: ConnectionTrait>(c: &C, owner_id: i64, since: i64) -> Result<Vec<SourceCount>> {
    db::all(
        c,
        "SELECT source, COUNT(*) AS n FROM leads WHERE owner_id = ? AND created_at >= ? AND archived_at IS NULL
         GROUP BY source ORDER BY n DESC, source",
        vec![owner_id.into(), since.into()],
    )
    .await
}

pub async fn count_all<C: ConnectionTrait>(c: &C) -> Result<i64> {
    Ok(db::scalar_i64(c, "SELECT COUNT(*) FROM leads", vec![])
        .await?
        .unwrap_or(0))
}
