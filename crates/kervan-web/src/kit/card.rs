//! A record's card: the header (name, status, owner, key facts, actions), the module's banner,
//! the tabs — Genel and Geçmiş from the kit, the rest from the module — and archive, restore and
//! delete.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use kervan_app::AppError;
use kervan_app::records::{self as app_records};
use kervan_core::permissions::Action;
use kervan_core::record::{CustomDef, Kind, Storage, Value};
use kervan_store::audit::AuditRow;

use super::display::{Shown, from_canonical, show, show_custom};
use super::{Card, HeaderAction, KitPages, Names, label, text, user_names};
use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::layout::Shell;
use crate::tabs::{self, Panel, Tab, TabSpec};

/// The text of a toast the card or list was sent with (`?ok=saved`); unknown keys show nothing,
/// so the query string is never a place to inject text.
pub fn toast_text(t: &I18n, kind: &Kind, key: &str) -> Option<String> {
    // What the kit reports for every kind; a module may word it its own way.
    const KIT: &[&str] = &[
        "created",
        "saved",
        "archived",
        "restored",
        "deleted",
        "status",
        "converted",
        "merged",
        "view",
        "view-deleted",
    ];
    let own = format!("{}-toast-{key}", kind.entity);
    let shown = |k: &str| key.chars().all(|c| c.is_ascii_lowercase() || c == '-') && t.has(k);
    if shown(&own) {
        Some(t.t(&own))
    } else if KIT.contains(&key) || crate::layout::is_known_toast(key) {
        Some(t.t(&format!("toast-{key}")))
    } else {
        None
    }
}

/// One fact of the card: a label and a value.
pub struct Fact {
    pub key: String,
    /// The key as an id part (`custom.butce` → `custom-butce`).
    pub css: String,
    pub label: String,
    pub value: Shown,
}

#[derive(Template)]
#[template(path = "kit/card.html")]
struct CardPage {
    shell: Shell,
    kind: &'static Kind,
    id: i64,
    version: i64,
    list_title: String,
    name: String,
    sub: Option<String>,
    status: Option<Shown>,
    archived: bool,
    owner: Option<Shown>,
    key_facts: Vec<Fact>,
    actions: Vec<HeaderAction>,
    can_edit: bool,
    can_archive: bool,
    can_delete: bool,
    banner: String,
    tabs: Vec<Tab>,
    panel: String,
}

#[derive(Deserialize, Default)]
pub struct CardQuery {
    pub tab: Option<String>,
    pub ok: Option<String>,
}

/// The facts of a record in declaration order, custom fields after; empty values left out.
pub fn facts(c: &Card, only_card: bool) -> Vec<Fact> {
    let kind = c.kind;
    let mut out = Vec::new();
    for f in kind.fields.iter().filter(|f| !f.hidden) {
        if only_card && !f.card {
            continue;
        }
        if f.key == kind.status || f.key == "owner_id" && only_card {
            continue;
        }
        if let Some(v) = c.rec.values.get(f.key) {
            let value = show(&c.t, kind, f, v, &c.rec.values, &c.rec.ref_names, &c.names);
            if !value.is_empty() {
                out.push(Fact {
                    css: f.key.to_string(),
                    key: f.key.to_string(),
                    label: label(&c.t, kind, f.key),
                    value,
                });
            }
        }
    }
    if !only_card {
        for d in c.defs.iter().filter(|d| d.active) {
            if let Some(v) = c.rec.custom.get(&d.key) {
                out.push(Fact {
                    css: format!("custom-{}", d.key),
                    key: d.path(),
                    label: d.label.clone(),
                    value: show_custom(&c.t, d, v, &c.names),
                });
            }
        }
        for (key, ms) in [("created_at", c.rec.created_at), ("updated_at", c.rec.updated_at)] {
            out.push(Fact {
                css: key.into(),
                key: key.into(),
                label: label(&c.t, kind, key),
                value: Shown::plain(c.t.datetime(ms)),
            });
        }
    }
    out
}

#[derive(Template)]
#[template(path = "kit/tab_general.html")]
struct GeneralPanel<'a> {
    t: I18n,
    kind: &'static Kind,
    facts: Vec<Fact>,
    notes: Vec<(String, String)>,
    tags: &'a [String],
}

