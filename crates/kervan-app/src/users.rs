//! Users: the admin's screen, the command line, and the first admin of a new database.

use kervan_core::permissions::{Action, Module, Role};
use kervan_core::time::now_ms;
use kervan_core::validation::clean_text;
use kervan_core::{Email, FieldErrors};
use kervan_store::users::{self as store, NewUser, TeamRow, UserRow};
use kervan_store::{TransactionTrait, sessions, tokens};

use crate::auth::{check_new_password, hash_password};
use crate::error::{AppError, Result};
use crate::{Actor, App};

#[derive(Debug, Clone, Default)]
pub struct UserDraft {
    pub email: String,
    pub name: String,
    pub role: String,
    pub team: Option<String>,
    pub password: String,
}

/// Creates a user. The admin screen and `kervan user add` both come here.
pub async fn create(app: &App, actor: &Actor, d: &UserDraft) -> Result<i64> {
    actor.require(Module::Users, Action::Create)?;
    let mut e = FieldErrors::new();
    let email = match Email::parse(&d.email) {
        Ok(v) => Some(v),
        Err(_) => {
            e.add(
                "email",
                if d.email.trim().is_empty() {
                    "required"
                } else {
                    "invalid_email"
                },
            );
            None
        }
    };
    let name = clean_text(&mut e, "name", Some(&d.name), 100, false);
    if name.is_none() && !e.has("name") {
        e.add("name", "required");
    }
    let role = Role::parse(d.role.trim());
    if role.is_none() {
        e.add("role", "invalid_choice");
    }
    let team = clean_text(&mut e, "team", d.team.as_deref(), 100, false);
    check_new_password("password", &d.password, &mut e);
    let (Some(email), Some(name), Some(role)) = (email, name, role) else {
        return Err(AppError::Validation(e));
    };
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    if store::by_email(&app.db.conn, email.as_str()).await?.is_some() {
        return Err(AppError::field("email", "email_taken"));
    }
    let hash = hash_password(app, &d.password).await?;
    let txn = app.db.conn.begin().await?;
    let team_id = match team {
        Some(t) => Some(store::team_by_name_or_create(&txn, &t, actor.author()).await?),
        None => None,
    };
    let id = store::insert(
        &txn,
        NewUser {
            email: email.as_str(),
            name: &name,
            password_hash: &hash,
            role: role.as_str(),
            team_id,
            created_by: actor.author(),
        },
    )
    .await
    .map_err(|e| match e {
        kervan_store::StoreError::Duplicate(_) => AppError::field("email", "email_taken"),
        other => other.into(),
    })?;
    txn.commit().await?;
    app.cache.clear();
    Ok(id)
}

pub async fn list(app: &App, actor: &Actor) -> Result<Vec<UserRow>> {
    actor.require(Module::Users, Action::View)?;
    Ok(all(app).await?.to_vec())
}

/// Every user, active ones first, by name (kept in memory: see [`crate::cache`]).
pub async fn all(app: &App) -> Result<std::sync::Arc<Vec<UserRow>>> {
    app.cache.users(async { Ok(store::list(&app.db.conn).await?) }).await
}

/// Everyone a lead may be assigned to by this actor: all active users for an admin scope, the
/// team for a team scope, only themself otherwise.
pub async fn assignable(app: &App, actor: &Actor) -> Result<Vec<UserRow>> {
    assignable_in(app, actor, Module::Leads).await
}

/// Everyone a record of `module` may be assigned to by this actor (see [`assignable`]).
pub async fn assignable_in(app: &App, actor: &Actor, module: Module) -> Result<Vec<UserRow>> {
    let all = all(app).await?;
    let scope = actor
        .scope(module, Action::Edit)
        .or(actor.scope(module, Action::Create));
    Ok(all
        .iter()
        .filter(|u| u.deactivated_at.is_none())
        .filter(|u| match scope {
            Some(kervan_core::permissions::Scope::All) => true,
            Some(kervan_core::permissions::Scope::Team) => {
                u.id == actor.user_id || (actor.team_id.is_some() && u.team_id == actor.team_id)
            }
            _ => u.id == actor.user_id,
        })
        .cloned()
        .collect())
}

