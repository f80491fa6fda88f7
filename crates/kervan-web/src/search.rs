//! Global search: a page, and a fragment for the live results under the top-bar box.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use kervan_app::search;

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::layout::Shell;
use crate::leads::LeadItem;

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

#[derive(Template)]
#[template(path = "search/page.html")]
struct SearchPage {
    shell: Shell,
    q: String,
    leads: Vec<LeadItem>,
}

#[derive(Template)]
#[template(path = "search/results.html")]
struct SearchResults {
    t: crate::i18n::I18n,
    q: String,
    leads: Vec<LeadItem>,
}

async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(sq): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let t = session.t;
    let q: String = sq.q.chars().take(200).collect();
    let partial = sq.partial == "1";
    let res = search::global(&state.app, &session.actor, &q, if partial { 8 } else { 50 }).await?;
    let leads = res.leads.iter().map(|l| LeadItem::from(&t, l)).collect();
    if partial {
        return Ok(html(&SearchResults { t, q, leads })?.into_response());
    }
    let shell = session.shell(t.t("search-title"));
    Ok(html(&SearchPage { shell, q, leads })?.into_response())
}
