//! Account (customer) use cases: create, edit, archive, read, list, history, addresses,
//! subsidiaries, duplicate detection and merge.

use kervan_core::Money;
use kervan_core::accounts::{AccountDraft, AccountFields, AddressDraft, AddressFields, email_domain, names_close};
use kervan_core::permissions::{Action, Module};
use kervan_core::text::collation_key;
use kervan_core::time::now_ms;
use kervan_store::accounts::{
    self as store, AccountQuery, AccountRow, AccountValues, AddressRow, AddressValues, Probe, RollupRow,
};
use kervan_store::audit::{self, AuditRow, Change};
use kervan_store::leads::Visibility;
use kervan_store::listing::Page;
use kervan_store::{ConnectionTrait, TransactionTrait};

use crate::access::{self, Snapshot, attach_tags, check_owner, conflict, tag_pairs, tags_text};
use crate::error::{AppError, Duplicate, Result};
use crate::{Actor, App};
use kervan_store::db::begin_guarded;

pub const ENTITY: &str = "account";

/// An account with its tags, as read.
#[derive(Debug, Clone)]
pub struct Account {
    pub row: AccountRow,
    pub tags: Vec<String>,
}

impl Account {
    /// The account as an editable draft (what the edit form starts from, what a PATCH merges into).
    pub fn draft(&self) -> AccountDraft {
        let r = &self.row;
        AccountDraft {
            kind: Some(r.kind.clone()),
            name: Some(r.name.clone()),
            tax_office: r.tax_office.clone(),
            tax_number: r.tax_number.clone(),
            national_id: r.national_id.clone(),
            sector: r.sector.clone(),
            customer_class: r.customer_class.clone(),
            segment: r.segment.clone(),
            potential: r.potential.clone(),
            annual_revenue: r.annual_revenue.map(|k| Money::from_kurus(k).amount_text()),
            lifecycle: Some(r.lifecycle.clone()),
            parent_id: r.parent_id,
            owner_id: r.owner_id,
            region: r.region.clone(),
            country: r.country.clone(),
            city: r.city.clone(),
            district: r.district.clone(),
            website: r.website.clone(),
            phone: r.phone.clone(),
            email: r.email.clone(),
            tags: self.tags.clone(),
            notes: r.notes.clone(),
        }
    }

    pub fn annual_revenue(&self) -> Option<Money> {
        self.row.annual_revenue.map(Money::from_kurus)
    }
}

fn values_of(f: &AccountFields, owner_id: Option<i64>) -> AccountValues {
    AccountValues {
        kind: f.kind.as_str().into(),
        name: f.name.clone(),
        tax_office: f.tax_office.clone(),
        tax_number: f.tax_number.as_ref().map(|v| v.to_string()),
        national_id: f.national_id.as_ref().map(|v| v.to_string()),
        sector: f.sector.clone(),
        customer_class: f.customer_class.map(|v| v.as_str().into()),
        segment: f.segment.map(|v| v.as_str().into()),
        potential: f.potential.map(|v| v.as_str().into()),
        annual_revenue: f.annual_revenue.map(Money::kurus),
        lifecycle: f.lifecycle.as_str().into(),
        parent_id: f.parent_id,
        owner_id,
        region: f.region.clone(),
        country: Some(f.country.clone()),
        city: f.city.clone(),
        district: f.district.clone(),
        website: f.website.as_ref().map(|w| w.to_string()),
        phone: f.phone.as_ref().map(|p| p.to_string()),
        email: f.email.as_ref().map(|e| e.to_string()),
        notes: f.notes.clone(),
        email_domain: f.email.as_ref().and_then(|e| email_domain(e.as_str())),
        website_domain: f.website.as_ref().map(|w| w.domain().to_string()),
        name_key: f.name_key(),
        sort_name: f.sort_name(),
        search_key: f.search_key(),
    }
}

