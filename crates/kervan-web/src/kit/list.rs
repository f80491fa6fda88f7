//! A kind's list page: filter bar from the declaration (custom fields included), the columns the
//! user chose (or a saved view's), sortable headers, keyset paging, the bulk bar, saved views
//! and the column picker; phone cards come from the same table (CSS).

use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use kervan_app::AppError;
use kervan_app::bulk::{self as app_bulk, MAX_IDS, Outcome};
use kervan_app::lists::{self, custom_filter_ready, custom_sortable, encode_cursor, filter_param};
use kervan_app::records::{self as app_records, Record, SortPick};
use kervan_app::{users as app_users, views as app_views};
use kervan_core::permissions::Action;
use kervan_core::places::PROVINCES;
use kervan_core::record::{CustomDef, FieldType, Kind, ListRole, Suggest};
use kervan_store::listing::Visibility;

use super::display::{Shown, show, show_custom};
use super::{KitPages, Names, label, text, user_names};
use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::layout::Shell;
use crate::ui::{Choice, query_pairs, query_string};

/// Query keys that belong to the page, not to the list's filters.
pub(crate) const PAGE_KEYS: &[&str] = &[
    "cursor", "before", "ok", "n", "skipped", "nf", "inv", "cf", "run", "view", "lang",
];

pub struct FilterView {
    pub param: String,
    pub id: String,
    pub label: String,
    /// The "any" choice of a select ("Tüm durumlar"); empty for a text box.
    pub any: String,
    pub options: Vec<Choice>,
    pub value: String,
    /// Suggestions of a text box (a datalist).
    pub suggest: Vec<String>,
    pub select: bool,
}

pub struct ColumnView {
    pub key: String,
    /// The key as a CSS class part (`custom.butce` → `custom-butce`).
    pub css: String,
    pub label: String,
    pub sort_href: Option<String>,
    pub sort_state: &'static str,
}

pub struct RowView {
    pub id: i64,
    pub href: String,
    pub name: String,
    pub sub: Option<String>,
    /// The cells after the name, in column order, with the column's label (phone cards).
    pub cells: Vec<(String, Shown)>,
}

pub struct ViewItem {
    pub id: i64,
    pub name: String,
    pub shared: bool,
    pub mine: bool,
    pub active: bool,
}

pub struct BulkView {
    pub action: String,
    pub back: String,
    /// `(group label, choices)`; a choice's value is `field:value`.
    pub groups: Vec<(String, Vec<Choice>)>,
    pub can_archive: bool,
    /// The bar takes a tag to add or remove.
    pub has_tags: bool,
}

impl BulkView {
    pub fn enabled(&self) -> bool {
        !self.groups.is_empty() || self.can_archive
    }
}

#[derive(Template)]
#[template(path = "kit/list.html")]
pub struct ListPage {
    pub shell: Shell,
    pub kind: &'static Kind,
    /// Other views of the kind the module offers (a board, a forecast): (href, label).
    pub links: Vec<(String, String)>,
    /// "Dışa aktar": (address, label) of each format, with the list's current filters.
    pub exports: Vec<(String, String)>,
    pub title: String,
    pub new_label: String,
    pub search_placeholder: String,
    pub q: String,
    pub filters: Vec<FilterView>,
    pub more: Vec<FilterView>,
    pub more_open: bool,
    pub created: String,
    pub created_from: String,
    pub created_to: String,
    pub archived: bool,
    pub sort: String,
    pub columns: Vec<ColumnView>,
    pub rows: Vec<RowView>,
    pub errors: Vec<String>,
    pub filtered: bool,
    pub empty_text: String,
    pub empty_filtered_text: String,
    pub next_link: Option<String>,
    pub prev_link: Option<String>,
    pub can_create: bool,
    pub bulk: BulkView,
    pub views: Vec<ViewItem>,
    pub view_id: Option<i64>,
    pub view_query: String,
    /// `(key, label, shown)` of every column the user may pick, in the current order.
    pub pick: Vec<(String, String, bool)>,
    pub clear_href: String,
    /// Related-record conditions in force, and the builder's fields by related kind.
    pub conditions: Vec<super::conditions::Chip>,
    pub condition_fields: Vec<(String, Vec<(String, String)>)>,
    /// The list's parameters as they are, carried by the related-record row's form.
    pub condition_keep: Vec<(String, String)>,
}

fn sort_text(s: &SortPick) -> String {
    if s.desc { format!("-{}", s.key) } else { s.key.clone() }
}

