//! Customer (account) pages: the list, new and edit forms, the customer card with its tabs
//! (Genel, İlgili Kişiler, Adresler, Alt Firmalar, Notlar, Geçmiş), addresses, archive and
//! restore. The merge screen (`/accounts/{id}/merge`) lives elsewhere; the card only links to it.
//!
//! Also the pieces the contact pages share: picking an account by name, choices for selects,
//! area-specific validation messages, toasts and the history table.

use std::any::Any;
use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use kervan_app::accounts::{self as app_accounts, Account};
use kervan_app::bulk::Target;
use kervan_app::{Actor, AppError, search as app_search, users as app_users};
use kervan_core::accounts::{
    AccountDraft, AccountKind, AddressDraft, AddressKind, CustomerClass, Lifecycle, Potential, Segment,
};
use kervan_core::permissions::{Action, Module};
use kervan_core::text::{fold, initials};
use kervan_core::{FieldErrors, Money, Phone};
use kervan_store::accounts::{AccountQuery, AddressRow, SortKey};
use kervan_store::audit::AuditRow;
use kervan_store::leads::Visibility;
use kervan_store::listing::{Position, SortValue};

use crate::AppState;
use crate::auth::Session;
use crate::bulk::{BulkBar, toast as bulk_toast};
use crate::error::{PageError, html};
use crate::forms::{decode_cursor, pager_links, params_of, split_tags};
use crate::i18n::I18n;
use crate::layout::Shell;
use crate::tabs::{self, Panel, Tab, TabSpec};
use crate::ui::Choice;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list_page).post(create_submit))
        .route("/accounts/new", get(new_page))
        .route("/accounts/{id}", get(detail_page).post(edit_submit))
        .route("/accounts/{id}/edit", get(edit_page))
        .route("/accounts/{id}/archive", post(archive_submit))
        .route("/accounts/{id}/restore", post(restore_submit))
        .route("/accounts/{id}/addresses", post(address_add))
        .route("/accounts/{id}/addresses/{aid}", post(address_edit))
        .route("/accounts/{id}/addresses/{aid}/delete", post(address_delete))
}

// ---------------------------------------------------------------------------------------------
// Shared with the contact pages

/// Choices for a select from the codes of a domain enum, labelled by `{prefix}-{code}` in the .ftl files.
pub fn code_choices(t: &I18n, prefix: &str, codes: &[&'static str], current: &str) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| (c.to_string(), t.t(&format!("{prefix}-{c}")), *c == current))
        .collect()
}

/// A label for a stored code, or nothing for an empty value.
pub fn code_label(t: &I18n, prefix: &str, code: Option<&str>) -> String {
    match code {
        Some(c) if !c.is_empty() => t.t(&format!("{prefix}-{c}")),
        _ => String::new(),
    }
}

/// Validation messages for a customer form: the area's own sentence when it has one
/// (`account-err-owner_not_allowed` speaks of a customer, the shared one of a lead), otherwise the
/// shared `err-<code>`. Fields the form shows under another input are renamed (`parent_id` is
/// typed into `parent_name`), so the summary links and the focus land on a real input.
pub fn messages(t: &I18n, area: &str, e: &FieldErrors, renames: &[(&str, &str)]) -> Vec<(String, String)> {
    e.0.iter()
        .map(|x| {
            let key = format!("{area}-err-{}", x.code);
            let own = t.t(&key);
            let msg = if own != key { own } else { t.err(x) };
            let field = renames
                .iter()
                .find(|(from, _)| *from == x.field)
                .map(|(_, to)| to.to_string())
                .unwrap_or_else(|| x.field.clone());
            (field, msg)
        })
        .collect()
}

/// The toast for `?ok=<key>` on a customer or contact page. Only known keys are shown: the query
/// string is not a place to inject text.
pub fn toast(t: &I18n, area: &str, key: Option<&str>, known: &[&str]) -> Option<String> {
    key.filter(|k| known.contains(k))
        .map(|k| t.t(&format!("{area}-toast-{k}")))
}

/// Everyone the actor may make the owner of a record, for the owner select; the current owner
/// stays in the list even when the actor could not pick them (so saving does not silently hand
/// the record to somebody else).
pub async fn owner_choices(
    state: &AppState,
    actor: &Actor,
    current: Option<i64>,
    current_name: Option<&str>,
) -> Result<Vec<Choice>, PageError> {
    // The assignable users follow the lead grants, which customers and contacts share by default.
    let users = app_users::assignable(&state.app, actor).await?;
    let mut v: Vec<Choice> = users
        .iter()
        .map(|u| (u.id.to_string(), u.name.clone(), Some(u.id) == current))
        .collect();
    if let Some(c) = current
        && !v.iter().any(|x| x.2)
    {
        v.insert(0, (c.to_string(), current_name.unwrap_or_default().to_string(), true));
    }
    Ok(v)
}

/// The owners a list may be filtered by: everyone for a person who sees all records, otherwise
/// the people whose records they may see.
pub async fn owner_filter_choices(
    state: &AppState,
    actor: &Actor,
    module: Module,
    current: &str,
) -> Result<Vec<Choice>, PageError> {
    if actor.visibility(module, Action::View) == Visibility::All {
        Ok(app_users::names(&state.app)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name, current == id.to_string()))
            .collect())
    } else {
        Ok(app_users::assignable(&state.app, actor)
            .await?
            .into_iter()
            .map(|u| (u.id.to_string(), u.name.clone(), current == u.id.to_string()))
            .collect())
    }
}

/// An account found for a name typed into an account box.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub detail: String,
}

/// What an account box (a name typed by the person, backed by a hidden id) resolves to.
pub enum Picked {
    Nothing,
    One(i64),
    NotFound,
    Several(Vec<Candidate>),
}

/// Resolves an account box without JavaScript: a radio `choice` from a previous round wins; an
/// unchanged name keeps its hidden id; otherwise the name is searched (Turkish-insensitive) and
/// a single or exactly named match is taken, several are offered to choose from.
///
/// `current` is the account the record points to already (id, name): while the box still shows
/// it, it is kept even when this person may not open that account (the link was made by someone
/// who could, and an unchanged link is not checked again), so such a record stays editable.
pub async fn pick_account(
    state: &AppState,
    actor: &Actor,
    typed: &str,
    hidden_id: &str,
    choice: &str,
    except: Option<i64>,
    current: Option<(i64, &str)>,
) -> Result<Picked, PageError> {
    if let Ok(id) = choice.trim().parse::<i64>() {
        return Ok(Picked::One(id));
    }
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(Picked::Nothing);
    }
    if let Some((cur, name)) = current
        && hidden_id.trim() == cur.to_string()
        && name.trim() == typed
    {
        return Ok(Picked::One(cur));
    }
    if let Ok(id) = hidden_id.trim().parse::<i64>()
        && let Ok(a) = app_accounts::get(&state.app, actor, id).await
        && a.row.name.trim() == typed
    {
        return Ok(Picked::One(id));
    }
    let q = app_search::account_query(typed, 9);
    let found = match app_accounts::list(&state.app, actor, &q).await {
        Ok(p) => p.accounts,
        Err(AppError::Forbidden { .. }) => vec![],
        Err(e) => return Err(e.into()),
    };
    let found: Vec<Account> = found.into_iter().filter(|a| Some(a.row.id) != except).collect();
    let key = fold(typed);
    let exact: Vec<&Account> = found.iter().filter(|a| fold(&a.row.name) == key).collect();
    if exact.len() == 1 {
        return Ok(Picked::One(exact[0].row.id));
    }
    match found.len() {
        0 => Ok(Picked::NotFound),
        1 => Ok(Picked::One(found[0].row.id)),
        _ => Ok(Picked::Several(
            found
                .iter()
                .take(8)
                .map(|a| Candidate {
                    id: a.row.id,
                    name: a.row.name.clone(),
                    detail: [a.row.city.clone(), a.row.owner_name.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" · "),
                })
                .collect(),
        )),
    }
}

