//! Deals: what the record kit does not read or write for them — the board's columns and cards,
//! the forecast's sums, the stage history, and a retired stage's deals moved in one step.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};

use crate::db::{self, Result};
use crate::listing::Visibility;

/// A deal's amount in the company's currency at its stored rate.
fn in_default(backend: DbBackend) -> String {
    db::in_default_currency(backend, "d.amount", "d.exchange_rate")
}

/// The visibility condition on the deal's owner, with its values.
fn visible(vis: &Visibility) -> (String, Vec<sea_orm::Value>) {
    match vis.condition("d.owner_id") {
        Some((sql, values)) => (format!(" AND {sql}"), values),
        None => (String::new(), vec![]),
    }
}

/// One board column's figures: open deals in the stage.
#[derive(Debug, Clone, Default, FromQueryResult, PartialEq)]
pub struct ColumnSums {
    pub stage_id: i64,
    pub count: i64,
    /// Σ amount in the default currency, kuruş.
    pub total: i64,
    /// Σ amount × probability (percent), kuruş × 100: divided once at the end.
    pub weighted: f64,
}

/// The figures of every column of a pipeline's board, from one grouped query.
pub async fn column_sums<C: ConnectionTrait>(c: &C, pipeline: i64, vis: &Visibility) -> Result<Vec<ColumnSums>> {
    let amount = in_default(c.get_database_backend());
    let (cond, mut values) = visible(vis);
    let mut all = vec![pipeline.into()];
    all.append(&mut values);
    db::all(
        c,
        &format!(
            "SELECT d.stage_id AS stage_id, COUNT(*) AS count,
                CAST(COALESCE(SUM(COALESCE({amount}, 0)), 0) AS BIGINT) AS total,
                CAST(COALESCE(SUM(COALESCE({amount}, 0) * COALESCE(d.probability, s.probability)), 0) AS DOUBLE PRECISION) AS weighted
             FROM deals d JOIN stages s ON s.id = d.stage_id
             WHERE d.pipeline_id = ? AND d.status = 'open' AND d.archived_at IS NULL{cond}
             GROUP BY d.stage_id"
        ),
        all,
    )
    .await
}

/// A deal as the board shows it.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct BoardCard {
    pub id: i64,
    pub version: i64,
    pub name: String,
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    pub owner_id: Option<i64>,
    pub amount: Option<i64>,
    pub currency: String,
    pub amount_default: Option<i64>,
    pub probability: f64,
    pub stage_entered_at: Option<i64>,
    pub expected_close_date: Option<String>,
    pub next_step: Option<String>,
}

/// Open deals in a stage, longest in the stage first, after `(entered, id)`: a page of a column.
pub async fn stage_cards<C: ConnectionTrait>(
    c: &C,
    stage: i64,
    vis: &Visibility,
    after: Option<(i64, i64)>,
    limit: u64,
) -> Result<Vec<BoardCard>> {
    let amount = in_default(c.get_database_backend());
    let (cond, vis_values) = visible(vis);
    let mut values: Vec<sea_orm::Value> = vec![stage.into()];
    let mut page = String::new();
    if let Some((at, id)) = after {
        page =
            " AND (COALESCE(d.stage_entered_at, 0) > ? OR (COALESCE(d.stage_entered_at, 0) = ? AND d.id > ?))".into();
        values.extend([at.into(), at.into(), id.into()]);
    }
    values.extend(vis_values);
    db::all(
        c,
        &format!(
            "SELECT d.id, d.version, d.name, d.account_id, a.name AS account_name, d.owner_id, d.amount, d.currency,
                {amount} AS amount_default, CAST(COALESCE(d.probability, s.probability) AS DOUBLE PRECISION) AS probability,
                d.stage_entered_at, d.expected_close_date, d.next_step
             FROM deals d JOIN stages s ON s.id = d.stage_id LEFT JOIN accounts a ON a.id = d.account_id
             WHERE d.stage_id = ? AND d.status = 'open' AND d.archived_at IS NULL{page}{cond}
             ORDER BY d.stage_id, d.status, d.stage_entered_at, d.id LIMIT {limit}"
        ),
        values,
    )
    .await
}

/// One row of the forecast: a month, an owner, a category, a status and a stage, with its sums.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct ForecastRow {
    pub status: String,
    /// `YYYY-MM` of the expected close date.
    pub month: String,
    pub owner_id: Option<i64>,
    pub forecast_category: String,
    pub stage_id: i64,
    pub count: i64,
    /// Σ amount in the default currency, kuruş.
    pub total: i64,
    /// Σ amount of the deals without a probability of their own (the stage's applies).
    pub at_stage: i64,
    /// Σ amount × own probability (percent) of the others.
    pub weighted_own: f64,
}

