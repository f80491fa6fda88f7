//! The JSON API under `/api/v1`: bearer tokens, RFC 9457 problems, OpenAPI 3.1 from the code.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::{OpenApi, ToSchema};

use kervan_app::leads::{self as app_leads, Lead};
use kervan_app::{Actor, AppError, auth as app_auth, search};
use kervan_core::FieldErrors;
use kervan_core::leads::LeadDraft;
use kervan_core::time::rfc3339;

use crate::AppState;
use crate::forms::{LeadListParams, encode_cursor};
use crate::i18n::{I18n, Lang};

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route("/api/v1/leads", get(list_leads).post(create_lead))
        .route(
            "/api/v1/leads/{id}",
            get(get_lead).patch(patch_lead).delete(delete_lead),
        )
        .route("/api/v1/leads/{id}/restore", post(restore_lead))
        .route("/api/v1/leads/{id}/history", get(lead_history))
        .route("/api/v1/search", get(search_all))
        .route("/api/v1/{*rest}", axum::routing::any(api_not_found))
        .layer(axum::middleware::from_fn(problem_layer))
        .with_state(state)
}

/// An API failure, rendered as problem+json by [`problem_layer`] in the caller's language.
#[derive(Debug, Clone)]
pub enum ApiError {
    App(AppError),
    Malformed(String),
    Unprocessable(String),
    TooLarge,
    UnsupportedType,
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::App(e)
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        ApiError::App(AppError::Validation(e))
    }
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::App(e) => match e {
                AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
                AppError::Conflict { .. } | AppError::Duplicate(_) => StatusCode::CONFLICT,
                AppError::Unauthorized | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
                AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    fn problem(&self, t: &I18n) -> Value {
        let status = self.status().as_u16();
        let (kind, detail, extra): (&str, String, Value) = match self {
            ApiError::App(AppError::Validation(e)) => {
                let errors: Vec<Value> =
                    e.0.iter()
                        .map(|x| json!({"field": x.field, "code": x.code, "message": t.err(x)}))
                        .collect();
                ("validation", t.t("problem-validation"), json!({"errors": errors}))
            }
            ApiError::App(AppError::NotFound) => ("not-found", t.t("problem-not-found"), Value::Null),
            ApiError::App(AppError::Forbidden { module, action }) => (
                "forbidden",
                t.t1(
                    "error-403-text",
                    "permission",
                    format!(
                        "{} · {}",
                        t.t(&format!("module-{module}")),
                        t.t(&format!("perm-{action}"))
                    ),
                ),
                json!({"module": module, "action": action}),
            ),
            ApiError::App(AppError::Conflict { current_version }) => (
                "conflict",
                t.t("problem-conflict"),
                json!({"current_version": current_version}),
            ),
            ApiError::App(AppError::Duplicate(d)) => (
                "duplicate",
                t.t1(
                    "problem-duplicate",
                    "name",
                    d.first().map(|x| x.name.clone()).unwrap_or_default(),
                ),
                json!({"duplicates": d}),
            ),
            ApiError::App(AppError::Unauthorized) | ApiError::App(AppError::BadCredentials) => {
                ("unauthorized", t.t("problem-unauthorized"), Value::Null)
            }
            ApiError::App(AppError::RateLimited { .. }) => ("rate-limited", t.tn("error-429-text", 15), Value::Null),
            ApiError::App(AppError::Internal(m)) => {
                tracing::error!(error = %m, "internal error in API");
                ("internal", t.t("error-500-text"), Value::Null)
            }
            ApiError::Malformed(m) => ("malformed", format!("{} {m}", t.t("problem-malformed")), Value::Null),
            ApiError::Unprocessable(m) => (
                "invalid-body",
                format!("{} {m}", t.t("problem-invalid-body")),
                Value::Null,
            ),
            ApiError::TooLarge => ("too-large", t.t("problem-too-large"), Value::Null),
            ApiError::UnsupportedType => ("unsupported-media-type", t.t("problem-content-type"), Value::Null),
        };
        let mut v = json!({
            "type": format!("/problems/{kind}"),
            "title": t.t(&format!("problem-title-{kind}")),
            "status": status,
            "detail": detail,
        });
        if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
            obj.extend(more);
        }
        if let Some(obj) = v.as_object_mut()
            && !obj.contains_key("errors")
        {
            obj.insert("errors".into(), json!([]));
        }
        v
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = self.status().into_response();
        r.extensions_mut().insert(self);
        r
    }
}

