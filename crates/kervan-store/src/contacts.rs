//! Contacts (ilgili kişiler): rows, writes, the keyset list behind the visibility filter,
//! the people of one account (for the card and the org chart) and duplicate candidates.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};

use crate::db::{self, Result};
use crate::listing::{self, Page, PageQuery, Position, SortValue, Visibility, Where};

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct ContactRow {
    pub id: i64,
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub extension: Option<String>,
    pub mobile: Option<String>,
    pub whatsapp: Option<String>,
    pub buying_role: Option<String>,
    pub influence: Option<String>,
    pub relationship: Option<String>,
    pub reports_to_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
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

const COLUMNS: &str = "c.id, c.account_id, a.name AS account_name, c.first_name, c.last_name, c.title, c.department,
    c.email, c.phone, c.extension, c.mobile, c.whatsapp, c.buying_role, c.influence, c.relationship, c.reports_to_id,
    c.owner_id, u.name AS owner_name, c.notes, c.lead_id, c.sort_name, c.last_contact_at, c.archived_at, c.created_at,
    c.updated_at, c.created_by, c.version";

const JOINS: &str = "LEFT JOIN users u ON u.id = c.owner_id LEFT JOIN accounts a ON a.id = c.account_id";

/// The values written for a contact (already validated by the domain layer).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactValues {
    pub account_id: Option<i64>,
    pub first_name: String,
    pub last_name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub extension: Option<String>,
    pub mobile: Option<String>,
    pub whatsapp: Option<String>,
    pub buying_role: Option<String>,
    pub influence: Option<String>,
    pub relationship: Option<String>,
    pub reports_to_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub notes: Option<String>,
    pub sort_name: String,
    pub search_key: String,
}

/// The written columns, in the order of `values()`.
pub const WRITE_COLUMNS: &[&str] = &[
    "account_id",
    "first_name",
    "last_name",
    "title",
    "department",
    "email",
    "phone",
    "extension",
    "mobile",
    "whatsapp",
    "buying_role",
    "influence",
    "relationship",
    "reports_to_id",
    "owner_id",
    "notes",
    "sort_name",
    "search_key",
];

impl ContactValues {
    /// The values in the order of [`WRITE_COLUMNS`].
    pub fn values(&self) -> Vec<Value> {
        vec![
            self.account_id.into(),
            self.first_name.clone().into(),
            self.last_name.clone().into(),
            self.title.clone().into(),
            self.department.clone().into(),
            self.email.clone().into(),
            self.phone.clone().into(),
            self.extension.clone().into(),
            self.mobile.clone().into(),
            self.whatsapp.clone().into(),
            self.buying_role.clone().into(),
            self.influence.clone().into(),
            self.relationship.clone().into(),
            self.reports_to_id.into(),
            self.owner_id.into(),
            self.notes.clone().into(),
            self.sort_name.clone().into(),
            self.search_key.clone().into(),
        ]
    }
}

pub async fn insert<C: ConnectionTrait>(
    c: &C,
    v: &ContactValues,
    lead_id: Option<i64>,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    listing::insert_record(c, "contacts", WRITE_COLUMNS, v.values(), lead_id, by, now).await
}

/// Writes new values if the row is still at `version`; a stale version is a conflict.
pub async fn update<C: ConnectionTrait>(c: &C, id: i64, version: i64, v: &ContactValues, now: i64) -> Result<()> {
    listing::update_record(c, "contacts", WRITE_COLUMNS, v.values(), id, version, now).await
}

pub async fn set_archived<C: ConnectionTrait>(c: &C, id: i64, version: i64, at: Option<i64>, now: i64) -> Result<()> {
    listing::set_archived(c, "contacts", id, version, at, now).await
}

pub async fn get<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<ContactRow>> {
    db::one(
        c,
        &format!("SELECT {COLUMNS} FROM contacts c {JOINS} WHERE c.id = ?"),
        vec![id.into()],
    )
    .await
}

