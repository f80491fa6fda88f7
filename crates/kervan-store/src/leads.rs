//! Leads: rows, writes, and the one list query that serves the list page, quick search,
//! global search and the API, always behind the caller's visibility filter.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};

use crate::db::{self, Result, StoreError};
use crate::listing::{self, PageQuery, Where};
pub use crate::listing::{Position, SortValue, Visibility};

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct LeadRow {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: String,
    pub source_detail: Option<String>,
    pub campaign: Option<String>,
    pub product_interest: Option<String>,
    pub status: String,
    pub lost_reason: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub city: Option<String>,
    pub sector: Option<String>,
    pub notes: Option<String>,
    pub sort_name: String,
    pub archived_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: Option<i64>,
    pub version: i64,
    /// What the lead became (set by conversion).
    pub account_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub converted_at: Option<i64>,
}

const COLUMNS: &str =
    "l.id, l.first_name, l.last_name, l.company, l.title, l.email, l.phone, l.source, l.source_detail,
    l.campaign, l.product_interest, l.status, l.lost_reason, l.owner_id, u.name AS owner_name, l.city, l.sector,
    l.notes, l.sort_name, l.archived_at, l.created_at, l.updated_at, l.created_by, l.version, l.account_id, l.contact_id,
    l.converted_at";

/// The values written for a lead (already validated by the domain layer).
#[derive(Debug, Clone, PartialEq)]
pub struct LeadValues {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: String,
    pub source_detail: Option<String>,
    pub campaign: Option<String>,
    pub product_interest: Option<String>,
    pub status: String,
    pub lost_reason: Option<String>,
    pub owner_id: Option<i64>,
    pub city: Option<String>,
    pub sector: Option<String>,
    pub notes: Option<String>,
    pub sort_name: String,
    pub search_key: String,
}

impl LeadValues {
    fn values(&self) -> Vec<Value> {
        vec![
            self.first_name.clone().into(),
            self.last_name.clone().into(),
            self.company.clone().into(),
            self.title.clone().into(),
            self.email.clone().into(),
            self.phone.clone().into(),
            self.source.clone().into(),
            self.source_detail.clone().into(),
            self.campaign.clone().into(),
            self.product_interest.clone().into(),
            self.status.clone().into(),
            self.lost_reason.clone().into(),
            self.owner_id.into(),
            self.city.clone().into(),
            self.sector.clone().into(),
            self.notes.clone().into(),
            self.sort_name.clone().into(),
            self.search_key.clone().into(),
        ]
    }
}

pub const INSERT_COLUMNS: &str = "first_name, last_name, company, title, email, phone, source, source_detail, campaign,
    product_interest, status, lost_reason, owner_id, city, sector, notes, sort_name, search_key,
    created_at, updated_at, created_by";

