//! Tasks: the kit serves them; what is theirs is completing one with a click (and taking it
//! back) and Görevlerim — one person's or a team's open tasks by due time: overdue, today,
//! upcoming, and the recently done.

use std::collections::BTreeMap;

use kervan_core::permissions::Action;
use kervan_core::record::{Input, Inputs, Kind};
use kervan_core::tasks;
use kervan_core::time::{day_start_ms, today_local};

use crate::error::{AppError, Result};
use crate::records::{self, Record, RecordKind, WriteOptions};
use crate::{Actor, App, lists};

pub struct Tasks;

impl RecordKind for Tasks {
    const KIND: &'static Kind = &tasks::KIND;
}

/// Marks a task done (`done: true`) or open again, at the version the user saw; the history
/// records the change like any edit.
pub async fn complete(app: &App, actor: &Actor, id: i64, version: i64, done: bool) -> Result<()> {
    let status = if done { "done" } else { "open" };
    let inputs = Inputs {
        fields: BTreeMap::from([("status".to_string(), Input::Text(status.to_string()))]),
        custom: BTreeMap::new(),
    };
    records::update::<Tasks>(app, actor, id, version, &inputs, &WriteOptions::default()).await
}

/// Whose tasks Görevlerim shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Whose {
    Mine,
    /// One person's (a manager looking at a team member; visibility still applies).
    Of(i64),
    /// Everyone's the actor may see (a manager: the team).
    Team,
}

/// Görevlerim: open tasks split by the Istanbul day, and the last ones done.
pub struct Agenda {
    pub overdue: Vec<Record>,
    pub today: Vec<Record>,
    pub upcoming: Vec<Record>,
    pub done: Vec<Record>,
    /// More open tasks than one page holds (the list shows them all).
    pub more: bool,
}

/// How many open tasks Görevlerim shows at most; the rest are in the task list.
const AGENDA_OPEN: u64 = 200;

async fn page(app: &App, actor: &Actor, pairs: Vec<(String, String)>, limit: u64) -> Result<records::RecordPage> {
    let kind = Tasks::KIND;
    let defs = records::defs(app, kind).await?;
    let spec = lists::parse::<Tasks>(app.db.conn.get_database_backend(), &defs, &pairs, limit, limit)
        .map_err(AppError::Validation)?;
    records::list_kind(app, actor, kind, &defs, &spec.query).await
}

pub async fn agenda(app: &App, actor: &Actor, whose: Whose, now: i64) -> Result<Agenda> {
    actor.require(tasks::KIND.module, Action::View)?;
    let owner = match whose {
        Whose::Mine => Some(actor.user_id),
        Whose::Of(id) => Some(id),
        Whose::Team => None,
    };
    let with = |status: &str, sort: &str| {
        let mut p = vec![
            ("status".to_string(), status.to_string()),
            ("sort".to_string(), sort.to_string()),
        ];
        if let Some(o) = owner {
            p.push(("owner_id".to_string(), o.to_string()));
        }
        p
    };
    let open = page(app, actor, with("open", "due_at"), AGENDA_OPEN).await?;
    let done = page(app, actor, with("done", "-updated_at"), 10).await?;
    let today = today_local(now);
    let start = day_start_ms(today);
    let end = today.succ_opt().map(day_start_ms).unwrap_or(i64::MAX);
    let due = |r: &Record| r.values.get("due_at").and_then(|v| v.as_datetime()).unwrap_or(0);
    let mut a = Agenda {
        overdue: vec![],
        today: vec![],
        upcoming: vec![],
        done: done.records,
        more: open.has_next,
    };
    for r in open.records {
        let d = due(&r);
        if d < start {
            a.overdue.push(r);
        } else if d < end {
            a.today.push(r);
        } else {
            a.upcoming.push(r);
        }
    }
    Ok(a)
}