/// An account in form order, for the history.
fn snapshot(v: &AccountValues, tags: &[String]) -> Snapshot {
    vec![
        ("kind", Some(v.kind.clone())),
        ("name", Some(v.name.clone())),
        ("tax_office", v.tax_office.clone()),
        ("tax_number", v.tax_number.clone()),
        ("national_id", v.national_id.clone()),
        ("sector", v.sector.clone()),
        ("customer_class", v.customer_class.clone()),
        ("segment", v.segment.clone()),
        ("potential", v.potential.clone()),
        (
            "annual_revenue",
            v.annual_revenue.map(|k| Money::from_kurus(k).amount_text()),
        ),
        ("lifecycle", Some(v.lifecycle.clone())),
        ("parent_id", v.parent_id.map(|p| p.to_string())),
        ("owner_id", v.owner_id.map(|o| o.to_string())),
        ("region", v.region.clone()),
        ("country", v.country.clone()),
        ("city", v.city.clone()),
        ("district", v.district.clone()),
        ("website", v.website.clone()),
        ("phone", v.phone.clone()),
        ("email", v.email.clone()),
        ("tags", tags_text(tags)),
        ("notes", v.notes.clone()),
    ]
}

fn row_snapshot(r: &AccountRow, tags: &[String]) -> Snapshot {
    let v = AccountValues {
        kind: r.kind.clone(),
        name: r.name.clone(),
        tax_office: r.tax_office.clone(),
        tax_number: r.tax_number.clone(),
        national_id: r.national_id.clone(),
        sector: r.sector.clone(),
        customer_class: r.customer_class.clone(),
        segment: r.segment.clone(),
        potential: r.potential.clone(),
        annual_revenue: r.annual_revenue,
        lifecycle: r.lifecycle.clone(),
        parent_id: r.parent_id,
        owner_id: r.owner_id,
        region: r.region.clone(),
        country: r.country.clone(),
        city: r.city.clone(),
        district: r.district.clone(),
        website: r.website.clone(),
        phone: r.phone.clone(),
        email: r.email.clone(),
        notes: r.notes.clone(),
        ..Default::default()
    };
    snapshot(&v, tags)
}

/// Accounts that look like the same customer: same VKN or TCKN, same phone or e-mail, same
/// company domain (e-mail or website; public mail providers never count), or a name that folds
/// (Turkish letters, legal-form words) to nearly the same key. Most certain matches first.
pub async fn find_duplicates<C: ConnectionTrait>(
    c: &C,
    v: &AccountValues,
    except: Option<i64>,
) -> Result<Vec<Duplicate>> {
    let domain = v.email_domain.clone().or(v.website_domain.clone());
    // Close names are looked for among keys sharing the first half of this one (4 to 10
    // letters): a short prefix like "kara" matches thousands of companies at 200k accounts
    // (measured: 46 ms on PostgreSQL), half the key a handful. A typo in the first half is
    // missed; identical keys and every identifier are still found.
    let key_len = v.name_key.chars().count();
    let prefix: String = v.name_key.chars().take((key_len / 2).clamp(4, 10)).collect();
    let probe = Probe {
        tax_number: v.tax_number.clone(),
        national_id: v.national_id.clone(),
        phone: v.phone.clone(),
        email: v.email.clone(),
        domain: domain.clone(),
        name_key: (!v.name_key.is_empty()).then(|| v.name_key.clone()),
        name_prefix: (prefix.chars().count() >= 3).then_some(prefix),
    };
    let rows = store::candidates(c, &probe, except).await?;
    let mut out: Vec<(u8, Duplicate)> = Vec::new();
    for r in rows {
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        let (rank, field) = if same(&v.tax_number, &r.tax_number) {
            (0, "tax_number")
        } else if same(&v.national_id, &r.national_id) {
            (0, "national_id")
        } else if same(&v.phone, &r.phone) {
            (1, "phone")
        } else if same(&v.email, &r.email) {
            (1, "email")
        } else if domain.is_some() && (r.email_domain == domain || r.website_domain == domain) {
            (2, "domain")
        } else if !v.name_key.is_empty() && v.name_key == r.name_key {
            (3, "name")
        } else if names_close(&v.name_key, &r.name_key) {
            // A typo apart: less certain than the same name, listed after it.
            (4, "name")
        } else {
            continue;
        };
        out.push((rank, Duplicate::new(r.id, r.name, r.owner_id, r.owner_name, field)));
    }
    out.sort_by_key(|(rank, d)| (*rank, d.id));
    Ok(out.into_iter().map(|(_, d)| d).take(5).collect())
}

