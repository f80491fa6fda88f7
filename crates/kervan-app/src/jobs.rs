//! The background worker: claims due jobs one at a time (a lease, so two workers or two servers
//! never run the same job), runs them, retries failures with backoff. Today it builds custom
//! field indexes and refreshes search keys; reminders, mail and imports come later.

use std::time::Duration;

use kervan_core::time::now_ms;
use kervan_store::{custom_fields, jobs};
use serde::Deserialize;

use crate::error::{AppError, Result};
use crate::lists::custom_key_expr;
use crate::{Actor, App, registry};
use kervan_core::permissions::{Action, Module};

/// How long a claimed job is ours before another worker may take it over; the heartbeat renews
/// it every third of that while the job runs, so a crashed worker's job is taken over within a
/// minute while a long index build is never run twice.
const LEASE_MS: i64 = 60 * 1000;
const HEARTBEAT: Duration = Duration::from_secs(20);
/// Tries before a job is left failed: a dead letter, shown under Ayarlar → İşler with a retry.
pub const MAX_ATTEMPTS: i64 = 5;

#[derive(Deserialize)]
struct KindKey {
    kind: String,
    #[serde(default)]
    key: String,
}

async fn handle(app: &App, kind: &str, payload: &str) -> Result<()> {
    match kind {
        crate::tasks::REMINDER_JOB => crate::tasks::remind(app, payload).await,
        crate::tasks::RECUR_JOB => crate::tasks::recur(app, payload).await,
        crate::dormant::JOB => crate::dormant::run(app).await.map(|_| ()),
        crate::quotes::EXPIRY_JOB => crate::quotes::run_expiry(app).await.map(|_| ()),
        crate::imports::JOB => crate::imports::run_job(app, payload).await,
        crate::exports::JOB => crate::exports::run_job(app, payload).await,
        crate::bulk::JOB => crate::bulk::run_job(app, payload).await,
        _ => index_work(app, kind, payload).await,
    }
}

/// Index builds and search key refreshes of a kind's custom fields.
async fn index_work(app: &App, kind: &str, payload: &str) -> Result<()> {
    let p: KindKey = serde_json::from_str(payload).map_err(|e| AppError::Internal(format!("bad payload: {e}")))?;
    let entry = registry::entry(&p.kind).ok_or_else(|| AppError::Internal(format!("unknown kind {}", p.kind)))?;
    match kind {
        "custom_index" => {
            let c = &app.db.conn;
            let Some(d) = custom_fields::get(c, entry.kind.key, &p.key).await? else {
                return Ok(());
            };
            if d.index_state != "pending" {
                return Ok(());
            }
            if let Some(expr) = custom_key_expr(c.get_database_backend(), "", &d) {
                kervan_store::records::build_custom_index(c, entry.kind, &d.key, &expr).await?;
            }
            custom_fields::set_index_state(c, d.id, "ready").await?;
            app.cache.clear();
            tracing::info!(kind = %p.kind, key = %p.key, "custom field index ready");
            Ok(())
        }
        "search_keys" => {
            let n = (entry.refresh_search)(app.clone()).await?;
            tracing::info!(kind = %p.kind, records = n, "search keys refreshed");
            Ok(())
        }
        other => Err(AppError::Internal(format!("unknown job kind {other}"))),
    }
}

/// Jobs claimed at once: a burst of reminders costs one claim per batch, not per job.
const BATCH: u64 = 32;

