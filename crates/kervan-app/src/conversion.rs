//! Lead → customer: one step that turns a lead into an account and a contact, links the three
//! both ways and closes the lead, in one transaction.

use kervan_core::leads::LeadStatus;
use kervan_core::permissions::{Action, Module};
use kervan_core::record::{Input, Inputs};
use kervan_core::time::now_ms;
use kervan_store::audit::{self, Change};
use kervan_store::leads::{self as lead_store, ConversionRow};
use kervan_store::{StoreError, accounts as account_store};

use crate::accounts::{self, Accounts};
use crate::contacts::Contacts;
use crate::deals::Deals;
use crate::error::{AppError, Duplicate, Result};
use crate::leads::{ENTITY, Leads};
use crate::records::{self, Record, RecordKind};
use crate::{Actor, App};
use kervan_store::db::begin_guarded;

/// How to convert.
#[derive(Debug, Clone, Default)]
pub struct ConvertRequest {
    /// The lead's version as read (a stale one is a conflict).
    pub version: i64,
    /// Attach the contact to this existing account instead of creating one.
    pub account_id: Option<i64>,
    /// Create a new account even though similar ones exist.
    pub allow_duplicate: bool,
    /// Also open a deal, in the first stage of the first active pipeline.
    pub create_deal: bool,
    /// The deal's name (the customer's name when empty).
    pub deal_name: Option<String>,
    /// The deal's amount as typed (`250.000,00`, lira).
    pub amount: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub account_id: i64,
    /// `None` when the lead named only a company (no person to make a contact of).
    pub contact_id: Option<i64>,
    /// Whether the account was created (false: the contact joined an existing one).
    pub account_created: bool,
    /// The deal opened with it, when asked for.
    pub deal_id: Option<i64>,
}

fn put(inputs: &mut Inputs, key: &str, v: Option<String>) {
    if let Some(v) = v {
        inputs.fields.insert(key.to_string(), Input::Text(v));
    }
}

/// The account a lead would become (also what the conversion screen previews).
pub fn account_inputs(lead: &Record) -> Inputs {
    let t = |k: &str| lead.text(k).map(str::to_string);
    let mut i = Inputs::default();
    match t("company") {
        Some(c) => {
            put(&mut i, "kind", Some("company".into()));
            put(&mut i, "name", Some(c));
        }
        None => {
            put(&mut i, "kind", Some("individual".into()));
            put(&mut i, "name", Some(Leads::name(&lead.values)));
        }
    }
    for k in ["sector", "city", "phone", "email", "notes"] {
        put(&mut i, k, t(k));
    }
    put(&mut i, "owner_id", lead.owner_id().map(|o| o.to_string()));
    if !lead.tags().is_empty() {
        i.fields.insert("tags".into(), Input::List(lead.tags().to_vec()));
    }
    i
}

/// The contact a lead would become, when it names a person.
pub fn contact_inputs(lead: &Record, account_id: i64) -> Option<Inputs> {
    let t = |k: &str| lead.text(k).map(str::to_string);
    let (first, last) = (t("first_name")?, t("last_name")?);
    let mut i = Inputs::default();
    put(&mut i, "account_id", Some(account_id.to_string()));
    put(&mut i, "first_name", Some(first));
    put(&mut i, "last_name", Some(last));
    for k in ["title", "email", "notes"] {
        put(&mut i, k, t(k));
    }
    // Turkish mobile numbers start with 5 after the country code; a landline goes to "phone",
    // and so does any foreign number (+55…, +52… are not Turkish mobiles).
    let phone = t("phone");
    let is_mobile = phone.as_ref().is_some_and(|p| p.starts_with("+905"));
    put(&mut i, if is_mobile { "mobile" } else { "phone" }, phone);
    put(&mut i, "owner_id", lead.owner_id().map(|o| o.to_string()));
    if !lead.tags().is_empty() {
        i.fields.insert("tags".into(), Input::List(lead.tags().to_vec()));
    }
    Some(i)
}