/// Renders [`ApiError`] markers as `application/problem+json` in the `Accept-Language` language.
async fn problem_layer(req: Request, next: Next) -> Response {
    let lang = Lang::from_accept(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let mut resp = next.run(req).await;
    if let Some(e) = resp.extensions_mut().remove::<ApiError>() {
        let body = e.problem(&I18n::new(lang));
        let mut r = (e.status(), Json(body)).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if e.status() == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        return r;
    }
    // A body over the limit is refused by the limit layer before any handler runs.
    if resp.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::TooLarge.problem_response(lang);
    }
    resp
}

impl ApiError {
    fn problem_response(self, lang: Lang) -> Response {
        let mut r = (self.status(), Json(self.problem(&I18n::new(lang)))).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        r
    }
}

async fn api_not_found() -> ApiError {
    ApiError::App(AppError::NotFound)
}

/// The caller of an API request, from `Authorization: Bearer kvn_…`.
pub struct ApiUser(pub Actor);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(ApiError::App(AppError::Unauthorized))?;
        Ok(ApiUser(app_auth::token_actor(&state.app, token).await?))
    }
}

/// JSON body whose failures are problems: malformed → 400, wrong shape → 422, too big → 413.
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::Malformed(e.body_text())),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::Unprocessable(e.body_text())),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedType),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::TooLarge),
            Err(e) => Err(ApiError::Malformed(e.body_text())),
        }
    }
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

#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryList {
    pub items: Vec<HistoryEntry>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    /// `lead` (more kinds as modules arrive)
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub detail: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchList {
    pub items: Vec<SearchHit>,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401)), security(("bearer" = [])))]
async fn me(ApiUser(a): ApiUser) -> Json<Me> {
    Json(Me {
        id: a.user_id,
        name: a.name,
        email: a.email,
        role: a.role.as_str().into(),
    })
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
            "id" | "name" | "owner_name" | "created_at" | "updated_at" | "archived_at" => {}
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

#[derive(Deserialize, utoipa::IntoParams)]
struct DeleteParams {
    /// `true`: delete for good (admins only); otherwise archive.
    #[serde(default)]
    hard: Option<String>,
    /// The version read last; defaults to the current one.
    #[serde(default)]
    version: Option<i64>,
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
    let rows = app_leads::history(&s.app, &a, id, 1000).await?;
    Ok(Json(HistoryList {
        items: rows
            .into_iter()
            .map(|h| HistoryEntry {
                at: rfc3339(h.at),
                user_id: h.user_id,
                user_name: h.user_name,
                field: h.field,
                old: h.old,
                new: h.new,
            })
            .collect(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct SearchParams {
    /// Turkish-insensitive text, or a phone number in any form.
    #[serde(default)]
    q: String,
}

#[utoipa::path(get, path = "/api/v1/search", params(SearchParams),
    responses((status = 200, body = SearchList)), security(("bearer" = [])))]
async fn search_all(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchList>, ApiError> {
    if p.q.chars().count() > 200 {
        let mut e = FieldErrors::new();
        e.add_with("q", "too_long", 200);
        return Err(e.into());
    }
    let res = search::global(&s.app, &a, &p.q, 20).await?;
    let items = res
        .leads
        .iter()
        .map(|l| SearchHit {
            kind: "lead".into(),
            id: l.row.id,
            name: l.name(),
            detail: [l.row.company.clone(), l.row.phone.clone(), l.row.city.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            url: format!("/leads/{}", l.row.id),
        })
        .collect();
    Ok(Json(SearchList { items }))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Kervan API", description = "Kervan CRM JSON API. Authenticate with `Authorization: Bearer <token>` (`kervan token create`). Errors are RFC 9457 problem+json."),
    paths(me, list_leads, create_lead, get_lead, patch_lead, delete_lead, restore_lead, lead_history, search_all),
    components(schemas(LeadOut, LeadIn, LeadList, HistoryEntry, HistoryList, SearchHit, SearchList, Me)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
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

    #[test]
    fn openapi_is_3_1_and_lists_leads() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(doc["paths"]["/api/v1/leads"]["get"].is_object());
    }
}