/// Open and won deals expected to close in the months `[from, to)` (`YYYY-MM`), summed by
/// status, month, owner, category and stage in one grouped query that reads only the
/// `deals_forecast` index, in its order.
pub async fn forecast<C: ConnectionTrait>(
    c: &C,
    from: &str,
    to: &str,
    pipeline: Option<i64>,
    vis: &Visibility,
) -> Result<Vec<ForecastRow>> {
    let amount = in_default(c.get_database_backend());
    let (cond, vis_values) = visible(vis);
    let mut values: Vec<sea_orm::Value> = vec![from.into(), to.into()];
    let mut pipe = String::new();
    if let Some(p) = pipeline {
        pipe = " AND d.pipeline_id = ?".into();
        values.push(p.into());
    }
    values.extend(vis_values);
    db::all(
        c,
        &format!(
            "SELECT d.status, d.close_month AS month, d.owner_id, d.forecast_category, d.stage_id, COUNT(*) AS count,
                CAST(COALESCE(SUM(COALESCE({amount}, 0)), 0) AS BIGINT) AS total,
                CAST(COALESCE(SUM(CASE WHEN d.probability IS NULL THEN COALESCE({amount}, 0) END), 0) AS BIGINT) AS at_stage,
                CAST(COALESCE(SUM(COALESCE({amount}, 0) * d.probability), 0) AS DOUBLE PRECISION) AS weighted_own
             FROM deals d
             WHERE d.status IN ('open', 'won') AND d.close_month >= ? AND d.close_month < ?
               AND d.archived_at IS NULL{pipe}{cond}
             GROUP BY d.status, d.close_month, d.owner_id, d.forecast_category, d.stage_id"
        ),
        values,
    )
    .await
}

/// One stay of a deal in a stage.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct StageStay {
    pub stage_id: i64,
    pub stage_name: String,
    pub entered_at: i64,
    pub left_at: Option<i64>,
    pub user_id: Option<i64>,
}

/// A deal's stage history, oldest first.
pub async fn stage_history<C: ConnectionTrait>(c: &C, deal: i64) -> Result<Vec<StageStay>> {
    db::all(
        c,
        "SELECT h.stage_id, s.name AS stage_name, h.entered_at, h.left_at, h.user_id
         FROM deal_stage_history h JOIN stages s ON s.id = h.stage_id
         WHERE h.deal_id = ? ORDER BY h.entered_at, h.id",
        vec![deal.into()],
    )
    .await
}

/// Keeps what follows from a deal's stage and status after a write: its pipeline (the stage's),
/// a new stay in the history when the stage changed, the time it closed when it was won or lost.
pub async fn after_write<C: ConnectionTrait>(
    c: &C,
    deal: i64,
    stage_changed: bool,
    closed: Option<bool>,
    by: Option<i64>,
    now: i64,
) -> Result<()> {
    db::exec(
        c,
        "UPDATE deals SET pipeline_id = (SELECT pipeline_id FROM stages WHERE stages.id = deals.stage_id) WHERE id = ?",
        vec![deal.into()],
    )
    .await?;
    if stage_changed {
        enter_stage(c, deal, by, now).await?;
    }
    match closed {
        Some(true) => {
            db::exec(
                c,
                "UPDATE deals SET closed_at = ? WHERE id = ?",
                vec![now.into(), deal.into()],
            )
            .await?;
        }
        Some(false) => {
            db::exec(c, "UPDATE deals SET closed_at = NULL WHERE id = ?", vec![deal.into()]).await?;
        }
        None => {}
    }
    Ok(())
}

/// Ends the deal's current stay and begins one in the stage it is in now.
async fn enter_stage<C: ConnectionTrait>(c: &C, deal: i64, by: Option<i64>, now: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE deal_stage_history SET left_at = ? WHERE deal_id = ? AND left_at IS NULL",
        vec![now.into(), deal.into()],
    )
    .await?;
    db::exec(
        c,
        "INSERT INTO deal_stage_history (deal_id, stage_id, entered_at, user_id)
         SELECT id, stage_id, ?, ? FROM deals WHERE id = ?",
        vec![now.into(), by.into(), deal.into()],
    )
    .await?;
    db::exec(
        c,
        "UPDATE deals SET stage_entered_at = ? WHERE id = ?",
        vec![now.into(), deal.into()],
    )
    .await?;
    Ok(())
}

/// The open deals of a stage, `(id, version)`.
pub async fn open_in_stage<C: ConnectionTrait>(c: &C, stage: i64) -> Result<Vec<(i64, i64)>> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        version: i64,
    }
    let rows: Vec<Row> = db::all(
        c,
        "SELECT id, version FROM deals WHERE stage_id = ? AND status = 'open' AND archived_at IS NULL ORDER BY id",
        vec![stage.into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.version)).collect())
}

/// Moves a deal to another stage without the kit (a retired stage's deals), keeping its
/// pipeline, history and version.
pub async fn move_to_stage<C: ConnectionTrait>(c: &C, deal: i64, stage: i64, by: Option<i64>, now: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE deals SET stage_id = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![stage.into(), now.into(), deal.into()],
    )
    .await?;
    after_write(c, deal, true, None, by, now).await
}