/// The columns shown: a view's, else the user's choice, else the declared defaults.
pub(crate) fn shown_columns(kind: &Kind, defs: &[CustomDef], chosen: Option<Vec<String>>) -> Vec<String> {
    let known = app_records::column_keys(kind, defs);
    let mut cols: Vec<String> = match chosen {
        Some(c) if !c.is_empty() => c.into_iter().filter(|k| known.contains(k)).collect(),
        _ => kind
            .fields
            .iter()
            .filter(|f| f.list == ListRole::Default)
            .map(|f| f.key.to_string())
            .chain(
                kervan_core::record::next_step_of(kind)
                    .is_some()
                    .then(|| app_records::NEXT_STEP.to_string()),
            )
            .collect(),
    };
    cols.retain(|c| c != "name" && known.contains(c));
    cols.insert(0, "name".into());
    cols
}

pub(crate) fn column_label(t: &I18n, kind: &Kind, defs: &[CustomDef], key: &str) -> String {
    match key {
        "name" => t.t(&format!("{}-col-name", kind.entity)),
        "created_at" | "updated_at" => label(t, kind, key),
        app_records::NEXT_STEP => t.t("col-next-step"),
        k => match k.strip_prefix("custom.") {
            Some(ck) => defs
                .iter()
                .find(|d| d.key == ck)
                .map(|d| d.label.clone())
                .unwrap_or_default(),
            None => label(t, kind, k),
        },
    }
}

/// The next step as a coloured date: red when overdue, green today, grey later, amber "none".
fn next_step(t: &I18n, due: Option<i64>) -> Shown {
    let now = kervan_core::time::now_ms();
    let (start, end) = kervan_core::time::today_bounds(now);
    let (text, class) = match due {
        None => (t.t("next-step-none"), "next-none"),
        Some(d) if d < start => (t.date(d), "next-overdue"),
        Some(d) if d < end => (
            t.t1(
                "next-step-today",
                "time",
                kervan_core::time::datetime(d).rsplit(' ').next().unwrap_or_default(),
            ),
            "next-today",
        ),
        Some(d) => (t.date(d), "next-later"),
    };
    Shown {
        text,
        href: None,
        look: super::display::Look::Badge(class.into()),
    }
}

/// The cell of one column of a record.
fn cell(t: &I18n, kind: &Kind, defs: &[CustomDef], names: &Names, rec: &Record, key: &str) -> Shown {
    match key {
        app_records::NEXT_STEP => next_step(t, rec.next_step),
        "created_at" | "updated_at" => {
            let ms = if key == "created_at" {
                rec.created_at
            } else {
                rec.updated_at
            };
            Shown {
                text: t.ago(ms),
                href: None,
                look: super::display::Look::Plain,
            }
        }
        k => match k.strip_prefix("custom.") {
            Some(ck) => match (defs.iter().find(|d| d.key == ck), rec.custom.get(ck)) {
                (Some(d), Some(v)) => show_custom(t, d, v, names),
                _ => Shown::default(),
            },
            None => match (kind.field(k), rec.values.get(k)) {
                (Some(f), Some(v)) => show(t, kind, f, v, &rec.values, &rec.ref_names, names),
                _ => Shown::default(),
            },
        },
    }
}

