//! Lead use cases: create, edit, status, archive, delete, read, list, history.

use kervan_core::leads::{LeadDraft, LeadFields, LeadStatus, display_name};
use kervan_core::permissions::{Action, Module};
use kervan_core::text::{collation_key, fold};
use kervan_core::time::now_ms;
use kervan_core::{Email, Phone};
use kervan_store::audit::{self, AuditRow, Change};
use kervan_store::db::begin_guarded;
use kervan_store::leads::{self as store, LeadQuery, LeadRow, LeadValues, Page, Visibility};
use kervan_store::{ConnectionTrait, StoreError, TransactionTrait};

use crate::access::{self, Snapshot, check_owner, tag_pairs, tags_text};
use crate::error::{AppError, Duplicate, Result};
use crate::{Actor, App};

pub const ENTITY: &str = "lead";

/// A lead with its tags, as read.
#[derive(Debug, Clone)]
pub struct Lead {
    pub row: LeadRow,
    pub tags: Vec<String>,
}

impl Lead {
    pub fn name(&self) -> String {
        display_name(
            self.row.first_name.as_deref(),
            self.row.last_name.as_deref(),
            self.row.company.as_deref(),
        )
    }

    pub fn status(&self) -> LeadStatus {
        LeadStatus::parse(&self.row.status).unwrap_or(LeadStatus::New)
    }

    /// The lead as an editable draft (what the edit form starts from, what a PATCH merges into).
    pub fn draft(&self) -> LeadDraft {
        let r = &self.row;
        LeadDraft {
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            company: r.company.clone(),
            title: r.title.clone(),
            email: r.email.clone(),
            phone: r.phone.clone(),
            source: Some(r.source.clone()),
            source_detail: r.source_detail.clone(),
            campaign: r.campaign.clone(),
            product_interest: r.product_interest.clone(),
            status: Some(r.status.clone()),
            lost_reason: r.lost_reason.clone(),
            owner_id: r.owner_id,
            city: r.city.clone(),
            sector: r.sector.clone(),
            tags: self.tags.clone(),
            notes: r.notes.clone(),
        }
    }
}

fn values_of(f: &LeadFields, owner_id: Option<i64>) -> LeadValues {
    LeadValues {
        first_name: f.first_name.clone(),
        last_name: f.last_name.clone(),
        company: f.company.clone(),
        title: f.title.clone(),
        email: f.email.as_ref().map(|e| e.to_string()),
        phone: f.phone.as_ref().map(|p| p.to_string()),
        source: f.source.as_str().into(),
        source_detail: f.source_detail.clone(),
        campaign: f.campaign.clone(),
        product_interest: f.product_interest.clone(),
        status: f.status.as_str().into(),
        lost_reason: f.lost_reason.clone(),
        owner_id,
        city: f.city.clone(),
        sector: f.sector.clone(),
        notes: f.notes.clone(),
        sort_name: fold(&f.display_name()),
        search_key: f.search_key(),
    }
}

/// Leads (not archived) sharing the phone or e-mail, other than `except`.
async fn find_duplicates<C: ConnectionTrait>(c: &C, f: &LeadFields, except: Option<i64>) -> Result<Vec<Duplicate>> {
    let phone = f.phone.as_ref().map(Phone::as_str);
    let email = f.email.as_ref().map(Email::as_str);
    let rows = store::duplicates(c, phone, email, except).await?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let field = if phone.is_some() && d.phone.as_deref() == phone {
                "phone"
            } else {
                "email"
            };
            let name = display_name(d.first_name.as_deref(), d.last_name.as_deref(), d.company.as_deref());
            Duplicate::new(d.id, name, d.owner_id, d.owner_name, field)
        })
        .collect())
}

/// The keys a duplicate check of this lead serialises on (see `kervan_store::db::begin_guarded`).
fn guard_keys(f: &LeadFields) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(p) = &f.phone {
        keys.push(format!("lead:phone:{p}"));
    }
    if let Some(e) = &f.email {
        keys.push(format!("lead:email:{e}"));
    }
    keys
}

