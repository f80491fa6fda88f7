//! API tokens: shown once, stored as SHA-256 (tokens are long random secrets, so a fast hash
//! is enough and lets every API request be checked in one indexed lookup).

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result};

#[derive(Debug, Clone, FromQueryResult)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub label: Option<String>,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    /// See [`crate::cache`].
    pub cache_version: i64,
}

pub async fn insert<C: ConnectionTrait>(
    c: &C,
    user_id: i64,
    label: Option<&str>,
    hash: &str,
    prefix: &str,
    now: i64,
) -> Result<i64> {
    db::insert_id(
        c,
        "INSERT INTO api_tokens (user_id, label, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)",
        vec![
            user_id.into(),
            label.map(str::to_string).into(),
            hash.into(),
            prefix.into(),
            now.into(),
        ],
    )
    .await
}

pub async fn by_hash<C: ConnectionTrait>(c: &C, hash: &str) -> Result<Option<TokenRow>> {
    db::one(
        c,
        &format!(
            "SELECT id, user_id, label, prefix, created_at, last_used_at, {} AS cache_version
             FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
            crate::cache::VERSION_SQL
        ),
        vec![hash.into()],
    )
    .await
}

pub async fn touch<C: ConnectionTrait>(c: &C, id: i64, now: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
        vec![now.into(), id.into()],
    )
    .await?;
    Ok(())
}

pub async fn revoke_for_user<C: ConnectionTrait>(c: &C, user_id: i64, now: i64) -> Result<u64> {
    db::exec(
        c,
        "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        vec![now.into(), user_id.into()],
    )
    .await
}
