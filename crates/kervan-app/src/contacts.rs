//! Contacts (people at a customer): the kit serves them; what is theirs is the manager they
//! report to (at the same customer, no loops), duplicates by any of their phones or the e-mail,
//! and the organisation chart.

use std::collections::HashSet;

use kervan_core::contacts as domain;
use kervan_core::fields::text;
use kervan_core::record::{Kind, Value, Values};
use kervan_store::contacts as store;
use kervan_store::records::ListQuery;
use kervan_store::{ConnectionTrait, DatabaseTransaction};

use crate::error::{AppError, Duplicate, Result};
use crate::records::{self, Record, RecordKind};
use crate::{Actor, App};

pub const ENTITY: &str = "contact";

pub struct Contacts;

fn phones(v: &Values) -> Vec<String> {
    let mut p: Vec<String> = ["phone", "mobile", "whatsapp"]
        .iter()
        .filter_map(|k| text(v, k).map(str::to_string))
        .collect();
    p.dedup();
    p
}

impl RecordKind for Contacts {
    const KIND: &'static Kind = &domain::KIND;
    const IDENTITY: &'static [&'static str] = &["email", "phone", "mobile", "whatsapp"];

    /// The manager works at the same customer; checked again when the person moves to another
    /// customer (the manager must follow). The kit checked the manager exists, is seen and makes
    /// no loop.
    async fn verify(txn: &DatabaseTransaction, _actor: &Actor, values: &Values, old: Option<&Record>) -> Result<()> {
        let Some(m) = values.get("reports_to_id").and_then(Value::as_id) else {
            return Ok(());
        };
        let account = values.get("account_id").and_then(Value::as_id);
        let changed = old.is_none_or(|o| o.id_of("reports_to_id") != Some(m) || o.id_of("account_id") != account);
        if !changed {
            return Ok(());
        }
        let manager_account =
            kervan_store::db::scalar_i64(txn, "SELECT account_id FROM contacts WHERE id = ?", vec![m.into()]).await?;
        if manager_account != account {
            return Err(AppError::field("reports_to_id", "reports_to_other_account"));
        }
        Ok(())
    }

    async fn duplicates(txn: &DatabaseTransaction, values: &Values, except: Option<i64>) -> Result<Vec<Duplicate>> {
        find_duplicates(txn, values, except).await
    }

    fn guard_keys(values: &Values) -> Vec<String> {
        phones(values)
            .into_iter()
            .map(|p| format!("contact:phone:{p}"))
            .chain(text(values, "email").map(|e| format!("contact:email:{e}")))
            .collect()
    }
}

/// Contacts sharing a phone number (any of office, mobile, WhatsApp) or the e-mail.
pub async fn find_duplicates<C: ConnectionTrait>(
    c: &C,
    values: &Values,
    except: Option<i64>,
) -> Result<Vec<Duplicate>> {
    let rows = store::duplicates(c, &phones(values), text(values, "email"), except).await?;
    let email = text(values, "email");
    Ok(rows
        .into_iter()
        .map(|d| {
            let field = if email.is_some() && d.email.as_deref() == email {
                "email"
            } else {
                "phone"
            };
            let name = match &d.account_name {
                Some(a) => format!("{} {} ({a})", d.first_name, d.last_name),
                None => format!("{} {}", d.first_name, d.last_name),
            };
            Duplicate::new(d.id, name, d.owner_id, d.owner_name, field)
        })
        .collect())
}

/// The people of an account the actor may see, by name (the card's tab and the org chart).
pub async fn of_account(app: &App, actor: &Actor, account_id: i64) -> Result<Vec<Record>> {
    records::get::<crate::accounts::Accounts>(app, actor, account_id).await?;
    let defs = records::defs(app, &domain::KIND).await?;
    let q = ListQuery {
        conds: vec![("c.account_id = ?".into(), vec![account_id.into()])],
        sort: Some("c.sort_name".into()),
        limit: 500,
        ..Default::default()
    };
    Ok(records::list_kind(app, actor, &domain::KIND, &defs, &q).await?.records)
}

/// One person in the org chart with the people reporting to them.
#[derive(Debug, Clone)]
pub struct OrgNode {
    pub contact: Record,
    pub reports: Vec<OrgNode>,
}

/// The org chart of a set of contacts from reports-to: people whose manager is not among them
/// are roots. A loop in old data cannot recurse forever: each person is placed once.
pub fn org_chart(people: &[Record]) -> Vec<OrgNode> {
    let ids: HashSet<i64> = people.iter().map(|c| c.id).collect();
    let mut placed = HashSet::new();
    fn build(id: i64, people: &[Record], placed: &mut HashSet<i64>, depth: usize) -> Option<OrgNode> {
        if depth > 32 || !placed.insert(id) {
            return None;
        }
        let contact = people.iter().find(|c| c.id == id)?.clone();
        let reports = people
            .iter()
            .filter(|c| c.id_of("reports_to_id") == Some(id))
            .filter_map(|c| build(c.id, people, placed, depth + 1))
            .collect();
        Some(OrgNode { contact, reports })
    }
    let mut roots: Vec<OrgNode> = people
        .iter()
        .filter(|c| c.id_of("reports_to_id").is_none_or(|m| !ids.contains(&m)))
        .filter_map(|c| build(c.id, people, &mut placed, 0))
        .collect();
    // Anyone left over sits in a reports-to loop: show them as roots rather than hide them.
    for c in people {
        if !placed.contains(&c.id)
            && let Some(n) = build(c.id, people, &mut placed, 0)
        {
            roots.push(n);
        }
    }
    roots
}