/// Builds the filter bar: the status first, then choices and owners, then the rest under
/// "Daha fazla filtre"; custom fields whose index is ready join them.
async fn filter_bar<K: KitPages>(
    state: &AppState,
    session: &Session,
    defs: &[CustomDef],
    current: &BTreeMap<String, String>,
) -> Result<Vec<FilterView>, PageError> {
    let t = session.t;
    let kind = K::KIND;
    let mut out = Vec::new();
    let mut fields: Vec<_> = kind.fields.iter().filter(|f| f.filter).collect();
    fields.sort_by_key(|f| {
        (
            f.key != kind.status,
            f.ty != FieldType::Choice && f.ty != FieldType::User,
        )
    });
    for f in fields {
        let param = filter_param(f.key, f.ty);
        let value = current.get(&param).cloned().unwrap_or_default();
        let mut fv = FilterView {
            id: format!("f-{}", param.replace('.', "-")),
            param: param.clone(),
            label: label(&t, kind, f.key),
            any: String::new(),
            options: vec![],
            value: value.clone(),
            suggest: vec![],
            select: false,
        };
        match f.ty {
            FieldType::Choice => {
                fv.select = true;
                fv.any = K::filter_any(&t, &param).unwrap_or_else(|| t.t("filter-all"));
                fv.options = K::filter_extras(&t, &param)
                    .into_iter()
                    .map(|(v, l)| (v.clone(), l, v == value))
                    .collect();
                fv.options.extend(f.options.iter().map(|o| {
                    (
                        o.to_string(),
                        super::display::option_label(&t, kind, f.key, o),
                        *o == value,
                    )
                }));
            }
            FieldType::Bool => {
                fv.select = true;
                fv.any = t.t("filter-all");
                fv.options = vec![
                    ("true".into(), t.t("value-yes"), value == "true"),
                    ("false".into(), t.t("value-no"), value == "false"),
                ];
            }
            FieldType::User => {
                fv.select = true;
                fv.any = t.t("filter-all-owners");
                let vis = app_records::visibility(&session.actor, kind, Action::View);
                let users: Vec<(i64, String)> = if vis == Visibility::All {
                    app_users::names(&state.app).await?
                } else {
                    app_users::assignable(&state.app, &session.actor)
                        .await?
                        .into_iter()
                        .map(|u| (u.id, u.name))
                        .collect()
                };
                fv.options = users
                    .into_iter()
                    .map(|(id, name)| (id.to_string(), name, id.to_string() == value))
                    .collect();
            }
            // A reference filter comes from a link (a customer's people): shown only while set.
            FieldType::Reference if value.is_empty() => continue,
            _ => {
                fv.suggest = match f.suggest {
                    Suggest::Provinces => PROVINCES.iter().map(|p| p.to_string()).collect(),
                    Suggest::Used => app_records::used_values(&state.app, kind, f.key).await?.to_vec(),
                    _ => vec![],
                };
            }
        }
        out.push(fv);
    }
    for d in defs.iter().filter(|d| custom_filter_ready(d)) {
        let param = d.path();
        let value = current.get(&param).cloned().unwrap_or_default();
        let mut fv = FilterView {
            id: format!("f-custom-{}", d.key),
            param,
            label: d.label.clone(),
            any: t.t("filter-all"),
            options: vec![],
            value: value.clone(),
            suggest: vec![],
            select: true,
        };
        match d.ty {
            FieldType::Choice | FieldType::MultiChoice => {
                fv.options = d
                    .options
                    .iter()
                    .map(|o| (o.key.clone(), o.label.clone(), o.key == value))
                    .collect()
            }
            FieldType::Bool => {
                fv.options = vec![
                    ("true".into(), t.t("value-yes"), value == "true"),
                    ("false".into(), t.t("value-no"), value == "false"),
                ]
            }
            FieldType::User => {
                fv.options = app_users::names(&state.app)
                    .await?
                    .into_iter()
                    .map(|(id, name)| (id.to_string(), name, id.to_string() == value))
                    .collect()
            }
            _ => fv.select = false,
        }
        out.push(fv);
    }
    Ok(out)
}

/// The bulk bar: the owner and every field declared for bulk changes, and archiving.
async fn bulk_bar<K: KitPages>(state: &AppState, session: &Session, back: &str) -> Result<BulkView, PageError> {
    let t = session.t;
    let kind = K::KIND;
    let can_edit = session.actor.can(kind.module, Action::Edit);
    let mut groups = Vec::new();
    if can_edit {
        for f in kind.fields.iter().filter(|f| f.bulk) {
            let choices: Vec<Choice> = match f.ty {
                FieldType::User => app_users::assignable(&state.app, &session.actor)
                    .await?
                    .into_iter()
                    .map(|u| (format!("{}:{}", f.key, u.id), u.name, false))
                    .collect(),
                FieldType::Choice => f
                    .options
                    .iter()
                    .filter(|o| K::bulk_allowed(f.key, o))
                    .map(|o| {
                        (
                            format!("{}:{o}", f.key),
                            super::display::option_label(&t, kind, f.key, o),
                            false,
                        )
                    })
                    .collect(),
                FieldType::Bool => vec![
                    (format!("{}:true", f.key), t.t("value-yes"), false),
                    (format!("{}:false", f.key), t.t("value-no"), false),
                ],
                _ => vec![],
            };
            if !choices.is_empty() {
                let group = if f.key == "owner_id" {
                    t.t("bulk-assign")
                } else {
                    t.t1("bulk-set-field", "field", label(&t, kind, f.key))
                };
                groups.push((group, choices));
            }
        }
        // The admin's own fields that take one of a few values, by their label.
        for d in app_records::defs(&state.app, kind).await?.iter().filter(|d| d.active) {
            let path = d.path();
            let choices: Vec<Choice> = match d.ty {
                FieldType::Choice => d
                    .options
                    .iter()
                    .filter(|o| o.active)
                    .map(|o| (format!("{path}:{}", o.key), o.label.clone(), false))
                    .collect(),
                FieldType::Bool => vec![
                    (format!("{path}:true"), t.t("value-yes"), false),
                    (format!("{path}:false"), t.t("value-no"), false),
                ],
                FieldType::User => app_users::assignable(&state.app, &session.actor)
                    .await?
                    .into_iter()
                    .map(|u| (format!("{path}:{}", u.id), u.name, false))
                    .collect(),
                _ => vec![],
            };
            if !choices.is_empty() {
                groups.push((t.t1("bulk-set-field", "field", &d.label), choices));
            }
        }
    }
    let has_tags = kind
        .fields
        .iter()
        .any(|f| f.storage == kervan_core::record::Storage::Tags);
    if can_edit && has_tags {
        groups.push((
            t.t("bulk-tags"),
            vec![
                ("tag_add".to_string(), t.t("bulk-tag-add"), false),
                ("tag_remove".to_string(), t.t("bulk-tag-remove"), false),
            ],
        ));
    }
    Ok(BulkView {
        has_tags: can_edit && has_tags,
        action: format!("/{}/bulk", kind.key),
        back: back.to_string(),
        groups,
        can_archive: session.actor.can(kind.module, Action::Delete),
    })
}