pub async fn insert<C: ConnectionTrait>(c: &C, v: &LeadValues, by: Option<i64>, now: i64) -> Result<i64> {
    let mut values = v.values();
    values.extend([now.into(), now.into(), by.into()]);
    db::insert_id(
        c,
        &format!("INSERT INTO leads ({INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        values,
    )
    .await
}

/// Writes new values if the row is still at `version`; a stale version is a conflict.
pub async fn update<C: ConnectionTrait>(c: &C, id: i64, version: i64, v: &LeadValues, now: i64) -> Result<()> {
    let mut values = v.values();
    values.extend([now.into(), id.into(), version.into()]);
    let n = db::exec(
        c,
        "UPDATE leads SET first_name = ?, last_name = ?, company = ?, title = ?, email = ?, phone = ?, source = ?,
            source_detail = ?, campaign = ?, product_interest = ?, status = ?, lost_reason = ?, owner_id = ?, city = ?,
            sector = ?, notes = ?, sort_name = ?, search_key = ?, updated_at = ?, version = version + 1
         WHERE id = ? AND version = ?",
        values,
    )
    .await?;
    if n == 0 { Err(StoreError::Conflict) } else { Ok(()) }
}

pub async fn set_archived<C: ConnectionTrait>(c: &C, id: i64, version: i64, at: Option<i64>, now: i64) -> Result<()> {
    listing::set_archived(c, "leads", id, version, at, now).await
}

/// Marks the lead converted into `account_id` / `contact_id` if still at `version`.
pub async fn mark_converted<C: ConnectionTrait>(
    c: &C,
    id: i64,
    version: i64,
    account_id: i64,
    contact_id: Option<i64>,
    now: i64,
) -> Result<()> {
    let n = db::exec(
        c,
        "UPDATE leads SET status = 'converted', account_id = ?, contact_id = ?, converted_at = ?, updated_at = ?,
            version = version + 1 WHERE id = ? AND version = ?",
        vec![
            account_id.into(),
            contact_id.into(),
            now.into(),
            now.into(),
            id.into(),
            version.into(),
        ],
    )
    .await?;
    if n == 0 { Err(StoreError::Conflict) } else { Ok(()) }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct ConversionRow {
    pub source: String,
    pub leads: i64,
    pub converted: i64,
}

/// Leads created in `[from, to)` by source, and how many of them became customers.
pub async fn conversion_by_source<C: ConnectionTrait>(c: &C, from: i64, to: i64) -> Result<Vec<ConversionRow>> {
    db::all(
        c,
        "SELECT source, COUNT(*) AS leads, SUM(CASE WHEN converted_at IS NOT NULL THEN 1 ELSE 0 END) AS converted
         FROM leads WHERE created_at >= ? AND created_at < ? GROUP BY source ORDER BY leads DESC, source",
        vec![from.into(), to.into()],
    )
    .await
}

pub async fn delete<C: ConnectionTrait>(c: &C, id: i64) -> Result<()> {
    db::exec(c, "DELETE FROM lead_tags WHERE lead_id = ?", vec![id.into()]).await?;
    // The customer a lead became outlives the lead; only the back link goes.
    db::exec(
        c,
        "UPDATE accounts SET lead_id = NULL WHERE lead_id = ?",
        vec![id.into()],
    )
    .await?;
    db::exec(
        c,
        "UPDATE contacts SET lead_id = NULL WHERE lead_id = ?",
        vec![id.into()],
    )
    .await?;
    db::exec(c, "DELETE FROM leads WHERE id = ?", vec![id.into()]).await?;
    Ok(())
}

pub async fn get<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<LeadRow>> {
    db::one(
        c,
        &format!("SELECT {COLUMNS} FROM leads l LEFT JOIN users u ON u.id = l.owner_id WHERE l.id = ?"),
        vec![id.into()],
    )
    .await
}

pub async fn set_tags<C: ConnectionTrait>(c: &C, id: i64, tags: &[(String, String)]) -> Result<()> {
    listing::set_tags(c, "lead_tags", "lead_id", id, tags).await
}

/// Tags of several leads at once, in one query: `(lead_id, tag)` sorted by lead then tag.
pub async fn tags_of<C: ConnectionTrait>(c: &C, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    listing::tags_of(c, "lead_tags", "lead_id", ids).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Created,
    Updated,
    Name,
}

impl SortKey {
    /// The sort column; `None` is the order of entry. Newest first is the order of entry: ids are
    /// handed out as leads are created and `created_at` is never written afterwards, so the two
    /// orders agree, and the id is in every index (and drives the full-text index), which keeps
    /// filtered lists and searches at a few index steps however many rows match.
    fn column(self) -> Option<&'static str> {
        match self {
            SortKey::Created => None,
            SortKey::Updated => Some("l.updated_at"),
            SortKey::Name => Some("l.sort_name"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct LeadQuery {
    /// Folded search terms (all must match).
    pub terms: Vec<String>,
    /// The query read as a phone number, E.164.
    pub phone: Option<String>,
    pub status: Option<String>,
    /// Only open leads (not converted, not lost).
    pub open_only: bool,
    pub source: Option<String>,
    pub owner_id: Option<i64>,
    pub tag_key: Option<String>,
    pub city: Option<String>,
    pub sector: Option<String>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub archived: bool,
    pub sort: SortKey,
    pub desc: bool,
    pub after: Option<Position>,
    pub before: Option<Position>,
    pub limit: u64,
}

fn search_clause(backend: DbBackend, q: &LeadQuery, w: &mut Where) {
    if let Some(phone) = &q.phone {
        w.push("l.phone = ?", vec![phone.clone().into()]);
        return;
    }
    listing::search_terms(w, backend == DbBackend::Sqlite, "l", "leads_fts", &q.terms);
}

fn where_for(backend: DbBackend, q: &LeadQuery, vis: Visibility) -> Where {
    let mut w = Where::default();
    vis.clause(&mut w, "l.owner_id");
    if q.archived {
        w.push("l.archived_at IS NOT NULL", vec![]);
    } else {
        w.push("l.archived_at IS NULL", vec![]);
    }
    search_clause(backend, q, &mut w);
    if let Some(s) = &q.status {
        w.push("l.status = ?", vec![s.clone().into()]);
    } else if q.open_only {
        w.push("l.status NOT IN ('converted', 'lost')", vec![]);
    }
    if let Some(s) = &q.source {
        w.push("l.source = ?", vec![s.clone().into()]);
    }
    if let Some(o) = q.owner_id {
        w.push("l.owner_id = ?", vec![o.into()]);
    }
    if let Some(t) = &q.tag_key {
        w.push(
            "l.id IN (SELECT lead_id FROM lead_tags WHERE tag_key = ?)",
            vec![t.clone().into()],
        );
    }
    if let Some(c) = &q.city {
        w.push("l.city = ?", vec![c.clone().into()]);
    }
    if let Some(s) = &q.sector {
        w.push("l.sector = ?", vec![s.clone().into()]);
    }
    if let Some(f) = q.created_from {
        w.push("l.created_at >= ?", vec![f.into()]);
    }
    if let Some(t) = q.created_to {
        w.push("l.created_at < ?", vec![t.into()]);
    }
    w
}

pub type Page = listing::Page<LeadRow>;

/// One page of leads. Keyset pagination: `after`/`before` a position, never OFFSET, never COUNT.
pub async fn list<C: ConnectionTrait>(c: &C, q: &LeadQuery, vis: Visibility) -> Result<Page> {
    let w = where_for(c.get_database_backend(), q, vis);
    let pq = PageQuery {
        columns: COLUMNS,
        table: "leads l",
        alias: "l",
        joins: "LEFT JOIN users u ON u.id = l.owner_id",
        fts_table: "leads_fts",
        sort_col: q.sort.column(),
        desc: q.desc,
        after: q.after.as_ref(),
        before: q.before.as_ref(),
        limit: q.limit,
    };
    listing::page(c, pq, w).await
}

impl LeadRow {
    pub fn position(&self, sort: SortKey) -> Position {
        let value = match sort {
            SortKey::Created => SortValue::Int(self.id),
            SortKey::Updated => SortValue::Int(self.updated_at),
            SortKey::Name => SortValue::Text(self.sort_name.clone()),
        };
        Position { value, id: self.id }
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct DuplicateRow {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Leads (not archived) that share this phone or e-mail, other than `except`.
pub async fn duplicates<C: ConnectionTrait>(
    c: &C,
    phone: Option<&str>,
    email: Option<&str>,
    except: Option<i64>,
) -> Result<Vec<DuplicateRow>> {
    if phone.is_none() && email.is_none() {
        return Ok(vec![]);
    }
    let mut ors = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(p) = phone {
        ors.push("l.phone = ?");
        values.push(p.into());
    }
    if let Some(e) = email {
        ors.push("l.email = ?");
        values.push(e.into());
    }
    values.push(except.unwrap_or(0).into());
    db::all(
        c,
        &format!(
            "SELECT l.id, l.first_name, l.last_name, l.company, l.owner_id, u.name AS owner_name, l.phone, l.email
             FROM leads l LEFT JOIN users u ON u.id = l.owner_id
             WHERE ({}) AND l.id <> ? AND l.archived_at IS NULL ORDER BY l.id LIMIT 5",
            ors.join(" OR ")
        ),
        values,
    )
    .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct SourceCount {
    pub source: String,
    pub n: i64,
}

/// Open, not archived leads owned by the user.
pub async fn count_open_owned<C: ConnectionTrait>(c: &C, owner_id: i64) -> Result<i64> {
    Ok(db::scalar_i64(
        c,
        "SELECT COUNT(*) FROM leads WHERE owner_id = ? AND archived_at IS NULL AND status IN ('new', 'contacted', 'info_sent', 'quoted')",
        vec![owner_id.into()],
    )
    .await?
    .unwrap_or(0))
}

/// New leads of the user since `since`, by source, most first.
pub async fn new_by_source<C: ConnectionTrait>(c: &C, owner_id: i64, since: i64) -> Result<Vec<SourceCount>> {
    db::all(
        c,
        "SELECT source, COUNT(*) AS n FROM leads WHERE owner_id = ? AND created_at >= ? AND archived_at IS NULL
         GROUP BY source ORDER BY n DESC, source",
        vec![owner_id.into(), since.into()],
    )
    .await
}

/// Distinct values of a text column for filter menus (cities, sectors), from a bounded sample
/// of recent leads so the menu costs the same at a million rows.
pub async fn recent_values<C: ConnectionTrait>(c: &C, column: &str, limit: u64) -> Result<Vec<String>> {
    #[derive(FromQueryResult)]
    struct V {
        v: String,
    }
    let col = match column {
        "city" => "city",
        "sector" => "sector",
        _ => return Err(StoreError::Invalid(format!("no such column: {column}"))),
    };
    let rows: Vec<V> = db::all(
        c,
        &format!(
            "SELECT DISTINCT v FROM (SELECT {col} AS v FROM leads WHERE {col} IS NOT NULL ORDER BY id DESC LIMIT 5000) s
             ORDER BY v LIMIT ?"
        ),
        vec![(limit as i64).into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.v).collect())
}

pub async fn count_all<C: ConnectionTrait>(c: &C) -> Result<i64> {
    Ok(db::scalar_i64(c, "SELECT COUNT(*) FROM leads", vec![])
        .await?
        .unwrap_or(0))
}
