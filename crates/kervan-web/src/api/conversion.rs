//! Lead conversion (preview and convert) and the conversion-by-source report.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use kervan_app::accounts::Accounts;
use kervan_app::contacts::Contacts;
use kervan_app::conversion::{self, ConvertRequest};
use kervan_app::leads::Leads;
use kervan_app::records;
use kervan_core::leads::LeadStatus;
use kervan_core::time::{day_start_ms, now_ms, parse_date, rfc3339};
use kervan_core::{FieldErrors, Money};

use super::{ApiError, ApiJson, ApiUser, DuplicateOut, patch_amount};
use crate::AppState;
use crate::kit::api::values_json;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/leads/{id}/convert", get(preview).post(convert))
        .route("/api/v1/reports/conversion-by-source", get(conversion_by_source))
}

/// How to convert a lead.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertIn {
    /// The lead's version as read; defaults to the current one.
    pub version: Option<i64>,
    /// Also open a deal (in the first stage of the first active pipeline; `deal_id` names it).
    #[serde(default)]
    pub create_deal: bool,
    pub deal_name: Option<String>,
    /// The deal's amount, like `annual_revenue`: a number or a string (`"250000.00"`, `"250.000,00"`).
    #[schema(value_type = Option<String>)]
    pub amount: Option<Value>,
    /// Attach the contact to this existing account instead of creating one.
    pub account_id: Option<i64>,
    /// Create a new account even though similar ones exist.
    #[serde(default)]
    pub allow_duplicate: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConvertOut {
    pub account_id: i64,
    /// `null` when the lead named only a company (nobody to make a contact of).
    pub contact_id: Option<i64>,
    /// The deal opened with `create_deal`, else `null`.
    pub deal_id: Option<i64>,
    /// `false`: the contact joined an existing account.
    pub account_created: bool,
}

/// Longest deal name.
const MAX_DEAL_NAME: usize = 200;

#[utoipa::path(post, path = "/api/v1/leads/{id}/convert", params(("id" = i64, Path)), request_body = ConvertIn,
    responses((status = 201, body = ConvertOut),
        (status = 403), (status = 404),
        (status = 409, description = "Stale version, or similar accounts exist: `duplicates` lists them; convert with `account_id` to attach to one, or `allow_duplicate: true` to create a new account anyway."),
        (status = 422, description = "Invalid input, or the lead is already converted (`already_converted`).")),
    security(("bearer" = [])))]