/// Every user's id and name, for showing names in lists and history (names are not secret
/// inside a company).
pub async fn names(app: &App) -> Result<Vec<(i64, String)>> {
    Ok(all(app).await?.iter().map(|u| (u.id, u.name.clone())).collect())
}

pub async fn teams(app: &App) -> Result<Vec<TeamRow>> {
    Ok(store::teams(&app.db.conn).await?)
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<UserRow> {
    actor.require(Module::Users, Action::View)?;
    store::by_id(&app.db.conn, id).await?.ok_or(AppError::NotFound)
}

/// Sets role and team. An admin cannot take their own admin role away (someone must remain).
pub async fn set_role_team(app: &App, actor: &Actor, id: i64, role: &str, team: Option<&str>) -> Result<()> {
    actor.require(Module::Users, Action::Edit)?;
    let role = Role::parse(role).ok_or_else(|| AppError::field("role", "invalid_choice"))?;
    if id == actor.user_id && role != Role::Admin && actor.is_admin() {
        return Err(AppError::field("role", "cannot_demote_self"));
    }
    let mut e = FieldErrors::new();
    let team = clean_text(&mut e, "team", team, 100, false);
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let txn = app.db.conn.begin().await?;
    store::by_id(&txn, id).await?.ok_or(AppError::NotFound)?;
    let team_id = match team {
        Some(t) => Some(store::team_by_name_or_create(&txn, &t, actor.author()).await?),
        None => None,
    };
    store::set_role_team(&txn, id, role.as_str(), team_id).await?;
    txn.commit().await?;
    app.cache.clear();
    Ok(())
}

/// Deactivates a user: their sessions end and their API tokens stop working, at once.
pub async fn set_active(app: &App, actor: &Actor, id: i64, active: bool) -> Result<()> {
    actor.require(Module::Users, Action::Edit)?;
    if id == actor.user_id && !active {
        return Err(AppError::field("user", "cannot_deactivate_self"));
    }
    let txn = app.db.conn.begin().await?;
    store::by_id(&txn, id).await?.ok_or(AppError::NotFound)?;
    store::set_active(&txn, id, active).await?;
    if !active {
        sessions::delete_for_user(&txn, id).await?;
        tokens::revoke_for_user(&txn, id, now_ms()).await?;
    }
    txn.commit().await?;
    app.cache.clear();
    Ok(())
}

pub async fn set_language(app: &App, actor: &Actor, lang: &str) -> Result<()> {
    if lang != "tr" && lang != "en" {
        return Err(AppError::field("language", "invalid_choice"));
    }
    store::set_language(&app.db.conn, actor.user_id, lang).await?;
    app.cache.clear();
    Ok(())
}

/// On an empty database, creates the first admin and returns (e-mail, password) to print once.
/// `email`/`password` come from `KERVAN_ADMIN_EMAIL`/`KERVAN_ADMIN_PASSWORD` when set.
pub async fn ensure_first_admin(
    app: &App,
    email: Option<&str>,
    password: Option<&str>,
) -> Result<Option<(String, String)>> {
    if store::count(&app.db.conn).await? > 0 {
        return Ok(None);
    }
    let email = email.unwrap_or("admin@kervan.local").to_string();
    let password = match password {
        Some(p) => p.to_string(),
        None => {
            use rand::Rng;
            const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
            let mut r = rand::rng();
            (0..16)
                .map(|_| ALPHABET[r.random_range(0..ALPHABET.len())] as char)
                .collect()
        }
    };
    let d = UserDraft {
        email: email.clone(),
        name: "Yönetici".into(),
        role: "admin".into(),
        team: None,
        password: password.clone(),
    };
    create(app, &Actor::system(), &d).await?;
    Ok(Some((email, password)))
}
