//! Tasks: the kit serves them; what is theirs is completing one with a click (and taking it
//! back) and Görevlerim — one person's or a team's open tasks by due time: overdue, today,
//! upcoming, and the recently done.

use std::collections::BTreeMap;

use kervan_core::permissions::Action;
use kervan_core::record::{Input, Inputs, Kind, Value, Values};
use kervan_core::tasks;
use kervan_core::time::now_ms;
use kervan_store::DatabaseTransaction;
use kervan_store::notifications;

use crate::error::{AppError, Result};
use crate::records::{self, Record, RecordKind, WriteOptions};
use crate::{Actor, App, lists};

pub struct Tasks;

impl RecordKind for Tasks {
    const KIND: &'static Kind = &tasks::KIND;

    /// Queues the reminder of an open task whose due time, reminder, status or assignee changed
    /// (the job checks again when it runs, so an old reminder of a moved task does nothing).
    async fn after_write(
        txn: &DatabaseTransaction,
        _actor: &Actor,
        id: i64,
        values: &Values,
        old: Option<&Record>,
    ) -> Result<()> {
        let now = now_ms();
        let facts = |v: &Values| {
            (
                v.get("status").and_then(Value::as_text).map(str::to_string),
                v.get("due_at").and_then(Value::as_datetime),
                v.get("reminder").and_then(Value::as_text).map(str::to_string),
                v.get("owner_id").and_then(Value::as_id),
            )
        };
        let now_facts = facts(values);
        let changed = old.is_none_or(|o| facts(&o.values) != now_facts);
        if changed {
            queue_reminder(txn, id, old.map_or(1, |o| o.version + 1), values, now).await?;
        }
        // A series' next task comes when this one is done or falls due, whichever is first, and
        // once per due time (one job per task and due time: done, reopened and done again, or done
        // after falling due, makes no second one).
        let repeat = values.get("repeat").and_then(Value::as_text).unwrap_or("none");
        if repeat != "none"
            && let Some(due) = now_facts.1
        {
            let payload = serde_json::json!({"task": id, "due": due}).to_string();
            let key = format!("task-recur:{id}:{due}");
            let done = now_facts.0.as_deref() == Some("done");
            let was_done = old.and_then(|o| o.text("status")) == Some("done");
            if done && !was_done {
                kervan_store::jobs::enqueue_by(txn, RECUR_JOB, &payload, &key, now, now).await?;
            } else if now_facts.0.as_deref() == Some("open") && changed {
                kervan_store::jobs::enqueue_by(txn, RECUR_JOB, &payload, &key, due, now).await?;
            }
        }
        Ok(())
    }

    /// A new assignee who is not the writer hears of the task.
    async fn tell(
        txn: &DatabaseTransaction,
        actor: &Actor,
        id: i64,
        values: &Values,
        old: Option<&Record>,
    ) -> Result<()> {
        let owner = values.get("owner_id").and_then(Value::as_id);
        let title = values.get("title").and_then(Value::as_text).unwrap_or_default();
        if let Some(owner) = owner
            && Some(owner) != actor.author()
            && old.is_none_or(|o| o.owner_id() != Some(owner))
        {
            let params = serde_json::json!({"title": title, "by": actor.name}).to_string();
            let link = format!("/tasks/{id}");
            let n = notifications::NewNotification {
                kind: "task_assigned",
                params: &params,
                link: Some(&link),
                dedupe_key: None,
            };
            notifications::insert_for(txn, &[owner], &n, now_ms()).await?;
        }
        Ok(())
    }
}