/// A stage's pipeline, whether it and its pipeline are active.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct StageState {
    pub pipeline_id: i64,
    pub active: bool,
    pub pipeline_active: bool,
}

pub async fn stage_state<C: ConnectionTrait>(c: &C, stage: i64) -> Result<Option<StageState>> {
    db::one(
        c,
        "SELECT s.pipeline_id, s.active, p.active AS pipeline_active FROM stages s JOIN pipelines p ON p.id = s.pipeline_id
         WHERE s.id = ? AND s.archived_at IS NULL AND p.archived_at IS NULL",
        vec![stage.into()],
    )
    .await
}

/// A stage of a pipeline as the board and the API list it.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct Stage {
    pub id: i64,
    pub pipeline_id: i64,
    pub name: String,
    pub position: f64,
    pub probability: f64,
    pub rotting_days: Option<f64>,
    pub active: bool,
}

/// The stages of the given pipelines (every one when `None`), in board order.
pub async fn stages<C: ConnectionTrait>(c: &C, pipeline: Option<i64>, active_only: bool) -> Result<Vec<Stage>> {
    let mut sql = String::from(
        "SELECT id, pipeline_id, name, position, probability, rotting_days, active FROM stages WHERE archived_at IS NULL",
    );
    let mut values: Vec<sea_orm::Value> = vec![];
    if let Some(p) = pipeline {
        sql.push_str(" AND pipeline_id = ?");
        values.push(p.into());
    }
    if active_only {
        sql.push_str(" AND active = TRUE");
    }
    sql.push_str(" ORDER BY pipeline_id, position, id");
    db::all(c, &sql, values).await
}

/// A pipeline as the board's switcher and the API list it.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct Pipeline {
    pub id: i64,
    pub name: String,
    pub position: f64,
    pub active: bool,
}

pub async fn pipelines<C: ConnectionTrait>(c: &C, active_only: bool) -> Result<Vec<Pipeline>> {
    let only = if active_only { " AND active = TRUE" } else { "" };
    db::all(
        c,
        &format!(
            "SELECT id, name, position, active FROM pipelines WHERE archived_at IS NULL{only} ORDER BY position, id"
        ),
        vec![],
    )
    .await
}

/// Open deals in a stage (a stage with some is retired by moving them, not switched off).
pub async fn open_count<C: ConnectionTrait>(c: &C, stage: i64) -> Result<i64> {
    Ok(db::scalar_i64(
        c,
        "SELECT COUNT(*) FROM deals WHERE stage_id = ? AND status = 'open' AND archived_at IS NULL",
        vec![stage.into()],
    )
    .await?
    .unwrap_or(0))
}

/// A person taking part in a deal.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct Stakeholder {
    pub contact_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    /// The role in this deal (the person's usual buying role unless set).
    pub role: Option<String>,
    pub buying_role: Option<String>,
}

pub async fn stakeholders<C: ConnectionTrait>(c: &C, deal: i64) -> Result<Vec<Stakeholder>> {
    db::all(
        c,
        "SELECT dc.contact_id, p.first_name, p.last_name, p.title, dc.role, p.buying_role
         FROM deal_contacts dc JOIN contacts p ON p.id = dc.contact_id
         WHERE dc.deal_id = ? ORDER BY dc.added_at, dc.contact_id",
        vec![deal.into()],
    )
    .await
}

/// Adds the person to the deal (or changes their role), and refreshes the deal's list of ids.
pub async fn set_stakeholder<C: ConnectionTrait>(
    c: &C,
    deal: i64,
    contact: i64,
    role: Option<&str>,
    now: i64,
) -> Result<()> {
    db::exec(
        c,
        "INSERT INTO deal_contacts (deal_id, contact_id, role, added_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (deal_id, contact_id) DO UPDATE SET role = excluded.role",
        vec![deal.into(), contact.into(), role.map(str::to_string).into(), now.into()],
    )
    .await?;
    refresh_stakeholders(c, deal, now).await
}

/// Takes the person off the deal; whether they were on it.
pub async fn remove_stakeholder<C: ConnectionTrait>(c: &C, deal: i64, contact: i64, now: i64) -> Result<bool> {
    let n = db::exec(
        c,
        "DELETE FROM deal_contacts WHERE deal_id = ? AND contact_id = ?",
        vec![deal.into(), contact.into()],
    )
    .await?;
    refresh_stakeholders(c, deal, now).await?;
    Ok(n > 0)
}

async fn refresh_stakeholders<C: ConnectionTrait>(c: &C, deal: i64, now: i64) -> Result<()> {
    let ids: Vec<i64> = stakeholders(c, deal).await?.iter().map(|s| s.contact_id).collect();
    let text = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    db::exec(
        c,
        "UPDATE deals SET stakeholders = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![(!text.is_empty()).then_some(text).into(), now.into(), deal.into()],
    )
    .await?;
    Ok(())
}