/// A lead in form order, for the history.
fn snapshot(v: &LeadValues, tags: &[String]) -> Snapshot {
    vec![
        ("first_name", v.first_name.clone()),
        ("last_name", v.last_name.clone()),
        ("company", v.company.clone()),
        ("title", v.title.clone()),
        ("email", v.email.clone()),
        ("phone", v.phone.clone()),
        ("source", Some(v.source.clone())),
        ("source_detail", v.source_detail.clone()),
        ("campaign", v.campaign.clone()),
        ("product_interest", v.product_interest.clone()),
        ("status", Some(v.status.clone())),
        ("lost_reason", v.lost_reason.clone()),
        ("owner_id", v.owner_id.map(|o| o.to_string())),
        ("city", v.city.clone()),
        ("sector", v.sector.clone()),
        ("tags", tags_text(tags)),
        ("notes", v.notes.clone()),
    ]
}

fn diff(old: Option<(&LeadValues, &[String])>, new: Option<(&LeadValues, &[String])>) -> Vec<Change> {
    let snap = |x: Option<(&LeadValues, &[String])>| x.map(|(v, t)| snapshot(v, t)).unwrap_or_default();
    access::diff(&snap(old), &snap(new))
}

fn row_values(r: &LeadRow) -> LeadValues {
    LeadValues {
        first_name: r.first_name.clone(),
        last_name: r.last_name.clone(),
        company: r.company.clone(),
        title: r.title.clone(),
        email: r.email.clone(),
        phone: r.phone.clone(),
        source: r.source.clone(),
        source_detail: r.source_detail.clone(),
        campaign: r.campaign.clone(),
        product_interest: r.product_interest.clone(),
        status: r.status.clone(),
        lost_reason: r.lost_reason.clone(),
        owner_id: r.owner_id,
        city: r.city.clone(),
        sector: r.sector.clone(),
        notes: r.notes.clone(),
        sort_name: r.sort_name.clone(),
        search_key: String::new(),
    }
}