pub async fn set_tags<C: ConnectionTrait>(c: &C, id: i64, tags: &[(String, String)]) -> Result<()> {
    listing::set_tags(c, "contact_tags", "contact_id", id, tags).await
}

pub async fn tags_of<C: ConnectionTrait>(c: &C, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    listing::tags_of(c, "contact_tags", "contact_id", ids).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Order of entry (the id).
    Created,
    Updated,
    #[default]
    Name,
}

impl SortKey {
    fn column(self) -> Option<&'static str> {
        match self {
            SortKey::Created => None,
            SortKey::Updated => Some("c.updated_at"),
            SortKey::Name => Some("c.sort_name"),
        }
    }
}

impl ContactRow {
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
pub struct ContactQuery {
    pub terms: Vec<String>,
    /// The query read as a phone number, E.164: matches phone, mobile or WhatsApp.
    pub phone: Option<String>,
    pub account_id: Option<i64>,
    pub buying_role: Option<String>,
    pub owner_id: Option<i64>,
    pub tag_key: Option<String>,
    pub archived: bool,
    pub sort: SortKey,
    pub desc: bool,
    pub after: Option<Position>,
    pub before: Option<Position>,
    pub limit: u64,
}

fn where_for(backend: DbBackend, q: &ContactQuery, vis: Visibility) -> Where {
    let mut w = Where::default();
    vis.clause(&mut w, "c.owner_id");
    w.push(
        if q.archived {
            "c.archived_at IS NOT NULL"
        } else {
            "c.archived_at IS NULL"
        },
        vec![],
    );
    if let Some(p) = &q.phone {
        w.push(
            "(c.phone = ? OR c.mobile = ? OR c.whatsapp = ?)",
            vec![p.clone().into(), p.clone().into(), p.clone().into()],
        );
    } else {
        listing::search_terms(&mut w, backend == DbBackend::Sqlite, "c", "contacts_fts", &q.terms);
    }
    if let Some(a) = q.account_id {
        w.push("c.account_id = ?", vec![a.into()]);
    }
    if let Some(r) = &q.buying_role {
        w.push("c.buying_role = ?", vec![r.clone().into()]);
    }
    if let Some(o) = q.owner_id {
        w.push("c.owner_id = ?", vec![o.into()]);
    }
    if let Some(t) = &q.tag_key {
        w.push(
            "c.id IN (SELECT contact_id FROM contact_tags WHERE tag_key = ?)",
            vec![t.clone().into()],
        );
    }
    w
}

/// One page of contacts (keyset; never OFFSET, never COUNT).
pub async fn list<C: ConnectionTrait>(c: &C, q: &ContactQuery, vis: Visibility) -> Result<Page<ContactRow>> {
    let w = where_for(c.get_database_backend(), q, vis);
    let pq = PageQuery {
        columns: COLUMNS,
        table: "contacts c",
        alias: "c",
        joins: JOINS,
        fts_table: "contacts_fts",
        sort_col: q.sort.column(),
        desc: q.desc,
        after: q.after.as_ref(),
        before: q.before.as_ref(),
        limit: q.limit,
    };
    listing::page(c, pq, w).await
}

/// All current people of one account (the card and the org chart), by name; bounded.
pub async fn of_account<C: ConnectionTrait>(c: &C, account_id: i64, vis: Visibility) -> Result<Vec<ContactRow>> {
    let mut w = Where::default();
    vis.clause(&mut w, "c.owner_id");
    w.push("c.account_id = ?", vec![account_id.into()]);
    w.push("c.archived_at IS NULL", vec![]);
    let mut values = w.values.clone();
    values.push(500i64.into());
    db::all(
        c,
        &format!(
            "SELECT {COLUMNS} FROM contacts c {JOINS} {} ORDER BY c.sort_name, c.id LIMIT ?",
            w.sql()
        ),
        values,
    )
    .await
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct DuplicateRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub account_name: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// Contacts (not archived) sharing a phone (any of the three numbers) or the e-mail.
pub async fn duplicates<C: ConnectionTrait>(
    c: &C,
    phones: &[String],
    email: Option<&str>,
    except: Option<i64>,
) -> Result<Vec<DuplicateRow>> {
    let mut ors = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    for p in phones {
        ors.push("c.phone = ? OR c.mobile = ? OR c.whatsapp = ?");
        values.extend([p.clone().into(), p.clone().into(), p.clone().into()]);
    }
    if let Some(e) = email {
        ors.push("c.email = ?");
        values.push(e.into());
    }
    if ors.is_empty() {
        return Ok(vec![]);
    }
    values.push(except.unwrap_or(0).into());
    db::all(
        c,
        &format!(
            "SELECT c.id, c.first_name, c.last_name, a.name AS account_name, c.owner_id, u.name AS owner_name, c.phone, c.mobile,
                    c.email
             FROM contacts c {JOINS}
             WHERE ({}) AND c.id <> ? AND c.archived_at IS NULL ORDER BY c.id LIMIT 5",
            ors.join(" OR ")
        ),
        values,
    )
    .await
}

/// The managers above `id` (nearest first), to refuse a reports-to that would make a loop.
pub async fn managers<C: ConnectionTrait>(c: &C, id: i64) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    let mut at = id;
    for _ in 0..64 {
        let up = db::scalar_i64(c, "SELECT reports_to_id FROM contacts WHERE id = ?", vec![at.into()]).await?;
        match up {
            Some(p) if !out.contains(&p) => {
                out.push(p);
                at = p;
            }
            _ => break,
        }
    }
    Ok(out)
}

/// Moves everything hanging off contact `from` to `to` (a merge).
pub async fn move_children<C: ConnectionTrait>(c: &C, from: i64, to: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE contacts SET reports_to_id = ? WHERE reports_to_id = ? AND id <> ?",
        vec![to.into(), from.into(), to.into()],
    )
    .await?;
    db::exec(
        c,
        "UPDATE leads SET contact_id = ? WHERE contact_id = ?",
        vec![to.into(), from.into()],
    )
    .await?;
    db::exec(
        c,
        "UPDATE audit_log SET entity_id = ? WHERE entity = 'contact' AND entity_id = ?",
        vec![to.into(), from.into()],
    )
    .await?;
    db::exec(
        c,
        "INSERT INTO contact_tags (contact_id, tag, tag_key)
         SELECT ?, t.tag, t.tag_key FROM contact_tags t WHERE t.contact_id = ?
           AND NOT EXISTS (SELECT 1 FROM contact_tags s WHERE s.contact_id = ? AND s.tag_key = t.tag_key)",
        vec![to.into(), from.into(), to.into()],
    )
    .await?;
    db::exec(c, "DELETE FROM contact_tags WHERE contact_id = ?", vec![from.into()]).await?;
    Ok(())
}

pub async fn count_all<C: ConnectionTrait>(c: &C) -> Result<i64> {
    Ok(db::scalar_i64(c, "SELECT COUNT(*) FROM contacts", vec![])
        .await?
        .unwrap_or(0))
}

/// Deletes a contact for good. The people who reported to them and the leads converted into
/// them stay, unlinked.
pub async fn delete<C: ConnectionTrait>(c: &C, id: i64) -> Result<()> {
    for sql in [
        "UPDATE contacts SET reports_to_id = NULL WHERE reports_to_id = ?",
        "UPDATE leads SET contact_id = NULL WHERE contact_id = ?",
        "DELETE FROM contact_tags WHERE contact_id = ?",
        "DELETE FROM contacts WHERE id = ?",
    ] {
        db::exec(c, sql, vec![id.into()]).await?;
    }
    Ok(())
}

/// Records the last time someone talked to this person (a conversion, later an activity).
pub async fn set_last_contact<C: ConnectionTrait>(c: &C, id: i64, at: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE contacts SET last_contact_at = ? WHERE id = ? AND (last_contact_at IS NULL OR last_contact_at < ?)",
        vec![at.into(), id.into(), at.into()],
    )
    .await?;
    Ok(())
}
