//! Accounts (customers) and their addresses: rows, writes, the keyset list behind the visibility
//! filter, duplicate candidates and the parent/subsidiary tree.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};

use crate::db::{self, Result, StoreError};
use crate::listing::{self, Page, PageQuery, Position, SortValue, Visibility, Where};

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct AccountRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub tax_office: Option<String>,
    pub tax_number: Option<String>,
    pub national_id: Option<String>,
    pub sector: Option<String>,
    pub customer_class: Option<String>,
    pub segment: Option<String>,
    pub potential: Option<String>,
    pub annual_revenue: Option<i64>,
    pub lifecycle: String,
    pub parent_id: Option<i64>,
    pub parent_name: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub lead_id: Option<i64>,
    pub sort_name: String,
    pub last_contact_at: Option<i64>,
    pub archived_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: Option<i64>,
    pub version: i64,
}

const COLUMNS: &str = "a.id, a.kind, a.name, a.tax_office, a.tax_number, a.national_id, a.sector, a.customer_class,
    a.segment, a.potential, a.annual_revenue, a.lifecycle, a.parent_id, p.name AS parent_name, a.owner_id,
    u.name AS owner_name, a.region, a.country, a.city, a.district, a.website, a.phone, a.email, a.notes, a.lead_id,
    a.sort_name, a.last_contact_at, a.archived_at, a.created_at, a.updated_at, a.created_by, a.version";

const JOINS: &str = "LEFT JOIN users u ON u.id = a.owner_id LEFT JOIN accounts p ON p.id = a.parent_id";

/// The values written for an account (already validated by the domain layer).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountValues {
    pub kind: String,
    pub name: String,
    pub tax_office: Option<String>,
    pub tax_number: Option<String>,
    pub national_id: Option<String>,
    pub sector: Option<String>,
    pub customer_class: Option<String>,
    pub segment: Option<String>,
    pub potential: Option<String>,
    pub annual_revenue: Option<i64>,
    pub lifecycle: String,
    pub parent_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub email_domain: Option<String>,
    pub website_domain: Option<String>,
    pub name_key: String,
    pub sort_name: String,
    pub search_key: String,
}

/// The written columns, in the order of `values()`.
pub const WRITE_COLUMNS: &[&str] = &[
    "kind",
    "name",
    "tax_office",
    "tax_number",
    "national_id",
    "sector",
    "customer_class",
    "segment",
    "potential",
    "annual_revenue",
    "lifecycle",
    "parent_id",
    "owner_id",
    "region",
    "country",
    "city",
    "district",
    "website",
    "phone",
    "email",
    "notes",
    "email_domain",
    "website_domain",
    "name_key",
    "sort_name",
    "search_key",
];

impl AccountValues {
    /// The values in the order of [`WRITE_COLUMNS`].
    pub fn values(&self) -> Vec<Value> {
        vec![
            self.kind.clone().into(),
            self.name.clone().into(),
            self.tax_office.clone().into(),
            self.tax_number.clone().into(),
            self.national_id.clone().into(),
            self.sector.clone().into(),
            self.customer_class.clone().into(),
            self.segment.clone().into(),
            self.potential.clone().into(),
            self.annual_revenue.into(),
            self.lifecycle.clone().into(),
            self.parent_id.into(),
            self.owner_id.into(),
            self.region.clone().into(),
            self.country.clone().into(),
            self.city.clone().into(),
            self.district.clone().into(),
            self.website.clone().into(),
            self.phone.clone().into(),
            self.email.clone().into(),
            self.notes.clone().into(),
            self.email_domain.clone().into(),
            self.website_domain.clone().into(),
            self.name_key.clone().into(),
            self.sort_name.clone().into(),
            self.search_key.clone().into(),
        ]
    }
}

pub async fn insert<C: ConnectionTrait>(
    c: &C,
    v: &AccountValues,
    lead_id: Option<i64>,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    listing::insert_record(c, "accounts", WRITE_COLUMNS, v.values(), lead_id, by, now).await
}

