//! Lead endpoints: list, create, read, patch, archive/restore, hard delete, history.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use kervan_app::leads::{self as app_leads, Lead};
use kervan_core::FieldErrors;
use kervan_core::leads::LeadDraft;
use kervan_core::time::rfc3339;

use super::{ApiError, ApiJson, ApiUser, DeleteParams, HistoryList};
use crate::AppState;
use crate::forms::{LeadListParams, encode_cursor};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/leads", get(list_leads).post(create_lead))
        .route(
            "/api/v1/leads/{id}",
            get(get_lead).patch(patch_lead).delete(delete_lead),
        )
        .route("/api/v1/leads/{id}/restore", post(restore_lead))
        .route("/api/v1/leads/{id}/history", get(lead_history))
}

/// A lead as the API returns it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeadOut {
    pub id: i64,
    /// Full name, else the company.
    pub name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    /// E.164
    pub phone: Option<String>,
    pub source: String,
    pub source_detail: Option<String>,
    pub campaign: Option<String>,
    pub product_interest: Option<String>,
    pub status: String,
    pub lost_reason: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub city: Option<String>,
    pub sector: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// The account the lead was converted into.
    pub account_id: Option<i64>,
    /// The contact the lead was converted into (`null` when it named only a company).
    pub contact_id: Option<i64>,
    pub converted_at: Option<String>,
    pub archived_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&Lead> for LeadOut {
    fn from(l: &Lead) -> Self {
        let r = l.row.clone();
        LeadOut {
            id: r.id,
            name: l.name(),
            first_name: r.first_name,
            last_name: r.last_name,
            company: r.company,
            title: r.title,
            email: r.email,
            phone: r.phone,
            source: r.source,
            source_detail: r.source_detail,
            campaign: r.campaign,
            product_interest: r.product_interest,
            status: r.status,
            lost_reason: r.lost_reason,
            owner_id: r.owner_id,
            owner_name: r.owner_name,
            city: r.city,
            sector: r.sector,
            tags: l.tags.clone(),
            notes: r.notes,
            account_id: r.account_id,
            contact_id: r.contact_id,
            converted_at: r.converted_at.map(rfc3339),
            archived_at: r.archived_at.map(rfc3339),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            version: r.version,
        }
    }
}

/// A new lead. Required: (first_name + last_name, or company), (phone or email), source.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadIn {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    /// Any Turkish or international form; stored as E.164.
    pub phone: Option<String>,
    /// google_ads, meta, web_form, whatsapp, fair, referral, organic, phone, email, other
    pub source: Option<String>,
    pub source_detail: Option<String>,
    pub campaign: Option<String>,
    pub product_interest: Option<String>,
    /// new, contacted, info_sent, quoted, lost (default new)
    pub status: Option<String>,
    pub lost_reason: Option<String>,
    pub owner_id: Option<i64>,
    pub city: Option<String>,
    pub sector: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// Create even when a lead with the same phone or e-mail exists.
    #[serde(default)]
    pub allow_duplicate: bool,
}

#[derive(Serialize, ToSchema)]
pub struct LeadList {
    pub items: Vec<LeadOut>,
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/leads", params(LeadListParams),
    responses((status = 200, body = LeadList), (status = 401), (status = 422)), security(("bearer" = [])))]
