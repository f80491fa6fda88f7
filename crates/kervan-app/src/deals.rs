//! Fırsatlar: the kit serves deals, pipelines and stages; what is the deals module's own is what
//! follows from a deal's stage and status (its pipeline, the stage history, when it closed), the
//! lost reasons of the company, the board, the forecast and retiring a stage with its deals.

use std::collections::BTreeMap;

use kervan_core::deals::{self, FORECASTS};
use kervan_core::permissions::{Action, Module};
use kervan_core::record::{Input, Inputs, Kind, Value, Values};
use kervan_core::time::now_ms;
use kervan_store::deals::{self as store, BoardCard, Pipeline, Stage, StageStay};
use kervan_store::{ConnectionTrait, DatabaseTransaction, TransactionTrait, audit, settings};

use crate::error::{AppError, Result};
use crate::records::{self, Record, RecordKind, visibility};
use crate::{Actor, App};

pub struct Deals;
pub struct Pipelines;
pub struct Stages;

/// Settings key of the lost reasons (a JSON list of texts).
const LOST_REASONS_KEY: &str = "deals.lost_reasons";

impl RecordKind for Deals {
    const KIND: &'static Kind = &deals::KIND;

    /// A deal goes into an active stage of an active pipeline (a retired one keeps the deals it
    /// had only until they move on); a lost deal names one of the company's lost reasons.
    async fn verify(txn: &DatabaseTransaction, _actor: &Actor, values: &Values, old: Option<&Record>) -> Result<()> {
        let stage = values.get("stage_id").and_then(Value::as_id);
        if let Some(stage) = stage
            && old.and_then(|o| o.id_of("stage_id")) != Some(stage)
        {
            match store::stage_state(txn, stage).await? {
                Some(s) if s.active && s.pipeline_active => {}
                Some(_) => return Err(AppError::field("stage_id", "stage_retired")),
                None => return Err(AppError::field("stage_id", "invalid_choice")),
            }
        }
        let reason = values.get("lost_reason").and_then(Value::as_text);
        if let Some(reason) = reason
            && old.and_then(|o| o.text("lost_reason")) != Some(reason)
        {
            let list = lost_reasons(txn).await?;
            if !list.iter().any(|r| r == reason) {
                return Err(AppError::field("lost_reason", "invalid_choice"));
            }
        }
        Ok(())
    }

    async fn after_write(
        txn: &DatabaseTransaction,
        actor: &Actor,
        id: i64,
        values: &Values,
        old: Option<&Record>,
    ) -> Result<()> {
        let stage_changed = old.and_then(|o| o.id_of("stage_id")) != values.get("stage_id").and_then(Value::as_id);
        let status = values.get("status").and_then(Value::as_text).unwrap_or("open");
        let before = old.and_then(|o| o.text("status"));
        let closed = (old.is_none() || before != Some(status)).then_some(status != "open");
        store::after_write(txn, id, stage_changed, closed, actor.author(), now_ms()).await?;
        Ok(())
    }
}

impl RecordKind for Pipelines {
    const KIND: &'static Kind = &deals::PIPELINES;
    const IN_SEARCH: bool = false;
}

impl RecordKind for Stages {
    const KIND: &'static Kind = &deals::STAGES;
    const IN_SEARCH: bool = false;

    /// A stage with open deals is retired by moving them (`retire_stage`), never switched off
    /// under them; nor does it move to another pipeline with them.
    async fn verify(txn: &DatabaseTransaction, _actor: &Actor, values: &Values, old: Option<&Record>) -> Result<()> {
        let Some(old) = old else {
            return Ok(());
        };
        let off = values.get("active").and_then(Value::as_bool) == Some(false)
            && old.values.get("active").and_then(Value::as_bool) != Some(false);
        let moved = values.get("pipeline_id") != old.values.get("pipeline_id");
        if (off || moved) && store::open_count(txn, old.id).await? > 0 {
            let field = if off { "active" } else { "pipeline_id" };
            return Err(AppError::field(field, "stage_has_open_deals"));
        }
        Ok(())
    }
}

