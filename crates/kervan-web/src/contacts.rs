//! Contact (ilgili kişi) pages: the list, new and edit forms, the contact card (Genel, Notlar,
//! Geçmiş), archive and restore; and the İlgili Kişiler tab this module adds to the customer
//! card (the people, who decides, the org chart). The merge screen (`/contacts/{id}/merge`)
//! lives elsewhere; the card only links to it.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use kervan_app::bulk::Target;
use kervan_app::contacts::{self as app_contacts, Contact, OrgNode};
use kervan_app::{Actor, AppError, accounts as app_accounts, search as app_search, users as app_users};
use kervan_core::contacts::{BuyingRole, ContactDraft, Influence, Relationship};
use kervan_core::permissions::{Action, Module};
use kervan_core::text::{digits, fold, initials};
use kervan_core::{FieldErrors, Phone};
use kervan_store::contacts::{ContactQuery, SortKey};

use crate::AppState;
use crate::accounts::{
    AccountCard, Candidate, DupItem, Fact, HistoryPanel, HistoryValue, Picked, code_choices, code_label, codes,
    history_rows, messages, owner_choices, owner_filter_choices, pick_account, read_cursors, read_sort,
    reference_value, session_ok, time_value, toast, truthy, user_value, version_of,
};
use crate::auth::Session;
use crate::bulk::{BulkBar, toast as bulk_toast};
use crate::error::{PageError, html};
use crate::forms::{pager_links, params_of, split_tags};
use crate::i18n::I18n;
use crate::layout::Shell;
use crate::tabs::{self, Tab, TabSpec};
use crate::ui::Choice;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list_page).post(create_submit))
        .route("/contacts/new", get(new_page))
        .route("/contacts/{id}", get(detail_page).post(edit_submit))
        .route("/contacts/{id}/edit", get(edit_page))
        .route("/contacts/{id}/archive", post(archive_submit))
        .route("/contacts/{id}/restore", post(restore_submit))
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() { None } else { Some(s.to_string()) }
}

fn phone_display(p: &Option<String>) -> String {
    p.clone().map(|p| Phone::from_stored(p).display()).unwrap_or_default()
}

/// A contact as a list row, a person on the customer card or a card header shows it.
pub struct ContactItem {
    pub id: i64,
    pub name: String,
    pub initials: String,
    pub title: String,
    pub account_id: Option<i64>,
    pub account: String,
    pub role: String,
    pub role_label: String,
    /// The number to call: the mobile if there is one, else the office line (with extension),
    /// else the WhatsApp number.
    pub phone: String,
    pub phone_raw: String,
    pub email: String,
    pub owner: String,
    pub owner_initials: String,
    pub tags: Vec<String>,
    pub created: String,
    pub created_ago: String,
    pub last_contact: String,
    pub archived: bool,
}