async fn list_leads(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Query(p): Query<LeadListParams>,
) -> Result<Json<LeadList>, ApiError> {
    let q = p.to_query(50, 200)?;
    let page = app_leads::list(&s.app, &a, &q).await?;
    let next_cursor = if page.has_next {
        page.leads.last().map(|l| encode_cursor(&l.row.position(q.sort)))
    } else {
        None
    };
    Ok(Json(LeadList {
        items: page.leads.iter().map(LeadOut::from).collect(),
        next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/leads", request_body = LeadIn,
    responses((status = 201, body = LeadOut), (status = 400), (status = 409), (status = 422)), security(("bearer" = [])))]
async fn create_lead(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    ApiJson(b): ApiJson<LeadIn>,
) -> Result<(StatusCode, Json<LeadOut>), ApiError> {
    let d = LeadDraft {
        first_name: b.first_name,
        last_name: b.last_name,
        company: b.company,
        title: b.title,
        email: b.email,
        phone: b.phone,
        source: b.source,
        source_detail: b.source_detail,
        campaign: b.campaign,
        product_interest: b.product_interest,
        status: b.status,
        lost_reason: b.lost_reason,
        owner_id: b.owner_id,
        city: b.city,
        sector: b.sector,
        tags: b.tags,
        notes: b.notes,
    };
    let id = app_leads::create(&s.app, &a, &d, b.allow_duplicate).await?;
    let lead = app_leads::get(&s.app, &a, id).await?;
    Ok((StatusCode::CREATED, Json(LeadOut::from(&lead))))
}

#[utoipa::path(get, path = "/api/v1/leads/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = LeadOut), (status = 404)), security(("bearer" = [])))]
async fn get_lead(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<LeadOut>, ApiError> {
    Ok(Json(LeadOut::from(&app_leads::get(&s.app, &a, id).await?)))
}

/// Applies a JSON merge-style patch to a draft: present keys replace, `null` clears.
fn apply_patch(d: &mut LeadDraft, body: &Map<String, Value>) -> Result<(i64, bool), FieldErrors> {
    let mut e = FieldErrors::new();
    let mut version = None;
    let mut allow_duplicate = false;
    for (k, v) in body {
        let text = |e: &mut FieldErrors| -> Option<Option<String>> {
            match v {
                Value::Null => Some(None),
                Value::String(s) => Some(Some(s.clone())),
                _ => {
                    e.add(k, "invalid_type");
                    None
                }
            }
        };
        let slot: Option<&mut Option<String>> = match k.as_str() {
            "first_name" => Some(&mut d.first_name),
            "last_name" => Some(&mut d.last_name),
            "company" => Some(&mut d.company),
            "title" => Some(&mut d.title),
            "email" => Some(&mut d.email),
            "phone" => Some(&mut d.phone),
            "source" => Some(&mut d.source),
            "source_detail" => Some(&mut d.source_detail),
            "campaign" => Some(&mut d.campaign),
            "product_interest" => Some(&mut d.product_interest),
            "status" => Some(&mut d.status),
            "lost_reason" => Some(&mut d.lost_reason),
            "city" => Some(&mut d.city),
            "sector" => Some(&mut d.sector),
            "notes" => Some(&mut d.notes),
            _ => None,
        };
        if let Some(slot) = slot {
            if let Some(val) = text(&mut e) {
                *slot = val;
            }
            continue;
        }
        match k.as_str() {
            "version" => match v.as_i64() {
                Some(n) => version = Some(n),
                None => e.add("version", "invalid_type"),
            },
            "owner_id" => match v {
                Value::Null => d.owner_id = None,
                _ => match v.as_i64() {
                    Some(n) => d.owner_id = Some(n),
                    None => e.add("owner_id", "invalid_type"),
                },
            },
            "tags" => match v {
                Value::Null => d.tags = vec![],
                Value::Array(items) => {
                    let tags: Option<Vec<String>> = items.iter().map(|x| x.as_str().map(str::to_string)).collect();
                    match tags {
                        Some(t) => d.tags = t,
                        None => e.add("tags", "invalid_type"),
                    }
                }
                _ => e.add("tags", "invalid_type"),
            },
            "allow_duplicate" => allow_duplicate = v.as_bool().unwrap_or(false),
            // Read-only fields a client may echo back unchanged.
            "id" | "name" | "owner_name" | "created_at" | "updated_at" | "archived_at" | "account_id"
            | "contact_id" | "converted_at" => {}
            _ => e.add(k, "unknown_field"),
        }
    }
    if version.is_none() && !e.has("version") {
        e.add("version", "required");
    }
    match (e.is_empty(), version) {
        (true, Some(v)) => Ok((v, allow_duplicate)),
        _ => Err(e),
    }
}

#[utoipa::path(patch, path = "/api/v1/leads/{id}", params(("id" = i64, Path)),
    request_body(content = Object, description = "Fields to change plus the `version` read last; `null` clears a field."),
    responses((status = 200, body = LeadOut), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
async fn patch_lead(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<LeadOut>, ApiError> {
    let Value::Object(map) = body else {
        return Err(ApiError::Unprocessable("expected a JSON object".into()));
    };
    let lead = app_leads::get(&s.app, &a, id).await?;
    let mut d = lead.draft();
    let (version, allow_dup) = apply_patch(&mut d, &map)?;
    app_leads::update(&s.app, &a, id, version, &d, allow_dup).await?;
    Ok(Json(LeadOut::from(&app_leads::get(&s.app, &a, id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/leads/{id}", params(("id" = i64, Path), DeleteParams),
    responses((status = 204), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
async fn delete_lead(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    Query(p): Query<DeleteParams>,
) -> Result<StatusCode, ApiError> {
    if matches!(p.hard.as_deref(), Some("true" | "1")) {
        app_leads::delete_hard(&s.app, &a, id).await?;
    } else {
        let v = match p.version {
            Some(v) => v,
            None => app_leads::get(&s.app, &a, id).await?.row.version,
        };
        app_leads::set_archived(&s.app, &a, id, v, true).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/restore", params(("id" = i64, Path)),
    responses((status = 200, body = LeadOut), (status = 404)), security(("bearer" = [])))]
async fn restore_lead(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<LeadOut>, ApiError> {
    let v = app_leads::get(&s.app, &a, id).await?.row.version;
    app_leads::set_archived(&s.app, &a, id, v, false).await?;
    Ok(Json(LeadOut::from(&app_leads::get(&s.app, &a, id).await?)))
}

#[utoipa::path(get, path = "/api/v1/leads/{id}/history", params(("id" = i64, Path)),
    responses((status = 200, body = HistoryList), (status = 404)), security(("bearer" = [])))]
async fn lead_history(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<HistoryList>, ApiError> {
    Ok(Json(HistoryList::from_rows(
        app_leads::history(&s.app, &a, id, 1000).await?,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_needs_version_and_known_fields() {
        let mut d = LeadDraft::default();
        let body: Map<String, Value> = serde_json::from_str(r#"{"first_name": "Ayşe", "colour": "red"}"#).unwrap();
        let e = apply_patch(&mut d, &body).unwrap_err();
        assert!(e.has("version") && e.has("colour"));
        let body: Map<String, Value> = serde_json::from_str(r#"{"version": 3, "city": null, "tags": ["A"]}"#).unwrap();
        d.city = Some("Bursa".into());
        assert_eq!(apply_patch(&mut d, &body).unwrap(), (3, false));
        assert_eq!(d.city, None);
        assert_eq!(d.tags, vec!["A".to_string()]);
    }
}
