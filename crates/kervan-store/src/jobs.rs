//! The background job queue: a job is a row, enqueued in the business transaction that wants it,
//! claimed by one worker at a time with a lease (`locked_until`), retried with backoff, and kept
//! after it is done so its outcome can be looked at.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};

use crate::db::{self, Result};

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// Enqueues a job; with a `dedupe_key`, once only (a second one with the same key is not added).
pub async fn enqueue<C: ConnectionTrait>(
    c: &C,
    kind: &str,
    payload: &str,
    dedupe_key: Option<&str>,
    run_at: i64,
    now: i64,
) -> Result<()> {
    db::exec(
        c,
        "INSERT INTO jobs (kind, payload, run_at, dedupe_key, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (dedupe_key) DO NOTHING",
        vec![
            kind.into(),
            payload.into(),
            run_at.into(),
            dedupe_key.map(str::to_string).into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Claims the oldest due job for `lease_ms`: one statement, so two workers (or two servers) never
/// take the same job; PostgreSQL skips rows another worker holds instead of waiting for them.
pub async fn claim<C: ConnectionTrait>(c: &C, now: i64, lease_ms: i64, max_attempts: i64) -> Result<Option<JobRow>> {
    let skip = if c.get_database_backend() == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    db::one(
        c,
        &format!(
            "UPDATE jobs SET locked_until = ?, attempts = attempts + 1 WHERE id = (
                SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= ? AND attempts < ?
                  AND (locked_until IS NULL OR locked_until < ?) ORDER BY run_at, id LIMIT 1{skip})
             RETURNING id, kind, payload, attempts"
        ),
        vec![(now + lease_ms).into(), now.into(), max_attempts.into(), now.into()],
    )
    .await
}

pub async fn finish<C: ConnectionTrait>(c: &C, id: i64, now: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE jobs SET done_at = ?, locked_until = NULL, last_error = NULL WHERE id = ?",
        vec![now.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// Records a failure; the job runs again at `retry_at` (until it runs out of attempts).
pub async fn fail<C: ConnectionTrait>(c: &C, id: i64, error: &str, retry_at: i64) -> Result<()> {
    let error: String = error.chars().take(2000).collect();
    db::exec(
        c,
        "UPDATE jobs SET last_error = ?, run_at = ?, locked_until = NULL WHERE id = ?",
        vec![error.into(), retry_at.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// Jobs not done yet (waiting, running or failed for good).
pub async fn pending_count<C: ConnectionTrait>(c: &C) -> Result<i64> {
    Ok(
        db::scalar_i64(c, "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL", vec![])
            .await?
            .unwrap_or(0),
    )
}