/// One value in the history: text, and a link when it names another record.
pub struct HistoryValue {
    pub text: String,
    pub href: Option<String>,
}

impl HistoryValue {
    pub fn text(s: impl Into<String>) -> HistoryValue {
        HistoryValue {
            text: s.into(),
            href: None,
        }
    }
}

pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub field: String,
    pub old: HistoryValue,
    pub new: HistoryValue,
}

/// The history table of a card, one template for customers and contacts.
#[derive(Template)]
#[template(path = "accounts/tab_history.html")]
pub struct HistoryPanel {
    pub t: I18n,
    pub rows: Vec<HistoryRow>,
}

/// A record reference written by merge and conversion (`#42 Anadolu Metal (3 contacts, 1
/// addresses)`): the name and a link to `{base}/42`, the counts in the reader's language.
pub fn reference_value(t: &I18n, v: &str, base: &str) -> HistoryValue {
    let Some(rest) = v.strip_prefix('#') else {
        return HistoryValue::text(v);
    };
    let (id, name) = rest.split_once(' ').unwrap_or((rest, ""));
    let Ok(id) = id.parse::<i64>() else {
        return HistoryValue::text(v);
    };
    let mut name = name.to_string();
    // The merge of accounts notes how much moved, in a fixed English form.
    if let Some(open) = name.rfind(" (")
        && let Some(counts) = name[open + 2..].strip_suffix(" addresses)")
        && let Some((c, a)) = counts.split_once(" contacts, ")
        && let (Ok(c), Ok(a)) = (c.parse::<i64>(), a.parse::<i64>())
    {
        let moved = format!(
            "{}, {}",
            t.tn("account-history-moved-contacts", c),
            t.tn("account-history-moved-addresses", a)
        );
        name = format!("{} ({moved})", &name[..open]);
    }
    HistoryValue {
        text: if name.is_empty() { format!("#{id}") } else { name },
        href: Some(format!("{base}/{id}")),
    }
}

/// A user id in the history as the user's name.
pub fn user_value(v: &str, names: &[(i64, String)]) -> HistoryValue {
    HistoryValue::text(
        v.parse::<i64>()
            .ok()
            .and_then(|id| names.iter().find(|(i, _)| *i == id))
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| v.to_string()),
    )
}

/// An RFC 3339 time in the history (archiving) as an Istanbul date and time.
pub fn time_value(t: &I18n, v: &str) -> HistoryValue {
    HistoryValue::text(
        chrono::DateTime::parse_from_rfc3339(v)
            .map(|d| t.datetime(d.timestamp_millis()))
            .unwrap_or_else(|_| v.to_string()),
    )
}

/// History rows with field names from `{area}-field-<field>` and values shown by `value`.
pub fn history_rows(
    t: &I18n,
    area: &str,
    rows: &[AuditRow],
    value: impl Fn(&str, &str) -> HistoryValue,
) -> Vec<HistoryRow> {
    let show = |field: &str, v: Option<&str>| match v {
        None => HistoryValue::text("—"),
        Some(v) => value(field, v),
    };
    rows.iter()
        .map(|h| HistoryRow {
            when: t.datetime(h.at),
            who: h.user_name.clone().unwrap_or_else(|| t.t("history-system")),
            field: t.t(&format!("{area}-field-{}", h.field)),
            old: show(&h.field, h.old.as_deref()),
            new: show(&h.field, h.new.as_deref()),
        })
        .collect()
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() { None } else { Some(s.to_string()) }
}

/// A form's `version` field; anything but a number is a broken form, not a person's mistake.
pub fn version_of(s: &str) -> Result<i64, PageError> {
    s.trim().parse().map_err(|_| PageError::BadRequest)
}

fn phone_display(p: &Option<String>) -> String {
    p.clone().map(|p| Phone::from_stored(p).display()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// The list

/// The filters of the customer list as in the URL (`/accounts?lifecycle=at_risk&sort=-created_at`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AccountListParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub kind: String,
    /// Empty: every lifecycle but passive; `any`: passive too; or one lifecycle.
    #[serde(default)]
    pub lifecycle: String,
    #[serde(default)]
    pub potential: String,
    #[serde(default)]
    pub segment: String,
    #[serde(default)]
    pub customer_class: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub archived: String,
    /// `name` (default), `-name`, `created_at`, `-created_at`.
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub limit: String,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub before: String,
}

/// Reads a select value that must be one of `parse`'s codes.
fn code_filter<T: Copy>(
    e: &mut FieldErrors,
    field: &str,
    v: &str,
    parse: fn(&str) -> Option<T>,
    as_str: fn(T) -> &'static str,
) -> Option<String> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match parse(v) {
        Some(x) => Some(as_str(x).to_string()),
        None => {
            e.add(field, "invalid_choice");
            None
        }
    }
}

/// Reads the paging fields into a query's `after`/`before`, refusing a cursor of another sort.
pub fn read_cursors(
    e: &mut FieldErrors,
    cursor: &str,
    before: &str,
    text_sort: bool,
) -> (Option<Position>, Option<Position>) {
    let read = |e: &mut FieldErrors, field: &str, v: &str| -> Option<Position> {
        if v.trim().is_empty() {
            return None;
        }
        match decode_cursor(v) {
            // A cursor made under one sort means nothing under another.
            Some(p) if matches!(p.value, SortValue::Text(_)) == text_sort => Some(p),
            _ => {
                e.add(field, "invalid_cursor");
                None
            }
        }
    };
    let after = read(e, "cursor", cursor);
    let before = if after.is_none() {
        read(e, "before", before)
    } else {
        None
    };
    (after, before)
}

/// Reads `sort` (`name`, `-name`, `created_at`, `-created_at`, `updated_at`, `-updated_at`).
pub fn read_sort(e: &mut FieldErrors, sort: &str) -> (&'static str, bool) {
    let sort = sort.trim();
    let (desc, key) = match sort.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, sort),
    };
    match key {
        "" => ("name", false),
        "name" => ("name", desc),
        "created_at" => ("created_at", desc),
        "updated_at" => ("updated_at", desc),
        _ => {
            e.add("sort", "invalid_choice");
            ("name", false)
        }
    }
}