fn general(c: &Card) -> Panel<'_> {
    Box::pin(async move {
        let long: Vec<&str> = c
            .kind
            .fields
            .iter()
            .filter(|f| f.ty == kervan_core::record::FieldType::LongText)
            .map(|f| f.key)
            .filter(|k| c.kind.field(k).is_some_and(|f| !f.hidden))
            .collect();
        let mut facts: Vec<Fact> = facts(c, false)
            .into_iter()
            .filter(|f| !long.contains(&f.key.as_str()) && f.key != "tags")
            .collect();
        // The module's own facts go before the bookkeeping dates at the end.
        let at = facts.len().saturating_sub(2);
        let extra = (c.general_extra)(c).await?;
        facts.splice(at..at, extra);
        let notes = long
            .iter()
            .filter_map(|k| c.rec.text(k).map(|v| (label(&c.t, c.kind, k), v.to_string())))
            .collect();
        let tags_field = c.kind.fields.iter().find(|f| f.storage == Storage::Tags);
        let tags = match tags_field.and_then(|f| c.rec.values.get(f.key)) {
            Some(Value::Tags(t)) => t.as_slice(),
            _ => &[],
        };
        Ok(html(&GeneralPanel {
            t: c.t,
            kind: c.kind,
            facts,
            notes,
            tags,
        })?
        .0)
    })
}

/// A history value naming a record as `#12 Name (…)`: a link to it.
pub fn reference_shown(v: &str, kind: &str) -> Shown {
    let id = v
        .strip_prefix('#')
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse::<i64>().ok());
    Shown {
        text: v.to_string(),
        href: id.map(|i| format!("/{kind}/{i}")),
        look: super::display::Look::Plain,
    }
}

/// One history entry as the Geçmiş tab shows it.
pub struct HistoryRow {
    pub when: String,
    pub who: String,
    pub field: String,
    pub old: Shown,
    pub new: Shown,
    /// A creation: the initial values instead of old → new.
    pub created: Vec<(String, Shown)>,
}

/// A stored history value shown as its field shows values.
fn history_value(c: &HistoryCtx<'_>, field: &str, v: Option<&str>) -> Shown {
    let Some(v) = v else { return Shown::plain("—".into()) };
    if let Some(s) = (c.extra)(&c.t, field, v) {
        return s;
    }
    if matches!(field, "merged_from" | "merged_into") {
        return reference_shown(v, c.kind.key);
    }
    if let Some(ck) = field.strip_prefix("custom.")
        && let Some(d) = c.defs.iter().find(|d| d.key == ck)
        && let Some(val) = from_canonical(d.ty, v)
    {
        return show_custom(&c.t, d, &val, c.names);
    }
    match field {
        "archived_at" | "converted_at" => {
            return Shown::plain(
                kervan_core::time::parse_datetime(v)
                    .map(|ms| c.t.datetime(ms))
                    .unwrap_or(v.into()),
            );
        }
        _ => {}
    }
    match c
        .kind
        .field(field)
        .and_then(|f| from_canonical(f.ty, v).map(|val| (f, val)))
    {
        Some((f, val)) => {
            let mut s = show(&c.t, c.kind, f, &val, &Default::default(), &Default::default(), c.names);
            if let Value::Ref(id) = val {
                s.text = c.refs.get(&(f.refers, id)).cloned().unwrap_or_else(|| format!("#{id}"));
                s.href = Some(format!("/{}/{id}", f.refers));
            }
            s
        }
        None => Shown::plain(v.to_string()),
    }
}

struct HistoryCtx<'a> {
    t: I18n,
    kind: &'static Kind,
    /// The module's own events (see [`KitPages::history_value`]).
    extra: fn(&I18n, &str, &str) -> Option<Shown>,
    defs: &'a [CustomDef],
    names: &'a Names,
    refs: HashMap<(&'static str, i64), String>,
}

fn field_label(c: &HistoryCtx<'_>, field: &str) -> String {
    if let Some(ck) = field.strip_prefix("custom.") {
        return c
            .defs
            .iter()
            .find(|d| d.key == ck)
            .map(|d| d.label.clone())
            .unwrap_or_else(|| ck.to_string());
    }
    label(&c.t, c.kind, field)
}

