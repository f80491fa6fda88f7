//! The record kit's JSON API: for every kind `GET/POST /api/v1/{kind}`, `GET/PATCH/DELETE
//! /api/v1/{kind}/{id}`, `…/restore`, `…/history`; the meta endpoint with custom field
//! definitions; saved views. Shapes follow the declaration: money as lira strings
//! (`"1250.50"`), dates `YYYY-MM-DD`, moments RFC 3339, phones E.164, custom values in `custom`.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value as Json_, json};

use kervan_app::custom_fields::{self as app_fields, FieldInput, OptionInput};
use kervan_app::lists::{self, encode_cursor};
use kervan_app::records::{self as app_records, Record, WriteOptions};
use kervan_app::views::{self as app_views, View, ViewInput};
use kervan_app::{AppError, registry};
use kervan_core::FieldErrors;
use kervan_core::permissions::Action;
use kervan_core::record::{CustomDef, FieldType, Input, Inputs, Kind, Value};
use kervan_core::time::rfc3339;

use super::KitPages;
use crate::AppState;
use crate::api::{ApiError, ApiJson, ApiUser, amount_out};
use crate::i18n::{I18n, Lang};

/// Every API route of a kind.
pub fn routes<K: KitPages>() -> Router<AppState> {
    let k = K::api_path();
    Router::new()
        .route(&format!("/api/v1/{k}"), get(list::<K>).post(create::<K>))
        .route(
            &format!("/api/v1/{k}/{{id}}"),
            get(read::<K>).patch(patch::<K>).delete(delete::<K>),
        )
        .route(&format!("/api/v1/{k}/{{id}}/restore"), post(restore::<K>))
        .route(&format!("/api/v1/{k}/{{id}}/history"), get(history::<K>))
        .merge(if kervan_app::timeline::has_timeline(K::KIND) {
            Router::new().route(&format!("/api/v1/{k}/{{id}}/timeline"), get(super::timeline::api::<K>))
        } else {
            Router::new()
        })
        .merge(if K::KIND.merge {
            Router::new().route(&format!("/api/v1/{k}/{{id}}/merge"), post(merge::<K>))
        } else {
            Router::new()
        })
}

/// The meta endpoint, custom field definitions and saved views (kind-agnostic).
pub fn shared_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/meta/{kind}", get(meta))
        .route("/api/v1/meta/{kind}/fields", post(field_create))
        .route(
            "/api/v1/meta/{kind}/fields/{key}",
            get(field_get).patch(field_patch).delete(field_delete),
        )
        .route("/api/v1/views", get(views_list).post(view_create))
        .route(
            "/api/v1/views/{id}",
            get(view_get).patch(view_patch).delete(view_delete),
        )
}

fn lang(h: &HeaderMap) -> I18n {
    I18n::new(Lang::from_accept(
        h.get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    ))
}

/// A value as JSON in the API.
pub fn json_of(v: &Value) -> Json_ {
    match v {
        Value::Money(m) => json!(amount_out(m.kurus())),
        Value::Number(n) | Value::Percent(n) => json!(n.get()),
        Value::Bool(b) => json!(b),
        Value::User(i) | Value::Ref(i) => json!(i),
        Value::Multi(v) | Value::Tags(v) => json!(v),
        Value::DateTime(ms) => json!(rfc3339(*ms)),
        other => json!(other.canonical()),
    }
}

/// The values of a record not stored yet (a conversion's preview): each set field by its key,
/// tags always (an empty list when none); `skip` leaves keys out.
pub fn values_json(kind: &Kind, values: &kervan_core::record::Values, skip: &[&str]) -> Json_ {
    let mut o = Map::new();
    for f in kind.fields.iter().filter(|f| !skip.contains(&f.key)) {
        match values.get(f.key) {
            Some(v) => {
                o.insert(f.key.to_string(), json_of(v));
            }
            None if f.ty == FieldType::Tags => {
                o.insert(f.key.to_string(), json!([]));
            }
            None => {}
        }
    }
    Json_::Object(o)
}