pub fn truthy(s: &str) -> bool {
    matches!(s.trim(), "1" | "true" | "on" | "yes")
}

impl AccountListParams {
    pub fn to_query(&self, default_limit: u64, max_limit: u64) -> Result<AccountQuery, FieldErrors> {
        let mut e = FieldErrors::new();
        let mut q = if self.q.chars().count() > 200 {
            e.add_with("q", "too_long", 200);
            AccountQuery::default()
        } else {
            app_search::account_query(&self.q, default_limit)
        };
        q.limit = default_limit;
        q.include_passive = false;
        q.kind = code_filter(&mut e, "kind", &self.kind, AccountKind::parse, AccountKind::as_str);
        match self.lifecycle.trim() {
            "" => {}
            "any" => q.include_passive = true,
            _ => {
                q.lifecycle = code_filter(
                    &mut e,
                    "lifecycle",
                    &self.lifecycle,
                    Lifecycle::parse,
                    Lifecycle::as_str,
                )
            }
        }
        q.potential = code_filter(
            &mut e,
            "potential",
            &self.potential,
            Potential::parse,
            Potential::as_str,
        );
        q.segment = code_filter(&mut e, "segment", &self.segment, Segment::parse, Segment::as_str);
        q.customer_class = code_filter(
            &mut e,
            "customer_class",
            &self.customer_class,
            CustomerClass::parse,
            CustomerClass::as_str,
        );
        if !self.owner_id.trim().is_empty() {
            match self.owner_id.trim().parse::<i64>() {
                Ok(v) => q.owner_id = Some(v),
                Err(_) => e.add("owner_id", "invalid_number"),
            }
        }
        if !self.tag.trim().is_empty() {
            q.tag_key = Some(fold(self.tag.trim()));
        }
        q.city = opt(self.city.trim());
        q.sector = opt(self.sector.trim());
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

    /// The same filters as a query string, without paging (for sort and paging links).
    pub fn query_string(&self, sort: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = vec![];
        for (k, v) in [
            ("q", &self.q),
            ("kind", &self.kind),
            ("lifecycle", &self.lifecycle),
            ("potential", &self.potential),
            ("segment", &self.segment),
            ("customer_class", &self.customer_class),
            ("owner_id", &self.owner_id),
            ("city", &self.city),
            ("sector", &self.sector),
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
            &self.kind,
            &self.lifecycle,
            &self.potential,
            &self.segment,
            &self.customer_class,
            &self.owner_id,
            &self.city,
            &self.sector,
            &self.tag,
            &self.archived,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }
}

/// An account as a list row or card header shows it.
pub struct AccountItem {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub parent: String,
    pub phone: String,
    pub phone_raw: String,
    pub email: String,
    pub city: String,
    pub place: String,
    pub owner: String,
    pub owner_initials: String,
    pub potential: String,
    pub potential_label: String,
    pub lifecycle: String,
    pub lifecycle_label: String,
    pub tags: Vec<String>,
    pub created: String,
    pub created_ago: String,
    pub archived: bool,
    /// The line under the name in lists: city, "Bireysel" for a person, the parent company.
    pub sub: String,
}

impl AccountItem {
    pub fn from(t: &I18n, a: &Account) -> AccountItem {
        let r = &a.row;
        let owner = r.owner_name.clone().unwrap_or_default();
        let place = [r.district.clone(), r.city.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        AccountItem {
            id: r.id,
            name: r.name.clone(),
            kind: r.kind.clone(),
            kind_label: code_label(t, "account-kind", Some(&r.kind)),
            parent: r.parent_name.clone().unwrap_or_default(),
            phone: phone_display(&r.phone),
            phone_raw: r.phone.clone().unwrap_or_default(),
            email: r.email.clone().unwrap_or_default(),
            city: r.city.clone().unwrap_or_default(),
            place,
            owner_initials: initials(&owner),
            owner,
            potential: r.potential.clone().unwrap_or_default(),
            potential_label: code_label(t, "account-potential", r.potential.as_deref()),
            lifecycle: r.lifecycle.clone(),
            lifecycle_label: code_label(t, "account-lifecycle", Some(&r.lifecycle)),
            tags: a.tags.clone(),
            created: t.date(r.created_at),
            created_ago: t.ago(r.created_at),
            archived: r.archived_at.is_some(),
            sub: [
                r.city.clone(),
                (r.kind == AccountKind::Individual.as_str()).then(|| code_label(t, "account-kind", Some(&r.kind))),
                r.parent_name.as_ref().map(|p| t.t1("account-sub-of", "parent", p)),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        }
    }
}

const LIST_TOASTS: &[&str] = &["archived"];

#[derive(Template)]
#[template(path = "accounts/list.html")]
struct ListPage {
    shell: Shell,
    bulk: BulkBar,
    p: AccountListParams,
    items: Vec<AccountItem>,
    kinds: Vec<Choice>,
    lifecycles: Vec<Choice>,
    potentials: Vec<Choice>,
    segments: Vec<Choice>,
    classes: Vec<Choice>,
    owners: Vec<Choice>,
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
            // Dates: newest first on the first click.
            format!("-{key}")
        };
        format!("/accounts?{}", self.p.query_string(Some(&next)))
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
}

async fn list_page(
    State(state): State<AppState>,
    session: Session,
    Query(p): Query<AccountListParams>,
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
    p: AccountListParams,
    url: &str,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    let t = session.t;
    let app = &state.app;
    session.actor.require(Module::Accounts, Action::View)?;
    let (q, mut errors) = match p.to_query(50, 200) {
        Ok(q) => (q, vec![]),
        // Show what was wrong and the unfiltered list rather than an error page.
        Err(e) => (
            AccountListParams::default().to_query(50, 200).unwrap_or_default(),
            messages(&t, "account", &e, &[]),
        ),
    };
    let page = app_accounts::list(app, &session.actor, &q).await?;
    let (prev_link, next_link) = pager_links(
        "/accounts",
        &p.query_string(None),
        page.accounts.first().map(|a| a.row.position(q.sort)),
        page.accounts.last().map(|a| a.row.position(q.sort)),
        page.has_prev,
        page.has_next,
    );
    let mut lifecycles = code_choices(
        &t,
        "account-lifecycle",
        &Lifecycle::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        p.lifecycle.trim(),
    );
    lifecycles.push((
        "any".into(),
        t.t("account-filter-lifecycle-any"),
        p.lifecycle.trim() == "any",
    ));
    let more_open = [&p.segment, &p.customer_class, &p.city, &p.sector, &p.tag, &p.archived]
        .iter()
        .any(|v| !v.trim().is_empty());
    let mut shell = session.shell(t.t("accounts-title"));
    shell.toast = toast(&t, "account", session_ok(session).as_deref(), LIST_TOASTS);
    if let Some(b) = bulk_toast(&t, url) {
        shell.toast = Some(b);
    }
    if let Some(m) = message {
        errors.insert(0, ("ids".to_string(), m));
    }
    let bulk = BulkBar::new(
        session,
        Target::Accounts,
        url,
        owner_choices(state, &session.actor, None, None).await?,
    );
    let sort = match p.sort.trim() {
        "" => "name".to_string(),
        s => s.to_string(),
    };
    let page = ListPage {
        shell,
        bulk,
        items: page.accounts.iter().map(|a| AccountItem::from(&t, a)).collect(),
        kinds: code_choices(
            &t,
            "account-kind",
            &codes(AccountKind::ALL, |k| k.as_str()),
            p.kind.trim(),
        ),
        lifecycles,
        potentials: code_choices(
            &t,
            "account-potential",
            &codes(Potential::ALL, |k| k.as_str()),
            p.potential.trim(),
        ),
        segments: code_choices(
            &t,
            "account-segment",
            &codes(Segment::ALL, |k| k.as_str()),
            p.segment.trim(),
        ),
        classes: code_choices(
            &t,
            "account-class",
            &codes(CustomerClass::ALL, |k| k.as_str()),
            p.customer_class.trim(),
        ),
        owners: owner_filter_choices(state, &session.actor, Module::Accounts, p.owner_id.trim()).await?,
        next_link,
        prev_link,
        errors,
        sort,
        filtered: p.has_filters(),
        more_open,
        can_create: session.actor.can(Module::Accounts, Action::Create),
        p,
    };
    html(&page)
}

/// The codes of a domain enum, for [`code_choices`].
pub fn codes<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|x| as_str(*x)).collect()
}

/// The `ok` value of the request's query string (a toast after a redirect).
pub fn session_ok(session: &Session) -> Option<String> {
    let (_, query) = session.path.split_once('?')?;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "ok")
        .map(|(_, v)| v)
}

