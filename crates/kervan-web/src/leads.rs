//! Leads pages: list, new, detail (Genel, Notlar, Geçmiş), edit, status, archive, delete.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use kervan_app::bulk::Target;
use kervan_app::error::Duplicate;
use kervan_app::leads::{self as app_leads, Lead};
use kervan_app::{AppError, users as app_users};
use kervan_core::leads::{LeadDraft, LeadSource, LeadStatus};
use kervan_core::permissions::{Action, Module};
use kervan_core::text::initials;
use kervan_store::audit::AuditRow;
use kervan_store::users::UserRow;

use crate::AppState;
use crate::auth::Session;
use crate::bulk::{BulkBar, toast as bulk_toast};
use crate::error::{PageError, field_messages, html};
use crate::forms::{LeadListParams, pager_links, params_of, split_tags};
use crate::i18n::I18n;
use crate::layout::Shell;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leads", get(list_page).post(create_submit))
        .route("/leads/new", get(new_page))
        .route("/leads/{id}", get(detail_page).post(edit_submit))
        .route("/leads/{id}/edit", get(edit_page))
        .route("/leads/{id}/status", post(status_submit))
        .route("/leads/{id}/archive", post(archive_submit))
        .route("/leads/{id}/restore", post(restore_submit))
        .route("/leads/{id}/delete", post(delete_submit))
}

use crate::ui::Choice;

fn status_choices(t: &I18n, current: &str, manual_only: bool) -> Vec<Choice> {
    let list: Vec<LeadStatus> = if manual_only {
        LeadStatus::MANUAL.to_vec()
    } else {
        LeadStatus::ALL.to_vec()
    };
    list.into_iter()
        .map(|s| (s.as_str().to_string(), t.status(s.as_str()), s.as_str() == current))
        .collect()
}

fn source_choices(t: &I18n, current: &str) -> Vec<Choice> {
    LeadSource::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), t.source(s.as_str()), s.as_str() == current))
        .collect()
}

fn owner_choices(users: &[UserRow], current: Option<i64>) -> Vec<Choice> {
    users
        .iter()
        .map(|u| (u.id.to_string(), u.name.clone(), Some(u.id) == current))
        .collect()
}

/// A row of the list, ready to show.
pub struct LeadItem {
    pub id: i64,
    pub name: String,
    pub company: String,
    pub phone: String,
    pub email: String,
    pub source: String,
    pub source_detail: String,
    pub status: String,
    pub status_label: String,
    pub owner: String,
    pub owner_initials: String,
    pub city: String,
    pub tags: Vec<String>,
    pub created: String,
    pub created_ago: String,
}

