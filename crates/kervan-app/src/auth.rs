//! Signing in and out, sessions, API tokens, passwords.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::RngCore;
use sha2::{Digest, Sha256};

use kervan_core::time::now_ms;
use kervan_core::{Email, FieldErrors};
use kervan_store::{login_failures, sessions, tokens, users};

use crate::error::{AppError, Result};
use crate::{Actor, App};

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 200;

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Argon2id with the crate's default parameters (the OWASP minimum), off the async threads.
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let hash: std::result::Result<PasswordHash, _> =
            Argon2::default().hash_password_with_salt(password.as_bytes(), &salt);
        hash.map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

pub async fn verify_password(password: &str, hash: &str) -> bool {
    let password = password.to_string();
    let hash = hash.to_string();
    tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    })
    .await
    .unwrap_or(false)
}

/// Spends the same time on an unknown e-mail as on a known one, so timing does not tell
/// which addresses have accounts.
async fn dummy_verify(password: &str) {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    if let Ok(h) = DUMMY.get_or_try_init(|| hash_password("kervan-timing-equaliser")).await {
        let _ = verify_password(password, h).await;
    }
}

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

/// Signs in. Failures from one address are counted; past a threshold each try is slowed, past
/// the limit refused with `RateLimited`, whatever the password.
pub async fn login(app: &App, email: &str, password: &str, ip: &str, user_agent: &str) -> Result<(NewSession, i64)> {
    let c = &app.db.conn;
    let now = now_ms();
    let cfg = &app.config;
    let failures = login_failures::count_since(c, ip, now - cfg.login_window_ms).await?;
    if failures >= cfg.login_max_failures {
        return Err(AppError::RateLimited {
            retry_after_secs: (cfg.login_window_ms / 1000) as u64,
        });
    }
    if failures >= cfg.login_slow_after {
        let extra = (failures - cfg.login_slow_after + 1) as u64;
        tokio::time::sleep(std::time::Duration::from_millis(cfg.login_delay_ms * extra)).await;
    }
    let user = match Email::parse(email) {
        Ok(e) => users::by_email(c, e.as_str()).await?,
        Err(_) => None,
    };
    let ok = match &user {
        Some(u) if u.deactivated_at.is_none() && password.len() <= MAX_PASSWORD => {
            verify_password(password, &u.password_hash).await
        }
        _ => {
            dummy_verify(password).await;
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        login_failures::record(c, ip, &email.chars().take(254).collect::<String>(), now).await?;
        return Err(AppError::BadCredentials);
    };
    login_failures::clear(c, ip).await?;
    let s = NewSession {
        secret: random_hex(32),
        csrf: random_hex(32),
    };
    let ua: String = user_agent.chars().take(300).collect();
    sessions::insert(c, &sha256_hex(&s.secret), user.id, &s.csrf, now, ip, &ua).await?;
    Ok((s, user.id))
}

/// The actor behind a session cookie, with the session's CSRF token. Idle sessions end here.
pub async fn session_actor(app: &App, secret: &str) -> Result<(Actor, String)> {
    let c = &app.db.conn;
    let hash = sha256_hex(secret);
    let s = sessions::get(c, &hash).await?.ok_or(AppError::Unauthorized)?;
    let now = now_ms();
    if now - s.last_seen_at > app.config.session_idle_ms {
        sessions::delete(c, &hash).await?;
        return Err(AppError::Unauthorized);
    }
    let user = users::by_id(c, s.user_id).await?.ok_or(AppError::Unauthorized)?;
    if user.deactivated_at.is_some() {
        sessions::delete(c, &hash).await?;
        return Err(AppError::Unauthorized);
    }
    // Write at most once a minute: a read-only page view should not cost a write.
    if now - s.last_seen_at > 60_000 {
        sessions::touch(c, &hash, now).await?;
    }
    Ok((Actor::load(c, &user).await?, s.csrf_token))
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
    let user = users::by_id(c, t.user_id).await?.ok_or(AppError::Unauthorized)?;
    if user.deactivated_at.is_some() {
        return Err(AppError::Unauthorized);
    }
    let now = now_ms();
    if t.last_used_at.is_none_or(|at| now - at > 60_000) {
        tokens::touch(c, t.id, now).await?;
    }
    Actor::load(c, &user).await
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
    if !verify_password(current, &user.password_hash).await {
        e.add("current_password", "wrong_password");
    }
    check_new_password("new_password", new, &mut e);
    if new != repeat {
        e.add("repeat_password", "password_mismatch");
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let hash = hash_password(new).await?;
    users::set_password(c, actor.user_id, &hash).await?;
    sessions::delete_others(c, actor.user_id, &sha256_hex(keep_session)).await?;
    Ok(())
}
