//! What the timeline kinds need beyond the kit: when we last talked to a record, and the ids of
//! a record's timeline in time order.

use kervan_core::activities::TALKS;
use kervan_core::record::Kind;
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use crate::db::{self, Result};

/// Held conversations, not in the future, not archived.
fn talks(alias: &str) -> String {
    let kinds: Vec<String> = TALKS.iter().map(|k| format!("'{k}'")).collect();
    format!(
        "{alias}.status = 'held' AND {alias}.kind IN ({}) AND {alias}.archived_at IS NULL AND {alias}.at <= ?",
        kinds.join(", ")
    )
}

/// Sets `table`'s `last_contact_at` of record `id` to the newest held conversation whose
/// `condition` (over alias `v`, with `values`) holds — or nothing, when there is none.
pub async fn refresh_last_contact<C: ConnectionTrait>(
    c: &C,
    table: &str,
    id: i64,
    condition: &str,
    values: Vec<Value>,
    now: i64,
) -> Result<()> {
    let mut all = values;
    all.push(now.into());
    all.push(id.into());
    db::exec(
        c,
        &format!(
            "UPDATE {table} SET last_contact_at = (SELECT MAX(v.at) FROM activities v WHERE ({condition}) AND {})
             WHERE id = ?",
            talks("v")
        ),
        all,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, FromQueryResult, PartialEq, Eq)]
pub struct Stamp {
    pub id: i64,
    pub at: i64,
}

/// The newest `limit` records of timeline `kind` (time column `at_col`) older than `before`,
/// matching any of `parts` (conditions over alias `v`, and whether an index on (column, time)
/// serves the order): one query per part, merged.
pub async fn timeline_ids<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    at_col: &str,
    parts: &[(String, Vec<Value>, bool)],
    kinds: &[String],
    before: Option<(i64, i64)>,
    limit: u64,
) -> Result<Vec<Stamp>> {
    let mut out: Vec<Stamp> = Vec::new();
    for (cond, values, ordered) in parts {
        let mut sql = format!(
            "SELECT v.id, v.{at_col} AS at FROM {} v WHERE v.archived_at IS NULL AND {cond}",
            kind.table
        );
        let mut vals = values.clone();
        if !kinds.is_empty() {
            sql.push_str(&format!(" AND v.kind IN ({})", vec!["?"; kinds.len()].join(", ")));
            vals.extend(kinds.iter().map(|k| Value::from(k.clone())));
        }
        if let Some((at, id)) = before {
            sql.push_str(&format!(" AND (v.{at_col} < ? OR (v.{at_col} = ? AND v.id < ?))"));
            vals.extend([at.into(), at.into(), id.into()]);
        }
        // A part through a subquery (a customer's people) is few rows: sorting them is cheap,
        // while walking the whole time index for the few that match is not (SQLite picked that
        // at a million activities: 0.9 s). `+ 0` keeps the planner off the time index.
        let order = if *ordered {
            format!("v.{at_col}")
        } else {
            format!("v.{at_col} + 0")
        };
        sql.push_str(&format!(" ORDER BY {order} DESC, v.id DESC LIMIT ?"));
        vals.push((limit as i64).into());
        let rows: Vec<Stamp> = db::all(c, &sql, vals).await?;
        out.extend(rows);
    }
    out.sort_by_key(|s| std::cmp::Reverse((s.at, s.id)));
    out.dedup_by_key(|s| s.id);
    out.truncate(limit as usize);
    Ok(out)
}
