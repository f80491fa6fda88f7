//! Contact use cases: create, edit, archive, read, list, history, the people of an account
//! (with the org chart) and merge.

use kervan_core::Phone;
use kervan_core::contacts::{ContactDraft, ContactFields};
use kervan_core::permissions::{Action, Module};
use kervan_core::text::collation_key;
use kervan_core::time::now_ms;
use kervan_store::audit::{self, AuditRow, Change};
use kervan_store::contacts::{self as store, ContactQuery, ContactRow, ContactValues};
use kervan_store::leads::Visibility;
use kervan_store::listing::Page;
use kervan_store::{ConnectionTrait, TransactionTrait};

use crate::access::{self, Snapshot, attach_tags, check_owner, conflict, tag_pairs, tags_text};
use crate::error::{AppError, Duplicate, Result};
use crate::{Actor, App, accounts};
use kervan_store::db::begin_guarded;

pub const ENTITY: &str = "contact";

/// A contact with its tags, as read.
#[derive(Debug, Clone)]
pub struct Contact {
    pub row: ContactRow,
    pub tags: Vec<String>,
}

impl Contact {
    pub fn name(&self) -> String {
        format!("{} {}", self.row.first_name, self.row.last_name)
    }

    pub fn draft(&self) -> ContactDraft {
        let r = &self.row;
        ContactDraft {
            account_id: r.account_id,
            first_name: Some(r.first_name.clone()),
            last_name: Some(r.last_name.clone()),
            title: r.title.clone(),
            department: r.department.clone(),
            email: r.email.clone(),
            phone: r.phone.clone(),
            extension: r.extension.clone(),
            mobile: r.mobile.clone(),
            whatsapp: r.whatsapp.clone(),
            buying_role: r.buying_role.clone(),
            influence: r.influence.clone(),
            relationship: r.relationship.clone(),
            reports_to_id: r.reports_to_id,
            owner_id: r.owner_id,
            tags: self.tags.clone(),
            notes: r.notes.clone(),
        }
    }
}

fn values_of(f: &ContactFields, owner_id: Option<i64>) -> ContactValues {
    let p = |x: &Option<Phone>| x.as_ref().map(|p| p.to_string());
    ContactValues {
        account_id: f.account_id,
        first_name: f.first_name.clone(),
        last_name: f.last_name.clone(),
        title: f.title.clone(),
        department: f.department.clone(),
        email: f.email.as_ref().map(|e| e.to_string()),
        phone: p(&f.phone),
        extension: f.extension.clone(),
        mobile: p(&f.mobile),
        whatsapp: p(&f.whatsapp),
        buying_role: f.buying_role.map(|v| v.as_str().into()),
        influence: f.influence.map(|v| v.as_str().into()),
        relationship: f.relationship.map(|v| v.as_str().into()),
        reports_to_id: f.reports_to_id,
        owner_id,
        notes: f.notes.clone(),
        sort_name: f.sort_name(),
        search_key: f.search_key(),
    }
}

fn snapshot(v: &ContactValues, tags: &[String]) -> Snapshot {
    vec![
        ("account_id", v.account_id.map(|a| a.to_string())),
        ("first_name", Some(v.first_name.clone())),
        ("last_name", Some(v.last_name.clone())),
        ("title", v.title.clone()),
        ("department", v.department.clone()),
        ("email", v.email.clone()),
        ("phone", v.phone.clone()),
        ("extension", v.extension.clone()),
        ("mobile", v.mobile.clone()),
        ("whatsapp", v.whatsapp.clone()),
        ("buying_role", v.buying_role.clone()),
        ("influence", v.influence.clone()),
        ("relationship", v.relationship.clone()),
        ("reports_to_id", v.reports_to_id.map(|a| a.to_string())),
        ("owner_id", v.owner_id.map(|o| o.to_string())),
        ("tags", tags_text(tags)),
        ("notes", v.notes.clone()),
    ]
}

fn row_snapshot(r: &ContactRow, tags: &[String]) -> Snapshot {
    let v = ContactValues {
        account_id: r.account_id,
        first_name: r.first_name.clone(),
        last_name: r.last_name.clone(),
        title: r.title.clone(),
        department: r.department.clone(),
        email: r.email.clone(),
        phone: r.phone.clone(),
        extension: r.extension.clone(),
        mobile: r.mobile.clone(),
        whatsapp: r.whatsapp.clone(),
        buying_role: r.buying_role.clone(),
        influence: r.influence.clone(),
        relationship: r.relationship.clone(),
        reports_to_id: r.reports_to_id,
        owner_id: r.owner_id,
        notes: r.notes.clone(),
        ..Default::default()
    };
    snapshot(&v, tags)
}