/// The company's lost reasons (Ayarlar changes them; the defaults until then).
pub async fn lost_reasons<C: ConnectionTrait>(c: &C) -> Result<Vec<String>> {
    let stored = settings::get(c, LOST_REASONS_KEY).await?;
    Ok(stored
        .and_then(|s| serde_json::from_str::<Vec<String>>(&s).ok())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| deals::LOST_REASONS.iter().map(|s| s.to_string()).collect()))
}

/// Replaces the lost reasons (admins): one per line, blank lines dropped, each at most 200
/// characters, at most 50, no two alike.
pub async fn set_lost_reasons(app: &App, actor: &Actor, text: &str) -> Result<Vec<String>> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: Module::Pipelines,
            action: Action::Edit,
        });
    }
    let mut list: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.chars().count() > 200 || line.chars().any(char::is_control) {
            return Err(AppError::field("lost_reasons", "too_long"));
        }
        let key = kervan_core::text::fold(line);
        if !list.iter().any(|l| kervan_core::text::fold(l) == key) {
            list.push(line.to_string());
        }
    }
    if list.is_empty() {
        return Err(AppError::field("lost_reasons", "required"));
    }
    if list.len() > 50 {
        return Err(AppError::field("lost_reasons", "too_many"));
    }
    let json = serde_json::to_string(&list).map_err(|e| AppError::Internal(e.to_string()))?;
    settings::set(&app.db.conn, LOST_REASONS_KEY, &json, actor.author(), now_ms()).await?;
    Ok(list)
}

/// Pipelines with their stages, in order (the board's switcher, `GET /api/v1/pipelines`).
pub async fn pipelines(app: &App, actor: &Actor, active_only: bool) -> Result<Vec<(Pipeline, Vec<Stage>)>> {
    actor.require(Module::Pipelines, Action::View)?;
    let c = &app.db.conn;
    let pipes = store::pipelines(c, active_only).await?;
    let stages = store::stages(c, None, active_only).await?;
    Ok(pipes
        .into_iter()
        .map(|p| {
            let mine = stages.iter().filter(|s| s.pipeline_id == p.id).cloned().collect();
            (p, mine)
        })
        .collect())
}

/// Adds a pipeline with its stages from one of the templates (admins).
pub async fn from_template(app: &App, actor: &Actor, key: &str) -> Result<i64> {
    actor.require(Module::Pipelines, Action::Create)?;
    let t = deals::template(key).ok_or_else(|| AppError::field("template", "invalid_choice"))?;
    let txn = app.db.conn.begin().await?;
    let id = kervan_store::migrations::seed_pipeline(&txn, *t).await?;
    txn.commit().await?;
    Ok(id)
}

/// Cards a board column shows at first and per "Daha fazla".
pub const COLUMN_PAGE: u64 = 20;

/// One column of the board.
#[derive(Debug, Clone)]
pub struct Column {
    pub stage: Stage,
    pub count: i64,
    /// In the default currency, kuruş.
    pub total: i64,
    pub weighted: i64,
    pub cards: Vec<BoardCard>,
    /// Where the next page of cards starts (`None`: all shown).
    pub more: Option<(i64, i64)>,
}

/// A pipeline's board.
#[derive(Debug, Clone)]
pub struct Board {
    pub pipeline: Pipeline,
    pub pipelines: Vec<Pipeline>,
    pub columns: Vec<Column>,
}

