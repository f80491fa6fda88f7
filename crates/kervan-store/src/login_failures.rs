//! Failed sign-ins per client address, kept in the database so the limit holds across
//! several server processes.

use sea_orm::ConnectionTrait;

use crate::db::{self, Result};

pub async fn record<C: ConnectionTrait>(c: &C, ip: &str, email: &str, now: i64) -> Result<()> {
    db::exec(
        c,
        "INSERT INTO login_failures (ip, email, at) VALUES (?, ?, ?)",
        vec![ip.into(), email.into(), now.into()],
    )
    .await?;
    Ok(())
}

pub async fn count_since<C: ConnectionTrait>(c: &C, ip: &str, since: i64) -> Result<i64> {
    Ok(db::scalar_i64(
        c,
        "SELECT COUNT(*) FROM login_failures WHERE ip = ? AND at >= ?",
        vec![ip.into(), since.into()],
    )
    .await?
    .unwrap_or(0))
}

pub async fn clear<C: ConnectionTrait>(c: &C, ip: &str) -> Result<()> {
    db::exec(c, "DELETE FROM login_failures WHERE ip = ?", vec![ip.into()]).await?;
    Ok(())
}

pub async fn prune<C: ConnectionTrait>(c: &C, before: i64) -> Result<u64> {
    db::exec(c, "DELETE FROM login_failures WHERE at < ?", vec![before.into()]).await
}