impl ContactItem {
    pub fn from(t: &I18n, c: &Contact) -> ContactItem {
        let r = &c.row;
        let owner = r.owner_name.clone().unwrap_or_default();
        let (phone, phone_raw) = match (&r.mobile, &r.phone, &r.whatsapp) {
            (Some(m), _, _) => (phone_display(&Some(m.clone())), m.clone()),
            (None, Some(p), _) => {
                let shown = match &r.extension {
                    Some(x) => format!(
                        "{} · {}",
                        phone_display(&Some(p.clone())),
                        t.t1("contact-ext", "ext", x)
                    ),
                    None => phone_display(&Some(p.clone())),
                };
                (shown, p.clone())
            }
            (None, None, Some(w)) => (phone_display(&Some(w.clone())), w.clone()),
            (None, None, None) => (String::new(), String::new()),
        };
        ContactItem {
            id: r.id,
            name: c.name(),
            initials: initials(&c.name()),
            title: r.title.clone().unwrap_or_default(),
            account_id: r.account_id,
            account: r.account_name.clone().unwrap_or_default(),
            role: r.buying_role.clone().unwrap_or_default(),
            role_label: code_label(t, "contact-role", r.buying_role.as_deref()),
            phone,
            phone_raw,
            email: r.email.clone().unwrap_or_default(),
            owner_initials: initials(&owner),
            owner,
            tags: c.tags.clone(),
            created: t.date(r.created_at),
            created_ago: t.ago(r.created_at),
            last_contact: r.last_contact_at.map(|ms| t.ago(ms)).unwrap_or_default(),
            archived: r.archived_at.is_some(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The İlgili Kişiler tab of the customer card

/// The tabs this module adds to the customer card (see `crate::tabs`).
pub fn account_tabs() -> Vec<TabSpec<AccountCard>> {
    vec![TabSpec {
        key: "contacts",
        label: "contact-tab-people",
        order: 20,
        visible: |c| c.actor.can(Module::Contacts, Action::View),
        render: |c| Box::pin(people_tab(c)),
    }]
}

/// The org chart as a flat run of steps, so the template draws nested lists without recursion.
pub enum OrgStep {
    Open,
    Item(Box<ContactItem>),
    EndItem,
    Close,
}

fn flatten(t: &I18n, nodes: &[OrgNode], out: &mut Vec<OrgStep>) {
    if nodes.is_empty() {
        return;
    }
    out.push(OrgStep::Open);
    for n in nodes {
        out.push(OrgStep::Item(Box::new(ContactItem::from(t, &n.contact))));
        flatten(t, &n.reports, out);
        out.push(OrgStep::EndItem);
    }
    out.push(OrgStep::Close);
}

#[derive(Template)]
#[template(path = "contacts/account_tab.html")]
struct PeoplePanel {
    t: I18n,
    account_id: i64,
    people: Vec<ContactItem>,
    deciders: Vec<ContactItem>,
    champions: Vec<ContactItem>,
    blockers: Vec<ContactItem>,
    last_talked: Option<ContactItem>,
    org: Vec<OrgStep>,
    /// Whether anyone reports to anyone (otherwise the chart is a plain list and is left out).
    has_hierarchy: bool,
    can_add: bool,
}

async fn people_tab(c: &AccountCard) -> Result<String, PageError> {
    let t = c.t;
    let people = app_contacts::of_account(&c.state.app, &c.actor, c.id()).await?;
    let with_role = |roles: &[BuyingRole]| -> Vec<ContactItem> {
        people
            .iter()
            .filter(|p| {
                p.row
                    .buying_role
                    .as_deref()
                    .and_then(BuyingRole::parse)
                    .is_some_and(|r| roles.contains(&r))
            })
            .map(|p| ContactItem::from(&t, p))
            .collect()
    };
    let deciders = with_role(&[BuyingRole::DecisionMaker, BuyingRole::EconomicBuyer]);
    let champions = with_role(&[BuyingRole::Champion]);
    let blockers = with_role(&[BuyingRole::Blocker]);
    let last_talked = people
        .iter()
        .filter(|p| p.row.last_contact_at.is_some())
        .max_by_key(|p| p.row.last_contact_at)
        .map(|p| ContactItem::from(&t, p));
    let ids: std::collections::HashSet<i64> = people.iter().map(|p| p.row.id).collect();
    let has_hierarchy = people
        .iter()
        .any(|p| p.row.reports_to_id.is_some_and(|m| ids.contains(&m)));
    let mut org = Vec::new();
    flatten(&t, &app_contacts::org_chart(&people), &mut org);
    html(&PeoplePanel {
        t,
        account_id: c.id(),
        people: people.iter().map(|p| ContactItem::from(&t, p)).collect(),
        deciders,
        champions,
        blockers,
        last_talked,
        org,
        has_hierarchy,
        can_add: c.actor.can(Module::Contacts, Action::Create) && c.account.row.archived_at.is_none(),
    })
    .map(|h| h.0)
}

// ---------------------------------------------------------------------------------------------
// The list

/// The filters of the contact list as in the URL (`/contacts?account_id=5&buying_role=champion`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactListParams {
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
    #[serde(default)]
    pub archived: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub limit: String,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub before: String,
}

impl ContactListParams {
    pub fn to_query(&self, default_limit: u64, max_limit: u64) -> Result<ContactQuery, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut q = if self.q.chars().count() > 200 {
            e.add_with("q", "too_long", 200);
            ContactQuery::default()
        } else {
            app_search::contact_query(&self.q, default_limit)
        };
        q.limit = default_limit;
        let int = |e: &mut FieldErrors, field: &str, v: &str| -> Option<i64> {
            if v.trim().is_empty() {
                return None;
            }
            v.trim().parse::<i64>().map_err(|_| e.add(field, "invalid_number")).ok()
        };
        q.account_id = int(&mut e, "account_id", &self.account_id);
        q.owner_id = int(&mut e, "owner_id", &self.owner_id);
        if !self.buying_role.trim().is_empty() {
            match BuyingRole::parse(self.buying_role.trim()) {
                Some(r) => q.buying_role = Some(r.as_str().into()),
                None => e.add("buying_role", "invalid_choice"),
            }
        }
        if !self.tag.trim().is_empty() {
            q.tag_key = Some(fold(self.tag.trim()));
        }
        q.archived = truthy(&self.archived);
        let (key, desc) = read_sort(&mut e, &self.sort);
        q.sort = match key {
            "created_at" => SortKey::Created,
            "updated_at" => SortKey::Updated,
            _ => SortKey::Name,
        };
        q.desc = desc;
        if !self.limit.trim().is_empty() {
            match self.limit.trim().parse::<u64>() {
                Ok(n) if (1..=max_limit).contains(&n) => q.limit = n,
                _ => e.add_with("limit", "invalid_limit", max_limit),
            }
        }
        let (after, before) = read_cursors(&mut e, &self.cursor, &self.before, q.sort == SortKey::Name);
        q.after = after;
        q.before = before;
        e.into_result(q)
    }

    pub fn query_string(&self, sort: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = vec![];
        for (k, v) in [
            ("q", &self.q),
            ("account_id", &self.account_id),
            ("buying_role", &self.buying_role),
            ("owner_id", &self.owner_id),
            ("tag", &self.tag),
            ("archived", &self.archived),
        ] {
            if !v.trim().is_empty() {
                pairs.push((k, v.trim().to_string()));
            }
        }
        let sort = sort.map(str::to_string).unwrap_or_else(|| self.sort.clone());
        if !sort.is_empty() {
            pairs.push(("sort", sort));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }

    pub fn has_filters(&self) -> bool {
        [
            &self.q,
            &self.account_id,
            &self.buying_role,
            &self.owner_id,
            &self.tag,
            &self.archived,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }
}

#[derive(Template)]
#[template(path = "contacts/list.html")]
struct ListPage {
    shell: Shell,
    bulk: BulkBar,
    p: ContactListParams,
    items: Vec<ContactItem>,
    roles: Vec<Choice>,
    owners: Vec<Choice>,
    /// The account the list is narrowed to: id, name, and the link without that filter.
    account: Option<(i64, String, String)>,
    next_link: Option<String>,
    prev_link: Option<String>,
    errors: Vec<(String, String)>,
    sort: String,
    filtered: bool,
    more_open: bool,
    can_create: bool,
}

impl ListPage {
    fn sort_link(&self, key: &str) -> String {
        let next = if self.sort == key {
            format!("-{key}")
        } else if self.sort == format!("-{key}") || key == "name" {
            key.to_string()
        } else {
            format!("-{key}")
        };
        format!("/contacts?{}", self.p.query_string(Some(&next)))
    }
    fn sort_state(&self, key: &str) -> &'static str {
        if self.sort == key {
            "ascending"
        } else if self.sort == format!("-{key}") {
            "descending"
        } else {
            "none"
        }
    }
    fn new_link(&self) -> String {
        match &self.account {
            Some((id, _, _)) => format!("/contacts/new?account_id={id}"),
            None => "/contacts/new".into(),
        }
    }
}

async fn list_page(
    State(state): State<AppState>,
    session: Session,
    Query(p): Query<ContactListParams>,
) -> Result<Response, PageError> {
    Ok(list_view(&state, &session, p, &session.path, None)
        .await?
        .into_response())
}

/// The list at `url` (path and query) with `message` above it: what a refused bulk action shows.
pub async fn list_html(
    state: &AppState,
    session: &Session,
    url: &str,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    list_view(state, session, params_of(url), url, message).await
}

async fn list_view(
    state: &AppState,
    session: &Session,
    p: ContactListParams,
    url: &str,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    let t = session.t;
    let app = &state.app;
    session.actor.require(Module::Contacts, Action::View)?;
    let (q, mut errors) = match p.to_query(50, 200) {
        Ok(q) => (q, vec![]),
        Err(e) => (
            ContactListParams::default().to_query(50, 200).unwrap_or_default(),
            messages(&t, "contact", &e, &[]),
        ),
    };
    let page = app_contacts::list(app, &session.actor, &q).await?;
    let (prev_link, next_link) = pager_links(
        "/contacts",
        &p.query_string(None),
        page.contacts.first().map(|c| c.row.position(q.sort)),
        page.contacts.last().map(|c| c.row.position(q.sort)),
        page.has_prev,
        page.has_next,
    );
    let account = match q.account_id {
        Some(aid) => {
            let name = match app_accounts::get(app, &session.actor, aid).await {
                Ok(a) => a.row.name,
                Err(_) => format!("#{aid}"),
            };
            let without = ContactListParams {
                account_id: String::new(),
                ..p.clone()
            };
            Some((aid, name, format!("/contacts?{}", without.query_string(None))))
        }
        None => None,
    };
    let sort = match p.sort.trim() {
        "" => "name".to_string(),
        s => s.to_string(),
    };
    let mut shell = session.shell(t.t("contacts-title"));
    shell.toast = toast(&t, "contact", session_ok(session).as_deref(), &["archived"]);
    if let Some(b) = bulk_toast(&t, url) {
        shell.toast = Some(b);
    }
    if let Some(m) = message {
        errors.insert(0, ("ids".to_string(), m));
    }
    let bulk = BulkBar::new(
        session,
        Target::Contacts,
        url,
        owner_choices(state, &session.actor, None, None).await?,
    );
    let page = ListPage {
        shell,
        bulk,
        items: page.contacts.iter().map(|c| ContactItem::from(&t, c)).collect(),
        roles: code_choices(
            &t,
            "contact-role",
            &codes(BuyingRole::ALL, |r| r.as_str()),
            p.buying_role.trim(),
        ),
        owners: owner_filter_choices(state, &session.actor, Module::Contacts, p.owner_id.trim()).await?,
        account,
        next_link,
        prev_link,
        errors,
        sort,
        filtered: p.has_filters(),
        more_open: !p.tag.trim().is_empty() || !p.archived.trim().is_empty(),
        can_create: session.actor.can(Module::Contacts, Action::Create),
        p,
    };
    html(&page)
}

// ---------------------------------------------------------------------------------------------
// The form

/// The contact form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactForm {
    /// The account's id as last resolved (hidden).
    #[serde(default)]
    pub account_id: String,
    /// The account's name as typed.
    #[serde(default)]
    pub account_name: String,
    /// An account picked among several matches (radio).
    #[serde(default)]
    pub account_choice: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub extension: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub whatsapp: String,
    #[serde(default)]
    pub buying_role: String,
    #[serde(default)]
    pub influence: String,
    #[serde(default)]
    pub relationship: String,
    #[serde(default)]
    pub reports_to_id: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub after: String,
    #[serde(default)]
    pub confirm_duplicate: String,
}

impl ContactForm {
    fn draft(&self, account_id: Option<i64>) -> Result<ContactDraft, AppError> {
        let id = |field: &str, v: &str| -> Result<Option<i64>, AppError> {
            match v.trim() {
                "" => Ok(None),
                s => s
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| AppError::field(field, "invalid_choice")),
            }
        };
        Ok(ContactDraft {
            account_id,
            first_name: opt(&self.first_name),
            last_name: opt(&self.last_name),
            title: opt(&self.title),
            department: opt(&self.department),
            email: opt(&self.email),
            phone: opt(&self.phone),
            extension: opt(&self.extension),
            mobile: opt(&self.mobile),
            whatsapp: opt(&self.whatsapp),
            buying_role: opt(&self.buying_role),
            influence: opt(&self.influence),
            relationship: opt(&self.relationship),
            reports_to_id: id("reports_to_id", &self.reports_to_id)?,
            owner_id: id("owner_id", &self.owner_id)?,
            tags: split_tags(&self.tags),
            notes: opt(&self.notes),
        })
    }

    fn from_contact(c: &Contact) -> ContactForm {
        let d = c.draft();
        let s = |o: Option<String>| o.unwrap_or_default();
        ContactForm {
            account_id: d.account_id.map(|a| a.to_string()).unwrap_or_default(),
            account_name: c.row.account_name.clone().unwrap_or_default(),
            account_choice: String::new(),
            first_name: s(d.first_name),
            last_name: s(d.last_name),
            title: s(d.title),
            department: s(d.department),
            email: s(d.email),
            phone: phone_display(&d.phone),
            extension: s(d.extension),
            mobile: phone_display(&d.mobile),
            whatsapp: phone_display(&d.whatsapp),
            buying_role: s(d.buying_role),
            influence: s(d.influence),
            relationship: s(d.relationship),
            reports_to_id: d.reports_to_id.map(|m| m.to_string()).unwrap_or_default(),
            owner_id: d.owner_id.map(|o| o.to_string()).unwrap_or_default(),
            tags: d.tags.join(", "),
            notes: s(d.notes),
            version: c.row.version.to_string(),
            after: String::new(),
            confirm_duplicate: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "contacts/form.html")]
struct FormPage {
    shell: Shell,
    f: ContactForm,
    id: Option<i64>,
    errors: Vec<(String, String)>,
    duplicates: Vec<DupItem>,
    conflict: Option<String>,
    roles: Vec<Choice>,
    influences: Vec<Choice>,
    relationships: Vec<Choice>,
    owners: Vec<Choice>,
    /// The people of the account this contact may report to.
    managers: Vec<Choice>,
    account_choices: Vec<Candidate>,
}

impl FormPage {
    fn error_for(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| f == field)
    }
    fn first_error_field(&self) -> String {
        self.errors.first().map(|(f, _)| f.clone()).unwrap_or_default()
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/contacts/{id}"),
            None => "/contacts".into(),
        }
    }
    fn cancel(&self) -> String {
        match (self.id, self.f.account_id.trim().parse::<i64>()) {
            (Some(id), _) => format!("/contacts/{id}"),
            (None, Ok(a)) => format!("/accounts/{a}?tab=contacts"),
            _ => "/contacts".into(),
        }
    }
    fn has_account(&self) -> bool {
        !self.f.account_id.trim().is_empty()
    }
}