// ---------------------------------------------------------------------------------------------
// The form

/// The customer form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub tax_office: String,
    #[serde(default)]
    pub tax_number: String,
    #[serde(default)]
    pub national_id: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub customer_class: String,
    #[serde(default)]
    pub segment: String,
    #[serde(default)]
    pub potential: String,
    #[serde(default)]
    pub annual_revenue: String,
    #[serde(default)]
    pub lifecycle: String,
    /// The parent account's id as last resolved (hidden).
    #[serde(default)]
    pub parent_id: String,
    /// The parent account's name as typed.
    #[serde(default)]
    pub parent_name: String,
    /// A parent picked among several matches (radio).
    #[serde(default)]
    pub parent_choice: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub district: String,
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
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

impl AccountForm {
    fn draft(&self, parent_id: Option<i64>) -> Result<AccountDraft, AppError> {
        let owner_id = match self.owner_id.trim() {
            "" => None,
            s => Some(
                s.parse::<i64>()
                    .map_err(|_| AppError::field("owner_id", "invalid_choice"))?,
            ),
        };
        // A company's VKN and an individual's TCKN: the form shows both boxes without
        // JavaScript, so a value left in the box that does not apply is ignored, not refused.
        let individual = self.kind.trim() == AccountKind::Individual.as_str();
        Ok(AccountDraft {
            kind: opt(&self.kind),
            name: opt(&self.name),
            tax_office: opt(&self.tax_office),
            tax_number: if individual { None } else { opt(&self.tax_number) },
            national_id: opt(&self.national_id),
            sector: opt(&self.sector),
            customer_class: opt(&self.customer_class),
            segment: opt(&self.segment),
            potential: opt(&self.potential),
            annual_revenue: opt(&self.annual_revenue),
            lifecycle: opt(&self.lifecycle),
            parent_id,
            owner_id,
            region: opt(&self.region),
            country: opt(&self.country),
            city: opt(&self.city),
            district: opt(&self.district),
            website: opt(&self.website),
            phone: opt(&self.phone),
            email: opt(&self.email),
            tags: split_tags(&self.tags),
            notes: opt(&self.notes),
        })
    }

    fn from_account(a: &Account) -> AccountForm {
        let d = a.draft();
        let s = |o: Option<String>| o.unwrap_or_default();
        AccountForm {
            kind: s(d.kind),
            name: s(d.name),
            tax_office: s(d.tax_office),
            tax_number: s(d.tax_number),
            national_id: s(d.national_id),
            sector: s(d.sector),
            customer_class: s(d.customer_class),
            segment: s(d.segment),
            potential: s(d.potential),
            annual_revenue: s(d.annual_revenue),
            lifecycle: s(d.lifecycle),
            parent_id: d.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            parent_name: a.row.parent_name.clone().unwrap_or_default(),
            parent_choice: String::new(),
            owner_id: d.owner_id.map(|o| o.to_string()).unwrap_or_default(),
            region: s(d.region),
            country: s(d.country),
            city: s(d.city),
            district: s(d.district),
            website: s(d.website),
            phone: phone_display(&d.phone),
            email: s(d.email),
            tags: d.tags.join(", "),
            notes: s(d.notes),
            version: a.row.version.to_string(),
            after: String::new(),
            confirm_duplicate: String::new(),
        }
    }
}

/// A possible duplicate as the form's warning shows it.
pub struct DupItem {
    pub id: i64,
    pub name: String,
    pub owner: Option<String>,
    pub reason: String,
    /// On a record the user may not see: only `reason` is shown.
    pub hidden: bool,
}

#[derive(Template)]
#[template(path = "accounts/form.html")]
struct FormPage {
    shell: Shell,
    f: AccountForm,
    id: Option<i64>,
    errors: Vec<(String, String)>,
    duplicates: Vec<DupItem>,
    conflict: Option<String>,
    kinds: Vec<Choice>,
    classes: Vec<Choice>,
    segments: Vec<Choice>,
    potentials: Vec<Choice>,
    lifecycles: Vec<Choice>,
    owners: Vec<Choice>,
    parent_choices: Vec<Candidate>,
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
            Some(id) => format!("/accounts/{id}"),
            None => "/accounts".into(),
        }
    }
    fn cancel(&self) -> String {
        match self.id {
            Some(id) => format!("/accounts/{id}"),
            None => "/accounts".into(),
        }
    }
    fn is_individual(&self) -> bool {
        self.f.kind == AccountKind::Individual.as_str()
    }
}

/// What went wrong with a save, for showing the form again.
#[derive(Default)]
struct FormTrouble {
    errors: Vec<(String, String)>,
    duplicates: Vec<DupItem>,
    conflict: Option<String>,
    parent_choices: Vec<Candidate>,
}

