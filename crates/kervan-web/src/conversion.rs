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
use kervan_app::accounts::Accounts;
use kervan_app::contacts::Contacts;
use kervan_app::conversion::{self, ConvertRequest};
use kervan_app::error::Duplicate;
use kervan_app::leads::Leads;
use kervan_app::records::{self, RecordKind};
use kervan_core::permissions::{Action, Module};
use kervan_core::record::Values;

use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, field_messages, html};
use crate::kit::display::{Shown, preview};
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
    account: Vec<(String, Shown)>,
    /// (label, value) of the contact that would be created; empty when the lead names no person.
    contact: Vec<(String, Shown)>,
    matches: Vec<Duplicate>,
    /// `new` or an account id.
    target: String,
    errors: Vec<(String, String)>,
    conflict: bool,
    /// The person may open a deal with the conversion.
    can_deal: bool,
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
    let lead = records::get::<Leads>(&state.app, actor, id).await?;
    let names = crate::kit::user_names(state).await?;
    // What the conversion will write, read through the same rules; a lead that would not make a
    // valid account shows what it can and the conversion itself names the problem.
    let shown = |kind: &'static kervan_core::record::Kind, values: Option<Values>, skip: &[&str]| {
        values.map_or_else(Vec::new, |v| preview(&t, kind, &v, &names, skip))
    };
    let account_values = records::values_for::<Accounts>(&conversion::account_inputs(&lead))
        .ok()
        .map(|(v, _)| v);
    let account = shown(&kervan_core::accounts::KIND, account_values, &["notes"]);
    let contact_values = conversion::contact_inputs(&lead, 0)
        .and_then(|i| records::values_for::<Contacts>(&i).ok())
        .map(|(v, _)| v);
    let contact = shown(&kervan_core::contacts::KIND, contact_values, &["account_id", "notes"]);
    let matches = conversion::matches(&state.app, actor, id).await?;
    // Offer the most likely existing customer first: a duplicate is the costlier mistake.
    let target = target.unwrap_or_else(|| match matches.first() {
        Some(m) => m.id.to_string(),
        None => "new".into(),
    });
    let lead_name = Leads::name(&lead.values);
    Ok(ConvertPage {
        shell: session.shell(t.t1("convert-title", "name", lead_name.clone())),
        lead_id: id,
        lead_name,
        version: lead.version,
        account,
        contact,
        matches,
        target,
        errors,
        conflict,
        can_deal: actor.can(Module::Deals, Action::Create),
    })
}

async fn convert_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    session.actor.require(Module::Leads, Action::Edit)?;
    let lead = records::get::<Leads>(&state.app, &session.actor, id).await?;
    if let Some(account_id) = lead.id_of("account_id") {
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
    #[serde(default)]
    create_deal: String,
    #[serde(default)]
    deal_name: String,
    #[serde(default)]
    amount: String,
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
        create_deal: !f.create_deal.is_empty(),
        deal_name: Some(f.deal_name.clone()),
        amount: Some(f.amount.clone()),
    };
    let t = session.t;
    match conversion::convert(&state.app, &session.actor, id, &req).await {
        Ok(done) => {
            let to = match done.deal_id {
                Some(d) => format!("/deals/{d}?ok=converted"),
                None => format!("/accounts/{}?ok=converted", done.account_id),
            };
            Ok(crate::redirect::see_other(&to).into_response())
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
