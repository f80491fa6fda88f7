//! Saved list views (segments) and each user's chosen list columns.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result, StoreError};

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct ViewRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub owner_id: i64,
    pub owner_name: Option<String>,
    pub owner_team_id: Option<i64>,
    pub shared: bool,
    /// The list's query parameters, as a JSON object of strings.
    pub filters: String,
    /// Column keys, as a JSON array.
    pub columns: String,
    pub sort: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

const SELECT: &str =
    "SELECT v.id, v.kind, v.name, v.owner_id, u.name AS owner_name, u.team_id AS owner_team_id, v.shared,
    v.filters, v.columns, v.sort, v.created_at, v.updated_at, v.version FROM views v JOIN users u ON u.id = v.owner_id";

pub struct NewView<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub owner_id: i64,
    pub shared: bool,
    pub filters: &'a str,
    pub columns: &'a str,
    pub sort: &'a str,
}

pub async fn insert<C: ConnectionTrait>(c: &C, v: &NewView<'_>, now: i64) -> Result<i64> {
    crate::cache::bump(c).await?;
    db::insert_id(
        c,
        "INSERT INTO views (kind, name, owner_id, shared, filters, columns, sort, created_at, updated_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            v.kind.into(),
            v.name.into(),
            v.owner_id.into(),
            v.shared.into(),
            v.filters.into(),
            v.columns.into(),
            v.sort.into(),
            now.into(),
            now.into(),
            v.owner_id.into(),
        ],
    )
    .await
}

pub async fn get<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<ViewRow>> {
    db::one(c, &format!("{SELECT} WHERE v.id = ?"), vec![id.into()]).await
}

/// The user's own views of a kind and the shared ones of others (the caller decides which of
/// those the user may see), by name.
pub async fn for_kind<C: ConnectionTrait>(c: &C, kind: &str, user_id: i64) -> Result<Vec<ViewRow>> {
    db::all(
        c,
        &format!("{SELECT} WHERE v.kind = ? AND (v.owner_id = ? OR v.shared = ?) ORDER BY v.name, v.id"),
        vec![kind.into(), user_id.into(), true.into()],
    )
    .await
}

pub async fn update<C: ConnectionTrait>(c: &C, v: &ViewRow, now: i64) -> Result<()> {
    crate::cache::bump(c).await?;
    let n = db::exec(
        c,
        "UPDATE views SET name = ?, shared = ?, filters = ?, columns = ?, sort = ?, updated_at = ?, version = version + 1
         WHERE id = ? AND version = ?",
        vec![
            v.name.clone().into(),
            v.shared.into(),
            v.filters.clone().into(),
            v.columns.clone().into(),
            v.sort.clone().into(),
            now.into(),
            v.id.into(),
            v.version.into(),
        ],
    )
    .await?;
    if n == 0 { Err(StoreError::Conflict) } else { Ok(()) }
}

pub async fn delete<C: ConnectionTrait>(c: &C, id: i64) -> Result<()> {
    crate::cache::bump(c).await?;
    db::exec(c, "DELETE FROM views WHERE id = ?", vec![id.into()]).await?;
    Ok(())
}

/// The user's chosen columns of a kind's list (a JSON array of keys), if any.
pub async fn columns_of<C: ConnectionTrait>(c: &C, user_id: i64, kind: &str) -> Result<Option<String>> {
    let r = db::raw_one(
        c,
        "SELECT columns FROM list_prefs WHERE user_id = ? AND kind = ?",
        vec![user_id.into(), kind.into()],
    )
    .await?;
    Ok(match r {
        Some(r) => Some(r.try_get_by_index::<String>(0)?),
        None => None,
    })
}

pub async fn set_columns<C: ConnectionTrait>(
    c: &C,
    user_id: i64,
    kind: &str,
    columns: Option<&str>,
    now: i64,
) -> Result<()> {
    crate::cache::bump(c).await?;
    match columns {
        Some(cols) => {
            db::exec(
                c,
                "INSERT INTO list_prefs (user_id, kind, columns, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (user_id, kind) DO UPDATE SET columns = excluded.columns, updated_at = excluded.updated_at",
                vec![user_id.into(), kind.into(), cols.into(), now.into()],
            )
            .await?
        }
        None => {
            db::exec(
                c,
                "DELETE FROM list_prefs WHERE user_id = ? AND kind = ?",
                vec![user_id.into(), kind.into()],
            )
            .await?
        }
    };
    Ok(())
}
