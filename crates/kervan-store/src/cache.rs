//! The version of the small tables every request reads (users and teams, permissions, custom
//! field definitions, saved views, column choices). Every write to them bumps it, in the same
//! transaction; every request reads it with its session or token. A server keeps those tables in
//! memory and drops them when the version moved: several servers stay correct without talking
//! to each other, and a page costs no query for them.

use sea_orm::ConnectionTrait;

use crate::db::{self, Result};

/// The version as a subquery, for the session and token lookups.
pub const VERSION_SQL: &str = "(SELECT n FROM cache_version WHERE id = 1)";

/// Marks the cached tables changed.
pub async fn bump<C: ConnectionTrait>(c: &C) -> Result<()> {
    db::exec(c, "UPDATE cache_version SET n = n + 1 WHERE id = 1", vec![]).await?;
    Ok(())
}
