//! The signed-in user's own notifications. Nobody reads or marks another user's.

use kervan_core::time::now_ms;
use kervan_store::notifications::{self as store, NotificationRow};

use crate::error::{AppError, Result};
use crate::{Actor, App};

/// The actor's notifications, newest first; `before` an id for the next page.
pub async fn mine(app: &App, actor: &Actor, before: Option<i64>, limit: u64) -> Result<Vec<NotificationRow>> {
    Ok(store::for_user(&app.db.conn, actor.user_id, before, limit.clamp(1, 200)).await?)
}

pub async fn unread(app: &App, actor: &Actor) -> Result<i64> {
    Ok(store::unread_count(&app.db.conn, actor.user_id).await?)
}

/// Marks one of the actor's notifications read; someone else's is `NotFound`.
pub async fn mark_read(app: &App, actor: &Actor, id: i64) -> Result<()> {
    if store::mark_read(&app.db.conn, actor.user_id, id, now_ms()).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn mark_all_read(app: &App, actor: &Actor) -> Result<u64> {
    Ok(store::mark_all_read(&app.db.conn, actor.user_id, now_ms()).await?)
}
