//! The lead → customer conversion screen: what will be created, the existing customers it may
//! be instead, one button.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use kervan_app::AppError;
use kervan_app::conversion::{self, ConvertRequest};
use kervan_app::error::Duplicate;
use kervan_app::leads as app_leads;
use kervan_core::Phone;
use kervan_core::permissions::{Action, Module};

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, field_messages, html};
use crate::i18n::I18n;
use crate::layout::Shell;

pub fn router() -> Router<AppState> {
    Router::new().route("/leads/{id}/convert", get(convert_page).post(convert_submit))
}

#[derive(Template)]
#[template(path = "conversion/convert.html")]
struct ConvertPage {
    shell: Shell,
    lead_id: i64,
    lead_name: String,
    version: i64,
    /// (label, value) of the account that would be created.
    account: Vec<(String, String)>,
    /// (label, value) of the contact that would be created; empty when the lead names no person.
    contact: Vec<(String, String)>,
    matches: Vec<Duplicate>,
    /// `new` or an account id.
    target: String,
    errors: Vec<(String, String)>,
    conflict: bool,
}

fn facts(t: &I18n, pairs: &[(&str, Option<String>)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| (t.t(&format!("convert-field-{k}")), v.clone()))
        })
        .collect()
}

async fn page(
    state: &AppState,
    session: &Session,
    id: i64,
    target: Option<String>,
    errors: Vec<(String, String)>,
    conflict: bool,
) -> Result<ConvertPage, PageError> {
    let t = session.t;
    let actor = &session.actor;
    let lead = app_leads::get(&state.app, actor, id).await?;
    let a = conversion::account_draft(&lead);
    let phone = |p: &Option<String>| p.clone().map(|p| Phone::from_stored(p).display());
    let kind = a.kind.clone().map(|k| t.t(&format!("account-kind-{k}")));
    let tags = (!a.tags.is_empty()).then(|| a.tags.join(", "));
    let account = facts(
        &t,
        &[
            ("kind", kind),
            ("name", a.name.clone()),
            ("city", a.city.clone()),
            ("sector", a.sector.clone()),
            ("phone", phone(&a.phone)),
            ("email", a.email.clone()),
            ("owner", lead.row.owner_name.clone()),
            ("tags", tags.clone()),
        ],
    );
    let contact = match conversion::contact_draft(&lead, 0) {
        Some(c) => facts(
            &t,
            &[
                (
                    "person",
                    Some(format!(
                        "{} {}",
                        c.first_name.unwrap_or_default(),
                        c.last_name.unwrap_or_default()
                    )),
                ),
                ("title", c.title),
                ("mobile", phone(&c.mobile)),
                ("phone", phone(&c.phone)),
                ("email", c.email),
            ],
        ),
        None => vec![],
    };
    let matches = conversion::matches(&state.app, actor, id).await?;
    // Offer the most likely existing customer first: a duplicate is the costlier mistake.
    let target = target.unwrap_or_else(|| match matches.first() {
        Some(m) => m.id.to_string(),
        None => "new".into(),
    });
    Ok(ConvertPage {
        shell: session.shell(t.t1("convert-title", "name", lead.name())),
        lead_id: id,
        lead_name: lead.name(),
        version: lead.row.version,
        account,
        contact,
        matches,
        target,
        errors,
        conflict,
    })
}

async fn convert_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    session.actor.require(Module::Leads, Action::Edit)?;
    let lead = app_leads::get(&state.app, &session.actor, id).await?;
    if let Some(account_id) = lead.row.account_id {
        return Ok(crate::redirect::see_other(&format!("/accounts/{account_id}")).into_response());
    }
    Ok(html(&page(&state, &session, id, None, vec![], false).await?)?.into_response())
}

#[derive(Deserialize)]
struct ConvertForm {
    #[serde(default)]
    version: String,
    /// `new`, or the id of the existing account to attach the contact to.
    #[serde(default)]
    target: String,
}

async fn convert_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<ConvertForm>,
) -> Result<Response, PageError> {
    let version: i64 = f.version.trim().parse().map_err(|_| PageError::BadRequest)?;
    let account_id = match f.target.trim() {
        "new" => None,
        other => Some(other.parse::<i64>().map_err(|_| PageError::BadRequest)?),
    };
    let req = ConvertRequest {
        version,
        account_id,
        // Choosing "new" on this screen, after seeing the similar customers, is the confirmation.
        allow_duplicate: true,
        create_deal: false,
    };
    let t = session.t;
    match conversion::convert(&state.app, &session.actor, id, &req).await {
        Ok(done) => {
            Ok(crate::redirect::see_other(&format!("/accounts/{}?ok=converted", done.account_id)).into_response())
        }
        Err(AppError::Validation(errs)) => {
            let p = page(&state, &session, id, Some(f.target), field_messages(&t, &errs), false).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&p)?).into_response())
        }
        Err(AppError::Conflict { .. }) => {
            let p = page(&state, &session, id, Some(f.target), vec![], true).await?;
            Ok((StatusCode::CONFLICT, html(&p)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