fn status_of(lead: &Record) -> LeadStatus {
    lead.text("status")
        .and_then(LeadStatus::parse)
        .unwrap_or(LeadStatus::New)
}

/// Existing accounts the lead's company may already be (same VKN, e-mail domain, phone or a
/// nearly equal folded name), for the "attach instead of duplicating" offer.
pub async fn matches(app: &App, actor: &Actor, lead_id: i64) -> Result<Vec<Duplicate>> {
    let lead = records::get::<Leads>(app, actor, lead_id).await?;
    let (values, _) = records::values_for::<Accounts>(&account_inputs(&lead))?;
    accounts::visible_duplicates(&app.db.conn, actor, &values, None).await
}

/// Converts the lead. Needs edit rights on the lead and create rights for accounts (unless
/// attaching) and contacts.
pub async fn convert(app: &App, actor: &Actor, lead_id: i64, req: &ConvertRequest) -> Result<Converted> {
    let c = &app.db.conn;
    let lead = records::load_for(app, actor, &kervan_core::leads::KIND, lead_id, Action::Edit).await?;
    if status_of(&lead) == LeadStatus::Converted {
        return Err(AppError::field("status", "already_converted"));
    }
    if lead.version != req.version {
        return Err(AppError::Conflict {
            current_version: lead.version,
        });
    }
    actor.require(Module::Contacts, Action::Create)?;
    if req.create_deal {
        actor.require(Module::Deals, Action::Create)?;
    }
    let owner_id = lead.owner_id().or(actor.author());
    let now = now_ms();

    // Decide the account before opening the transaction (reads only).
    let new_account = match req.account_id {
        Some(id) => {
            let acc = records::load_for(app, actor, &kervan_core::accounts::KIND, id, Action::View)
                .await
                .map_err(|_| AppError::field("account_id", "invalid_choice"))?;
            // An archived account is out of business with us: restore it first.
            if acc.is_archived() {
                return Err(AppError::field("account_id", "invalid_choice"));
            }
            None
        }
        None => {
            actor.require(Module::Accounts, Action::Create)?;
            let mut inputs = account_inputs(&lead);
            put(&mut inputs, "owner_id", owner_id.map(|o| o.to_string()));
            Some(records::values_for::<Accounts>(&inputs)?)
        }
    };

    // The new account's duplicate check and its insert under one guard (as a plain create).
    let keys = new_account
        .as_ref()
        .map(|(v, _)| Accounts::guard_keys(v))
        .unwrap_or_default();
    let txn = begin_guarded(c, &keys).await?;
    if let Some((values, _)) = &new_account
        && !req.allow_duplicate
    {
        // Only customers the actor can open and attach to are offered instead.
        let d = accounts::visible_duplicates(&txn, actor, values, None).await?;
        if !d.is_empty() {
            return Err(AppError::Duplicate(d));
        }
    }
    let account_defs = records::custom_defs(&txn, &kervan_core::accounts::KIND).await?;
    let contact_defs = records::custom_defs(&txn, &kervan_core::contacts::KIND).await?;
    let link = [("lead_id", lead_id.into())];
    let (account_id, account_created) = match (&new_account, req.account_id) {
        (Some((values, custom)), _) => (
            records::insert_in::<Accounts>(&txn, actor, &account_defs, values, custom, &link, now).await?,
            true,
        ),
        (None, Some(id)) => (id, false),
        (None, None) => return Err(AppError::Internal("conversion without an account".into())),
    };
    let contact_id = match contact_inputs(&lead, account_id) {
        Some(mut inputs) => {
            put(&mut inputs, "owner_id", owner_id.map(|o| o.to_string()));
            let (values, custom) = records::values_for::<Contacts>(&inputs)?;
            Some(records::insert_in::<Contacts>(&txn, actor, &contact_defs, &values, &custom, &link, now).await?)
        }
        None => None,
    };
    let deal_id = if req.create_deal {
        Some(open_deal(&txn, actor, &lead, req, account_id, contact_id, owner_id, now).await?)
    } else {
        None
    };
    lead_store::mark_converted(&txn, lead_id, req.version, account_id, contact_id, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict => AppError::Conflict {
                current_version: lead.version + 1,
            },
            other => other.into(),
        })?;
    // "Son görüşme" comes from held activities only: a conversion is no conversation, but the
    // lead's last one is the customer's and the person's too (its activities are on their
    // timelines).
    if let Some(last) = lead.values.get("last_contact_at").and_then(|v| v.as_datetime()) {
        account_store::set_last_contact(&txn, account_id, last).await?;
        if let Some(cid) = contact_id {
            kervan_store::contacts::set_last_contact(&txn, cid, last).await?;
        }
    }
    let mut changes = vec![
        Change::new(
            "status",
            lead.text("status").map(str::to_string),
            Some("converted".into()),
        ),
        Change::new("account_id", None, Some(account_id.to_string())),
    ];
    if let Some(cid) = contact_id {
        changes.push(Change::new("contact_id", None, Some(cid.to_string())));
    }
    audit::write(&txn, ENTITY, lead_id, actor.author(), now, &changes).await?;
    if !account_created {
        let change = Change::new(
            "converted_lead",
            None,
            Some(format!("#{lead_id} {}", Leads::name(&lead.values))),
        );
        audit::write(&txn, accounts::ENTITY, account_id, actor.author(), now, &[change]).await?;
    }
    txn.commit().await?;
    Ok(Converted {
        account_id,
        contact_id,
        account_created,
        deal_id,
    })
}

