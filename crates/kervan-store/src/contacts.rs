//! What contacts need beyond the record kit's store: duplicate candidates over all their
//! numbers, the chain of managers, and the last contact date.

use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use crate::db::{self, Result};

#[derive(Debug, Clone, FromQueryResult)]
pub struct DuplicateRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub account_name: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub phone: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// Contacts (not archived) sharing a phone (any of the three numbers) or the e-mail.
pub async fn duplicates<C: ConnectionTrait>(
    c: &C,
    phones: &[String],
    email: Option<&str>,
    except: Option<i64>,
) -> Result<Vec<DuplicateRow>> {
    let mut ors = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    for p in phones {
        ors.push("c.phone = ? OR c.mobile = ? OR c.whatsapp = ?");
        values.extend([p.clone().into(), p.clone().into(), p.clone().into()]);
    }
    if let Some(e) = email {
        ors.push("c.email = ?");
        values.push(e.into());
    }
    if ors.is_empty() {
        return Ok(vec![]);
    }
    values.push(except.unwrap_or(0).into());
    db::all(
        c,
        &format!(
            "SELECT c.id, c.first_name, c.last_name, a.name AS account_name, c.owner_id, u.name AS owner_name, c.phone, c.mobile,
                    c.email
             FROM contacts c LEFT JOIN users u ON u.id = c.owner_id LEFT JOIN accounts a ON a.id = c.account_id
             WHERE ({}) AND c.id <> ? AND c.archived_at IS NULL ORDER BY c.id LIMIT 5",
            ors.join(" OR ")
        ),
        values,
    )
    .await
}

pub async fn count_all<C: ConnectionTrait>(c: &C) -> Result<i64> {
    Ok(db::scalar_i64(c, "SELECT COUNT(*) FROM contacts", vec![])
        .await?
        .unwrap_or(0))
}

/// Records the last time someone talked to this person (a conversion, later an activity).
pub async fn set_last_contact<C: ConnectionTrait>(c: &C, id: i64, at: i64) -> Result<()> {
    db::exec(
        c,
        "UPDATE contacts SET last_contact_at = ? WHERE id = ? AND (last_contact_at IS NULL OR last_contact_at < ?)",
        vec![at.into(), id.into(), at.into()],
    )
    .await?;
    Ok(())
}