/// A list's parameters: a saved view's filters and sort (`view=ID`), then whatever the URL adds
/// or overrides. Returns the view's id and the view too.
pub async fn with_view(
    app: &kervan_app::App,
    actor: &kervan_app::Actor,
    url_pairs: &[(String, String)],
) -> Result<(Option<i64>, Option<app_views::View>, Vec<(String, String)>), PageError> {
    let view_id = url_pairs
        .iter()
        .find(|(k, _)| k == "view")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok());
    let view = match view_id {
        Some(id) => Some(app_views::get(app, actor, id).await?),
        None => None,
    };
    let mut pairs: Vec<(String, String)> = view.as_ref().map(|v| v.params()).unwrap_or_default();
    for (k, v) in url_pairs {
        if k == "view" {
            continue;
        }
        pairs.retain(|(pk, _)| pk != k || ["cursor", "before"].contains(&k.as_str()));
        pairs.push((k.clone(), v.clone()));
    }
    Ok((view_id, view, pairs))
}

/// The list at `url` (path and query), with `message` above it when a bulk post was refused.
pub async fn render<K: KitPages>(
    state: &AppState,
    session: &Session,
    url: &str,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    let t = session.t;
    let kind = K::KIND;
    let app = &state.app;
    session.actor.require(kind.module, Action::View)?;
    let c = &app.db.conn;
    let defs: Vec<CustomDef> = app_records::defs(&state.app, kind).await?.to_vec();
    let live: Vec<CustomDef> = defs.iter().filter(|d| d.active).cloned().collect();
    let url_pairs = query_pairs(url);
    let (view_id, view, pairs) = with_view(app, &session.actor, &url_pairs).await?;
    let backend = c.get_database_backend();
    let mut errors: Vec<String> = message.into_iter().collect();
    let spec = match lists::parse::<K>(backend, &live, &pairs, 50, 200) {
        Ok(s) => s,
        Err(e) => {
            // What was wrong above the unfiltered list, rather than an error page.
            errors.extend(crate::error::field_messages(&t, &e).into_iter().map(|(_, m)| m));
            lists::parse::<K>(backend, &live, &[], 50, 200).map_err(|_| PageError::BadRequest)?
        }
    };
    let page = app_records::list_kind(app, &session.actor, kind, &defs, &spec.query).await?;
    let names = user_names(state).await?;
    let chosen = match &view {
        Some(v) if !v.columns.is_empty() => Some(v.columns.clone()),
        _ => app_views::columns(app, &session.actor, kind.key).await?,
    };
    let cols = shown_columns(kind, &live, chosen);
    // The list's own parameters (no paging, no toast) for sort and paging links.
    let kept: Vec<(String, String)> = url_pairs
        .iter()
        .filter(|(k, _)| !PAGE_KEYS.contains(&k.as_str()) || k == "view")
        .cloned()
        .collect();
    let base: Vec<(String, String)> = kept.iter().filter(|(k, _)| k != "sort").cloned().collect();
    let sort_now = sort_text(&spec.sort);
    let path = format!("/{}", kind.key);
    let sortable = |key: &str| -> bool {
        kind.sort(key).is_some()
            || key
                .strip_prefix("custom.")
                .and_then(|k| live.iter().find(|d| d.key == k))
                .is_some_and(|d| custom_sortable(d) && d.index_state == "ready")
    };
    let columns = cols
        .iter()
        .map(|key| {
            let (sort_href, sort_state) = if sortable(key) {
                let next = if sort_now == format!("-{key}") {
                    key.clone()
                } else {
                    format!("-{key}")
                };
                let mut p = base.clone();
                p.push(("sort".into(), next));
                let state = if sort_now == *key {
                    "ascending"
                } else if sort_now == format!("-{key}") {
                    "descending"
                } else {
                    "none"
                };
                (Some(format!("{path}?{}", query_string(&p))), state)
            } else {
                (None, "none")
            };
            ColumnView {
                css: key.replace('.', "-"),
                key: key.clone(),
                label: column_label(&t, kind, &live, key),
                sort_href,
                sort_state,
            }
        })
        .collect();
    let rows = page
        .records
        .iter()
        .map(|r| RowView {
            id: r.id,
            href: format!("/{}/{}", kind.key, r.id),
            name: K::name(&r.values),
            sub: K::name_sub(r),
            cells: cols
                .iter()
                .skip(1)
                .map(|k| (column_label(&t, kind, &live, k), cell(&t, kind, &defs, &names, r, k)))
                .collect(),
        })
        .collect();
    let mut paging = base.clone();
    paging.push(("sort".into(), sort_now.clone()));
    let link = |param: &str, r: &Record| {
        let mut p = paging.clone();
        p.push((param.into(), encode_cursor(&r.position(&spec.sort))));
        format!("{path}?{}", query_string(&p))
    };
    let prev_link = page
        .records
        .first()
        .filter(|_| page.has_prev)
        .map(|r| link("before", r));
    let next_link = page.records.last().filter(|_| page.has_next).map(|r| link("cursor", r));
    let filters = filter_bar::<K>(state, session, &live, &spec.filters).await?;
    let (main, more): (Vec<FilterView>, Vec<FilterView>) = {
        let mut main = Vec::new();
        let mut more = Vec::new();
        for (i, f) in filters.into_iter().enumerate() {
            if i < 4 && f.select && !f.param.starts_with("custom.") {
                main.push(f);
            } else {
                more.push(f);
            }
        }
        (main, more)
    };
    let get = |k: &str| spec.filters.get(k).cloned().unwrap_or_default();
    let more_open =
        more.iter().any(|f| !f.value.is_empty()) || spec.filters.contains_key("archived") || get("created") == "custom";
    // The list as the person sees it now (filters, sort, view), without paging or toasts.
    let back = safe_back(url, &path);
    let views = app_views::list(app, &session.actor, kind.key)
        .await?
        .into_iter()
        .map(|v| ViewItem {
            id: v.row.id,
            name: v.row.name.clone(),
            shared: v.row.shared,
            mine: v.row.owner_id == session.actor.user_id,
            active: Some(v.row.id) == view_id,
        })
        .collect();
    let all = app_records::column_keys(kind, &live);
    let mut pick: Vec<(String, String, bool)> = cols
        .iter()
        .filter(|k| *k != "name")
        .map(|k| (k.clone(), column_label(&t, kind, &live, k), true))
        .collect();
    for k in all.iter().filter(|k| *k != "name" && !cols.contains(k)) {
        pick.push((k.clone(), column_label(&t, kind, &live, k), false));
    }
    let mut shell = session.shell(text(&t, kind, "title"));
    let bulk_done = bulk_toast(&t, url);
    shell.toast_link = bulk_done.as_ref().and_then(|(_, link)| link.clone());
    shell.toast = bulk_done.map(|(text, _)| text).or_else(|| {
        query_pairs(url)
            .into_iter()
            .find(|(k, _)| k == "ok")
            .and_then(|(_, v)| super::card::toast_text(&t, kind, &v))
    });
    let view_query: Vec<(String, String)> = spec.filters.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut links: Vec<(String, String)> = K::list_links(&t).into_iter().map(|(h, l)| (h.to_string(), l)).collect();
    if kervan_app::imports::KINDS.contains(&kind.key)
        && session.actor.can(kind.module, kervan_core::permissions::Action::Import)
    {
        links.push((format!("/imports?kind={}", kind.key), t.t("import-action")));
    }
    let mut exports = Vec::new();
    if session.actor.can(kind.module, Action::Export) {
        let q = crate::ui::query_string(&kept);
        let href = |format: &str, columns: &str| format!("/{}/export?format={format}&columns={columns}&{q}", kind.key);
        exports.push((href("csv", "visible"), t.t("export-csv")));
        exports.push((href("xlsx", "visible"), t.t("export-xlsx")));
        exports.push((href("csv", "all"), t.t("export-csv-all")));
        exports.push((href("xlsx", "all"), t.t("export-xlsx-all")));
        if kind.field("first_name").is_some() {
            exports.push((href("vcf", "all"), t.t("export-vcf")));
        }
    }
    let page = ListPage {
        exports,
        links,
        shell,
        kind,
        title: text(&t, kind, "title"),
        new_label: text(&t, kind, "new"),
        search_placeholder: t.t(&format!("{}-search-placeholder", kind.entity)),
        q: get("q"),
        filters: main,
        more,
        more_open,
        created: get("created"),
        created_from: get("created_from"),
        created_to: get("created_to"),
        archived: spec.filters.contains_key("archived"),
        sort: get("sort"),
        columns,
        rows,
        errors,
        filtered: spec.filtered || view.is_some(),
        empty_text: t.t(&format!("{}-empty", kind.key)),
        empty_filtered_text: t.t(&format!("{}-empty-filtered", kind.key)),
        next_link,
        prev_link,
        can_create: session.actor.can(kind.module, Action::Create),
        bulk: bulk_bar::<K>(state, session, &back).await?,
        views,
        view_id,
        view_query: query_string(&view_query),
        pick,
        clear_href: path,
        conditions: super::conditions::chips(&t, kind, &pairs),
        condition_fields: super::conditions::builder(&t, kind),
        condition_keep: kept,
    };
    html(&page)
}

