//! Toplu işlemler: a bulk change's confirmation (its frozen, exact count), progress, result and
//! undo, the list of past ones, and "Devret" (handing a leaving colleague's open work over).
//! Bulk changes start from a list's bar (see [`crate::kit::list`]).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use kervan_app::AppError;
use kervan_app::bulk::{self as app_bulk, Planned};
use kervan_app::imports::UndoReport;
use kervan_core::kinds;
use kervan_store::runs::RunRow;

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::kit::form::Posted;
use crate::layout::Shell;
use crate::redirect::see_other;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bulk", get(list_page))
        .route("/bulk/{id}", get(run_page))
        .route("/bulk/{id}/progress", get(progress))
        .route("/bulk/{id}/confirm", post(confirm))
        .route("/bulk/{id}/undo", post(undo))
        .route("/users/{id}/handover", get(handover_page).post(handover))
}

/// A change in words: "Etiket ekle: Fuar", "Sorumlu: Ali Çelik", "Arşivle".
async fn describe(state: &AppState, t: &I18n, kind: &str, change: &Planned) -> Result<String, PageError> {
    let k = kinds::by_key(kind).ok_or(PageError::NotFound)?;
    let names = |ids: Vec<i64>| async move {
        let users = kervan_app::users::all(&state.app).await?;
        Ok::<String, PageError>(
            ids.iter()
                .filter_map(|i| users.iter().find(|u| u.id == *i).map(|u| u.name.clone()))
                .collect::<Vec<_>>()
                .join(", "),
        )
    };
    Ok(match change {
        Planned::Set { field, value } if field == "owner_id" => {
            let who = names(vec![value.parse().unwrap_or(0)]).await?;
            format!("{}: {who}", t.t(&k.label_id(field)))
        }
        Planned::Set { field, value } => {
            let shown = if k.field(field).is_some_and(|f| !f.options.is_empty()) {
                t.t(&k.option_id(field, value))
            } else {
                value.clone()
            };
            format!("{}: {shown}", t.t(&k.label_id(field)))
        }
        Planned::AddTag { tag } => format!("{}: {tag}", t.t("bulk-tag-add")),
        Planned::RemoveTag { tag } => format!("{}: {tag}", t.t("bulk-tag-remove")),
        Planned::Assign { owners } => format!("{}: {}", t.t("bulk-handover"), names(owners.clone()).await?),
        Planned::Archive => t.t("bulk-archive"),
        Planned::Restore => t.t("bulk-restore"),
    })
}

#[derive(Template)]
#[template(path = "bulk/run.html")]
struct RunPage {
    shell: Shell,
    kind: String,
    row: RunRow,
    kind_label: String,
    what: String,
    status_label: String,
    skipped: Vec<(i64, String, String)>,
    undo: Option<UndoReport>,
    undo_text: String,
    progress: String,
}

