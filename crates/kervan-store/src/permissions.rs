//! The role → (module, action) → scope grants.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result};

#[derive(Debug, Clone, FromQueryResult)]
pub struct GrantRow {
    pub module: String,
    pub action: String,
    pub scope: String,
}

pub async fn for_role<C: ConnectionTrait>(c: &C, role: &str) -> Result<Vec<GrantRow>> {
    db::all(
        c,
        "SELECT module, action, scope FROM role_permissions WHERE role = ?",
        vec![role.into()],
    )
    .await
}