/// Contacts sharing a phone number (any of office, mobile, WhatsApp) or the e-mail.
pub async fn find_duplicates<C: ConnectionTrait>(
    c: &C,
    v: &ContactValues,
    except: Option<i64>,
) -> Result<Vec<Duplicate>> {
    let mut phones: Vec<String> = [&v.phone, &v.mobile, &v.whatsapp]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    phones.dedup();
    let rows = store::duplicates(c, &phones, v.email.as_deref(), except).await?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let field = if v.email.is_some() && d.email == v.email {
                "email"
            } else {
                "phone"
            };
            let name = match &d.account_name {
                Some(a) => format!("{} {} ({a})", d.first_name, d.last_name),
                None => format!("{} {}", d.first_name, d.last_name),
            };
            Duplicate::new(d.id, name, d.owner_id, d.owner_name, field)
        })
        .collect())
}

/// The keys a duplicate check of this contact serialises on (see `kervan_store::db::begin_guarded`).
fn guard_keys(v: &ContactValues) -> Vec<String> {
    let phones = [&v.phone, &v.mobile, &v.whatsapp].into_iter().flatten();
    phones
        .map(|p| format!("contact:phone:{p}"))
        .chain(v.email.iter().map(|e| format!("contact:email:{e}")))
        .collect()
}

/// Validates a draft for writing: fields, owner, account, manager.
async fn prepare<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    draft: &ContactDraft,
    current: Option<&ContactRow>,
) -> Result<(ContactValues, Vec<String>)> {
    let id = current.map(|r| r.id);
    let scope = actor.require(
        Module::Contacts,
        if id.is_some() { Action::Edit } else { Action::Create },
    )?;
    let fields = draft.validate()?;
    let owner_id = match current {
        None => fields.owner_id.or(actor.author()),
        Some(_) => fields.owner_id,
    };
    if owner_id != current.and_then(|r| r.owner_id) {
        match owner_id {
            Some(o) => check_owner(c, actor, scope, o).await?,
            None if id.is_some() => return Err(AppError::field("owner_id", "required")),
            None => {}
        }
    }
    if let Some(a) = fields.account_id
        && Some(a) != current.and_then(|r| r.account_id)
    {
        // The account must be one the actor sees; anything else reads as "no such choice".
        accounts::load_for(c, actor, a, Action::View)
            .await
            .map_err(|_| AppError::field("account_id", "invalid_choice"))?;
    }
    // Checked again when the person moves to another account: the manager must follow.
    if let Some(m) = fields.reports_to_id
        && (Some(m) != current.and_then(|r| r.reports_to_id) || fields.account_id != current.and_then(|r| r.account_id))
    {
        let Some(manager) = store::get(c, m).await? else {
            return Err(AppError::field("reports_to_id", "invalid_choice"));
        };
        if !access::visible(c, actor.visibility(Module::Contacts, Action::View), manager.owner_id).await? {
            return Err(AppError::field("reports_to_id", "invalid_choice"));
        }
        if manager.account_id != fields.account_id {
            return Err(AppError::field("reports_to_id", "reports_to_other_account"));
        }
        if let Some(id) = id
            && (m == id || store::managers(c, m).await?.contains(&id))
        {
            return Err(AppError::field("reports_to_id", "reports_to_loop"));
        }
    }
    Ok((values_of(&fields, owner_id), fields.tags))
}

/// Creates a contact. The owner defaults to the actor. One sharing a phone or e-mail with an
/// existing contact is refused with `Duplicate` unless `allow_duplicate`.
pub async fn create(app: &App, actor: &Actor, draft: &ContactDraft, allow_duplicate: bool) -> Result<i64> {
    let c = &app.db.conn;
    let (values, tags) = prepare(c, actor, draft, None).await?;
    // Check and insert under one guard: parallel creates with the same mobile store one contact.
    let txn = begin_guarded(c, &guard_keys(&values)).await?;
    if !allow_duplicate {
        let found = find_duplicates(&txn, &values, None).await?;
        access::refuse_duplicates(&txn, actor, Module::Contacts, found).await?;
    }
    let id = insert(&txn, actor, &values, &tags, None, now_ms()).await?;
    txn.commit().await?;
    Ok(id)
}

/// Writes a new contact with its tags and creation history (inside the caller's transaction).
pub(crate) async fn insert<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    values: &ContactValues,
    tags: &[String],
    lead_id: Option<i64>,
    now: i64,
) -> Result<i64> {
    let id = store::insert(c, values, lead_id, actor.author(), now).await?;
    store::set_tags(c, id, &tag_pairs(tags)).await?;
    let changes = access::diff(&vec![], &snapshot(values, tags));
    audit::write(c, ENTITY, id, actor.author(), now, &changes).await?;
    Ok(id)
}

