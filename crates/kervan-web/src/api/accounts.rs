//! Account (customer) endpoints: list, create, read, patch, archive/restore, hard delete, history,
//! the account's people, addresses, subsidiaries and merge.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{OpenApi, ToSchema};

use kervan_app::accounts::{self as app_accounts, Account};
use kervan_app::contacts as app_contacts;
use kervan_app::search;
use kervan_core::FieldErrors;
use kervan_core::accounts::{AccountDraft, AccountKind, AddressDraft, CustomerClass, Lifecycle, Potential, Segment};
use kervan_core::text::fold;
use kervan_core::time::rfc3339;
use kervan_store::accounts::{AccountQuery, AddressRow, SortKey};
use kervan_store::leads::{LeadQuery, Position, SortValue};

use super::contacts::{ContactItems, ContactOut};
use super::{
    ApiError, ApiJson, ApiUser, DeleteParams, HistoryList, amount_out, object, patch_amount, patch_id, patch_tags,
    patch_text, truthy,
};
use crate::AppState;
use crate::forms::{decode_cursor, encode_cursor};

const KIND: &str = "account";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/accounts", get(list_accounts).post(create_account))
        .route(
            "/api/v1/accounts/{id}",
            get(get_account).patch(patch_account).delete(delete_account),
        )
        .route("/api/v1/accounts/{id}/restore", post(restore_account))
        .route("/api/v1/accounts/{id}/history", get(account_history))
        .route("/api/v1/accounts/{id}/contacts", get(account_contacts))
        .route(
            "/api/v1/accounts/{id}/addresses",
            get(list_addresses).post(create_address),
        )
        .route(
            "/api/v1/accounts/{id}/addresses/{address_id}",
            patch(patch_address).delete(delete_address),
        )
        .route("/api/v1/accounts/{id}/subsidiaries", get(subsidiaries))
        .route("/api/v1/accounts/{id}/merge", post(merge_accounts))
}

/// An account (customer) as the API returns it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccountOut {
    pub id: i64,
    /// `company` or `individual`
    pub kind: String,
    /// Trade name (unvan) of a company, full name of a person.
    pub name: String,
    pub tax_office: Option<String>,
    /// VKN, 10 digits (companies).
    pub tax_number: Option<String>,
    /// TCKN, 11 digits (individuals, sole proprietors).
    pub national_id: Option<String>,
    pub sector: Option<String>,
    /// `a`, `b`, `c`
    pub customer_class: Option<String>,
    /// `corporate`, `sme`, `individual`
    pub segment: Option<String>,
    /// `high`, `medium`, `low`
    pub potential: Option<String>,
    /// Lira with a decimal point and two decimals, as a string: `"1250000.50"`.
    pub annual_revenue: Option<String>,
    /// `active`, `loyal`, `at_risk`, `passive`
    pub lifecycle: String,
    pub parent_id: Option<i64>,
    pub parent_name: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub website: Option<String>,
    /// E.164
    pub phone: Option<String>,
    pub email: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// The lead this account was converted from.
    pub lead_id: Option<i64>,
    pub last_contact_at: Option<String>,
    pub archived_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&Account> for AccountOut {
    fn from(a: &Account) -> Self {
        let r = a.row.clone();
        AccountOut {
            id: r.id,
            kind: r.kind,
            name: r.name,
            tax_office: r.tax_office,
            tax_number: r.tax_number,
            national_id: r.national_id,
            sector: r.sector,
            customer_class: r.customer_class,
            segment: r.segment,
            potential: r.potential,
            annual_revenue: r.annual_revenue.map(amount_out),
            lifecycle: r.lifecycle,
            parent_id: r.parent_id,
            parent_name: r.parent_name,
            owner_id: r.owner_id,
            owner_name: r.owner_name,
            region: r.region,
            country: r.country,
            city: r.city,
            district: r.district,
            website: r.website,
            phone: r.phone,
            email: r.email,
            tags: a.tags.clone(),
            notes: r.notes,
            lead_id: r.lead_id,
            last_contact_at: r.last_contact_at.map(rfc3339),
            archived_at: r.archived_at.map(rfc3339),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            version: r.version,
        }
    }
}

