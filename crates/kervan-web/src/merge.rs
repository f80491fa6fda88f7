//! Merge screens for two accounts or two contacts: pick the other record (suggested look-alikes
//! or a search), then choose field by field which value the surviving record keeps.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::collections::HashMap;

use kervan_app::error::Duplicate;
use kervan_app::{Actor, App, AppError};
use kervan_app::{accounts, contacts, merge, search};
use kervan_core::Phone;
use kervan_core::accounts::AccountDraft;
use kervan_core::contacts::ContactDraft;
use kervan_core::permissions::{Action, Module};

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, field_messages, html};
use crate::i18n::I18n;
use crate::layout::Shell;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/{id}/merge", get(account_page).post(account_submit))
        .route("/contacts/{id}/merge", get(contact_page).post(contact_submit))
}

/// One field on the merge screen.
struct Row {
    field: &'static str,
    label: String,
    /// Display values of the surviving (a) and the merged (b) record.
    a: String,
    b: String,
    /// The values differ and both are set: the person picks.
    choice: bool,
    /// Which side is picked now (`a` or `b`).
    pick: String,
}

/// A candidate to merge with.
struct Candidate {
    id: i64,
    name: String,
    why: String,
}

#[derive(Template)]
#[template(path = "merge/merge.html")]
struct MergePage {
    shell: Shell,
    /// `accounts` or `contacts`: the URL prefix.
    kind: &'static str,
    id: i64,
    name: String,
    /// Step one: choose the other record.
    candidates: Vec<Candidate>,
    q: String,
    searched: bool,
    /// Step two: the other record and the fields.
    other: Option<(i64, String)>,
    version: i64,
    other_version: i64,
    rows: Vec<Row>,
    /// What moves with the merge (contacts, addresses …), as sentences.
    moves: Vec<String>,
    errors: Vec<(String, String)>,
    conflict: bool,
}

#[derive(Deserialize, Default)]
struct MergeQuery {
    #[serde(default)]
    with: Option<i64>,
    #[serde(default)]
    q: Option<String>,
}

