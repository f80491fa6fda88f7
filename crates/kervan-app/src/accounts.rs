//! Accounts (customers): the kit serves them; what is theirs is the tax identity rules, the
//! duplicate search (VKN/TCKN, phone, e-mail, company domain, a nearly equal name), the parent
//! company (no loops), passive customers left out of lists by default, subsidiaries with group
//! totals, and addresses.

use kervan_core::FieldErrors;
use kervan_core::accounts::{self as domain, AddressDraft, AddressFields, names_close};
use kervan_core::fields::text;
use kervan_core::permissions::{Action, Module};
use kervan_core::record::{Kind, Values};
use kervan_core::time::now_ms;
use kervan_store::accounts::{self as store, AddressRow, AddressValues, Probe, RollupRow};
use kervan_store::audit::{self, Change};
use kervan_store::records::ListQuery;
use kervan_store::{ConnectionTrait, DatabaseTransaction, TransactionTrait};

use crate::access::{self, conflict};
use crate::error::{AppError, Duplicate, Result};
use crate::records::{self, Record, RecordKind};
use crate::{Actor, App};

pub const ENTITY: &str = "account";

pub struct Accounts;

impl RecordKind for Accounts {
    const KIND: &'static Kind = &domain::KIND;
    const IDENTITY: &'static [&'static str] = &["name", "tax_number", "national_id", "phone", "email", "website"];

    async fn duplicates(txn: &DatabaseTransaction, values: &Values, except: Option<i64>) -> Result<Vec<Duplicate>> {
        find_duplicates(txn, values, except).await
    }

    fn guard_keys(values: &Values) -> Vec<String> {
        let derived = domain::derived(values);
        let d = |k: &str| {
            derived
                .iter()
                .find(|x| x.0 == k)
                .map(|x| x.1.clone())
                .filter(|s| !s.is_empty())
        };
        let mut keys = Vec::new();
        for (k, v) in [
            ("tax", text(values, "tax_number").map(str::to_string)),
            ("tckn", text(values, "national_id").map(str::to_string)),
            ("phone", text(values, "phone").map(str::to_string)),
            ("email", text(values, "email").map(str::to_string)),
            ("domain", d("email_domain")),
            ("domain", d("website_domain")),
            ("name", d("name_key")),
        ] {
            if let Some(x) = v {
                keys.push(format!("account:{k}:{x}"));
            }
        }
        keys
    }

    fn list_param(key: &str, value: &str, _q: &mut ListQuery, _e: &mut FieldErrors) -> Option<()> {
        // Read by `list_defaults`; known here so it is kept in views and links.
        // `lifecycle=any`: every lifecycle, passive included (the "Tümü" of the filter menu).
        matches!((key, value), ("include_passive", _) | ("lifecycle", "any")).then_some(())
    }

    /// Passive customers stay on record but leave the default list: they come back when asked
    /// for (`include_passive`), filtered on (`lifecycle`) or archived (the subsidiaries tab lists
    /// them all).
    fn list_defaults(params: &[(String, String)], q: &mut ListQuery) {
        let set = |k: &str| params.iter().any(|(pk, v)| pk == k && !v.trim().is_empty());
        let on = |k: &str| {
            params
                .iter()
                .any(|(pk, v)| pk == k && matches!(v.trim(), "1" | "true" | "on" | "yes"))
        };
        if !set("lifecycle") && !on("include_passive") && !on("archived") {
            q.conds.push(("a.lifecycle <> 'passive'".into(), vec![]));
        }
    }
}