/// Writes new values if the row is still at `version`; a stale version is a conflict.
pub async fn update<C: ConnectionTrait>(c: &C, id: i64, version: i64, v: &AccountValues, now: i64) -> Result<()> {
    listing::update_record(c, "accounts", WRITE_COLUMNS, v.values(), id, version, now).await
}

pub async fn set_archived<C: ConnectionTrait>(c: &C, id: i64, version: i64, at: Option<i64>, now: i64) -> Result<()> {
    listing::set_archived(c, "accounts", id, version, at, now).await
}

/// Bumps the version and `updated_at` (a change made elsewhere, e.g. a merge moved rows here).
pub async fn touch<C: ConnectionTrait>(c: &C, id: i64, now: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE accounts SET updated_at = ?, version = version + 1 WHERE id = ?",
        vec![now.into(), id.into()],
    )
    .await?;
    Ok(())
}

pub async fn get<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<AccountRow>> {
    db::one(
        c,
        &format!("SELECT {COLUMNS} FROM accounts a {JOINS} WHERE a.id = ?"),
        vec![id.into()],
    )
    .await
}

pub async fn set_tags<C: ConnectionTrait>(c: &C, id: i64, tags: &[(String, String)]) -> Result<()> {
    listing::set_tags(c, "account_tags", "account_id", id, tags).await
}

pub async fn tags_of<C: ConnectionTrait>(c: &C, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    listing::tags_of(c, "account_tags", "account_id", ids).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Order of entry (the id), newest first by default.
    Created,
    Updated,
    #[default]
    Name,
}

impl SortKey {
    fn column(self) -> Option<&'static str> {
        match self {
            SortKey::Created => None,
            SortKey::Updated => Some("a.updated_at"),
            SortKey::Name => Some("a.sort_name"),
        }
    }
}