#[derive(Default)]
struct FormTrouble {
    errors: Vec<(String, String)>,
    duplicates: Vec<DupItem>,
    conflict: Option<String>,
    account_choices: Vec<Candidate>,
}

async fn form_page(
    state: &AppState,
    session: &Session,
    f: ContactForm,
    id: Option<i64>,
    current_owner_name: Option<&str>,
    trouble: FormTrouble,
) -> Result<FormPage, PageError> {
    let t = session.t;
    let title = if id.is_some() {
        t.t("contact-edit-title")
    } else {
        t.t("contact-new-title")
    };
    let owner = f.owner_id.trim().parse().ok().or(Some(session.actor.user_id));
    // The reports-to choice: the people of the same account, except this person.
    let managers = match f.account_id.trim().parse::<i64>() {
        Ok(aid) => match app_contacts::of_account(&state.app, &session.actor, aid).await {
            Ok(people) => people
                .iter()
                .filter(|p| Some(p.row.id) != id)
                .map(|p| {
                    let label = match &p.row.title {
                        Some(title) => format!("{} · {title}", p.name()),
                        None => p.name(),
                    };
                    (
                        p.row.id.to_string(),
                        label,
                        f.reports_to_id.trim() == p.row.id.to_string(),
                    )
                })
                .collect(),
            Err(_) => vec![],
        },
        Err(_) => vec![],
    };
    let mut shell = session.shell(title);
    shell.toast = toast(&t, "contact", session_ok(session).as_deref(), &["created"]);
    Ok(FormPage {
        shell,
        roles: code_choices(
            &t,
            "contact-role",
            &codes(BuyingRole::ALL, |r| r.as_str()),
            &f.buying_role,
        ),
        influences: code_choices(
            &t,
            "contact-influence",
            &codes(Influence::ALL, |r| r.as_str()),
            &f.influence,
        ),
        relationships: code_choices(
            &t,
            "contact-relationship",
            &codes(Relationship::ALL, |r| r.as_str()),
            &f.relationship,
        ),
        owners: owner_choices(state, &session.actor, owner, current_owner_name).await?,
        managers,
        f,
        id,
        errors: trouble.errors,
        duplicates: trouble.duplicates,
        conflict: trouble.conflict,
        account_choices: trouble.account_choices,
    })
}