/// Creates a lead. The owner defaults to the actor. A lead sharing a phone or e-mail with an
/// existing one is refused with `Duplicate` unless `allow_duplicate`.
pub async fn create(app: &App, actor: &Actor, draft: &LeadDraft, allow_duplicate: bool) -> Result<i64> {
    let scope = actor.require(Module::Leads, Action::Create)?;
    let fields = draft.validate()?;
    if fields.status == LeadStatus::Converted {
        return Err(AppError::field("status", "status_not_allowed"));
    }
    let c = &app.db.conn;
    let owner_id = fields.owner_id.or(actor.author());
    if let Some(o) = owner_id {
        check_owner(c, actor, scope, o).await?;
    }
    let values = values_of(&fields, owner_id);
    let now = now_ms();
    // Check and insert under one guard: parallel creates with the same phone store one lead.
    let txn = begin_guarded(c, &guard_keys(&fields)).await?;
    if !allow_duplicate {
        let found = find_duplicates(&txn, &fields, None).await?;
        access::refuse_duplicates(&txn, actor, Module::Leads, found).await?;
    }
    let id = store::insert(&txn, &values, actor.author(), now).await?;
    store::set_tags(&txn, id, &tag_pairs(&fields.tags)).await?;
    audit::write(
        &txn,
        ENTITY,
        id,
        actor.author(),
        now,
        &diff(None, Some((&values, &fields.tags))),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Reads a lead the actor may see for `action`; otherwise `NotFound` (never tell whether
/// somebody else's record exists).
pub(crate) async fn load_for<C: ConnectionTrait>(c: &C, actor: &Actor, id: i64, action: Action) -> Result<Lead> {
    let row = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    access::authorize(c, actor, Module::Leads, row.owner_id, action).await?;
    let mut tags: Vec<String> = store::tags_of(c, &[id]).await?.into_iter().map(|(_, t)| t).collect();
    tags.sort_by_key(|t| collation_key(t));
    Ok(Lead { row, tags })
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<Lead> {
    actor
        .require(Module::Leads, Action::View)
        .map_err(|_| AppError::NotFound)?;
    load_for(&app.db.conn, actor, id, Action::View).await
}

/// Replaces the lead's fields with `draft` if the lead is still at `version`.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    draft: &LeadDraft,
    allow_duplicate: bool,
) -> Result<()> {
    let c = &app.db.conn;
    let scope = actor.require(Module::Leads, Action::Edit)?;
    let lead = load_for(c, actor, id, Action::Edit).await?;
    if lead.row.version != version {
        return Err(AppError::Conflict {
            current_version: lead.row.version,
        });
    }
    let fields = draft.validate()?;
    if !lead.status().can_move_to(fields.status) {
        return Err(AppError::field("status", "status_not_allowed"));
    }
    let owner_id = fields.owner_id;
    if owner_id != lead.row.owner_id {
        match owner_id {
            Some(o) => check_owner(c, actor, scope, o).await?,
            None => return Err(AppError::field("owner_id", "required")),
        }
    }
    let contact_changed = fields.phone.as_ref().map(|p| p.to_string()) != lead.row.phone
        || fields.email.as_ref().map(|e| e.to_string()) != lead.row.email;
    let values = values_of(&fields, owner_id);
    let old = row_values(&lead.row);
    let changes = diff(Some((&old, &lead.tags)), Some((&values, &fields.tags)));
    if changes.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let check = !allow_duplicate && contact_changed;
    let txn = begin_guarded(c, &if check { guard_keys(&fields) } else { vec![] }).await?;
    if check {
        let found = find_duplicates(&txn, &fields, Some(id)).await?;
        access::refuse_duplicates(&txn, actor, Module::Leads, found).await?;
    }
    match store::update(&txn, id, version, &values, now).await {
        Err(StoreError::Conflict) => {
            return Err(AppError::Conflict {
                current_version: store::get(c, id).await?.map(|r| r.version).unwrap_or(0),
            });
        }
        other => other?,
    }
    if changes.iter().any(|ch| ch.field == "tags") {
        store::set_tags(&txn, id, &tag_pairs(&fields.tags)).await?;
    }
    audit::write(&txn, ENTITY, id, actor.author(), now, &changes).await?;
    txn.commit().await?;
    Ok(())
}

/// Moves a lead to another status (the status menu on the card and the list).
pub async fn set_status(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    status: &str,
    lost_reason: Option<&str>,
) -> Result<()> {
    let lead = load_for(&app.db.conn, actor, id, Action::Edit).await?;
    let mut d = lead.draft();
    d.status = Some(status.to_string());
    if let Some(r) = lost_reason {
        d.lost_reason = Some(r.to_string());
    }
    update(app, actor, id, version, &d, true).await
}

/// Archives (`archive = true`) or restores a lead.
pub async fn set_archived(app: &App, actor: &Actor, id: i64, version: i64, archive: bool) -> Result<()> {
    let lead = load_for(&app.db.conn, actor, id, Action::Delete).await?;
    let r = access::Archivable {
        table: "leads",
        entity: ENTITY,
        id,
        current_version: lead.row.version,
        archived_at: lead.row.archived_at,
    };
    access::set_archived(app, actor, r, version, archive).await
}

/// Deletes a lead for good. Admins only; the deletion itself stays in the audit log.
pub async fn delete_hard(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let c = &app.db.conn;
    let lead = load_for(c, actor, id, Action::View).await?;
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: Module::Leads,
            action: Action::Delete,
        });
    }
    let now = now_ms();
    let txn = c.begin().await?;
    store::delete(&txn, id).await?;
    let change = Change {
        field: "deleted".into(),
        old: Some(lead.name()),
        new: None,
    };
    audit::write(&txn, ENTITY, id, actor.author(), now, &[change]).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn history(app: &App, actor: &Actor, id: i64, limit: u64) -> Result<Vec<AuditRow>> {
    get(app, actor, id).await?;
    Ok(audit::for_entity(&app.db.conn, ENTITY, id, limit).await?)
}

pub struct LeadPage {
    pub leads: Vec<Lead>,
    pub has_next: bool,
    pub has_prev: bool,
}

/// A page of the leads the actor may see.
pub async fn list(app: &App, actor: &Actor, q: &LeadQuery) -> Result<LeadPage> {
    let vis = actor.visibility(Module::Leads, Action::View);
    if vis == Visibility::Nothing {
        return Err(AppError::Forbidden {
            module: Module::Leads,
            action: Action::View,
        });
    }
    let c = &app.db.conn;
    let Page {
        rows,
        has_next,
        has_prev,
    } = store::list(c, q, vis).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tags = store::tags_of(c, &ids).await?;
    let leads = rows
        .into_iter()
        .map(|row| {
            let mine: Vec<String> = tags
                .iter()
                .filter(|(id, _)| *id == row.id)
                .map(|(_, t)| t.clone())
                .collect();
            tags.retain(|(id, _)| *id != row.id);
            Lead { row, tags: mine }
        })
        .collect();
    Ok(LeadPage {
        leads,
        has_next,
        has_prev,
    })
}

/// Cities and sectors seen recently, for the filter menus.
pub async fn filter_values(app: &App, column: &str) -> Result<Vec<String>> {
    Ok(store::recent_values(&app.db.conn, column, 200).await?)
}
