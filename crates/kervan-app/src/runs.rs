//! What imports, exports and bulk changes share as runs (see [`kervan_store::runs`]): whose a
//! run is, queueing one for the job worker, and the worker picking it up as the person who
//! asked for it.

use serde::Deserialize;

use kervan_core::time::now_ms;
use kervan_store::DatabaseTransaction;
use kervan_store::runs::{self, RunRow};

use crate::error::{AppError, Result};
use crate::{Actor, App};

/// Run `id` of `op`, if it is the actor's (an admin sees everyone's); otherwise `NotFound`.
pub async fn owned(app: &App, actor: &Actor, op: &str, id: i64) -> Result<RunRow> {
    let row = runs::get(&app.db.conn, id).await?.ok_or(AppError::NotFound)?;
    if row.op != op || (row.user_id != actor.author() && !actor.is_admin()) {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

/// The actor's recent runs of `op`, newest first: their own, an admin everyone's (as
/// [`owned`] decides who may open one).
pub async fn recent(app: &App, actor: &Actor, op: &str, limit: u64) -> Result<Vec<RunRow>> {
    let who = if actor.is_admin() { None } else { actor.author() };
    Ok(runs::recent(&app.db.conn, op, who, limit).await?)
}

/// Queues run `id` for the job worker (`job` is its kind), in the caller's transaction; the
/// caller commits and wakes the worker with [`wake`].
pub async fn enqueue(txn: &DatabaseTransaction, job: &str, id: i64) -> Result<()> {
    let now = now_ms();
    let payload = serde_json::json!({ "run": id }).to_string();
    kervan_store::jobs::enqueue(txn, job, &payload, None, now, now).await?;
    Ok(())
}

pub fn wake(app: &App) {
    app.jobs.notify_one();
}

/// The worker's start of a run: the run of the job's payload, still queued (or interrupted while
/// running), now marked running, with the person who asked for it as the actor (their grants
/// today, not when they asked). `None` when there is nothing left to do.
pub async fn claim(app: &App, payload: &str) -> Result<Option<(RunRow, Actor)>> {
    #[derive(Deserialize)]
    struct P {
        run: i64,
    }
    let p: P = serde_json::from_str(payload).map_err(|e| AppError::Internal(format!("bad payload: {e}")))?;
    let Some(row) = runs::get(&app.db.conn, p.run).await? else {
        return Ok(None);
    };
    if !matches!(row.status.as_str(), "queued" | "running") {
        return Ok(None);
    }
    let actor = match row.user_id {
        Some(uid) => {
            let user = kervan_store::users::by_id(&app.db.conn, uid)
                .await?
                .ok_or(AppError::NotFound)?;
            Actor::load(&app.db.conn, &user).await?
        }
        None => Actor::system(),
    };
    runs::transition(&app.db.conn, row.id, &["queued", "running"], "running", now_ms()).await?;
    Ok(Some((row, actor)))
}

/// Pauses between the write batches of a long run. SQLite has one writer: a run that commits a
/// batch and at once begins the next would keep every other writer (a person saving a form, a
/// session's last-seen) waiting until their busy timeout runs out, because SQLite's busy handler
/// retries only every so often (up to 100 ms apart). A gap longer than that lets each of them in.
/// One gap per second of writing, not one per batch: a person's save waits at most about a
/// second behind an import, and the import loses a tenth of its speed rather than half.
/// PostgreSQL's row locks need no such pause.
pub struct Breather {
    since: std::time::Instant,
}

impl Breather {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(1);
    pub const GAP: std::time::Duration = std::time::Duration::from_millis(120);

    pub fn new() -> Breather {
        Breather {
            since: std::time::Instant::now(),
        }
    }

    /// After a batch committed: pauses when the run has written for a second since the last gap.
    pub async fn breathe(&mut self, app: &App) {
        if self.due(app) {
            tokio::time::sleep(Self::GAP).await;
        }
    }

    /// Whether a pause of [`Breather::GAP`] is due now (counted as taken): for a writer that
    /// takes it elsewhere, beside other work.
    pub fn due(&mut self, app: &App) -> bool {
        let due = !app.db.is_postgres() && self.since.elapsed() >= Self::EVERY;
        if due {
            self.since = std::time::Instant::now();
        }
        due
    }
}

impl Default for Breather {
    fn default() -> Breather {
        Breather::new()
    }
}

/// Tells whoever started run `id` that it has finished (`kind`: `export_ready`, `import_done`),
/// with `params` for the sentence and a link back to the run.
pub async fn tell_runner(
    app: &App,
    actor: &crate::Actor,
    kind: &str,
    params: serde_json::Value,
    link: &str,
) -> Result<()> {
    let Some(user) = actor.author() else {
        return Ok(());
    };
    let params = params.to_string();
    let note = kervan_store::notifications::NewNotification {
        kind,
        params: &params,
        link: Some(link),
        dedupe_key: None,
    };
    kervan_store::notifications::insert_for(&app.db.conn, &[user], &note, kervan_core::time::now_ms()).await?;
    Ok(())
}

/// At start: steps that were running when the server stopped ended with it (they run in the
/// server's process); each run says so and takes its next step again. Returns how many.
pub async fn release_steps(app: &App) -> Result<u64> {
    Ok(runs::release_steps(&app.db.conn).await?)
}

/// Runs a long step of a finished run (an undo, an assignment, first calls) outside the request
/// that asked for it: a hundred thousand records take longer than a request may, and a request
/// cut off half-way must not leave half an undo. The run shows the step while it runs and its
/// report (`{"step", "ok", …}`) when it ends. Refused when a step is already running on the run.
pub async fn detach<F>(app: &App, id: i64, step: &'static str, work: F) -> Result<()>
where
    F: std::future::Future<Output = Result<serde_json::Value>> + Send + 'static,
{
    if !runs::begin_step(&app.db.conn, id, step).await? {
        return Err(AppError::field("status", "run_step_running"));
    }
    let app = app.clone();
    tokio::spawn(async move {
        let report = match work.await {
            Ok(mut v) => {
                v["step"] = serde_json::json!(step);
                v["ok"] = serde_json::json!(true);
                v
            }
            // A refusal keeps its codes, for the page to say in the person's words (a first-call
            // date past the holiday calendar …).
            Err(AppError::Validation(fe)) => serde_json::json!({ "step": step, "ok": false, "problems": fe.0 }),
            Err(e) => serde_json::json!({ "step": step, "ok": false, "error": e.to_string() }),
        };
        if let Err(e) = runs::end_step(&app.db.conn, id, &report.to_string()).await {
            tracing::warn!(run = id, error = %e, "run step report");
        }
    });
    Ok(())
}