impl LeadItem {
    pub fn from(t: &I18n, l: &Lead) -> LeadItem {
        let r = &l.row;
        let owner = r.owner_name.clone().unwrap_or_default();
        LeadItem {
            id: r.id,
            name: l.name(),
            company: if r.first_name.is_some() || r.last_name.is_some() {
                r.company.clone().unwrap_or_default()
            } else {
                String::new()
            },
            phone: r
                .phone
                .clone()
                .map(|p| kervan_core::Phone::from_stored(p).display())
                .unwrap_or_default(),
            email: r.email.clone().unwrap_or_default(),
            source: t.source(&r.source),
            source_detail: r.source_detail.clone().unwrap_or_default(),
            status: r.status.clone(),
            status_label: t.status(&r.status),
            owner_initials: initials(&owner),
            owner,
            city: r.city.clone().unwrap_or_default(),
            tags: l.tags.clone(),
            created: t.date(r.created_at),
            created_ago: t.ago(r.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "leads/list.html")]
struct ListPage {
    shell: Shell,
    bulk: BulkBar,
    p: LeadListParams,
    items: Vec<LeadItem>,
    statuses: Vec<Choice>,
    sources: Vec<Choice>,
    owners: Vec<Choice>,
    cities: Vec<Choice>,
    sectors: Vec<Choice>,
    next_link: Option<String>,
    prev_link: Option<String>,
    errors: Vec<(String, String)>,
    sort: String,
    filtered: bool,
    more_open: bool,
    can_create: bool,
}

impl ListPage {
    /// The link for a sortable header: click once ascending/descending, again the other way.
    fn sort_link(&self, key: &str) -> String {
        let next = if self.sort == format!("-{key}") {
            key.to_string()
        } else {
            format!("-{key}")
        };
        format!("/leads?{}", self.p.query_string(Some(&next)))
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
    fn created_is(&self, v: &str) -> bool {
        self.p.created == v
    }
}

fn values_choices(values: Vec<String>, current: &str) -> Vec<Choice> {
    let mut v: Vec<Choice> = values
        .into_iter()
        .map(|c| (c.clone(), c.clone(), c == current))
        .collect();
    if !current.is_empty() && !v.iter().any(|c| c.2) {
        v.insert(0, (current.to_string(), current.to_string(), true));
    }
    v
}

async fn list_page(
    State(state): State<AppState>,
    session: Session,
    Query(p): Query<LeadListParams>,
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
    p: LeadListParams,
    url: &str,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    let t = session.t;
    let app = &state.app;
    session.actor.require(Module::Leads, Action::View)?;
    let (q, mut errors) = match p.to_query(50, 200) {
        Ok(q) => (q, vec![]),
        Err(e) => {
            // Show what was wrong and the unfiltered list rather than an error page.
            (
                LeadListParams::default().to_query(50, 200).unwrap_or_default(),
                field_messages(&t, &e),
            )
        }
    };
    let page = app_leads::list(app, &session.actor, &q).await?;
    let sort_key = if p.sort.is_empty() {
        "-created_at".to_string()
    } else {
        p.sort.clone()
    };
    let (prev_link, next_link) = pager_links(
        "/leads",
        &p.query_string(None),
        page.leads.first().map(|l| l.row.position(q.sort)),
        page.leads.last().map(|l| l.row.position(q.sort)),
        page.has_prev,
        page.has_next,
    );
    let owners = app_users::assignable(app, &session.actor).await?;
    let all_users = if session.actor.visibility(Module::Leads, Action::View) == kervan_store::leads::Visibility::All {
        app_users::names(app)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name.clone(), p.owner_id == id.to_string()))
            .collect()
    } else {
        owner_choices(&owners, p.owner_id.parse().ok())
    };
    let cities = values_choices(app_leads::filter_values(app, "city").await?, p.city.trim());
    let sectors = values_choices(app_leads::filter_values(app, "sector").await?, p.sector.trim());
    if let Some(m) = message {
        errors.insert(0, ("ids".to_string(), m));
    }
    let bulk = BulkBar::new(session, Target::Leads, url, owner_choices(&owners, None));
    let more_open = !p.tag.is_empty()
        || !p.city.is_empty()
        || !p.sector.is_empty()
        || !p.archived.is_empty()
        || p.created == "custom";
    let mut shell = session.shell(t.t("leads-title"));
    shell.toast = bulk_toast(&t, url);
    let page = ListPage {
        shell,
        bulk,
        items: page.leads.iter().map(|l| LeadItem::from(&t, l)).collect(),
        statuses: status_choices(&t, &p.status, false),
        sources: source_choices(&t, &p.source),
        owners: all_users,
        cities,
        sectors,
        next_link,
        prev_link,
        errors,
        sort: sort_key,
        filtered: p.has_filters(),
        more_open,
        can_create: session.actor.can(Module::Leads, Action::Create),
        p,
    };
    html(&page)
}

/// The lead form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LeadForm {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub company: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub source_detail: String,
    #[serde(default)]
    pub campaign: String,
    #[serde(default)]
    pub product_interest: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub lost_reason: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub sector: String,
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

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() { None } else { Some(s.to_string()) }
}

impl LeadForm {
    fn draft(&self) -> Result<LeadDraft, AppError> {
        let owner_id = match self.owner_id.trim() {
            "" => None,
            s => Some(
                s.parse::<i64>()
                    .map_err(|_| AppError::field("owner_id", "invalid_choice"))?,
            ),
        };
        Ok(LeadDraft {
            first_name: opt(&self.first_name),
            last_name: opt(&self.last_name),
            company: opt(&self.company),
            title: opt(&self.title),
            email: opt(&self.email),
            phone: opt(&self.phone),
            source: opt(&self.source),
            source_detail: opt(&self.source_detail),
            campaign: opt(&self.campaign),
            product_interest: opt(&self.product_interest),
            status: opt(&self.status),
            lost_reason: opt(&self.lost_reason),
            owner_id,
            city: opt(&self.city),
            sector: opt(&self.sector),
            tags: split_tags(&self.tags),
            notes: opt(&self.notes),
        })
    }