/// A new account. Required: `kind`, `name`. `annual_revenue` is a JSON number (`1250000.5`) or a
/// string: `"1250000.50"` (a single dot followed by one or two digits is a decimal point) or
/// Turkish `"1.250.000,50"` (dots group thousands, so `"1.250"` is one thousand two hundred and
/// fifty lira); at most two decimals.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountIn {
    /// `company` or `individual`
    pub kind: Option<String>,
    pub name: Option<String>,
    pub tax_office: Option<String>,
    /// VKN (10 digits, checksum verified); companies only.
    pub tax_number: Option<String>,
    /// TCKN (11 digits, checksum verified).
    pub national_id: Option<String>,
    pub sector: Option<String>,
    /// `a`, `b`, `c`
    pub customer_class: Option<String>,
    /// `corporate`, `sme`, `individual`
    pub segment: Option<String>,
    /// `high`, `medium`, `low`
    pub potential: Option<String>,
    #[schema(value_type = Option<String>, example = "1250000.50")]
    pub annual_revenue: Option<Value>,
    /// `active` (default), `loyal`, `at_risk`, `passive`
    pub lifecycle: Option<String>,
    pub parent_id: Option<i64>,
    /// Defaults to the caller.
    pub owner_id: Option<i64>,
    pub region: Option<String>,
    /// Defaults to Türkiye.
    pub country: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub website: Option<String>,
    /// Any Turkish or international form; stored as E.164.
    pub phone: Option<String>,
    pub email: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// Create even when a similar account exists (same VKN/TCKN, phone, e-mail, company domain
    /// or a nearly equal name).
    #[serde(default)]
    pub allow_duplicate: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AccountList {
    pub items: Vec<AccountOut>,
    pub next_cursor: Option<String>,
}

/// The filters of the account list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountListParams {
    /// Free text: name, VKN/TCKN, e-mail, phone (any form), city. Turkish-insensitive.
    #[serde(default)]
    pub q: String,
    /// `company` or `individual`
    #[serde(default)]
    pub kind: String,
    /// `active`, `loyal`, `at_risk`, `passive`
    #[serde(default)]
    pub lifecycle: String,
    /// `1`/`true`: passive accounts too (left out unless asked for or filtered on).
    #[serde(default)]
    pub include_passive: String,
    #[serde(default)]
    pub potential: String,
    #[serde(default)]
    pub segment: String,
    #[serde(default)]
    pub customer_class: String,
    #[serde(default)]
    pub owner_id: String,
    /// Subsidiaries of this account.
    #[serde(default)]
    pub parent_id: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub sector: String,
    /// `1`/`true`: archived accounts instead.
    #[serde(default)]
    pub archived: String,
    /// `name` (default), `-name`, `created_at`, `-created_at`, `updated_at`, `-updated_at`.
    #[serde(default)]
    pub sort: String,
    /// Page size, at most 200. Default 50.
    #[serde(default)]
    pub limit: String,
    /// Opaque position from a previous page's `next_cursor`.
    #[serde(default)]
    pub cursor: String,
}

/// A closed-list filter value: blank is none, anything off the list is `invalid_choice`.
pub(super) fn choice_filter<T>(
    e: &mut FieldErrors,
    field: &str,
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
    as_str: impl Fn(T) -> &'static str,
) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match parse(raw) {
        Some(v) => Some(as_str(v).to_string()),
        None => {
            e.add(field, "invalid_choice");
            None
        }
    }
}

/// An id filter: blank is none, anything but an integer is `invalid_number`.
pub(super) fn id_filter(e: &mut FieldErrors, field: &str, raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(v) => Some(v),
        Err(_) => {
            e.add(field, "invalid_number");
            None
        }
    }
}

/// Sort, page size and cursor, shared by the account and contact lists. Returns
/// `(sort, desc, limit, after)`; `sort` is `name`, `created_at` or `updated_at`.
pub(super) fn paging(
    e: &mut FieldErrors,
    sort: &str,
    limit: &str,
    cursor: &str,
) -> (&'static str, bool, u64, Option<Position>) {
    let sort = sort.trim();
    let (desc, key) = match sort.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, sort),
    };
    let key = match key {
        "" | "name" => "name",
        "created_at" => "created_at",
        "updated_at" => "updated_at",
        _ => {
            e.add("sort", "invalid_choice");
            "name"
        }
    };
    let mut n = 50;
    if !limit.trim().is_empty() {
        match limit.trim().parse::<u64>() {
            Ok(v) if (1..=200).contains(&v) => n = v,
            _ => e.add_with("limit", "invalid_limit", 200),
        }
    }
    let mut after = None;
    if !cursor.trim().is_empty() {
        match decode_cursor(cursor) {
            // A cursor made under one sort means nothing under another.
            Some(p) if matches!(p.value, SortValue::Text(_)) == (key == "name") => after = Some(p),
            _ => e.add("cursor", "invalid_cursor"),
        }
    }
    (key, desc, n, after)
}