/// A value as the API writes it, serialized straight into the answer.
struct ValueOut<'a>(&'a Value);

impl serde::Serialize for ValueOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Money(m) => s.serialize_str(&amount_out(m.kurus())),
            Value::Number(n) | Value::Percent(n) => s.serialize_f64(n.get()),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::User(i) | Value::Ref(i) => s.serialize_i64(*i),
            Value::Multi(v) | Value::Tags(v) => v.serialize(s),
            Value::DateTime(ms) => s.serialize_str(&rfc3339(*ms)),
            other => s.serialize_str(&other.canonical()),
        }
    }
}

/// A record as the API returns it: every declared field (references with their names, the
/// owner's name), `custom`, the bookkeeping and the module's extra fields. Written straight into
/// the answer (a list of fifty is built without an intermediate document).
pub struct RecordOut<'a, K> {
    pub rec: &'a Record,
    pub defs: &'a [CustomDef],
    kit: std::marker::PhantomData<K>,
}

impl<'a, K: KitPages> RecordOut<'a, K> {
    pub fn new(rec: &'a Record, defs: &'a [CustomDef]) -> Self {
        RecordOut {
            rec,
            defs,
            kit: std::marker::PhantomData,
        }
    }
}

/// The custom values of a record (active fields only).
struct CustomOut<'a>(&'a Record, &'a [CustomDef]);

impl serde::Serialize for CustomOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        for d in self.1.iter().filter(|d| d.active) {
            if let Some(v) = self.0.custom.get(&d.key) {
                m.serialize_entry(&d.key, &ValueOut(v))?;
            }
        }
        m.end()
    }
}

impl<K: KitPages> serde::Serialize for RecordOut<'_, K> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (kind, rec) = (K::KIND, self.rec);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &rec.id)?;
        m.serialize_entry("name", &K::name(&rec.values))?;
        // Hidden fields are the module's to give (`api_extra`), in their own shape.
        for f in kind.fields.iter().filter(|f| !f.hidden) {
            match rec.values.get(f.key) {
                Some(v) => m.serialize_entry(f.key, &ValueOut(v))?,
                None if f.ty == FieldType::Tags => m.serialize_entry(f.key, &[] as &[String])?,
                None => m.serialize_entry(f.key, &())?,
            }
            if f.ty == FieldType::Reference {
                let name_key = format!("{}_name", f.key.trim_end_matches("_id"));
                m.serialize_entry(&name_key, &rec.ref_names.get(f.key))?;
            }
        }
        if kind.owned {
            m.serialize_entry("owner_name", &rec.owner_name)?;
        }
        m.serialize_entry("custom", &CustomOut(rec, self.defs))?;
        if kervan_core::record::next_step_of(kind).is_some() {
            m.serialize_entry("next_step_at", &rec.next_step.map(rfc3339))?;
        }
        m.serialize_entry("archived_at", &rec.archived_at.map(rfc3339))?;
        m.serialize_entry("created_at", &rfc3339(rec.created_at))?;
        m.serialize_entry("updated_at", &rfc3339(rec.updated_at))?;
        m.serialize_entry("version", &rec.version)?;
        let mut extra = Map::new();
        K::api_extra(rec, &mut extra);
        for (k, v) in &extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A record as the API returns it, as a JSON document (for answers that add to it).
pub fn record_json<K: KitPages>(rec: &Record, defs: &[CustomDef]) -> Json_ {
    serde_json::to_value(RecordOut::<K>::new(rec, defs)).unwrap_or(Json_::Null)
}

