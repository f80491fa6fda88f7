//! Fırsatlar: the kit serves the list, form, card and API of deals, pipelines and stages; what is
//! the deals module's own is the board (drag and drop with our script, a stage selector without
//! it), closing as won or lost, the stage history, the forecast, the pipelines' stages with
//! "retire", templates, the lost reasons and the Fırsatlar tab of the customer card.

use std::collections::HashMap;

use chrono::Datelike as _;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use kervan_app::AppError;
use kervan_app::deals::{self as app_deals, Board, Deals, ForecastLine, Pipelines, Stages, Sums};
use kervan_app::records::Record;
use kervan_core::money::Money;
use kervan_core::permissions::{Action, Module};
use kervan_core::time::now_ms;
use kervan_store::deals::BoardCard;

use crate::AppState;
use crate::api::{ApiError, ApiUser};
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::kit::display::money_text;
use crate::kit::form::Posted;
use crate::kit::{self, Card, KitPages};
use crate::layout::Shell;
use crate::redirect::{safe_path, see_other};
use crate::tabs::TabSpec;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/deals/board", get(board_page))
        .route("/deals/board/column", get(column_fragment))
        .route("/deals/forecast", get(forecast_page))
        .route("/deals/{id}/move", post(move_submit))
        .route("/deals/{id}/close", post(close_submit))
        .route("/deals/{id}/stakeholders", post(stakeholder_submit))
        .route("/deals/{id}/stakeholders/{contact}/remove", post(stakeholder_remove))
        .route("/pipelines/from-template", post(template_submit))
        .route("/stages/{id}/retire", post(retire_submit))
        .route("/settings/lost-reasons", get(reasons_page).post(reasons_submit))
        .merge(kit::pages::<Deals>())
        .merge(kit::pages::<Pipelines>())
        .merge(kit::pages::<Stages>())
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/pipelines", get(api_pipelines))
        .route("/api/v1/deals/board", get(api_board))
        .route("/api/v1/deals/forecast", get(api_forecast))
        .route("/api/v1/deals/{id}/stages", get(api_stages))
        .route("/api/v1/deals/{id}/contacts", get(api_stakeholders))
        .route(
            "/api/v1/deals/{id}/contacts/{contact}",
            axum::routing::put(api_stakeholder_put).delete(api_stakeholder_delete),
        )
        .merge(kit::api::routes::<Deals>())
        .merge(kit::api::routes::<Stages>())
}

/// Amounts as the board and the forecast show them: in the default currency.
fn lira(kurus: i64) -> String {
    money_text(Money::from_kurus(kurus), None)
}

/// Whole days since `ms`.
fn days_since(ms: i64, now: i64) -> i64 {
    ((now - ms) / 86_400_000).max(0)
}

impl KitPages for Deals {
    fn list_links(t: &I18n) -> Vec<(&'static str, String)> {
        vec![
            ("/deals/board", t.t("deal-board")),
            ("/deals/forecast", t.t("deal-forecast")),
        ]
    }

    fn tabs() -> Vec<TabSpec<Card>> {
        vec![
            TabSpec {
                key: "people",
                label: "deal-tab-people",
                order: 20,
                visible: |_| true,
                render: |c| Box::pin(people_tab(c)),
            },
            TabSpec {
                key: "stages",
                label: "deal-tab-stages",
                order: 50,
                visible: |_| true,
                render: |c| Box::pin(stages_tab(c)),
            },
        ]
    }

