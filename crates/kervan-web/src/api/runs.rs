//! `/api/v1/imports`, `/api/v1/exports`, `/api/v1/bulk`: the same runs as the pages, for scripts.
//! An import's file is posted as multipart (`file`), routed outside the ordinary body limit (see
//! [`crate::files::streaming`]).

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use kervan_app::bulk::{self as app_bulk, Planned};
use kervan_app::exports::{self as app_exports, Format};
use kervan_app::imports::{self as app_imports, Changes, Policy};
use kervan_app::{Actor, AppError};
use kervan_core::FieldErrors;
use kervan_store::runs::RunRow;

use super::{ApiError, ApiJson, ApiUser};
use crate::AppState;
use crate::error::PageError;
use crate::ui::query_pairs;

/// The upload's address (streamed; see [`crate::files::streaming`]).
pub const IMPORT_UPLOAD: &str = "/api/v1/imports/{kind}";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/imports/{id}/status", get(import_get))
        .route("/api/v1/imports/{id}/rows", get(import_rows))
        .route("/api/v1/imports/{id}/undo", post(import_undo))
        .route("/api/v1/exports", post(export_start))
        .route("/api/v1/exports/{id}", get(export_get))
        .route("/api/v1/exports/{id}/file", get(export_file))
        .route("/api/v1/bulk", post(bulk_start))
        .route("/api/v1/bulk/{id}", get(bulk_get))
        .route("/api/v1/bulk/{id}/confirm", post(bulk_confirm))
        .route("/api/v1/bulk/{id}/undo", post(bulk_undo))
}

fn run_json(r: &RunRow, base: &str) -> Json_ {
    json!({
        "id": r.id, "kind": r.kind, "status": r.status, "file_name": r.file_name,
        "total": r.total, "processed": r.processed, "created": r.created, "updated": r.updated,
        "skipped": r.skipped, "rejected": r.rejected, "error": r.error,
        "undo": r.undo_report.as_deref().and_then(|u| serde_json::from_str::<Json_>(u).ok()),
        "links": { "self": format!("{base}/{}", r.id) },
    })
}

fn invalid(field: &str, code: &str) -> ApiError {
    let mut e = FieldErrors::new();
    e.add(field, code);
    e.into()
}

/// `POST /api/v1/imports/{kind}?on_duplicate=&source=&source_detail=&owner=EMAIL&tag=…&map=COLUMN=field&dry_run=1`
/// with the file as multipart `file`: 202 and the queued run, or with `dry_run` 200 and the
/// counts it would give (nothing written; the draft stays for the pages).
pub async fn import_upload(state: AppState, actor: Actor, kind: String, raw: Option<String>, req: Request) -> Response {
    match import_upload_inner(state, actor, kind, raw, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn import_upload_inner(
    state: AppState,
    actor: Actor,
    kind: String,
    raw: Option<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let app = &state.app;
    let k = kervan_core::kinds::by_key(&kind).ok_or(ApiError::App(AppError::NotFound))?;
    let q = query_pairs(&format!("?{}", raw.unwrap_or_default()));
    let one = |key: &str| q.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let (name, bytes) = match crate::files::receive_named(app, &actor, None, req, app.config.max_import_bytes).await {
        Ok(x) => x,
        Err(PageError::TooLarge) => return Err(ApiError::TooLarge),
        Err(PageError::BadRequest) => return Err(ApiError::UnsupportedType),
        Err(PageError::Forbidden { module, action }) => return Err(AppError::Forbidden { module, action }.into()),
        Err(_) => return Err(ApiError::Malformed("multipart".into())),
    };
    let words = crate::imports::words(k);
    let id = app_imports::upload(app, &actor, &kind, &name, &bytes, &words).await?;
    let run = app_imports::get(app, &actor, id).await?;
    let mut mapping = run.settings.mapping.clone();
    for m in q.iter().filter(|(k, _)| k == "map").map(|(_, v)| v) {
        let (col, field) = m.split_once('=').ok_or_else(|| invalid("map", "invalid_choice"))?;
        let fold = kervan_core::text::fold;
        let i = run
            .settings
            .headers
            .iter()
            .position(|h| fold(h) == fold(col))
            .ok_or_else(|| invalid("map", "invalid_choice"))?;
        mapping[i] = if field == "-" { String::new() } else { field.to_string() };
    }
    let mut values = BTreeMap::new();
    for key in ["source", "source_detail"] {
        if let Some(v) = one(key) {
            values.insert(key.to_string(), v);
        }
    }
    if let Some(email) = one("owner") {
        let users = kervan_app::users::all(app).await?;
        let u = users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email.trim()))
            .ok_or_else(|| invalid("owner", "invalid_choice"))?;
        values.insert("owner_id".into(), u.id.to_string());
    }
    let tags: Vec<String> = q.iter().filter(|(k, _)| k == "tag").map(|(_, v)| v.clone()).collect();
    if !tags.is_empty() {
        values.insert("tags".into(), tags.join(", "));
    }
    let policy = match one("on_duplicate") {
        Some(p) => Some(Policy::parse(&p).ok_or_else(|| invalid("on_duplicate", "invalid_choice"))?),
        None => None,
    };
    let ch = Changes {
        mapping: Some(mapping),
        policy,
        values: Some(values),
        ..Changes::default()
    };
    app_imports::configure(app, &actor, id, &ch, &words).await?;
    if one("dry_run").is_some_and(|v| kervan_core::validation::truthy(&v)) {
        let p = app_imports::preview(app, &actor, id).await?;
        let run = app_imports::get(app, &actor, id).await?;
        let mut out = run_json(&run.row, "/api/v1/imports");
        out["would"] = json!({
            "created": p.counts.created, "updated": p.counts.updated,
            "skipped": p.counts.skipped, "rejected": p.counts.rejected,
        });
        out["mapping"] = json!(
            run.settings
                .headers
                .iter()
                .zip(&run.settings.mapping)
                .collect::<Vec<_>>()
        );
        return Ok((StatusCode::OK, Json(out)).into_response());
    }
    app_imports::start(app, &actor, id).await?;
    let run = app_imports::get(app, &actor, id).await?;
    Ok((StatusCode::ACCEPTED, Json(run_json(&run.row, "/api/v1/imports"))).into_response())
}

