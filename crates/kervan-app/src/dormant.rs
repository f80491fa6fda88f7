//! The sleeping-customer rule: settings per kind (off until an admin has seen the first run's
//! count), the daily run that gives each sleeper's owner one follow-up task per dormant period,
//! and the dashboard's count.

use kervan_core::FieldErrors;
use kervan_core::dormant::{self, MAX_DAYS, MIN_DAYS, Setting};
use kervan_core::record::{Input, Inputs};
use kervan_core::time::{day_start_ms, local_input, now_ms, today_local};
use kervan_store::{dormant as store, settings};

use crate::error::{AppError, Result};
use crate::{Actor, App};

/// The job that runs the rule (once a day, and at once when an admin switches it on).
pub const JOB: &str = "dormant_scan";
const DAY: i64 = 86_400_000;
/// Sleepers handled per statement.
const BATCH: u64 = 200;

fn key(kind: &str) -> String {
    format!("dormant:{kind}")
}

fn table(kind: &str) -> Result<&'static str> {
    kervan_core::kinds::by_key(kind)
        .map(|k| k.table)
        .ok_or(AppError::NotFound)
}

/// The setting of `kind` (off, with `default_title`, when never saved).
pub async fn setting(app: &App, kind: &str, default_title: &str) -> Result<Setting> {
    Ok(settings::get(&app.db.conn, &key(kind))
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_else(|| Setting::off(default_title)))
}

/// How many tasks a run with `days` would make now.
pub async fn preview(app: &App, kind: &str, days: i64) -> Result<i64> {
    let rule = dormant::rule(kind).ok_or(AppError::NotFound)?;
    Ok(store::count(&app.db.conn, rule, table(kind)?, now_ms() - days * DAY).await?)
}

/// What an admin posts for one kind.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub enabled: bool,
    pub days: String,
    pub title: String,
    /// The count the admin was shown; switching on needs the current one.
    pub seen_count: Option<i64>,
}

/// Saves a kind's setting. Switching the rule on (or changing the days while on) is refused
/// with the count the first run would make unless the admin saw that very count: a big
/// database is never flooded by surprise (`Err(Validation)` with `dormant_confirm`).
pub async fn save(app: &App, actor: &Actor, kind: &str, c: &Change, default_title: &str) -> Result<Setting> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: kervan_core::permissions::Module::Users,
            action: kervan_core::permissions::Action::Edit,
        });
    }
    dormant::rule(kind).ok_or(AppError::NotFound)?;
    let mut e = FieldErrors::new();
    let days = match c.days.trim().parse::<i64>() {
        Ok(d) if (MIN_DAYS..=MAX_DAYS).contains(&d) => d,
        _ => {
            e.add_with("days", "out_of_range", MAX_DAYS);
            0
        }
    };
    let title = c.title.trim().to_string();
    if title.is_empty() {
        e.add("title", "required");
    } else if title.chars().count() > dormant::MAX_TITLE || title.chars().any(char::is_control) {
        e.add_with("title", "too_long", dormant::MAX_TITLE);
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let old = setting(app, kind, default_title).await?;
    let widening = c.enabled && (!old.enabled || days < old.days);
    if widening {
        let n = preview(app, kind, days).await?;
        if c.seen_count != Some(n) {
            let mut e = FieldErrors::new();
            e.add_with("enabled", "dormant_confirm", n);
            return Err(AppError::Validation(e));
        }
    }
    let s = Setting {
        enabled: c.enabled,
        days,
        title,
    };
    let json = serde_json::to_string(&s).map_err(|x| AppError::Internal(x.to_string()))?;
    settings::set(&app.db.conn, &key(kind), &json, actor.author(), now_ms()).await?;
    if s.enabled {
        let key = format!("{JOB}:now:{}", now_ms());
        kervan_store::jobs::enqueue(&app.db.conn, JOB, "{}", Some(&key), now_ms(), now_ms()).await?;
        app.jobs.notify_one();
    }
    Ok(s)
}

/// Queues today's run when a rule is on (one per day, whichever server asks first). Asking again
/// leaves a queued run alone: a failed run keeps its backoff instead of being retried every tick.
pub async fn schedule(app: &App) -> Result<()> {
    let mut on = false;
    for r in dormant::RULES {
        on |= setting(app, r.kind, "").await?.enabled;
    }
    if on {
        crate::jobs::enqueue_daily(app, JOB).await?;
    }
    Ok(())
}

/// Runs the rule: for every sleeper of every switched-on kind, the period is marked first and the
/// task made after, so a crash between the two leaves a period without a task rather than two
/// tasks. Returns how many tasks were made.
pub async fn run(app: &App) -> Result<u64> {
    let mut made = 0;
    let now = now_ms();
    let due = local_input(day_start_ms(today_local(now) + chrono::Days::new(1)) + 10 * 3_600_000);
    let tasks = crate::registry::entries()
        .into_iter()
        .find(|e| e.kind.follow_up.is_some())
        .ok_or_else(|| AppError::Internal("no follow-up kind".into()))?;
    for r in dormant::RULES {
        let s = setting(app, r.kind, "").await?;
        if !s.enabled || s.title.is_empty() {
            continue;
        }
        let Some(kind) = kervan_core::kinds::by_key(r.kind) else {
            continue;
        };
        let Some(link) = tasks
            .kind
            .fields
            .iter()
            .find(|f| f.ty == kervan_core::record::FieldType::Reference && f.refers == r.kind)
        else {
            continue;
        };
        loop {
            let batch = store::next(&app.db.conn, r, kind.table, now - s.days * DAY, BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for sl in batch {
                if !store::mark(&app.db.conn, r.kind, sl.id, sl.period, now).await? {
                    continue;
                }
                let name = kervan_store::records::name_of(&app.db.conn, kind, sl.id)
                    .await?
                    .unwrap_or_default();
                let inputs = Inputs {
                    fields: [
                        ("title".to_string(), Input::Text(s.title_for(&name))),
                        ("due_at".to_string(), Input::Text(due.clone())),
                        ("owner_id".to_string(), Input::Text(sl.owner_id.to_string())),
                        (link.key.to_string(), Input::Text(sl.id.to_string())),
                    ]
                    .into_iter()
                    .collect(),
                    custom: Default::default(),
                    ..Default::default()
                };
                match (tasks.create)(app.clone(), Actor::system(), inputs).await {
                    Ok(task) => {
                        store::set_task(&app.db.conn, r.kind, sl.id, sl.period, task).await?;
                        made += 1;
                    }
                    // The owner left or the record changed meanwhile: the period stays marked,
                    // the rule does not nag about it again.
                    Err(e) => {
                        tracing::warn!(kind = r.kind, record = sl.id, error = %e, "sleeping-customer task not made")
                    }
                }
            }
        }
    }
    Ok(made)
}

/// Open tasks the rule made for the actor.
pub async fn open_mine(app: &App, actor: &Actor) -> Result<i64> {
    Ok(store::open_for(&app.db.conn, actor.user_id).await?)
}