    fn from_lead(l: &Lead) -> LeadForm {
        let d = l.draft();
        let s = |o: Option<String>| o.unwrap_or_default();
        LeadForm {
            first_name: s(d.first_name),
            last_name: s(d.last_name),
            company: s(d.company),
            title: s(d.title),
            email: s(d.email),
            phone: d
                .phone
                .map(|p| kervan_core::Phone::from_stored(p).display())
                .unwrap_or_default(),
            source: s(d.source),
            source_detail: s(d.source_detail),
            campaign: s(d.campaign),
            product_interest: s(d.product_interest),
            status: s(d.status),
            lost_reason: s(d.lost_reason),
            owner_id: d.owner_id.map(|o| o.to_string()).unwrap_or_default(),
            city: s(d.city),
            sector: s(d.sector),
            tags: d.tags.join(", "),
            notes: s(d.notes),
            version: l.row.version.to_string(),
            after: String::new(),
            confirm_duplicate: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "leads/form.html")]
struct FormPage {
    shell: Shell,
    f: LeadForm,
    id: Option<i64>,
    errors: Vec<(String, String)>,
    duplicates: Vec<Duplicate>,
    conflict: Option<String>,
    statuses: Vec<Choice>,
    sources: Vec<Choice>,
    owners: Vec<Choice>,
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
            Some(id) => format!("/leads/{id}"),
            None => "/leads".into(),
        }
    }
    fn cancel(&self) -> String {
        match self.id {
            Some(id) => format!("/leads/{id}"),
            None => "/leads".into(),
        }
    }
    fn is_lost(&self) -> bool {
        self.f.status == "lost"
    }
}

#[derive(Deserialize, Default)]
struct ToastQuery {
    ok: Option<String>,
    tab: Option<String>,
}

#[allow(clippy::too_many_arguments)] // one call per page state; a struct would only rename them
async fn form_page(
    state: &AppState,
    session: &Session,
    f: LeadForm,
    id: Option<i64>,
    errors: Vec<(String, String)>,
    duplicates: Vec<Duplicate>,
    conflict: Option<String>,
    toast: Option<&str>,
) -> Result<FormPage, PageError> {
    let t = session.t;
    let users = app_users::assignable(&state.app, &session.actor).await?;
    let owner = f.owner_id.parse().ok().or(Some(session.actor.user_id));
    let title = if id.is_some() {
        t.t("lead-edit-title")
    } else {
        t.t("lead-new-title")
    };
    Ok(FormPage {
        shell: session.shell(title).with_toast(toast),
        statuses: status_choices(&t, &f.status, true),
        sources: source_choices(&t, &f.source),
        owners: owner_choices(&users, owner),
        f,
        id,
        errors,
        duplicates,
        conflict,
    })
}

async fn new_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ToastQuery>,
) -> Result<Response, PageError> {
    session.actor.require(Module::Leads, Action::Create)?;
    let f = LeadForm {
        status: "new".into(),
        ..Default::default()
    };
    Ok(html(&form_page(&state, &session, f, None, vec![], vec![], None, q.ok.as_deref()).await?)?.into_response())
}