/// The board of `pipeline` (the first active one when `None`): the open deals the actor sees,
/// with each column's count, sum and weighted sum from one grouped query and its first cards.
pub async fn board(app: &App, actor: &Actor, pipeline: Option<i64>) -> Result<Board> {
    actor.require(Module::Deals, Action::View)?;
    actor.require(Module::Pipelines, Action::View)?;
    let c = &app.db.conn;
    let pipelines = store::pipelines(c, false).await?;
    let chosen = match pipeline {
        Some(id) => pipelines
            .iter()
            .find(|p| p.id == id)
            .cloned()
            .ok_or(AppError::NotFound)?,
        None => pipelines
            .iter()
            .find(|p| p.active)
            .or(pipelines.first())
            .cloned()
            .ok_or(AppError::NotFound)?,
    };
    let vis = visibility(actor, &deals::KIND, Action::View);
    let sums = store::column_sums(c, chosen.id, &vis).await?;
    let stages = store::stages(c, Some(chosen.id), false).await?;
    let mut columns = Vec::new();
    for stage in stages {
        let s = sums
            .iter()
            .find(|s| s.stage_id == stage.id)
            .cloned()
            .unwrap_or_default();
        // A retired stage shows only while deals are still in it.
        if !stage.active && s.count == 0 {
            continue;
        }
        let (cards, more) = column_page(c, &stage, &vis, None).await?;
        columns.push(Column {
            stage,
            count: s.count,
            total: s.total,
            weighted: (s.weighted / 100.0).round() as i64,
            cards,
            more,
        });
    }
    Ok(Board {
        pipeline: chosen,
        pipelines: pipelines.into_iter().filter(|p| p.active).collect(),
        columns,
    })
}

async fn column_page<C: ConnectionTrait>(
    c: &C,
    stage: &Stage,
    vis: &kervan_store::listing::Visibility,
    after: Option<(i64, i64)>,
) -> Result<(Vec<BoardCard>, Option<(i64, i64)>)> {
    let mut cards = store::stage_cards(c, stage.id, vis, after, COLUMN_PAGE + 1).await?;
    let more = if cards.len() as u64 > COLUMN_PAGE {
        cards.truncate(COLUMN_PAGE as usize);
        cards.last().map(|d| (d.stage_entered_at.unwrap_or(0), d.id))
    } else {
        None
    };
    Ok((cards, more))
}

/// The next cards of a column (a board loads its columns' further cards on request).
pub async fn column(
    app: &App,
    actor: &Actor,
    stage: i64,
    after: Option<(i64, i64)>,
) -> Result<(Stage, Vec<BoardCard>, Option<(i64, i64)>)> {
    actor.require(Module::Deals, Action::View)?;
    let c = &app.db.conn;
    let stage = store::stages(c, None, false)
        .await?
        .into_iter()
        .find(|s| s.id == stage)
        .ok_or(AppError::NotFound)?;
    let vis = visibility(actor, &deals::KIND, Action::View);
    let (cards, more) = column_page(c, &stage, &vis, after).await?;
    Ok((stage, cards, more))
}

/// Whether a deal has been in its stage longer than the stage allows.
pub fn is_stale(entered_at: Option<i64>, rotting_days: Option<f64>, now: i64) -> bool {
    match (entered_at, rotting_days) {
        (Some(at), Some(days)) if days > 0.0 => now - at > (days * 86_400_000.0) as i64,
        _ => false,
    }
}

/// Moves a deal to a stage (the board's drop; the kit's edit, so rights, version and history
/// are the usual ones).
pub async fn move_to(app: &App, actor: &Actor, id: i64, version: i64, stage: i64) -> Result<()> {
    let mut inputs = Inputs::default();
    inputs.fields.insert("stage_id".into(), Input::Text(stage.to_string()));
    records::update::<Deals>(app, actor, id, version, &inputs, &records::WriteOptions::default()).await
}

/// Closes a deal as won or lost (lost: with a reason from the list and, optionally, the
/// competitor who won), or opens it again.
pub async fn close(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    status: &str,
    reason: Option<&str>,
    competitor: Option<&str>,
) -> Result<()> {
    if !deals::STATUSES.contains(&status) {
        return Err(AppError::field("status", "invalid_choice"));
    }
    let mut inputs = Inputs::default();
    let text = |s: Option<&str>| match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Input::Text(s.to_string()),
        None => Input::Null,
    };
    inputs.fields.insert("status".into(), Input::Text(status.into()));
    if status == "lost" {
        inputs.fields.insert("lost_reason".into(), text(reason));
        inputs.fields.insert("competitor".into(), text(competitor));
    }
    records::update::<Deals>(app, actor, id, version, &inputs, &records::WriteOptions::default()).await
}

/// A deal's stage history (the card's tab, `GET /api/v1/deals/{id}/stages`).
pub async fn stage_history(app: &App, actor: &Actor, id: i64) -> Result<Vec<StageStay>> {
    records::get::<Deals>(app, actor, id).await?;
    Ok(store::stage_history(&app.db.conn, id).await?)
}

