//! Müşteriler: the kit serves the list, form, card and API; what is the accounts module's own is
//! the Adresler and Alt Firmalar tabs (with the group's totals), passive customers left out of
//! the list unless asked for, and the Birleştir button.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use std::collections::HashMap;

use kervan_app::AppError;
use kervan_app::accounts::{self as app_accounts, Accounts};
use kervan_app::records::Record;
use kervan_core::Money;
use kervan_core::accounts::{AddressDraft, AddressKind, DEFAULT_COUNTRY};
use kervan_core::permissions::{Action, Module};
use kervan_core::validation::given;
use kervan_store::accounts::AddressRow;

use crate::AppState;
use crate::auth::Session;
use crate::error::{Messages, PageError, html};
use crate::i18n::I18n;
use crate::kit::display::Shown;
use crate::kit::{self, Card, KitPages, card};
use crate::tabs::TabSpec;
use crate::ui::Choice;

pub fn router() -> Router<AppState> {
    kit::pages::<Accounts>()
        .route("/accounts/{id}/addresses", post(address_add))
        .route("/accounts/{id}/addresses/{aid}", post(address_edit))
        .route("/accounts/{id}/addresses/{aid}/delete", post(address_delete))
}

fn label(t: &I18n, prefix: &str, code: &str) -> String {
    t.t(&format!("{prefix}-{code}"))
}

impl KitPages for Accounts {
    fn tabs() -> Vec<TabSpec<Card>> {
        vec![
            TabSpec {
                key: "addresses",
                label: "account-tab-addresses",
                order: 30,
                visible: |_| true,
                render: |c| Box::pin(addresses_tab(c)),
            },
            TabSpec {
                key: "subsidiaries",
                label: "account-tab-subsidiaries",
                order: 40,
                // A group of companies has subsidiaries; a private person does not.
                visible: |c| c.rec.text("kind") == Some("company"),
                render: |c| Box::pin(subsidiaries_tab(c)),
            },
        ]
    }

    fn name_sub(rec: &Record) -> Option<String> {
        rec.ref_names
            .get("parent_id")
            .map(|p| format!("↳ {p}"))
            .or_else(|| rec.text("city").map(str::to_string))
    }

    fn filter_extras(t: &I18n, param: &str) -> Vec<(String, String)> {
        if param == "lifecycle" {
            vec![("any".into(), t.t("account-filter-lifecycle-any"))]
        } else {
            vec![]
        }
    }

    fn filter_any(t: &I18n, param: &str) -> Option<String> {
        match param {
            "lifecycle" => Some(t.t("account-filter-lifecycle-working")),
            "kind" => Some(t.t("account-filter-all-kinds")),
            "potential" => Some(t.t("account-filter-all-potentials")),
            _ => None,
        }
    }

