//! Bulk actions on the lead, customer and contact lists: the bar above the table (built here,
//! shown by `templates/bulk/bar.html`), the form posts (`/leads/bulk`, `/accounts/bulk`,
//! `/contacts/bulk`) and the toast that reports how it went.
//!
//! The post is a plain form (row checkboxes `ids`, an `action` select or the `archive` button, the
//! list URL in `back`), so it works without JavaScript. After the action the browser goes back to
//! the same list URL (filters, sort and page kept) with `?ok=bulk&n=…&skipped=…`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use kervan_app::AppError;
use kervan_app::bulk::{self as app_bulk, Change, MAX_IDS, Outcome, Target};
use kervan_core::leads::LeadStatus;
use kervan_core::permissions::Action;

use crate::AppState;
use crate::auth::Session;
use crate::error::PageError;
use crate::i18n::I18n;
use crate::ui::Choice;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leads/bulk", post(leads_submit))
        .route("/accounts/bulk", post(accounts_submit))
        .route("/contacts/bulk", post(contacts_submit))
}

/// The list page a target lives on (also the only place its bulk form may send the browser back to).
fn list_path(target: Target) -> &'static str {
    match target {
        Target::Leads => "/leads",
        Target::Accounts => "/accounts",
        Target::Contacts => "/contacts",
    }
}

/// Query keys of the bulk toast, dropped from the list URL before it is reused.
const TOAST_KEYS: &[&str] = &["ok", "n", "skipped", "nf", "inv", "cf"];

/// What the bar above a list offers the actor; with nothing to offer there is no bar and no
/// row checkboxes.
pub struct BulkBar {
    /// Where the form posts.
    pub action: &'static str,
    /// The list URL to come back to (path and query).
    pub back: String,
    /// Users the actor may give records to; empty when the actor may not edit.
    pub owners: Vec<Choice>,
    /// Lead statuses the selection may be moved to (leads only).
    pub statuses: Vec<Choice>,
    pub can_archive: bool,
}

impl BulkBar {
    /// The bar for a list. `path` is the request path with its query (`session.path`), or the
    /// list URL a refused bulk post came from.
    pub fn new(session: &Session, target: Target, path: &str, owners: Vec<Choice>) -> BulkBar {
        let t = session.t;
        let module = target.module();
        let can_edit = session.actor.can(module, Action::Edit);
        let statuses = if can_edit && target == Target::Leads {
            LeadStatus::MANUAL
                .iter()
                // Lost needs a reason per lead: only from the lead's own card.
                .filter(|s| **s != LeadStatus::Lost)
                .map(|s| (format!("status:{}", s.as_str()), t.status(s.as_str()), false))
                .collect()
        } else {
            vec![]
        };
        BulkBar {
            action: match target {
                Target::Leads => "/leads/bulk",
                Target::Accounts => "/accounts/bulk",
                Target::Contacts => "/contacts/bulk",
            },
            back: safe_back(path, list_path(target)),
            owners: if can_edit {
                owners
                    .into_iter()
                    .map(|(id, name, _)| (format!("owner:{id}"), name, false))
                    .collect()
            } else {
                vec![]
            },
            statuses,
            can_archive: session.actor.can(module, Action::Delete),
        }
    }

    pub fn enabled(&self) -> bool {
        !self.owners.is_empty() || !self.statuses.is_empty() || self.can_archive
    }

    /// Whether the action select has anything in it (an archive-only bar has just the button).
    pub fn has_select(&self) -> bool {
        !self.owners.is_empty() || !self.statuses.is_empty()
    }
}

/// The list URL to return to: `back` when it is the list's own path (plus a query), otherwise
/// the bare list. The query is decoded and encoded again without the toast keys, so nothing but
/// plain parameters of the list survives (no scheme, host, `//` or header tricks).
pub fn safe_back(back: &str, list: &str) -> String {
    let (path, query) = back.split_once('?').unwrap_or((back, ""));
    if path != list {
        return list.to_string();
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !TOAST_KEYS.contains(&k.as_str()))
        .collect();
    match serde_urlencoded::to_string(&kept) {
        Ok(q) if !q.is_empty() => format!("{list}?{q}"),
        _ => list.to_string(),
    }
}

