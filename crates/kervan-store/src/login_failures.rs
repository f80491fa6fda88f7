//! Failed sign-ins, kept in the database so the limits hold across several server processes.
//!
//! A try is written *before* the password is checked (a reservation) and counted afterwards, so
//! parallel tries cannot all read a low count before any of them has written: the n-th try to
//! arrive sees at least n. A try that turns out right removes its reservation.

use sea_orm::ConnectionTrait;

use crate::db::{self, Result};

/// Writes a try from `ip` for `account_key` and returns its id.
pub async fn reserve<C: ConnectionTrait>(c: &C, ip: &str, email: &str, account_key: &str, now: i64) -> Result<i64> {
    db::insert_id(
        c,
        "INSERT INTO login_failures (ip, email, account_key, at) VALUES (?, ?, ?, ?)",
        vec![ip.into(), email.into(), account_key.into(), now.into()],
    )
    .await
}

/// Removes one reservation (the try was right, or was refused before it was checked).
pub async fn release<C: ConnectionTrait>(c: &C, id: i64) -> Result<()> {
    db::exec(c, "DELETE FROM login_failures WHERE id = ?", vec![id.into()]).await?;
    Ok(())
}

/// Tries from one address since `since`, its own reservations included.
pub async fn count_ip_since<C: ConnectionTrait>(c: &C, ip: &str, since: i64) -> Result<i64> {
    Ok(db::scalar_i64(
        c,
        "SELECT COUNT(*) FROM login_failures WHERE ip = ? AND at >= ?",
        vec![ip.into(), since.into()],
    )
    .await?
    .unwrap_or(0))
}

/// Tries at one account (from any address) since `since` that no sign-in has cleared.
pub async fn count_account_since<C: ConnectionTrait>(c: &C, account_key: &str, since: i64) -> Result<i64> {
    Ok(db::scalar_i64(
        c,
        "SELECT COUNT(*) FROM login_failures WHERE account_key = ? AND at >= ?",
        vec![account_key.into(), since.into()],
    )
    .await?
    .unwrap_or(0))
}

/// The oldest try from `ip` still inside the window (for `Retry-After`).
pub async fn oldest_ip_since<C: ConnectionTrait>(c: &C, ip: &str, since: i64) -> Result<Option<i64>> {
    db::scalar_i64(
        c,
        "SELECT MIN(at) FROM login_failures WHERE ip = ? AND at >= ?",
        vec![ip.into(), since.into()],
    )
    .await
}

/// After a successful sign-in: the account's failures stop counting against the account; they
/// still count against the addresses they came from.
pub async fn clear_account<C: ConnectionTrait>(c: &C, account_key: &str) -> Result<()> {
    db::exec(
        c,
        "UPDATE login_failures SET account_key = NULL WHERE account_key = ?",
        vec![account_key.into()],
    )
    .await?;
    Ok(())
}

pub async fn prune<C: ConnectionTrait>(c: &C, before: i64) -> Result<u64> {
    db::exec(c, "DELETE FROM login_failures WHERE at < ?", vec![before.into()]).await
}