/// Turns a failed save into the form again, with the person's input intact.
async fn form_error(
    state: &AppState,
    session: &Session,
    f: LeadForm,
    id: Option<i64>,
    e: AppError,
) -> Result<Response, PageError> {
    let t = session.t;
    match e {
        AppError::Validation(errs) => {
            let page = form_page(state, session, f, id, field_messages(&t, &errs), vec![], None, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        AppError::Duplicate(d) => {
            let page = form_page(state, session, f, id, vec![], d, None, None).await?;
            Ok((StatusCode::CONFLICT, html(&page)?).into_response())
        }
        AppError::Conflict { current_version } => {
            // Keep what the person typed; show who changed what meanwhile; saving again overwrites.
            let mut f = f;
            let mut changed = String::new();
            if let Some(id) = id
                && let Ok(cur) = app_leads::get(&state.app, &session.actor, id).await
            {
                let hist = app_leads::history(&state.app, &session.actor, id, 20)
                    .await
                    .unwrap_or_default();
                let who = hist.first().and_then(|h| h.user_name.clone()).unwrap_or_default();
                changed = t.t1("lead-conflict", "who", who);
                f.version = cur.row.version.to_string();
            } else {
                f.version = current_version.to_string();
            }
            let page = form_page(state, session, f, id, vec![], vec![], Some(changed), None).await?;
            Ok((StatusCode::CONFLICT, html(&page)?).into_response())
        }
        other => Err(other.into()),
    }
}

async fn create_submit(
    State(state): State<AppState>,
    session: Session,
    axum::Form(f): axum::Form<LeadForm>,
) -> Result<Response, PageError> {
    let draft = match f.draft() {
        Ok(d) => d,
        Err(e) => return form_error(&state, &session, f, None, e).await,
    };
    match app_leads::create(&state.app, &session.actor, &draft, !f.confirm_duplicate.is_empty()).await {
        Ok(id) => {
            if f.after == "new" {
                Ok(crate::redirect::see_other("/leads/new?ok=created").into_response())
            } else {
                Ok(crate::redirect::see_other(&format!("/leads/{id}?ok=created")).into_response())
            }
        }
        Err(e) => form_error(&state, &session, f, None, e).await,
    }
}

async fn edit_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let lead = app_leads::get(&state.app, &session.actor, id).await?;
    session.actor.require(Module::Leads, Action::Edit)?;
    let f = LeadForm::from_lead(&lead);
    Ok(html(&form_page(&state, &session, f, Some(id), vec![], vec![], None, None).await?)?.into_response())
}

fn version_of(s: &str) -> Result<i64, PageError> {
    s.trim().parse().map_err(|_| PageError::BadRequest)
}

async fn edit_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<LeadForm>,
) -> Result<Response, PageError> {
    let version = version_of(&f.version)?;
    let draft = match f.draft() {
        Ok(d) => d,
        Err(e) => return form_error(&state, &session, f, Some(id), e).await,
    };
    match app_leads::update(
        &state.app,
        &session.actor,
        id,
        version,
        &draft,
        !f.confirm_duplicate.is_empty(),
    )
    .await
    {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/leads/{id}?ok=saved")).into_response()),
        Err(e) => form_error(&state, &session, f, Some(id), e).await,
    }
}

pub struct HistoryItem {
    pub when: String,
    pub who: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

fn history_value(t: &I18n, field: &str, v: Option<&str>, names: &[(i64, String)]) -> String {
    let Some(v) = v else { return "—".into() };
    match field {
        "status" => t.status(v),
        "source" => t.source(v),
        "owner_id" => v
            .parse::<i64>()
            .ok()
            .and_then(|id| names.iter().find(|(i, _)| *i == id))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| v.to_string()),
        "phone" => kervan_core::Phone::from_stored(v.to_string()).display(),
        "archived_at" => chrono_ms(v).map(|ms| t.datetime(ms)).unwrap_or_else(|| v.to_string()),
        _ => v.to_string(),
    }
}

fn chrono_ms(rfc: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(rfc)
        .ok()
        .map(|d| d.timestamp_millis())
}

