//! What accounts (customers) need beyond the record kit's store: their addresses, duplicate
//! candidates, the parent/subsidiary tree and the group's totals.

use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use crate::db::{self, Result, StoreError};

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
