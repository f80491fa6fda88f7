//! What an account (customer) has besides its fields: addresses and subsidiaries. The fields,
//! list, history and merge are the record kit's (`kit::api`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use kervan_app::accounts::{self as app_accounts, Accounts};
use kervan_core::FieldErrors;
use kervan_core::accounts::AddressDraft;
use kervan_core::time::rfc3339;
use kervan_store::accounts::AddressRow;

use super::{ApiError, ApiJson, ApiUser, amount_out, object, patch_text};
use crate::AppState;
use crate::kit::api::record_json;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/accounts/{id}/addresses",
            get(list_addresses).post(create_address),
        )
        .route(
            "/api/v1/accounts/{id}/addresses/{address_id}",
            patch(patch_address).delete(delete_address),
        )
        .route("/api/v1/accounts/{id}/subsidiaries", get(subsidiaries))
}

// ---- addresses ----

/// An address of an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressOut {
    pub id: i64,
    pub account_id: i64,
    /// `billing` or `delivery`
    pub kind: String,
    /// Street, building, door (may span lines).
    pub line: String,
    pub country: String,
    pub city: String,
    pub district: Option<String>,
    /// Five digits in Türkiye (e.g. `34710`).
    pub postal_code: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&AddressRow> for AddressOut {
    fn from(r: &AddressRow) -> Self {
        AddressOut {
            id: r.id,
            account_id: r.account_id,
            kind: r.kind.clone(),
            line: r.line.clone(),
            country: r.country.clone(),
            city: r.city.clone(),
            district: r.district.clone(),
            postal_code: r.postal_code.clone(),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            version: r.version,
        }
    }
}

/// A new address. Required: `kind`, `line`, `city`; `country` defaults to Türkiye.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressIn {
    /// `billing` or `delivery`
    pub kind: Option<String>,
    pub line: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub postal_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AddressList {
    pub items: Vec<AddressOut>,
}

fn address_draft(r: &AddressRow) -> AddressDraft {
    AddressDraft {
        kind: Some(r.kind.clone()),
        line: Some(r.line.clone()),
        country: Some(r.country.clone()),
        city: Some(r.city.clone()),
        district: r.district.clone(),
        postal_code: r.postal_code.clone(),
    }
}

/// The address `address_id` of account `id` (another account's address is not found).
async fn find_address(s: &AppState, a: &kervan_app::Actor, id: i64, address_id: i64) -> Result<AddressRow, ApiError> {
    app_accounts::addresses(&s.app, a, id)
        .await?
        .into_iter()
        .find(|x| x.id == address_id)
        .ok_or(ApiError::App(kervan_app::AppError::NotFound))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/addresses", params(("id" = i64, Path)),
    responses((status = 200, body = AddressList), (status = 404)), security(("bearer" = [])))]
async fn list_addresses(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<AddressList>, ApiError> {
    let rows = app_accounts::addresses(&s.app, &a, id).await?;
    Ok(Json(AddressList {
        items: rows.iter().map(AddressOut::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/addresses", params(("id" = i64, Path)), request_body = AddressIn,
    responses((status = 201, body = AddressOut), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
async fn create_address(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AddressIn>,
) -> Result<(StatusCode, Json<AddressOut>), ApiError> {
    let d = AddressDraft {
        kind: b.kind,
        line: b.line,
        country: b.country,
        city: b.city,
        district: b.district,
        postal_code: b.postal_code,
    };
    let address_id = app_accounts::add_address(&s.app, &a, id, &d).await?;
    let row = find_address(&s, &a, id, address_id).await?;
    Ok((StatusCode::CREATED, Json(AddressOut::from(&row))))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{id}/addresses/{address_id}",
    params(("id" = i64, Path), ("address_id" = i64, Path)),
    request_body(content = Object, description = "Fields to change plus the `version` read last; `null` clears a field."),
    responses((status = 200, body = AddressOut), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
async fn patch_address(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path((id, address_id)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<AddressOut>, ApiError> {
    let map = object(body)?;
    let row = find_address(&s, &a, id, address_id).await?;
    let mut d = address_draft(&row);
    let mut e = FieldErrors::new();
    let mut version = None;
    for (k, v) in &map {
        let slot = match k.as_str() {
            "kind" => &mut d.kind,
            "line" => &mut d.line,
            "country" => &mut d.country,
            "city" => &mut d.city,
            "district" => &mut d.district,
            "postal_code" => &mut d.postal_code,
            "version" => {
                match v.as_i64() {
                    Some(n) => version = Some(n),
                    None => e.add("version", "invalid_type"),
                }
                continue;
            }
            "id" | "account_id" | "created_at" | "updated_at" => continue,
            _ => {
                e.add(k, "unknown_field");
                continue;
            }
        };
        if let Some(val) = patch_text(&mut e, k, v) {
            *slot = val;
        }
    }
    if version.is_none() && !e.has("version") {
        e.add("version", "required");
    }
    let version = e.into_result(version)?.unwrap_or(row.version);
    app_accounts::update_address(&s.app, &a, id, address_id, version, &d).await?;
    let row = find_address(&s, &a, id, address_id).await?;
    Ok(Json(AddressOut::from(&row)))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{id}/addresses/{address_id}",
    params(("id" = i64, Path), ("address_id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404)), security(("bearer" = [])))]
async fn delete_address(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path((id, address_id)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app_accounts::delete_address(&s.app, &a, id, address_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- subsidiaries and merge ----

#[derive(Serialize, ToSchema)]
pub struct SubsidiaryTotals {
    /// Current (not archived) subsidiaries, including ones the caller cannot see.
    pub count: i64,
    /// Their summed annual revenue, `"1250000.50"`; `null` when none has one.
    pub annual_revenue: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SubsidiaryList {
    /// Direct subsidiaries the caller may see, by name (at most 200), as `GET /api/v1/accounts/{id}`.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
    pub totals: SubsidiaryTotals,
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/subsidiaries", params(("id" = i64, Path)),
    responses((status = 200, body = SubsidiaryList), (status = 404)), security(("bearer" = [])))]
async fn subsidiaries(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<SubsidiaryList>, ApiError> {
    let (items, totals) = app_accounts::subsidiaries(&s.app, &a, id).await?;
    let defs = kervan_app::records::defs(&s.app, &kervan_core::accounts::KIND).await?;
    Ok(Json(SubsidiaryList {
        items: items.iter().map(|r| record_json::<Accounts>(r, &defs)).collect(),
        totals: SubsidiaryTotals {
            count: totals.n,
            annual_revenue: totals.revenue.map(amount_out),
        },
    }))
}

#[derive(OpenApi)]
#[openapi(
    paths(list_addresses, create_address, patch_address, delete_address, subsidiaries),
    components(schemas(AddressOut, AddressIn, AddressList, SubsidiaryTotals, SubsidiaryList))
)]
pub(super) struct Doc;