/// The deal a conversion opens: named as asked (or after the customer), in the first stage of
/// the first active pipeline, owned like the customer, pointing back at the lead.
#[allow(clippy::too_many_arguments)]
async fn open_deal(
    txn: &kervan_store::DatabaseTransaction,
    actor: &Actor,
    lead: &Record,
    req: &ConvertRequest,
    account_id: i64,
    contact_id: Option<i64>,
    owner_id: Option<i64>,
    now: i64,
) -> Result<i64> {
    let pipeline = kervan_store::deals::pipelines(txn, true)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::field("create_deal", "no_pipeline"))?;
    let stage = kervan_store::deals::stages(txn, Some(pipeline.id), true)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| AppError::field("create_deal", "no_pipeline"))?;
    let name = req
        .deal_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            let (values, _) = records::values_for::<Accounts>(&account_inputs(lead)).unwrap_or_default();
            Accounts::name(&values)
        });
    let mut inputs = Inputs::default();
    put(&mut inputs, "name", Some(name));
    put(&mut inputs, "account_id", Some(account_id.to_string()));
    put(&mut inputs, "contact_id", contact_id.map(|c| c.to_string()));
    put(&mut inputs, "owner_id", owner_id.map(|o| o.to_string()));
    put(&mut inputs, "stage_id", Some(stage.id.to_string()));
    put(&mut inputs, "lead_id", Some(lead.id.to_string()));
    put(
        &mut inputs,
        "amount",
        req.amount
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string),
    );
    let (values, custom) = records::values_for::<Deals>(&inputs)?;
    let defs = records::custom_defs(txn, &kervan_core::deals::KIND).await?;
    let id = records::insert_in::<Deals>(txn, actor, &defs, &values, &custom, &[], now).await?;
    Deals::after_write(txn, actor, id, &values, None).await?;
    Ok(id)
}

/// Leads created in `[from, to)` by source with how many became customers (reports use it).
pub async fn rates_by_source(app: &App, actor: &Actor, from: i64, to: i64) -> Result<Vec<ConversionRow>> {
    actor.require(Module::Leads, Action::View)?;
    if !actor.is_admin() && actor.scope(Module::Leads, Action::View) != Some(kervan_core::permissions::Scope::All) {
        return Err(AppError::Forbidden {
            module: Module::Leads,
            action: Action::Export,
        });
    }
    Ok(lead_store::conversion_by_source(&app.db.conn, from, to).await?)
}