#[derive(Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    account_id: String,
}

async fn new_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    session.actor.require(Module::Contacts, Action::Create)?;
    let mut f = ContactForm::default();
    // "Kişi ekle" on a customer card opens the form with the customer filled in.
    if let Ok(aid) = q.account_id.trim().parse::<i64>()
        && let Ok(a) = app_accounts::get(&state.app, &session.actor, aid).await
    {
        f.account_id = aid.to_string();
        f.account_name = a.row.name;
    }
    let page = form_page(&state, &session, f, None, None, FormTrouble::default()).await?;
    Ok(html(&page)?.into_response())
}

async fn edit_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let c = app_contacts::get(&state.app, &session.actor, id).await?;
    session.actor.require(Module::Contacts, Action::Edit)?;
    let f = ContactForm::from_contact(&c);
    let page = form_page(
        &state,
        &session,
        f,
        Some(id),
        c.row.owner_name.as_deref(),
        FormTrouble::default(),
    )
    .await?;
    Ok(html(&page)?.into_response())
}

const FORM_ORDER: &[&str] = &[
    "account_name",
    "first_name",
    "last_name",
    "title",
    "department",
    "email",
    "phone",
    "extension",
    "mobile",
    "whatsapp",
    "buying_role",
    "influence",
    "relationship",
    "reports_to_id",
    "owner_id",
    "tags",
    "notes",
];

