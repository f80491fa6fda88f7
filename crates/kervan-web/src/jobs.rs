//! Ayarlar → İşler (admins): what the background worker has to do, and the jobs that failed
//! every attempt (dead letters) with their last error and a retry.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use kervan_app::jobs as app_jobs;

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::layout::Shell;
use crate::redirect::see_other;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/jobs", get(page))
        .route("/settings/jobs/{id}/retry", post(retry_submit))
}

/// A dead job as the page shows it.
struct DeadRow {
    id: i64,
    kind: String,
    /// What it was about (`leads · stand_m`), from its payload.
    subject: String,
    attempts: i64,
    error: String,
    created: String,
    last_try: String,
}

#[derive(Template)]
#[template(path = "settings/jobs.html")]
struct JobsPage {
    shell: Shell,
    waiting: i64,
    running: i64,
    dead: Vec<DeadRow>,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    ok: Option<String>,
}

/// `{"kind": "leads", "key": "stand_m"}` → `leads · stand_m`; anything else as it is.
fn subject(payload: &str) -> String {
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(payload) {
        Ok(m) => m.values().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(" · "),
        Err(_) => payload.chars().take(200).collect(),
    }
}

async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let o = app_jobs::overview(&state.app, &session.actor).await?;
    let t = session.t;
    let dead = o
        .dead
        .into_iter()
        .map(|j| {
            let id = format!("job-kind-{}", j.kind);
            DeadRow {
                id: j.id,
                kind: if t.has(&id) { t.t(&id) } else { j.kind.clone() },
                subject: subject(&j.payload),
                attempts: j.attempts,
                error: j.last_error.unwrap_or_default(),
                created: t.datetime(j.created_at),
                last_try: t.ago(j.run_at),
            }
        })
        .collect();
    let shell = session.shell(t.t("jobs-title")).with_toast(q.ok.as_deref());
    Ok(html(&JobsPage {
        shell,
        waiting: o.counts.waiting,
        running: o.counts.running,
        dead,
    })?
    .into_response())
}

async fn retry_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    app_jobs::retry(&state.app, &session.actor, id).await?;
    Ok(see_other("/settings/jobs?ok=job-retried").into_response())
}