async fn form_page(
    state: &AppState,
    session: &Session,
    f: AccountForm,
    id: Option<i64>,
    current_owner_name: Option<&str>,
    trouble: FormTrouble,
) -> Result<FormPage, PageError> {
    let t = session.t;
    let title = if id.is_some() {
        t.t("account-edit-title")
    } else {
        t.t("account-new-title")
    };
    let owner = f.owner_id.trim().parse().ok().or(Some(session.actor.user_id));
    let mut shell = session.shell(title);
    shell.toast = toast(&t, "account", session_ok(session).as_deref(), &["created"]);
    Ok(FormPage {
        shell,
        kinds: code_choices(&t, "account-kind", &codes(AccountKind::ALL, |k| k.as_str()), &f.kind),
        classes: code_choices(
            &t,
            "account-class",
            &codes(CustomerClass::ALL, |k| k.as_str()),
            &f.customer_class,
        ),
        segments: code_choices(&t, "account-segment", &codes(Segment::ALL, |k| k.as_str()), &f.segment),
        potentials: code_choices(
            &t,
            "account-potential",
            &codes(Potential::ALL, |k| k.as_str()),
            &f.potential,
        ),
        lifecycles: code_choices(
            &t,
            "account-lifecycle",
            &codes(Lifecycle::ALL, |k| k.as_str()),
            &f.lifecycle,
        ),
        owners: owner_choices(state, &session.actor, owner, current_owner_name).await?,
        f,
        id,
        errors: trouble.errors,
        duplicates: trouble.duplicates,
        conflict: trouble.conflict,
        parent_choices: trouble.parent_choices,
    })
}

#[derive(Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    parent_id: String,
}

async fn new_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    session.actor.require(Module::Accounts, Action::Create)?;
    let mut f = AccountForm {
        kind: AccountKind::Company.as_str().into(),
        lifecycle: Lifecycle::Active.as_str().into(),
        ..Default::default()
    };
    // "Alt firma ekle" on a card opens the form with the parent filled in.
    if let Ok(pid) = q.parent_id.trim().parse::<i64>()
        && let Ok(parent) = app_accounts::get(&state.app, &session.actor, pid).await
    {
        f.parent_id = pid.to_string();
        f.parent_name = parent.row.name.clone();
        f.city = parent.row.city.clone().unwrap_or_default();
        f.sector = parent.row.sector.clone().unwrap_or_default();
    }
    let page = form_page(&state, &session, f, None, None, FormTrouble::default()).await?;
    Ok(html(&page)?.into_response())
}

async fn edit_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let a = app_accounts::get(&state.app, &session.actor, id).await?;
    session.actor.require(Module::Accounts, Action::Edit)?;
    let f = AccountForm::from_account(&a);
    let page = form_page(
        &state,
        &session,
        f,
        Some(id),
        a.row.owner_name.as_deref(),
        FormTrouble::default(),
    )
    .await?;
    Ok(html(&page)?.into_response())
}

/// The form order of the account fields, for putting a parent problem among the others.
const FORM_ORDER: &[&str] = &[
    "kind",
    "name",
    "tax_office",
    "tax_number",
    "national_id",
    "sector",
    "customer_class",
    "segment",
    "potential",
    "annual_revenue",
    "lifecycle",
    "parent_name",
    "owner_id",
    "phone",
    "email",
    "website",
    "country",
    "region",
    "city",
    "district",
    "tags",
    "notes",
];

fn sort_errors(errors: &mut [(String, String)]) {
    errors.sort_by_key(|(f, _)| FORM_ORDER.iter().position(|x| x == f).unwrap_or(usize::MAX));
}

/// The parent from the form, or the form again with the trouble explained.
async fn resolve_parent(
    state: &AppState,
    session: &Session,
    f: &AccountForm,
    id: Option<i64>,
    current_parent: Option<(i64, &str)>,
) -> Result<Result<Option<i64>, FormTrouble>, PageError> {
    let t = session.t;
    let picked = pick_account(
        state,
        &session.actor,
        &f.parent_name,
        &f.parent_id,
        &f.parent_choice,
        id,
        current_parent,
    )
    .await?;
    Ok(match picked {
        Picked::Nothing => Ok(None),
        Picked::One(p) => Ok(Some(p)),
        Picked::NotFound => Err(FormTrouble {
            errors: vec![("parent_name".into(), t.t("account-parent-not-found"))],
            ..Default::default()
        }),
        Picked::Several(c) => Err(FormTrouble {
            errors: vec![("parent_name".into(), t.t("account-parent-several"))],
            parent_choices: c,
            ..Default::default()
        }),
    })
}

/// Turns a failed save into the form again, with the person's input intact.
async fn form_error(
    state: &AppState,
    session: &Session,
    f: AccountForm,
    id: Option<i64>,
    e: AppError,
) -> Result<Response, PageError> {
    let t = session.t;
    let current = match id {
        Some(id) => app_accounts::get(&state.app, &session.actor, id).await.ok(),
        None => None,
    };
    let owner_name = current.as_ref().and_then(|a| a.row.owner_name.clone());
    let (status, trouble, f) = match e {
        AppError::Validation(errs) => {
            let errors = messages(&t, "account", &errs, &[("parent_id", "parent_name")]);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                FormTrouble {
                    errors,
                    ..Default::default()
                },
                f,
            )
        }
        AppError::Duplicate(d) => (
            StatusCode::CONFLICT,
            FormTrouble {
                duplicates: d
                    .into_iter()
                    .map(|d| DupItem {
                        reason: if d.hidden {
                            t.t(&format!("problem-duplicate-hidden-{}", d.field))
                        } else {
                            t.t(&format!("account-dup-{}", d.field))
                        },
                        id: d.id,
                        name: d.name,
                        owner: d.owner_name,
                        hidden: d.hidden,
                    })
                    .collect(),
                ..Default::default()
            },
            f,
        ),
        AppError::Conflict { current_version } => {
            // Keep what the person typed; say who changed it meanwhile; saving again overwrites.
            let mut f = f;
            let mut who = String::new();
            if let Some(cur) = &current {
                f.version = cur.row.version.to_string();
                if let Some(id) = id {
                    who = app_accounts::history(&state.app, &session.actor, id, 1)
                        .await
                        .unwrap_or_default()
                        .first()
                        .and_then(|h| h.user_name.clone())
                        .unwrap_or_default();
                }
            } else {
                f.version = current_version.to_string();
            }
            (
                StatusCode::CONFLICT,
                FormTrouble {
                    conflict: Some(t.t1("account-conflict", "who", who)),
                    ..Default::default()
                },
                f,
            )
        }
        other => return Err(other.into()),
    };
    let page = form_page(state, session, f, id, owner_name.as_deref(), trouble).await?;
    Ok((status, html(&page)?).into_response())
}