async fn form_error(
    state: &AppState,
    session: &Session,
    f: ContactForm,
    id: Option<i64>,
    e: AppError,
) -> Result<Response, PageError> {
    let t = session.t;
    let current = match id {
        Some(id) => app_contacts::get(&state.app, &session.actor, id).await.ok(),
        None => None,
    };
    let owner_name = current.as_ref().and_then(|c| c.row.owner_name.clone());
    let mut f = f;
    let (status, trouble) = match e {
        AppError::Validation(errs) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormTrouble {
                errors: messages(&t, "contact", &errs, &[("account_id", "account_name")]),
                ..Default::default()
            },
        ),
        AppError::Duplicate(d) => (
            StatusCode::CONFLICT,
            FormTrouble {
                duplicates: d
                    .into_iter()
                    .map(|d| DupItem {
                        reason: if d.hidden {
                            t.t(&format!("problem-duplicate-hidden-{}", d.field))
                        } else {
                            t.t(&format!("contact-dup-{}", d.field))
                        },
                        id: d.id,
                        name: d.name,
                        owner: d.owner_name,
                        hidden: d.hidden,
                    })
                    .collect(),
                ..Default::default()
            },
        ),
        AppError::Conflict { current_version } => {
            let mut who = String::new();
            if let (Some(cur), Some(id)) = (&current, id) {
                f.version = cur.row.version.to_string();
                who = app_contacts::history(&state.app, &session.actor, id, 1)
                    .await
                    .unwrap_or_default()
                    .first()
                    .and_then(|h| h.user_name.clone())
                    .unwrap_or_default();
            } else {
                f.version = current_version.to_string();
            }
            (
                StatusCode::CONFLICT,
                FormTrouble {
                    conflict: Some(t.t1("contact-conflict", "who", who)),
                    ..Default::default()
                },
            )
        }
        other => return Err(other.into()),
    };
    let page = form_page(state, session, f, id, owner_name.as_deref(), trouble).await?;
    Ok((status, html(&page)?).into_response())
}

