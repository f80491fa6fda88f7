//! The record kit's pages and API: from a kind's declaration come its list (filters, chosen
//! columns, saved views, sort, keyset pages, bulk bar, empty state, phone cards), its form (typed
//! values kept, inline Turkish errors, duplicates, conflicts), its card (header, Genel, the
//! module's tabs, Geçmiş), archive/restore/delete and the JSON API with its OpenAPI schema.
//!
//! A module mounts its kind with [`pages::<K>()`](pages) and [`api::routes::<K>()`](api::routes)
//! and adds what is its own through [`KitPages`]: tabs, header actions, a banner above the tabs,
//! a line under the name, extra JSON.
//!
//! How a new module declares its record kind (Products is the example to copy):
//! 1. `kervan-core/src/<area>.rs`: `pub static KIND: Kind` with its fields, plus the pure rules
//!    and derived keys; list it in `kervan-core/src/kinds.rs`.
//! 2. A migration with the table: a column per field, `sort_name`, `search_key`, `custom`,
//!    `archived_at` and the bookkeeping columns, an index per filter and sort.
//! 3. `kervan-app/src/<area>.rs`: a unit struct implementing `RecordKind` (name, derived keys,
//!    rules; duplicates and checks when it has any); list it in `kervan-app/src/registry.rs`.
//! 4. `kervan-web/src/<area>.rs`: `impl KitPages` (often empty) and the `router()` that merges
//!    `kit::pages::<K>()`; `api::routes::<K>()` in `api/mod.rs`; labels in `locales/*/<area>.ftl`.

use std::collections::HashMap;

use axum::Router;
use axum::routing::{get, post};

use kervan_app::records::{Record, RecordKind};
use kervan_app::{Actor, users as app_users};
use kervan_core::record::{CustomDef, Kind};
use serde_json::{Map, Value as Json};

use crate::AppState;
use crate::error::PageError;
use crate::i18n::I18n;
use crate::tabs::TabSpec;

pub mod api;
pub mod card;
pub mod conditions;
pub mod display;
pub mod export;
pub mod form;
pub mod list;
pub mod merge;
pub mod next_step;
pub mod openapi;
pub mod registry;
pub mod related;
pub mod timeline;

pub use display::Names;

/// Everything a card's parts (tabs, actions, banner) may look at.
pub struct Card {
    pub state: AppState,
    pub actor: Actor,
    pub t: I18n,
    pub csrf: String,
    pub kind: &'static Kind,
    pub rec: Record,
    pub defs: Vec<CustomDef>,
    pub names: Names,
    /// The card's query (`tab`, `ok` …).
    pub query: HashMap<String, String>,
    /// A tab's form that failed, to show again with the typed values and the messages; each tab
    /// downcasts to its own type and ignores the others.
    pub form: Option<Box<dyn std::any::Any + Send + Sync>>,
    /// The module's way of showing its own history events.
    pub history_extra: fn(&I18n, &str, &str) -> Option<display::Shown>,
    /// Facts the module adds to Genel (see [`KitPages::general_extra`]).
    pub general_extra: for<'a> fn(&'a Card) -> Facts<'a>,
}

/// What [`KitPages::general_extra`] answers.
pub type Facts<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Vec<card::Fact>, PageError>> + Send + 'a>>;

impl Card {
    /// The card's own address.
    pub fn base(&self) -> String {
        format!("/{}/{}", self.kind.key, self.rec.id)
    }

    pub fn can(&self, action: kervan_core::permissions::Action) -> bool {
        self.actor.can(self.kind.module, action)
    }

    /// Whether the person may change this record and what hangs off it (addresses …).
    pub fn can_edit(&self) -> bool {
        self.can(kervan_core::permissions::Action::Edit) && !self.rec.is_archived()
    }
}

/// What [`KitPages::ref_choices`] answers: `(id, label)` of each record that may be picked.
pub type RefChoices<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<Vec<(i64, String)>>, PageError>> + Send + 'a>>;

/// A button or link in a card's header.
pub struct HeaderAction {
    pub id: String,
    pub label: String,
    pub href: String,
    pub primary: bool,
}

/// What a module adds to the kit's pages for its kind.
pub trait KitPages: RecordKind {
    /// Tabs of the card besides Genel (order 10) and Geçmiş (order 90).
    fn tabs() -> Vec<TabSpec<Card>> {
        vec![]
    }

    /// Links in the list's header to other views of the kind (a board, a forecast).
    fn list_links(_t: &I18n) -> Vec<(&'static str, String)> {
        vec![]
    }