async fn run_page(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    let t = session.t;
    let (row, change) = app_bulk::get(&state.app, &session.actor, id).await?;
    let what = describe(&state, &t, &row.kind, &change).await?;
    let skipped = if row.status == "done" || row.status == "undone" {
        app_bulk::skipped(&state.app, &session.actor, id, 200)
            .await?
            .into_iter()
            .map(|it| {
                let code = it
                    .reason
                    .as_deref()
                    .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
                    .and_then(|v| v["code"].as_str().map(str::to_string))
                    .unwrap_or_default();
                (
                    it.record_id.unwrap_or(0),
                    format!("/{}/{}", row.kind, it.record_id.unwrap_or(0)),
                    t.t(&format!("bulk-skip-{code}")),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let undo: Option<UndoReport> = row.undo_report.as_deref().and_then(|r| serde_json::from_str(r).ok());
    let undo_text = crate::imports::undo_text(&t, undo.as_ref());
    let p = RunPage {
        shell: session.shell(t.t("bulk-run-title")),
        kind: row.kind.clone(),
        kind_label: t.t(&format!("module-{}", row.kind)),
        what,
        status_label: t.t_or(
            &format!("bulk-status-{}", row.status),
            &format!("import-status-{}", row.status),
        ),
        skipped,
        undo,
        undo_text,
        progress: t.t_nums("import-progress", &[("processed", row.processed), ("total", row.total)]),
        row,
    };
    Ok(html(&p)?.into_response())
}

async fn progress(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (row, _) = app_bulk::get(&state.app, &session.actor, id).await?;
    let status = if row.step.is_some() {
        "running"
    } else {
        row.status.as_str()
    };
    let body = serde_json::json!({
        "status": status, "total": row.total, "processed": row.processed,
        "updated": row.updated, "skipped": row.skipped,
    });
    Ok(axum::Json(body).into_response())
}

async fn confirm(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    match app_bulk::confirm(&state.app, &session.actor, id).await {
        Ok(()) | Err(AppError::Validation(_)) => Ok(see_other(&format!("/bulk/{id}")).into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn undo(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (row, _) = app_bulk::get(&state.app, &session.actor, id).await?;
    if row.status == "done" {
        let (app, actor) = (state.app.clone(), session.actor.clone());
        let work = async move { Ok(serde_json::json!(app_bulk::undo(&app, &actor, id).await?)) };
        match kervan_app::runs::detach(&state.app, id, "undo", work).await {
            Ok(()) | Err(AppError::Validation(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(see_other(&format!("/bulk/{id}")).into_response())
}

struct Line {
    id: i64,
    kind_label: String,
    what: String,
    status: String,
    status_label: String,
    summary: String,
    when: String,
}

#[derive(Template)]
#[template(path = "bulk/list.html")]
struct ListPage {
    shell: Shell,
    lines: Vec<Line>,
}

async fn list_page(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let t = session.t;
    let mut lines = Vec::new();
    for row in app_bulk::recent(&state.app, &session.actor, 50).await? {
        let Ok((row, change)) = app_bulk::get(&state.app, &session.actor, row.id).await else {
            continue;
        };
        lines.push(Line {
            id: row.id,
            kind_label: t.t(&format!("module-{}", row.kind)),
            what: describe(&state, &t, &row.kind, &change).await?,
            status_label: t.t_or(
                &format!("bulk-status-{}", row.status),
                &format!("import-status-{}", row.status),
            ),
            status: row.status.clone(),
            summary: t.t_nums(
                "bulk-summary",
                &[("total", row.total), ("changed", row.updated), ("skipped", row.skipped)],
            ),
            when: t.datetime(row.created_at),
        });
    }
    let p = ListPage {
        shell: session.shell(t.t("bulk-list-title")),
        lines,
    };
    Ok(html(&p)?.into_response())
}

#[derive(Template)]
#[template(path = "bulk/handover.html")]
struct HandoverPage {
    shell: Shell,
    id: i64,
    name: String,
    counts: Vec<(String, i64)>,
    colleagues: Vec<(i64, String)>,
    error: String,
}

async fn handover_view(state: &AppState, session: &Session, id: i64, error: String) -> Result<HandoverPage, PageError> {
    let t = session.t;
    if !session.actor.is_admin() {
        return Err(PageError::NotFound);
    }
    let users = kervan_app::users::all(&state.app).await?;
    let who = users.iter().find(|u| u.id == id).ok_or(PageError::NotFound)?;
    let counts = app_bulk::handover_counts(&state.app, &session.actor, id)
        .await?
        .into_iter()
        .map(|(kind, n)| (t.t(&format!("module-{kind}")), n))
        .collect();
    Ok(HandoverPage {
        shell: session.shell(t.t("bulk-handover-title")),
        id,
        name: who.name.clone(),
        counts,
        colleagues: users
            .iter()
            .filter(|u| u.id != id && u.deactivated_at.is_none())
            .map(|u| (u.id, u.name.clone()))
            .collect(),
        error,
    })
}

async fn handover_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(html(&handover_view(&state, &session, id, String::new()).await?)?.into_response())
}

async fn handover(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let to: Vec<i64> = p.all("to").iter().filter_map(|v| v.trim().parse().ok()).collect();
    match app_bulk::handover(&state.app, &session.actor, id, &to).await {
        Ok(_) => Ok(see_other("/bulk").into_response()),
        Err(AppError::Validation(_)) => {
            let page = handover_view(&state, &session, id, session.t.t("bulk-handover-choose")).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