    fn history_value(t: &I18n, field: &str, v: &str) -> Option<Shown> {
        match field {
            // `billing: Atatürk Cad. 5, Kadıköy, İstanbul` with the kind in the reader's language.
            "address" => Some(Shown::plain(match v.split_once(": ") {
                Some((kind, rest)) if AddressKind::parse(kind).is_some() => {
                    format!("{}: {rest}", label(t, "address-kind", kind))
                }
                _ => v.to_string(),
            })),
            "converted_lead" => Some(kit::card::reference_shown(v, "leads")),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Subsidiaries

struct SubItem {
    id: i64,
    name: String,
    archived: bool,
    city: String,
    lifecycle: String,
    lifecycle_label: String,
    owner: String,
}

#[derive(Template)]
#[template(path = "accounts/tab_subsidiaries.html")]
struct SubsidiariesPanel {
    t: I18n,
    id: i64,
    parent: Option<(i64, String)>,
    items: Vec<(SubItem, String)>,
    count: String,
    revenue: String,
    /// Says how many subsidiaries the list leaves out for lack of rights (empty when none).
    hidden_note: String,
    can_add: bool,
}

async fn subsidiaries_tab(c: &Card) -> Result<String, PageError> {
    let t = c.t;
    let (subs, totals) = app_accounts::subsidiaries(&c.state.app, &c.actor, c.rec.id).await?;
    let items: Vec<(SubItem, String)> = subs
        .iter()
        .map(|a| {
            let lifecycle = a.text("lifecycle").unwrap_or_default().to_string();
            (
                SubItem {
                    id: a.id,
                    name: a.text("name").unwrap_or_default().to_string(),
                    archived: a.is_archived(),
                    city: a.text("city").unwrap_or_default().to_string(),
                    lifecycle_label: label(&t, "account-lifecycle", &lifecycle),
                    lifecycle,
                    owner: a.owner_name.clone().unwrap_or_default(),
                },
                a.money("annual_revenue").map(Money::display).unwrap_or_default(),
            )
        })
        .collect();
    let hidden = (totals.n - items.iter().filter(|(i, _)| !i.archived).count() as i64).max(0);
    html(&SubsidiariesPanel {
        t,
        id: c.rec.id,
        parent: c.rec.id_of("parent_id").map(|p| {
            (
                p,
                c.rec
                    .ref_names
                    .get("parent_id")
                    .cloned()
                    .unwrap_or_else(|| format!("#{p}")),
            )
        }),
        count: t.num(totals.n),
        revenue: Money::from_kurus(totals.revenue.unwrap_or(0)).display(),
        hidden_note: if hidden > 0 {
            t.tn("account-subs-hidden", hidden)
        } else {
            String::new()
        },
        items,
        can_add: c.actor.can(Module::Accounts, Action::Create) && !c.rec.is_archived(),
    })
    .map(|h| h.0)
}

// ---------------------------------------------------------------------------------------------
// Addresses

/// An address form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AddressForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub line: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub version: String,
}

fn opt(s: &str) -> Option<String> {
    given(Some(s)).map(|_| s.to_string())
}

impl AddressForm {
    fn draft(&self) -> AddressDraft {
        AddressDraft {
            kind: opt(&self.kind),
            line: opt(&self.line),
            country: opt(&self.country),
            city: opt(&self.city),
            district: opt(&self.district),
            postal_code: opt(&self.postal_code),
        }
    }
    fn from_row(a: &AddressRow) -> AddressForm {
        AddressForm {
            kind: a.kind.clone(),
            line: a.line.clone(),
            country: a.country.clone(),
            city: a.city.clone(),
            district: a.district.clone().unwrap_or_default(),
            postal_code: a.postal_code.clone().unwrap_or_default(),
            version: a.version.to_string(),
        }
    }
}

/// An address form that failed, handed to the Adresler tab.
struct AddressFormState {
    /// The address being edited; `None` for a new one.
    id: Option<i64>,
    f: AddressForm,
    errors: Messages,
    conflict: bool,
}

/// An address form on the tab, ready to show.
pub struct AddressFormView {
    id: Option<i64>,
    f: AddressForm,
    errors: Messages,
    conflict: bool,
    kinds: Vec<Choice>,
}

impl AddressFormView {
    fn prefix(&self) -> String {
        match self.id {
            Some(id) => format!("addr{id}-"),
            None => "addr-".into(),
        }
    }
    fn first_error_field(&self) -> String {
        format!("{}{}", self.prefix(), self.errors.first_field())
    }
}

pub struct AddressItem {
    id: i64,
    kind: String,
    kind_label: String,
    line: String,
    place: String,
    /// Open for editing (on `?edit=<id>` or after a failed save).
    form: Option<AddressFormView>,
}

#[derive(Template)]
#[template(path = "accounts/tab_addresses.html")]
struct AddressesPanel {
    t: I18n,
    csrf: String,
    id: i64,
    items: Vec<AddressItem>,
    new_form: Option<AddressFormView>,
    can_edit: bool,
}

fn address_kinds(t: &I18n, current: &str) -> Vec<Choice> {
    AddressKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                label(t, "address-kind", k.as_str()),
                k.as_str() == current,
            )
        })
        .collect()
}

