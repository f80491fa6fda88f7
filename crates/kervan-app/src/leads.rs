//! Leads: the kit serves them; what is theirs is the status rules (lost needs a reason,
//! converted only by converting), duplicates by phone and e-mail, `status=open` in lists.

use kervan_core::FieldErrors;
use kervan_core::fields::text;
use kervan_core::leads;
use kervan_core::record::{Input, Inputs, Kind, Values};
use kervan_store::DatabaseTransaction;
use kervan_store::records::{ListQuery, find_equal};

use crate::error::{Duplicate, Result};
use crate::records::{self, Record, RecordKind, WriteOptions};
use crate::{Actor, App};

pub const ENTITY: &str = "lead";

pub struct Leads;

impl RecordKind for Leads {
    const KIND: &'static Kind = &leads::KIND;
    const IDENTITY: &'static [&'static str] = &["phone", "email"];

    fn rules(values: &mut Values, e: &mut FieldErrors, old: Option<&Record>) {
        leads::rules(values, e, old.and_then(|r| r.text("status")));
    }

    /// Leads (not archived) with the same phone (E.164) or e-mail.
    async fn duplicates(txn: &DatabaseTransaction, values: &Values, except: Option<i64>) -> Result<Vec<Duplicate>> {
        let mut checks = Vec::new();
        for k in ["phone", "email"] {
            if let Some(v) = text(values, k) {
                checks.push((k, v.to_string()));
            }
        }
        let found = find_equal(txn, Self::KIND, &checks, except, false).await?;
        Ok(found
            .into_iter()
            .map(|m| Duplicate::new(m.id, m.name.unwrap_or_default(), m.owner_id, m.owner_name, &m.field))
            .collect())
    }

    fn guard_keys(values: &Values) -> Vec<String> {
        ["phone", "email"]
            .iter()
            .filter_map(|k| text(values, k).map(|v| format!("lead:{k}:{v}")))
            .collect()
    }

    fn list_param(key: &str, value: &str, q: &mut ListQuery, _e: &mut FieldErrors) -> Option<()> {
        // "Açık olanlar": still being worked (not converted, not lost).
        (key == "status" && value == "open").then(|| {
            q.conds.push(("l.status NOT IN ('converted', 'lost')".into(), vec![]));
        })
    }
}

/// Moves a lead to another status (the status bar on the card): `lost` with its reason.
pub async fn set_status(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    status: &str,
    lost_reason: Option<&str>,
) -> Result<()> {
    let mut inputs = Inputs::default();
    inputs.fields.insert("status".into(), Input::Text(status.to_string()));
    if let Some(r) = lost_reason {
        inputs.fields.insert("lost_reason".into(), Input::Text(r.to_string()));
    }
    // The phone and e-mail do not change, so the duplicate check has nothing to say.
    let opts = WriteOptions { allow_duplicate: true };
    records::update::<Leads>(app, actor, id, version, &inputs, &opts).await
}