pub async fn page<K: KitPages>(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let url = session.path.clone();
    // A related-record condition added in the filter bar becomes the list's own parameter.
    if let Some(pairs) = super::conditions::added(&session.t, K::KIND, &query_pairs(&url)) {
        return Ok(crate::redirect::see_other(&format!(
            "/{}?{}",
            K::KIND.key,
            query_string(&pairs)
        )));
    }
    Ok(render::<K>(&state, &session, &url, None).await?.into_response())
}

/// The list URL to come back to: the list's own path with its query, nothing else (no scheme,
/// host, `//` or header tricks survive: the query is decoded and encoded again, toasts dropped).
pub fn safe_back(back: &str, list: &str) -> String {
    let (path, _) = back.split_once('?').unwrap_or((back, ""));
    if path != list {
        return list.to_string();
    }
    let kept: Vec<(String, String)> = query_pairs(back)
        .into_iter()
        .filter(|(k, _)| !PAGE_KEYS.contains(&k.as_str()) || k == "view")
        .collect();
    match query_string(&kept) {
        q if q.is_empty() => list.to_string(),
        q => format!("{list}?{q}"),
    }
}

/// Why a bulk post was refused as a whole.
fn refusal(t: &I18n, code: &str, n: usize) -> String {
    match code {
        "empty" => t.t("bulk-err-empty"),
        "too_many" => t.t_nums(
            "bulk-err-too-many",
            &[("max", MAX_IDS as i64), ("n", i64::try_from(n).unwrap_or(i64::MAX))],
        ),
        "no_action" => t.t("bulk-err-no-action"),
        "lost" => t.t("bulk-err-lost"),
        _ => t.t("bulk-err-action"),
    }
}

