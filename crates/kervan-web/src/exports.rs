//! Dışa aktarma: an export's progress and its file (the export itself starts from a list; see
//! [`crate::kit::export`]).

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use kervan_app::exports::{self as app_exports, Spec};

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::layout::Shell;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exports", get(list))
        .route("/exports/{id}", get(page))
        .route("/exports/{id}/progress", get(progress))
        .route("/exports/{id}/file", get(file))
}

#[derive(Template)]
#[template(path = "exports/run.html")]
struct RunPage {
    shell: Shell,
    id: i64,
    kind: String,
    kind_label: String,
    status: String,
    status_label: String,
    rows: String,
    error: String,
}

/// One line of the exports list.
struct Line {
    id: i64,
    kind_label: String,
    format: String,
    status: String,
    status_label: String,
    rows: String,
    when: String,
}

#[derive(Template)]
#[template(path = "exports/list.html")]
struct ListPage {
    shell: Shell,
    lines: Vec<Line>,
}

/// `GET /exports`: one's recent exports, to come back for a file.
async fn list(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let t = session.t;
    let lines = app_exports::recent(&state.app, &session.actor, 50)
        .await?
        .into_iter()
        .map(|row| {
            let format = serde_json::from_str::<Spec>(&row.settings)
                .map(|s| s.format.key().to_uppercase())
                .unwrap_or_default();
            Line {
                id: row.id,
                kind_label: t.t(&format!("module-{}", row.kind)),
                format,
                status_label: t.t(&format!("import-status-{}", row.status)),
                status: row.status,
                rows: t.num(row.processed),
                when: t.datetime(row.created_at),
            }
        })
        .collect();
    let p = ListPage {
        shell: session.shell(t.t("export-history")),
        lines,
    };
    Ok(html(&p)?.into_response())
}

async fn page(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    let t = session.t;
    let row = app_exports::get(&state.app, &session.actor, id).await?;
    let p = RunPage {
        shell: session.shell(t.t("export-title")),
        id,
        kind_label: t.t(&format!("module-{}", row.kind)),
        kind: row.kind.clone(),
        status_label: t.t(&format!("import-status-{}", row.status)),
        status: row.status.clone(),
        rows: t.tn("export-rows", row.processed),
        error: row.error.clone().unwrap_or_default(),
    };
    Ok(html(&p)?.into_response())
}

async fn progress(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    let row = app_exports::get(&state.app, &session.actor, id).await?;
    let body = serde_json::json!({
        "status": row.status, "total": row.total, "processed": row.processed,
    });
    Ok(axum::Json(body).into_response())
}

async fn file(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    let row = app_exports::get(&state.app, &session.actor, id).await?;
    if row.status != "done" {
        return Err(PageError::NotFound);
    }
    let spec: Spec = serde_json::from_str(&row.settings).map_err(|_| PageError::Internal)?;
    let f = tokio::fs::File::open(app_exports::file_path(&state.app, id))
        .await
        .map_err(|_| PageError::NotFound)?;
    let day = chrono::Utc::now().format("%Y-%m-%d");
    let name = format!("{}-{day}.{}", row.kind, spec.format.key());
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(f, 64 * 1024));
    Ok((
        [
            (header::CONTENT_TYPE, spec.format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}