/// Saves the form (a new account when `id` is `None`).
async fn save(state: AppState, session: Session, id: Option<i64>, f: AccountForm) -> Result<Response, PageError> {
    let version = match id {
        Some(_) => Some(version_of(&f.version)?),
        None => None,
    };
    // The account as it is now (an edit): someone who may not see it gets "not found" here.
    let current = match id {
        Some(id) => Some(app_accounts::get(&state.app, &session.actor, id).await?),
        None => None,
    };
    let current_parent = current
        .as_ref()
        .and_then(|a| a.row.parent_id.zip(a.row.parent_name.as_deref()));
    let parent = match resolve_parent(&state, &session, &f, id, current_parent).await? {
        Ok(p) => p,
        Err(mut trouble) => {
            // Show every other problem of the form in the same round.
            if let Ok(d) = f.draft(None)
                && let Err(e) = d.validate()
            {
                trouble.errors.extend(messages(&session.t, "account", &e, &[]));
                sort_errors(&mut trouble.errors);
            }
            let owner_name = current.and_then(|a| a.row.owner_name);
            let page = form_page(&state, &session, f, id, owner_name.as_deref(), trouble).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
        }
    };
    let draft = match f.draft(parent) {
        Ok(d) => d,
        Err(e) => return form_error(&state, &session, f, id, e).await,
    };
    let allow_dup = !f.confirm_duplicate.is_empty();
    let result = match (id, version) {
        (Some(id), Some(v)) => app_accounts::update(&state.app, &session.actor, id, v, &draft, allow_dup)
            .await
            .map(|()| id),
        _ => app_accounts::create(&state.app, &session.actor, &draft, allow_dup).await,
    };
    match result {
        Ok(_) if id.is_none() && f.after == "new" => {
            Ok(crate::redirect::see_other("/accounts/new?ok=created").into_response())
        }
        Ok(saved) => Ok(crate::redirect::see_other(&format!(
            "/accounts/{saved}?ok={}",
            if id.is_some() { "saved" } else { "created" }
        ))
        .into_response()),
        Err(e) => form_error(&state, &session, f, id, e).await,
    }
}

async fn create_submit(
    State(state): State<AppState>,
    session: Session,
    axum::Form(f): axum::Form<AccountForm>,
) -> Result<Response, PageError> {
    save(state, session, None, f).await
}

async fn edit_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<AccountForm>,
) -> Result<Response, PageError> {
    save(state, session, Some(id), f).await
}

// ---------------------------------------------------------------------------------------------
// The customer card

/// Everything a tab of the customer card may need. Tabs of other modules get the same.
pub struct AccountCard {
    pub state: AppState,
    pub actor: Actor,
    pub t: I18n,
    pub csrf: String,
    pub account: Account,
    /// The card's query string (e.g. `edit=<address id>` on the Adresler tab).
    pub query: HashMap<String, String>,
    /// A tab form that failed, to show again with the typed values and the messages; each tab
    /// downcasts to its own type and ignores the others.
    pub form: Option<Box<dyn Any + Send + Sync>>,
}

impl AccountCard {
    pub fn id(&self) -> i64 {
        self.account.row.id
    }
    /// Whether the person may change this customer (and what hangs off it, like addresses).
    pub fn can_edit(&self) -> bool {
        self.actor.can(Module::Accounts, Action::Edit) && self.account.row.archived_at.is_none()
    }
}

/// The tabs of the customer card, from every module that offers one (see `crate::tabs`).
pub fn card_tabs() -> Vec<TabSpec<AccountCard>> {
    let mut specs = own_tabs();
    specs.extend(crate::contacts::account_tabs());
    specs
}

fn own_tabs() -> Vec<TabSpec<AccountCard>> {
    vec![
        TabSpec {
            key: "general",
            label: "tab-general",
            order: 10,
            visible: |_| true,
            render: |c| Box::pin(general_tab(c)),
        },
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
            visible: |c| c.account.row.kind == AccountKind::Company.as_str(),
            render: |c| Box::pin(subsidiaries_tab(c)),
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
            render: history_tab_panel,
        },
    ]
}

fn history_tab_panel(c: &AccountCard) -> Panel<'_> {
    Box::pin(history_tab(c))
}

/// A fact in the header or the Genel tab: label, value, and a link when it has one.
pub struct Fact {
    pub label: String,
    pub value: String,
    pub href: Option<String>,
}

fn fact(label: String, value: Option<String>, href: Option<String>) -> Option<Fact> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|value| Fact { label, value, href })
}

#[derive(Template)]
#[template(path = "accounts/detail.html")]
struct DetailPage {
    shell: Shell,
    a: AccountItem,
    tabs: Vec<Tab>,
    panel: String,
    last_contact: String,
    can_edit: bool,
    can_archive: bool,
    can_merge: bool,
    version: i64,
}

const CARD_TOASTS: &[&str] = &[
    "saved",
    "created",
    "restored",
    "archived",
    "address-added",
    "address-saved",
    "address-deleted",
];

/// Renders the card with the tab `tab` open (and a failed tab form, if any).
async fn render_card(
    state: &AppState,
    session: &Session,
    id: i64,
    query: HashMap<String, String>,
    form: Option<Box<dyn Any + Send + Sync>>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let t = session.t;
    let account = app_accounts::get(&state.app, &session.actor, id).await?;
    let card = AccountCard {
        state: state.clone(),
        actor: session.actor.clone(),
        t,
        csrf: session.csrf.clone(),
        account,
        query,
        form,
    };
    let specs = card_tabs();
    let base = format!("/accounts/{id}");
    let (tabs, active) = tabs::pick(&t, &specs, &card, &base, card.query.get("tab").map(String::as_str));
    let panel = match active {
        Some(i) => (specs[i].render)(&card).await?,
        None => String::new(),
    };
    let r = &card.account.row;
    let mut shell = session.shell(r.name.clone());
    shell.toast = toast(&t, "account", card.query.get("ok").map(String::as_str), CARD_TOASTS);
    let archived = r.archived_at.is_some();
    let page = DetailPage {
        shell,
        a: AccountItem::from(&t, &card.account),
        tabs,
        panel,
        // The header holds what a rep needs before a call; the open-tasks count joins it when the
        // tasks module exists.
        last_contact: r.last_contact_at.map(|ms| t.ago(ms)).unwrap_or_default(),
        can_edit: card.can_edit(),
        can_archive: session.actor.can(Module::Accounts, Action::Delete),
        // Merging needs edit rights here (the survivor) and is pointless on an archived record.
        can_merge: session.actor.can(Module::Accounts, Action::Edit) && !archived,
        version: r.version,
    };
    Ok((status, html(&page)?).into_response())
}

async fn detail_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    render_card(&state, &session, id, q, None, StatusCode::OK).await
}

#[derive(Template)]
#[template(path = "accounts/tab_general.html")]
struct GeneralPanel {
    t: I18n,
    facts: Vec<Fact>,
    tags: Vec<String>,
}