/// Values for a contact built by the system (conversion): validated like a typed one.
pub(crate) fn values_for(draft: &ContactDraft, owner_id: Option<i64>) -> Result<(ContactValues, Vec<String>)> {
    let f = draft.validate()?;
    Ok((values_of(&f, owner_id), f.tags))
}

async fn load_for<C: ConnectionTrait>(c: &C, actor: &Actor, id: i64, action: Action) -> Result<Contact> {
    actor
        .require(Module::Contacts, Action::View)
        .map_err(|_| AppError::NotFound)?;
    let row = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    access::authorize(c, actor, Module::Contacts, row.owner_id, action).await?;
    let mut tags: Vec<String> = store::tags_of(c, &[id]).await?.into_iter().map(|(_, t)| t).collect();
    tags.sort_by_key(|t| collation_key(t));
    Ok(Contact { row, tags })
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<Contact> {
    load_for(&app.db.conn, actor, id, Action::View).await
}

pub async fn update(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    draft: &ContactDraft,
    allow_duplicate: bool,
) -> Result<()> {
    let c = &app.db.conn;
    let contact = load_for(c, actor, id, Action::Edit).await?;
    if contact.row.version != version {
        return Err(AppError::Conflict {
            current_version: contact.row.version,
        });
    }
    let (values, tags) = prepare(c, actor, draft, Some(&contact.row)).await?;
    let changes = access::diff(&row_snapshot(&contact.row, &contact.tags), &snapshot(&values, &tags));
    if changes.is_empty() {
        return Ok(());
    }
    let reach_changed = changes
        .iter()
        .any(|ch| ["email", "phone", "mobile", "whatsapp"].contains(&ch.field.as_ref()));
    let now = now_ms();
    let check = !allow_duplicate && reach_changed;
    let txn = begin_guarded(c, &if check { guard_keys(&values) } else { vec![] }).await?;
    if check {
        let found = find_duplicates(&txn, &values, Some(id)).await?;
        access::refuse_duplicates(&txn, actor, Module::Contacts, found).await?;
    }
    store::update(&txn, id, version, &values, now)
        .await
        .map_err(|e| conflict(e, contact.row.version + 1))?;
    if changes.iter().any(|ch| ch.field == "tags") {
        store::set_tags(&txn, id, &tag_pairs(&tags)).await?;
    }
    audit::write(&txn, ENTITY, id, actor.author(), now, &changes).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn set_archived(app: &App, actor: &Actor, id: i64, version: i64, archive: bool) -> Result<()> {
    let contact = load_for(&app.db.conn, actor, id, Action::Delete).await?;
    let r = access::Archivable {
        table: "contacts",
        entity: ENTITY,
        id,
        current_version: contact.row.version,
        archived_at: contact.row.archived_at,
    };
    access::set_archived(app, actor, r, version, archive).await
}

/// Deletes a contact for good. Admins only; the deletion itself stays in the audit log.
pub async fn delete_hard(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let c = &app.db.conn;
    let contact = load_for(c, actor, id, Action::View).await?;
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: Module::Contacts,
            action: Action::Delete,
        });
    }
    let now = now_ms();
    let txn = c.begin().await?;
    store::delete(&txn, id).await?;
    let change = Change {
        field: "deleted".into(),
        old: Some(contact.name()),
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

pub struct ContactPage {
    pub contacts: Vec<Contact>,
    pub has_next: bool,
    pub has_prev: bool,
}

pub async fn list(app: &App, actor: &Actor, q: &ContactQuery) -> Result<ContactPage> {
    let vis = actor.visibility(Module::Contacts, Action::View);
    if vis == Visibility::Nothing {
        return Err(AppError::Forbidden {
            module: Module::Contacts,
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
    let tags = store::tags_of(c, &ids).await?;
    let contacts = attach_tags(rows, |r| r.id, tags, |row, tags| Contact { row, tags });
    Ok(ContactPage {
        contacts,
        has_next,
        has_prev,
    })
}

/// The people of an account the actor may see, by name (the card's tab and the org chart).
pub async fn of_account(app: &App, actor: &Actor, account_id: i64) -> Result<Vec<Contact>> {
    accounts::get(app, actor, account_id).await?;
    let vis = actor.visibility(Module::Contacts, Action::View);
    let c = &app.db.conn;
    let rows = store::of_account(c, account_id, vis).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let tags = store::tags_of(c, &ids).await?;
    Ok(attach_tags(rows, |r| r.id, tags, |row, tags| Contact { row, tags }))
}

/// One person in the org chart with the people reporting to them.
#[derive(Debug, Clone)]
pub struct OrgNode {
    pub contact: Contact,
    pub reports: Vec<OrgNode>,
}

/// The org chart of a set of contacts from reports-to: people whose manager is not among them
/// are roots. A loop in old data cannot recurse forever: each person is placed once.
pub fn org_chart(people: &[Contact]) -> Vec<OrgNode> {
    let ids: std::collections::HashSet<i64> = people.iter().map(|c| c.row.id).collect();
    let mut placed = std::collections::HashSet::new();
    fn build(
        id: i64,
        people: &[Contact],
        placed: &mut std::collections::HashSet<i64>,
        depth: usize,
    ) -> Option<OrgNode> {
        if depth > 32 || !placed.insert(id) {
            return None;
        }
        let contact = people.iter().find(|c| c.row.id == id)?.clone();
        let reports = people
            .iter()
            .filter(|c| c.row.reports_to_id == Some(id))
            .filter_map(|c| build(c.row.id, people, placed, depth + 1))
            .collect();
        Some(OrgNode { contact, reports })
    }
    let mut roots: Vec<OrgNode> = people
        .iter()
        .filter(|c| c.row.reports_to_id.is_none_or(|m| !ids.contains(&m)))
        .filter_map(|c| build(c.row.id, people, &mut placed, 0))
        .collect();
    // Anyone left over sits in a reports-to loop: show them as roots rather than hide them.
    for c in people {
        if !placed.contains(&c.row.id)
            && let Some(n) = build(c.row.id, people, &mut placed, 0)
        {
            roots.push(n);
        }
    }
    roots
}

/// Merges contact `merged_id` into `survivor_id`, like accounts: picked values, people who
/// reported to the merged contact and its leads, tags and history move; the merged contact is
/// archived; both histories record the merge.
pub async fn merge(
    app: &App,
    actor: &Actor,
    survivor_id: i64,
    survivor_version: i64,
    merged_id: i64,
    merged_version: i64,
    result: &ContactDraft,
) -> Result<()> {
    let c = &app.db.conn;
    if survivor_id == merged_id {
        return Err(AppError::field("merged_id", "merge_same"));
    }
    let survivor = load_for(c, actor, survivor_id, Action::Edit).await?;
    let merged = load_for(c, actor, merged_id, Action::Delete).await?;
    if survivor.row.version != survivor_version {
        return Err(AppError::Conflict {
            current_version: survivor.row.version,
        });
    }
    if merged.row.version != merged_version {
        return Err(AppError::Conflict {
            current_version: merged.row.version,
        });
    }
    let mut draft = result.clone();
    if draft.reports_to_id == Some(merged_id) {
        draft.reports_to_id = merged.row.reports_to_id.filter(|m| *m != survivor_id);
    }
    let (values, tags) = prepare(c, actor, &draft, Some(&survivor.row)).await?;
    // The people who reported to the merged contact will report to the survivor: a manager
    // below the merged contact would make a loop.
    if let Some(m) = values.reports_to_id
        && (m == merged_id || store::managers(c, m).await?.contains(&merged_id))
    {
        return Err(AppError::field("reports_to_id", "reports_to_loop"));
    }
    let all_tags = access::union_tags(&tags, &merged.tags);
    let now = now_ms();
    let txn = c.begin().await?;
    let mut changes = access::diff(
        &row_snapshot(&survivor.row, &survivor.tags),
        &snapshot(&values, &all_tags),
    );
    store::update(&txn, survivor_id, survivor_version, &values, now)
        .await
        .map_err(|e| conflict(e, survivor.row.version))?;
    store::move_children(&txn, merged_id, survivor_id).await?;
    store::set_tags(&txn, survivor_id, &tag_pairs(&all_tags)).await?;
    store::set_archived(&txn, merged_id, merged_version, Some(now), now)
        .await
        .map_err(|e| conflict(e, merged.row.version))?;
    changes.push(Change {
        field: "merged_from".into(),
        old: None,
        new: Some(format!("#{merged_id} {}", merged.name())),
    });
    audit::write(&txn, ENTITY, survivor_id, actor.author(), now, &changes).await?;
    audit::write(
        &txn,
        ENTITY,
        merged_id,
        actor.author(),
        now,
        &[Change {
            field: "merged_into".into(),
            old: None,
            new: Some(format!("#{survivor_id} {} {}", values.first_name, values.last_name)),
        }],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