async fn import_get(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Json_>, ApiError> {
    let run = app_imports::get(&s.app, &a, id).await?;
    Ok(Json(run_json(&run.row, "/api/v1/imports")))
}

#[derive(Deserialize, Default)]
struct RowsQuery {
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    after: Option<i64>,
}

async fn import_rows(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<RowsQuery>,
) -> Result<Json<Json_>, ApiError> {
    let all = ["created", "updated", "skipped", "rejected"];
    let outcomes: Vec<&str> = match q.outcome.as_deref() {
        Some(o) if all.contains(&o) => vec![o],
        Some(_) => return Err(invalid("outcome", "invalid_choice")),
        None => all.to_vec(),
    };
    let rows = app_imports::report_rows(&s.app, &a, id, &outcomes, q.after.unwrap_or(i64::MIN), 501).await?;
    let more = rows.len() > 500;
    let items: Vec<Json_> = rows
        .iter()
        .take(500)
        .map(|r| {
            json!({
                "row": r.row_no, "outcome": r.outcome, "record_id": r.record_id,
                "reason": r.reason.as_deref().and_then(|x| serde_json::from_str::<Json_>(x).ok()),
                "cells": r.cells.as_deref().and_then(|x| serde_json::from_str::<Json_>(x).ok()),
            })
        })
        .collect();
    let next = if more {
        items.last().and_then(|i| i["row"].as_i64())
    } else {
        None
    };
    Ok(Json(json!({ "items": items, "next_after": next })))
}

async fn import_undo(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Json_>, ApiError> {
    let report = app_imports::undo(&s.app, &a, id).await?;
    Ok(Json(json!(report)))
}

/// `POST /api/v1/exports` `{"kind", "format": "csv|xlsx|vcf", "filters": {…}, "view_id"}`: every
/// field of the records matching, in Turkish headers; 202 and the run.
async fn export_start(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    ApiJson(body): ApiJson<Json_>,
) -> Result<(StatusCode, Json<Json_>), ApiError> {
    let kind = body["kind"].as_str().unwrap_or_default();
    let k = kervan_core::kinds::by_key(kind).ok_or_else(|| invalid("kind", "invalid_choice"))?;
    let format =
        Format::parse(body["format"].as_str().unwrap_or("csv")).ok_or_else(|| invalid("format", "invalid_choice"))?;
    let mut params: Vec<(String, String)> = match body["view_id"].as_i64() {
        Some(v) => kervan_app::views::get(&s.app, &a, v).await?.params(),
        None => vec![],
    };
    if let Some(f) = body["filters"].as_object() {
        for (key, v) in f {
            let text = match v {
                Json_::String(x) => x.clone(),
                other => other.to_string(),
            };
            params.retain(|(k, _)| k != key);
            params.push((key.clone(), text));
        }
    }
    let defs = kervan_app::records::custom_defs(&s.app.db.conn, k).await?;
    let live: Vec<_> = defs.into_iter().filter(|d| d.active).collect();
    let columns = app_exports::all_columns(k, &live);
    let t = crate::i18n::I18n::new(crate::i18n::Lang::parse(&a.language).unwrap_or(crate::i18n::Lang::Tr));
    let spec = crate::kit::export::spec_for(&t, k, &live, columns, true, format, params);
    let id = app_exports::start(&s.app, &a, &spec).await?;
    let row = app_exports::get(&s.app, &a, id).await?;
    let mut out = run_json(&row, "/api/v1/exports");
    out["links"]["file"] = json!(format!("/api/v1/exports/{id}/file"));
    Ok((StatusCode::ACCEPTED, Json(out)))
}

async fn export_get(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Json_>, ApiError> {
    let row = app_exports::get(&s.app, &a, id).await?;
    let mut out = run_json(&row, "/api/v1/exports");
    out["links"]["file"] = json!(format!("/api/v1/exports/{id}/file"));
    Ok(Json(out))
}

async fn export_file(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let row = app_exports::get(&s.app, &a, id).await?;
    if row.status != "done" {
        return Err(ApiError::Status(StatusCode::CONFLICT));
    }
    let spec: app_exports::Spec =
        serde_json::from_str(&row.settings).map_err(|e| ApiError::Malformed(e.to_string()))?;
    let f = tokio::fs::File::open(app_exports::file_path(&s.app, id))
        .await
        .map_err(|_| ApiError::App(AppError::NotFound))?;
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(f, 64 * 1024));
    Ok((
        [
            (header::CONTENT_TYPE, spec.format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.{}\"", row.kind, spec.format.key()),
            ),
        ],
        body,
    )
        .into_response())
}

/// `POST /api/v1/bulk` `{"kind", "filters": {…} | "ids": [...], "change": {"op": "add_tag", "tag": "Fuar"}, "confirm": true}`:
/// the set frozen (201 with its exact `total`); with `confirm` queued at once (202).
async fn bulk_start(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    ApiJson(body): ApiJson<Json_>,
) -> Result<(StatusCode, Json<Json_>), ApiError> {
    let kind = body["kind"].as_str().unwrap_or_default();
    let k = kervan_core::kinds::by_key(kind).ok_or_else(|| invalid("kind", "invalid_choice"))?;
    let change: Planned =
        serde_json::from_value(body["change"].clone()).map_err(|_| invalid("change", "invalid_choice"))?;
    let (id, _) = match body["ids"].as_array() {
        Some(ids) => {
            let ids: Vec<i64> = ids.iter().filter_map(|v| v.as_i64()).collect();
            app_bulk::freeze_ids(&s.app, &a, k, &ids, &change).await?
        }
        None => {
            let params: Vec<(String, String)> = body["filters"]
                .as_object()
                .map(|f| {
                    f.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                        .collect()
                })
                .unwrap_or_default();
            app_bulk::freeze(&s.app, &a, k, &params, &change).await?
        }
    };
    let status = if body["confirm"].as_bool() == Some(true) {
        app_bulk::confirm(&s.app, &a, id).await?;
        StatusCode::ACCEPTED
    } else {
        StatusCode::CREATED
    };
    let (row, _) = app_bulk::get(&s.app, &a, id).await?;
    Ok((status, Json(run_json(&row, "/api/v1/bulk"))))
}

async fn bulk_get(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Json_>, ApiError> {
    let (row, _) = app_bulk::get(&s.app, &a, id).await?;
    Ok(Json(run_json(&row, "/api/v1/bulk")))
}

async fn bulk_confirm(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<Json_>), ApiError> {
    app_bulk::confirm(&s.app, &a, id).await?;
    let (row, _) = app_bulk::get(&s.app, &a, id).await?;
    Ok((StatusCode::ACCEPTED, Json(run_json(&row, "/api/v1/bulk"))))
}

async fn bulk_undo(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Json_>, ApiError> {
    Ok(Json(json!(app_bulk::undo(&s.app, &a, id).await?)))
}