    fn banner(card: &Card) -> crate::tabs::Panel<'_> {
        Box::pin(banner(card))
    }

    /// "Teklif hazırla": a quote for the deal's customer, linked to the deal.
    fn actions(card: &Card) -> Vec<kit::HeaderAction> {
        if !card.actor.can(Module::Quotes, Action::Create) || card.rec.is_archived() {
            return vec![];
        }
        let account = card
            .rec
            .id_of("account_id")
            .map(|a| format!("&account_id={a}"))
            .unwrap_or_default();
        vec![kit::HeaderAction {
            id: "deal-new-quote".into(),
            label: card.t.t("deal-new-quote"),
            href: format!("/quotes/new?deal_id={}{account}", card.rec.id),
            primary: false,
        }]
    }

    /// The probability in force when the deal has none of its own: its stage's.
    fn general_extra(c: &Card) -> kit::Facts<'_> {
        Box::pin(async move {
            if c.rec.values.contains_key("probability") {
                return Ok(vec![]);
            }
            let Some(stage) = c.rec.id_of("stage_id") else {
                return Ok(vec![]);
            };
            let stages = kervan_store::deals::stages(&c.state.app.db.conn, None, false)
                .await
                .map_err(AppError::from)?;
            let Some(s) = stages.iter().find(|s| s.id == stage) else {
                return Ok(vec![]);
            };
            Ok(vec![kit::card::Fact {
                key: "probability".into(),
                css: "probability".into(),
                label: c.t.t("deal-field-probability"),
                value: kit::display::Shown::plain(c.t.t1("deal-probability-default", "value", s.probability)),
            }])
        })
    }

    fn api_extra(rec: &Record, out: &mut serde_json::Map<String, Json_>) {
        // The contract's stakeholders: the deal's contact and the people added in their roles.
        let mut ids: Vec<i64> = rec.id_of("contact_id").into_iter().collect();
        for id in rec
            .text("stakeholders")
            .unwrap_or_default()
            .split(',')
            .filter_map(|x| x.trim().parse::<i64>().ok())
        {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        out.insert("contact_ids".into(), json!(ids));
    }
}

impl KitPages for Pipelines {
    fn tabs() -> Vec<TabSpec<Card>> {
        vec![TabSpec {
            key: "stages",
            label: "pipeline-tab-stages",
            order: 20,
            visible: |_| true,
            render: |c| Box::pin(pipeline_stages_tab(c)),
        }]
    }
}

impl KitPages for Stages {}

/// The Fırsatlar tab of the customer card.
pub fn account_tabs() -> Vec<TabSpec<Card>> {
    vec![TabSpec {
        key: "deals",
        label: "tab-deals",
        order: 45,
        visible: |c| c.actor.can(Module::Deals, Action::View),
        render: |c| Box::pin(kit::related::tab(c, &kervan_core::deals::KIND, "account_id")),
    }]
}

// ---------- the deal card ----------

#[derive(Template)]
#[template(path = "deals/banner.html")]
struct Banner {
    t: I18n,
    csrf: String,
    id: i64,
    version: i64,
    status: String,
    status_label: String,
    /// The pipeline's active stages: (id, name, done, current).
    steps: Vec<(i64, String, bool, bool)>,
    days: Option<i64>,
    stale: Option<i64>,
    can_edit: bool,
    reasons: Vec<String>,
    back: String,
}

async fn banner(c: &Card) -> Result<String, PageError> {
    let app = &c.state.app;
    let stage = c.rec.id_of("stage_id");
    let pipes = app_deals::pipelines(app, &c.actor, false).await.unwrap_or_default();
    let stages = pipes
        .into_iter()
        .find(|(_, s)| s.iter().any(|s| Some(s.id) == stage))
        .map(|(_, s)| s)
        .unwrap_or_default();
    let here = stages.iter().position(|s| Some(s.id) == stage);
    let steps = stages
        .iter()
        .enumerate()
        .filter(|(i, s)| s.active || Some(*i) == here)
        .map(|(i, s)| (s.id, s.name.clone(), here.is_some_and(|h| i < h), Some(i) == here))
        .collect();
    let status = c.rec.text("status").unwrap_or("open").to_string();
    let entered = c.rec.datetime("stage_entered_at");
    let now = now_ms();
    let rotting = stages.iter().find(|s| Some(s.id) == stage).and_then(|s| s.rotting_days);
    let open = status == "open";
    Ok(html(&Banner {
        t: c.t,
        csrf: c.csrf.clone(),
        id: c.rec.id,
        version: c.rec.version,
        status_label: c.t.t(&format!("deal-status-{status}")),
        status,
        steps,
        days: entered.filter(|_| open).map(|e| days_since(e, now)),
        stale: rotting
            .filter(|_| open && app_deals::is_stale(entered, rotting, now))
            .map(|d| d as i64),
        can_edit: c.can_edit() && !c.rec.is_archived(),
        reasons: app_deals::lost_reasons(&app.db.conn).await?,
        back: c.base(),
    })?
    .0)
}