/// Retires a stage: its open deals move to `to` (an active stage of the same pipeline), each
/// with its history and an entry in its audit trail, and the stage is switched off — in one
/// transaction. Returns how many deals moved.
pub async fn retire_stage(app: &App, actor: &Actor, stage: i64, to: i64) -> Result<u64> {
    actor.require(Module::Pipelines, Action::Edit)?;
    let c = &app.db.conn;
    let from = records::load_for(app, actor, &deals::STAGES, stage, Action::Edit).await?;
    if stage == to {
        return Err(AppError::field("to", "invalid_choice"));
    }
    let txn = c.begin().await?;
    match store::stage_state(&txn, to).await? {
        Some(s) if s.active && Some(s.pipeline_id) == from.id_of("pipeline_id") => {}
        _ => return Err(AppError::field("to", "invalid_choice")),
    }
    let now = now_ms();
    let open = store::open_in_stage(&txn, stage).await?;
    for (deal, _) in &open {
        store::move_to_stage(&txn, *deal, to, actor.author(), now).await?;
        let change = audit::Change::new("stage_id", Some(stage.to_string()), Some(to.to_string()));
        audit::write(&txn, deals::KIND.entity, *deal, actor.author(), now, &[change]).await?;
    }
    kervan_store::db::exec(
        &txn,
        "UPDATE stages SET active = FALSE, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![now.into(), stage.into()],
    )
    .await?;
    let change = audit::Change::new("active", Some("true".into()), Some("false".into()));
    audit::write(&txn, deals::STAGES.entity, stage, actor.author(), now, &[change]).await?;
    txn.commit().await?;
    Ok(open.len() as u64)
}

/// One cell of the forecast: deals, their sum and weighted sum (default currency, kuruş).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub count: i64,
    pub total: i64,
    pub weighted: i64,
}

impl Sums {
    fn add(&mut self, count: i64, total: i64, weighted: f64) {
        self.count += count;
        self.total += total;
        // Kept ×100 until the end would be exact; a kuruş per cell is rounding enough here.
        self.weighted += (weighted / 100.0).round() as i64;
    }
}

/// A row of the forecast (a month or an owner) by category, rolled up: commit ⊂ best case ⊂
/// pipeline, so best case includes commit and pipeline includes both; won is what closed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForecastLine {
    pub commit: Sums,
    pub best_case: Sums,
    pub pipeline: Sums,
    pub won: Sums,
}

impl ForecastLine {
    fn add(&mut self, category: &str, status: &str, count: i64, total: i64, weighted: f64) {
        if status == "won" {
            self.won.add(count, total, weighted);
            return;
        }
        // Cumulative: a commit deal counts in all three, a best-case one in two.
        let reach = match category {
            "commit" => 3,
            "best_case" => 2,
            "pipeline" => 1,
            _ => 0,
        };
        if reach >= 3 {
            self.commit.add(count, total, weighted);
        }
        if reach >= 2 {
            self.best_case.add(count, total, weighted);
        }
        if reach >= 1 {
            self.pipeline.add(count, total, weighted);
        }
    }
}

/// The forecast of the deals the actor sees expected to close in `[from, to)`.
#[derive(Debug, Clone, Default)]
pub struct Forecast {
    pub by_month: BTreeMap<String, ForecastLine>,
    pub by_owner: BTreeMap<Option<i64>, ForecastLine>,
    pub total: ForecastLine,
}

