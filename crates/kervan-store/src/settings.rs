//! Company settings: one JSON value per key.

use sea_orm::ConnectionTrait;

use crate::db::{self, Result};

pub async fn get<C: ConnectionTrait>(c: &C, key: &str) -> Result<Option<String>> {
    db::scalar_string(c, "SELECT value FROM settings WHERE key = ?", vec![key.into()]).await
}

pub async fn set<C: ConnectionTrait>(c: &C, key: &str, value: &str, by: Option<i64>, now: i64) -> Result<()> {
    db::exec(
        c,
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by",
        vec![key.into(), value.into(), now.into(), by.into()],
    )
    .await?;
    Ok(())
}