/// The toast for `?ok=bulk&n=…` on a list ("12 records updated, 2 records skipped (…)" in English)
/// and, with `&run=ID` (a change of ticked rows), its way back: the run's page, whose undo asks
/// first. Only numbers are read from the query, so neither text nor link can be injected.
fn bulk_toast(t: &I18n, path: &str) -> Option<(String, Option<(String, String)>)> {
    let (_, query) = path.split_once('?')?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    if get("ok") != Some("bulk") {
        return None;
    }
    // Counts of one request: never more than the cap, whatever the URL says.
    let num = |k: &str| {
        get(k)
            .and_then(|v| v.parse::<u32>().ok())
            .map_or(0, |n| i64::from(n).min(MAX_IDS as i64))
    };
    let mut text = t.t_nums("bulk-toast", &[("n", num("n")), ("skipped", num("skipped"))]);
    let why: Vec<String> = [
        ("nf", "bulk-why-not-found"),
        ("inv", "bulk-why-invalid"),
        ("cf", "bulk-why-conflict"),
    ]
    .iter()
    .filter(|(k, _)| num(k) > 0)
    .map(|(k, key)| t.t_nums(key, &[("n", num(k))]))
    .collect();
    if !why.is_empty() {
        text = format!("{text} ({})", why.join(", "));
    }
    let undo = get("run")
        .and_then(|r| r.parse::<i64>().ok())
        .map(|run| (format!("/bulk/{run}"), t.t("bulk-toast-undo")));
    Some((text, undo))
}