/// Runs every job that is due now; returns how many ran (tests and the worker loop use it).
pub async fn run_due(app: &App) -> Result<usize> {
    let mut ran = 0;
    loop {
        let batch = jobs::claim_batch(&app.db.conn, now_ms(), LEASE_MS, MAX_ATTEMPTS, BATCH).await?;
        if batch.is_empty() {
            return Ok(ran);
        }
        // The jobs of the batch not finished yet: the heartbeat keeps their leases.
        let pending = std::sync::Mutex::new(batch.iter().map(|j| j.id).collect::<Vec<i64>>());
        let work = async {
            // Reminders together, in one transaction; one by one if that fails.
            let reminders: Vec<(i64, String)> = batch
                .iter()
                .filter(|j| j.kind == crate::tasks::REMINDER_JOB)
                .map(|j| (j.id, j.payload.clone()))
                .collect();
            let together = !reminders.is_empty() && crate::tasks::remind_batch(app, &reminders).await.is_ok();
            if together && let Ok(mut p) = pending.lock() {
                p.retain(|id| !reminders.iter().any(|r| r.0 == *id));
            }
            for job in batch
                .iter()
                .filter(|j| !(together && j.kind == crate::tasks::REMINDER_JOB))
            {
                match handle(app, &job.kind, &job.payload).await {
                    Ok(()) => jobs::finish(&app.db.conn, job.id, now_ms()).await?,
                    Err(e) => {
                        // 2, 4, 8 … minutes.
                        let backoff = 60_000 * (1i64 << job.attempts.clamp(1, 10));
                        tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed");
                        jobs::fail(&app.db.conn, job.id, &e.to_string(), now_ms() + backoff).await?;
                    }
                }
                if let Ok(mut p) = pending.lock() {
                    p.retain(|id| *id != job.id);
                }
            }
            Ok::<usize, AppError>(batch.len())
        };
        ran += with_heartbeat(app, &pending, work).await?;
    }
}

/// Runs a batch's work while renewing the leases of its jobs still waiting or running.
async fn with_heartbeat<T>(
    app: &App,
    pending: &std::sync::Mutex<Vec<i64>>,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.tick().await;
    tokio::pin!(work);
    loop {
        tokio::select! {
            r = &mut work => return r,
            _ = beat.tick() => {
                let ids = pending.lock().map(|p| p.clone()).unwrap_or_default();
                if let Err(e) = jobs::renew_many(&app.db.conn, &ids, now_ms() + LEASE_MS).await {
                    tracing::warn!(error = %e, "job heartbeat");
                }
            }
        }
    }
}

/// What the admin's page shows: the counts and the dead letters.
pub struct Overview {
    pub counts: jobs::JobCounts,
    pub dead: Vec<jobs::JobInfo>,
}

fn admin_only(actor: &Actor) -> Result<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            module: Module::Users,
            action: Action::Edit,
        })
    }
}

/// Ayarlar → İşler (admins).
pub async fn overview(app: &App, actor: &Actor) -> Result<Overview> {
    admin_only(actor)?;
    let c = &app.db.conn;
    Ok(Overview {
        counts: jobs::counts(c, now_ms(), MAX_ATTEMPTS).await?,
        dead: jobs::dead(c, MAX_ATTEMPTS, 100).await?,
    })
}

/// Gives a dead job another round of attempts and wakes the worker (admins).
pub async fn retry(app: &App, actor: &Actor, id: i64) -> Result<()> {
    admin_only(actor)?;
    if !jobs::retry(&app.db.conn, id, now_ms()).await? {
        return Err(AppError::NotFound);
    }
    app.jobs.notify_one();
    Ok(())
}

/// Runs due jobs until the process ends: at once when this process queued one, and every
/// `every` for jobs queued elsewhere or due later (retries). Notification mail runs beside it
/// in its own loop, so a slow or unreachable SMTP server never holds reminders back.
pub async fn worker(app: App, every: Duration) {
    let jobs = async {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = app.jobs.notified() => {}
            }
            if let Err(e) = run_due(&app).await {
                tracing::warn!(error = %e, "job worker");
            }
            if let Err(e) = crate::dormant::schedule(&app).await {
                tracing::warn!(error = %e, "sleeping-customer rule");
            }
            if let Err(e) = crate::quotes::schedule(&app).await {
                tracing::warn!(error = %e, "quote expiry");
            }
        }
    };
    let mail = async {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = crate::mailing::send_due(&app).await {
                tracing::warn!(error = %e, "notification mail");
            }
        }
    };
    tokio::join!(jobs, mail);
}

/// Queues today's run of a daily job (the Istanbul day): one per day, whichever server asks
/// first; asking again leaves a queued run alone, so a failed one keeps its backoff.
pub async fn enqueue_daily(app: &App, kind: &str) -> Result<()> {
    let now = kervan_core::time::now_ms();
    let key = format!("{kind}:{}", kervan_core::time::today_local(now));
    kervan_store::jobs::enqueue(&app.db.conn, kind, "{}", Some(&key), now, now).await?;
    Ok(())
}
