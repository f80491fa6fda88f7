//! In-app notifications: one row per recipient. `params` is a small JSON object the web layer
//! fills into the message of `kind` (so the text is in the reader's language, not the writer's).

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result};

#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub params: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

pub struct NewNotification<'a> {
    pub kind: &'a str,
    pub params: &'a str,
    pub link: Option<&'a str>,
    /// Notify once: a second notification with the same key (per recipient) is not written.
    pub dedupe_key: Option<&'a str>,
}

/// Writes the notification for each user; returns how many were written (duplicates skipped).
pub async fn insert_for<C: ConnectionTrait>(c: &C, users: &[i64], n: &NewNotification<'_>, now: i64) -> Result<u64> {
    let mut written = 0;
    for u in users {
        let key = n.dedupe_key.map(|k| format!("{k}:u{u}"));
        // Also to be e-mailed when the person wants this kind by mail (their choice, else the
        // kind's default) — decided in the same statement, so a reminder costs no extra query.
        written += db::exec(
            c,
            "INSERT INTO notifications (user_id, kind, params, link, dedupe_key, created_at, mail_state, mail_at)
             VALUES (?, ?, ?, ?, ?, ?,
               CASE WHEN COALESCE((SELECT p.email FROM notification_prefs p WHERE p.user_id = ? AND p.kind = ?), ?)
                    THEN 'pending' END, ?)
             ON CONFLICT (dedupe_key) DO NOTHING",
            vec![
                (*u).into(),
                n.kind.into(),
                n.params.into(),
                n.link.map(str::to_string).into(),
                key.into(),
                now.into(),
                (*u).into(),
                n.kind.into(),
                kervan_core::notifications::email_default(n.kind).into(),
                now.into(),
            ],
        )
        .await?;
    }
    Ok(written)
}

/// The user's notifications, newest first, `before` an id for the next page.
pub async fn for_user<C: ConnectionTrait>(
    c: &C,
    user_id: i64,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<NotificationRow>> {
    db::all(
        c,
        "SELECT id, user_id, kind, params, link, created_at, read_at FROM notifications
         WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
        vec![user_id.into(), before.unwrap_or(i64::MAX).into(), (limit as i64).into()],
    )
    .await
}

pub async fn unread_count<C: ConnectionTrait>(c: &C, user_id: i64) -> Result<i64> {
    Ok(db::scalar_i64(
        c,
        "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL",
        vec![user_id.into()],
    )
    .await?
    .unwrap_or(0))
}

/// Marks one of the user's notifications read; `false` when it is not theirs (or not there).
pub async fn mark_read<C: ConnectionTrait>(c: &C, user_id: i64, id: i64, now: i64) -> Result<bool> {
    let n = db::exec(
        c,
        "UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?",
        vec![now.into(), id.into(), user_id.into()],
    )
    .await?;
    Ok(n > 0)
}

pub async fn mark_all_read<C: ConnectionTrait>(c: &C, user_id: i64, now: i64) -> Result<u64> {
    db::exec(
        c,
        "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL",
        vec![now.into(), user_id.into()],
    )
    .await
}

/// Whether a notification with one of these dedupe keys (as `insert_for` wrote them: the key,
/// `:u`, the recipient) was written at or after `since`.
pub async fn given_since<C: ConnectionTrait>(c: &C, keys: &[String], since: i64) -> Result<bool> {
    if keys.is_empty() {
        return Ok(false);
    }
    let marks = vec!["?"; keys.len()].join(", ");
    let mut values: Vec<sea_orm::Value> = keys.iter().map(|k| k.clone().into()).collect();
    values.push(since.into());
    Ok(db::scalar_i64(
        c,
        &format!("SELECT COUNT(*) FROM notifications WHERE dedupe_key IN ({marks}) AND created_at >= ?"),
        values,
    )
    .await?
    .unwrap_or(0)
        > 0)
}

/// A notification to e-mail, with its recipient.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MailRow {
    pub id: i64,
    pub kind: String,
    pub params: String,
    pub link: Option<String>,
    pub email: String,
    pub name: String,
    pub language: String,
    pub mail_tries: i64,
}