async fn save(state: AppState, session: Session, id: Option<i64>, f: ContactForm) -> Result<Response, PageError> {
    let t = session.t;
    let version = match id {
        Some(_) => Some(version_of(&f.version)?),
        None => None,
    };
    let mut f = f;
    // The contact as it is now (an edit): someone who may not see it gets "not found" here.
    let current = match id {
        Some(id) => Some(app_contacts::get(&state.app, &session.actor, id).await?),
        None => None,
    };
    let current_account = current
        .as_ref()
        .and_then(|c| c.row.account_id.zip(c.row.account_name.as_deref()));
    let picked = pick_account(
        &state,
        &session.actor,
        &f.account_name,
        &f.account_id,
        &f.account_choice,
        None,
        current_account,
    )
    .await?;
    let account_id = match picked {
        Picked::Nothing => None,
        Picked::One(a) => Some(a),
        Picked::NotFound | Picked::Several(_) => {
            let mut trouble = FormTrouble::default();
            match picked {
                Picked::Several(c) => {
                    trouble
                        .errors
                        .push(("account_name".into(), t.t("contact-account-several")));
                    trouble.account_choices = c;
                }
                _ => trouble
                    .errors
                    .push(("account_name".into(), t.t("contact-account-not-found"))),
            }
            // Show every other problem of the form in the same round.
            if let Ok(d) = f.draft(None)
                && let Err(e) = d.validate()
            {
                trouble.errors.extend(messages(&t, "contact", &e, &[]));
                trouble
                    .errors
                    .sort_by_key(|(k, _)| FORM_ORDER.iter().position(|x| x == k).unwrap_or(usize::MAX));
            }
            // The hidden id no longer stands for what was typed.
            f.account_id = String::new();
            let owner_name = current.and_then(|c| c.row.owner_name);
            let page = form_page(&state, &session, f, id, owner_name.as_deref(), trouble).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
        }
    };
    // From here on the form stands for the resolved account (its people fill the reports-to list).
    f.account_id = account_id.map(|a| a.to_string()).unwrap_or_default();
    f.account_choice = String::new();
    if let Some(a) = account_id
        && let Ok(acc) = app_accounts::get(&state.app, &session.actor, a).await
    {
        f.account_name = acc.row.name;
    }
    let draft = match f.draft(account_id) {
        Ok(d) => d,
        Err(e) => return form_error(&state, &session, f, id, e).await,
    };
    let allow_dup = !f.confirm_duplicate.is_empty();
    let result = match (id, version) {
        (Some(id), Some(v)) => app_contacts::update(&state.app, &session.actor, id, v, &draft, allow_dup)
            .await
            .map(|()| id),
        _ => app_contacts::create(&state.app, &session.actor, &draft, allow_dup).await,
    };
    match result {
        Ok(_) if id.is_none() && f.after == "new" => {
            // The next person is most likely of the same customer.
            let next = match account_id {
                Some(a) => format!("/contacts/new?account_id={a}&ok=created"),
                None => "/contacts/new?ok=created".into(),
            };
            Ok(crate::redirect::see_other(&next).into_response())
        }
        Ok(saved) => Ok(crate::redirect::see_other(&format!(
            "/contacts/{saved}?ok={}",
            if id.is_some() { "saved" } else { "created" }
        ))
        .into_response()),
        Err(e) => form_error(&state, &session, f, id, e).await,
    }
}

async fn create_submit(
    State(state): State<AppState>,
    session: Session,
    axum::Form(f): axum::Form<ContactForm>,
) -> Result<Response, PageError> {
    save(state, session, None, f).await
}

async fn edit_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<ContactForm>,
) -> Result<Response, PageError> {
    save(state, session, Some(id), f).await
}

// ---------------------------------------------------------------------------------------------
// The contact card

/// Everything a tab of the contact card may need.
pub struct ContactCard {
    pub state: AppState,
    pub actor: Actor,
    pub t: I18n,
    pub contact: Contact,
    pub query: HashMap<String, String>,
}

impl ContactCard {
    fn id(&self) -> i64 {
        self.contact.row.id
    }
    fn can_edit(&self) -> bool {
        self.actor.can(Module::Contacts, Action::Edit) && self.contact.row.archived_at.is_none()
    }
}

/// The tabs of the contact card (see `crate::tabs`; later modules add theirs here).
pub fn card_tabs() -> Vec<TabSpec<ContactCard>> {
    vec![
        TabSpec {
            key: "general",
            label: "tab-general",
            order: 10,
            visible: |_| true,
            render: |c| Box::pin(general_tab(c)),
        },
        TabSpec {
            key: "notes",
            label: "tab-notes",
            order: 80,
            visible: |_| true,
            render: |c| Box::pin(notes_tab(c)),
        },
        TabSpec {
            key: "history",
            label: "tab-history",
            order: 90,
            visible: |_| true,
            render: |c| Box::pin(history_tab(c)),
        },
    ]
}

#[derive(Template)]
#[template(path = "contacts/detail.html")]
struct DetailPage {
    shell: Shell,
    c: ContactItem,
    tabs: Vec<Tab>,
    panel: String,
    /// Ways to reach the person: label, shown value, link.
    reach: Vec<Fact>,
    can_edit: bool,
    can_archive: bool,
    can_merge: bool,
    version: i64,
}

const CARD_TOASTS: &[&str] = &["saved", "created", "restored", "archived"];

