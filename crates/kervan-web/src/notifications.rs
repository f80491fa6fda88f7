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

/// The sentence for a notification, in the reader's language, from its kind and facts: the
/// message `notification-{kind}` (underscores as dashes) with the facts as its arguments — a
/// moment (`due`, `…_at`) in the reader's time format.
pub fn message(t: &I18n, n: &NotificationRow) -> String {
    let p: Value = serde_json::from_str(&n.params).unwrap_or(Value::Null);
    let args: Vec<(&str, String)> = p
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Number(x) if k == "due" || k.ends_with("_at") => {
                            x.as_i64().map(|ms| t.datetime(ms)).unwrap_or_default()
                        }
                        // A count in the reader's digits (1.234 in Turkish).
                        Value::Number(x) => x.as_i64().map_or_else(|| x.to_string(), |n| t.num(n)),
                        _ => String::new(),
                    };
                    (k.as_str(), text)
                })
                .collect()
        })
        .unwrap_or_default();
    t.t_args(&format!("notification-{}", n.kind.replace('_', "-")), &args)
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