/// Accounts that look like the same customer: same VKN or TCKN, same phone or e-mail, same
/// company domain (e-mail or website; public mail providers never count), or a name that folds
/// (Turkish letters, legal-form words) to nearly the same key. Most certain matches first.
pub async fn find_duplicates<C: ConnectionTrait>(c: &C, v: &Values, except: Option<i64>) -> Result<Vec<Duplicate>> {
    let derived = domain::derived(v);
    let d = |k: &str| {
        derived
            .iter()
            .find(|x| x.0 == k)
            .map(|x| x.1.clone())
            .filter(|s| !s.is_empty())
    };
    let name_key = d("name_key").unwrap_or_default();
    let domain = d("email_domain").or(d("website_domain"));
    // Close names are looked for among keys sharing the first half of this one (4 to 10
    // letters): a short prefix like "kara" matches thousands of companies at 200k accounts
    // (measured: 46 ms on PostgreSQL), half the key a handful. A typo in the first half is
    // missed; identical keys and every identifier are still found.
    let key_len = name_key.chars().count();
    let prefix: String = name_key.chars().take((key_len / 2).clamp(4, 10)).collect();
    let owned = |k: &str| text(v, k).map(str::to_string);
    let probe = Probe {
        tax_number: owned("tax_number"),
        national_id: owned("national_id"),
        phone: owned("phone"),
        email: owned("email"),
        domain: domain.clone(),
        name_key: (!name_key.is_empty()).then(|| name_key.clone()),
        name_prefix: (prefix.chars().count() >= 3).then_some(prefix),
    };
    let rows = store::candidates(c, &probe, except).await?;
    let mut out: Vec<(u8, Duplicate)> = Vec::new();
    for r in rows {
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        let (rank, field) = if same(&probe.tax_number, &r.tax_number) {
            (0, "tax_number")
        } else if same(&probe.national_id, &r.national_id) {
            (0, "national_id")
        } else if same(&probe.phone, &r.phone) {
            (1, "phone")
        } else if same(&probe.email, &r.email) {
            (1, "email")
        } else if domain.is_some() && (r.email_domain == domain || r.website_domain == domain) {
            (2, "domain")
        } else if !name_key.is_empty() && name_key == r.name_key {
            (3, "name")
        } else if names_close(&name_key, &r.name_key) {
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

/// [`find_duplicates`] limited to the accounts the actor may see (and so open, attach to, merge).
/// Reads through `c` only (it may be a guarded transaction).
pub async fn visible_duplicates<C: ConnectionTrait>(
    c: &C,
    actor: &Actor,
    v: &Values,
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

/// The direct subsidiaries of an account the actor may see (by name), and the group's totals
/// over every level below (count and summed annual revenue, including ones owned by others: a
/// holding's size is a fact about the holding).
pub async fn subsidiaries(app: &App, actor: &Actor, id: i64) -> Result<(Vec<Record>, RollupRow)> {
    records::get::<Accounts>(app, actor, id).await?;
    let c = &app.db.conn;
    let defs = records::defs(app, &domain::KIND).await?;
    let q = ListQuery {
        conds: vec![("a.parent_id = ?".into(), vec![id.into()])],
        sort: Some("a.sort_name".into()),
        limit: 200,
        ..Default::default()
    };
    let page = records::list_kind(app, actor, &domain::KIND, &defs, &q).await?;
    let totals = store::rollup(c, id).await?;
    Ok((page.records, totals))
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

fn row_values(r: &AddressRow) -> AddressValues {
    AddressValues {
        kind: r.kind.clone(),
        line: r.line.clone(),
        country: r.country.clone(),
        city: r.city.clone(),
        district: r.district.clone(),
        postal_code: r.postal_code.clone(),
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

async fn for_edit(app: &App, actor: &Actor, account_id: i64) -> Result<Record> {
    records::load_for(app, actor, &domain::KIND, account_id, Action::Edit).await
}

pub async fn addresses(app: &App, actor: &Actor, account_id: i64) -> Result<Vec<AddressRow>> {
    records::get::<Accounts>(app, actor, account_id).await?;
    Ok(store::addresses_of(&app.db.conn, account_id).await?)
}

/// Adds an address to an account (an edit of the account: it shows in its history).
pub async fn add_address(app: &App, actor: &Actor, account_id: i64, draft: &AddressDraft) -> Result<i64> {
    let c = &app.db.conn;
    for_edit(app, actor, account_id).await?;
    let v = address_values(&draft.validate()?);
    let now = now_ms();
    let txn = c.begin().await?;
    let id = store::insert_address(&txn, account_id, &v, actor.author(), now).await?;
    let change = Change::new("address", None, Some(address_text(&v)));
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
    for_edit(app, actor, account_id).await?;
    let old = own_address(c, account_id, id).await?;
    if old.version != version {
        return Err(AppError::Conflict {
            current_version: old.version,
        });
    }
    let v = address_values(&draft.validate()?);
    let old_v = row_values(&old);
    if old_v == v {
        return Ok(());
    }
    let now = now_ms();
    let txn = c.begin().await?;
    store::update_address(&txn, id, version, &v, now)
        .await
        .map_err(|e| conflict(e, old.version))?;
    let change = Change::new("address", Some(address_text(&old_v)), Some(address_text(&v)));
    audit::write(&txn, ENTITY, account_id, actor.author(), now, &[change]).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn delete_address(app: &App, actor: &Actor, account_id: i64, id: i64) -> Result<()> {
    let c = &app.db.conn;
    for_edit(app, actor, account_id).await?;
    let old = own_address(c, account_id, id).await?;
    let now = now_ms();
    let txn = c.begin().await?;
    store::delete_address(&txn, id).await?;
    let change = Change::new("address", Some(address_text(&row_values(&old))), None);
    audit::write(&txn, ENTITY, account_id, actor.author(), now, &[change]).await?;
    txn.commit().await?;
    Ok(())
}
