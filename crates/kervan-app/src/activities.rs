//! Activities: the kit serves them; what is theirs is what a write changes elsewhere — when we
//! last talked to the lead, customer or person ("Son görüşme", from held conversations only),
//! the people named with `@` in the text, the colleague who came along — and the timeline.

use kervan_core::activities;
use kervan_core::permissions::{Action, Scope};
use kervan_core::record::{FieldType, Kind, Value, Values};
use kervan_core::time::now_ms;
use kervan_store::activities as store;
use kervan_store::{ConnectionTrait, DatabaseTransaction, notifications, users};

use crate::error::{AppError, Result};
use crate::records::{Record, RecordKind};
use crate::{Actor, App};

pub struct Activities;

impl RecordKind for Activities {
    const KIND: &'static Kind = &activities::KIND;

    /// A colleague who came along is one the writer could give the activity to (not someone of
    /// another team).
    async fn verify(txn: &DatabaseTransaction, actor: &Actor, values: &Values, old: Option<&Record>) -> Result<()> {
        let now = values.get("colleague_id").and_then(Value::as_id);
        if let Some(id) = now
            && old.and_then(|o| o.id_of("colleague_id")) != Some(id)
        {
            let action = if old.is_some() { Action::Edit } else { Action::Create };
            let scope = actor.require(Self::KIND.module, action)?;
            // A rep names a teammate (not only themself, as for an owner); a colleague from
            // another team only with a company-wide scope.
            let Some(u) = users::by_id(txn, id).await? else {
                return Err(AppError::field("colleague_id", "invalid_choice"));
            };
            if u.deactivated_at.is_some() {
                return Err(AppError::field("colleague_id", "owner_inactive"));
            }
            let same_team = actor.team_id.is_some() && u.team_id == actor.team_id;
            if !(scope == Scope::All || same_team || id == actor.user_id) {
                return Err(AppError::field("colleague_id", "invalid_choice"));
            }
        }
        Ok(())
    }

    /// "Son görüşme" again after an activity was archived, restored or deleted.
    async fn after_gone(app: &App, values: &Values) -> Result<()> {
        refresh_last_contact(&app.db.conn, &refs(values), now_ms()).await
    }

    async fn after_write(
        txn: &DatabaseTransaction,
        actor: &Actor,
        id: i64,
        values: &Values,
        old: Option<&Record>,
    ) -> Result<()> {
        let now = now_ms();
        let mut touched: Vec<(&str, i64)> = refs(values);
        if let Some(o) = old {
            touched.extend(refs(&o.values));
        }
        touched.sort();
        touched.dedup();
        refresh_last_contact(txn, &touched, now).await?;
        notify_mentions(txn, actor, id, values, old, now).await
    }
}

/// The records an activity is about: `(field, id)`.
fn refs(v: &Values) -> Vec<(&'static str, i64)> {
    activities::KIND
        .fields
        .iter()
        .filter(|f| f.ty == FieldType::Reference)
        .filter_map(|f| Some((f.key, v.get(f.key).and_then(Value::as_id)?)))
        .collect()
}

/// Recomputes "Son görüşme" of the records an activity was or is about (and of a person's
/// customer): the newest held conversation, so a planned meeting, a note, a cancelled call or a
/// moved one never leaves a wrong date behind.
pub async fn refresh_last_contact<C: ConnectionTrait>(c: &C, about: &[(&str, i64)], now: i64) -> Result<()> {
    let mut accounts: Vec<i64> = Vec::new();
    for (field, id) in about {
        match *field {
            "lead_id" => {
                store::refresh_last_contact(c, "leads", *id, "v.lead_id = ?", vec![(*id).into()], now).await?;
                // A converted lead's activity is the customer's too.
                if let Some(a) =
                    kervan_store::db::scalar_i64(c, "SELECT account_id FROM leads WHERE id = ?", vec![(*id).into()])
                        .await?
                {
                    accounts.push(a);
                }
            }
            "contact_id" => {
                store::refresh_last_contact(
                    c,
                    "contacts",
                    *id,
                    "v.contact_id = ? OR v.lead_id IN (SELECT id FROM leads WHERE contact_id = ?)",
                    vec![(*id).into(), (*id).into()],
                    now,
                )
                .await?;
                if let Some(a) =
                    kervan_store::db::scalar_i64(c, "SELECT account_id FROM contacts WHERE id = ?", vec![(*id).into()])
                        .await?
                {
                    accounts.push(a);
                }
            }
            "account_id" => accounts.push(*id),
            _ => {}
        }
    }
    accounts.sort();
    accounts.dedup();
    for a in accounts {
        store::refresh_last_contact(
            c,
            "accounts",
            a,
            "v.account_id = ? OR v.contact_id IN (SELECT id FROM contacts WHERE account_id = ?)
             OR v.lead_id IN (SELECT id FROM leads WHERE account_id = ?)",
            vec![a.into(), a.into(), a.into()],
            now,
        )
        .await?;
    }
    Ok(())
}

/// Tells the colleagues named with `@` in the text (once per activity and person, so an edit
/// does not ring again; not the writer).
async fn notify_mentions(
    txn: &DatabaseTransaction,
    actor: &Actor,
    id: i64,
    values: &Values,
    old: Option<&Record>,
    now: i64,
) -> Result<()> {
    let body = values.get("body").and_then(Value::as_text).unwrap_or_default();
    let named = activities::mentions(body);
    if named.is_empty() || old.and_then(|o| o.text("body")) == Some(body) {
        return Ok(());
    }
    let people = users::list(txn).await?;
    let active: Vec<&users::UserRow> = people.iter().filter(|u| u.deactivated_at.is_none()).collect();
    let mut to: Vec<i64> = Vec::new();
    for word in &named {
        to.extend(mentioned(&active, word));
    }
    to.sort();
    to.dedup();
    to.retain(|u| Some(*u) != actor.author());
    // Only those who may read the note are told of it (never a link to a record they cannot
    // open, nor its title).
    let mut allowed = Vec::with_capacity(to.len());
    for id in to {
        let Some(u) = active.iter().find(|u| u.id == id) else {
            continue;
        };
        let them = crate::Actor::load(txn, u).await?;
        if crate::records::can_see(txn, &them, &activities::KIND, values).await? {
            allowed.push(id);
        }
    }
    let to = allowed;
    if to.is_empty() {
        return Ok(());
    }
    let subject = values.get("subject").and_then(Value::as_text).unwrap_or_default();
    let params = serde_json::json!({"title": subject, "by": actor.name}).to_string();
    let link = format!("/activities/{id}");
    let key = format!("mention:{id}");
    let n = notifications::NewNotification {
        kind: "mention",
        params: &params,
        link: Some(&link),
        dedupe_key: Some(&key),
    };
    notifications::insert_for(txn, &to, &n, now).await?;
    Ok(())
}

/// Who `@word` names: the person whose e-mail starts with it or whose name written with dots
/// is it (`@ayse.yilmaz`), else the only one whose first name it is (two Ayşes: nobody, rather
/// than the wrong one).
fn mentioned(people: &[&users::UserRow], word: &str) -> Vec<i64> {
    use kervan_core::text::fold;
    let exact: Vec<i64> = people
        .iter()
        .filter(|u| {
            let local = u.email.split('@').next().unwrap_or_default();
            fold(local) == word || fold(&u.name).replace(' ', ".") == word
        })
        .map(|u| u.id)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let first: Vec<i64> = people
        .iter()
        .filter(|u| fold(u.name.split_whitespace().next().unwrap_or_default()) == word)
        .map(|u| u.id)
        .collect();
    if first.len() == 1 { first } else { vec![] }
}
