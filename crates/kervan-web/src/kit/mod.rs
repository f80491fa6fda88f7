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
pub mod display;
pub mod form;
pub mod list;
pub mod openapi;

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
}

impl Card {
    /// The card's own address.
    pub fn base(&self) -> String {
        format!("/{}/{}", self.kind.key, self.rec.id)
    }

    pub fn can(&self, action: kervan_core::permissions::Action) -> bool {
        self.actor.can(self.kind.module, action)
    }
}

/// A button or link in a card's header.
pub struct HeaderAction {
    pub id: &'static str,
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

    /// Buttons of the card header before Düzenle.
    fn actions(_card: &Card) -> Vec<HeaderAction> {
        vec![]
    }

    /// HTML above the tabs (a status bar, links to what the record became).
    fn banner(_card: &Card) -> crate::tabs::Panel<'_> {
        Box::pin(async { Ok(String::new()) })
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

    /// May this option be picked on the form? (A lead becomes `converted` only by conversion.)
    fn form_option(_field: &str, _option: &str) -> bool {
        true
    }

    /// May this value be set on many records at once? (A lost lead needs its own reason.)
    fn bulk_allowed(_field: &str, _value: &str) -> bool {
        true
    }

    /// Whether the record may be edited at all now (a converted lead stays as it was).
    fn editable(_rec: &Record) -> bool {
        true
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