    /// Buttons of the card header before Düzenle.
    fn actions(_card: &Card) -> Vec<HeaderAction> {
        vec![]
    }

    /// HTML above the tabs (a status bar, links to what the record became).
    fn banner(_card: &Card) -> crate::tabs::Panel<'_> {
        Box::pin(async { Ok(String::new()) })
    }

    /// Facts of Genel besides the record's values (a contact's direct reports).
    fn general_extra(_card: &Card) -> Facts<'_> {
        Box::pin(async { Ok(vec![]) })
    }

    /// The line under the name in list rows and on the card.
    fn name_sub(_rec: &Record) -> Option<String> {
        None
    }

    /// Choices a filter select offers before the field's options (`open` for lead statuses).
    fn filter_extras(_t: &I18n, _param: &str) -> Vec<(String, String)> {
        vec![]
    }

    /// The label of a filter select's "any" choice, when it is not "Tümü" (passive customers
    /// are left out unless asked for: "Pasifler hariç").
    fn filter_any(_t: &I18n, _param: &str) -> Option<String> {
        None
    }

    /// Shapes an API body before the kit reads it (a quote's lines arrive as an array and are
    /// stored as their JSON text).
    fn api_input(_body: &mut Json) {}

    /// The kind's path under `/api/v1/` (its key unless the contract spells it otherwise).
    fn api_path() -> &'static str {
        Self::KIND.key
    }

    /// Whether an admin may delete a record for good (quotes never: their numbers must stay).
    fn hard_delete() -> bool {
        true
    }

    /// May this option be picked on the form? (A lead becomes `converted` only by conversion.)
    fn form_option(_field: &str, _option: &str) -> bool {
        true
    }

    /// The records a reference field of the form may point at, offered as a choice instead of a
    /// name to type (a contact's manager among the people of the same customer); `None`: typed.
    fn ref_choices<'a>(
        _state: &'a AppState,
        _session: &'a crate::auth::Session,
        _field: &'static str,
        _posted: &'a form::Posted,
        _id: Option<i64>,
    ) -> RefChoices<'a> {
        Box::pin(async { Ok(None) })
    }

    /// May this value be set on many records at once? (A lost lead needs its own reason.)
    fn bulk_allowed(_field: &str, _value: &str) -> bool {
        true
    }

    /// Whether the record may be edited at all now (a converted lead stays as it was).
    fn editable(_rec: &Record) -> bool {
        true
    }

    /// How the history shows a value of an event of the module's own (`address`,
    /// `converted_lead`); `None`: as the field's values are shown.
    fn history_value(_t: &I18n, _field: &str, _v: &str) -> Option<display::Shown> {
        None
    }

    /// Fields of the API answer besides the declared ones.
    fn api_extra(_rec: &Record, _out: &mut Map<String, Json>) {}
}

/// Every page of a kind: list, new, card, edit, archive/restore/delete, bulk, columns, views.
pub fn pages<K: KitPages>() -> Router<AppState> {
    let k = K::KIND.key;
    Router::new()
        .route(&format!("/{k}"), get(list::page::<K>).post(form::create_submit::<K>))
        .route(&format!("/{k}/new"), get(form::new_page::<K>))
        .route(&format!("/{k}/bulk"), post(list::bulk_submit::<K>))
        .route(&format!("/{k}/export"), get(export::start::<K>))
        .route(&format!("/{k}/columns"), post(list::columns_submit::<K>))
        .route(&format!("/{k}/views"), post(list::view_submit::<K>))
        .route(&format!("/{k}/views/{{view}}/delete"), post(list::view_delete::<K>))
        .route(
            &format!("/{k}/{{id}}"),
            get(card::page::<K>).post(form::edit_submit::<K>),
        )
        .route(&format!("/{k}/{{id}}/edit"), get(form::edit_page::<K>))
        .route(&format!("/{k}/{{id}}/archive"), post(card::archive_submit::<K>))
        .route(&format!("/{k}/{{id}}/restore"), post(card::restore_submit::<K>))
        .route(&format!("/{k}/{{id}}/delete"), post(card::delete_submit::<K>))
        .merge(if K::KIND.merge {
            merge::routes::<K>()
        } else {
            Router::new()
        })
        .merge(if K::KIND.timeline.is_some() {
            Router::new().route(
                &format!("/{k}/{{id}}/next"),
                get(next_step::page::<K>).post(next_step::submit::<K>),
            )
        } else {
            Router::new()
        })
}

