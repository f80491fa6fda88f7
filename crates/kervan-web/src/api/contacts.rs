//! The people of an account, as the contacts module lists them under the account.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use kervan_app::contacts::{self as app_contacts, Contacts};

use super::{ApiError, ApiUser};
use crate::AppState;
use crate::kit::api::record_json;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/{id}/contacts", get(account_contacts))
}

#[derive(Serialize, ToSchema)]
pub struct ContactItems {
    /// As `GET /api/v1/contacts/{id}` returns each.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Value>,
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/contacts", params(("id" = i64, Path)),
    responses((status = 200, body = ContactItems, description = "The account's current people the caller may see, by name (at most 500)."),
        (status = 404)), security(("bearer" = [])))]
async fn account_contacts(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ContactItems>, ApiError> {
    let people = app_contacts::of_account(&s.app, &a, id).await?;
    let defs = kervan_app::records::defs(&s.app, &kervan_core::contacts::KIND).await?;
    Ok(Json(ContactItems {
        items: people.iter().map(|r| record_json::<Contacts>(r, &defs)).collect(),
    }))
}

#[derive(OpenApi)]
#[openapi(paths(account_contacts), components(schemas(ContactItems)))]
pub(super) struct Doc;
