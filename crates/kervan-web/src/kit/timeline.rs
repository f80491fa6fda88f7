//! The Görüşmeler tab of every card that activities (any timeline kind) refer to: what happened
//! with the record, newest first, filterable by kind, with the record's own changes interleaved
//! on request, older pages by "Daha eski"; and the same as JSON for the API.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use kervan_app::records::{self as app_records, Record};
use kervan_app::timeline;
use kervan_core::permissions::Action;
use kervan_core::record::{FieldType, Kind, Value};

use super::card::{HistoryRow, history_of};
use super::display::{Shown, show};
use super::{Card, label};
use crate::AppState;
use crate::api::{ApiError, ApiUser};
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::tabs::TabSpec;

/// Entries per page.
const PAGE: u64 = 50;

/// One activity as the timeline shows it.
pub struct Item {
    pub id: i64,
    pub href: String,
    /// The kind choice's value (`call` …) for the icon, and its label.
    pub sort: String,
    pub sort_label: String,
    pub when: String,
    pub name: String,
    /// The status when it is not the usual one (planned, cancelled).
    pub status: Option<(String, String)>,
    /// What else it is about, besides this card's record (a person of the customer).
    pub about: Vec<(String, String)>,
    pub facts: Vec<(String, Shown)>,
    pub text: Vec<String>,
    pub by: Option<String>,
}

pub enum Entry {
    Item(Item),
    Change(HistoryRow),
}

#[derive(Template)]
#[template(path = "kit/tab_timeline.html")]
struct Panel {
    t: I18n,
    base: String,
    entries: Vec<Entry>,
    /// Filter chips: (value, label, active).
    chips: Vec<(String, String, bool)>,
    changes: bool,
    older: Option<String>,
    /// "Görüşme kaydet" for this record.
    new_href: Option<String>,
    new_label: String,
    kind_param: String,
}

/// The tab, on the cards of kinds a timeline kind refers to.
pub fn tab() -> TabSpec<Card> {
    TabSpec {
        key: "timeline",
        label: "tab-timeline",
        order: 15,
        visible: |c| {
            timeline::has_timeline(c.kind) && timeline::kinds().any(|(t, _)| c.actor.can(t.module, Action::View))
        },
        render: |c| Box::pin(panel(c)),
    }
}

/// The choice field a timeline is filtered by (activities' `kind`).
fn sort_field(t: &Kind) -> Option<&'static kervan_core::record::Field> {
    t.fields
        .iter()
        .find(|f| f.ty == FieldType::Choice && f.required && f.filter)
}

fn before_of(s: Option<&String>) -> Option<(i64, i64)> {
    let (at, id) = s?.split_once('.')?;
    Some((at.parse().ok()?, id.parse().ok()?))
}

fn item(t: &I18n, card_kind: &Kind, card_id: i64, k: &'static Kind, r: &Record, names: &super::Names) -> Item {
    let sf = sort_field(k);
    let sort = sf.and_then(|f| r.text(f.key)).unwrap_or_default().to_string();
    let status_f = k.field(k.status);
    let status = status_f.and_then(|f| {
        let v = r.text(f.key)?;
        (Some(v) != f.options.first().copied()).then(|| (v.to_string(), t.t(&k.option_id(f.key, v))))
    });
    let at = k.timeline.and_then(|f| r.values.get(f)).and_then(Value::as_datetime);
    let mut about = Vec::new();
    let mut facts = Vec::new();
    let mut text = Vec::new();
    for f in k.fields {
        let Some(v) = r.values.get(f.key) else { continue };
        if let Some((on, values)) = f.shown_when
            && !values.iter().any(|o| r.text(on) == Some(o))
        {
            continue;
        }
        match f.ty {
            FieldType::Reference => {
                let Some(id) = v.as_id() else { continue };
                if f.refers == card_kind.key && id == card_id {
                    continue;
                }
                let name = r.ref_names.get(f.key).cloned().unwrap_or_else(|| format!("#{id}"));
                about.push((name, format!("/{}/{id}", f.refers)));
            }
            FieldType::LongText => text.extend(v.as_text().map(str::to_string)),
            _ if Some(f.key) == sf.map(|s| s.key)
                || f.key == k.status
                || Some(f.key) == k.timeline
                || f.key == "owner_id"
                || f.search && f.ty == FieldType::Text => {}
            _ => facts.push((label(t, k, f.key), show(t, k, f, v, &r.values, &r.ref_names, names))),
        }
    }
    Item {
        id: r.id,
        href: format!("/{}/{}", k.key, r.id),
        sort_label: sf.map(|f| t.t(&k.option_id(f.key, &sort))).unwrap_or_default(),
        sort,
        when: at.map(|ms| t.datetime(ms)).unwrap_or_default(),
        name: (k.name_of)(&r.values),
        status,
        about,
        facts,
        text,
        by: r.owner_name.clone(),
    }
}