#[derive(Template)]
#[template(path = "deals/stages_tab.html")]
struct StagesTab {
    t: I18n,
    /// (stage, entered, left, duration, by)
    rows: Vec<(String, String, String, String, String)>,
}

fn duration(t: &I18n, ms: i64) -> String {
    let hours = ms / 3_600_000;
    if hours < 48 {
        t.t1("deal-duration-hours", "hours", hours.max(0))
    } else {
        t.t1("deal-duration-days", "days", hours / 24)
    }
}

async fn stages_tab(c: &Card) -> Result<String, PageError> {
    let stays = app_deals::stage_history(&c.state.app, &c.actor, c.rec.id).await?;
    let now = now_ms();
    let rows = stays
        .iter()
        .rev()
        .map(|s| {
            (
                s.stage_name.clone(),
                kervan_core::time::datetime(s.entered_at),
                s.left_at
                    .map(kervan_core::time::datetime)
                    .unwrap_or_else(|| c.t.t("deal-stages-now")),
                duration(&c.t, s.left_at.unwrap_or(now) - s.entered_at),
                s.user_id.and_then(|u| c.names.get(&u).cloned()).unwrap_or_default(),
            )
        })
        .collect();
    Ok(html(&StagesTab { t: c.t, rows })?.0)
}

#[derive(Template)]
#[template(path = "deals/pipeline_stages.html")]
struct PipelineStages {
    t: I18n,
    csrf: String,
    pipeline_id: i64,
    /// (id, name, probability, rotting days, active, open deals)
    stages: Vec<(i64, String, String, String, bool, i64)>,
    can_edit: bool,
    back: String,
}

async fn pipeline_stages_tab(c: &Card) -> Result<String, PageError> {
    let pipes = app_deals::pipelines(&c.state.app, &c.actor, false).await?;
    let stages = pipes
        .into_iter()
        .find(|(p, _)| p.id == c.rec.id)
        .map(|(_, s)| s)
        .unwrap_or_default();
    let mut rows = Vec::new();
    for s in stages {
        let open = kervan_store::deals::open_count(&c.state.app.db.conn, s.id)
            .await
            .map_err(AppError::from)?;
        rows.push((
            s.id,
            s.name,
            format!("%{}", s.probability),
            s.rotting_days.map(|d| d.to_string()).unwrap_or_default(),
            s.active,
            open,
        ));
    }
    Ok(html(&PipelineStages {
        t: c.t,
        csrf: c.csrf.clone(),
        pipeline_id: c.rec.id,
        stages: rows,
        can_edit: c.actor.can(Module::Pipelines, Action::Edit),
        back: format!("{}?tab=stages", c.base()),
    })?
    .0)
}

// ---------- the board ----------

/// A card on the board.
pub struct CardView {
    id: i64,
    version: i64,
    name: String,
    account: Option<String>,
    owner: Option<String>,
    amount: Option<String>,
    /// The amount in the default currency, when the deal is in another.
    amount_default: Option<String>,
    days: Option<i64>,
    stale: bool,
    close: Option<String>,
}

struct ColumnView {
    stage_id: i64,
    name: String,
    probability: String,
    count: i64,
    total: String,
    weighted: String,
    cards: Vec<CardView>,
    more: Option<String>,
    active: bool,
}

#[derive(Template)]
#[template(path = "deals/board.html")]
struct BoardPage {
    shell: Shell,
    pipeline_id: i64,
    /// The whole pipeline: open deals, their sum and weighted sum.
    total: (i64, String, String),
    pipelines: Vec<(i64, String)>,
    columns: Vec<ColumnView>,
    /// Active stages to move to: (id, name).
    targets: Vec<(i64, String)>,
    reasons: Vec<String>,
    can_edit: bool,
    can_create: bool,
    admin: bool,
    templates: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "deals/column.html")]
struct ColumnFragment {
    t: I18n,
    csrf: String,
    cards: Vec<CardView>,
    targets: Vec<(i64, String)>,
    stage_id: i64,
    can_edit: bool,
    more: Option<String>,
    pipeline_id: i64,
}

