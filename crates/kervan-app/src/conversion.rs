//! Lead → customer: one step that turns a lead into an account and a contact, links the three
//! both ways and closes the lead, in one transaction.

use kervan_core::accounts::{AccountDraft, AccountKind};
use kervan_core::contacts::ContactDraft;
use kervan_core::leads::LeadStatus;
use kervan_core::permissions::{Action, Module};
use kervan_core::time::now_ms;
use kervan_store::audit::{self, Change};
use kervan_store::leads::{self as lead_store, ConversionRow};
use kervan_store::{StoreError, accounts as account_store};

use crate::error::{AppError, Duplicate, Result};
use crate::leads::Lead;
use crate::{Actor, App, accounts, contacts, leads};
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
    /// Also open a deal (honoured once the deals module exists; ignored until then).
    pub create_deal: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub account_id: i64,
    /// `None` when the lead named only a company (no person to make a contact of).
    pub contact_id: Option<i64>,
    /// Whether the account was created (false: the contact joined an existing one).
    pub account_created: bool,
}

/// The account a lead would become, as a draft (also what the conversion screen previews).
pub fn account_draft(lead: &Lead) -> AccountDraft {
    let r = &lead.row;
    let (kind, name) = match &r.company {
        Some(c) => (AccountKind::Company, c.clone()),
        None => (AccountKind::Individual, lead.name()),
    };
    AccountDraft {
        kind: Some(kind.as_str().into()),
        name: Some(name),
        sector: r.sector.clone(),
        owner_id: r.owner_id,
        city: r.city.clone(),
        phone: r.phone.clone(),
        email: r.email.clone(),
        tags: lead.tags.clone(),
        notes: r.notes.clone(),
        ..Default::default()
    }
}

/// The contact a lead would become, when it names a person.
pub fn contact_draft(lead: &Lead, account_id: i64) -> Option<ContactDraft> {
    let r = &lead.row;
    let (first, last) = (r.first_name.clone()?, r.last_name.clone()?);
    // Turkish mobile numbers start with 5 after the country code; a landline goes to "phone",
    // and so does any foreign number (+55…, +52… are not Turkish mobiles).
    let is_mobile = r.phone.as_ref().is_some_and(|p| p.starts_with("+905"));
    Some(ContactDraft {
        account_id: Some(account_id),
        first_name: Some(first),
        last_name: Some(last),
        title: r.title.clone(),
        email: r.email.clone(),
        phone: if is_mobile { None } else { r.phone.clone() },
        mobile: if is_mobile { r.phone.clone() } else { None },
        owner_id: r.owner_id,
        tags: lead.tags.clone(),
        notes: r.notes.clone(),
        ..Default::default()
    })
}

/// Existing accounts the lead's company may already be (same VKN, e-mail domain, phone or a
/// nearly equal folded name), for the "attach instead of duplicating" offer.
pub async fn matches(app: &App, actor: &Actor, lead_id: i64) -> Result<Vec<Duplicate>> {
    let lead = leads::get(app, actor, lead_id).await?;
    let (values, _) = accounts::values_for(&account_draft(&lead), lead.row.owner_id)?;
    accounts::visible_duplicates(&app.db.conn, actor, &values, None).await
}

/// Converts the lead. Needs edit rights on the lead and create rights for accounts (unless
/// attaching) and contacts.
pub async fn convert(app: &App, actor: &Actor, lead_id: i64, req: &ConvertRequest) -> Result<Converted> {
    let c = &app.db.conn;
    let lead = leads::load_for(c, actor, lead_id, Action::Edit).await?;
    if lead.status() == LeadStatus::Converted {
        return Err(AppError::field("status", "already_converted"));
    }
    if lead.row.version != req.version {
        return Err(AppError::Conflict {
            current_version: lead.row.version,
        });
    }
    actor.require(Module::Contacts, Action::Create)?;
    let owner_id = lead.row.owner_id.or(actor.author());
    let now = now_ms();

    // Decide the account before opening the transaction (reads only).
    let new_account = match req.account_id {
        Some(id) => {
            let acc = accounts::load_for(c, actor, id, Action::View)
                .await
                .map_err(|_| AppError::field("account_id", "invalid_choice"))?;
            // An archived account is out of business with us: restore it first.
            if acc.row.archived_at.is_some() {
                return Err(AppError::field("account_id", "invalid_choice"));
            }
            None
        }
        None => {
            actor.require(Module::Accounts, Action::Create)?;
            let (values, tags) = accounts::values_for(&account_draft(&lead), owner_id)?;
            Some((values, tags))
        }
    };

    // The new account's duplicate check and its insert under one guard (as a plain create).
    let keys = new_account
        .as_ref()
        .map(|(v, _)| accounts::guard_keys(v))
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
    let (account_id, account_created) = match (&new_account, req.account_id) {
        (Some((values, tags)), _) => (
            accounts::insert(&txn, actor, values, tags, Some(lead_id), now).await?,
            true,
        ),
        (None, Some(id)) => (id, false),
        (None, None) => return Err(AppError::Internal("conversion without an account".into())),
    };
    let contact_id = match contact_draft(&lead, account_id) {
        Some(d) => {
            let (values, tags) = contacts::values_for(&d, owner_id)?;
            Some(contacts::insert(&txn, actor, &values, &tags, Some(lead_id), now).await?)
        }
        None => None,
    };
    lead_store::mark_converted(&txn, lead_id, req.version, account_id, contact_id, now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict => AppError::Conflict {
                current_version: lead.row.version + 1,
            },
            other => other.into(),
        })?;
    // Converting a lead means someone just talked to them: the card's "last contact" says so.
    account_store::set_last_contact(&txn, account_id, now).await?;
    if let Some(cid) = contact_id {
        kervan_store::contacts::set_last_contact(&txn, cid, now).await?;
    }
    let mut changes = vec![
        Change {
            field: "status".into(),
            old: Some(lead.row.status.clone()),
            new: Some(LeadStatus::Converted.as_str().into()),
        },
        Change {
            field: "account_id".into(),
            old: None,
            new: Some(account_id.to_string()),
        },
    ];
    if let Some(cid) = contact_id {
        changes.push(Change {
            field: "contact_id".into(),
            old: None,
            new: Some(cid.to_string()),
        });
    }
    audit::write(&txn, leads::ENTITY, lead_id, actor.author(), now, &changes).await?;
    if !account_created {
        let change = Change {
            field: "converted_lead".into(),
            old: None,
            new: Some(format!("#{lead_id} {}", lead.name())),
        };
        audit::write(&txn, accounts::ENTITY, account_id, actor.author(), now, &[change]).await?;
    }
    txn.commit().await?;
    Ok(Converted {
        account_id,
        contact_id,
        account_created,
    })
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