async fn detail_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let t = session.t;
    let contact = app_contacts::get(&state.app, &session.actor, id).await?;
    let card = ContactCard {
        state: state.clone(),
        actor: session.actor.clone(),
        t,
        contact,
        query,
    };
    let specs = card_tabs();
    let base = format!("/contacts/{id}");
    let (tabs, active) = tabs::pick(&t, &specs, &card, &base, card.query.get("tab").map(String::as_str));
    let panel = match active {
        Some(i) => (specs[i].render)(&card).await?,
        None => String::new(),
    };
    let r = &card.contact.row;
    let mut reach = vec![];
    if let Some(m) = &r.mobile {
        reach.push(Fact {
            label: t.t("contact-field-mobile"),
            value: phone_display(&r.mobile),
            href: Some(format!("tel:{m}")),
        });
    }
    if let Some(p) = &r.phone {
        let mut value = phone_display(&r.phone);
        if let Some(x) = &r.extension {
            value = format!("{value} · {}", t.t1("contact-ext", "ext", x));
        }
        reach.push(Fact {
            label: t.t("contact-field-phone"),
            value,
            href: Some(format!("tel:{p}")),
        });
    }
    if let Some(w) = &r.whatsapp {
        reach.push(Fact {
            label: t.t("contact-field-whatsapp"),
            value: phone_display(&r.whatsapp),
            href: Some(format!("https://wa.me/{}", digits(w))),
        });
    }
    if let Some(e) = &r.email {
        reach.push(Fact {
            label: t.t("contact-field-email"),
            value: e.clone(),
            href: Some(format!("mailto:{e}")),
        });
    }
    let mut shell = session.shell(card.contact.name());
    shell.toast = toast(&t, "contact", card.query.get("ok").map(String::as_str), CARD_TOASTS);
    let archived = r.archived_at.is_some();
    let page = DetailPage {
        shell,
        c: ContactItem::from(&t, &card.contact),
        tabs,
        panel,
        reach,
        can_edit: card.can_edit(),
        can_archive: session.actor.can(Module::Contacts, Action::Delete),
        can_merge: session.actor.can(Module::Contacts, Action::Edit) && !archived,
        version: r.version,
    };
    Ok(html(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "contacts/tab_general.html")]
struct GeneralPanel {
    t: I18n,
    facts: Vec<Fact>,
    reports: Vec<(i64, String)>,
    tags: Vec<String>,
}

fn fact(label: String, value: Option<String>, href: Option<String>) -> Option<Fact> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|value| Fact { label, value, href })
}

async fn general_tab(c: &ContactCard) -> Result<String, PageError> {
    let t = &c.t;
    let r = &c.contact.row;
    let app = &c.state.app;
    let f = |k: &str| t.t(&format!("contact-field-{k}"));
    // The manager and the direct reports, among the people of the same account this person sees.
    let colleagues = match r.account_id {
        Some(a) => app_contacts::of_account(app, &c.actor, a).await.unwrap_or_default(),
        None => vec![],
    };
    let manager = r
        .reports_to_id
        .and_then(|m| colleagues.iter().find(|p| p.row.id == m))
        .map(|p| p.name());
    let reports = colleagues
        .iter()
        .filter(|p| p.row.reports_to_id == Some(r.id))
        .map(|p| (p.row.id, p.name()))
        .collect();
    let phone = r.phone.as_ref().map(|_| match &r.extension {
        Some(x) => format!("{} · {}", phone_display(&r.phone), t.t1("contact-ext", "ext", x)),
        None => phone_display(&r.phone),
    });
    let facts = [
        fact(
            f("account_id"),
            r.account_name.clone(),
            r.account_id.map(|a| format!("/accounts/{a}")),
        ),
        fact(f("title"), r.title.clone(), None),
        fact(f("department"), r.department.clone(), None),
        fact(
            f("buying_role"),
            Some(code_label(t, "contact-role", r.buying_role.as_deref())),
            None,
        ),
        fact(
            f("influence"),
            Some(code_label(t, "contact-influence", r.influence.as_deref())),
            None,
        ),
        fact(
            f("relationship"),
            Some(code_label(t, "contact-relationship", r.relationship.as_deref())),
            None,
        ),
        fact(
            f("reports_to_id"),
            manager,
            r.reports_to_id.map(|m| format!("/contacts/{m}")),
        ),
        fact(f("phone"), phone, r.phone.as_ref().map(|p| format!("tel:{p}"))),
        fact(
            f("mobile"),
            Some(phone_display(&r.mobile)),
            r.mobile.as_ref().map(|p| format!("tel:{p}")),
        ),
        fact(
            f("whatsapp"),
            Some(phone_display(&r.whatsapp)),
            r.whatsapp.as_ref().map(|p| format!("https://wa.me/{}", digits(p))),
        ),
        fact(
            f("email"),
            r.email.clone(),
            r.email.as_ref().map(|e| format!("mailto:{e}")),
        ),
        fact(f("owner_id"), r.owner_name.clone(), None),
        fact(
            f("lead_id"),
            r.lead_id.map(|_| t.t("contact-from-lead")),
            r.lead_id.map(|l| format!("/leads/{l}")),
        ),
        fact(
            f("last_contact_at"),
            r.last_contact_at
                .map(|ms| format!("{} ({})", t.datetime(ms), t.ago(ms))),
            None,
        ),
        fact(f("created_at"), Some(t.datetime(r.created_at)), None),
        fact(f("updated_at"), Some(t.datetime(r.updated_at)), None),
    ]
    .into_iter()
    .flatten()
    .collect();
    html(&GeneralPanel {
        t: *t,
        facts,
        reports,
        tags: c.contact.tags.clone(),
    })
    .map(|h| h.0)
}

