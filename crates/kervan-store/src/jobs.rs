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

/// Queues a job once per `dedupe_key` and makes it due no later than `run_at` (a job queued for
/// later runs now when asked again for now).
pub async fn enqueue_by<C: ConnectionTrait>(
    c: &C,
    kind: &str,
    payload: &str,
    dedupe_key: &str,
    run_at: i64,
    now: i64,
) -> Result<()> {
    enqueue(c, kind, payload, Some(dedupe_key), run_at, now).await?;
    db::exec(
        c,
        "UPDATE jobs SET run_at = ? WHERE dedupe_key = ? AND done_at IS NULL AND run_at > ?",
        vec![run_at.into(), dedupe_key.into(), run_at.into()],
    )
    .await?;
    Ok(())
}

/// Claims up to `limit` due jobs, oldest first, for `lease_ms`: one statement, so two workers (or
/// two servers) never take the same job; PostgreSQL skips rows another worker holds instead of
/// waiting for them. A burst of reminders is one claim per batch, not per job.
pub async fn claim_batch<C: ConnectionTrait>(
    c: &C,
    now: i64,
    lease_ms: i64,
    max_attempts: i64,
    limit: u64,
) -> Result<Vec<JobRow>> {
    let skip = if c.get_database_backend() == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let mut rows: Vec<JobRow> = db::all(
        c,
        &format!(
            "UPDATE jobs SET locked_until = ?, attempts = attempts + 1 WHERE id IN (
                SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= ? AND attempts < ?
                  AND (locked_until IS NULL OR locked_until < ?) ORDER BY run_at, id LIMIT {limit}{skip})
             RETURNING id, kind, payload, attempts"
        ),
        vec![(now + lease_ms).into(), now.into(), max_attempts.into(), now.into()],
    )
    .await?;
    // RETURNING comes in no particular order.
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Extends the leases of jobs still waiting in a claimed batch.
pub async fn renew_many<C: ConnectionTrait>(c: &C, ids: &[i64], until: i64) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let mut values = vec![until.into()];
    values.extend(ids.iter().map(|i| (*i).into()));
    db::exec(
        c,
        &format!("UPDATE jobs SET locked_until = ? WHERE done_at IS NULL AND id IN ({marks})"),
        values,
    )
    .await?;
    Ok(())
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

/// A job as the admin's page shows it.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct JobInfo {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub run_at: i64,
    pub created_at: i64,
}

/// Jobs that ran out of attempts (the dead letters), newest first.
pub async fn dead<C: ConnectionTrait>(c: &C, max_attempts: i64, limit: u64) -> Result<Vec<JobInfo>> {
    db::all(
        c,
        &format!(
            "SELECT id, kind, payload, attempts, last_error, run_at, created_at FROM jobs
             WHERE done_at IS NULL AND attempts >= ? ORDER BY id DESC LIMIT {limit}"
        ),
        vec![max_attempts.into()],
    )
    .await
}

/// How many jobs wait (due or later), run now, or are dead.
#[derive(Debug, Clone, Default, FromQueryResult, PartialEq)]
pub struct JobCounts {
    pub waiting: i64,
    pub running: i64,
    pub dead: i64,
}

pub async fn counts<C: ConnectionTrait>(c: &C, now: i64, max_attempts: i64) -> Result<JobCounts> {
    Ok(db::one(
        c,
        "SELECT
            COUNT(CASE WHEN attempts < ? AND (locked_until IS NULL OR locked_until < ?) THEN 1 END) AS waiting,
            COUNT(CASE WHEN locked_until >= ? THEN 1 END) AS running,
            COUNT(CASE WHEN attempts >= ? AND (locked_until IS NULL OR locked_until < ?) THEN 1 END) AS dead
         FROM jobs WHERE done_at IS NULL",
        vec![
            max_attempts.into(),
            now.into(),
            now.into(),
            max_attempts.into(),
            now.into(),
        ],
    )
    .await?
    .unwrap_or_default())
}

/// Gives a dead job a fresh set of attempts, due now. `false` when there is no such job waiting
/// (done meanwhile, or never there).
pub async fn retry<C: ConnectionTrait>(c: &C, id: i64, now: i64) -> Result<bool> {
    let n = db::exec(
        c,
        "UPDATE jobs SET attempts = 0, run_at = ?, locked_until = NULL WHERE id = ? AND done_at IS NULL",
        vec![now.into(), id.into()],
    )
    .await?;
    Ok(n > 0)
}
