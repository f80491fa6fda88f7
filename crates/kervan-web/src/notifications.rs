//! The notifications page (the bell in the top bar): the signed-in user's own, newest first.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use kervan_app::notifications as app_notifications;
use kervan_store::notifications::NotificationRow;

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::layout::Shell;
use crate::redirect::see_other;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(page))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/read", post(read_one))
}

/// The sentence for a notification, in the reader's language, from its kind and facts.
pub fn message(t: &I18n, n: &NotificationRow) -> String {
    let p: Value = serde_json::from_str(&n.params).unwrap_or(Value::Null);
    match n.kind.as_str() {
        "login_attack" => t.t_args(
            "notification-login-attack",
            &[
                ("email", p["email"].as_str().unwrap_or("").to_string()),
                ("count", p["count"].as_i64().unwrap_or(0).to_string()),
            ],
        ),
        "task_due" => t.t_args(
            "notification-task-due",
            &[
                ("title", p["title"].as_str().unwrap_or("").to_string()),
                ("due", p["due"].as_i64().map(|ms| t.datetime(ms)).unwrap_or_default()),
            ],
        ),
        "task_assigned" => t.t_args(
            "notification-task-assigned",
            &[
                ("title", p["title"].as_str().unwrap_or("").to_string()),
                ("by", p["by"].as_str().unwrap_or("").to_string()),
            ],
        ),
        other => t.t(&format!("notification-{other}")),
    }
}

struct Item {
    id: i64,
    message: String,
    link: Option<String>,
    at: String,
    ago: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct Page {
    shell: Shell,
    items: Vec<Item>,
    next_before: Option<i64>,
}

#[derive(Deserialize)]
struct PageQuery {
    before: Option<i64>,
}

const PAGE: u64 = 50;

async fn page(State(s): State<AppState>, session: Session, Query(q): Query<PageQuery>) -> Result<Response, PageError> {
    let rows = app_notifications::mine(&s.app, &session.actor, q.before, PAGE).await?;
    let t = session.t;
    let next_before = (rows.len() as u64 == PAGE).then(|| rows.last().map(|r| r.id)).flatten();
    let items = rows
        .iter()
        .map(|r| Item {
            id: r.id,
            message: message(&t, r),
            // Only our own paths are stored as links; checked again on the way out.
            link: r.link.as_deref().map(crate::redirect::safe_path),
            at: t.datetime(r.created_at),
            ago: t.ago(r.created_at),
            unread: r.read_at.is_none(),
        })
        .collect();
    let page = Page {
        shell: session.shell(t.t("notifications-title")),
        items,
        next_before,
    };
    Ok(html(&page)?.into_response())
}

async fn read_one(State(s): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    app_notifications::mark_read(&s.app, &session.actor, id).await?;
    Ok(see_other("/notifications"))
}

async fn read_all(State(s): State<AppState>, session: Session) -> Result<Response, PageError> {
    app_notifications::mark_all_read(&s.app, &session.actor).await?;
    Ok(see_other("/notifications"))
}
