//! Contact endpoints: list, create, read, patch, archive/restore, hard delete, history, merge.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{OpenApi, ToSchema};

use kervan_app::contacts::{self as app_contacts, Contact};
use kervan_core::FieldErrors;
use kervan_core::contacts::{BuyingRole, ContactDraft};
use kervan_core::text::fold;
use kervan_core::time::rfc3339;
use kervan_store::contacts::{ContactQuery, SortKey};

use super::accounts::{choice_filter, id_filter, paging, text_query};
use super::{ApiError, ApiJson, ApiUser, DeleteParams, HistoryList, object, patch_id, patch_tags, patch_text, truthy};
use crate::AppState;
use crate::forms::encode_cursor;

const KIND: &str = "contact";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/contacts", get(list_contacts).post(create_contact))
        .route(
            "/api/v1/contacts/{id}",
            get(get_contact).patch(patch_contact).delete(delete_contact),
        )
        .route("/api/v1/contacts/{id}/restore", post(restore_contact))
        .route("/api/v1/contacts/{id}/history", get(contact_history))
        .route("/api/v1/contacts/{id}/merge", post(merge_contacts))
}

/// A contact (a person at a customer) as the API returns it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContactOut {
    pub id: i64,
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    /// `first_name last_name`
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    /// Office line, E.164.
    pub phone: Option<String>,
    /// Internal extension behind `phone`.
    pub extension: Option<String>,
    /// E.164
    pub mobile: Option<String>,
    /// E.164
    pub whatsapp: Option<String>,
    /// `decision_maker`, `economic_buyer`, `technical_evaluator`, `user`, `influencer`, `champion`, `blocker`
    pub buying_role: Option<String>,
    /// `high`, `medium`, `low`
    pub influence: Option<String>,
    /// `new`, `warm`, `strong`, `cold`
    pub relationship: Option<String>,
    pub reports_to_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// The lead this contact was converted from.
    pub lead_id: Option<i64>,
    pub last_contact_at: Option<String>,
    pub archived_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<&Contact> for ContactOut {
    fn from(c: &Contact) -> Self {
        let name = c.name();
        let r = c.row.clone();
        ContactOut {
            id: r.id,
            account_id: r.account_id,
            account_name: r.account_name,
            name,
            first_name: r.first_name,
            last_name: r.last_name,
            title: r.title,
            department: r.department,
            email: r.email,
            phone: r.phone,
            extension: r.extension,
            mobile: r.mobile,
            whatsapp: r.whatsapp,
            buying_role: r.buying_role,
            influence: r.influence,
            relationship: r.relationship,
            reports_to_id: r.reports_to_id,
            owner_id: r.owner_id,
            owner_name: r.owner_name,
            tags: c.tags.clone(),
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

/// A new contact. Required: `first_name`, `last_name`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    /// The customer the person works at (one the caller may see).
    pub account_id: Option<i64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    /// Any Turkish or international form; stored as E.164.
    pub phone: Option<String>,
    /// Digits only, at most 6.
    pub extension: Option<String>,
    pub mobile: Option<String>,
    pub whatsapp: Option<String>,
    pub buying_role: Option<String>,
    pub influence: Option<String>,
    pub relationship: Option<String>,
    /// A person at the same account.
    pub reports_to_id: Option<i64>,
    /// Defaults to the caller.
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// Create even when a contact with the same phone or e-mail exists.
    #[serde(default)]
    pub allow_duplicate: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ContactList {
    pub items: Vec<ContactOut>,
    pub next_cursor: Option<String>,
}

/// Contacts without paging (the people of one account).
#[derive(Serialize, ToSchema)]
pub struct ContactItems {
    pub items: Vec<ContactOut>,
}

/// The filters of the contact list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactListParams {
    /// Free text: names, e-mail, phone (any form), title. Turkish-insensitive.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub account_id: String,
    #[serde(default)]
    pub buying_role: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub tag: String,
    /// `1`/`true`: archived contacts instead.
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

impl ContactListParams {
    pub fn to_query(&self) -> Result<ContactQuery, FieldErrors> {
        let mut e = FieldErrors::new();
        let (terms, phone) = text_query(&mut e, &self.q);
        let (sort, desc, limit, after) = paging(&mut e, &self.sort, &self.limit, &self.cursor);
        let tag = self.tag.trim();
        let q = ContactQuery {
            terms,
            phone,
            account_id: id_filter(&mut e, "account_id", &self.account_id),
            buying_role: choice_filter(
                &mut e,
                "buying_role",
                &self.buying_role,
                BuyingRole::parse,
                BuyingRole::as_str,
            ),
            owner_id: id_filter(&mut e, "owner_id", &self.owner_id),
            tag_key: (!tag.is_empty()).then(|| fold(tag)),
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

/// Applies a JSON merge patch to a contact draft (see the account one).
pub(super) fn apply_patch(
    d: &mut ContactDraft,
    body: &Map<String, Value>,
    need_version: bool,
) -> Result<(Option<i64>, bool), FieldErrors> {
    let mut e = FieldErrors::new();
    let mut version = None;
    let mut allow_duplicate = false;
    for (k, v) in body {
        let slot: Option<&mut Option<String>> = match k.as_str() {
            "first_name" => Some(&mut d.first_name),
            "last_name" => Some(&mut d.last_name),
            "title" => Some(&mut d.title),
            "department" => Some(&mut d.department),
            "email" => Some(&mut d.email),
            "phone" => Some(&mut d.phone),
            "extension" => Some(&mut d.extension),
            "mobile" => Some(&mut d.mobile),
            "whatsapp" => Some(&mut d.whatsapp),
            "buying_role" => Some(&mut d.buying_role),
            "influence" => Some(&mut d.influence),
            "relationship" => Some(&mut d.relationship),
            "notes" => Some(&mut d.notes),
            _ => None,
        };
        if let Some(slot) = slot {
            if let Some(val) = patch_text(&mut e, k, v) {
                *slot = val;
            }
            continue;
        }
        let id_slot: Option<&mut Option<i64>> = match k.as_str() {
            "account_id" => Some(&mut d.account_id),
            "reports_to_id" => Some(&mut d.reports_to_id),
            "owner_id" => Some(&mut d.owner_id),
            _ => None,
        };
        if let Some(slot) = id_slot {
            if let Some(val) = patch_id(&mut e, k, v) {
                *slot = val;
            }
            continue;
        }
        match k.as_str() {
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
            "id" | "name" | "account_name" | "owner_name" | "lead_id" | "last_contact_at" | "archived_at"
            | "created_at" | "updated_at"
                if need_version => {}
            _ => e.add(k, "unknown_field"),
        }
    }
    if need_version && version.is_none() && !e.has("version") {
        e.add("version", "required");
    }
    e.into_result((version, allow_duplicate))
}

#[utoipa::path(get, path = "/api/v1/contacts", params(ContactListParams),
    responses((status = 200, body = ContactList), (status = 401), (status = 403), (status = 422)), security(("bearer" = [])))]
async fn list_contacts(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Query(p): Query<ContactListParams>,
) -> Result<Json<ContactList>, ApiError> {
    let q = p.to_query()?;
    let page = app_contacts::list(&s.app, &a, &q).await?;
    let next_cursor = if page.has_next {
        page.contacts.last().map(|x| encode_cursor(&x.row.position(q.sort)))
    } else {
        None
    };
    Ok(Json(ContactList {
        items: page.contacts.iter().map(ContactOut::from).collect(),
        next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/contacts", request_body = ContactIn,
    responses((status = 201, body = ContactOut), (status = 400), (status = 403),
        (status = 409, description = "A contact with the same phone or e-mail exists: `duplicates` lists it; send `allow_duplicate: true` to create anyway."),
        (status = 422)), security(("bearer" = [])))]
async fn create_contact(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    ApiJson(b): ApiJson<ContactIn>,
) -> Result<(StatusCode, Json<ContactOut>), ApiError> {
    let d = ContactDraft {
        account_id: b.account_id,
        first_name: b.first_name,
        last_name: b.last_name,
        title: b.title,
        department: b.department,
        email: b.email,
        phone: b.phone,
        extension: b.extension,
        mobile: b.mobile,
        whatsapp: b.whatsapp,
        buying_role: b.buying_role,
        influence: b.influence,
        relationship: b.relationship,
        reports_to_id: b.reports_to_id,
        owner_id: b.owner_id,
        tags: b.tags,
        notes: b.notes,
    };
    let id = app_contacts::create(&s.app, &a, &d, b.allow_duplicate)
        .await
        .map_err(ApiError::similar(KIND))?;
    let c = app_contacts::get(&s.app, &a, id).await?;
    Ok((StatusCode::CREATED, Json(ContactOut::from(&c))))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = ContactOut), (status = 404)), security(("bearer" = [])))]
async fn get_contact(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ContactOut>, ApiError> {
    Ok(Json(ContactOut::from(&app_contacts::get(&s.app, &a, id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/contacts/{id}", params(("id" = i64, Path)),
    request_body(content = Object, description = "Fields to change plus the `version` read last; `null` clears a field."),
    responses((status = 200, body = ContactOut), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
async fn patch_contact(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<ContactOut>, ApiError> {
    let map = object(body)?;
    let c = app_contacts::get(&s.app, &a, id).await?;
    let mut d = c.draft();
    let (version, allow_dup) = apply_patch(&mut d, &map, true)?;
    let version = version.unwrap_or(c.row.version);
    app_contacts::update(&s.app, &a, id, version, &d, allow_dup)
        .await
        .map_err(ApiError::similar(KIND))?;
    Ok(Json(ContactOut::from(&app_contacts::get(&s.app, &a, id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/contacts/{id}", params(("id" = i64, Path), DeleteParams),
    responses((status = 204), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
async fn delete_contact(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    Query(p): Query<DeleteParams>,
) -> Result<StatusCode, ApiError> {
    if matches!(p.hard.as_deref(), Some("true" | "1")) {
        app_contacts::delete_hard(&s.app, &a, id).await?;
    } else {
        let v = match p.version {
            Some(v) => v,
            None => app_contacts::get(&s.app, &a, id).await?.row.version,
        };
        app_contacts::set_archived(&s.app, &a, id, v, true).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/restore", params(("id" = i64, Path)),
    responses((status = 200, body = ContactOut), (status = 403), (status = 404)), security(("bearer" = [])))]
async fn restore_contact(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ContactOut>, ApiError> {
    let v = app_contacts::get(&s.app, &a, id).await?.row.version;
    app_contacts::set_archived(&s.app, &a, id, v, false).await?;
    Ok(Json(ContactOut::from(&app_contacts::get(&s.app, &a, id).await?)))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}/history", params(("id" = i64, Path)),
    responses((status = 200, body = HistoryList), (status = 404)), security(("bearer" = [])))]
async fn contact_history(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<HistoryList>, ApiError> {
    Ok(Json(HistoryList::from_rows(
        app_contacts::history(&s.app, &a, id, 1000).await?,
    )))
}

/// Merge `merged_id` into this contact (the survivor).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactMergeIn {
    /// The contact that goes away (archived; people reporting to it, its leads, tags and history
    /// move to the survivor).
    pub merged_id: i64,
    /// The survivor's version as read.
    pub version: i64,
    /// The merged contact's version as read.
    pub merged_version: i64,
    /// Field values picked for the survivor, like a PATCH body without `version`. Fields left
    /// out keep the survivor's value, or take the merged contact's where the survivor has none.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Option<Map<String, Value>>,
}

fn fill_from(survivor: &ContactDraft, merged: &ContactDraft) -> ContactDraft {
    let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
    ContactDraft {
        account_id: survivor.account_id.or(merged.account_id),
        first_name: pick(&survivor.first_name, &merged.first_name),
        last_name: pick(&survivor.last_name, &merged.last_name),
        title: pick(&survivor.title, &merged.title),
        department: pick(&survivor.department, &merged.department),
        email: pick(&survivor.email, &merged.email),
        phone: pick(&survivor.phone, &merged.phone),
        extension: pick(&survivor.extension, &merged.extension),
        mobile: pick(&survivor.mobile, &merged.mobile),
        whatsapp: pick(&survivor.whatsapp, &merged.whatsapp),
        buying_role: pick(&survivor.buying_role, &merged.buying_role),
        influence: pick(&survivor.influence, &merged.influence),
        relationship: pick(&survivor.relationship, &merged.relationship),
        reports_to_id: survivor.reports_to_id.or(merged.reports_to_id),
        owner_id: survivor.owner_id.or(merged.owner_id),
        tags: survivor.tags.clone(),
        notes: pick(&survivor.notes, &merged.notes),
    }
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/merge", params(("id" = i64, Path, description = "The survivor")),
    request_body = ContactMergeIn,
    responses((status = 200, body = ContactOut, description = "The survivor after the merge"), (status = 403), (status = 404),
        (status = 409), (status = 422)), security(("bearer" = [])))]
async fn merge_contacts(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ContactMergeIn>,
) -> Result<Json<ContactOut>, ApiError> {
    let survivor = app_contacts::get(&s.app, &a, id).await?;
    let merged = app_contacts::get(&s.app, &a, b.merged_id).await.map_err(|e| match e {
        kervan_app::AppError::NotFound => kervan_app::AppError::field("merged_id", "invalid_choice").into(),
        other => ApiError::App(other),
    })?;
    let mut d = fill_from(&survivor.draft(), &merged.draft());
    // A merged contact who reported to the survivor must not make the survivor its own manager.
    if d.reports_to_id == Some(id) {
        d.reports_to_id = None;
    }
    if let Some(fields) = &b.fields {
        apply_patch(&mut d, fields, false)?;
    }
    app_contacts::merge(&s.app, &a, id, b.version, b.merged_id, b.merged_version, &d).await?;
    Ok(Json(ContactOut::from(&app_contacts::get(&s.app, &a, id).await?)))
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_contacts,
        create_contact,
        get_contact,
        patch_contact,
        delete_contact,
        restore_contact,
        contact_history,
        merge_contacts
    ),
    components(schemas(ContactOut, ContactIn, ContactList, ContactItems, ContactMergeIn))
)]
pub(super) struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_needs_version_and_known_fields() {
        let mut d = ContactDraft::default();
        let body: Map<String, Value> =
            serde_json::from_str(r#"{"first_name": "Ayşe", "reports_to_id": "x", "colour": 1}"#).unwrap();
        let e = apply_patch(&mut d, &body, true).unwrap_err();
        assert!(e.has("version") && e.has("colour") && e.has("reports_to_id"));
        let body: Map<String, Value> =
            serde_json::from_str(r#"{"version": 4, "account_id": null, "tags": ["A"]}"#).unwrap();
        d.account_id = Some(9);
        assert_eq!(apply_patch(&mut d, &body, true).unwrap(), (Some(4), false));
        assert_eq!(d.account_id, None);
    }

    #[test]
    fn merge_defaults_fill_the_gaps() {
        let s = ContactDraft {
            first_name: Some("Ayşe".into()),
            last_name: Some("Yılmaz".into()),
            ..Default::default()
        };
        let m = ContactDraft {
            first_name: Some("Ayse".into()),
            mobile: Some("+905321234567".into()),
            ..Default::default()
        };
        let d = fill_from(&s, &m);
        assert_eq!(d.first_name.as_deref(), Some("Ayşe"));
        assert_eq!(d.mobile.as_deref(), Some("+905321234567"));
    }
}
