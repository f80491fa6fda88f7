//! The JSON API under `/api/v1`: bearer tokens, RFC 9457 problems, OpenAPI 3.1 from the code.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::{OpenApi, ToSchema};

use kervan_app::error::Duplicate;
use kervan_app::{Actor, AppError, auth as app_auth, search};
use kervan_core::FieldErrors;

use crate::AppState;
use crate::i18n::{I18n, Lang};

mod accounts;
mod contacts;
mod conversion;
mod notifications;
pub mod runs;

pub fn router(state: AppState) -> Router<AppState> {
    let max_body = state.web.max_body;
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .merge(notifications::routes())
        .merge(runs::routes())
        .merge(crate::kit::api::routes::<kervan_app::leads::Leads>())
        .merge(crate::kit::api::routes::<kervan_app::accounts::Accounts>())
        .merge(crate::kit::api::routes::<kervan_app::contacts::Contacts>())
        .merge(crate::kit::api::routes::<kervan_app::products::Products>())
        .merge(crate::kit::api::routes::<kervan_app::tasks::Tasks>())
        .merge(crate::kit::api::routes::<kervan_app::activities::Activities>())
        .merge(crate::kit::api::shared_routes())
        .merge(crate::calendar::api_routes())
        .merge(crate::deals::api_routes())
        .merge(crate::quotes::api_routes())
        .merge(conversion::routes())
        .merge(crate::files::api_routes())
        .merge(accounts::routes())
        .merge(contacts::routes())
        .route("/api/v1/search", get(search_all))
        .route("/api/v1/{*rest}", axum::routing::any(api_not_found))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
        .layer(axum::middleware::from_fn(problem_layer))
        .with_state(state)
}

/// A JSON body that may be left out (an action's options): empty means the defaults.
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::Malformed(e.to_string()))
}

