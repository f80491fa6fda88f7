//! Users and teams.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result, StoreError};
use kervan_core::time::now_ms;

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub language: String,
    pub deactivated_at: Option<i64>,
    pub created_at: i64,
    pub version: i64,
}

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct TeamRow {
    pub id: i64,
    pub name: String,
}

const SELECT: &str = "SELECT u.id, u.email, u.name, u.password_hash, u.role, u.team_id, t.name AS team_name,
    u.language, u.deactivated_at, u.created_at, u.version FROM users u LEFT JOIN teams t ON t.id = u.team_id";

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub team_id: Option<i64>,
    pub created_by: Option<i64>,
}

pub async fn insert<C: ConnectionTrait>(c: &C, u: NewUser<'_>) -> Result<i64> {
    crate::cache::bump(c).await?;
    let now = now_ms();
    db::insert_id(
        c,
        "INSERT INTO users (email, name, password_hash, role, team_id, created_at, updated_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            u.email.into(),
            u.name.into(),
            u.password_hash.into(),
            u.role.into(),
            u.team_id.into(),
            now.into(),
            now.into(),
            u.created_by.into(),
        ],
    )
    .await
}

pub async fn by_id<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<UserRow>> {
    db::one(c, &format!("{SELECT} WHERE u.id = ?"), vec![id.into()]).await
}

pub async fn by_email<C: ConnectionTrait>(c: &C, email: &str) -> Result<Option<UserRow>> {
    db::one(c, &format!("{SELECT} WHERE u.email = ?"), vec![email.into()]).await
}

pub async fn list<C: ConnectionTrait>(c: &C) -> Result<Vec<UserRow>> {
    db::all(
        c,
        &format!("{SELECT} ORDER BY u.deactivated_at IS NOT NULL, u.name"),
        vec![],
    )
    .await
}

pub async fn count<C: ConnectionTrait>(c: &C) -> Result<i64> {
    Ok(db::scalar_i64(c, "SELECT COUNT(*) FROM users", vec![])
        .await?
        .unwrap_or(0))
}

pub async fn ids<C: ConnectionTrait>(c: &C) -> Result<Vec<i64>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let rows: Vec<Id> = db::all(
        c,
        "SELECT id FROM users WHERE deactivated_at IS NULL ORDER BY id",
        vec![],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

pub async fn set_role_team<C: ConnectionTrait>(c: &C, id: i64, role: &str, team_id: Option<i64>) -> Result<()> {
    crate::cache::bump(c).await?;
    let n = db::exec(
        c,
        "UPDATE users SET role = ?, team_id = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![role.into(), team_id.into(), now_ms().into(), id.into()],
    )
    .await?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub async fn set_password<C: ConnectionTrait>(c: &C, id: i64, hash: &str) -> Result<()> {
    crate::cache::bump(c).await?;
    db::exec(
        c,
        "UPDATE users SET password_hash = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![hash.into(), now_ms().into(), id.into()],
    )
    .await?;
    Ok(())
}

pub async fn set_language<C: ConnectionTrait>(c: &C, id: i64, lang: &str) -> Result<()> {
    crate::cache::bump(c).await?;
    db::exec(
        c,
        "UPDATE users SET language = ? WHERE id = ?",
        vec![lang.into(), id.into()],
    )
    .await?;
    Ok(())
}

pub async fn set_active<C: ConnectionTrait>(c: &C, id: i64, active: bool) -> Result<()> {
    crate::cache::bump(c).await?;
    let at: Option<i64> = if active { None } else { Some(now_ms()) };
    let n = db::exec(
        c,
        "UPDATE users SET deactivated_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![at.into(), now_ms().into(), id.into()],
    )
    .await?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub async fn teams<C: ConnectionTrait>(c: &C) -> Result<Vec<TeamRow>> {
    db::all(c, "SELECT id, name FROM teams ORDER BY name", vec![]).await
}

pub async fn team_by_id<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<TeamRow>> {
    db::one(c, "SELECT id, name FROM teams WHERE id = ?", vec![id.into()]).await
}

/// Finds a team by name or creates it (teams are just names for now).
pub async fn team_by_name_or_create<C: ConnectionTrait>(c: &C, name: &str, by: Option<i64>) -> Result<i64> {
    if let Some(t) = db::one::<TeamRow, _>(c, "SELECT id, name FROM teams WHERE name = ?", vec![name.into()]).await? {
        return Ok(t.id);
    }
    crate::cache::bump(c).await?;
    let now = now_ms();
    db::insert_id(
        c,
        "INSERT INTO teams (name, created_at, updated_at, created_by) VALUES (?, ?, ?, ?)",
        vec![name.into(), now.into(), now.into(), by.into()],
    )
    .await
}

/// Ids of the active admins (who hear about attacks on accounts).
pub async fn active_admin_ids<C: ConnectionTrait>(c: &C) -> Result<Vec<i64>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let rows: Vec<Id> = db::all(
        c,
        "SELECT id FROM users WHERE role = 'admin' AND deactivated_at IS NULL ORDER BY id",
        vec![],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