fn card_view(d: &BoardCard, rotting: Option<f64>, names: &kit::display::Names, now: i64) -> CardView {
    let amount = d.amount.map(|a| money_text(Money::from_kurus(a), Some(&d.currency)));
    CardView {
        id: d.id,
        version: d.version,
        name: d.name.clone(),
        account: d.account_name.clone(),
        owner: d.owner_id.and_then(|o| names.get(&o).cloned()),
        amount,
        amount_default: d
            .amount_default
            .filter(|_| d.currency != kervan_core::deals::DEFAULT_CURRENCY)
            .map(lira),
        days: d.stage_entered_at.map(|e| days_since(e, now)),
        stale: app_deals::is_stale(d.stage_entered_at, rotting, now),
        close: d.expected_close_date.clone(),
    }
}

fn more_href(stage: i64, pipeline: i64, more: Option<(i64, i64)>) -> Option<String> {
    more.map(|(at, id)| format!("/deals/board/column?stage={stage}&pipeline={pipeline}&after={at}_{id}"))
}

#[derive(Deserialize, Default)]
struct BoardQuery {
    #[serde(default)]
    pipeline: Option<String>,
    #[serde(default)]
    ok: Option<String>,
}

fn parse_id(s: Option<&str>) -> Result<Option<i64>, PageError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| PageError::NotFound),
    }
}

async fn board_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<BoardQuery>,
) -> Result<Response, PageError> {
    let actor = &session.actor;
    let board: Board = app_deals::board(&state.app, actor, parse_id(q.pipeline.as_deref())?).await?;
    let names = kit::user_names(&state).await?;
    let now = now_ms();
    let t = session.t;
    let columns = board
        .columns
        .iter()
        .map(|c| ColumnView {
            stage_id: c.stage.id,
            name: c.stage.name.clone(),
            probability: format!("%{}", c.stage.probability),
            count: c.count,
            total: lira(c.total),
            weighted: lira(c.weighted),
            cards: c
                .cards
                .iter()
                .map(|d| card_view(d, c.stage.rotting_days, &names, now))
                .collect(),
            more: more_href(c.stage.id, board.pipeline.id, c.more),
            active: c.stage.active,
        })
        .collect();
    let targets = board
        .columns
        .iter()
        .filter(|c| c.stage.active)
        .map(|c| (c.stage.id, c.stage.name.clone()))
        .collect();
    let total = (
        board.columns.iter().map(|c| c.count).sum(),
        lira(board.columns.iter().map(|c| c.total).sum()),
        lira(board.columns.iter().map(|c| c.weighted).sum()),
    );
    let page = BoardPage {
        total,
        shell: session.shell(t.t("deal-board-title")).with_toast(q.ok.as_deref()),
        pipeline_id: board.pipeline.id,
        pipelines: board.pipelines.iter().map(|p| (p.id, p.name.clone())).collect(),
        columns,
        targets,
        reasons: app_deals::lost_reasons(&state.app.db.conn).await?,
        can_edit: actor.can(Module::Deals, Action::Edit),
        can_create: actor.can(Module::Deals, Action::Create),
        admin: actor.can(Module::Pipelines, Action::Create),
        templates: kervan_core::deals::TEMPLATES
            .iter()
            .map(|(k, _, _)| (*k, t.t(&format!("pipeline-template-{k}"))))
            .collect(),
    };
    Ok(html(&page)?.into_response())
}

#[derive(Deserialize, Default)]
struct ColumnQuery {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    after: String,
}

