//! Calendar feed secrets: one per person.

use sea_orm::ConnectionTrait;

use crate::db::{self, Result};

pub async fn token_of<C: ConnectionTrait>(c: &C, user_id: i64) -> Result<Option<String>> {
    db::scalar_string(
        c,
        "SELECT token FROM calendar_feeds WHERE user_id = ?",
        vec![user_id.into()],
    )
    .await
}

pub async fn user_of<C: ConnectionTrait>(c: &C, token: &str) -> Result<Option<i64>> {
    db::scalar_i64(
        c,
        "SELECT user_id FROM calendar_feeds WHERE token = ?",
        vec![token.into()],
    )
    .await
}

/// Replaces the person's secret (the old address stops working in the same statement).
pub async fn set_token<C: ConnectionTrait>(c: &C, user_id: i64, token: &str, now: i64) -> Result<()> {
    // One statement: two renewals at once leave one feed, never none and never an error.
    db::exec(
        c,
        "INSERT INTO calendar_feeds (user_id, token, created_at) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at",
        vec![user_id.into(), token.into(), now.into()],
    )
    .await?;
    Ok(())
}

pub async fn delete_token<C: ConnectionTrait>(c: &C, user_id: i64) -> Result<()> {
    db::exec(c, "DELETE FROM calendar_feeds WHERE user_id = ?", vec![user_id.into()]).await?;
    Ok(())
}
