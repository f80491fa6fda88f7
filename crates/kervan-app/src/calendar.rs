//! Takvim: tasks by their due time and planned or held meetings and visits, for one person, a
//! team member or the whole team, in a span of days — only what the reader may see; moving an
//! item to another day (the time of day stays); and each person's private iCalendar feed.

use kervan_core::activities::PLANNABLE;
use kervan_core::permissions::{Action, Module};
use kervan_core::record::{Input, Inputs, Kind, Value};
use kervan_core::time::now_ms;
use kervan_store::records::ListQuery;
use kervan_store::sea_orm_value::Value as Sql;
use kervan_store::{calendar as store, users};

use crate::error::{AppError, Result};
use crate::lists::Whose;
use crate::records::{self, Record};
use crate::{Actor, App};

/// One thing on the calendar.
pub struct Item {
    pub kind: &'static Kind,
    pub record: Record,
    /// When it is (due time or meeting time).
    pub at: i64,
    pub all_day: bool,
}

/// The kinds on the calendar with their time field: the follow-up kind (tasks, by due time) and
/// the timeline kinds (activities, only those planned in a calendar: meetings and visits).
pub fn kinds() -> impl Iterator<Item = (&'static Kind, &'static str)> {
    kervan_core::kinds::ALL
        .iter()
        .filter_map(|k| Some((*k, k.follow_up.map(|f| f.due).or(k.timeline)?)))
}

/// The items from `from` to `to` (ms), earliest first; `true` when more than `limit` were there.
pub async fn items(
    app: &App,
    actor: &Actor,
    whose: Whose,
    from: i64,
    to: i64,
    limit: u64,
) -> Result<(Vec<Item>, bool)> {
    let owners = crate::lists::owners(app, actor, whose, Module::Tasks).await?;
    span(app, actor, owners.as_deref(), from, to, limit).await
}

async fn span(
    app: &App,
    actor: &Actor,
    owners: Option<&[i64]>,
    from: i64,
    to: i64,
    limit: u64,
) -> Result<(Vec<Item>, bool)> {
    let mut out: Vec<Item> = Vec::new();
    let mut more = false;
    for (k, at) in kinds() {
        if !actor.can(k.module, Action::View) {
            continue;
        }
        let a = k.alias;
        let mut conds: Vec<(String, Vec<Sql>)> = vec![
            (format!("{a}.{at} >= ? AND {a}.{at} < ?"), vec![from.into(), to.into()]),
            (format!("{a}.{} <> 'cancelled'", k.status), vec![]),
        ];
        if let Some(o) = owners {
            if o.is_empty() {
                continue;
            }
            let marks = vec!["?"; o.len()].join(", ");
            let ids = o.iter().map(|x| Sql::from(*x));
            // A meeting is in the calendar of the colleague who comes along too.
            if k.field("colleague_id").is_some() {
                conds.push((
                    format!("({a}.owner_id IN ({marks}) OR {a}.colleague_id IN ({marks}))"),
                    ids.clone().chain(ids).collect(),
                ));
            } else {
                conds.push((format!("{a}.owner_id IN ({marks})"), ids.collect()));
            }
        }
        if k.timeline.is_some() {
            conds.push((
                format!("{a}.kind IN ({})", vec!["?"; PLANNABLE.len()].join(", ")),
                PLANNABLE.iter().map(|x| (*x).into()).collect(),
            ));
        }
        let defs = records::defs(app, k).await?;
        let q = ListQuery {
            conds,
            sort: Some(format!("{a}.{at}")),
            limit,
            ..Default::default()
        };
        let page = records::list_kind(app, actor, k, &defs, &q).await?;
        more |= page.has_next;
        out.extend(page.records.into_iter().map(|r| Item {
            at: r.values.get(at).and_then(Value::as_datetime).unwrap_or(0),
            all_day: r.values.get("all_day") == Some(&Value::Bool(true)),
            kind: k,
            record: r,
        }));
    }
    out.sort_by_key(|i| (i.at, i.record.id));
    if out.len() as u64 > limit {
        out.truncate(limit as usize);
        more = true;
    }
    Ok((out, more))
}

/// Moves an item to another day, keeping its time of day (the calendar's drag and drop).
pub async fn move_to(app: &App, actor: &Actor, kind: &str, id: i64, version: i64, day: &str) -> Result<()> {
    let (k, at) = kinds().find(|(k, _)| k.key == kind).ok_or(AppError::NotFound)?;
    let rec = records::load_for(app, actor, k, id, Action::Edit).await?;
    let Some(date) = kervan_core::time::parse_calendar_date(day) else {
        return Err(AppError::field("date", "invalid_date"));
    };
    let now = rec.values.get(at).and_then(Value::as_datetime).unwrap_or_else(now_ms);
    let time = kervan_core::time::local_input(now);
    let hm = time.split('T').nth(1).unwrap_or("10:00");
    let inputs = Inputs {
        fields: [(at.to_string(), Input::Text(format!("{}T{hm}", date.format("%Y-%m-%d"))))]
            .into_iter()
            .collect(),
        custom: Default::default(),
        ..Default::default()
    };
    let entry = crate::registry::entry(k.key).ok_or(AppError::NotFound)?;
    (entry.update)(app.clone(), actor.clone(), id, version, inputs).await
}

/// How far the feed reaches: two months back, a year ahead.
const FEED_BACK_MS: i64 = 60 * 86_400_000;
const FEED_AHEAD_MS: i64 = 400 * 86_400_000;

/// The actor's feed secret, when they have one.
pub async fn feed_token(app: &App, actor: &Actor) -> Result<Option<String>> {
    Ok(store::token_of(&app.db.conn, actor.user_id).await?)
}

/// A new feed address (the old one stops working at once).
pub async fn renew_feed(app: &App, actor: &Actor) -> Result<String> {
    let token = crate::auth::random_token();
    store::set_token(&app.db.conn, actor.user_id, &token, now_ms()).await?;
    Ok(token)
}

/// No feed any more: the address answers 404.
pub async fn revoke_feed(app: &App, actor: &Actor) -> Result<()> {
    store::delete_token(&app.db.conn, actor.user_id).await?;
    Ok(())
}

/// The items of the feed of `token`: its owner's own, as that person may see them now. An
/// unknown, revoked or malformed token, or a deactivated person, is `NotFound`.
pub async fn feed(app: &App, token: &str) -> Result<(Actor, Vec<Item>)> {
    if token.len() < 20
        || token.len() > 100
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(AppError::NotFound);
    }
    let user_id = store::user_of(&app.db.conn, token).await?.ok_or(AppError::NotFound)?;
    let user = users::by_id(&app.db.conn, user_id).await?.ok_or(AppError::NotFound)?;
    if user.deactivated_at.is_some() {
        return Err(AppError::NotFound);
    }
    let actor = Actor::load_cached(app, &user).await?;
    let now = now_ms();
    let (items, _) = span(
        app,
        &actor,
        Some(&[user_id]),
        now - FEED_BACK_MS,
        now + FEED_AHEAD_MS,
        5000,
    )
    .await?;
    Ok((actor, items))
}