impl AccountRow {
    pub fn position(&self, sort: SortKey) -> Position {
        let value = match sort {
            SortKey::Created => SortValue::Int(self.id),
            SortKey::Updated => SortValue::Int(self.updated_at),
            SortKey::Name => SortValue::Text(self.sort_name.clone()),
        };
        Position { value, id: self.id }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    /// Folded search terms (all must match).
    pub terms: Vec<String>,
    /// The query read as a phone number, E.164.
    pub phone: Option<String>,
    pub kind: Option<String>,
    pub lifecycle: Option<String>,
    /// Show passive accounts too (they are left out unless asked for or filtered on).
    pub include_passive: bool,
    pub potential: Option<String>,
    pub segment: Option<String>,
    pub customer_class: Option<String>,
    pub owner_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub tag_key: Option<String>,
    pub city: Option<String>,
    pub sector: Option<String>,
    pub archived: bool,
    pub sort: SortKey,
    pub desc: bool,
    pub after: Option<Position>,
    pub before: Option<Position>,
    pub limit: u64,
}

fn where_for(backend: DbBackend, q: &AccountQuery, vis: Visibility) -> Where {
    let mut w = Where::default();
    vis.clause(&mut w, "a.owner_id");
    w.push(
        if q.archived {
            "a.archived_at IS NOT NULL"
        } else {
            "a.archived_at IS NULL"
        },
        vec![],
    );
    if let Some(phone) = &q.phone {
        w.push("a.phone = ?", vec![phone.clone().into()]);
    } else {
        listing::search_terms(&mut w, backend == DbBackend::Sqlite, "a", "accounts_fts", &q.terms);
    }
    match &q.lifecycle {
        Some(l) => w.push("a.lifecycle = ?", vec![l.clone().into()]),
        // Passive customers stay on record but out of the working lists.
        None if !q.include_passive => w.push("a.lifecycle <> 'passive'", vec![]),
        None => {}
    }
    let eq = [
        ("a.kind", &q.kind),
        ("a.potential", &q.potential),
        ("a.segment", &q.segment),
        ("a.customer_class", &q.customer_class),
        ("a.city", &q.city),
        ("a.sector", &q.sector),
    ];
    for (col, v) in eq {
        if let Some(v) = v {
            w.push(&format!("{col} = ?"), vec![v.clone().into()]);
        }
    }
    if let Some(o) = q.owner_id {
        w.push("a.owner_id = ?", vec![o.into()]);
    }
    if let Some(p) = q.parent_id {
        w.push("a.parent_id = ?", vec![p.into()]);
    }
    if let Some(t) = &q.tag_key {
        w.push(
            "a.id IN (SELECT account_id FROM account_tags WHERE tag_key = ?)",
            vec![t.clone().into()],
        );
    }
    w
}

/// One page of accounts (keyset; never OFFSET, never COUNT).
pub async fn list<C: ConnectionTrait>(c: &C, q: &AccountQuery, vis: Visibility) -> Result<Page<AccountRow>> {
    let w = where_for(c.get_database_backend(), q, vis);
    let pq = PageQuery {
        columns: COLUMNS,
        table: "accounts a",
        alias: "a",
        joins: JOINS,
        fts_table: "accounts_fts",
        sort_col: q.sort.column(),
        desc: q.desc,
        after: q.after.as_ref(),
        before: q.before.as_ref(),
        limit: q.limit,
    };
    listing::page(c, pq, w).await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct CandidateRow {
    pub id: i64,
    pub name: String,
    pub city: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub tax_number: Option<String>,
    pub national_id: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub email_domain: Option<String>,
    pub website_domain: Option<String>,
    pub name_key: String,
}

/// What an account is compared on when looking for duplicates.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    pub tax_number: Option<String>,
    pub national_id: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// A company domain (from the e-mail or the website).
    pub domain: Option<String>,
    /// The whole name key: equal names are found however many share their first letters.
    pub name_key: Option<String>,
    /// Leading part of the name key, to fetch close names by prefix.
    pub name_prefix: Option<String>,
}

/// Accounts (not archived) that share an identifier, a company domain or the start of the name
/// key, other than `except`. The caller decides which are close enough.
pub async fn candidates<C: ConnectionTrait>(c: &C, p: &Probe, except: Option<i64>) -> Result<Vec<CandidateRow>> {
    const SELECT: &str = "SELECT a.id, a.name, a.city, a.owner_id, u.name AS owner_name, a.tax_number, a.national_id,
        a.phone, a.email, a.email_domain, a.website_domain, a.name_key
        FROM accounts a LEFT JOIN users u ON u.id = a.owner_id";
    let except = except.unwrap_or(0);
    let mut ors = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    for (col, v) in [
        ("tax_number", &p.tax_number),
        ("national_id", &p.national_id),
        ("phone", &p.phone),
        ("email", &p.email),
        ("email_domain", &p.domain),
        ("website_domain", &p.domain),
        ("name_key", &p.name_key),
    ] {
        if let Some(v) = v {
            ors.push(format!("a.{col} = ?"));
            values.push(v.clone().into());
        }
    }
    // Exact matches in a query of their own: in one shared LIMIT, hundreds of names starting
    // like this one ("Anadolu …") would crowd out the account with the same tax number.
    let mut out: Vec<CandidateRow> = Vec::new();
    if !ors.is_empty() {
        values.push(except.into());
        out = db::all(
            c,
            &format!(
                "{SELECT} WHERE ({}) AND a.id <> ? AND a.archived_at IS NULL ORDER BY a.id LIMIT 100",
                ors.join(" OR ")
            ),
            values,
        )
        .await?;
    }
    if let Some(prefix) = &p.name_prefix {
        // A range on the name key index: the same first letters (close names share them), read
        // in index order so no sort of every match is needed.
        let close: Vec<CandidateRow> = db::all(
            c,
            &format!(
                "{SELECT} WHERE a.name_key >= ? AND a.name_key < ? AND a.id <> ? AND a.archived_at IS NULL
                 ORDER BY a.name_key, a.id LIMIT 200"
            ),
            vec![
                prefix.clone().into(),
                format!("{prefix}\u{10FFFF}").into(),
                except.into(),
            ],
        )
        .await?;
        for r in close {
            if !out.iter().any(|x| x.id == r.id) {
                out.push(r);
            }
        }
    }
    Ok(out)
}

/// The chain of parents above `id` (nearest first), to refuse a parent that would make a loop.
pub async fn ancestors<C: ConnectionTrait>(c: &C, id: i64) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    let mut at = id;
    // Bounded: a corrupt loop in old data must not hang a request.
    for _ in 0..64 {
        let parent = db::scalar_i64(c, "SELECT parent_id FROM accounts WHERE id = ?", vec![at.into()]).await?;
        match parent {
            Some(p) if !out.contains(&p) => {
                out.push(p);
                at = p;
            }
            _ => break,
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct RollupRow {
    pub n: i64,
    pub revenue: Option<i64>,
}

/// Every subsidiary below an account (their subsidiaries too, at any depth) and their summed
/// annual revenue, for the group's totals on the parent.
pub async fn rollup<C: ConnectionTrait>(c: &C, parent_id: i64) -> Result<RollupRow> {
    let r: Option<RollupRow> = db::one(
        c,
        // UNION (not UNION ALL) stops at rows already seen, so a parent loop in old data ends.
        // PostgreSQL sums BIGINT into NUMERIC, which does not read back as i64: cast it.
        "WITH RECURSIVE tree(id) AS (
             SELECT id FROM accounts WHERE parent_id = ? AND archived_at IS NULL
             UNION
             SELECT a.id FROM accounts a JOIN tree t ON a.parent_id = t.id WHERE a.archived_at IS NULL
         )
         SELECT COUNT(*) AS n, CAST(SUM(annual_revenue) AS BIGINT) AS revenue FROM accounts
         WHERE id IN (SELECT id FROM tree) AND id <> ?",
        vec![parent_id.into(), parent_id.into()],
    )
    .await?;
    Ok(r.unwrap_or(RollupRow { n: 0, revenue: None }))
}

/// Records the last time someone talked to the customer (a conversion, later an activity).
pub async fn set_last_contact<C: ConnectionTrait>(c: &C, id: i64, at: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE accounts SET last_contact_at = ? WHERE id = ? AND (last_contact_at IS NULL OR last_contact_at < ?)",
        vec![at.into(), id.into(), at.into()],
    )
    .await?;
    Ok(())
}

/// The user's working customers (not archived, not passive), for the dashboard.
pub async fn count_owned<C: ConnectionTrait>(c: &C, owner_id: i64) -> Result<i64> {
    Ok(db::scalar_i64(
        c,
        "SELECT COUNT(*) FROM accounts WHERE owner_id = ? AND archived_at IS NULL AND lifecycle <> 'passive'",
        vec![owner_id.into()],
    )
    .await?
    .unwrap_or(0))
}

pub async fn count_all<C: ConnectionTrait>(c: &C) -> Result<i64> {
    Ok(db::scalar_i64(c, "SELECT COUNT(*) FROM accounts", vec![])
        .await?
        .unwrap_or(0))
}

// ---- addresses ----

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct AddressRow {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub line: String,
    pub country: String,
    pub city: String,
    pub district: Option<String>,
    pub postal_code: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AddressValues {
    pub kind: String,
    pub line: String,
    pub country: String,
    pub city: String,
    pub district: Option<String>,
    pub postal_code: Option<String>,
}

impl AddressValues {
    fn values(&self) -> Vec<Value> {
        vec![
            self.kind.clone().into(),
            self.line.clone().into(),
            self.country.clone().into(),
            self.city.clone().into(),
            self.district.clone().into(),
            self.postal_code.clone().into(),
        ]
    }
}

pub async fn addresses_of<C: ConnectionTrait>(c: &C, account_id: i64) -> Result<Vec<AddressRow>> {
    db::all(
        c,
        "SELECT id, account_id, kind, line, country, city, district, postal_code, created_at, updated_at, version
         FROM addresses WHERE account_id = ? ORDER BY kind, id",
        vec![account_id.into()],
    )
    .await
}

pub async fn address<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<AddressRow>> {
    db::one(
        c,
        "SELECT id, account_id, kind, line, country, city, district, postal_code, created_at, updated_at, version
         FROM addresses WHERE id = ?",
        vec![id.into()],
    )
    .await
}

pub async fn insert_address<C: ConnectionTrait>(
    c: &C,
    account_id: i64,
    v: &AddressValues,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let mut values = vec![account_id.into()];
    values.extend(v.values());
    values.extend([now.into(), now.into(), by.into()]);
    db::insert_id(
        c,
        "INSERT INTO addresses (account_id, kind, line, country, city, district, postal_code, created_at, updated_at,
            created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    .await
}

pub async fn update_address<C: ConnectionTrait>(
    c: &C,
    id: i64,
    version: i64,
    v: &AddressValues,
    now: i64,
) -> Result<()> {
    let mut values = v.values();
    values.extend([now.into(), id.into(), version.into()]);
    let n = db::exec(
        c,
        "UPDATE addresses SET kind = ?, line = ?, country = ?, city = ?, district = ?, postal_code = ?, updated_at = ?,
            version = version + 1 WHERE id = ? AND version = ?",
        values,
    )
    .await?;
    if n == 0 { Err(StoreError::Conflict) } else { Ok(()) }
}

pub async fn delete_address<C: ConnectionTrait>(c: &C, id: i64) -> Result<()> {
    db::exec(c, "DELETE FROM addresses WHERE id = ?", vec![id.into()]).await?;
    Ok(())
}

/// Moves everything hanging off `from` to `to` (a merge): contacts, addresses, subsidiaries,
/// tags, leads and the history. Returns how many contacts and addresses moved.
pub async fn move_children<C: ConnectionTrait>(c: &C, from: i64, to: i64) -> Result<(u64, u64)> {
    let contacts = db::exec(
        c,
        "UPDATE contacts SET account_id = ? WHERE account_id = ?",
        vec![to.into(), from.into()],
    )
    .await?;
    let addresses = db::exec(
        c,
        "UPDATE addresses SET account_id = ? WHERE account_id = ?",
        vec![to.into(), from.into()],
    )
    .await?;
    db::exec(
        c,
        "UPDATE accounts SET parent_id = ? WHERE parent_id = ? AND id <> ?",
        vec![to.into(), from.into(), to.into()],
    )
    .await?;
    db::exec(
        c,
        "UPDATE leads SET account_id = ? WHERE account_id = ?",
        vec![to.into(), from.into()],
    )
    .await?;
    db::exec(
        c,
        "UPDATE audit_log SET entity_id = ? WHERE entity = 'account' AND entity_id = ?",
        vec![to.into(), from.into()],
    )
    .await?;
    // Tags the survivor lacks come over; the rest go with the merged account.
    db::exec(
        c,
        "INSERT INTO account_tags (account_id, tag, tag_key)
         SELECT ?, t.tag, t.tag_key FROM account_tags t WHERE t.account_id = ?
           AND NOT EXISTS (SELECT 1 FROM account_tags s WHERE s.account_id = ? AND s.tag_key = t.tag_key)",
        vec![to.into(), from.into(), to.into()],
    )
    .await?;
    db::exec(c, "DELETE FROM account_tags WHERE account_id = ?", vec![from.into()]).await?;
    Ok((contacts, addresses))
}

/// Deletes an account for good. What hung off it stays, unlinked: its contacts (then without a
/// company), its subsidiaries (without a parent), the leads converted into it. Its addresses and
/// tags go with it.
pub async fn delete<C: ConnectionTrait>(c: &C, id: i64) -> Result<()> {
    for sql in [
        "UPDATE contacts SET account_id = NULL WHERE account_id = ?",
        "UPDATE accounts SET parent_id = NULL WHERE parent_id = ?",
        "UPDATE leads SET account_id = NULL WHERE account_id = ?",
        "DELETE FROM addresses WHERE account_id = ?",
        "DELETE FROM account_tags WHERE account_id = ?",
        "DELETE FROM accounts WHERE id = ?",
    ] {
        db::exec(c, sql, vec![id.into()]).await?;
    }
    Ok(())
}