/// Reads a body into the kit's inputs: writable fields by key, `custom`, and the write's own
/// keys (`allow_duplicate`, `version`); anything else is `unknown_field`.
fn inputs_of(kind: &Kind, body: Json_, need_version: bool) -> Result<(Inputs, bool, Option<i64>), ApiError> {
    let Json_::Object(map) = body else {
        return Err(ApiError::Unprocessable("expected a JSON object".into()));
    };
    let mut inputs = Inputs::default();
    let mut e = FieldErrors::new();
    let mut allow = false;
    let mut version = None;
    for (k, v) in map {
        match k.as_str() {
            "allow_duplicate" => allow = v.as_bool().unwrap_or(false),
            "version" if need_version => match v.as_i64() {
                Some(n) => version = Some(n),
                None => e.add("version", "invalid_type"),
            },
            "custom" => match v {
                Json_::Object(c) => {
                    for (ck, cv) in c {
                        inputs.custom.insert(ck, Input::from_json(&cv));
                    }
                }
                Json_::Null => {}
                _ => e.add("custom", "invalid_type"),
            },
            _ if kind.field(&k).is_some_and(|f| f.writable && !json_fits(f.ty, &v)) => e.add(&k, "invalid_type"),
            _ if kind.field(&k).is_some_and(|f| f.writable) => {
                inputs.fields.insert(k, Input::from_json(&v));
            }
            // What a read returned and a client may send back unchanged.
            _ if read_only(kind, &k) => {}
            _ => e.add(&k, "unknown_field"),
        }
    }
    if need_version && version.is_none() && !e.has("version") {
        e.add("version", "required");
    }
    if e.is_empty() {
        Ok((inputs, allow, version))
    } else {
        Err(e.into())
    }
}

/// Whether a JSON value has a shape the field takes. Forms send everything as text, JSON has
/// types: an id is a number and a list is an array (`"1"` or `"a"` there is a client's mistake to
/// name, not to guess at); `null` clears any field.
fn json_fits(ty: FieldType, v: &Json_) -> bool {
    match ty {
        _ if v.is_null() => true,
        FieldType::User | FieldType::Reference => v.is_i64(),
        FieldType::Tags | FieldType::MultiChoice => v.is_array(),
        FieldType::Bool => v.is_boolean(),
        FieldType::Money | FieldType::Number | FieldType::Percent => v.is_number() || v.is_string(),
        _ => v.is_string(),
    }
}

/// Keys of a record as read that no one writes: the bookkeeping, system fields (`converted_at`),
/// the names shown beside owners and references.
fn read_only(kind: &Kind, key: &str) -> bool {
    const BOOKKEEPING: &[&str] = &[
        "id",
        "name",
        "owner_name",
        "archived_at",
        "created_at",
        "updated_at",
        "next_step_at",
    ];
    BOOKKEEPING.contains(&key)
        || kind.field(key).is_some()
        || key
            .strip_suffix("_name")
            .and_then(|base| kind.field(&format!("{base}_id")))
            .is_some_and(|f| f.ty == FieldType::Reference)
}

fn similar(kind: &'static Kind) -> impl Fn(AppError) -> ApiError {
    move |e| match e {
        AppError::Duplicate(items) => ApiError::Similar {
            kind: kind.entity,
            items,
        },
        other => ApiError::App(other),
    }
}

async fn defs_of(s: &AppState, kind: &'static Kind) -> Result<std::sync::Arc<Vec<CustomDef>>, ApiError> {
    Ok(app_records::defs(&s.app, kind).await?)
}

pub(crate) async fn one<K: KitPages>(s: &AppState, a: &kervan_app::Actor, id: i64) -> Result<Json_, ApiError> {
    let rec = app_records::get::<K>(&s.app, a, id).await?;
    let defs = defs_of(s, K::KIND).await?;
    Ok(record_json::<K>(&rec, &defs))
}

