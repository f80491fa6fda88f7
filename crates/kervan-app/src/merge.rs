//! Finding what to merge: the accounts (or contacts) that look like one record, limited to
//! those the user may see. The merges themselves are [`crate::accounts::merge`] and
//! [`crate::contacts::merge`].

use crate::error::{Duplicate, Result};
use crate::{Actor, App, accounts, contacts};

/// Accounts that look like account `id` (same identifiers, domain or a close name).
pub async fn similar_accounts(app: &App, actor: &Actor, id: i64) -> Result<Vec<Duplicate>> {
    let a = accounts::get(app, actor, id).await?;
    // Old rows that no longer pass today's rules simply have no suggestions.
    let Ok((values, _)) = accounts::values_for(&a.draft(), a.row.owner_id) else {
        return Ok(vec![]);
    };
    accounts::visible_duplicates(&app.db.conn, actor, &values, Some(id)).await
}

/// Contacts that share a phone number or the e-mail with contact `id`.
pub async fn similar_contacts(app: &App, actor: &Actor, id: i64) -> Result<Vec<Duplicate>> {
    let c = contacts::get(app, actor, id).await?;
    let Ok((values, _)) = contacts::values_for(&c.draft(), c.row.owner_id) else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for d in contacts::find_duplicates(&app.db.conn, &values, Some(id)).await? {
        if contacts::get(app, actor, d.id).await.is_ok() {
            out.push(d);
        }
    }
    Ok(out)
}