/// The keys a duplicate check of this account serialises on (see `kervan_store::db::begin_guarded`):
/// every identifier and the name key. Close names (a typo apart) are not serialised; equal ones are.
pub(crate) fn guard_keys(v: &AccountValues) -> Vec<String> {
    let mut keys = Vec::new();
    for (k, val) in [
        ("tax", &v.tax_number),
        ("tckn", &v.national_id),
        ("phone", &v.phone),
        ("email", &v.email),
        ("domain", &v.email_domain),
        ("domain", &v.website_domain),
    ] {
        if let Some(x) = val {
            keys.push(format!("account:{k}:{x}"));
        }
    }
    if !v.name_key.is_empty() {
        keys.push(format!("account:name:{}", v.name_key));
    }
    keys
}

/// [`find_duplicates`] limited to the accounts the actor may see (and so open, attach to, merge).
/// Reads through `c` only (it may be a guarded transaction).
pub(crate) async fn visible_duplicates<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    v: &AccountValues,
    except: Option<i64>,
) -> Result<Vec<Duplicate>> {
    if !actor.can(Module::Accounts, Action::View) {
        return Ok(vec![]);
    }
    let vis = actor.visibility(Module::Accounts, Action::View);
    let mut out = Vec::new();
    for d in find_duplicates(c, v, except).await? {
        if access::visible(c, vis, d.owner_id).await? {
            out.push(d);
        }
    }
    Ok(out)
}

/// Checks the parent: it exists, the actor sees it, and it is not the account itself or below it.
async fn check_parent<C: ConnectionTrait>(c: &C, actor: &Actor, id: Option<i64>, parent_id: i64) -> Result<()> {
    let Some(parent) = store::get(c, parent_id).await? else {
        return Err(AppError::field("parent_id", "invalid_choice"));
    };
    if !access::visible(c, actor.visibility(Module::Accounts, Action::View), parent.owner_id).await? {
        return Err(AppError::field("parent_id", "invalid_choice"));
    }
    if let Some(id) = id
        && (parent_id == id || store::ancestors(c, parent_id).await?.contains(&id))
    {
        return Err(AppError::field("parent_id", "parent_loop"));
    }
    Ok(())
}

/// Validates a draft for writing: fields, owner, parent. Returns the values and tags.
async fn prepare<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    draft: &AccountDraft,
    id: Option<i64>,
    current_owner: Option<i64>,
    current_parent: Option<i64>,
) -> Result<(AccountValues, Vec<String>)> {
    let scope = actor.require(
        Module::Accounts,
        if id.is_some() { Action::Edit } else { Action::Create },
    )?;
    let fields = draft.validate()?;
    let owner_id = match id {
        None => fields.owner_id.or(actor.author()),
        Some(_) => fields.owner_id,
    };
    if owner_id != current_owner {
        match owner_id {
            Some(o) => check_owner(c, actor, scope, o).await?,
            None if id.is_some() => return Err(AppError::field("owner_id", "required")),
            None => {}
        }
    }
    if let Some(p) = fields.parent_id
        && fields.parent_id != current_parent
    {
        check_parent(c, actor, id, p).await?;
    }
    Ok((values_of(&fields, owner_id), fields.tags))
}

/// Creates an account. The owner defaults to the actor. One that looks like an existing
/// customer is refused with `Duplicate` unless `allow_duplicate`.
pub async fn create(app: &App, actor: &Actor, draft: &AccountDraft, allow_duplicate: bool) -> Result<i64> {
    let c = &app.db.conn;
    let (values, tags) = prepare(c, actor, draft, None, None, None).await?;
    // Check and insert under one guard: parallel creates with the same VKN store one account.
    let txn = begin_guarded(c, &guard_keys(&values)).await?;
    if !allow_duplicate {
        let found = find_duplicates(&txn, &values, None).await?;
        access::refuse_duplicates(&txn, actor, Module::Accounts, found).await?;
    }
    let id = insert(&txn, actor, &values, &tags, None, now_ms()).await?;
    txn.commit().await?;
    Ok(id)
}

