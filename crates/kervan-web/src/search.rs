//! Global search: a page, and a fragment for the live results under the top-bar box. Every kind
//! the kit serves is searched the same way; a hit shows its name, its status and a line of the
//! values a person recognises it by.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use kervan_app::records::Record;
use kervan_app::search;
use kervan_core::record::{FieldType, Kind, ListRole};

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::kit::display::{Names, Shown, show};
use crate::layout::Shell;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(page))
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    /// `1`: only the results fragment (for the live search dropdown).
    #[serde(default)]
    partial: String,
}

/// A hit: where it links, its name, its status badge and a line of detail.
pub struct Hit {
    pub id: i64,
    pub href: String,
    pub name: String,
    pub status: Option<Shown>,
    pub detail: String,
}

/// The hits of one kind under its heading.
pub struct Section {
    pub key: &'static str,
    pub title: String,
    pub hits: Vec<Hit>,
    /// More hits than shown: the page links to the kind's list searched by the same text.
    pub more: bool,
}

/// Hits per kind on the search page; the rest are a click away in the kind's own list (searched,
/// filtered and paged there), so the page stays quick at a million records.
const PAGE_HITS: usize = 20;

/// Fields that make the detail line: what a list shows, in declaration order, without the name,
/// the status, the owner and the tags.
fn detail(t: &I18n, kind: &Kind, rec: &Record, name: &str, names: &Names) -> String {
    kind.fields
        .iter()
        .filter(|f| f.list != ListRole::No && f.key != kind.status && f.key != "owner_id")
        .filter(|f| !matches!(f.ty, FieldType::Tags | FieldType::LongText | FieldType::Bool))
        .filter_map(|f| {
            let v = rec.values.get(f.key)?;
            let s = show(t, kind, f, v, &rec.values, &rec.ref_names, names);
            (!s.text.is_empty() && !name.contains(&s.text)).then_some(s.text)
        })
        .take(3)
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The hits of the global search as a person reads them (the API shows the same).
pub fn sections(t: &I18n, groups: Vec<search::Group>, names: &Names) -> Vec<Section> {
    groups
        .into_iter()
        .map(|g| {
            let kind = g.kind;
            let hits = g
                .hits
                .into_iter()
                .map(|(rec, name)| {
                    let status = kind.field(kind.status).and_then(|f| {
                        let v = rec.values.get(f.key)?;
                        Some(show(t, kind, f, v, &rec.values, &rec.ref_names, names))
                    });
                    Hit {
                        id: rec.id,
                        href: format!("/{}/{}", kind.key, rec.id),
                        detail: detail(t, kind, &rec, &name, names),
                        name,
                        status,
                    }
                })
                .collect();
            Section {
                key: kind.key,
                title: t.t(&format!("{}-title", kind.key)),
                hits,
                more: false,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "search/page.html")]
struct SearchPage {
    shell: Shell,
    q: String,
    sections: Vec<Section>,
}

#[derive(Template)]
#[template(path = "search/results.html")]
struct SearchResults {
    t: I18n,
    q: String,
    sections: Vec<Section>,
}

async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(sq): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let t = session.t;
    let q: String = sq.q.chars().take(200).collect();
    let partial = sq.partial == "1";
    let per_kind = if partial { 8 } else { PAGE_HITS as u64 + 1 };
    let groups = search::global(&state.app, &session.actor, &q, per_kind).await?;
    let names = crate::kit::user_names(&state).await?;
    let mut sections = sections(&t, groups, &names);
    if !partial {
        for s in &mut sections {
            s.more = s.hits.len() > PAGE_HITS;
            s.hits.truncate(PAGE_HITS);
        }
    }
    if partial {
        return Ok(html(&SearchResults { t, q, sections })?.into_response());
    }
    let shell = session.shell(t.t("search-title"));
    Ok(html(&SearchPage { shell, q, sections })?.into_response())
}