/// `after=ENTERED_ID`: where a column's next page starts.
fn parse_after(s: &str) -> Option<(i64, i64)> {
    let (a, b) = s.split_once('_')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

async fn column_fragment(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ColumnQuery>,
) -> Result<Response, PageError> {
    let stage = q.stage.trim().parse::<i64>().map_err(|_| PageError::NotFound)?;
    let (s, cards, more) = app_deals::column(&state.app, &session.actor, stage, parse_after(&q.after)).await?;
    let names = kit::user_names(&state).await?;
    let now = now_ms();
    let targets = kervan_store::deals::stages(&state.app.db.conn, Some(s.pipeline_id), true)
        .await
        .map_err(AppError::from)?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let f = ColumnFragment {
        t: session.t,
        csrf: session.csrf.clone(),
        cards: cards
            .iter()
            .map(|d| card_view(d, s.rotting_days, &names, now))
            .collect(),
        targets,
        stage_id: s.id,
        can_edit: session.actor.can(Module::Deals, Action::Edit),
        more: more_href(s.id, s.pipeline_id, more),
        pipeline_id: s.pipeline_id,
    };
    Ok(html(&f)?.into_response())
}

/// Answers a board action: the script gets a status; a form goes back where it came from.
fn answer(result: Result<(), AppError>, scripted: bool, back: &str, ok: &str) -> Result<Response, PageError> {
    match result {
        Ok(()) if scripted => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(()) => Ok(see_other(&with_ok(&safe_path(back), ok)).into_response()),
        Err(AppError::Conflict { .. }) if scripted => {
            Ok((StatusCode::CONFLICT, axum::response::Html("")).into_response())
        }
        Err(AppError::Validation(_)) if scripted => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, axum::response::Html("")).into_response())
        }
        // Without script the board comes back with what happened, fresh from the database.
        Err(AppError::Conflict { .. }) => Ok(see_other(&with_ok(&safe_path(back), "deal-changed")).into_response()),
        Err(AppError::Validation(_)) => Ok(see_other(&with_ok(&safe_path(back), "deal-not-moved")).into_response()),
        Err(e) => Err(e.into()),
    }
}

fn with_ok(path: &str, ok: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}ok={ok}")
}

async fn move_submit(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let version = p.version()?;
    let stage = p
        .one("stage_id")
        .trim()
        .parse::<i64>()
        .map_err(|_| PageError::BadRequest)?;
    let scripted = headers.contains_key("x-csrf-token");
    let r = app_deals::move_to(&state.app, &session.actor, id, version, stage).await;
    answer(r, scripted, &p.one("back"), "deal-moved")
}

async fn close_submit(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let version = p.version()?;
    let status = p.one("status");
    let scripted = headers.contains_key("x-csrf-token");
    let (reason, competitor) = (p.one("lost_reason"), p.one("competitor"));
    let r = app_deals::close(
        &state.app,
        &session.actor,
        id,
        version,
        &status,
        Some(&reason),
        Some(&competitor),
    )
    .await;
    let ok = match status.as_str() {
        "won" => "deal-won",
        "lost" => "deal-lost",
        _ => "deal-reopened",
    };
    // A lost deal without a reason goes back to its card's form, where the reason is asked
    // with the message (never a half-closed deal).
    if let Err(AppError::Validation(_)) = &r
        && !scripted
    {
        return Ok(see_other(&format!("/deals/{id}/edit?status=lost")).into_response());
    }
    answer(r, scripted, &p.one("back"), ok)
}

async fn template_submit(State(state): State<AppState>, session: Session, body: Bytes) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let id = app_deals::from_template(&state.app, &session.actor, &p.one("template")).await?;
    Ok(see_other(&format!("/deals/board?pipeline={id}&ok=pipeline-created")).into_response())
}

async fn retire_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let to = p.one("to").trim().parse::<i64>().map_err(|_| PageError::BadRequest)?;
    let back = safe_path(&p.one("back"));
    match app_deals::retire_stage(&state.app, &session.actor, id, to).await {
        Ok(_) => Ok(see_other(&with_ok(&back, "stage-retired")).into_response()),
        Err(AppError::Validation(_)) => Ok(see_other(&with_ok(&back, "stage-not-retired")).into_response()),
        Err(e) => Err(e.into()),
    }
}

// ---------- the forecast ----------

struct ForecastRowView {
    label: String,
    cells: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "deals/forecast.html")]
struct ForecastPage {
    shell: Shell,
    from: String,
    months: i64,
    pipeline: Option<i64>,
    pipelines: Vec<(i64, String)>,
    by_month: Vec<ForecastRowView>,
    by_owner: Vec<ForecastRowView>,
    total: ForecastRowView,
    empty: bool,
}

#[derive(Deserialize, Default)]
struct ForecastQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    pipeline: Option<String>,
}