/// The toast for `?ok=bulk&n=…` on a list ("12 records updated, 2 records skipped (…)" in English). Only
/// numbers are read from the query, so the text cannot be injected.
pub fn toast(t: &I18n, path: &str) -> Option<String> {
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
    Some(text)
}

/// The form as posted. Parsed by hand because the checkboxes repeat the `ids` key.
struct BulkForm {
    ids: Vec<i64>,
    action: String,
    archive: bool,
    back: String,
}

fn parse(body: &[u8]) -> Result<BulkForm, PageError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| PageError::BadRequest)?;
    let mut f = BulkForm {
        ids: vec![],
        action: String::new(),
        archive: false,
        back: String::new(),
    };
    for (k, v) in pairs {
        match k.as_str() {
            // A checkbox value is always an id we rendered; anything else is a forged post.
            "ids" => f.ids.push(v.trim().parse().map_err(|_| PageError::BadRequest)?),
            "action" => f.action = v,
            "archive" => f.archive = !v.is_empty(),
            "back" => f.back = v,
            _ => {}
        }
    }
    Ok(f)
}

/// Why a bulk post was refused as a whole, as the message key shown above the list.
enum Refusal {
    Empty,
    TooMany(usize),
    NoAction,
    BadAction,
    Lost,
}

impl Refusal {
    fn message(&self, t: &I18n) -> String {
        match self {
            Refusal::Empty => t.t("bulk-err-empty"),
            Refusal::TooMany(n) => t.t_nums(
                "bulk-err-too-many",
                &[("max", MAX_IDS as i64), ("n", i64::try_from(*n).unwrap_or(i64::MAX))],
            ),
            Refusal::NoAction => t.t("bulk-err-no-action"),
            Refusal::BadAction => t.t("bulk-err-action"),
            Refusal::Lost => t.t("bulk-err-lost"),
        }
    }
}

fn change_of(target: Target, f: &BulkForm) -> Result<Change, Refusal> {
    if f.archive {
        return Ok(Change::Archive);
    }
    let a = f.action.trim();
    if a.is_empty() {
        return Err(Refusal::NoAction);
    }
    if a == "archive" {
        return Ok(Change::Archive);
    }
    if let Some(id) = a.strip_prefix("owner:") {
        return id.parse().map(Change::Owner).map_err(|_| Refusal::BadAction);
    }
    if let Some(code) = a.strip_prefix("status:")
        && target == Target::Leads
    {
        return match LeadStatus::parse(code) {
            Some(LeadStatus::Lost) => Err(Refusal::Lost),
            Some(s) if LeadStatus::MANUAL.contains(&s) => Ok(Change::Status(s)),
            _ => Err(Refusal::BadAction),
        };
    }
    Err(Refusal::BadAction)
}

async fn leads_submit(State(state): State<AppState>, session: Session, body: Bytes) -> Result<Response, PageError> {
    submit(&state, &session, Target::Leads, &body).await
}

async fn accounts_submit(State(state): State<AppState>, session: Session, body: Bytes) -> Result<Response, PageError> {
    submit(&state, &session, Target::Accounts, &body).await
}

async fn contacts_submit(State(state): State<AppState>, session: Session, body: Bytes) -> Result<Response, PageError> {
    submit(&state, &session, Target::Contacts, &body).await
}

