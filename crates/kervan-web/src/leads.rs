//! Adaylar: the kit serves the list, form, card and API; what is the leads module's own is the
//! status bar on the card (a lost lead asks for its reason in place), the links to what a
//! converted lead became, and the Dönüştür button.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use kervan_app::AppError;
use kervan_app::leads::{self as app_leads, Leads};
use kervan_app::records::Record;
use kervan_core::leads::LeadStatus;
use kervan_core::permissions::{Action, Module};

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::kit::form::Posted;
use crate::kit::{self, Card, HeaderAction, KitPages};
use crate::tabs::Panel;
use crate::ui::Choice;

pub fn router() -> Router<AppState> {
    kit::pages::<Leads>().route("/leads/{id}/status", post(status_submit))
}

fn converted(rec: &Record) -> bool {
    rec.text("status") == Some("converted")
}

#[derive(Template)]
#[template(path = "leads/banner.html")]
struct Banner {
    t: I18n,
    csrf: String,
    id: i64,
    version: i64,
    statuses: Vec<Choice>,
    lost: bool,
    lost_reason: String,
    /// The reason was left empty: asked for in place.
    need_reason: bool,
    can_edit: bool,
    account: Option<(i64, String)>,
    contact: Option<(i64, String)>,
}

impl KitPages for Leads {
    fn banner(c: &Card) -> Panel<'_> {
        Box::pin(async move {
            let r = &c.rec;
            let asked = c.query.get("status").map(String::as_str);
            let current = asked.or(r.text("status")).unwrap_or("new");
            let t = c.t;
            let statuses = LeadStatus::MANUAL
                .iter()
                .map(|s| (s.as_str().to_string(), t.status(s.as_str()), s.as_str() == current))
                .collect();
            let can_edit = c.can(Action::Edit) && !converted(r) && !r.is_archived();
            let link = |key: &str| {
                r.id_of(key)
                    .map(|id| (id, r.ref_names.get(key).cloned().unwrap_or(format!("#{id}"))))
            };
            Ok(html(&Banner {
                t,
                csrf: c.csrf.clone(),
                id: r.id,
                version: r.version,
                statuses,
                lost: current == "lost",
                lost_reason: r.text("lost_reason").unwrap_or_default().to_string(),
                need_reason: c.query.get("need").map(String::as_str) == Some("lost_reason"),
                can_edit,
                account: link("account_id"),
                contact: link("contact_id"),
            })?
            .0)
        })
    }

    fn actions(c: &Card) -> Vec<HeaderAction> {
        let r = &c.rec;
        let can_convert =
            c.can(Action::Edit) && !converted(r) && !r.is_archived() && c.actor.can(Module::Contacts, Action::Create);
        if can_convert {
            vec![HeaderAction {
                id: "convert".into(),
                label: c.t.t("convert-action"),
                href: format!("/leads/{}/convert", r.id),
                primary: true,
            }]
        } else {
            vec![]
        }
    }

    fn name_sub(rec: &Record) -> Option<String> {
        // The company under a person's name; a lead that is only a company shows it as its name.
        (rec.text("first_name").is_some() || rec.text("last_name").is_some())
            .then(|| rec.text("company").map(str::to_string))
            .flatten()
    }

    fn form_option(field: &str, option: &str) -> bool {
        !(field == "status" && option == "converted")
    }

    fn bulk_allowed(field: &str, value: &str) -> bool {
        // Lost needs a reason per lead (only from its own card); converted only by converting.
        !(field == "status" && matches!(value, "lost" | "converted"))
    }

    fn editable(rec: &Record) -> bool {
        !converted(rec)
    }

    fn filter_extras(t: &I18n, param: &str) -> Vec<(String, String)> {
        if param == "status" {
            vec![("open".into(), t.t("filter-open"))]
        } else {
            vec![]
        }
    }

    fn filter_any(t: &I18n, param: &str) -> Option<String> {
        match param {
            "status" => Some(t.t("filter-all-statuses")),
            "source" => Some(t.t("filter-all-sources")),
            _ => None,
        }
    }
}

/// The status bar: a new status at the version shown; `lost` without a reason comes back to the
/// card asking for the reason right there (nothing is changed).
async fn status_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let version = p.version()?;
    let status = p.one("status");
    let reason = p.one("lost_reason");
    let reason = Some(reason.trim()).filter(|r| !r.is_empty());
    if status == "lost" && reason.is_none() {
        return Ok(crate::redirect::see_other(&format!(
            "/leads/{id}?status=lost&need=lost_reason#status-form"
        )));
    }
    match app_leads::set_status(&state.app, &session.actor, id, version, &status, reason).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/leads/{id}?ok=status"))),
        // Changed meanwhile: show the card as it is now; the person decides again.
        Err(AppError::Conflict { .. }) => Ok(crate::redirect::see_other(&format!("/leads/{id}"))),
        Err(AppError::Validation(_)) => Err(PageError::BadRequest),
        Err(e) => Err(e.into()),
    }
    .map(IntoResponse::into_response)
}