/// An API failure, rendered as problem+json by [`problem_layer`] in the caller's language.
#[derive(Debug, Clone)]
pub enum ApiError {
    App(AppError),
    Malformed(String),
    Unprocessable(String),
    TooLarge,
    UnsupportedType,
    /// An error status answered outside our handlers (a path id that does not parse, a wrong
    /// method), with the status it had.
    Status(StatusCode),
    /// Records that look like the one being written, named for what they are (`account`,
    /// `contact`): the lead wording ("same phone or e-mail") would mislead for a customer.
    Similar {
        kind: &'static str,
        items: Vec<Duplicate>,
    },
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
    /// Maps a use-case error, naming duplicates as records of `kind` (`account`, `contact`).
    pub(crate) fn similar(kind: &'static str) -> impl Fn(AppError) -> ApiError {
        move |e| match e {
            AppError::Duplicate(items) => ApiError::Similar { kind, items },
            other => ApiError::App(other),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Similar { .. } => StatusCode::CONFLICT,
            ApiError::App(e) => match e {
                AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
                AppError::Conflict { .. } | AppError::Duplicate(_) => StatusCode::CONFLICT,
                AppError::Unauthorized | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
                AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
                AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ApiError::Status(s) => *s,
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
                crate::error::forbidden_text(t, module, action),
                json!({"module": module, "action": action}),
            ),
            ApiError::App(AppError::Conflict { current_version }) => (
                "conflict",
                t.t("problem-conflict"),
                json!({"current_version": current_version}),
            ),
            ApiError::App(AppError::Duplicate(d)) => (
                "duplicate",
                duplicate_detail(t, "problem-duplicate", d),
                json!({"duplicates": d}),
            ),
            ApiError::App(AppError::Unauthorized) | ApiError::App(AppError::BadCredentials) => {
                ("unauthorized", t.t("problem-unauthorized"), Value::Null)
            }
            ApiError::App(AppError::RateLimited { retry_after_secs }) => (
                "rate-limited",
                t.tn("error-429-text", retry_after_secs.div_ceil(60).max(1) as i64),
                Value::Null,
            ),
            ApiError::App(AppError::Busy { .. }) => ("busy", t.t("error-503-text"), Value::Null),
            ApiError::App(AppError::TooLarge { limit_bytes }) => {
                let message = t.t1("err-file_too_large", "arg", crate::files::size_text(t, *limit_bytes));
                let errors = json!([{"field": "file", "code": "file_too_large", "message": message}]);
                ("too-large", message, json!({"errors": errors}))
            }
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
            ApiError::Similar { kind, items } => (
                "duplicate",
                duplicate_detail(t, &format!("problem-duplicate-{kind}"), items),
                json!({"duplicates": items}),
            ),
            ApiError::TooLarge => ("too-large", t.t("problem-too-large"), Value::Null),
            ApiError::UnsupportedType => ("unsupported-media-type", t.t("problem-content-type"), Value::Null),
            ApiError::Status(s) => match *s {
                StatusCode::NOT_FOUND => ("not-found", t.t("problem-not-found"), Value::Null),
                StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", t.t("problem-method"), Value::Null),
                StatusCode::PAYLOAD_TOO_LARGE => ("too-large", t.t("problem-too-large"), Value::Null),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                    ("unsupported-media-type", t.t("problem-content-type"), Value::Null)
                }
                StatusCode::REQUEST_TIMEOUT => ("timeout", t.t("problem-timeout"), Value::Null),
                s if s.is_server_error() => ("internal", t.t("error-500-text"), Value::Null),
                _ => ("malformed", t.t("problem-bad-request"), Value::Null),
            },
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

/// The 409 detail: the first look-alike the caller may see by name, or — when it may see none —
/// only which field is taken elsewhere ("this phone is on a record of another team").
fn duplicate_detail(t: &I18n, key: &str, items: &[Duplicate]) -> String {
    match items.iter().find(|d| !d.hidden) {
        Some(d) => t.t1(key, "name", d.name.clone()),
        None => {
            let field = items.first().map(|d| d.field.as_str()).unwrap_or("phone");
            t.t(&format!("problem-duplicate-hidden-{field}"))
        }
    }
}

impl ApiError {
    fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::App(AppError::RateLimited { retry_after_secs } | AppError::Busy { retry_after_secs }) => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = self.status().into_response();
        r.extensions_mut().insert(self);
        r
    }
}

/// Renders [`ApiError`] markers as `application/problem+json` in the `Accept-Language` language,
/// and every other error response too (axum's own: a path id that is not a number, a wrong
/// method, a body over the limit), so a client never has to parse plain text. Refuses a query
/// string with control characters or invalid UTF-8 before any handler reads it. Nothing the API
/// answers may be cached.
pub(crate) async fn problem_layer(req: Request, next: Next) -> Response {
    let lang = Lang::from_accept(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let query_ok = crate::boundary::check_urlencoded(req.uri().query().unwrap_or("").as_bytes(), false);
    let mut resp = match query_ok {
        Ok(()) => next.run(req).await,
        Err(crate::boundary::Refusal::InvalidUtf8) => ApiError::Malformed("invalid UTF-8".into()).into_response(),
        Err(crate::boundary::Refusal::ControlChar(name)) => {
            let mut e = FieldErrors::new();
            e.add(&name, "invalid_chars");
            ApiError::App(AppError::Validation(e)).into_response()
        }
    };
    let marker = resp.extensions_mut().remove::<ApiError>().or_else(|| {
        let status = resp.status();
        let is_problem = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
        ((status.is_client_error() || status.is_server_error()) && !is_problem).then_some(ApiError::Status(status))
    });
    if let Some(e) = marker {
        let allow = resp.headers().get(header::ALLOW).cloned();
        resp = e.problem_response(lang);
        if let Some(a) = allow {
            resp.headers_mut().insert(header::ALLOW, a);
        }
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

impl ApiError {
    fn problem_response(self, lang: Lang) -> Response {
        let mut r = (self.status(), Json(self.problem(&I18n::new(lang)))).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status() == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after()
            && let Ok(v) = secs.to_string().parse()
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
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
        // Read as a document first, so a control character anywhere in it is refused naming the
        // field (422), before any value can reach the database.
        let v = match Json::<Value>::from_request(req, state).await {
            Ok(Json(v)) => v,
            Err(JsonRejection::JsonSyntaxError(e)) => return Err(ApiError::Malformed(e.body_text())),
            Err(JsonRejection::JsonDataError(e)) => return Err(ApiError::Unprocessable(e.body_text())),
            Err(JsonRejection::MissingJsonContentType(_)) => return Err(ApiError::UnsupportedType),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(ApiError::TooLarge),
            Err(e) => return Err(ApiError::Malformed(e.body_text())),
        };
        if let Some(field) = crate::boundary::json_control_char(&v) {
            let mut e = FieldErrors::new();
            e.add(&field, "invalid_chars");
            return Err(e.into());
        }
        serde_json::from_value(v)
            .map(ApiJson)
            .map_err(|e| ApiError::Unprocessable(e.to_string()))
    }
}

/// A duplicate candidate in a 409 problem's `duplicates`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateOut {
    pub id: i64,
    pub name: String,
    pub owner_name: Option<String>,
    /// What matched: `phone`, `email`, `tax_number`, `national_id`, `domain`, `name`.
    pub field: String,
}

// ---- reading JSON merge patches: a present key replaces, `null` clears ----

/// A text field of a patch: a string sets it, `null` clears it, anything else is `invalid_type`.
pub(crate) fn patch_text(e: &mut FieldErrors, key: &str, v: &Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        _ => {
            e.add(key, "invalid_type");
            None
        }
    }
}

/// An amount of lira as the API takes it: a JSON number (`1250000.5`) or a string, either
/// Turkish (`"1.250.000,50"`) or with a decimal point (`"1250000.50"`); `null` clears it.
/// Returns the text the domain parser reads. A number becomes `1250000,5`, so its dot is never
/// mistaken for a Turkish thousands separator (`12.345` stays 12,345 lira-and-kuruş, which
/// is refused for its three decimals, instead of becoming twelve thousand).
pub(crate) fn patch_amount(e: &mut FieldErrors, key: &str, v: &Value) -> Option<Option<String>> {
    match v {
        Value::Null => Some(None),
        Value::String(s) => Some(Some(s.clone())),
        Value::Number(n) => Some(Some(n.to_string().replacen('.', ",", 1))),
        _ => {
            e.add(key, "invalid_type");
            None
        }
    }
}

/// An amount in kuruş as the API writes it: `"1250000.50"` (lira, a decimal point, two digits).
pub(crate) fn amount_out(kurus: i64) -> String {
    kervan_core::money::Money::from_kurus(kurus).plain_text()
}

/// Reads the body of a PATCH as a JSON object.
pub(crate) fn object(body: Value) -> Result<Map<String, Value>, ApiError> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::Unprocessable("expected a JSON object".into())),
    }
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    /// `lead`, `account`, `contact` or `product`
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub detail: String,
    /// The record's page in the web UI.
    pub url: String,
}

