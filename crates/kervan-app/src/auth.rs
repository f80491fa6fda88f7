//! Signing in and out, sessions, API tokens, passwords.

use rand::RngCore;
use sha2::{Digest, Sha256};

use kervan_core::time::now_ms;
use kervan_core::{Email, FieldErrors};
use kervan_store::notifications::NewNotification;
use kervan_store::{login_failures, notifications, sessions, tokens, users};

use crate::error::{AppError, Result};
use crate::{Actor, App, passwords};

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 200;

/// A secret for a URL (a calendar feed): 32 random bytes in hex.
pub fn random_token() -> String {
    random_hex(32)
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Argon2id with the crate's default parameters (the OWASP minimum), inside the app's bound on
/// concurrent password work.
pub async fn hash_password(app: &App, password: &str) -> Result<String> {
    passwords::hash(&app.passwords, password).await
}

/// Whether `password` matches `hash`, inside the app's bound on concurrent password work
/// (`Busy` when the queue is full).
pub async fn verify_password(app: &App, password: &str, hash: &str) -> Result<bool> {
    passwords::verify(&app.passwords, password, hash).await
}

/// A hash of a password nobody has, with the same parameters as real ones: an unknown e-mail costs
/// the same time as a known one, so timing does not tell which addresses have accounts.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$a2VydmFuLXRpbWluZy0x$1pS3h3hfgmCg6Cmr2mBXIR4DbQ8Sm0VLbA5Uv4ULZdk";

pub fn check_new_password(field: &str, password: &str, e: &mut FieldErrors) {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        e.add_with(field, "password_short", MIN_PASSWORD);
    } else if n > MAX_PASSWORD {
        e.add_with(field, "too_long", MAX_PASSWORD);
    }
}

/// A signed-in browser session: the cookie secret (shown to the browser only) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
}

/// The key failures at one account are counted under: the e-mail as typed, trimmed and
/// lower-cased (an unknown address is counted like a known one, so nothing tells them apart).
fn account_key(email: &str) -> String {
    email.trim().to_lowercase().chars().take(254).collect()
}

/// Signs in.
///
/// Every try is written before the password is checked and counted after (see
/// [`login_failures`]), so parallel tries cannot slip past the limits. Per address: from the
/// `login_slow_after`-th failure each try is slowed, past `login_max_failures` refused with
/// `RateLimited`. Per account, from any address: past `login_account_failures` every try at it is
/// slowed and the admins are told (once per window) — slowed, never locked, so a stranger cannot
/// lock a rep out. A success clears only the account's count, never the address's.
pub async fn login(app: &App, email: &str, password: &str, ip: &str, user_agent: &str) -> Result<(NewSession, i64)> {
    let c = &app.db.conn;
    let now = now_ms();
    let cfg = &app.config;
    let since = now - cfg.login_window_ms;
    let key = account_key(email);
    let typed: String = email.chars().take(254).collect();
    let attempt = login_failures::reserve(c, ip, &typed, &key, now).await?;
    let by_ip = login_failures::count_ip_since(c, ip, since).await?;
    if by_ip > cfg.login_max_failures {
        // A refused try is not a failure of its own: the address is already at its limit.
        login_failures::release(c, attempt).await?;
        let oldest = login_failures::oldest_ip_since(c, ip, since).await?.unwrap_or(now);
        let retry = ((oldest + cfg.login_window_ms - now) / 1000).max(1) as u64;
        return Err(AppError::RateLimited {
            retry_after_secs: retry,
        });
    }
    let by_account = login_failures::count_account_since(c, &key, since).await?;
    let mut delay = 0u64;
    if by_ip > cfg.login_slow_after {
        delay += (by_ip - cfg.login_slow_after) as u64 * cfg.login_delay_ms;
    }
    if by_account > cfg.login_account_failures {
        delay += ((by_account - cfg.login_account_failures) as u64 * cfg.login_delay_ms).min(10_000);
    }
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay.min(20_000))).await;
    }
    let user = match Email::parse(email) {
        Ok(e) => users::by_email(c, e.as_str()).await?,
        Err(_) => None,
    };
    if by_account > cfg.login_account_failures
        && let Some(u) = &user
    {
        warn_admins(app, &u.email, u.id, by_account, now).await;
    }
    let checked = match &user {
        Some(u) if u.deactivated_at.is_none() && password.len() <= MAX_PASSWORD => {
            verify_password(app, password, &u.password_hash).await
        }
        _ => verify_password(app, password, DUMMY_HASH).await.map(|_| false),
    };
    let ok = match checked {
        Ok(ok) => ok,
        Err(e) => {
            // Not checked (the server is busy): not a failure either.
            login_failures::release(c, attempt).await?;
            return Err(e);
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        return Err(AppError::BadCredentials);
    };
    login_failures::release(c, attempt).await?;
    login_failures::clear_account(c, &key).await?;
    let s = NewSession {
        secret: random_hex(32),
        csrf: random_hex(32),
    };
    let ua: String = user_agent.chars().take(300).collect();
    sessions::insert(c, &sha256_hex(&s.secret), user.id, &s.csrf, now, ip, &ua).await?;
    Ok((s, user.id))
}

