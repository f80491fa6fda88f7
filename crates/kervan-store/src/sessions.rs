//! Browser sessions live in the database so any `kervan serve` process can serve any request.
//! The cookie holds a random secret; only its SHA-256 is stored, so a copy of the database
//! cannot be used to sign in.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result};

#[derive(Debug, Clone, FromQueryResult)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The user's unread notifications (the bell), read in the same round trip.
    pub unread: i64,
    /// See [`crate::cache`].
    pub cache_version: i64,
}

pub async fn insert<C: ConnectionTrait>(
    c: &C,
    id_hash: &str,
    user_id: i64,
    csrf: &str,
    now: i64,
    ip: &str,
    user_agent: &str,
) -> Result<()> {
    db::exec(
        c,
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vec![id_hash.into(), user_id.into(), csrf.into(), now.into(), now.into(), ip.into(), user_agent.into()],
    )
    .await?;
    Ok(())
}

pub async fn get<C: ConnectionTrait>(c: &C, id_hash: &str) -> Result<Option<SessionRow>> {
    db::one(
        c,
        &format!(
            "SELECT s.id_hash, s.user_id, s.csrf_token, s.created_at, s.last_seen_at,
                (SELECT COUNT(*) FROM notifications n WHERE n.user_id = s.user_id AND n.read_at IS NULL) AS unread,
                {} AS cache_version
             FROM sessions s WHERE s.id_hash = ?",
            crate::cache::VERSION_SQL
        ),
        vec![id_hash.into()],
    )
    .await
}

pub async fn touch<C: ConnectionTrait>(c: &C, id_hash: &str, now: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?",
        vec![now.into(), id_hash.into()],
    )
    .await?;
    Ok(())
}

pub async fn delete<C: ConnectionTrait>(c: &C, id_hash: &str) -> Result<()> {
    db::exec(c, "DELETE FROM sessions WHERE id_hash = ?", vec![id_hash.into()]).await?;
    Ok(())
}

pub async fn delete_for_user<C: ConnectionTrait>(c: &C, user_id: i64) -> Result<u64> {
    db::exec(c, "DELETE FROM sessions WHERE user_id = ?", vec![user_id.into()]).await
}

/// Ends every session of the user except the one given (after a password change).
pub async fn delete_others<C: ConnectionTrait>(c: &C, user_id: i64, keep_hash: &str) -> Result<u64> {
    db::exec(
        c,
        "DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?",
        vec![user_id.into(), keep_hash.into()],
    )
    .await
}

/// Ends sessions unused since `idle_before` or signed in before `created_before`.
pub async fn delete_expired<C: ConnectionTrait>(c: &C, idle_before: i64, created_before: i64) -> Result<u64> {
    db::exec(
        c,
        "DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
        vec![idle_before.into(), created_before.into()],
    )
    .await
}