pub fn history_items(t: &I18n, rows: &[AuditRow], names: &[(i64, String)]) -> Vec<HistoryItem> {
    rows.iter()
        .map(|h| HistoryItem {
            when: t.datetime(h.at),
            who: h.user_name.clone().unwrap_or_else(|| t.t("history-system")),
            field: t.field(&h.field),
            old: history_value(t, &h.field, h.old.as_deref(), names),
            new: history_value(t, &h.field, h.new.as_deref(), names),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "leads/detail.html")]
struct DetailPage {
    shell: Shell,
    l: LeadItem,
    lead: Lead,
    tab: String,
    history: Vec<HistoryItem>,
    statuses: Vec<Choice>,
    can_edit: bool,
    can_archive: bool,
    can_delete: bool,
    /// The lead may be turned into a customer by this user.
    can_convert: bool,
    converted_account: String,
    converted_contact: String,
    facts: Vec<(String, String)>,
}

impl DetailPage {
    fn archived(&self) -> bool {
        self.lead.row.archived_at.is_some()
    }
    fn converted(&self) -> bool {
        self.lead.row.status == "converted"
    }
    fn notes(&self) -> String {
        self.lead.row.notes.clone().unwrap_or_default()
    }
    fn lost_reason(&self) -> String {
        self.lead.row.lost_reason.clone().unwrap_or_default()
    }
    fn version(&self) -> i64 {
        self.lead.row.version
    }
    fn id(&self) -> i64 {
        self.lead.row.id
    }
}

async fn detail_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<ToastQuery>,
) -> Result<Response, PageError> {
    let t = session.t;
    let app = &state.app;
    let lead = app_leads::get(app, &session.actor, id).await?;
    let tab = match q.tab.as_deref() {
        Some("notes") => "notes",
        Some("history") => "history",
        _ => "general",
    }
    .to_string();
    let history = if tab == "history" {
        let names = app_users::names(app).await?;
        history_items(&t, &app_leads::history(app, &session.actor, id, 500).await?, &names)
    } else {
        vec![]
    };
    let r = &lead.row;
    let mut facts: Vec<(String, String)> = vec![];
    let mut fact = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            facts.push((t.field(k), v));
        }
    };
    fact("company", r.company.clone());
    fact("title", r.title.clone());
    fact(
        "phone",
        r.phone.clone().map(|p| kervan_core::Phone::from_stored(p).display()),
    );
    fact("email", r.email.clone());
    fact("source", Some(t.source(&r.source)));
    fact("source_detail", r.source_detail.clone());
    fact("campaign", r.campaign.clone());
    fact("product_interest", r.product_interest.clone());
    fact("city", r.city.clone());
    fact("sector", r.sector.clone());
    fact("owner_id", r.owner_name.clone());
    fact("lost_reason", r.lost_reason.clone());
    fact("created_at", Some(t.datetime(r.created_at)));
    fact("updated_at", Some(t.datetime(r.updated_at)));
    let vis_edit = session.actor.can(Module::Leads, Action::Edit);
    // Names of what the lead became, when the user may see them (ids alone say nothing).
    let converted_account = match r.account_id {
        Some(a) => kervan_app::accounts::get(app, &session.actor, a)
            .await
            .map(|x| x.row.name)
            .unwrap_or_else(|_| format!("#{a}")),
        None => String::new(),
    };
    let converted_contact = match r.contact_id {
        Some(c) => kervan_app::contacts::get(app, &session.actor, c)
            .await
            .map(|x| x.name())
            .unwrap_or_else(|_| format!("#{c}")),
        None => String::new(),
    };
    let can_convert = vis_edit
        && r.status != "converted"
        && r.archived_at.is_none()
        && session.actor.can(Module::Contacts, Action::Create);
    let page = DetailPage {
        shell: session.shell(lead.name()).with_toast(q.ok.as_deref()),
        l: LeadItem::from(&t, &lead),
        statuses: status_choices(&t, &r.status, true),
        can_edit: vis_edit && r.status != "converted" && r.archived_at.is_none(),
        can_archive: session.actor.can(Module::Leads, Action::Delete),
        can_delete: session.actor.is_admin(),
        can_convert,
        converted_account,
        converted_contact,
        tab,
        history,
        facts,
        lead,
    };
    Ok(html(&page)?.into_response())
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
    #[serde(default)]
    lost_reason: String,
    version: String,
}

async fn status_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<StatusForm>,
) -> Result<Response, PageError> {
    let version = version_of(&f.version)?;
    let reason = opt(&f.lost_reason);
    match app_leads::set_status(&state.app, &session.actor, id, version, &f.status, reason.as_deref()).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/leads/{id}?ok=status")).into_response()),
        Err(AppError::Validation(_)) | Err(AppError::Conflict { .. }) => {
            // Fall back to the full form, which explains the problem field by field.
            let lead = app_leads::get(&state.app, &session.actor, id).await?;
            let mut form = LeadForm::from_lead(&lead);
            form.status = f.status;
            form.lost_reason = f.lost_reason;
            form.version = f.version;
            let draft = form.draft().map_err(PageError::from)?;
            let e = app_leads::update(&state.app, &session.actor, id, version, &draft, true)
                .await
                .err();
            match e {
                Some(e) => form_error(&state, &session, form, Some(id), e).await,
                None => Ok(crate::redirect::see_other(&format!("/leads/{id}?ok=status")).into_response()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

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
    match app_leads::set_archived(&state.app, &session.actor, id, v, true).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/leads/{id}?ok=archived")).into_response()),
        Err(AppError::Conflict { .. }) => Ok(crate::redirect::see_other(&format!("/leads/{id}")).into_response()),
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
    match app_leads::set_archived(&state.app, &session.actor, id, v, false).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/leads/{id}?ok=restored")).into_response()),
        Err(AppError::Conflict { .. }) => Ok(crate::redirect::see_other(&format!("/leads/{id}")).into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn delete_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    app_leads::delete_hard(&state.app, &session.actor, id).await?;
    Ok(crate::redirect::see_other("/leads?ok=deleted").into_response())
}