type Fields = Vec<(&'static str, Option<String>)>;

fn account_fields(d: &AccountDraft) -> Fields {
    let id = |v: Option<i64>| v.map(|x| x.to_string());
    vec![
        ("kind", d.kind.clone()),
        ("name", d.name.clone()),
        ("tax_office", d.tax_office.clone()),
        ("tax_number", d.tax_number.clone()),
        ("national_id", d.national_id.clone()),
        ("sector", d.sector.clone()),
        ("customer_class", d.customer_class.clone()),
        ("segment", d.segment.clone()),
        ("potential", d.potential.clone()),
        ("annual_revenue", d.annual_revenue.clone()),
        ("lifecycle", d.lifecycle.clone()),
        ("parent_id", id(d.parent_id)),
        ("owner_id", id(d.owner_id)),
        ("region", d.region.clone()),
        ("country", d.country.clone()),
        ("city", d.city.clone()),
        ("district", d.district.clone()),
        ("website", d.website.clone()),
        ("phone", d.phone.clone()),
        ("email", d.email.clone()),
        ("notes", d.notes.clone()),
    ]
}

fn set_account_field(d: &mut AccountDraft, field: &str, v: Option<String>) {
    let id = |v: &Option<String>| v.as_deref().and_then(|s| s.parse().ok());
    match field {
        "kind" => d.kind = v,
        "name" => d.name = v,
        "tax_office" => d.tax_office = v,
        "tax_number" => d.tax_number = v,
        "national_id" => d.national_id = v,
        "sector" => d.sector = v,
        "customer_class" => d.customer_class = v,
        "segment" => d.segment = v,
        "potential" => d.potential = v,
        "annual_revenue" => d.annual_revenue = v,
        "lifecycle" => d.lifecycle = v,
        "parent_id" => d.parent_id = id(&v),
        "owner_id" => d.owner_id = id(&v),
        "region" => d.region = v,
        "country" => d.country = v,
        "city" => d.city = v,
        "district" => d.district = v,
        "website" => d.website = v,
        "phone" => d.phone = v,
        "email" => d.email = v,
        "notes" => d.notes = v,
        _ => {}
    }
}

fn contact_fields(d: &ContactDraft) -> Fields {
    let id = |v: Option<i64>| v.map(|x| x.to_string());
    vec![
        ("first_name", d.first_name.clone()),
        ("last_name", d.last_name.clone()),
        ("account_id", id(d.account_id)),
        ("title", d.title.clone()),
        ("department", d.department.clone()),
        ("email", d.email.clone()),
        ("phone", d.phone.clone()),
        ("extension", d.extension.clone()),
        ("mobile", d.mobile.clone()),
        ("whatsapp", d.whatsapp.clone()),
        ("buying_role", d.buying_role.clone()),
        ("influence", d.influence.clone()),
        ("relationship", d.relationship.clone()),
        ("reports_to_id", id(d.reports_to_id)),
        ("owner_id", id(d.owner_id)),
        ("notes", d.notes.clone()),
    ]
}

fn set_contact_field(d: &mut ContactDraft, field: &str, v: Option<String>) {
    let id = |v: &Option<String>| v.as_deref().and_then(|s| s.parse().ok());
    match field {
        "first_name" => d.first_name = v,
        "last_name" => d.last_name = v,
        "account_id" => d.account_id = id(&v),
        "title" => d.title = v,
        "department" => d.department = v,
        "email" => d.email = v,
        "phone" => d.phone = v,
        "extension" => d.extension = v,
        "mobile" => d.mobile = v,
        "whatsapp" => d.whatsapp = v,
        "buying_role" => d.buying_role = v,
        "influence" => d.influence = v,
        "relationship" => d.relationship = v,
        "reports_to_id" => d.reports_to_id = id(&v),
        "owner_id" => d.owner_id = id(&v),
        "notes" => d.notes = v,
        _ => {}
    }
}

/// Names for the ids on the screen (owner, parent, account, manager), so a person sees names.
struct Names {
    users: Vec<(i64, String)>,
    records: HashMap<(&'static str, i64), String>,
}

impl Names {
    fn show(&self, t: &I18n, field: &str, v: &str) -> String {
        let id: Option<i64> = v.parse().ok();
        match (field, id) {
            ("owner_id", Some(i)) => self.users.iter().find(|u| u.0 == i).map(|u| u.1.clone()),
            ("parent_id" | "account_id", Some(i)) => self.records.get(&("account", i)).cloned(),
            ("reports_to_id", Some(i)) => self.records.get(&("contact", i)).cloned(),
            ("kind", _) => Some(t.t(&format!("account-kind-{v}"))),
            ("customer_class", _) => Some(t.t(&format!("account-class-{v}"))),
            ("segment", _) => Some(t.t(&format!("account-segment-{v}"))),
            ("potential", _) => Some(t.t(&format!("account-potential-{v}"))),
            ("lifecycle", _) => Some(t.t(&format!("account-lifecycle-{v}"))),
            ("buying_role", _) => Some(t.t(&format!("contact-role-{v}"))),
            ("influence", _) => Some(t.t(&format!("contact-influence-{v}"))),
            ("relationship", _) => Some(t.t(&format!("contact-relationship-{v}"))),
            ("phone" | "mobile" | "whatsapp", _) => Some(Phone::from_stored(v.to_string()).display()),
            _ => None,
        }
        .unwrap_or_else(|| v.to_string())
    }
}

async fn names(
    state: &AppState,
    session: &Session,
    ids: &[(&'static str, Option<String>)],
) -> Result<Names, PageError> {
    let users = kervan_app::users::names(&state.app).await?;
    let mut records = HashMap::new();
    for (field, v) in ids {
        let Some(id) = v.as_deref().and_then(|s| s.parse::<i64>().ok()) else {
            continue;
        };
        match *field {
            "parent_id" | "account_id" => {
                if let Ok(a) = accounts::get(&state.app, &session.actor, id).await {
                    records.insert(("account", id), a.row.name);
                }
            }
            "reports_to_id" => {
                if let Ok(c) = contacts::get(&state.app, &session.actor, id).await {
                    records.insert(("contact", id), c.name());
                }
            }
            _ => {}
        }
    }
    Ok(Names { users, records })
}

/// The comparison rows: every field set on either side; a choice where both are set and differ.
/// By default the survivor keeps its value and fills its gaps from the other record.
async fn rows(
    state: &AppState,
    session: &Session,
    a: &Fields,
    b: &Fields,
    picks: &HashMap<String, String>,
    label: impl Fn(&str) -> String,
) -> Result<Vec<Row>, PageError> {
    let t = session.t;
    let all: Vec<_> = a.iter().chain(b.iter()).cloned().collect();
    let names = names(state, session, &all).await?;
    let mut out = Vec::new();
    for ((field, va), (_, vb)) in a.iter().zip(b.iter()) {
        if va.is_none() && vb.is_none() {
            continue;
        }
        let choice = va.is_some() && vb.is_some() && va != vb;
        let default = if va.is_none() { "b" } else { "a" };
        let pick = picks
            .get(&format!("pick_{field}"))
            .filter(|p| *p == "a" || *p == "b")
            .cloned()
            .unwrap_or_else(|| default.to_string());
        let show = |v: &Option<String>| v.as_deref().map(|v| names.show(&t, field, v)).unwrap_or_default();
        out.push(Row {
            field,
            label: label(field),
            a: show(va),
            b: show(vb),
            choice,
            pick,
        });
    }
    Ok(out)
}

/// The survivor's values with the picked ones taken from the other record.
fn picked(a: &Fields, b: &Fields, picks: &HashMap<String, String>) -> Vec<(&'static str, Option<String>)> {
    a.iter()
        .zip(b.iter())
        .map(|((field, va), (_, vb))| {
            let take_b = match picks.get(&format!("pick_{field}")).map(String::as_str) {
                Some("b") => true,
                Some("a") => false,
                _ => va.is_none(),
            };
            (*field, if take_b { vb.clone() } else { va.clone() })
        })
        .collect()
}

fn why(t: &I18n, d: &Duplicate) -> String {
    t.t(&format!("convert-match-{}", d.field))
}

/// What the merge screen needs from a record kind (accounts, contacts).
trait Mergeable: Sized {
    type Draft;
    /// URL prefix: `accounts` or `contacts`.
    const KIND: &'static str;
    const MODULE: Module;
    async fn load(app: &App, actor: &Actor, id: i64) -> Result<Self, AppError>;
    fn name(&self) -> String;
    fn version(&self) -> i64;
    fn draft(&self) -> Self::Draft;
    fn fields(d: &Self::Draft) -> Fields;
    fn set_field(d: &mut Self::Draft, field: &str, v: Option<String>);
    /// Sentences on what moves with `merged`.
    async fn moves(app: &App, actor: &Actor, t: &I18n, merged: i64) -> Result<Vec<String>, AppError>;
    async fn similar(app: &App, actor: &Actor, id: i64) -> Result<Vec<Duplicate>, AppError>;
    /// Search hits as (id, name, detail).
    async fn search(app: &App, actor: &Actor, text: &str) -> Result<Vec<(i64, String, String)>, AppError>;
    async fn merge(app: &App, actor: &Actor, f: &MergeForm, result: &Self::Draft) -> Result<(), AppError>;
}

impl Mergeable for accounts::Account {
    type Draft = AccountDraft;
    const KIND: &'static str = "accounts";
    const MODULE: Module = Module::Accounts;
    async fn load(app: &App, actor: &Actor, id: i64) -> Result<Self, AppError> {
        accounts::get(app, actor, id).await
    }
    fn name(&self) -> String {
        self.row.name.clone()
    }
    fn version(&self) -> i64 {
        self.row.version
    }
    fn draft(&self) -> AccountDraft {
        accounts::Account::draft(self)
    }
    fn fields(d: &AccountDraft) -> Fields {
        account_fields(d)
    }
    fn set_field(d: &mut AccountDraft, field: &str, v: Option<String>) {
        set_account_field(d, field, v)
    }
    async fn moves(app: &App, actor: &Actor, t: &I18n, merged: i64) -> Result<Vec<String>, AppError> {
        let people = contacts::of_account(app, actor, merged).await?.len();
        let places = accounts::addresses(app, actor, merged).await?.len();
        Ok(vec![
            t.t1("merge-moves-contacts", "n", people),
            t.t1("merge-moves-addresses", "n", places),
            t.t("merge-moves-rest"),
        ])
    }
    async fn similar(app: &App, actor: &Actor, id: i64) -> Result<Vec<Duplicate>, AppError> {
        merge::similar_accounts(app, actor, id).await
    }
    async fn search(app: &App, actor: &Actor, text: &str) -> Result<Vec<(i64, String, String)>, AppError> {
        let found = accounts::list(app, actor, &search::account_query(text, 20)).await?;
        Ok(found
            .accounts
            .into_iter()
            .map(|a| (a.row.id, a.row.name, a.row.city.unwrap_or_default()))
            .collect())
    }
    async fn merge(app: &App, actor: &Actor, f: &MergeForm, result: &AccountDraft) -> Result<(), AppError> {
        accounts::merge(app, actor, f.id, f.version, f.with, f.other_version, result).await
    }
}

impl Mergeable for contacts::Contact {
    type Draft = ContactDraft;
    const KIND: &'static str = "contacts";
    const MODULE: Module = Module::Contacts;
    async fn load(app: &App, actor: &Actor, id: i64) -> Result<Self, AppError> {
        contacts::get(app, actor, id).await
    }
    fn name(&self) -> String {
        contacts::Contact::name(self)
    }
    fn version(&self) -> i64 {
        self.row.version
    }
    fn draft(&self) -> ContactDraft {
        contacts::Contact::draft(self)
    }
    fn fields(d: &ContactDraft) -> Fields {
        contact_fields(d)
    }
    fn set_field(d: &mut ContactDraft, field: &str, v: Option<String>) {
        set_contact_field(d, field, v)
    }
    async fn moves(_: &App, _: &Actor, t: &I18n, _: i64) -> Result<Vec<String>, AppError> {
        Ok(vec![t.t("merge-moves-contact")])
    }
    async fn similar(app: &App, actor: &Actor, id: i64) -> Result<Vec<Duplicate>, AppError> {
        merge::similar_contacts(app, actor, id).await
    }
    async fn search(app: &App, actor: &Actor, text: &str) -> Result<Vec<(i64, String, String)>, AppError> {
        let found = contacts::list(app, actor, &search::contact_query(text, 20)).await?;
        Ok(found
            .contacts
            .into_iter()
            .map(|c| (c.row.id, c.name(), c.row.account_name.clone().unwrap_or_default()))
            .collect())
    }
    async fn merge(app: &App, actor: &Actor, f: &MergeForm, result: &ContactDraft) -> Result<(), AppError> {
        contacts::merge(app, actor, f.id, f.version, f.with, f.other_version, result).await
    }
}

/// What the screen shows besides the two records: the picks, and an error or conflict to explain.
#[derive(Default)]
struct Outcome {
    picks: HashMap<String, String>,
    errors: Vec<(String, String)>,
    conflict: bool,
}

async fn view<K: Mergeable>(
    state: &AppState,
    session: &Session,
    id: i64,
    q: MergeQuery,
    out: Outcome,
) -> Result<MergePage, PageError> {
    let t = session.t;
    let app = &state.app;
    let actor = &session.actor;
    let a = K::load(app, actor, id).await?;
    let mut page = MergePage {
        shell: session.shell(t.t1("merge-title", "name", a.name())),
        kind: K::KIND,
        id,
        name: a.name(),
        candidates: vec![],
        q: q.q.clone().unwrap_or_default(),
        searched: false,
        other: None,
        version: a.version(),
        other_version: 0,
        rows: vec![],
        moves: vec![],
        errors: out.errors,
        conflict: out.conflict,
    };
    match q.with.filter(|w| *w != id) {
        Some(w) => {
            let b = K::load(app, actor, w).await?;
            let label = |f: &str| t.t(&format!("merge-field-{f}"));
            let (fa, fb) = (K::fields(&a.draft()), K::fields(&b.draft()));
            page.rows = rows(state, session, &fa, &fb, &out.picks, label).await?;
            page.moves = K::moves(app, actor, &t, w).await?;
            page.other = Some((w, b.name()));
            page.other_version = b.version();
        }
        None => {
            page.candidates = K::similar(app, actor, id)
                .await?
                .iter()
                .map(|d| Candidate {
                    id: d.id,
                    name: d.name.clone(),
                    why: why(&t, d),
                })
                .collect();
            if let Some(text) = q.q.filter(|s| !s.trim().is_empty()) {
                page.searched = true;
                for (hit, name, why) in K::search(app, actor, &text).await? {
                    if hit != id && !page.candidates.iter().any(|c| c.id == hit) {
                        page.candidates.push(Candidate { id: hit, name, why });
                    }
                }
            }
        }
    }
    Ok(page)
}

async fn show<K: Mergeable>(state: AppState, session: Session, id: i64, q: MergeQuery) -> Result<Response, PageError> {
    session.actor.require(K::MODULE, Action::Edit)?;
    Ok(html(&view::<K>(&state, &session, id, q, Outcome::default()).await?)?.into_response())
}

/// The posted merge form: `with`, `version`, `other_version` and a `pick_<field>` (`a`/`b`) per
/// field. Read as a map because the pick fields depend on the record kind.
struct MergeForm {
    /// The record that stays (from the URL).
    id: i64,
    with: i64,
    version: i64,
    other_version: i64,
    picks: HashMap<String, String>,
}

impl MergeForm {
    fn read(id: i64, picks: HashMap<String, String>) -> Result<MergeForm, PageError> {
        let num = |k: &str| -> Result<i64, PageError> {
            picks
                .get(k)
                .and_then(|v| v.trim().parse().ok())
                .ok_or(PageError::BadRequest)
        };
        Ok(MergeForm {
            id,
            with: num("with")?,
            version: num("version")?,
            other_version: num("other_version")?,
            picks,
        })
    }
}

async fn submit<K: Mergeable>(
    state: AppState,
    session: Session,
    id: i64,
    form: HashMap<String, String>,
) -> Result<Response, PageError> {
    let f = MergeForm::read(id, form)?;
    let app = &state.app;
    let a = K::load(app, &session.actor, id).await?;
    let b = K::load(app, &session.actor, f.with).await?;
    let mut draft = a.draft();
    for (field, v) in picked(&K::fields(&a.draft()), &K::fields(&b.draft()), &f.picks) {
        K::set_field(&mut draft, field, v);
    }
    let again = |out: Outcome| {
        let q = MergeQuery {
            with: Some(f.with),
            q: None,
        };
        view::<K>(&state, &session, id, q, out)
    };
    match K::merge(app, &session.actor, &f, &draft).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/{}/{id}?ok=merged", K::KIND)).into_response()),
        Err(AppError::Validation(e)) => {
            let out = Outcome {
                errors: field_messages(&session.t, &e),
                picks: f.picks.clone(),
                conflict: false,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&again(out).await?)?).into_response())
        }
        Err(AppError::Conflict { .. }) => {
            let out = Outcome {
                picks: f.picks.clone(),
                conflict: true,
                ..Default::default()
            };
            Ok((StatusCode::CONFLICT, html(&again(out).await?)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn account_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<MergeQuery>,
) -> Result<Response, PageError> {
    show::<accounts::Account>(state, session, id, q).await
}

async fn account_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    submit::<accounts::Account>(state, session, id, form).await
}

async fn contact_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<MergeQuery>,
) -> Result<Response, PageError> {
    show::<contacts::Contact>(state, session, id, q).await
}

async fn contact_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    submit::<contacts::Contact>(state, session, id, form).await
}