/// Folded search terms, or the phone number, from the `q` of a list.
pub(super) fn text_query(e: &mut FieldErrors, q: &str) -> (Vec<String>, Option<String>) {
    if q.chars().count() > 200 {
        e.add_with("q", "too_long", 200);
        return (vec![], None);
    }
    let mut lq = LeadQuery::default();
    search::apply_query(&mut lq, q);
    (lq.terms, lq.phone)
}

impl AccountListParams {
    pub fn to_query(&self) -> Result<AccountQuery, FieldErrors> {
        let mut e = FieldErrors::new();
        let (terms, phone) = text_query(&mut e, &self.q);
        let (sort, desc, limit, after) = paging(&mut e, &self.sort, &self.limit, &self.cursor);
        let blank = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        let q = AccountQuery {
            terms,
            phone,
            kind: choice_filter(&mut e, "kind", &self.kind, AccountKind::parse, AccountKind::as_str),
            lifecycle: choice_filter(
                &mut e,
                "lifecycle",
                &self.lifecycle,
                Lifecycle::parse,
                Lifecycle::as_str,
            ),
            include_passive: truthy(&self.include_passive),
            potential: choice_filter(
                &mut e,
                "potential",
                &self.potential,
                Potential::parse,
                Potential::as_str,
            ),
            segment: choice_filter(&mut e, "segment", &self.segment, Segment::parse, Segment::as_str),
            customer_class: choice_filter(
                &mut e,
                "customer_class",
                &self.customer_class,
                CustomerClass::parse,
                CustomerClass::as_str,
            ),
            owner_id: id_filter(&mut e, "owner_id", &self.owner_id),
            parent_id: id_filter(&mut e, "parent_id", &self.parent_id),
            tag_key: blank(&self.tag).map(|t| fold(&t)),
            city: blank(&self.city),
            sector: blank(&self.sector),
            archived: truthy(&self.archived),
            sort: match sort {
                "created_at" => SortKey::Created,
                "updated_at" => SortKey::Updated,
                _ => SortKey::Name,
            },
            desc,
            after,
            before: None,
            limit,
        };
        e.into_result(q)
    }
}

/// Turns the typed body into a draft; an amount of the wrong JSON type is named.
fn draft_of(b: AccountIn) -> Result<(AccountDraft, bool), FieldErrors> {
    let mut e = FieldErrors::new();
    let annual_revenue = match &b.annual_revenue {
        None => None,
        Some(v) => patch_amount(&mut e, "annual_revenue", v).flatten(),
    };
    let d = AccountDraft {
        kind: b.kind,
        name: b.name,
        tax_office: b.tax_office,
        tax_number: b.tax_number,
        national_id: b.national_id,
        sector: b.sector,
        customer_class: b.customer_class,
        segment: b.segment,
        potential: b.potential,
        annual_revenue,
        lifecycle: b.lifecycle,
        parent_id: b.parent_id,
        owner_id: b.owner_id,
        region: b.region,
        country: b.country,
        city: b.city,
        district: b.district,
        website: b.website,
        phone: b.phone,
        email: b.email,
        tags: b.tags,
        notes: b.notes,
    };
    e.into_result((d, b.allow_duplicate))
}