fn history_rows(c: &HistoryCtx<'_>, rows: &[AuditRow]) -> Vec<HistoryRow> {
    rows.iter()
        .map(|h| {
            let created = if h.field == "created" {
                let map: serde_json::Map<String, serde_json::Value> = h
                    .new
                    .as_deref()
                    .and_then(|n| serde_json::from_str(n).ok())
                    .unwrap_or_default();
                let mut items: Vec<(usize, String, Shown)> = map
                    .iter()
                    .filter_map(|(k, v)| {
                        let text = v.as_str()?;
                        let pos = c.kind.fields.iter().position(|f| f.key == k).unwrap_or(usize::MAX);
                        Some((pos, field_label(c, k), history_value(c, k, Some(text))))
                    })
                    .collect();
                items.sort_by_key(|(p, _, _)| *p);
                items.into_iter().map(|(_, l, v)| (l, v)).collect()
            } else {
                vec![]
            };
            HistoryRow {
                when: c.t.datetime(h.at),
                who: h.user_name.clone().unwrap_or_else(|| c.t.t("history-system")),
                field: if h.field == "created" {
                    c.t.t("history-created")
                } else {
                    field_label(c, &h.field)
                },
                old: history_value(c, &h.field, h.old.as_deref()),
                new: if h.field == "created" {
                    Shown::default()
                } else {
                    history_value(c, &h.field, h.new.as_deref())
                },
                created,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "kit/tab_history.html")]
pub struct HistoryPanel {
    pub t: I18n,
    pub rows: Vec<HistoryRow>,
}

fn history(c: &Card) -> Panel<'_> {
    Box::pin(async move {
        let app = &c.state.app;
        let rows = kervan_store::audit::for_entity(&app.db.conn, c.kind.entity, c.rec.id, 500)
            .await
            .map_err(AppError::from)?;
        Ok(html(&HistoryPanel {
            t: c.t,
            rows: history_of(c, &rows).await?,
        })?
        .0)
    })
}

/// The card's history rows as the Geçmiş tab and the timeline show them.
pub(super) async fn history_of(c: &Card, rows: &[AuditRow]) -> Result<Vec<HistoryRow>, PageError> {
    let app = &c.state.app;
    {
        // Names of the records references pointed at, for the rows that mention them.
        let mut refs = HashMap::new();
        let mut mentioned: Vec<(String, String)> = Vec::new();
        for h in rows {
            if h.field == "created" {
                // The initial values of a creation, held as one JSON object.
                let initial: serde_json::Map<String, serde_json::Value> = h
                    .new
                    .as_deref()
                    .and_then(|n| serde_json::from_str(n).ok())
                    .unwrap_or_default();
                mentioned.extend(
                    initial
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))),
                );
            } else {
                mentioned.extend(
                    [&h.old, &h.new]
                        .into_iter()
                        .flatten()
                        .map(|v| (h.field.clone(), v.clone())),
                );
            }
        }
        for (field, v) in &mentioned {
            if let Some(f) = c.kind.field(field).filter(|f| !f.refers.is_empty())
                && let (Ok(id), Some(target)) = (v.parse::<i64>(), kervan_app::registry::entry(f.refers))
                && !refs.contains_key(&(f.refers, id))
                && let Ok(r) = app_records::load_for(app, &c.actor, target.kind, id, Action::View).await
            {
                refs.insert((f.refers, id), (target.name)(&r.values));
            }
        }
        let ctx = HistoryCtx {
            t: c.t,
            kind: c.kind,
            extra: c.history_extra,
            defs: &c.defs,
            names: &c.names,
            refs,
        };
        Ok(history_rows(&ctx, rows))
    }
}

/// The kit's tabs of every card.
fn kit_tabs() -> Vec<TabSpec<Card>> {
    vec![
        TabSpec {
            key: "general",
            label: "tab-general",
            order: 10,
            visible: |_| true,
            render: general,
        },
        TabSpec {
            key: "history",
            label: "tab-history",
            order: 90,
            visible: |_| true,
            render: history,
        },
        super::timeline::tab(),
        crate::files::card_tab(),
    ]
}

pub async fn page<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    render::<K>(&state, &session, id, q, None, StatusCode::OK).await
}