/// The list URL with the toast of an outcome (and the run, to undo it from).
fn done_url(back: &str, o: &Outcome, run: i64) -> String {
    let sep = if back.contains('?') { '&' } else { '?' };
    // Records already as asked count as done ("3 kayıt güncellendi" when asked twice).
    let mut url = format!(
        "{back}{sep}ok=bulk&n={}&skipped={}",
        o.changed + o.unchanged,
        o.skipped()
    );
    for (k, n) in [("nf", o.not_found), ("inv", o.invalid), ("cf", o.conflict)] {
        if n > 0 {
            url.push_str(&format!("&{k}={n}"));
        }
    }
    if o.changed > 0 {
        url.push_str(&format!("&run={run}"));
    }
    url
}

/// A bulk post: row checkboxes `ids`, the `action` select (`field:value`) or the archive button.
/// Works without JavaScript; comes back to the same list URL with a counted toast.
pub async fn bulk_submit<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    body: Bytes,
) -> Result<Response, PageError> {
    let kind = K::KIND;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| PageError::BadRequest)?;
    let mut ids: Vec<i64> = Vec::new();
    let (mut action, mut archive, mut back) = (String::new(), false, String::new());
    let (mut whole, mut restore, mut tag) = (false, false, String::new());
    for (k, v) in pairs {
        match k.as_str() {
            // A checkbox value is always an id we rendered; anything else is a forged post.
            "ids" => ids.push(v.trim().parse().map_err(|_| PageError::BadRequest)?),
            "action" => action = v.trim().to_string(),
            "archive" => archive = !v.is_empty(),
            "restore" => restore = !v.is_empty(),
            "scope" => whole = v == "all",
            "tag" => tag = v.trim().to_string(),
            "back" => back = v,
            _ => {}
        }
    }
    let list = format!("/{}", kind.key);
    let back = safe_back(&back, &list);
    // Every bulk change is a run, frozen and undoable. Everything matching the filter, tags and
    // restoring are confirmed with their count first; a field set on, or an archive of, a few
    // ticked rows runs at once and comes back to the list with its count and a way to undo it.
    let tagging = action.starts_with("tag_add") || action.starts_with("tag_remove");
    let confirmed = whole || tagging || restore;
    if !whole && ids.is_empty() {
        return refusal_page::<K>(&state, &session, &back, "empty", 0).await;
    }
    if !whole && ids.len() > MAX_IDS {
        return refusal_page::<K>(&state, &session, &back, "too_many", ids.len()).await;
    }
    let planned = if archive || action == "archive" {
        app_bulk::Planned::Archive
    } else if restore {
        app_bulk::Planned::Restore
    } else if action.starts_with("tag_add") {
        app_bulk::Planned::AddTag { tag }
    } else if action.starts_with("tag_remove") {
        app_bulk::Planned::RemoveTag { tag }
    } else if let Some((field, value)) = action.split_once(':') {
        // `owner:` is how older pages named the owner.
        let field = if field == "owner" { "owner_id" } else { field };
        // A custom field's definition is the run's to check (it refuses one that is not).
        let custom = field.starts_with("custom.");
        if !custom && (!kind.field(field).is_some_and(|f| f.bulk) || !K::bulk_allowed(field, value)) {
            let code = if field == "status" && value == "lost" {
                "lost"
            } else {
                "bad"
            };
            return refusal_page::<K>(&state, &session, &back, code, ids.len()).await;
        }
        app_bulk::Planned::Set {
            field: field.to_string(),
            value: value.to_string(),
        }
    } else if action.is_empty() {
        return refusal_page::<K>(&state, &session, &back, "no_action", ids.len()).await;
    } else {
        return refusal_page::<K>(&state, &session, &back, "bad", ids.len()).await;
    };
    let frozen = if whole {
        let (_, _, params) = with_view(&state.app, &session.actor, &query_pairs(&back)).await?;
        app_bulk::freeze(&state.app, &session.actor, K::KIND, &params, &planned).await
    } else {
        app_bulk::freeze_ids(&state.app, &session.actor, K::KIND, &ids, &planned).await
    };
    let run = match frozen {
        Ok((id, _)) if confirmed => return Ok(crate::redirect::see_other(&format!("/bulk/{id}"))),
        Ok((id, _)) => id,
        Err(AppError::Validation(e)) => {
            let msg = e.0.iter().map(|x| session.t.err(x)).collect::<Vec<_>>().join(" ");
            let page = render::<K>(&state, &session, &back, Some(msg)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let outcome = app_bulk::run_now(&state.app, &session.actor, run).await?;
    Ok(crate::redirect::see_other(&done_url(&back, &outcome, run)))
}

/// The list with a bulk refusal above it.
async fn refusal_page<K: KitPages>(
    state: &AppState,
    session: &Session,
    back: &str,
    code: &str,
    n: usize,
) -> Result<Response, PageError> {
    let msg = refusal(&session.t, code, n);
    let page = render::<K>(state, session, back, Some(msg)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The column picker: the ticked columns in the order given (`col` repeated), or `reset`.
pub async fn columns_submit<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    body: Bytes,
) -> Result<Response, PageError> {
    let kind = K::KIND;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| PageError::BadRequest)?;
    let reset = pairs.iter().any(|(k, _)| k == "reset");
    let mut order: Vec<(i64, String)> = Vec::new();
    for (k, v) in &pairs {
        if k == "col" {
            let pos = pairs
                .iter()
                .find(|(pk, _)| *pk == format!("pos.{v}"))
                .and_then(|(_, p)| p.trim().parse().ok())
                .unwrap_or(order.len() as i64 + 1);
            order.push((pos, v.clone()));
        }
    }
    order.sort_by_key(|(p, _)| *p);
    let cols: Vec<String> = order.into_iter().map(|(_, k)| k).collect();
    let back = pairs
        .iter()
        .find(|(k, _)| k == "back")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let list = format!("/{}", kind.key);
    let back = safe_back(back, &list);
    match app_views::set_columns(
        &state.app,
        &session.actor,
        kind.key,
        (!reset).then_some(cols.as_slice()),
    )
    .await
    {
        Ok(()) => Ok(crate::redirect::see_other(&back)),
        Err(AppError::Validation(_)) => Err(PageError::BadRequest),
        Err(e) => Err(e.into()),
    }
}

/// Saves the current filters, sort and columns as a named view (private or shared).
pub async fn view_submit<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    body: Bytes,
) -> Result<Response, PageError> {
    let kind = K::KIND;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| PageError::BadRequest)?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let query: Vec<(String, String)> = serde_urlencoded::from_str(&get("query")).unwrap_or_default();
    let mut filters: BTreeMap<String, String> = BTreeMap::new();
    let mut sort = None;
    for (k, v) in query {
        if k == "sort" {
            sort = Some(v);
        } else if !PAGE_KEYS.contains(&k.as_str()) {
            filters.insert(k, v);
        }
    }
    let defs = app_records::defs(&state.app, kind).await?;
    let live: Vec<CustomDef> = defs.iter().filter(|d| d.active).cloned().collect();
    let columns = shown_columns(
        kind,
        &live,
        app_views::columns(&state.app, &session.actor, kind.key).await?,
    );
    let input = app_views::ViewInput {
        name: Some(get("name")),
        filters: Some(filters),
        columns: Some(columns),
        sort,
        shared: Some(!get("shared").is_empty()),
    };
    match app_views::create(&state.app, &session.actor, kind.key, &input).await {
        Ok(v) => Ok(crate::redirect::see_other(&format!(
            "/{}?view={}&ok=view",
            kind.key, v.row.id
        ))),
        Err(AppError::Validation(e)) => {
            let msg = crate::error::field_messages(&session.t, &e)
                .into_iter()
                .map(|(_, m)| format!("{}: {m}", session.t.t("view-name")))
                .collect::<Vec<_>>()
                .join(" ");
            let page = render::<K>(&state, &session, &format!("/{}?{}", kind.key, get("query")), Some(msg)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn view_delete<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(view): Path<i64>,
) -> Result<Response, PageError> {
    app_views::delete(&state.app, &session.actor, view).await?;
    Ok(crate::redirect::see_other(&format!("/{}?ok=view-deleted", K::KIND.key)))
}