async fn list<K: KitPages>(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<axum::response::Response, ApiError> {
    let kind = K::KIND;
    a.require(kind.module, Action::View)?;
    let defs = defs_of(&s, kind).await?;
    let live: Vec<CustomDef> = defs.iter().filter(|d| d.active).cloned().collect();
    let view = match pairs.iter().find(|(k, _)| k == "view") {
        Some((_, v)) => {
            let id: i64 = v.trim().parse().map_err(|_| {
                let mut e = FieldErrors::new();
                e.add("view", "invalid_number");
                ApiError::from(e)
            })?;
            let view = app_views::get(&s.app, &a, id).await?;
            if view.row.kind != kind.key {
                return Err(ApiError::App(AppError::NotFound));
            }
            Some(view)
        }
        None => None,
    };
    let mut all: Vec<(String, String)> = view.map(|v| v.params()).unwrap_or_default();
    for (k, v) in pairs.into_iter().filter(|(k, _)| k != "view") {
        all.retain(|(pk, _)| *pk != k);
        all.push((k, v));
    }
    let spec = lists::parse::<K>(s.app.db.conn.get_database_backend(), &live, &all, 50, 200)?;
    let page = app_records::list_kind(&s.app, &a, kind, &defs, &spec.query).await?;
    let next = page
        .records
        .last()
        .filter(|_| page.has_next)
        .map(|r| encode_cursor(&r.position(&spec.sort)));
    let items: Vec<RecordOut<K>> = page.records.iter().map(|r| RecordOut::new(r, &defs)).collect();
    #[derive(serde::Serialize)]
    #[serde(bound = "")]
    struct ListOut<'a, K: KitPages> {
        items: Vec<RecordOut<'a, K>>,
        next_cursor: Option<String>,
    }
    let body = serde_json::to_vec(&ListOut {
        items,
        next_cursor: next,
    })
    .map_err(|e| ApiError::App(AppError::Internal(e.to_string())))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn create<K: KitPages>(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    ApiJson(mut body): ApiJson<Json_>,
) -> Result<(StatusCode, Json<Json_>), ApiError> {
    let kind = K::KIND;
    K::api_input(&mut body);
    let (inputs, allow, _) = inputs_of(kind, body, false)?;
    let opts = WriteOptions { allow_duplicate: allow };
    let id = app_records::create::<K>(&s.app, &a, &inputs, &opts)
        .await
        .map_err(similar(kind))?;
    Ok((StatusCode::CREATED, Json(one::<K>(&s, &a, id).await?)))
}

async fn read<K: KitPages>(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Json_>, ApiError> {
    Ok(Json(one::<K>(&s, &a, id).await?))
}

async fn patch<K: KitPages>(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    ApiJson(mut body): ApiJson<Json_>,
) -> Result<Json<Json_>, ApiError> {
    let kind = K::KIND;
    // Someone else's record is 404 before anything about the body is said.
    app_records::get::<K>(&s.app, &a, id).await?;
    K::api_input(&mut body);
    let (inputs, allow, version) = inputs_of(kind, body, true)?;
    let opts = WriteOptions { allow_duplicate: allow };
    app_records::update::<K>(&s.app, &a, id, version.unwrap_or(0), &inputs, &opts)
        .await
        .map_err(similar(kind))?;
    Ok(Json(one::<K>(&s, &a, id).await?))
}

#[derive(Deserialize, Default)]
struct DeleteParams {
    #[serde(default)]
    hard: Option<String>,
    #[serde(default)]
    version: Option<i64>,
}

async fn delete<K: KitPages>(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    Query(p): Query<DeleteParams>,
) -> Result<StatusCode, ApiError> {
    if p.hard
        .as_deref()
        .is_some_and(|h| matches!(h.trim(), "1" | "true" | "yes" | "on"))
    {
        if !K::hard_delete() {
            return Err(AppError::field("status", "never_deleted").into());
        }
        app_records::delete_hard::<K>(&s.app, &a, id).await?;
    } else {
        let rec = app_records::get::<K>(&s.app, &a, id).await?;
        let v = p.version.unwrap_or(rec.version);
        app_records::set_archived::<K>(&s.app, &a, id, v, true).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn restore<K: KitPages>(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    Query(p): Query<DeleteParams>,
) -> Result<Json<Json_>, ApiError> {
    let rec = app_records::get::<K>(&s.app, &a, id).await?;
    let v = p.version.unwrap_or(rec.version);
    app_records::set_archived::<K>(&s.app, &a, id, v, false).await?;
    Ok(Json(one::<K>(&s, &a, id).await?))
}

async fn history<K: KitPages>(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Json_>, ApiError> {
    let rows = app_records::history::<K>(&s.app, &a, id, 1000).await?;
    Ok(Json(json!({"items": app_records::history_json(&rows)})))
}

/// A merge into record `id` (the survivor): `{merged_id, version, merged_version, take?: [keys],
/// fields?: {…}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeIn {
    merged_id: i64,
    version: i64,
    merged_version: i64,
    /// Fields (`custom.KEY` for custom ones) the survivor takes from the merged record; the others
    /// keep the survivor's value, or take the merged record's where the survivor has none.
    #[serde(default)]
    take: Option<Vec<String>>,
    /// Values for the survivor, like a PATCH body without `version`.
    #[serde(default)]
    fields: Option<Map<String, Json_>>,
}

async fn merge<K: KitPages>(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<MergeIn>,
) -> Result<Json<Json_>, ApiError> {
    let kind = K::KIND;
    // Someone else's record is 404 before anything about the body is said; a merged record the
    // caller cannot see is a wrong choice of the body.
    app_records::get::<K>(&s.app, &a, id).await?;
    app_records::get::<K>(&s.app, &a, b.merged_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound => AppError::field("merged_id", "invalid_choice"),
            other => other,
        })?;
    let take = b.take.unwrap_or_default();
    let mut e = FieldErrors::new();
    let defs = defs_of(&s, kind).await?;
    for key in &take {
        let known = match key.strip_prefix("custom.") {
            Some(ck) => defs.iter().any(|d| d.key == ck),
            None => kind.field(key).is_some_and(|f| f.writable),
        };
        if !known {
            e.add(&format!("take.{key}"), "unknown_field");
        }
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let overrides = match b.fields {
        Some(f) => inputs_of(kind, Json_::Object(f), false)?.0,
        None => Inputs::default(),
    };
    app_records::merge::<K>(
        &s.app,
        &a,
        (id, b.version),
        (b.merged_id, b.merged_version),
        &take,
        &overrides,
    )
    .await?;
    Ok(Json(one::<K>(&s, &a, id).await?))
}

// ---- meta and custom fields ----------------------------------------------------------------

fn kind_entry(kind: &str) -> Result<registry::Entry, ApiError> {
    registry::entry(kind).ok_or(ApiError::App(AppError::NotFound))
}

fn def_json(d: &CustomDef) -> Json_ {
    json!({
        "key": d.key, "type": d.ty.api_name(), "label": d.label, "required": d.required,
        "options": d.options, "filterable": d.filterable, "searchable": d.searchable, "sortable": d.sortable,
        "position": d.position, "active": d.active,
        "index_ready": lists::custom_filter_ready(d) || !d.filterable,
    })
}

async fn meta(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    headers: HeaderMap,
    Path(kind): Path<String>,
) -> Result<Json<Json_>, ApiError> {
    let e = kind_entry(&kind)?;
    let k = e.kind;
    a.require(k.module, Action::View)?;
    let t = lang(&headers);
    let mut fields: Vec<Json_> = k
        .fields
        .iter()
        .map(|f| {
            let mut o = json!({
                "key": f.key, "type": f.ty.api_name(), "label": t.t(&k.label_id(f.key)),
                "required": f.required, "filterable": f.filter, "sortable": f.sort || k.sort(f.key).is_some(),
                "custom": false, "writable": f.writable,
            });
            if !f.options.is_empty() {
                o["options"] = f
                    .options
                    .iter()
                    .map(|op| json!({"key": op, "label": t.t(&k.option_id(f.key, op))}))
                    .collect();
            }
            if f.max > 0 && matches!(f.ty, FieldType::Text | FieldType::LongText) {
                o["max_length"] = json!(f.max);
            }
            match f.ty {
                FieldType::Vkn => o["format"] = json!("vkn"),
                FieldType::Tckn => o["format"] = json!("tckn"),
                FieldType::Reference => o["reference"] = json!(f.refers),
                _ => {}
            }
            o
        })
        .collect();
    for d in app_fields::list(&s.app, &a, &kind).await?.iter().filter(|d| d.active) {
        let mut o = json!({
            "key": format!("custom.{}", d.key), "type": d.ty.api_name(), "label": d.label,
            "required": d.required, "filterable": lists::custom_filter_ready(d),
            "sortable": lists::custom_sortable(d) && d.index_state == "ready", "custom": true, "writable": true,
        });
        if !d.options.is_empty() {
            o["options"] = d
                .options
                .iter()
                .filter(|op| op.active)
                .map(|op| json!({"key": op.key, "label": op.label}))
                .collect();
        }
        fields.push(o);
    }
    Ok(Json(json!({"kind": k.key, "fields": fields})))
}

fn field_input(body: Json_) -> Result<FieldInput, ApiError> {
    let Json_::Object(m) = body else {
        return Err(ApiError::Unprocessable("expected a JSON object".into()));
    };
    let mut e = FieldErrors::new();
    let mut f = FieldInput::default();
    let text = |e: &mut FieldErrors, k: &str, v: &Json_| match v {
        Json_::String(s) => Some(s.clone()),
        _ => {
            e.add(k, "invalid_type");
            None
        }
    };
    let flag = |e: &mut FieldErrors, k: &str, v: &Json_| match v {
        Json_::Bool(b) => Some(*b),
        _ => {
            e.add(k, "invalid_type");
            None
        }
    };
    for (k, v) in m {
        match k.as_str() {
            "label" => f.label = text(&mut e, &k, &v),
            "type" => f.ty = text(&mut e, &k, &v),
            "required" => f.required = flag(&mut e, &k, &v),
            "filterable" => f.filterable = flag(&mut e, &k, &v),
            "searchable" => f.searchable = flag(&mut e, &k, &v),
            "sortable" => f.sortable = flag(&mut e, &k, &v),
            "active" => f.active = flag(&mut e, &k, &v),
            "position" => match v.as_i64() {
                Some(n) => f.position = Some(n),
                None => e.add(&k, "invalid_type"),
            },
            "options" => match v {
                Json_::Array(items) => {
                    let mut out = Vec::new();
                    for it in items {
                        match it {
                            Json_::String(l) => out.push(OptionInput {
                                key: None,
                                label: l,
                                active: true,
                            }),
                            Json_::Object(o) => out.push(OptionInput {
                                key: o.get("key").and_then(Json_::as_str).map(str::to_string),
                                label: o.get("label").and_then(Json_::as_str).unwrap_or("").to_string(),
                                active: o.get("active").and_then(Json_::as_bool).unwrap_or(true),
                            }),
                            _ => e.add("options", "invalid_type"),
                        }
                    }
                    f.options = Some(out);
                }
                _ => e.add("options", "invalid_type"),
            },
            other => e.add(other, "unknown_field"),
        }
    }
    if e.is_empty() { Ok(f) } else { Err(e.into()) }
}

async fn field_create(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(kind): Path<String>,
    ApiJson(body): ApiJson<Json_>,
) -> Result<(StatusCode, Json<Json_>), ApiError> {
    kind_entry(&kind)?;
    let input = field_input(body)?;
    let d = app_fields::create(&s.app, &a, &kind, &input).await?;
    Ok((StatusCode::CREATED, Json(def_json(&d))))
}

async fn field_get(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path((kind, key)): Path<(String, String)>,
) -> Result<Json<Json_>, ApiError> {
    kind_entry(&kind)?;
    Ok(Json(def_json(&app_fields::get(&s.app, &a, &kind, &key).await?)))
}

async fn field_patch(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path((kind, key)): Path<(String, String)>,
    ApiJson(body): ApiJson<Json_>,
) -> Result<Json<Json_>, ApiError> {
    kind_entry(&kind)?;
    let input = field_input(body)?;
    Ok(Json(def_json(
        &app_fields::update(&s.app, &a, &kind, &key, &input).await?,
    )))
}

async fn field_delete(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path((kind, key)): Path<(String, String)>,
) -> Result<Json<Json_>, ApiError> {
    kind_entry(&kind)?;
    Ok(Json(def_json(&app_fields::deactivate(&s.app, &a, &kind, &key).await?)))
}

// ---- views -----------------------------------------------------------------------------------

fn view_json(v: &View) -> Json_ {
    json!({
        "id": v.row.id, "kind": v.row.kind, "name": v.row.name, "filters": v.filters, "columns": v.columns,
        "sort": v.row.sort, "shared": v.row.shared, "owner_id": v.row.owner_id, "owner_name": v.row.owner_name,
        "created_at": rfc3339(v.row.created_at), "updated_at": rfc3339(v.row.updated_at), "version": v.row.version,
    })
}

fn view_input(body: Json_) -> Result<(ViewInput, Option<String>), ApiError> {
    let Json_::Object(m) = body else {
        return Err(ApiError::Unprocessable("expected a JSON object".into()));
    };
    let mut e = FieldErrors::new();
    let mut v = ViewInput::default();
    let mut kind = None;
    for (k, val) in m {
        match (k.as_str(), val) {
            ("kind", Json_::String(s)) => kind = Some(s),
            ("name", Json_::String(s)) => v.name = Some(s),
            ("sort", Json_::String(s)) => v.sort = Some(s),
            ("shared", Json_::Bool(b)) => v.shared = Some(b),
            ("filters", Json_::Object(f)) => {
                let mut out = BTreeMap::new();
                for (fk, fv) in f {
                    match fv {
                        Json_::String(s) => {
                            out.insert(fk, s);
                        }
                        Json_::Number(n) => {
                            out.insert(fk, n.to_string());
                        }
                        Json_::Bool(b) => {
                            out.insert(fk, b.to_string());
                        }
                        _ => e.add(&format!("filters.{fk}"), "invalid_type"),
                    }
                }
                v.filters = Some(out);
            }
            ("columns", Json_::Array(cols)) => {
                let c: Option<Vec<String>> = cols.iter().map(|x| x.as_str().map(str::to_string)).collect();
                match c {
                    Some(c) => v.columns = Some(c),
                    None => e.add("columns", "invalid_type"),
                }
            }
            ("id" | "owner_id" | "owner_name" | "created_at" | "updated_at" | "version", _) => {}
            ("kind" | "name" | "sort" | "shared" | "filters" | "columns", _) => e.add(&k, "invalid_type"),
            (other, _) => e.add(other, "unknown_field"),
        }
    }
    if e.is_empty() { Ok((v, kind)) } else { Err(e.into()) }
}

#[derive(Deserialize)]
struct KindParam {
    #[serde(default)]
    kind: String,
}

async fn views_list(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Query(p): Query<KindParam>,
) -> Result<Json<Json_>, ApiError> {
    let mut items = Vec::new();
    let kinds: Vec<&str> = if p.kind.trim().is_empty() {
        kervan_core::kinds::ALL.iter().map(|k| k.key).collect()
    } else {
        vec![p.kind.trim()]
    };
    for k in kinds {
        kind_entry(k)?;
        match app_views::list(&s.app, &a, k).await {
            Ok(vs) => items.extend(vs.iter().map(view_json)),
            Err(AppError::Forbidden { .. }) if p.kind.trim().is_empty() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Json(json!({"items": items})))
}

async fn view_create(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    ApiJson(body): ApiJson<Json_>,
) -> Result<(StatusCode, Json<Json_>), ApiError> {
    let (input, kind) = view_input(body)?;
    let Some(kind) = kind else {
        let mut e = FieldErrors::new();
        e.add("kind", "required");
        return Err(e.into());
    };
    if registry::entry(&kind).is_none() {
        let mut e = FieldErrors::new();
        e.add("kind", "invalid_choice");
        return Err(e.into());
    }
    let v = app_views::create(&s.app, &a, &kind, &input).await?;
    Ok((StatusCode::CREATED, Json(view_json(&v))))
}

async fn view_get(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Json_>, ApiError> {
    Ok(Json(view_json(&app_views::get(&s.app, &a, id).await?)))
}

async fn view_patch(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Json_>,
) -> Result<Json<Json_>, ApiError> {
    let (input, _) = view_input(body)?;
    Ok(Json(view_json(&app_views::update(&s.app, &a, id, &input).await?)))
}

async fn view_delete(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    app_views::delete(&s.app, &a, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
