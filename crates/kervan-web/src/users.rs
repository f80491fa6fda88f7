//! The admin's user screen: list, add, role and team, deactivate.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use kervan_app::AppError;
use kervan_app::users::{self as app_users, UserDraft};
use kervan_core::permissions::{Action, Module, Role};

use crate::AppState;
use crate::auth::Session;
use crate::error::{Messages, PageError, html};
use crate::layout::Shell;
use crate::ui::Choice;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_page).post(create_submit))
        .route("/users/{id}", post(update_submit))
        .route("/users/{id}/active", post(active_submit))
}

pub struct UserItem {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: String,
    pub role_label: String,
    pub team: String,
    pub active: bool,
    pub initials: String,
    pub me: bool,
    pub roles: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    shell: Shell,
    users: Vec<UserItem>,
    teams: Vec<String>,
    roles: Vec<Choice>,
    f: NewUserForm,
    errors: Messages,
    can_edit: bool,
}

#[derive(Deserialize, Default, Clone)]
struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    /// An existing team's name, `""` for none, or [`NEW_TEAM`] with the name in `new_team`.
    #[serde(default)]
    team: String,
    #[serde(default)]
    new_team: String,
    #[serde(default)]
    password: String,
}

/// The "Yeni ekip…" choice of the team menus: the name is typed beside it.
const NEW_TEAM: &str = "__new";

/// The team a form names: `None` for none; a new team's typed name; `Err` when "new" was
/// chosen and no name typed.
fn team_of(team: &str, new_team: &str) -> Result<Option<String>, kervan_core::FieldErrors> {
    match team.trim() {
        "" => Ok(None),
        NEW_TEAM if new_team.trim().is_empty() => {
            let mut e = kervan_core::FieldErrors::new();
            e.add("new_team", "required");
            Err(e)
        }
        NEW_TEAM => Ok(Some(new_team.trim().to_string())),
        t => Ok(Some(t.to_string())),
    }
}

#[derive(Deserialize, Default)]
struct ToastQuery {
    ok: Option<String>,
}

/// The add-user form's messages, the summary naming each field.
fn messages(t: &crate::i18n::I18n, e: &kervan_core::FieldErrors) -> Messages {
    let labels = [
        ("name", "user-name"),
        ("email", "login-email"),
        ("role", "user-role"),
        ("team", "user-team"),
        ("new_team", "user-team"),
        ("password", "user-password"),
    ];
    Messages::new(t, e, &labels)
}

async fn render(
    state: &AppState,
    session: &Session,
    f: NewUserForm,
    errors: Messages,
    toast: Option<&str>,
) -> Result<ListPage, PageError> {
    let t = session.t;
    let rows = app_users::list(&state.app, &session.actor).await?;
    let role_choices = |cur: &str| -> Vec<Choice> {
        Role::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), t.role(r.as_str()), r.as_str() == cur))
            .collect()
    };
    let users = rows
        .into_iter()
        .map(|u| UserItem {
            id: u.id,
            initials: kervan_core::text::initials(&u.name),
            role_label: t.role(&u.role),
            roles: role_choices(&u.role),
            role: u.role,
            team: u.team_name.unwrap_or_default(),
            active: u.deactivated_at.is_none(),
            me: u.id == session.actor.user_id,
            name: u.name,
            email: u.email,
        })
        .collect();
    let teams = app_users::teams(&state.app)
        .await?
        .into_iter()
        .map(|t| t.name)
        .collect();
    let role = if f.role.is_empty() {
        "sales".to_string()
    } else {
        f.role.clone()
    };
    Ok(ListPage {
        shell: session.shell(t.t("users-title")).with_toast(toast),
        users,
        teams,
        roles: role_choices(&role),
        f,
        errors,
        can_edit: session.actor.can(Module::Users, Action::Edit),
    })
}

async fn list_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ToastQuery>,
) -> Result<Response, PageError> {
    Ok(html(
        &render(
            &state,
            &session,
            NewUserForm::default(),
            Messages::default(),
            q.ok.as_deref(),
        )
        .await?,
    )?
    .into_response())
}

async fn create_submit(
    State(state): State<AppState>,
    session: Session,
    axum::Form(f): axum::Form<NewUserForm>,
) -> Result<Response, PageError> {
    let team = match team_of(&f.team, &f.new_team) {
        Ok(t) => t,
        Err(e) => {
            let mut f = f;
            f.password.clear();
            let page = render(&state, &session, f, messages(&session.t, &e), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
        }
    };
    let d = UserDraft {
        email: f.email.clone(),
        name: f.name.clone(),
        role: f.role.clone(),
        team,
        password: f.password.clone(),
    };
    match app_users::create(&state.app, &session.actor, &d).await {
        Ok(_) => Ok(crate::redirect::see_other("/users?ok=user-saved").into_response()),
        Err(AppError::Validation(e)) => {
            let mut f = f;
            f.password.clear();
            let page = render(&state, &session, f, messages(&session.t, &e), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct UpdateForm {
    role: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    new_team: String,
}

async fn update_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<UpdateForm>,
) -> Result<Response, PageError> {
    let result = match team_of(&f.team, &f.new_team) {
        Ok(team) => {
            app_users::set_role_team(
                &state.app,
                &session.actor,
                id,
                &f.role,
                Some(team.as_deref().unwrap_or("")),
            )
            .await
        }
        Err(e) => Err(AppError::Validation(e)),
    };
    match result {
        Ok(()) => Ok(crate::redirect::see_other("/users?ok=user-saved").into_response()),
        Err(AppError::Validation(e)) => {
            let page = render(&state, &session, NewUserForm::default(), messages(&session.t, &e), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ActiveForm {
    active: String,
}

async fn active_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<ActiveForm>,
) -> Result<Response, PageError> {
    match app_users::set_active(&state.app, &session.actor, id, f.active == "1").await {
        Ok(()) => Ok(crate::redirect::see_other("/users?ok=user-saved").into_response()),
        Err(AppError::Validation(e)) => {
            let page = render(&state, &session, NewUserForm::default(), messages(&session.t, &e), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