/// Pages every kind shares: the names a reference box suggests while typing.
pub fn shared_pages() -> Router<AppState> {
    Router::new().route("/refs/{kind}", get(ref_suggestions))
}

#[derive(serde::Deserialize)]
struct RefQuery {
    #[serde(default)]
    q: String,
}

/// `[{id, name}]` of the records of `kind` the person may see whose name matches `q` (at most 8).
async fn ref_suggestions(
    axum::extract::State(state): axum::extract::State<AppState>,
    session: crate::auth::Session,
    axum::extract::Path(kind): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<RefQuery>,
) -> Result<axum::Json<Json>, PageError> {
    let text: String = q.q.trim().chars().take(100).collect();
    let Some(entry) = kervan_app::registry::entry(&kind) else {
        return Err(PageError::NotFound);
    };
    if text.is_empty()
        || !session
            .actor
            .can(entry.kind.module, kervan_core::permissions::Action::View)
    {
        return Ok(axum::Json(Json::Array(vec![])));
    }
    let found = kervan_app::registry::find_by_name(&state.app, &session.actor, &kind, &text, 8).await?;
    let items = found
        .into_iter()
        .map(|(id, name)| serde_json::json!({"id": id, "name": name}))
        .collect();
    Ok(axum::Json(Json::Array(items)))
}

/// Names of all users by id (owners, user fields, history).
pub async fn user_names(state: &AppState) -> Result<Names, PageError> {
    Ok(app_users::names(&state.app).await?.into_iter().collect())
}

/// The `.ftl` label of a built-in field.
pub fn label(t: &I18n, kind: &Kind, key: &str) -> String {
    t.t(&kind.label_id(key))
}

/// `.ftl` ids of a kind's page texts: `{entity}s-title` …, by convention.
pub fn text(t: &I18n, kind: &Kind, what: &str) -> String {
    match what {
        "title" => t.t(&format!("{}-title", kind.key)),
        other => t.t(&format!("{}-{other}", kind.entity)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use kervan_core::record::{FieldType, ListRole};

    /// The message ids of one language's `.ftl` files, read as written (no fallback to the
    /// other language can hide a missing one).
    fn ids(lang: &str) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang);
        let mut out = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines() {
                if let Some((id, _)) = line.split_once(" =")
                    && !id.is_empty()
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    out.insert(id.to_string());
                }
            }
        }
        out
    }

    /// Every text a kind's pages take from the `.ftl` files, by id.
    fn wanted(kind: &kervan_core::record::Kind) -> Vec<String> {
        let (e, k) = (kind.entity, kind.key);
        let mut w: Vec<String> = [
            format!("{k}-title"),
            format!("{k}-empty"),
            format!("{k}-empty-filtered"),
            format!("{e}-new"),
            format!("{e}-new-title"),
            format!("{e}-edit-title"),
            format!("{e}-search-placeholder"),
            format!("{e}-col-name"),
            format!("{e}-field-created_at"),
            format!("{e}-field-updated_at"),
            format!("problem-duplicate-{e}"),
            format!("module-{}", kind.module.as_str()),
        ]
        .into();
        for (heading, hint) in kind.sections {
            w.push(heading.to_string());
            if !hint.is_empty() {
                w.push(hint.to_string());
            }
        }
        for f in kind.fields {
            w.push(kind.label_id(f.key));
            if f.ty == FieldType::Choice {
                w.extend(f.options.iter().map(|o| kind.option_id(f.key, o)));
            }
            for id in [f.placeholder, f.hint] {
                if !id.is_empty() {
                    w.push(id.to_string());
                }
            }
        }
        w
    }

    #[test]
    fn every_label_of_every_kind_exists_in_turkish_and_english() {
        for lang in ["tr", "en"] {
            let have = ids(lang);
            let mut missing = BTreeSet::new();
            for kind in kervan_core::kinds::ALL {
                for id in wanted(kind) {
                    if !have.contains(&id) {
                        missing.insert(id);
                    }
                }
            }
            assert!(missing.is_empty(), "{lang}: missing {missing:?}");
        }
    }

    #[test]
    fn every_kind_lists_and_sorts_something() {
        for kind in kervan_core::kinds::ALL {
            assert!(kind.fields.iter().any(|f| f.list == ListRole::Default), "{}", kind.key);
            assert!(
                kind.sort(kind.default_sort.trim_start_matches('-')).is_some(),
                "{}",
                kind.key
            );
        }
    }
}