#[derive(Template)]
#[template(path = "contacts/tab_notes.html")]
struct NotesPanel {
    t: I18n,
    id: i64,
    notes: String,
    can_edit: bool,
}

async fn notes_tab(c: &ContactCard) -> Result<String, PageError> {
    html(&NotesPanel {
        t: c.t,
        id: c.id(),
        notes: c.contact.row.notes.clone().unwrap_or_default(),
        can_edit: c.can_edit(),
    })
    .map(|h| h.0)
}

async fn history_tab(c: &ContactCard) -> Result<String, PageError> {
    let t = c.t;
    let app = &c.state.app;
    let rows = app_contacts::history(app, &c.actor, c.id(), 500).await?;
    let names = app_users::names(app).await?;
    // Accounts and managers named in the history, for links with names (only those this
    // person sees; a bounded number of look-ups).
    let mut accounts: HashMap<i64, String> = HashMap::new();
    let mut people: HashMap<i64, String> = HashMap::new();
    for h in &rows {
        for v in [&h.old, &h.new].into_iter().flatten() {
            let Ok(ref_id) = v.parse::<i64>() else { continue };
            if h.field == "account_id" && !accounts.contains_key(&ref_id) && accounts.len() < 20 {
                if let Ok(a) = app_accounts::get(app, &c.actor, ref_id).await {
                    accounts.insert(ref_id, a.row.name);
                }
            } else if h.field == "reports_to_id"
                && !people.contains_key(&ref_id)
                && people.len() < 20
                && let Ok(p) = app_contacts::get(app, &c.actor, ref_id).await
            {
                people.insert(ref_id, p.name());
            }
        }
    }
    let linked = |map: &HashMap<i64, String>, base: &str, v: &str| match v.parse::<i64>() {
        Ok(i) => HistoryValue {
            text: map.get(&i).cloned().unwrap_or_else(|| format!("#{i}")),
            href: Some(format!("{base}/{i}")),
        },
        Err(_) => HistoryValue::text(v),
    };
    let value = |field: &str, v: &str| -> HistoryValue {
        match field {
            "account_id" => linked(&accounts, "/accounts", v),
            "reports_to_id" => linked(&people, "/contacts", v),
            "buying_role" => HistoryValue::text(code_label(&t, "contact-role", Some(v))),
            "influence" => HistoryValue::text(code_label(&t, "contact-influence", Some(v))),
            "relationship" => HistoryValue::text(code_label(&t, "contact-relationship", Some(v))),
            "owner_id" => user_value(v, &names),
            "phone" | "mobile" | "whatsapp" => HistoryValue::text(Phone::from_stored(v.to_string()).display()),
            "archived_at" => time_value(&t, v),
            "merged_from" | "merged_into" => reference_value(&t, v, "/contacts"),
            _ => HistoryValue::text(v),
        }
    };
    let rows = history_rows(&t, "contact", &rows, value);
    html(&HistoryPanel { t, rows }).map(|h| h.0)
}

// ---------------------------------------------------------------------------------------------
// Archive and restore

#[derive(Deserialize)]
struct VersionForm {
    #[serde(default)]
    version: String,
}

async fn archive_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<VersionForm>,
) -> Result<Response, PageError> {
    let v = version_of(&f.version)?;
    match app_contacts::set_archived(&state.app, &session.actor, id, v, true).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/contacts/{id}?ok=archived")).into_response()),
        Err(AppError::Conflict { .. }) => Ok(crate::redirect::see_other(&format!("/contacts/{id}")).into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn restore_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<VersionForm>,
) -> Result<Response, PageError> {
    let v = version_of(&f.version)?;
    match app_contacts::set_archived(&state.app, &session.actor, id, v, false).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/contacts/{id}?ok=restored")).into_response()),
        Err(AppError::Conflict { .. }) => Ok(crate::redirect::see_other(&format!("/contacts/{id}")).into_response()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_filters_are_read_and_named() {
        let q = ContactListParams {
            account_id: "12".into(),
            buying_role: "champion".into(),
            ..Default::default()
        }
        .to_query(50, 200)
        .unwrap();
        assert_eq!(q.account_id, Some(12));
        assert_eq!(q.buying_role.as_deref(), Some("champion"));
        assert_eq!(q.sort, SortKey::Name);
        let e = ContactListParams {
            account_id: "x".into(),
            buying_role: "king".into(),
            limit: "0".into(),
            ..Default::default()
        }
        .to_query(50, 200)
        .unwrap_err();
        for f in ["account_id", "buying_role", "limit"] {
            assert!(e.has(f), "{f}");
        }
    }
}
