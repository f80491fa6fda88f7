//! The sleeping-customer rule's reads and its once-per-period marks.

use kervan_core::dormant::Rule;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use crate::db::{self, Result};

#[derive(Debug, Clone, FromQueryResult)]
pub struct Sleeper {
    pub id: i64,
    pub owner_id: i64,
    /// The dormant period's name: the last held activity, or the creation.
    pub period: i64,
}

/// The condition and values of the records of `rule` asleep since before `cutoff` that have no
/// task for their current period yet.
fn asleep(rule: &Rule, table: &str, cutoff: i64) -> (String, Vec<Value>) {
    let closed = vec!["?"; rule.closed.len()].join(", ");
    let mut values: Vec<Value> = rule.closed.iter().map(|s| (*s).into()).collect();
    values.push(cutoff.into());
    values.push(rule.kind.into());
    (
        format!(
            "FROM {table} r WHERE r.archived_at IS NULL AND r.owner_id IS NOT NULL AND r.{} NOT IN ({closed})
             AND COALESCE(r.last_contact_at, r.created_at) < ?
             AND NOT EXISTS (SELECT 1 FROM dormant_tasks d WHERE d.kind = ? AND d.record_id = r.id
                             AND d.period = COALESCE(r.last_contact_at, r.created_at))",
            rule.status_col
        ),
        values,
    )
}

/// How many tasks a run would make now.
pub async fn count<C: ConnectionTrait>(c: &C, rule: &Rule, table: &str, cutoff: i64) -> Result<i64> {
    let (from, values) = asleep(rule, table, cutoff);
    Ok(db::scalar_i64(c, &format!("SELECT COUNT(*) {from}"), values)
        .await?
        .unwrap_or(0))
}

/// The next `limit` sleepers (by id).
pub async fn next<C: ConnectionTrait>(
    c: &C,
    rule: &Rule,
    table: &str,
    cutoff: i64,
    limit: u64,
) -> Result<Vec<Sleeper>> {
    let (from, mut values) = asleep(rule, table, cutoff);
    values.push((limit as i64).into());
    db::all(
        c,
        &format!(
            "SELECT r.id, r.owner_id, COALESCE(r.last_contact_at, r.created_at) AS period {from} ORDER BY r.id LIMIT ?"
        ),
        values,
    )
    .await
}

/// Marks the period as handled; `false` when it already was (then no task is made).
pub async fn mark<C: ConnectionTrait>(c: &C, kind: &str, id: i64, period: i64, now: i64) -> Result<bool> {
    let n = db::exec(
        c,
        "INSERT INTO dormant_tasks (kind, record_id, period, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, record_id, period) DO NOTHING",
        vec![kind.into(), id.into(), period.into(), now.into()],
    )
    .await?;
    Ok(n > 0)
}

pub async fn set_task<C: ConnectionTrait>(c: &C, kind: &str, id: i64, period: i64, task: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE dormant_tasks SET task_id = ? WHERE kind = ? AND record_id = ? AND period = ?",
        vec![task.into(), kind.into(), id.into(), period.into()],
    )
    .await?;
    Ok(())
}

/// Open tasks the rule made for `owner` (the dashboard's count).
pub async fn open_for<C: ConnectionTrait>(c: &C, owner: i64) -> Result<i64> {
    Ok(db::scalar_i64(
        c,
        "SELECT COUNT(*) FROM dormant_tasks d JOIN tasks t ON t.id = d.task_id
         WHERE t.owner_id = ? AND t.status = 'open' AND t.archived_at IS NULL",
        vec![owner.into()],
    )
    .await?
    .unwrap_or(0))
}
