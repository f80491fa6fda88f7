//! Ayarlar → Uyuyan müşteri kuralı: per kind on/off, the days and the task's title, with the
//! number of tasks the first run would make shown before it can be switched on.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use kervan_app::AppError;
use kervan_app::dormant::{self as app_dormant, Change};
use kervan_core::dormant::RULES;

use crate::AppState;
use crate::auth::Session;
use crate::error::{Messages, PageError, html};
use crate::kit::form::Posted;
use crate::layout::Shell;
use crate::redirect::see_other;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/dormant", get(page))
        .route("/settings/dormant/{kind}", post(submit))
}

/// One kind's box on the page.
struct Rule {
    kind: &'static str,
    label: String,
    enabled: bool,
    days: String,
    title: String,
    /// Tasks a run would make now with these days.
    count: i64,
    errors: Messages,
    /// The admin must confirm this count (switching on).
    confirm: bool,
}

#[derive(Template)]
#[template(path = "settings/dormant.html")]
struct Page {
    shell: Shell,
    rules: Vec<Rule>,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    days: String,
}

async fn rules(
    state: &AppState,
    session: &Session,
    typed: Option<(&str, &Change, Messages, bool)>,
    asked: Option<(&str, i64)>,
) -> Result<Vec<Rule>, PageError> {
    let t = session.t;
    let mut out = Vec::new();
    for r in RULES {
        let default_title = t.t(&format!("dormant-default-title-{}", r.kind));
        let s = app_dormant::setting(&state.app, r.kind, &default_title).await?;
        let mine = typed.as_ref().filter(|x| x.0 == r.kind);
        let days_typed = mine.map(|x| x.1.days.clone()).unwrap_or_else(|| s.days.to_string());
        let days = asked
            .filter(|a| a.0 == r.kind)
            .map(|a| a.1)
            .or_else(|| days_typed.trim().parse::<i64>().ok())
            .unwrap_or(s.days)
            .clamp(kervan_core::dormant::MIN_DAYS, kervan_core::dormant::MAX_DAYS);
        out.push(Rule {
            kind: r.kind,
            label: t.t(&format!("module-{}", r.kind)),
            enabled: mine.map(|x| x.1.enabled).unwrap_or(s.enabled),
            days: asked
                .filter(|a| a.0 == r.kind)
                .map(|a| a.1.to_string())
                .unwrap_or(days_typed),
            title: mine.map(|x| x.1.title.clone()).unwrap_or(s.title),
            count: app_dormant::preview(&state.app, r.kind, days).await?,
            errors: mine.map(|x| x.2.clone()).unwrap_or_default(),
            confirm: mine.is_some_and(|x| x.3),
        });
    }
    Ok(out)
}

async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    let asked = q.days.trim().parse::<i64>().ok().map(|d| (q.kind.as_str(), d));
    let p = Page {
        shell: session.shell(session.t.t("dormant-title")).with_toast(q.ok.as_deref()),
        rules: rules(&state, &session, None, asked).await?,
    };
    Ok(html(&p)?.into_response())
}

async fn submit(
    State(state): State<AppState>,
    session: Session,
    Path(kind): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    let p = Posted::parse(&body)?;
    let change = Change {
        enabled: !p.one("enabled").is_empty(),
        days: p.one("days"),
        title: p.one("title"),
        seen_count: p.one("seen_count").trim().parse().ok(),
    };
    let default_title = session.t.t(&format!("dormant-default-title-{kind}"));
    match app_dormant::save(&state.app, &session.actor, &kind, &change, &default_title).await {
        Ok(_) => Ok(see_other("/settings/dormant?ok=dormant-saved").into_response()),
        Err(AppError::Validation(e)) => {
            let confirm = e.has("enabled");
            let labels = [
                ("enabled", "dormant-enabled"),
                ("days", "dormant-days"),
                ("title", "dormant-task-title"),
            ];
            let errors = Messages::new(&session.t, &e, &labels);
            let page = Page {
                shell: session.shell(session.t.t("dormant-title")),
                rules: rules(&state, &session, Some((kind.as_str(), &change, errors, confirm)), None).await?,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