/// Queues the reminder of an open, assigned task (`version`: the task's version after this write,
/// so each write that moves it queues its own).
async fn queue_reminder(txn: &DatabaseTransaction, id: i64, version: i64, values: &Values, now: i64) -> Result<()> {
    let open = values.get("status").and_then(Value::as_text) == Some("open");
    let due = values.get("due_at").and_then(Value::as_datetime);
    let reminder = values.get("reminder").and_then(Value::as_text).unwrap_or("none");
    let assigned = values.get("owner_id").and_then(Value::as_id).is_some();
    if let (true, true, Some(due), Some(offset)) = (open, assigned, due, tasks::reminder_offset_ms(reminder)) {
        let payload = serde_json::json!({"task": id, "due": due, "reminder": reminder}).to_string();
        kervan_store::jobs::enqueue(
            txn,
            REMINDER_JOB,
            &payload,
            Some(&format!("task-reminder:{id}:v{version}")),
            due - offset,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The job that turns a due reminder into a notification.
pub const REMINDER_JOB: &str = "task_reminder";

/// The job that creates the next task of a series once one is done.
pub const RECUR_JOB: &str = "task_recur";

#[derive(serde::Deserialize)]
struct RecurJob {
    task: i64,
    due: i64,
}

/// Creates the next task of a series: the same task, open, due one period after the done one
/// (or later, never in the past), with its reminder queued and "created" in its history.
pub async fn recur(app: &App, payload: &str) -> Result<()> {
    use kervan_store::TransactionTrait;
    let job: RecurJob =
        serde_json::from_str(payload).map_err(|e| AppError::Internal(format!("bad recurrence payload: {e}")))?;
    let kind = Tasks::KIND;
    let defs = records::defs(app, kind).await?;
    let c = &app.db.conn;
    let Some(done) = records::read(c, kind, &defs, job.task).await? else {
        return Ok(());
    };
    let now = now_ms();
    let Some(due) = tasks::next_due(job.due, done.text("repeat").unwrap_or("none"), now) else {
        return Ok(());
    };
    // Moved since (its new due time has a job of its own), cancelled, or archived: no next one.
    let still = done.values.get("due_at").and_then(Value::as_datetime) == Some(job.due)
        && done.text("status") != Some("cancelled")
        && done.archived_at.is_none();
    if !still {
        return Ok(());
    }
    let mut values = done.values.clone();
    values.insert("status", Value::Choice("open".into()));
    values.insert("due_at", Value::DateTime(due));
    let txn = c.begin().await?;
    let actor = Actor::system();
    let id = records::insert_in::<Tasks>(&txn, &actor, &defs, &values, &done.custom, &[], now).await?;
    queue_reminder(&txn, id, 1, &values, now).await?;
    // The new one continues the series when it falls due in turn.
    let payload = serde_json::json!({"task": id, "due": due}).to_string();
    kervan_store::jobs::enqueue_by(&txn, RECUR_JOB, &payload, &format!("task-recur:{id}:{due}"), due, now).await?;
    txn.commit().await?;
    Ok(())
}

#[derive(serde::Deserialize)]
struct ReminderJob {
    task: i64,
    due: i64,
    reminder: String,
}

/// Runs a reminder job: the assignee of a task still open, still due then and still reminded
/// so, is notified — once per (task, due time, reminder), however often the job runs.
pub async fn remind(app: &App, payload: &str) -> Result<()> {
    let defs = records::defs(app, Tasks::KIND).await?;
    remind_in(&app.db.conn, &defs, payload).await
}

async fn remind_in<C: kervan_store::ConnectionTrait>(
    c: &C,
    defs: &[kervan_core::record::CustomDef],
    payload: &str,
) -> Result<()> {
    let job: ReminderJob =
        serde_json::from_str(payload).map_err(|e| AppError::Internal(format!("bad reminder payload: {e}")))?;
    let Some(rec) = records::read(c, Tasks::KIND, defs, job.task).await? else {
        return Ok(());
    };
    let still = rec.archived_at.is_none()
        && rec.text("status") == Some("open")
        && rec.values.get("due_at").and_then(Value::as_datetime) == Some(job.due)
        && rec.text("reminder") == Some(job.reminder.as_str());
    let Some(owner) = rec.owner_id().filter(|_| still) else {
        return Ok(());
    };
    let params = serde_json::json!({"title": rec.text("title").unwrap_or_default(), "due": job.due}).to_string();
    let link = format!("/tasks/{}", rec.id);
    let key = format!("task-due:{}:{}:{}", rec.id, job.due, job.reminder);
    let n = notifications::NewNotification {
        kind: "task_due",
        params: &params,
        link: Some(&link),
        dedupe_key: Some(&key),
    };
    notifications::insert_for(c, &[owner], &n, now_ms()).await?;
    Ok(())
}

/// A batch of reminder jobs in one transaction: every notification is written together with its
/// job marked done (so a crash leaves neither), and the batch costs one commit, not two per job.
/// An error anywhere rolls the batch back; the caller then runs the jobs one by one.
pub async fn remind_batch(app: &App, jobs: &[(i64, String)]) -> Result<()> {
    use kervan_store::TransactionTrait;
    let defs = records::defs(app, Tasks::KIND).await?;
    let txn = app.db.conn.begin().await?;
    let now = now_ms();
    for (id, payload) in jobs {
        remind_in(&txn, &defs, payload).await?;
        kervan_store::jobs::finish(&txn, *id, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Marks a task done (`done: true`) or open again, at the version the user saw; the history
/// records the change like any edit.
pub async fn complete(app: &App, actor: &Actor, id: i64, version: i64, done: bool) -> Result<()> {
    let status = if done { "done" } else { "open" };
    let inputs = Inputs {
        fields: BTreeMap::from([("status".to_string(), Input::Text(status.to_string()))]),
        custom: BTreeMap::new(),
        ..Default::default()
    };
    records::update::<Tasks>(app, actor, id, version, &inputs, &WriteOptions::default()).await?;
    // A series' next task is made by the worker: now, not at its next round.
    app.jobs.notify_one();
    Ok(())
}

pub use crate::lists::Whose;

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

async fn page(
    app: &App,
    actor: &Actor,
    pairs: Vec<(String, String)>,
    owners: Option<&[i64]>,
    limit: u64,
) -> Result<records::RecordPage> {
    let kind = Tasks::KIND;
    let defs = records::defs(app, kind).await?;
    let mut spec = lists::parse::<Tasks>(app.db.conn.get_database_backend(), &defs, &pairs, limit, limit)
        .map_err(AppError::Validation)?;
    if let Some(o) = owners {
        let a = kind.alias;
        spec.query.conds.push((
            format!("{a}.owner_id IN ({})", vec!["?"; o.len().max(1)].join(", ")),
            if o.is_empty() {
                vec![0i64.into()]
            } else {
                o.iter().map(|x| (*x).into()).collect()
            },
        ));
    }
    records::list_kind(app, actor, kind, &defs, &spec.query).await
}

pub async fn agenda(app: &App, actor: &Actor, whose: Whose, now: i64) -> Result<Agenda> {
    actor.require(tasks::KIND.module, Action::View)?;
    // A team member's or one team's tasks (visibility still applies); `None`: all one sees.
    let owners = match whose {
        Whose::Mine => Some(vec![actor.user_id]),
        Whose::Of(id) => Some(vec![id]),
        Whose::Team => None,
        Whose::InTeam(_) => lists::owners(app, actor, whose, tasks::KIND.module).await?,
    };
    let with = |status: &str, sort: &str| {
        vec![
            ("status".to_string(), status.to_string()),
            ("sort".to_string(), sort.to_string()),
        ]
    };
    let open = page(app, actor, with("open", "due_at"), owners.as_deref(), AGENDA_OPEN).await?;
    let done = page(app, actor, with("done", "-updated_at"), owners.as_deref(), 10).await?;
    let (start, end) = kervan_core::time::today_bounds(now);
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

/// The dashboard's task cards.
pub struct Numbers {
    pub today: i64,
    pub overdue: i64,
    /// Overdue tasks per person of the team (or company) the actor sees beyond their own; empty
    /// for someone who sees only their own.
    pub team_overdue: Vec<kervan_store::tasks::OwnerCount>,
}

pub async fn numbers(app: &App, actor: &Actor, now: i64) -> Result<Option<Numbers>> {
    if !actor.can(tasks::KIND.module, Action::View) {
        return Ok(None);
    }
    let c = &app.db.conn;
    let (start, end) = kervan_core::time::today_bounds(now);
    let mine = kervan_store::tasks::due_counts(c, actor.user_id, start, end).await?;
    let vis = records::visibility(actor, Tasks::KIND, Action::View);
    let team_overdue = match vis {
        kervan_store::listing::Visibility::All | kervan_store::listing::Visibility::Team { .. } => {
            kervan_store::tasks::overdue_by_owner(c, vis, start).await?
        }
        _ => vec![],
    };
    Ok(Some(Numbers {
        today: mine.today,
        overdue: mine.overdue,
        team_overdue,
    }))
}

/// The tasks about one record (`field`: the referring field, `lead_id` …) the actor may see: the
/// open ones by due time, then the last done or cancelled.
pub async fn about(app: &App, actor: &Actor, field: &str, id: i64) -> Result<(Vec<Record>, Vec<Record>)> {
    actor.require(tasks::KIND.module, Action::View)?;
    let with = |status: &str, sort: &str| {
        vec![
            (field.to_string(), id.to_string()),
            ("status".to_string(), status.to_string()),
            ("sort".to_string(), sort.to_string()),
        ]
    };
    let open = page(app, actor, with("open", "due_at"), None, 50).await?;
    let mut closed = page(app, actor, with("done", "-updated_at"), None, 10).await?.records;
    closed.extend(
        page(app, actor, with("cancelled", "-updated_at"), None, 5)
            .await?
            .records,
    );
    Ok((open.records, closed))
}