/// The card with the tab of `query` open, and a tab's failed form (shown with `status`).
pub async fn render<K: KitPages>(
    state: &AppState,
    session: &Session,
    id: i64,
    q: HashMap<String, String>,
    form: Option<Box<dyn std::any::Any + Send + Sync>>,
    code: StatusCode,
) -> Result<Response, PageError> {
    let state = state.clone();
    let kind = K::KIND;
    let t = session.t;
    let rec = app_records::load_for(&state.app, &session.actor, kind, id, Action::View).await?;
    let defs = app_records::defs(&state.app, kind).await?;
    let names = user_names(&state).await?;
    let card = Card {
        state: state.clone(),
        actor: session.actor.clone(),
        t,
        csrf: session.csrf.clone(),
        kind,
        rec,
        defs: defs.to_vec(),
        names,
        query: q.clone(),
        form,
        history_extra: K::history_value,
        general_extra: K::general_extra,
    };
    let mut specs = kit_tabs();
    specs.extend(K::tabs());
    specs.extend(super::registry::tabs_for(kind.key));
    let base = card.base();
    let (tab_bar, active) = tabs::pick(&t, &specs, &card, &base, q.get("tab").map(String::as_str));
    let panel = match active {
        Some(i) => (specs[i].render)(&card).await?,
        None => String::new(),
    };
    let banner = K::banner(&card).await?;
    let rec = &card.rec;
    let status = kind.field(kind.status).and_then(|f| {
        rec.values
            .get(f.key)
            .map(|v| show(&t, kind, f, v, &rec.values, &rec.ref_names, &card.names))
    });
    let owner = rec.owner_id().map(|o| {
        let name = card.names.get(&o).cloned().unwrap_or_default();
        Shown {
            look: super::display::Look::Person(kervan_core::text::initials(&name)),
            text: name,
            href: None,
        }
    });
    let can_edit = card.can(Action::Edit) && !rec.is_archived() && K::editable(rec);
    let name = K::name(&rec.values);
    let mut shell = session.shell(name.clone());
    shell.toast = q.get("ok").and_then(|k| toast_text(&t, kind, k));
    let page = CardPage {
        shell,
        kind,
        id: rec.id,
        version: rec.version,

        list_title: text(&t, kind, "title"),
        sub: K::name_sub(rec),
        name,
        status,
        archived: rec.is_archived(),
        owner,
        key_facts: facts(&card, true),
        actions: K::actions(&card)
            .into_iter()
            .chain(follow_ups(&card))
            .chain(card.kind.merge.then(|| super::merge::action(&card)).flatten())
            .collect(),
        can_edit,
        can_archive: card.can(Action::Delete),
        can_delete: session.actor.is_admin() && K::hard_delete(),
        banner,
        tabs: tab_bar,
        panel,
    };
    Ok((code, html(&page)?).into_response())
}

/// "Görev oluştur": a record of each follow-up kind that refers to this one, linked already.
fn follow_ups(card: &Card) -> Vec<super::HeaderAction> {
    if card.rec.is_archived() {
        return vec![];
    }
    let mut out = Vec::new();
    for k in kervan_core::kinds::ALL.iter().filter(|k| k.rides_along()) {
        if !card.actor.can(k.module, Action::Create) {
            continue;
        }
        if let Some(f) = k
            .fields
            .iter()
            .find(|f| f.ty == kervan_core::record::FieldType::Reference && f.refers == card.kind.key)
        {
            out.push(super::HeaderAction {
                id: format!("new-{}", k.entity),
                label: card.t.t(&format!("{}-create-here", k.entity)),
                href: format!("/{}/new?{}={}", k.key, f.key, card.rec.id),
                primary: false,
            });
        }
    }
    out
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: String,
}

async fn archive<K: KitPages>(
    state: &AppState,
    session: &Session,
    id: i64,
    version: &str,
    on: bool,
) -> Result<Response, PageError> {
    let v: i64 = version.trim().parse().map_err(|_| PageError::BadRequest)?;
    let key = K::KIND.key;
    match app_records::set_archived::<K>(&state.app, &session.actor, id, v, on).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!(
            "/{key}/{id}?ok={}",
            if on { "archived" } else { "restored" }
        ))),
        // Changed meanwhile: show the card as it is now.
        Err(AppError::Conflict { .. }) => Ok(crate::redirect::see_other(&format!("/{key}/{id}"))),
        Err(e) => Err(e.into()),
    }
}

pub async fn archive_submit<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<VersionForm>,
) -> Result<Response, PageError> {
    archive::<K>(&state, &session, id, &f.version, true).await
}

pub async fn restore_submit<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<VersionForm>,
) -> Result<Response, PageError> {
    archive::<K>(&state, &session, id, &f.version, false).await
}

pub async fn delete_submit<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    if !K::hard_delete() {
        return Err(PageError::Forbidden {
            module: K::KIND.module,
            action: kervan_core::permissions::Action::Delete,
        });
    }
    app_records::delete_hard::<K>(&state.app, &session.actor, id).await?;
    Ok(crate::redirect::see_other(&format!("/{}?ok=deleted", K::KIND.key)))
}
