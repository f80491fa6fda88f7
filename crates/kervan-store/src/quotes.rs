//! Quotes: what the record kit does not write for them — the number from its series' counter,
//! the cached totals, status changes with their version check, copies and revisions.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::StoreError;
use crate::db::{self, Result};

/// The next number of `series` in `year`, in the caller's transaction: the counter row is
/// created at zero if missing, then moved on by one statement that locks it (PostgreSQL: the
/// row; SQLite: the database, taken up front by the creating transaction), so two quotes never
/// get one number and a rolled back quote gives its number back.
pub async fn next_number<C: ConnectionTrait>(c: &C, series: &str, year: i64) -> Result<i64> {
    db::exec(
        c,
        "INSERT INTO quote_counters (series, year, next) VALUES (?, ?, 0) ON CONFLICT (series, year) DO NOTHING",
        vec![series.into(), year.into()],
    )
    .await?;
    db::scalar_i64(
        c,
        "UPDATE quote_counters SET next = next + 1 WHERE series = ? AND year = ? RETURNING next",
        vec![series.into(), year.into()],
    )
    .await?
    .ok_or_else(|| StoreError::Invalid("the quote counter did not move".into()))
}

/// Gives a new quote its number and the search key that finds it by number.
pub async fn set_number<C: ConnectionTrait>(
    c: &C,
    id: i64,
    number: &str,
    sort_name: &str,
    search_key: &str,
) -> Result<()> {
    db::exec(
        c,
        "UPDATE quotes SET number = ?, sort_name = ?, search_key = ? WHERE id = ?",
        vec![number.into(), sort_name.into(), search_key.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// The totals lists and sums read without parsing the lines (kuruş, in the quote's currency).
pub async fn set_totals<C: ConnectionTrait>(c: &C, id: i64, grand: i64, net: i64, kdv: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE quotes SET grand_total = ?, net_total = ?, kdv_total = ? WHERE id = ?",
        vec![grand.into(), net.into(), kdv.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// A quote's state for its status changes.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct State {
    pub id: i64,
    pub version: i64,
    pub status: String,
    pub owner_id: Option<i64>,
    pub submitted_by: Option<i64>,
    pub approved_hash: Option<String>,
    pub deal_id: Option<i64>,
    pub number: Option<String>,
    pub revision: f64,
}

pub async fn state<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<State>> {
    db::one(
        c,
        "SELECT id, version, status, owner_id, submitted_by, approved_hash, deal_id, number, revision FROM quotes WHERE id = ?",
        vec![id.into()],
    )
    .await
}

/// What a status change writes besides the status.
#[derive(Debug, Default)]
pub struct Change<'a> {
    pub submitted_by: Option<Option<i64>>,
    pub approval: Option<(Option<i64>, Option<i64>, Option<&'a str>)>,
    pub rejection_reason: Option<Option<&'a str>>,
    pub sent_at: Option<i64>,
}

/// Moves a quote to `status` if it is still at `version`; `Conflict` otherwise.
pub async fn set_status<C: ConnectionTrait>(
    c: &C,
    id: i64,
    version: i64,
    status: &str,
    ch: &Change<'_>,
    now: i64,
) -> Result<()> {
    let mut sql = String::from("UPDATE quotes SET status = ?, updated_at = ?, version = version + 1");
    let mut values: Vec<sea_orm::Value> = vec![status.into(), now.into()];
    if let Some(by) = ch.submitted_by {
        sql.push_str(", submitted_by = ?");
        values.push(by.into());
    }
    if let Some((by, at, hash)) = ch.approval {
        sql.push_str(", approved_by = ?, approved_at = ?, approved_hash = ?");
        values.extend([by.into(), at.into(), hash.map(str::to_string).into()]);
    }
    if let Some(r) = ch.rejection_reason {
        sql.push_str(", rejection_reason = ?");
        values.push(r.map(str::to_string).into());
    }
    if let Some(at) = ch.sent_at {
        sql.push_str(", sent_at = ?");
        values.push(at.into());
    }
    sql.push_str(" WHERE id = ? AND version = ?");
    values.extend([id.into(), version.into()]);
    match db::exec(c, &sql, values).await? {
        0 => Err(StoreError::Conflict),
        _ => Ok(()),
    }
}

/// Drops an approval after an edit (no version change: the edit made its own).
pub async fn drop_approval<C: ConnectionTrait>(c: &C, id: i64, status: &str) -> Result<()> {
    db::exec(
        c,
        "UPDATE quotes SET status = ?, approved_by = NULL, approved_at = NULL, approved_hash = NULL WHERE id = ?",
        vec![status.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// Columns a copy or a revision takes over as they are.
const CONTENT: &str = "account_id, contact_id, deal_id, owner_id, valid_until, currency, exchange_rate, exchange_rate_date, \
     discount_percent, delivery_terms, payment_terms, notes, lines, grand_total, net_total, kdv_total, custom";

/// A new draft with the content of quote `from`: a revision (same number, `revision`, pointing
/// back) or a copy (its own number). Returns its id.
#[allow(clippy::too_many_arguments)]
pub async fn duplicate<C: ConnectionTrait>(
    c: &C,
    from: i64,
    number: &str,
    revision: i64,
    previous: Option<i64>,
    issue_date: &str,
    keys: (&str, &str),
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    db::insert_id(
        c,
        &format!(
            "INSERT INTO quotes (number, revision, previous_id, status, issue_date, sort_name, search_key,
                created_at, updated_at, created_by, {CONTENT})
             SELECT ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, {CONTENT} FROM quotes WHERE id = ?"
        ),
        vec![
            number.into(),
            (revision as f64).into(),
            previous.into(),
            issue_date.into(),
            keys.0.into(),
            keys.1.into(),
            now.into(),
            now.into(),
            by.into(),
            from.into(),
        ],
    )
    .await
}

/// Whether a later revision of this number exists (a quote is revised once; the newest goes on).
pub async fn has_later_revision<C: ConnectionTrait>(c: &C, number: &str, revision: f64) -> Result<bool> {
    Ok(db::scalar_i64(
        c,
        "SELECT COUNT(*) FROM quotes WHERE number = ? AND revision > ?",
        vec![number.into(), revision.into()],
    )
    .await?
    .unwrap_or(0)
        > 0)
}

/// Sent quotes past their validity (`today` ISO): they expire.
pub async fn expire<C: ConnectionTrait>(c: &C, today: &str, now: i64) -> Result<Vec<(i64, Option<i64>)>> {
    let rows: Vec<IdOwner> = db::all(
        c,
        "SELECT id, owner_id FROM quotes WHERE status = 'sent' AND valid_until < ? AND archived_at IS NULL",
        vec![today.into()],
    )
    .await?;
    for r in &rows {
        db::exec(
            c,
            "UPDATE quotes SET status = 'expired', updated_at = ?, version = version + 1 WHERE id = ? AND status = 'sent'",
            vec![now.into(), r.id.into()],
        )
        .await?;
    }
    Ok(rows.into_iter().map(|r| (r.id, r.owner_id)).collect())
}

#[derive(Debug, FromQueryResult)]
struct IdOwner {
    id: i64,
    owner_id: Option<i64>,
}

/// Sent quotes running out by `until` (ISO) whose owner was not reminded yet; marks them.
pub async fn to_remind<C: ConnectionTrait>(c: &C, until: &str) -> Result<Vec<(i64, Option<i64>)>> {
    let rows: Vec<IdOwner> = db::all(
        c,
        "SELECT id, owner_id FROM quotes WHERE status = 'sent' AND valid_until <= ? AND expiry_reminded = FALSE
         AND archived_at IS NULL",
        vec![until.into()],
    )
    .await?;
    for r in &rows {
        db::exec(
            c,
            "UPDATE quotes SET expiry_reminded = TRUE WHERE id = ?",
            vec![r.id.into()],
        )
        .await?;
    }
    Ok(rows.into_iter().map(|r| (r.id, r.owner_id)).collect())
}

/// A quote waiting for approval, as the queue shows it.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct Pending {
    pub id: i64,
    pub number: Option<String>,
    pub revision: f64,
    pub account_name: Option<String>,
    pub owner_id: Option<i64>,
    pub submitted_by: Option<i64>,
    pub grand_total: Option<i64>,
    pub currency: String,
    pub updated_at: i64,
}

/// Quotes waiting for approval whose owner the visibility condition lets through.
pub async fn pending<C: ConnectionTrait>(c: &C, vis: &crate::listing::Visibility) -> Result<Vec<Pending>> {
    let (cond, values) = match vis.condition("q.owner_id") {
        Some((sql, v)) => (format!(" AND {sql}"), v),
        None => (String::new(), vec![]),
    };
    db::all(
        c,
        &format!(
            "SELECT q.id, q.number, q.revision, a.name AS account_name, q.owner_id, q.submitted_by, q.grand_total,
                q.currency, q.updated_at
             FROM quotes q LEFT JOIN accounts a ON a.id = q.account_id
             WHERE q.status = 'pending_approval' AND q.archived_at IS NULL{cond} ORDER BY q.updated_at, q.id LIMIT 500"
        ),
        values,
    )
    .await
}

/// Σ grand totals of a customer's accepted quotes, in the default currency at each one's rate.
pub async fn revenue<C: ConnectionTrait>(c: &C, account: i64) -> Result<i64> {
    let amount = db::in_default_currency(c.get_database_backend(), "grand_total", "exchange_rate");
    let sql = format!(
        "SELECT CAST(COALESCE(SUM({amount}), 0) AS BIGINT)
         FROM quotes WHERE account_id = ? AND status = 'accepted' AND archived_at IS NULL"
    );
    Ok(db::scalar_i64(c, &sql, vec![account.into()]).await?.unwrap_or(0))
}