async fn general_tab(c: &AccountCard) -> Result<String, PageError> {
    let t = &c.t;
    let r = &c.account.row;
    let f = |k: &str| t.t(&format!("account-field-{k}"));
    let website_href = r.website.as_ref().map(|w| {
        if w.starts_with("http://") || w.starts_with("https://") {
            w.clone()
        } else {
            format!("https://{w}")
        }
    });
    let facts: Vec<Fact> = [
        fact(f("kind"), Some(code_label(t, "account-kind", Some(&r.kind))), None),
        fact(f("tax_office"), r.tax_office.clone(), None),
        fact(f("tax_number"), r.tax_number.clone(), None),
        fact(f("national_id"), r.national_id.clone(), None),
        fact(f("sector"), r.sector.clone(), None),
        fact(
            f("customer_class"),
            Some(code_label(t, "account-class", r.customer_class.as_deref())),
            None,
        ),
        fact(
            f("segment"),
            Some(code_label(t, "account-segment", r.segment.as_deref())),
            None,
        ),
        fact(
            f("potential"),
            Some(code_label(t, "account-potential", r.potential.as_deref())),
            None,
        ),
        fact(
            f("annual_revenue"),
            c.account.annual_revenue().map(Money::display),
            None,
        ),
        fact(
            f("lifecycle"),
            Some(code_label(t, "account-lifecycle", Some(&r.lifecycle))),
            None,
        ),
        fact(
            f("parent_id"),
            r.parent_name.clone(),
            r.parent_id.map(|p| format!("/accounts/{p}")),
        ),
        fact(f("owner_id"), r.owner_name.clone(), None),
        fact(
            f("phone"),
            Some(phone_display(&r.phone)),
            r.phone.as_ref().map(|p| format!("tel:{p}")),
        ),
        fact(
            f("email"),
            r.email.clone(),
            r.email.as_ref().map(|e| format!("mailto:{e}")),
        ),
        fact(f("website"), r.website.clone(), website_href),
        fact(f("country"), r.country.clone(), None),
        fact(f("region"), r.region.clone(), None),
        fact(f("city"), r.city.clone(), None),
        fact(f("district"), r.district.clone(), None),
        fact(
            f("lead_id"),
            r.lead_id.map(|_| t.t("account-from-lead")),
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
        tags: c.account.tags.clone(),
    })
    .map(|h| h.0)
}

#[derive(Template)]
#[template(path = "accounts/tab_notes.html")]
struct NotesPanel {
    t: I18n,
    id: i64,
    notes: String,
    can_edit: bool,
}

async fn notes_tab(c: &AccountCard) -> Result<String, PageError> {
    html(&NotesPanel {
        t: c.t,
        id: c.id(),
        notes: c.account.row.notes.clone().unwrap_or_default(),
        can_edit: c.can_edit(),
    })
    .map(|h| h.0)
}

async fn history_tab(c: &AccountCard) -> Result<String, PageError> {
    let t = c.t;
    let app = &c.state.app;
    let rows = app_accounts::history(app, &c.actor, c.id(), 500).await?;
    let names = app_users::names(app).await?;
    // Parents named in the history, by id, for links with names (only those this person sees).
    let mut parents: HashMap<i64, String> = HashMap::new();
    for h in rows.iter().filter(|h| h.field == "parent_id") {
        for v in [&h.old, &h.new].into_iter().flatten() {
            if let Ok(pid) = v.parse::<i64>()
                && !parents.contains_key(&pid)
                && parents.len() < 20
                && let Ok(p) = app_accounts::get(app, &c.actor, pid).await
            {
                parents.insert(pid, p.row.name);
            }
        }
    }
    let value = |field: &str, v: &str| -> HistoryValue {
        match field {
            "kind" => HistoryValue::text(code_label(&t, "account-kind", Some(v))),
            "lifecycle" => HistoryValue::text(code_label(&t, "account-lifecycle", Some(v))),
            "potential" => HistoryValue::text(code_label(&t, "account-potential", Some(v))),
            "segment" => HistoryValue::text(code_label(&t, "account-segment", Some(v))),
            "customer_class" => HistoryValue::text(code_label(&t, "account-class", Some(v))),
            "owner_id" => user_value(v, &names),
            "parent_id" => match v.parse::<i64>() {
                Ok(pid) => HistoryValue {
                    text: parents.get(&pid).cloned().unwrap_or_else(|| format!("#{pid}")),
                    href: Some(format!("/accounts/{pid}")),
                },
                Err(_) => HistoryValue::text(v),
            },
            "phone" => HistoryValue::text(Phone::from_stored(v.to_string()).display()),
            "annual_revenue" => HistoryValue::text(format!("{v} ₺")),
            "archived_at" => time_value(&t, v),
            "address" => HistoryValue::text(address_history_text(&t, v)),
            "merged_from" | "merged_into" => reference_value(&t, v, "/accounts"),
            "converted_lead" => reference_value(&t, v, "/leads"),
            _ => HistoryValue::text(v),
        }
    };
    let rows = history_rows(&t, "account", &rows, value);
    html(&HistoryPanel { t, rows }).map(|h| h.0)
}