/// Writes a new account with its tags and its creation in the history (inside the caller's
/// transaction; conversion uses it too).
pub(crate) async fn insert<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    values: &AccountValues,
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

/// Values for an account built by the system (conversion): validated like a typed one.
pub(crate) fn values_for(draft: &AccountDraft, owner_id: Option<i64>) -> Result<(AccountValues, Vec<String>)> {
    let f = draft.validate()?;
    Ok((values_of(&f, owner_id), f.tags))
}

/// Reads an account the actor may see for `action`; otherwise `NotFound` (never tell whether
/// somebody else's record exists).
pub(crate) async fn load_for<C: ConnectionTrait>(c: &C, actor: &Actor, id: i64, action: Action) -> Result<Account> {
    actor
        .require(Module::Accounts, Action::View)
        .map_err(|_| AppError::NotFound)?;
    let row = store::get(c, id).await?.ok_or(AppError::NotFound)?;
    access::authorize(c, actor, Module::Accounts, row.owner_id, action).await?;
    let mut tags: Vec<String> = store::tags_of(c, &[id]).await?.into_iter().map(|(_, t)| t).collect();
    tags.sort_by_key(|t| collation_key(t));
    Ok(Account { row, tags })
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<Account> {
    load_for(&app.db.conn, actor, id, Action::View).await
}

/// Replaces the account's fields with `draft` if the account is still at `version`.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    draft: &AccountDraft,
    allow_duplicate: bool,
) -> Result<()> {
    let c = &app.db.conn;
    let acc = load_for(c, actor, id, Action::Edit).await?;
    if acc.row.version != version {
        return Err(AppError::Conflict {
            current_version: acc.row.version,
        });
    }
    let (values, tags) = prepare(c, actor, draft, Some(id), acc.row.owner_id, acc.row.parent_id).await?;
    let old = row_snapshot(&acc.row, &acc.tags);
    let changes = access::diff(&old, &snapshot(&values, &tags));
    if changes.is_empty() {
        return Ok(());
    }
    let identity_changed = changes
        .iter()
        .any(|ch| ["name", "tax_number", "national_id", "phone", "email", "website"].contains(&ch.field.as_ref()));
    let now = now_ms();
    let check = !allow_duplicate && identity_changed;
    let txn = begin_guarded(c, &if check { guard_keys(&values) } else { vec![] }).await?;
    if check {
        let found = find_duplicates(&txn, &values, Some(id)).await?;
        access::refuse_duplicates(&txn, actor, Module::Accounts, found).await?;
    }
    store::update(&txn, id, version, &values, now)
        .await
        .map_err(|e| conflict(e, acc.row.version + 1))?;
    if changes.iter().any(|ch| ch.field == "tags") {
        store::set_tags(&txn, id, &tag_pairs(&tags)).await?;
    }
    audit::write(&txn, ENTITY, id, actor.author(), now, &changes).await?;
    txn.commit().await?;
    Ok(())
}

/// Archives (`archive = true`) or restores an account.
pub async fn set_archived(app: &App, actor: &Actor, id: i64, version: i64, archive: bool) -> Result<()> {
    let acc = load_for(&app.db.conn, actor, id, Action::Delete).await?;
    let r = access::Archivable {
        table: "accounts",
        entity: ENTITY,
        id,
        current_version: acc.row.version,
        archived_at: acc.row.archived_at,
    };
    access::set_archived(app, actor, r, version, archive).await
}