/// Tells every active admin, once per window and account, that someone keeps guessing at it.
async fn warn_admins(app: &App, email: &str, user_id: i64, failures: i64, now: i64) {
    let c = &app.db.conn;
    let window = app.config.login_window_ms.max(1);
    let result = async {
        // Once per window: the key stops parallel tries within one clock bucket, and a notice of
        // the previous bucket given less than a window ago stops a burst across the bucket's edge
        // from ringing twice.
        let admins = users::active_admin_ids(c).await?;
        let prefix = format!("login-attack:{user_id}:");
        let previous: Vec<String> = admins
            .iter()
            .map(|a| format!("{prefix}{}:u{a}", now / window - 1))
            .collect();
        if kervan_store::notifications::given_since(c, &previous, now - window).await? {
            return Ok(0);
        }
        let params = serde_json::json!({"email": email, "count": failures}).to_string();
        let dedupe = format!("{prefix}{}", now / window);
        let link = "/users".to_string();
        let n = NewNotification {
            kind: "login_attack",
            params: &params,
            link: Some(&link),
            dedupe_key: Some(&dedupe),
        };
        notifications::insert_for(c, &admins, &n, now).await
    }
    .await;
    match result {
        Ok(0) => {}
        Ok(_) => tracing::warn!(
            user_id,
            failures,
            "repeated failed sign-ins at one account; admins notified"
        ),
        Err(e) => tracing::error!(error = %e, "could not notify admins of failed sign-ins"),
    }
}

/// Who a session cookie belongs to, with what the page around them shows.
pub struct SessionInfo {
    pub actor: Actor,
    pub csrf: String,
    /// Unread notifications (the bell).
    pub unread: i64,
}

/// The user of a request, from the users kept in memory.
async fn user_of(app: &App, id: i64) -> Result<users::UserRow> {
    crate::users::all(app)
        .await?
        .iter()
        .find(|u| u.id == id)
        .cloned()
        .ok_or(AppError::Unauthorized)
}

/// The actor behind a session cookie, with the session's CSRF token. Idle sessions end here.
pub async fn session_actor(app: &App, secret: &str) -> Result<SessionInfo> {
    let c = &app.db.conn;
    let hash = sha256_hex(secret);
    let s = sessions::get(c, &hash).await?.ok_or(AppError::Unauthorized)?;
    app.cache.sync(s.cache_version);
    let now = now_ms();
    let cfg = &app.config;
    if now - s.last_seen_at > cfg.session_idle_ms || now - s.created_at > cfg.session_max_age_ms {
        sessions::delete(c, &hash).await?;
        return Err(AppError::Unauthorized);
    }
    let user = user_of(app, s.user_id).await?;
    if user.deactivated_at.is_some() {
        sessions::delete(c, &hash).await?;
        return Err(AppError::Unauthorized);
    }
    // Write at most once a minute (a read-only page view should not cost a write), but often
    // enough that a short idle limit never ends a session in use: a quarter of the limit.
    if now - s.last_seen_at > (cfg.session_idle_ms / 4).min(60_000) {
        sessions::touch(c, &hash, now).await?;
    }
    Ok(SessionInfo {
        actor: Actor::load_cached(app, &user).await?,
        csrf: s.csrf_token,
        unread: s.unread,
    })
}

pub async fn logout(app: &App, secret: &str) -> Result<()> {
    sessions::delete(&app.db.conn, &sha256_hex(secret)).await?;
    Ok(())
}

/// Creates an API token for the user; the token is returned once and stored only hashed.
pub async fn create_token(app: &App, user_id: i64, label: Option<&str>) -> Result<String> {
    let secret = format!("kvn_{}", random_hex(32));
    let prefix: String = secret.chars().take(10).collect();
    tokens::insert(&app.db.conn, user_id, label, &sha256_hex(&secret), &prefix, now_ms()).await?;
    Ok(secret)
}

pub async fn token_actor(app: &App, token: &str) -> Result<Actor> {
    let c = &app.db.conn;
    if !token.starts_with("kvn_") || token.len() > 100 {
        return Err(AppError::Unauthorized);
    }
    let t = tokens::by_hash(c, &sha256_hex(token))
        .await?
        .ok_or(AppError::Unauthorized)?;
    app.cache.sync(t.cache_version);
    let user = user_of(app, t.user_id).await?;
    if user.deactivated_at.is_some() {
        return Err(AppError::Unauthorized);
    }
    let now = now_ms();
    if t.last_used_at.is_none_or(|at| now - at > 60_000) {
        tokens::touch(c, t.id, now).await?;
    }
    Actor::load_cached(app, &user).await
}

/// Changes the actor's own password after checking the current one; other sessions end.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    current: &str,
    new: &str,
    repeat: &str,
    keep_session: &str,
) -> Result<()> {
    let c = &app.db.conn;
    let user = users::by_id(c, actor.user_id).await?.ok_or(AppError::NotFound)?;
    let mut e = FieldErrors::new();
    if !verify_password(app, current, &user.password_hash).await? {
        e.add("current_password", "wrong_password");
    }
    check_new_password("new_password", new, &mut e);
    if new != repeat {
        e.add("repeat_password", "password_mismatch");
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let hash = hash_password(app, new).await?;
    users::set_password(c, actor.user_id, &hash).await?;
    sessions::delete_others(c, actor.user_id, &sha256_hex(keep_session)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::phc::PasswordHash;

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        // If it did not parse, an unknown e-mail would answer at once and give itself away.
        let h = PasswordHash::new(DUMMY_HASH).unwrap();
        let p = argon2::Params::try_from(&h).unwrap();
        let d = argon2::Params::DEFAULT;
        assert_eq!(
            (p.m_cost(), p.t_cost(), p.p_cost()),
            (d.m_cost(), d.t_cost(), d.p_cost())
        );
        assert_eq!(h.hash.map(|o| o.len()), Some(32));
    }

    #[test]
    fn account_keys_ignore_case_and_spaces() {
        assert_eq!(account_key("  Ali@Ornek.com.tr "), "ali@ornek.com.tr");
    }
}