async fn panel(c: &Card) -> Result<String, PageError> {
    let t = c.t;
    let kind_param = c.query.get("kind").cloned().unwrap_or_default();
    let changes = c.query.get("changes").is_some_and(|v| v == "1");
    let before = before_of(c.query.get("before"));
    let wanted: Vec<String> = (!kind_param.is_empty())
        .then(|| kind_param.clone())
        .into_iter()
        .collect();
    let ask = timeline::Ask {
        kinds: wanted,
        before,
        changes,
        limit: PAGE,
    };
    let page = timeline::page(&c.state.app, &c.actor, c.kind, c.rec.id, &ask).await?;
    let history = history_of(c, &page.changes).await?;
    let mut entries: Vec<(i64, Entry)> = page
        .records
        .iter()
        .map(|(k, r)| {
            let at = k
                .timeline
                .and_then(|f| r.values.get(f))
                .and_then(Value::as_datetime)
                .unwrap_or(0);
            (at, Entry::Item(item(&t, c.kind, c.rec.id, k, r, &c.names)))
        })
        .collect();
    entries.extend(
        page.changes
            .iter()
            .map(|a| a.at)
            .zip(history)
            .map(|(at, h)| (at, Entry::Change(h))),
    );
    // Newest first; at the same moment the activity before the change it caused.
    entries.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(matches!(a.1, Entry::Change(_)).cmp(&matches!(b.1, Entry::Change(_))))
    });
    let first = timeline::kinds().next();
    let chips = first
        .and_then(|(k, _)| Some((k, sort_field(k)?)))
        .map(|(k, f)| {
            std::iter::once((String::new(), t.t("timeline-all"), kind_param.is_empty()))
                .chain(
                    f.options
                        .iter()
                        .map(|o| (o.to_string(), t.t(&k.option_id(f.key, o)), kind_param == *o)),
                )
                .collect()
        })
        .unwrap_or_default();
    let base = c.base();
    let new = first.and_then(|(k, _)| {
        let f = k
            .fields
            .iter()
            .find(|f| f.ty == FieldType::Reference && f.refers == c.kind.key)?;
        (c.actor.can(k.module, Action::Create) && !c.rec.is_archived()).then(|| {
            (
                format!("/{}/new?{}={}", k.key, f.key, c.rec.id),
                t.t(&format!("{}-create-here", k.entity)),
            )
        })
    });
    let query = |extra: &str| {
        let mut q = format!("{base}?tab=timeline");
        if !kind_param.is_empty() {
            q.push_str(&format!("&kind={kind_param}"));
        }
        if changes {
            q.push_str("&changes=1");
        }
        q.push_str(extra);
        q
    };
    Ok(html(&Panel {
        t,
        older: page.older.map(|(at, id)| query(&format!("&before={at}.{id}"))),
        base,
        entries: entries.into_iter().map(|(_, e)| e).collect(),
        chips,
        changes,
        new_label: new.as_ref().map(|n| n.1.clone()).unwrap_or_default(),
        new_href: new.map(|n| n.0),
        kind_param,
    })?
    .0)
}

#[derive(Deserialize, Default)]
pub struct ApiQuery {
    #[serde(default)]
    kinds: String,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    changes: Option<String>,
}

/// `GET /api/v1/{kind}/{id}/timeline?kinds=call,meeting&cursor=AT.ID&changes=1`.
pub async fn api<K: super::KitPages>(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ApiQuery>,
) -> Result<Json<Json_>, ApiError> {
    let kind = K::KIND;
    app_records::load_for(&state.app, &actor, kind, id, Action::View).await?;
    let wanted: Vec<String> = q
        .kinds
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let options = timeline::kinds()
        .filter_map(|(k, _)| sort_field(k))
        .flat_map(|f| f.options.iter())
        .collect::<Vec<_>>();
    let mut e = kervan_core::FieldErrors::new();
    if wanted.iter().any(|w| !options.iter().any(|o| **o == w.as_str())) {
        e.add("kinds", "invalid_choice");
    }
    let before = before_of(q.cursor.as_ref());
    if q.cursor.is_some() && before.is_none() {
        e.add("cursor", "invalid_format");
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let with_changes = q.changes.as_deref().is_some_and(kervan_core::validation::truthy);
    let ask = timeline::Ask {
        kinds: wanted,
        before,
        changes: with_changes,
        limit: PAGE,
    };
    let page = timeline::page(&state.app, &actor, kind, id, &ask).await?;
    let items: Vec<Json_> = page
        .records
        .iter()
        .map(|(k, r)| {
            let mut m = serde_json::Map::new();
            m.insert("type".into(), json!(k.entity));
            m.insert("id".into(), json!(r.id));
            m.insert("name".into(), json!((k.name_of)(&r.values)));
            for f in k.fields {
                if let Some(v) = r.values.get(f.key) {
                    m.insert(f.key.into(), v.to_json());
                }
            }
            m.insert("owner_name".into(), json!(r.owner_name));
            Json_::Object(m)
        })
        .collect();
    let changes: Vec<Json_> = page
        .changes
        .iter()
        .map(|a| {
            json!({"type": "change", "field": a.field, "old": a.old, "new": a.new, "user_id": a.user_id,
                   "at": kervan_core::time::rfc3339(a.at)})
        })
        .collect();
    Ok(Json(json!({
        "items": items,
        "changes": changes,
        "next_cursor": page.older.map(|(at, id)| format!("{at}.{id}")),
    })))
}