/// Applies a JSON merge patch to an account draft: present keys replace, `null` clears. With
/// `need_version`, `version` is required and returned.
pub(super) fn apply_patch(
    d: &mut AccountDraft,
    body: &Map<String, Value>,
    need_version: bool,
) -> Result<(Option<i64>, bool), FieldErrors> {
    let mut e = FieldErrors::new();
    let mut version = None;
    let mut allow_duplicate = false;
    for (k, v) in body {
        let slot: Option<&mut Option<String>> = match k.as_str() {
            "kind" => Some(&mut d.kind),
            "name" => Some(&mut d.name),
            "tax_office" => Some(&mut d.tax_office),
            "tax_number" => Some(&mut d.tax_number),
            "national_id" => Some(&mut d.national_id),
            "sector" => Some(&mut d.sector),
            "customer_class" => Some(&mut d.customer_class),
            "segment" => Some(&mut d.segment),
            "potential" => Some(&mut d.potential),
            "lifecycle" => Some(&mut d.lifecycle),
            "region" => Some(&mut d.region),
            "country" => Some(&mut d.country),
            "city" => Some(&mut d.city),
            "district" => Some(&mut d.district),
            "website" => Some(&mut d.website),
            "phone" => Some(&mut d.phone),
            "email" => Some(&mut d.email),
            "notes" => Some(&mut d.notes),
            _ => None,
        };
        if let Some(slot) = slot {
            if let Some(val) = patch_text(&mut e, k, v) {
                *slot = val;
            }
            continue;
        }
        match k.as_str() {
            "annual_revenue" => {
                if let Some(val) = patch_amount(&mut e, k, v) {
                    d.annual_revenue = val;
                }
            }
            "parent_id" => {
                if let Some(val) = patch_id(&mut e, k, v) {
                    d.parent_id = val;
                }
            }
            "owner_id" => {
                if let Some(val) = patch_id(&mut e, k, v) {
                    d.owner_id = val;
                }
            }
            "tags" => {
                if let Some(val) = patch_tags(&mut e, k, v) {
                    d.tags = val;
                }
            }
            "version" if need_version => match v.as_i64() {
                Some(n) => version = Some(n),
                None => e.add("version", "invalid_type"),
            },
            "allow_duplicate" if need_version => allow_duplicate = v.as_bool().unwrap_or(false),
            // Read-only fields a client may echo back unchanged.
            "id" | "owner_name" | "parent_name" | "lead_id" | "last_contact_at" | "archived_at" | "created_at"
            | "updated_at"
                if need_version => {}
            _ => e.add(k, "unknown_field"),
        }
    }
    if need_version && version.is_none() && !e.has("version") {
        e.add("version", "required");
    }
    e.into_result((version, allow_duplicate))
}

#[utoipa::path(get, path = "/api/v1/accounts", params(AccountListParams),
    responses((status = 200, body = AccountList), (status = 401), (status = 403), (status = 422)), security(("bearer" = [])))]
async fn list_accounts(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Query(p): Query<AccountListParams>,
) -> Result<Json<AccountList>, ApiError> {
    let q = p.to_query()?;
    let page = app_accounts::list(&s.app, &a, &q).await?;
    let next_cursor = if page.has_next {
        page.accounts.last().map(|x| encode_cursor(&x.row.position(q.sort)))
    } else {
        None
    };
    Ok(Json(AccountList {
        items: page.accounts.iter().map(AccountOut::from).collect(),
        next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/accounts", request_body = AccountIn,
    responses((status = 201, body = AccountOut), (status = 400), (status = 403),
        (status = 409, description = "Similar accounts exist: `duplicates` lists them; send `allow_duplicate: true` to create anyway."),
        (status = 422)), security(("bearer" = [])))]
async fn create_account(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    ApiJson(b): ApiJson<AccountIn>,
) -> Result<(StatusCode, Json<AccountOut>), ApiError> {
    let (d, allow_duplicate) = draft_of(b)?;
    let id = app_accounts::create(&s.app, &a, &d, allow_duplicate)
        .await
        .map_err(ApiError::similar(KIND))?;
    let acc = app_accounts::get(&s.app, &a, id).await?;
    Ok((StatusCode::CREATED, Json(AccountOut::from(&acc))))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = AccountOut), (status = 404)), security(("bearer" = [])))]