async fn addresses_tab(c: &Card) -> Result<String, PageError> {
    let t = c.t;
    let rows = app_accounts::addresses(&c.state.app, &c.actor, c.rec.id).await?;
    let failed = c.form.as_ref().and_then(|f| f.downcast_ref::<AddressFormState>());
    let can_edit = c.can_edit();
    let editing: Option<i64> = c.query.get("edit").and_then(|v| v.parse().ok());
    let view = |id: Option<i64>, f: AddressForm, errors: Messages, conflict: bool| AddressFormView {
        kinds: address_kinds(&t, &f.kind),
        id,
        f,
        errors,
        conflict,
    };
    let items = rows
        .iter()
        .map(|a| {
            let form = if !can_edit {
                None
            } else if let Some(s) = failed.filter(|s| s.id == Some(a.id)) {
                Some(view(Some(a.id), s.f.clone(), s.errors.clone(), s.conflict))
            } else if editing == Some(a.id) {
                Some(view(Some(a.id), AddressForm::from_row(a), Messages::default(), false))
            } else {
                None
            };
            // As written on a Turkish envelope: `35220 Konak / İzmir`.
            let mut place = [a.postal_code.clone(), a.district.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            place = if place.is_empty() {
                a.city.clone()
            } else {
                format!("{place} / {}", a.city)
            };
            if a.country != DEFAULT_COUNTRY {
                place = format!("{place}, {}", a.country);
            }
            AddressItem {
                id: a.id,
                kind: a.kind.clone(),
                kind_label: label(&t, "address-kind", &a.kind),
                line: a.line.clone(),
                place,
                form,
            }
        })
        .collect();
    let new_form = if !can_edit {
        None
    } else if let Some(s) = failed.filter(|s| s.id.is_none()) {
        Some(view(None, s.f.clone(), s.errors.clone(), false))
    } else {
        // A first address is usually the billing one; the account's city is a good guess.
        let kind = if rows.is_empty() {
            AddressKind::Billing
        } else {
            AddressKind::Delivery
        };
        Some(view(
            None,
            AddressForm {
                kind: kind.as_str().into(),
                city: c.rec.text("city").unwrap_or_default().to_string(),
                district: c.rec.text("district").unwrap_or_default().to_string(),
                country: c.rec.text("country").unwrap_or(DEFAULT_COUNTRY).to_string(),
                ..Default::default()
            },
            Messages::default(),
            false,
        ))
    };
    html(&AddressesPanel {
        t,
        csrf: c.csrf.clone(),
        id: c.rec.id,
        items,
        new_form,
        can_edit,
    })
    .map(|h| h.0)
}

/// The card again on the Adresler tab with a failed address form.
async fn card_with(
    state: &AppState,
    session: &Session,
    id: i64,
    form: AddressFormState,
    status: StatusCode,
) -> Result<Response, PageError> {
    let q: HashMap<String, String> = [("tab".to_string(), "addresses".to_string())].into();
    card::render::<Accounts>(state, session, id, q, Some(Box::new(form)), status).await
}

async fn address_add(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<AddressForm>,
) -> Result<Response, PageError> {
    match app_accounts::add_address(&state.app, &session.actor, id, &f.draft()).await {
        Ok(_) => Ok(crate::redirect::see_other(&format!(
            "/accounts/{id}?tab=addresses&ok=address-added"
        ))),
        Err(AppError::Validation(e)) => address_refused(&state, &session, id, None, f, &e).await,
        Err(e) => Err(e.into()),
    }
}

/// The card again with the address form as it was filled and its messages.
async fn address_refused(
    state: &AppState,
    session: &Session,
    id: i64,
    address: Option<i64>,
    f: AddressForm,
    e: &kervan_core::FieldErrors,
) -> Result<Response, PageError> {
    let form = AddressFormState {
        id: address,
        errors: Messages::new(&session.t, e, &[]),
        f,
        conflict: false,
    };
    card_with(state, session, id, form, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn address_edit(
    State(state): State<AppState>,
    session: Session,
    Path((id, aid)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<AddressForm>,
) -> Result<Response, PageError> {
    let version: i64 = f.version.trim().parse().map_err(|_| PageError::BadRequest)?;
    match app_accounts::update_address(&state.app, &session.actor, id, aid, version, &f.draft()).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!(
            "/accounts/{id}?tab=addresses&ok=address-saved"
        ))),
        Err(AppError::Validation(e)) => address_refused(&state, &session, id, Some(aid), f, &e).await,
        Err(AppError::Conflict { .. }) => {
            // Someone changed the address meanwhile: keep the typed values, take the current
            // version so that saving again overwrites on purpose.
            let mut f = f;
            if let Some(cur) = app_accounts::addresses(&state.app, &session.actor, id)
                .await?
                .into_iter()
                .find(|a| a.id == aid)
            {
                f.version = cur.version.to_string();
            }
            let form = AddressFormState {
                id: Some(aid),
                errors: Messages::default(),
                f,
                conflict: true,
            };
            card_with(&state, &session, id, form, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn address_delete(
    State(state): State<AppState>,
    session: Session,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    app_accounts::delete_address(&state.app, &session.actor, id, aid).await?;
    Ok(crate::redirect::see_other(&format!("/accounts/{id}?tab=addresses&ok=address-deleted")).into_response())
}
