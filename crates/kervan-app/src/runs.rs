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