/// Hits per kind, newest first, at most 20 each. `items` holds the leads (as before accounts and
/// contacts existed, so older clients keep working).
#[derive(Serialize, ToSchema, Default)]
pub struct SearchList {
    /// Leads.
    pub items: Vec<SearchHit>,
    pub accounts: Vec<SearchHit>,
    pub contacts: Vec<SearchHit>,
    pub deals: Vec<SearchHit>,
    pub quotes: Vec<SearchHit>,
    pub products: Vec<SearchHit>,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    /// The caller's private iCalendar feed (`null` until created under Hesabım → Takvim aboneliği).
    pub calendar_feed_url: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = Me), (status = 401)), security(("bearer" = [])))]
async fn me(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    ApiUser(a): ApiUser,
) -> Result<Json<Me>, ApiError> {
    let token = kervan_app::calendar::feed_token(&s.app, &a).await?;
    Ok(Json(Me {
        id: a.user_id,
        calendar_feed_url: token.map(|t| crate::calendar::feed_url(&s, &headers, &t)),
        name: a.name,
        email: a.email,
        role: a.role.as_str().into(),
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
    let groups = search::global(&s.app, &a, &p.q, 20).await?;
    let names: crate::kit::Names = kervan_app::users::names(&s.app).await?.into_iter().collect();
    let t = I18n::new(Lang::Tr);
    let mut out = SearchList::default();
    for section in crate::search::sections(&t, groups, &names) {
        let entity = kervan_core::kinds::by_key(section.key).map_or("", |k| k.entity);
        let hits = section
            .hits
            .into_iter()
            .map(|h| SearchHit {
                kind: entity.into(),
                id: h.id,
                name: h.name,
                detail: h.detail,
                url: h.href,
            })
            .collect();
        match section.key {
            "leads" => out.items = hits,
            "accounts" => out.accounts = hits,
            "contacts" => out.contacts = hits,
            "deals" => out.deals = hits,
            "quotes" => out.quotes = hits,
            "products" => out.products = hits,
            _ => {}
        }
    }
    Ok(Json(out))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Kervan API", description = "Kervan CRM JSON API. Authenticate with `Authorization: Bearer <token>` (`kervan token create`). Errors are RFC 9457 problem+json."),
    paths(me, search_all),
    components(schemas(SearchHit, SearchList, Me, DuplicateOut)),
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

/// The whole OpenAPI document: the shared part and leads, plus each module's own paths.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(accounts::Doc::openapi());
    doc.merge(contacts::Doc::openapi());
    doc.merge(conversion::Doc::openapi());
    doc.merge(notifications::Doc::openapi());
    doc
}

/// The whole document as served: the modules' derived parts and the kit's generated ones.
pub fn document_json() -> Value {
    let mut doc = serde_json::to_value(document()).unwrap_or_else(|_| json!({}));
    for kind in kervan_core::kinds::ALL {
        crate::kit::openapi::add_kind(&mut doc, kind);
    }
    crate::kit::openapi::add_shared(&mut doc);
    crate::files::add_openapi(&mut doc);
    doc
}

async fn openapi() -> Json<Value> {
    Json(document_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_is_3_1_and_lists_leads() {
        let doc = document_json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(doc["paths"]["/api/v1/leads"]["get"].is_object());
    }
}