/// `from`/`to`: months (`2027-01`), `to` not included.
pub async fn forecast(app: &App, actor: &Actor, from: &str, to: &str, pipeline: Option<i64>) -> Result<Forecast> {
    actor.require(Module::Deals, Action::View)?;
    let vis = visibility(actor, &deals::KIND, Action::View);
    let c = &app.db.conn;
    let rows = store::forecast(c, from, to, pipeline, &vis).await?;
    // The stage's probability for the deals without one of their own, applied per group.
    let stages: BTreeMap<i64, f64> = store::stages(c, None, false)
        .await?
        .into_iter()
        .map(|s| (s.id, s.probability))
        .collect();
    let mut f = Forecast::default();
    for r in rows {
        if !FORECASTS.contains(&r.forecast_category.as_str()) {
            continue;
        }
        let weighted = r.weighted_own + r.at_stage as f64 * stages.get(&r.stage_id).copied().unwrap_or(0.0);
        for line in [
            f.by_month.entry(r.month.clone()).or_default(),
            f.by_owner.entry(r.owner_id).or_default(),
        ] {
            line.add(&r.forecast_category, &r.status, r.count, r.total, weighted);
        }
        f.total.add(&r.forecast_category, &r.status, r.count, r.total, weighted);
    }
    Ok(f)
}

/// The people taking part in a deal (the deal's readers see them).
pub async fn stakeholders(app: &App, actor: &Actor, deal: i64) -> Result<Vec<kervan_store::deals::Stakeholder>> {
    records::get::<Deals>(app, actor, deal).await?;
    Ok(store::stakeholders(&app.db.conn, deal).await?)
}

/// Adds a person of the deal's customer to the deal in a buying role (their own when none is
/// given), or changes the role; written in the deal's history.
pub async fn set_stakeholder(app: &App, actor: &Actor, deal: i64, contact: i64, role: Option<&str>) -> Result<()> {
    let d = records::load_for(app, actor, &deals::KIND, deal, Action::Edit).await?;
    let person = records::load_for(app, actor, &kervan_core::contacts::KIND, contact, Action::View)
        .await
        .map_err(|_| AppError::field("contact_id", "invalid_choice"))?;
    if person.id_of("account_id") != d.id_of("account_id") || person.is_archived() {
        return Err(AppError::field("contact_id", "stakeholder_other_account"));
    }
    let role = match role.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) if kervan_core::contacts::BuyingRole::parse(r).is_some() => Some(r.to_string()),
        Some(_) => return Err(AppError::field("role", "invalid_choice")),
        None => person.text("buying_role").map(str::to_string),
    };
    let now = now_ms();
    let txn = app.db.conn.begin().await?;
    store::set_stakeholder(&txn, deal, contact, role.as_deref(), now).await?;
    let change = audit::Change::new(
        "stakeholder",
        None,
        Some(format!("#{contact} {}", role.unwrap_or_default())),
    );
    audit::write(&txn, deals::KIND.entity, deal, actor.author(), now, &[change]).await?;
    txn.commit().await?;
    Ok(())
}

/// Takes a person off the deal.
pub async fn remove_stakeholder(app: &App, actor: &Actor, deal: i64, contact: i64) -> Result<()> {
    records::load_for(app, actor, &deals::KIND, deal, Action::Edit).await?;
    let now = now_ms();
    let txn = app.db.conn.begin().await?;
    if !store::remove_stakeholder(&txn, deal, contact, now).await? {
        return Err(AppError::NotFound);
    }
    let change = audit::Change::new("stakeholder", Some(format!("#{contact}")), None);
    audit::write(&txn, deals::KIND.entity, deal, actor.author(), now, &[change]).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_roll_up() {
        let mut l = ForecastLine::default();
        l.add("commit", "open", 1, 100, 5000.0);
        l.add("best_case", "open", 2, 200, 10000.0);
        l.add("pipeline", "open", 3, 300, 3000.0);
        l.add("omitted", "open", 4, 400, 0.0);
        l.add("pipeline", "won", 1, 50, 5000.0);
        assert_eq!(l.commit.total, 100);
        assert_eq!(l.best_case.total, 300);
        assert_eq!(l.pipeline.total, 600);
        assert_eq!(l.pipeline.count, 6);
        assert_eq!(l.pipeline.weighted, 50 + 100 + 30);
        assert_eq!(l.won.total, 50);
    }

    #[test]
    fn staleness_follows_the_stage() {
        let day = 86_400_000;
        assert!(is_stale(Some(0), Some(14.0), 15 * day));
        assert!(!is_stale(Some(0), Some(14.0), 13 * day));
        assert!(!is_stale(Some(0), None, 400 * day));
    }
}