/// Claims up to `limit` notifications waiting to be e-mailed (or claimed by a worker that died
/// more than `stale_ms` ago): one statement, so two servers never claim the same one.
pub async fn claim_mail<C: ConnectionTrait>(c: &C, now: i64, stale_ms: i64, limit: u64) -> Result<Vec<MailRow>> {
    let postgres = c.get_database_backend() == sea_orm::DbBackend::Postgres;
    let lock = if postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let ids: Vec<IdRow> = db::all(
        c,
        &format!(
            "UPDATE notifications SET mail_state = 'sending', mail_at = ? WHERE id IN (
               SELECT id FROM notifications WHERE ((mail_state = 'pending' AND mail_at <= ?)
                  OR (mail_state = 'sending' AND mail_at < ?))
                  AND user_id IN (SELECT id FROM users WHERE deactivated_at IS NULL)
                ORDER BY id LIMIT ?{lock}) RETURNING id"
        ),
        vec![now.into(), now.into(), (now - stale_ms).into(), (limit as i64).into()],
    )
    .await?;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let marks = vec!["?"; ids.len()].join(", ");
    db::all(
        c,
        &format!(
            "SELECT n.id, n.kind, n.params, n.link, u.email, u.name, u.language, n.mail_tries FROM notifications n
             JOIN users u ON u.id = n.user_id WHERE n.id IN ({marks}) AND u.deactivated_at IS NULL ORDER BY n.id"
        ),
        ids.into_iter().map(|r| r.id.into()).collect(),
    )
    .await
}

/// After a try: `sent`, or back to `pending` at `retry_at`, or `failed` for good — only while
/// the claim made at `claimed_at` is still this sender's (a claim gone stale and taken by
/// another sender is theirs to finish). Returns whether it was.
pub async fn mail_done<C: ConnectionTrait>(
    c: &C,
    id: i64,
    claimed_at: i64,
    state: &str,
    retry_at: i64,
) -> Result<bool> {
    let n = db::exec(
        c,
        "UPDATE notifications SET mail_state = ?, mail_at = ?, mail_tries = mail_tries + 1
         WHERE id = ? AND mail_state = 'sending' AND mail_at = ?",
        vec![state.into(), retry_at.into(), id.into(), claimed_at.into()],
    )
    .await?;
    Ok(n > 0)
}

/// Whether the claim made at `claimed_at` is still this sender's: checked right before each
/// send, so a batch that outlived its claim stops instead of mailing twice.
pub async fn still_claimed<C: ConnectionTrait>(c: &C, id: i64, claimed_at: i64) -> Result<bool> {
    let rows: Vec<IdRow> = db::all(
        c,
        "SELECT id FROM notifications WHERE id = ? AND mail_state = 'sending' AND mail_at = ?",
        vec![id.into(), claimed_at.into()],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// The person's own choices: `(kind, by e-mail)`.
pub async fn prefs<C: ConnectionTrait>(c: &C, user_id: i64) -> Result<Vec<(String, bool)>> {
    let rows: Vec<PrefRow> = db::all(
        c,
        "SELECT kind, email FROM notification_prefs WHERE user_id = ?",
        vec![user_id.into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| (r.kind, r.email)).collect())
}

#[derive(FromQueryResult)]
struct PrefRow {
    kind: String,
    email: bool,
}

#[derive(FromQueryResult)]
struct IdRow {
    id: i64,
}

pub async fn set_pref<C: ConnectionTrait>(c: &C, user_id: i64, kind: &str, email: bool) -> Result<()> {
    db::exec(
        c,
        "INSERT INTO notification_prefs (user_id, kind, email) VALUES (?, ?, ?)
         ON CONFLICT (user_id, kind) DO UPDATE SET email = excluded.email",
        vec![user_id.into(), kind.into(), email.into()],
    )
    .await?;
    Ok(())
}