/// Deletes an account for good. Admins only; the deletion itself stays in the audit log.
pub async fn delete_hard(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let c = &app.db.conn;
    let acc = load_for(c, actor, id, Action::View).await?;
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: Module::Accounts,
            action: Action::Delete,
        });
    }
    let now = now_ms();
    let txn = c.begin().await?;
    store::delete(&txn, id).await?;
    let change = Change {
        field: "deleted".into(),
        old: Some(acc.row.name.clone()),
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

pub struct AccountPage {
    pub accounts: Vec<Account>,
    pub has_next: bool,
    pub has_prev: bool,
}

/// A page of the accounts the actor may see.
pub async fn list(app: &App, actor: &Actor, q: &AccountQuery) -> Result<AccountPage> {
    let vis = actor.visibility(Module::Accounts, Action::View);
    if vis == Visibility::Nothing {
        return Err(AppError::Forbidden {
            module: Module::Accounts,
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
    let accounts = attach_tags(rows, |r| r.id, tags, |row, tags| Account { row, tags });
    Ok(AccountPage {
        accounts,
        has_next,
        has_prev,
    })
}

/// The direct subsidiaries of an account the actor may see (by name), and the group's totals
/// over every level below (count and summed annual revenue, including ones owned by others: a
/// holding's size is a fact about the holding).
pub async fn subsidiaries(app: &App, actor: &Actor, id: i64) -> Result<(Vec<Account>, RollupRow)> {
    get(app, actor, id).await?;
    let q = AccountQuery {
        parent_id: Some(id),
        include_passive: true,
        limit: 200,
        ..Default::default()
    };
    let page = list(app, actor, &q).await?;
    let totals = store::rollup(&app.db.conn, id).await?;
    Ok((page.accounts, totals))
}

// ---- addresses ----

fn address_values(f: &AddressFields) -> AddressValues {
    AddressValues {
        kind: f.kind.as_str().into(),
        line: f.line.clone(),
        country: f.country.clone(),
        city: f.city.clone(),
        district: f.district.clone(),
        postal_code: f.postal_code.clone(),
    }
}

fn address_text(v: &AddressValues) -> String {
    let mut parts = vec![v.line.clone()];
    if let Some(p) = &v.postal_code {
        parts.push(p.clone());
    }
    if let Some(d) = &v.district {
        parts.push(d.clone());
    }
    parts.push(v.city.clone());
    parts.push(v.country.clone());
    format!("{}: {}", v.kind, parts.join(", "))
}

pub async fn addresses(app: &App, actor: &Actor, account_id: i64) -> Result<Vec<AddressRow>> {
    get(app, actor, account_id).await?;
    Ok(store::addresses_of(&app.db.conn, account_id).await?)
}

/// Adds an address to an account (an edit of the account: it shows in its history).
pub async fn add_address(app: &App, actor: &Actor, account_id: i64, draft: &AddressDraft) -> Result<i64> {
    let c = &app.db.conn;
    load_for(c, actor, account_id, Action::Edit).await?;
    let v = address_values(&draft.validate()?);
    let now = now_ms();
    let txn = c.begin().await?;
    let id = store::insert_address(&txn, account_id, &v, actor.author(), now).await?;
    let change = Change {
        field: "address".into(),
        old: None,
        new: Some(address_text(&v)),
    };
    audit::write(&txn, ENTITY, account_id, actor.author(), now, &[change]).await?;
    txn.commit().await?;
    Ok(id)
}

/// The address `id` of account `account_id`, for an edit; another account's address is not found.
async fn own_address<C: ConnectionTrait>(c: &C, account_id: i64, id: i64) -> Result<AddressRow> {
    store::address(c, id)
        .await?
        .filter(|a| a.account_id == account_id)
        .ok_or(AppError::NotFound)
}

pub async fn update_address(
    app: &App,
    actor: &Actor,
    account_id: i64,
    id: i64,
    version: i64,
    draft: &AddressDraft,
) -> Result<()> {
    let c = &app.db.conn;
    load_for(c, actor, account_id, Action::Edit).await?;
    let old = own_address(c, account_id, id).await?;
    if old.version != version {
        return Err(AppError::Conflict {
            current_version: old.version,
        });
    }
    let v = address_values(&draft.validate()?);
    let old_v = AddressValues {
        kind: old.kind.clone(),
        line: old.line.clone(),
        country: old.country.clone(),
        city: old.city.clone(),
        district: old.district.clone(),
        postal_code: old.postal_code.clone(),
    };
    if old_v == v {
        return Ok(());
    }
    let now = now_ms();
    let txn = c.begin().await?;
    store::update_address(&txn, id, version, &v, now)
        .await
        .map_err(|e| conflict(e, old.version))?;
    let change = Change {
        field: "address".into(),
        old: Some(address_text(&old_v)),
        new: Some(address_text(&v)),
    };
    audit::write(&txn, ENTITY, account_id, actor.author(), now, &[change]).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn delete_address(app: &App, actor: &Actor, account_id: i64, id: i64) -> Result<()> {
    let c = &app.db.conn;
    load_for(c, actor, account_id, Action::Edit).await?;
    let old = own_address(c, account_id, id).await?;
    let now = now_ms();
    let txn = c.begin().await?;
    store::delete_address(&txn, id).await?;
    let old_v = AddressValues {
        kind: old.kind,
        line: old.line,
        country: old.country,
        city: old.city,
        district: old.district,
        postal_code: old.postal_code,
    };
    let change = Change {
        field: "address".into(),
        old: Some(address_text(&old_v)),
        new: None,
    };
    audit::write(&txn, ENTITY, account_id, actor.author(), now, &[change]).await?;
    txn.commit().await?;
    Ok(())
}

// ---- merge ----

/// Merges account `merged_id` into `survivor_id`: the survivor takes the field values in
/// `result` (picked field by field on the merge screen), the merged account's contacts,
/// addresses, subsidiaries, leads, tags and history move to the survivor, and the merged account
/// is archived. Both histories record the merge. Both versions must be current.
pub async fn merge(
    app: &App,
    actor: &Actor,
    survivor_id: i64,
    survivor_version: i64,
    merged_id: i64,
    merged_version: i64,
    result: &AccountDraft,
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
    // The merged account goes away: it cannot be the survivor's parent.
    if draft.parent_id == Some(merged_id) {
        draft.parent_id = merged.row.parent_id.filter(|p| *p != survivor_id);
    }
    let (values, tags) = prepare(
        c,
        actor,
        &draft,
        Some(survivor_id),
        survivor.row.owner_id,
        survivor.row.parent_id,
    )
    .await?;
    // The merged account's subsidiaries become the survivor's: a parent below the merged account
    // would end up below the survivor itself.
    if let Some(p) = values.parent_id
        && (p == merged_id || store::ancestors(c, p).await?.contains(&merged_id))
    {
        return Err(AppError::field("parent_id", "parent_loop"));
    }
    let now = now_ms();
    let txn = c.begin().await?;
    let old = row_snapshot(&survivor.row, &survivor.tags);
    // Tags: the picked ones plus the merged account's (the union), written after the move.
    let all_tags = access::union_tags(&tags, &merged.tags);
    let changes = access::diff(&old, &snapshot(&values, &all_tags));
    store::update(&txn, survivor_id, survivor_version, &values, now)
        .await
        .map_err(|e| conflict(e, survivor.row.version))?;
    let (contacts, addresses) = store::move_children(&txn, merged_id, survivor_id).await?;
    store::set_tags(&txn, survivor_id, &tag_pairs(&all_tags)).await?;
    store::set_archived(&txn, merged_id, merged_version, Some(now), now)
        .await
        .map_err(|e| conflict(e, merged.row.version))?;
    let mut survivor_changes = changes;
    survivor_changes.push(Change {
        field: "merged_from".into(),
        old: None,
        new: Some(format!(
            "#{merged_id} {} ({contacts} contacts, {addresses} addresses)",
            merged.row.name
        )),
    });
    audit::write(&txn, ENTITY, survivor_id, actor.author(), now, &survivor_changes).await?;
    audit::write(
        &txn,
        ENTITY,
        merged_id,
        actor.author(),
        now,
        &[Change {
            field: "merged_into".into(),
            old: None,
            new: Some(format!("#{survivor_id} {}", values.name)),
        }],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