/// The period a forecast covers: `from` (`YYYY-MM`, this month when absent or invalid) and a
/// number of months (1–24, 6 by default) → `(first day, first day after)`.
fn period(from: &str, months: &str) -> (String, i64, String, String) {
    let today = kervan_core::time::today_local(now_ms());
    let start = chrono::NaiveDate::parse_from_str(&format!("{}-01", from.trim()), "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
        .unwrap_or_else(|| today.with_day0(0).unwrap_or(today));
    let n = months.trim().parse::<i64>().unwrap_or(6).clamp(1, 24);
    let end = start.checked_add_months(chrono::Months::new(n as u32)).unwrap_or(start);
    (
        start.format("%Y-%m").to_string(),
        n,
        start.format("%Y-%m").to_string(),
        end.format("%Y-%m").to_string(),
    )
}

fn cells(l: &ForecastLine) -> Vec<(String, String)> {
    let c = |s: &Sums| (lira(s.total), lira(s.weighted));
    vec![c(&l.commit), c(&l.best_case), c(&l.pipeline), c(&l.won)]
}

async fn forecast_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ForecastQuery>,
) -> Result<Response, PageError> {
    let (from, months, start, end) = period(&q.from, &q.months);
    let pipeline = parse_id(q.pipeline.as_deref())?;
    let f = app_deals::forecast(&state.app, &session.actor, &start, &end, pipeline).await?;
    let names = kit::user_names(&state).await?;
    let t = session.t;
    let pipelines = app_deals::pipelines(&state.app, &session.actor, true).await?;
    let page = ForecastPage {
        shell: session.shell(t.t("deal-forecast-title")),
        from,
        months,
        pipeline,
        pipelines: pipelines.iter().map(|(p, _)| (p.id, p.name.clone())).collect(),
        empty: f.by_month.is_empty(),
        by_month: f
            .by_month
            .iter()
            .map(|(m, l)| ForecastRowView {
                label: month_label(&t, m),
                cells: cells(l),
            })
            .collect(),
        by_owner: f
            .by_owner
            .iter()
            .map(|(o, l)| ForecastRowView {
                label: o
                    .and_then(|o| names.get(&o).cloned())
                    .unwrap_or_else(|| t.t("deal-forecast-nobody")),
                cells: cells(l),
            })
            .collect(),
        total: ForecastRowView {
            label: t.t("deal-forecast-total"),
            cells: cells(&f.total),
        },
    };
    Ok(html(&page)?.into_response())
}

/// `2027-03` → `Mart 2027`.
fn month_label(t: &I18n, m: &str) -> String {
    match m.split_once('-') {
        Some((y, mm)) => format!("{} {y}", t.t(&format!("month-{}", mm.trim_start_matches('0')))),
        None => m.to_string(),
    }
}

// ---------- lost reasons (Ayarlar) ----------

#[derive(Template)]
#[template(path = "settings/lost_reasons.html")]
struct ReasonsPage {
    shell: Shell,
    text: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct OkQuery {
    #[serde(default)]
    ok: Option<String>,
}

async fn reasons_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<OkQuery>,
) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    let list = app_deals::lost_reasons(&state.app.db.conn).await?;
    let page = ReasonsPage {
        shell: session
            .shell(session.t.t("settings-lost-reasons"))
            .with_toast(q.ok.as_deref()),
        text: list.join("\n"),
        error: None,
    };
    Ok(html(&page)?.into_response())
}

