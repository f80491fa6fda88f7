//! Global search: a page, and a fragment for the live results under the top-bar box.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use kervan_app::accounts::Account;
use kervan_app::contacts::Contact;
use kervan_app::search;
use kervan_core::Phone;

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

/// An account or contact hit: where it links, its name and a line of detail.
pub struct Hit {
    pub href: String,
    pub name: String,
    pub detail: String,
}

fn account_hit(a: &Account) -> Hit {
    let r = &a.row;
    let phone = r.phone.clone().map(|p| Phone::from_stored(p).display());
    let detail = [r.city.clone(), phone, r.tax_number.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    Hit {
        href: format!("/accounts/{}", r.id),
        name: r.name.clone(),
        detail,
    }
}

fn contact_hit(c: &Contact) -> Hit {
    let r = &c.row;
    let phone = r
        .mobile
        .clone()
        .or(r.phone.clone())
        .map(|p| Phone::from_stored(p).display());
    let detail = [r.account_name.clone(), r.title.clone(), phone]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    Hit {
        href: format!("/contacts/{}", r.id),
        name: c.name(),
        detail,
    }
}

#[derive(Template)]
#[template(path = "search/page.html")]
struct SearchPage {
    shell: Shell,
    q: String,
    leads: Vec<LeadItem>,
    accounts: Vec<Hit>,
    contacts: Vec<Hit>,
}

impl SearchPage {
    fn nothing(&self) -> bool {
        self.leads.is_empty() && self.accounts.is_empty() && self.contacts.is_empty()
    }
}

#[derive(Template)]
#[template(path = "search/results.html")]
struct SearchResults {
    t: crate::i18n::I18n,
    q: String,
    leads: Vec<LeadItem>,
    accounts: Vec<Hit>,
    contacts: Vec<Hit>,
}

impl SearchResults {
    fn nothing(&self) -> bool {
        self.leads.is_empty() && self.accounts.is_empty() && self.contacts.is_empty()
    }
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
    // Customers first in the results: a caller is more often an existing customer than a lead.
    let accounts = res.accounts.iter().map(account_hit).collect();
    let contacts = res.contacts.iter().map(contact_hit).collect();
    if partial {
        return Ok(html(&SearchResults {
            t,
            q,
            leads,
            accounts,
            contacts,
        })?
        .into_response());
    }
    let shell = session.shell(t.t("search-title"));
    Ok(html(&SearchPage {
        shell,
        q,
        leads,
        accounts,
        contacts,
    })?
    .into_response())
}