async fn convert(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ConvertIn>,
) -> Result<(StatusCode, Json<ConvertOut>), ApiError> {
    let mut e = FieldErrors::new();
    if let Some(n) = &b.deal_name
        && n.trim().chars().count() > MAX_DEAL_NAME
    {
        e.add_with("deal_name", "too_long", MAX_DEAL_NAME);
    }
    let mut amount = None;
    if let Some(v) = &b.amount
        && let Some(Some(text)) = patch_amount(&mut e, "amount", v)
    {
        if Money::parse(&text).is_err() {
            e.add("amount", "invalid_money");
        }
        amount = Some(text);
    }
    e.into_result(())?;
    let version = match b.version {
        Some(v) => v,
        None => records::get::<Leads>(&s.app, &a, id).await?.version,
    };
    let req = ConvertRequest {
        version,
        account_id: b.account_id,
        allow_duplicate: b.allow_duplicate,
        create_deal: b.create_deal,
        deal_name: b.deal_name.clone(),
        amount,
    };
    let done = conversion::convert(&s.app, &a, id, &req)
        .await
        .map_err(ApiError::similar("account"))?;
    Ok((
        StatusCode::CREATED,
        Json(ConvertOut {
            account_id: done.account_id,
            contact_id: done.contact_id,
            deal_id: done.deal_id,
            account_created: done.account_created,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConvertPreview {
    pub lead_id: i64,
    pub version: i64,
    /// Existing accounts the lead may already be (most certain first); convert with
    /// `account_id` to attach to one.
    pub matches: Vec<DuplicateOut>,
    /// The account that would be created: its fields as `GET /api/v1/accounts/{id}` names them.
    #[schema(value_type = Object)]
    pub account: Value,
    /// The contact that would be created; `null` when the lead names no person.
    #[schema(value_type = Option<Object>)]
    pub contact: Option<Value>,
}

#[utoipa::path(get, path = "/api/v1/leads/{id}/convert", params(("id" = i64, Path)),
    responses((status = 200, body = ConvertPreview), (status = 404), (status = 422, description = "Already converted")),
    security(("bearer" = [])))]
async fn preview(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ConvertPreview>, ApiError> {
    let lead = records::get::<Leads>(&s.app, &a, id).await?;
    if lead.text("status") == Some(LeadStatus::Converted.as_str()) {
        return Err(kervan_app::AppError::field("status", "already_converted").into());
    }
    let matches = conversion::matches(&s.app, &a, id).await?;
    let account = records::values_for::<Accounts>(&conversion::account_inputs(&lead))?;
    // The contact's account id is not known before the conversion; 0 stands for it.
    let contact = match conversion::contact_inputs(&lead, 0) {
        Some(i) => Some(records::values_for::<Contacts>(&i)?),
        None => None,
    };
    Ok(Json(ConvertPreview {
        lead_id: id,
        version: lead.version,
        matches: matches
            .into_iter()
            .map(|d| DuplicateOut {
                id: d.id,
                name: d.name,
                owner_name: d.owner_name,
                field: d.field,
            })
            .collect(),
        account: values_json(&kervan_core::accounts::KIND, &account.0, &[]),
        contact: contact.map(|c| values_json(&kervan_core::contacts::KIND, &c.0, &["account_id"])),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportParams {
    /// Start: an Istanbul day `2026-01-01` (from its midnight) or an RFC 3339 time. Default: 90
    /// days before `to`.
    #[serde(default)]
    from: String,
    /// End: an Istanbul day `2026-03-31` (inclusive: up to the next midnight) or an RFC 3339
    /// time (exclusive). Default: now.
    #[serde(default)]
    to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceRate {
    /// The lead source (`google_ads`, `meta`, `fair` …).
    pub source: String,
    /// Leads created in the period.
    pub leads: i64,
    /// How many of them have been converted (by now).
    pub converted: i64,
    /// `converted / leads`, 0–1, four decimals.
    pub rate: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversionReport {
    pub from: String,
    pub to: String,
    /// By source, most leads first.
    pub items: Vec<SourceRate>,
}

/// Reads a report bound: a day (its Istanbul midnight, or the next one for an inclusive end)
/// or an RFC 3339 time.
fn bound(e: &mut FieldErrors, field: &str, raw: &str, end: bool) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Some(d) = parse_date(raw) {
        let d = if end { d.succ_opt() } else { Some(d) };
        if let Some(d) = d {
            return Some(day_start_ms(d));
        }
    }
    match DateTime::parse_from_rfc3339(raw) {
        Ok(t) => Some(t.timestamp_millis()),
        Err(_) => {
            e.add(field, "invalid_date");
            None
        }
    }
}

#[utoipa::path(get, path = "/api/v1/reports/conversion-by-source", params(ReportParams),
    responses((status = 200, body = ConversionReport), (status = 403, description = "Needs to see every lead (admins, or leads view with scope all)."),
        (status = 422)), security(("bearer" = [])))]
async fn conversion_by_source(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Query(p): Query<ReportParams>,
) -> Result<Json<ConversionReport>, ApiError> {
    let mut e = FieldErrors::new();
    let to = bound(&mut e, "to", &p.to, true);
    let from = bound(&mut e, "from", &p.from, false);
    e.into_result(())?;
    let to = to.unwrap_or_else(now_ms);
    let from = from.unwrap_or(to - 90 * 86_400_000);
    if from >= to {
        return Err(kervan_app::AppError::field("from", "invalid_range").into());
    }
    let rows = conversion::rates_by_source(&s.app, &a, from, to).await?;
    Ok(Json(ConversionReport {
        from: rfc3339(from),
        to: rfc3339(to),
        items: rows
            .into_iter()
            .map(|r| SourceRate {
                rate: if r.leads > 0 {
                    (r.converted as f64 / r.leads as f64 * 10_000.0).round() / 10_000.0
                } else {
                    0.0
                },
                source: r.source,
                leads: r.leads,
                converted: r.converted,
            })
            .collect(),
    }))
}

#[derive(OpenApi)]
#[openapi(
    paths(convert, preview, conversion_by_source),
    components(schemas(ConvertIn, ConvertOut, ConvertPreview, SourceRate, ConversionReport))
)]
pub(super) struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_bounds_read_days_and_times() {
        let mut e = FieldErrors::new();
        let from = bound(&mut e, "from", "2026-01-31", false).unwrap();
        let to = bound(&mut e, "to", "2026-01-31", true).unwrap();
        assert_eq!(to - from, 86_400_000);
        assert_eq!(rfc3339(from), "2026-01-30T21:00:00.000Z");
        let t = bound(&mut e, "to", "2026-01-31T12:00:00+03:00", true).unwrap();
        assert_eq!(rfc3339(t), "2026-01-31T09:00:00.000Z");
        assert!(e.is_empty());
        assert_eq!(bound(&mut e, "from", "dün", false), None);
        assert!(e.has("from"));
    }
}
