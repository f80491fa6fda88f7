//! The caller's own notifications: `GET /api/v1/notifications`, `POST …/{id}/read`, `POST …/read-all`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use kervan_app::notifications as app_notifications;
use kervan_core::time::rfc3339;

use super::{ApiError, ApiUser};
use crate::AppState;
use crate::i18n::{I18n, Lang};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notifications", get(list))
        .route("/api/v1/notifications/read-all", post(read_all))
        .route("/api/v1/notifications/{id}/read", post(read_one))
}

#[derive(Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    /// What happened, e.g. `login_attack`.
    pub kind: String,
    /// The facts of `kind` (e-mail, count …), for programs.
    #[schema(value_type = Object)]
    pub params: Value,
    /// The sentence a person reads, in the `Accept-Language` language.
    pub message: String,
    /// The page in the web UI it is about.
    pub link: Option<String>,
    pub created_at: String,
    pub read_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationOut>,
    pub unread: i64,
    /// Pass as `before` for older ones; `null` at the end.
    pub next_before: Option<i64>,
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ListParams {
    /// Only notifications older than this id.
    before: Option<i64>,
    /// At most this many (1–200, default 50).
    limit: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/notifications", params(ListParams),
    responses((status = 200, body = NotificationList), (status = 401)), security(("bearer" = [])))]
async fn list(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    headers: HeaderMap,
    Query(p): Query<ListParams>,
) -> Result<Json<NotificationList>, ApiError> {
    let t = I18n::new(Lang::from_accept(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    ));
    let limit = p.limit.unwrap_or(50).clamp(1, 200);
    let rows = app_notifications::mine(&s.app, &a, p.before, limit).await?;
    let next_before = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let items = rows
        .iter()
        .map(|r| NotificationOut {
            id: r.id,
            kind: r.kind.clone(),
            params: serde_json::from_str(&r.params).unwrap_or(Value::Null),
            message: crate::notifications::message(&t, r),
            link: r.link.clone(),
            created_at: rfc3339(r.created_at),
            read_at: r.read_at.map(rfc3339),
        })
        .collect();
    Ok(Json(NotificationList {
        items,
        unread: app_notifications::unread(&s.app, &a).await?,
        next_before,
    }))
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read",
    responses((status = 204), (status = 404)), security(("bearer" = [])))]
async fn read_one(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<axum::http::StatusCode, ApiError> {
    app_notifications::mark_read(&s.app, &a, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/notifications/read-all",
    responses((status = 204)), security(("bearer" = [])))]
async fn read_all(State(s): State<AppState>, ApiUser(a): ApiUser) -> Result<axum::http::StatusCode, ApiError> {
    app_notifications::mark_all_read(&s.app, &a).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(OpenApi)]
#[openapi(
    paths(list, read_one, read_all),
    components(schemas(NotificationOut, NotificationList))
)]
pub(super) struct Doc;