/// An address in the history (`billing: Atatürk Cad. 5, Kadıköy, İstanbul, Türkiye`) with the
/// kind in the reader's language.
fn address_history_text(t: &I18n, v: &str) -> String {
    match v.split_once(": ") {
        Some((kind, rest)) if AddressKind::parse(kind).is_some() => {
            format!("{}: {rest}", code_label(t, "address-kind", Some(kind)))
        }
        _ => v.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Subsidiaries

#[derive(Template)]
#[template(path = "accounts/tab_subsidiaries.html")]
struct SubsidiariesPanel {
    t: I18n,
    id: i64,
    parent: Option<(i64, String)>,
    items: Vec<(AccountItem, String)>,
    count: String,
    revenue: String,
    /// Says how many subsidiaries the list leaves out for lack of rights (empty when none).
    hidden_note: String,
    can_add: bool,
}

async fn subsidiaries_tab(c: &AccountCard) -> Result<String, PageError> {
    let t = c.t;
    let (subs, totals) = app_accounts::subsidiaries(&c.state.app, &c.actor, c.id()).await?;
    let items = subs
        .iter()
        .map(|a| {
            (
                AccountItem::from(&t, a),
                a.annual_revenue().map(Money::display).unwrap_or_default(),
            )
        })
        .collect::<Vec<_>>();
    let r = &c.account.row;
    let hidden = (totals.n - items.iter().filter(|(i, _)| !i.archived).count() as i64).max(0);
    html(&SubsidiariesPanel {
        t,
        id: c.id(),
        parent: r
            .parent_id
            .map(|p| (p, r.parent_name.clone().unwrap_or_else(|| format!("#{p}")))),
        count: t.num(totals.n),
        revenue: Money::from_kurus(totals.revenue.unwrap_or(0)).display(),
        hidden_note: if hidden > 0 {
            t.tn("account-subs-hidden", hidden)
        } else {
            String::new()
        },
        items,
        can_add: c.actor.can(Module::Accounts, Action::Create) && r.archived_at.is_none(),
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
    errors: Vec<(String, String)>,
    conflict: bool,
}

/// An address form on the tab, ready to show.
pub struct AddressFormView {
    id: Option<i64>,
    f: AddressForm,
    errors: Vec<(String, String)>,
    conflict: bool,
    kinds: Vec<Choice>,
}

impl AddressFormView {
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
    fn prefix(&self) -> String {
        match self.id {
            Some(id) => format!("addr{id}-"),
            None => "addr-".into(),
        }
    }
    fn first_error_field(&self) -> String {
        self.errors
            .first()
            .map(|(f, _)| format!("{}{f}", self.prefix()))
            .unwrap_or_default()
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
    code_choices(t, "address-kind", &codes(AddressKind::ALL, |k| k.as_str()), current)
}

async fn addresses_tab(c: &AccountCard) -> Result<String, PageError> {
    let t = c.t;
    let rows = app_accounts::addresses(&c.state.app, &c.actor, c.id()).await?;
    let failed = c.form.as_ref().and_then(|f| f.downcast_ref::<AddressFormState>());
    let can_edit = c.can_edit();
    let editing: Option<i64> = c.query.get("edit").and_then(|v| v.parse().ok());
    let view = |id: Option<i64>, f: AddressForm, errors: Vec<(String, String)>, conflict: bool| AddressFormView {
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
                Some(view(Some(a.id), AddressForm::from_row(a), vec![], false))
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
            if a.country != kervan_core::accounts::DEFAULT_COUNTRY {
                place = format!("{place}, {}", a.country);
            }
            AddressItem {
                id: a.id,
                kind: a.kind.clone(),
                kind_label: code_label(&t, "address-kind", Some(&a.kind)),
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
        let first = rows.is_empty();
        Some(view(
            None,
            AddressForm {
                kind: if first {
                    AddressKind::Billing.as_str().into()
                } else {
                    AddressKind::Delivery.as_str().into()
                },
                city: c.account.row.city.clone().unwrap_or_default(),
                district: c.account.row.district.clone().unwrap_or_default(),
                country: c
                    .account
                    .row
                    .country
                    .clone()
                    .unwrap_or_else(|| kervan_core::accounts::DEFAULT_COUNTRY.into()),
                ..Default::default()
            },
            vec![],
            false,
        ))
    };
    html(&AddressesPanel {
        t,
        csrf: c.csrf.clone(),
        id: c.id(),
        items,
        new_form,
        can_edit,
    })
    .map(|h| h.0)
}

fn tab_query(tab: &str, extra: &[(&str, String)]) -> HashMap<String, String> {
    let mut q: HashMap<String, String> = extra.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    q.insert("tab".into(), tab.into());
    q
}

async fn address_add(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<AddressForm>,
) -> Result<Response, PageError> {
    match app_accounts::add_address(&state.app, &session.actor, id, &f.draft()).await {
        Ok(_) => {
            Ok(crate::redirect::see_other(&format!("/accounts/{id}?tab=addresses&ok=address-added")).into_response())
        }
        Err(AppError::Validation(e)) => {
            let form = AddressFormState {
                id: None,
                errors: messages(&session.t, "address", &e, &[]),
                f,
                conflict: false,
            };
            render_card(
                &state,
                &session,
                id,
                tab_query("addresses", &[]),
                Some(Box::new(form)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn address_edit(
    State(state): State<AppState>,
    session: Session,
    Path((id, aid)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<AddressForm>,
) -> Result<Response, PageError> {
    let version = version_of(&f.version)?;
    match app_accounts::update_address(&state.app, &session.actor, id, aid, version, &f.draft()).await {
        Ok(()) => {
            Ok(crate::redirect::see_other(&format!("/accounts/{id}?tab=addresses&ok=address-saved")).into_response())
        }
        Err(AppError::Validation(e)) => {
            let form = AddressFormState {
                id: Some(aid),
                errors: messages(&session.t, "address", &e, &[]),
                f,
                conflict: false,
            };
            render_card(
                &state,
                &session,
                id,
                tab_query("addresses", &[]),
                Some(Box::new(form)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
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
                errors: vec![],
                f,
                conflict: true,
            };
            render_card(
                &state,
                &session,
                id,
                tab_query("addresses", &[]),
                Some(Box::new(form)),
                StatusCode::CONFLICT,
            )
            .await
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
    match app_accounts::set_archived(&state.app, &session.actor, id, v, true).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/accounts/{id}?ok=archived")).into_response()),
        // Changed meanwhile: show the card as it is now; the person decides again.
        Err(AppError::Conflict { .. }) => Ok(crate::redirect::see_other(&format!("/accounts/{id}")).into_response()),
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
    match app_accounts::set_archived(&state.app, &session.actor, id, v, false).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/accounts/{id}?ok=restored")).into_response()),
        Err(AppError::Conflict { .. }) => Ok(crate::redirect::see_other(&format!("/accounts/{id}")).into_response()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::encode_cursor;
    use crate::i18n::Lang;

    #[test]
    fn list_filters_are_read_and_named() {
        let q = AccountListParams::default().to_query(50, 200).unwrap();
        assert!(!q.include_passive, "passive customers are hidden by default");
        assert_eq!(q.sort, SortKey::Name);
        assert!(!q.desc);
        let q = AccountListParams {
            lifecycle: "any".into(),
            sort: "-created_at".into(),
            ..Default::default()
        }
        .to_query(50, 200)
        .unwrap();
        assert!(q.include_passive);
        assert_eq!(q.sort, SortKey::Created);
        assert!(q.desc);
        let e = AccountListParams {
            kind: "robot".into(),
            potential: "huge".into(),
            sort: "-price".into(),
            cursor: "zz".into(),
            ..Default::default()
        }
        .to_query(50, 200)
        .unwrap_err();
        for f in ["kind", "potential", "sort", "cursor"] {
            assert!(e.has(f), "{f}");
        }
        // A cursor of the date sort is refused under the name sort.
        let c = encode_cursor(&Position {
            value: SortValue::Int(5),
            id: 5,
        });
        let e = AccountListParams {
            cursor: c,
            ..Default::default()
        }
        .to_query(50, 200)
        .unwrap_err();
        assert!(e.has("cursor"));
    }

    #[test]
    fn history_references_link_and_translate() {
        let t = I18n::new(Lang::Tr);
        let v = reference_value(&t, "#12 Anadolu Metal (3 contacts, 1 addresses)", "/accounts");
        assert_eq!(v.href.as_deref(), Some("/accounts/12"));
        assert_eq!(v.text, "Anadolu Metal (3 kişi, 1 adres)");
        let v = reference_value(&t, "#7 Ayşe Yılmaz", "/leads");
        assert_eq!(v.text, "Ayşe Yılmaz");
        assert_eq!(v.href.as_deref(), Some("/leads/7"));
        assert_eq!(reference_value(&t, "serbest", "/x").href, None);
        assert_eq!(
            address_history_text(&t, "billing: Atatürk Cad. 5, İstanbul, Türkiye"),
            "Fatura adresi: Atatürk Cad. 5, İstanbul, Türkiye"
        );
    }
}