async fn reasons_submit(State(state): State<AppState>, session: Session, body: Bytes) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    let p = Posted::parse(&body)?;
    let text = p.one("reasons");
    match app_deals::set_lost_reasons(&state.app, &session.actor, &text).await {
        Ok(_) => Ok(see_other("/settings/lost-reasons?ok=lost-reasons-saved").into_response()),
        Err(AppError::Validation(e)) => {
            let code = e.0.first().map(|f| f.code.clone()).unwrap_or_default();
            let page = ReasonsPage {
                shell: session.shell(session.t.t("settings-lost-reasons")),
                text,
                error: Some(session.t.t(&format!("err-{code}"))),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- API ----------

async fn api_pipelines(State(s): State<AppState>, ApiUser(a): ApiUser) -> Result<Json<Json_>, ApiError> {
    let list = app_deals::pipelines(&s.app, &a, false).await?;
    let items: Vec<Json_> = list
        .iter()
        .map(|(p, stages)| {
            json!({
                "id": p.id, "name": p.name, "position": p.position, "active": p.active,
                "stages": stages.iter().map(|s| json!({
                    "id": s.id, "name": s.name, "position": s.position, "probability": s.probability,
                    "rotting_days": s.rotting_days, "active": s.active,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({ "items": items, "next_cursor": null })))
}

/// Rows of a forecast table as JSON, each with its key (`month`, `owner_id`).
fn keyed<K: serde::Serialize>(
    rows: &std::collections::BTreeMap<K, ForecastLine>,
    name: &str,
    line: impl Fn(&ForecastLine) -> Json_,
) -> Vec<Json_> {
    rows.iter()
        .map(|(k, l)| {
            let mut v = line(l);
            v[name] = json!(k);
            v
        })
        .collect()
}

fn sums_json(s: &Sums) -> Json_ {
    json!({
        "count": s.count,
        "total": crate::api::amount_out(s.total),
        "weighted": crate::api::amount_out(s.weighted),
    })
}

async fn api_board(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Json_>, ApiError> {
    let pipeline = match q.get("pipeline").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(p) => Some(
            p.parse::<i64>()
                .map_err(|_| AppError::field("pipeline", "invalid_number"))?,
        ),
        None => None,
    };
    let b = app_deals::board(&s.app, &a, pipeline).await?;
    let columns: Vec<Json_> = b
        .columns
        .iter()
        .map(|c| {
            json!({
                "stage_id": c.stage.id, "name": c.stage.name, "probability": c.stage.probability,
                "count": c.count, "total": crate::api::amount_out(c.total),
                "weighted": crate::api::amount_out(c.weighted),
                "deals": c.cards.iter().map(|d| json!({
                    "id": d.id, "version": d.version, "name": d.name, "account_id": d.account_id,
                    "owner_id": d.owner_id,
                    "amount": d.amount.map(crate::api::amount_out), "currency": d.currency,
                    "stage_entered_at": d.stage_entered_at.map(kervan_core::time::rfc3339),
                })).collect::<Vec<_>>(),
                "more": c.more.is_some(),
            })
        })
        .collect();
    Ok(Json(json!({
        "pipeline_id": b.pipeline.id,
        "currency": kervan_core::deals::DEFAULT_CURRENCY,
        "columns": columns,
    })))
}

async fn api_forecast(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Json_>, ApiError> {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let (from, months, start, end) = period(&get("from"), &get("months"));
    let pipeline = get("pipeline").trim().parse::<i64>().ok();
    let f = app_deals::forecast(&s.app, &a, &start, &end, pipeline).await?;
    let line = |l: &ForecastLine| {
        json!({
            "commit": sums_json(&l.commit), "best_case": sums_json(&l.best_case),
            "pipeline": sums_json(&l.pipeline), "won": sums_json(&l.won),
        })
    };
    let by_month = keyed(&f.by_month, "month", line);
    let by_owner = keyed(&f.by_owner, "owner_id", line);
    Ok(Json(json!({
        "from": from, "months": months, "currency": kervan_core::deals::DEFAULT_CURRENCY,
        "by_month": by_month, "by_owner": by_owner, "total": line(&f.total),
    })))
}

async fn api_stages(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Json_>, ApiError> {
    let stays = app_deals::stage_history(&s.app, &a, id).await?;
    let items: Vec<Json_> = stays
        .iter()
        .map(|h| {
            json!({
                "stage_id": h.stage_id, "stage": h.stage_name,
                "entered_at": kervan_core::time::rfc3339(h.entered_at),
                "left_at": h.left_at.map(kervan_core::time::rfc3339),
                "user_id": h.user_id,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

// ---------- the people of a deal ----------

#[derive(Template)]
#[template(path = "deals/people_tab.html")]
struct PeopleTab {
    t: I18n,
    csrf: String,
    id: i64,
    /// (contact id, name, title, role label)
    people: Vec<(i64, String, String, String)>,
    /// People of the customer not on the deal yet: (id, name).
    candidates: Vec<(i64, String)>,
    roles: Vec<(&'static str, String)>,
    can_edit: bool,
}

fn person_name(first: &Option<String>, last: &Option<String>) -> String {
    format!(
        "{} {}",
        first.as_deref().unwrap_or_default(),
        last.as_deref().unwrap_or_default()
    )
    .trim()
    .to_string()
}

async fn people_tab(c: &Card) -> Result<String, PageError> {
    let app = &c.state.app;
    let people = app_deals::stakeholders(app, &c.actor, c.rec.id).await?;
    let role_label = |r: &str| c.t.t(&format!("contact-buying_role-{r}"));
    let mut candidates = Vec::new();
    if let (Some(account), Some(entry)) = (c.rec.id_of("account_id"), kervan_app::registry::entry("contacts")) {
        let defs = kervan_app::records::defs(app, entry.kind).await?;
        let pairs = vec![
            ("account_id".to_string(), account.to_string()),
            ("limit".to_string(), "200".to_string()),
        ];
        let spec = (entry.parse_list)(app.db.conn.get_database_backend(), &defs, &pairs)
            .map_err(|e| PageError::from(AppError::Validation(e)))?;
        let page = kervan_app::records::list_kind(app, &c.actor, entry.kind, &defs, &spec.query).await?;
        candidates = page
            .records
            .iter()
            .filter(|r| !people.iter().any(|p| p.contact_id == r.id))
            .map(|r| (r.id, (entry.name)(&r.values)))
            .collect();
    }
    Ok(html(&PeopleTab {
        t: c.t,
        csrf: c.csrf.clone(),
        id: c.rec.id,
        people: people
            .iter()
            .map(|p| {
                (
                    p.contact_id,
                    person_name(&p.first_name, &p.last_name),
                    p.title.clone().unwrap_or_default(),
                    p.role.as_deref().map(role_label).unwrap_or_default(),
                )
            })
            .collect(),
        candidates,
        roles: kervan_core::contacts::BuyingRole::ALL
            .iter()
            .map(|r| (r.as_str(), role_label(r.as_str())))
            .collect(),
        can_edit: c.can_edit() && !c.rec.is_archived(),
    })?
    .0)
}

async fn stakeholder_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let contact = p
        .one("contact_id")
        .trim()
        .parse::<i64>()
        .map_err(|_| PageError::BadRequest)?;
    let role = p.one("role");
    let back = format!("/deals/{id}?tab=people");
    match app_deals::set_stakeholder(&state.app, &session.actor, id, contact, Some(&role)).await {
        Ok(()) => Ok(see_other(&with_ok(&back, "saved")).into_response()),
        Err(AppError::Validation(_)) => Ok(see_other(&with_ok(&back, "deal-not-moved")).into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn stakeholder_remove(
    State(state): State<AppState>,
    session: Session,
    Path((id, contact)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    app_deals::remove_stakeholder(&state.app, &session.actor, id, contact).await?;
    Ok(see_other(&format!("/deals/{id}?tab=people&ok=saved")).into_response())
}

fn stakeholders_json(list: &[kervan_store::deals::Stakeholder]) -> Json_ {
    json!({"items": list.iter().map(|p| json!({
        "contact_id": p.contact_id,
        "name": person_name(&p.first_name, &p.last_name),
        "title": p.title,
        "role": p.role,
    })).collect::<Vec<_>>()})
}

async fn api_stakeholders(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Json_>, ApiError> {
    Ok(Json(stakeholders_json(&app_deals::stakeholders(&s.app, &a, id).await?)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    #[serde(default)]
    role: Option<String>,
}

async fn api_stakeholder_put(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path((id, contact)): Path<(i64, i64)>,
    body: Bytes,
) -> Result<Json<Json_>, ApiError> {
    let b: RoleBody = crate::api::optional_json(&body)?;
    app_deals::set_stakeholder(&s.app, &a, id, contact, b.role.as_deref()).await?;
    Ok(Json(stakeholders_json(&app_deals::stakeholders(&s.app, &a, id).await?)))
}

async fn api_stakeholder_delete(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path((id, contact)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app_deals::remove_stakeholder(&s.app, &a, id, contact).await?;
    Ok(StatusCode::NO_CONTENT)
}