async fn submit(state: &AppState, session: &Session, target: Target, body: &[u8]) -> Result<Response, PageError> {
    let f = parse(body)?;
    let back = safe_back(&f.back, list_path(target));
    let checked = if f.ids.is_empty() {
        Err(Refusal::Empty)
    } else if f.ids.len() > MAX_IDS {
        Err(Refusal::TooMany(f.ids.len()))
    } else {
        change_of(target, &f)
    };
    let change = match checked {
        Ok(c) => c,
        Err(r) => return refuse(state, session, target, &back, r).await,
    };
    let outcome = match app_bulk::apply(&state.app, &session.actor, target, &f.ids, change).await {
        Ok(o) => o,
        // The same checks as above, made again by the use case; shown the same way.
        Err(AppError::Validation(e)) => {
            let r = if e.0.iter().any(|x| x.code == "bulk_lost") {
                Refusal::Lost
            } else if e.0.iter().any(|x| x.code == "bulk_too_many") {
                Refusal::TooMany(f.ids.len())
            } else {
                Refusal::BadAction
            };
            return refuse(state, session, target, &back, r).await;
        }
        Err(e) => return Err(e.into()),
    };
    Ok(crate::redirect::see_other(&done_url(&back, &outcome)).into_response())
}

/// The list URL with the toast of an outcome.
fn done_url(back: &str, o: &Outcome) -> String {
    let sep = if back.contains('?') { '&' } else { '?' };
    let mut url = format!("{back}{sep}ok=bulk&n={}&skipped={}", o.changed, o.skipped());
    for (k, n) in [("nf", o.not_found), ("inv", o.invalid), ("cf", o.conflict)] {
        if n > 0 {
            url.push_str(&format!("&{k}={n}"));
        }
    }
    url
}

/// The list again, as it was, with the reason above it (422: nothing was changed).
async fn refuse(
    state: &AppState,
    session: &Session,
    target: Target,
    back: &str,
    r: Refusal,
) -> Result<Response, PageError> {
    let msg = r.message(&session.t);
    let page = match target {
        Target::Leads => crate::leads::list_html(state, session, back, Some(msg)).await?,
        Target::Accounts => crate::accounts::list_html(state, session, back, Some(msg)).await?,
        Target::Contacts => crate::contacts::list_html(state, session, back, Some(msg)).await?,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn back_stays_on_the_list() {
        assert_eq!(
            safe_back("/leads?status=new&sort=name", "/leads"),
            "/leads?status=new&sort=name"
        );
        assert_eq!(safe_back("/leads?ok=bulk&n=3&q=%C5%9Fe", "/leads"), "/leads?q=%C5%9Fe");
        for bad in [
            "https://evil.example/leads",
            "//evil.example/leads",
            "/leads/12",
            "/leadsx",
            "/\\evil.example",
            "/accounts",
            "",
        ] {
            assert_eq!(safe_back(bad, "/leads"), "/leads", "{bad}");
        }
        // A header break in the query is encoded, not passed through.
        assert_eq!(
            safe_back("/leads?q=a%0D%0ALocation:x", "/leads"),
            "/leads?q=a%0D%0ALocation%3Ax"
        );
    }

    #[test]
    fn toast_reads_numbers_only() {
        let tr = I18n::new(Lang::Tr);
        assert_eq!(
            toast(&tr, "/leads?ok=bulk&n=12&skipped=2&nf=2").as_deref(),
            Some(
                "12 kayıt güncellendi, 2 kayıt atlandı (2 kayıt bulunamadı ya da sizin değiştirebileceğiniz bir kayıt değil)"
            )
        );
        assert_eq!(
            toast(&tr, "/leads?ok=bulk&n=3&skipped=0").as_deref(),
            Some("3 kayıt güncellendi")
        );
        assert_eq!(
            toast(&tr, "/leads?ok=bulk&n=<b>x</b>").as_deref(),
            Some("0 kayıt güncellendi")
        );
        assert_eq!(toast(&tr, "/leads?ok=saved&n=3"), None);
        let en = I18n::new(Lang::En);
        assert_eq!(
            toast(&en, "/leads?ok=bulk&n=1&skipped=1&cf=1").as_deref(),
            Some("1 record updated, 1 record skipped (1 changed by someone else meanwhile)")
        );
    }
}