async fn get_account(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<AccountOut>, ApiError> {
    Ok(Json(AccountOut::from(&app_accounts::get(&s.app, &a, id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/accounts/{id}", params(("id" = i64, Path)),
    request_body(content = Object, description = "Fields to change plus the `version` read last; `null` clears a field; `allow_duplicate: true` saves even when the change makes it look like another account."),
    responses((status = 200, body = AccountOut), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
async fn patch_account(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<AccountOut>, ApiError> {
    let map = object(body)?;
    let acc = app_accounts::get(&s.app, &a, id).await?;
    let mut d = acc.draft();
    let (version, allow_dup) = apply_patch(&mut d, &map, true)?;
    let version = version.unwrap_or(acc.row.version);
    app_accounts::update(&s.app, &a, id, version, &d, allow_dup)
        .await
        .map_err(ApiError::similar(KIND))?;
    Ok(Json(AccountOut::from(&app_accounts::get(&s.app, &a, id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/accounts/{id}", params(("id" = i64, Path), DeleteParams),
    responses((status = 204), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
async fn delete_account(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    Query(p): Query<DeleteParams>,
) -> Result<StatusCode, ApiError> {
    if matches!(p.hard.as_deref(), Some("true" | "1")) {
        app_accounts::delete_hard(&s.app, &a, id).await?;
    } else {
        let v = match p.version {
            Some(v) => v,
            None => app_accounts::get(&s.app, &a, id).await?.row.version,
        };
        app_accounts::set_archived(&s.app, &a, id, v, true).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/restore", params(("id" = i64, Path)),
    responses((status = 200, body = AccountOut), (status = 403), (status = 404)), security(("bearer" = [])))]
async fn restore_account(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<AccountOut>, ApiError> {
    let v = app_accounts::get(&s.app, &a, id).await?.row.version;
    app_accounts::set_archived(&s.app, &a, id, v, false).await?;
    Ok(Json(AccountOut::from(&app_accounts::get(&s.app, &a, id).await?)))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/history", params(("id" = i64, Path)),
    responses((status = 200, body = HistoryList), (status = 404)), security(("bearer" = [])))]
async fn account_history(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<HistoryList>, ApiError> {
    Ok(Json(HistoryList::from_rows(
        app_accounts::history(&s.app, &a, id, 1000).await?,
    )))
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
    Ok(Json(ContactItems {
        items: people.iter().map(ContactOut::from).collect(),
    }))
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
    /// Direct subsidiaries the caller may see, by name (at most 200).
    pub items: Vec<AccountOut>,
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
    Ok(Json(SubsidiaryList {
        items: items.iter().map(AccountOut::from).collect(),
        totals: SubsidiaryTotals {
            count: totals.n,
            annual_revenue: totals.revenue.map(amount_out),
        },
    }))
}

/// Merge `merged_id` into this account (the survivor).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountMergeIn {
    /// The account that goes away (archived; its contacts, addresses, subsidiaries, leads, tags
    /// and history move to the survivor).
    pub merged_id: i64,
    /// The survivor's version as read.
    pub version: i64,
    /// The merged account's version as read.
    pub merged_version: i64,
    /// Field values picked for the survivor, like a PATCH body without `version`. Fields left
    /// out keep the survivor's value, or take the merged account's where the survivor has none.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Option<Map<String, Value>>,
}

/// The survivor's draft with its empty fields filled from the merged account's.
pub(super) fn fill_from(survivor: &AccountDraft, merged: &AccountDraft) -> AccountDraft {
    let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
    AccountDraft {
        kind: pick(&survivor.kind, &merged.kind),
        name: pick(&survivor.name, &merged.name),
        tax_office: pick(&survivor.tax_office, &merged.tax_office),
        tax_number: pick(&survivor.tax_number, &merged.tax_number),
        national_id: pick(&survivor.national_id, &merged.national_id),
        sector: pick(&survivor.sector, &merged.sector),
        customer_class: pick(&survivor.customer_class, &merged.customer_class),
        segment: pick(&survivor.segment, &merged.segment),
        potential: pick(&survivor.potential, &merged.potential),
        annual_revenue: pick(&survivor.annual_revenue, &merged.annual_revenue),
        lifecycle: pick(&survivor.lifecycle, &merged.lifecycle),
        parent_id: survivor.parent_id.or(merged.parent_id),
        owner_id: survivor.owner_id.or(merged.owner_id),
        region: pick(&survivor.region, &merged.region),
        country: pick(&survivor.country, &merged.country),
        city: pick(&survivor.city, &merged.city),
        district: pick(&survivor.district, &merged.district),
        website: pick(&survivor.website, &merged.website),
        phone: pick(&survivor.phone, &merged.phone),
        email: pick(&survivor.email, &merged.email),
        // The tags of both are kept by the merge itself.
        tags: survivor.tags.clone(),
        notes: pick(&survivor.notes, &merged.notes),
    }
}

#[utoipa::path(post, path = "/api/v1/accounts/{id}/merge", params(("id" = i64, Path, description = "The survivor")),
    request_body = AccountMergeIn,
    responses((status = 200, body = AccountOut, description = "The survivor after the merge"), (status = 403), (status = 404),
        (status = 409), (status = 422)), security(("bearer" = [])))]
async fn merge_accounts(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AccountMergeIn>,
) -> Result<Json<AccountOut>, ApiError> {
    let survivor = app_accounts::get(&s.app, &a, id).await?;
    // Reading the merged account here (rather than in the merge) only serves the defaults; the
    // merge checks rights and versions again inside.
    let merged = app_accounts::get(&s.app, &a, b.merged_id).await.map_err(|e| match e {
        kervan_app::AppError::NotFound => kervan_app::AppError::field("merged_id", "invalid_choice").into(),
        other => ApiError::App(other),
    })?;
    let mut d = fill_from(&survivor.draft(), &merged.draft());
    if let Some(fields) = &b.fields {
        apply_patch(&mut d, fields, false)?;
    }
    app_accounts::merge(&s.app, &a, id, b.version, b.merged_id, b.merged_version, &d).await?;
    Ok(Json(AccountOut::from(&app_accounts::get(&s.app, &a, id).await?)))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_accounts,
        create_account,
        get_account,
        patch_account,
        delete_account,
        restore_account,
        account_history,
        account_contacts,
        list_addresses,
        create_address,
        patch_address,
        delete_address,
        subsidiaries,
        merge_accounts
    ),
    components(schemas(
        AccountOut,
        AccountIn,
        AccountList,
        AddressOut,
        AddressIn,
        AddressList,
        SubsidiaryTotals,
        SubsidiaryList,
        AccountMergeIn
    ))
)]
pub(super) struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_reads_amounts_and_refuses_unknown_fields() {
        let mut d = AccountDraft::default();
        let body: Map<String, Value> =
            serde_json::from_str(r#"{"version": 2, "annual_revenue": 1250000.5, "colour": 1}"#).unwrap();
        let e = apply_patch(&mut d, &body, true).unwrap_err();
        assert!(e.has("colour") && !e.has("version"));
        let body: Map<String, Value> =
            serde_json::from_str(r#"{"version": 2, "annual_revenue": 12.345, "city": null}"#).unwrap();
        assert_eq!(apply_patch(&mut d, &body, true).unwrap(), (Some(2), false));
        // three decimals stay three decimals: refused by the domain, never read as 12.345 lira
        assert_eq!(d.annual_revenue.as_deref(), Some("12,345"));
        let body: Map<String, Value> = serde_json::from_str(r#"{"annual_revenue": true}"#).unwrap();
        assert!(apply_patch(&mut d, &body, false).unwrap_err().has("annual_revenue"));
        // merge fields carry no version, and read-only fields are not fields to pick
        let body: Map<String, Value> = serde_json::from_str(r#"{"id": 3}"#).unwrap();
        assert!(apply_patch(&mut d, &body, false).unwrap_err().has("id"));
    }

    #[test]
    fn amounts_go_out_with_a_decimal_point() {
        assert_eq!(amount_out(125_000_050), "1250000.50");
        assert_eq!(amount_out(5), "0.05");
        assert_eq!(
            kervan_core::Money::parse(&amount_out(125_000_050)).map(|m| m.kurus()),
            Ok(125_000_050)
        );
    }

    #[test]
    fn list_filters_are_checked() {
        let p = AccountListParams {
            kind: "firm".into(),
            lifecycle: "dead".into(),
            sort: "-price".into(),
            limit: "201".into(),
            owner_id: "x".into(),
            ..Default::default()
        };
        let e = p.to_query().unwrap_err();
        for f in ["kind", "lifecycle", "sort", "limit", "owner_id"] {
            assert!(e.has(f), "{f}");
        }
        let q = AccountListParams {
            sort: "-created_at".into(),
            include_passive: "1".into(),
            ..Default::default()
        }
        .to_query()
        .unwrap();
        assert!(q.include_passive && q.desc && q.sort == SortKey::Created);
    }
}
