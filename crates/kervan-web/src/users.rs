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
use crate::error::{PageError, field_messages, html};
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
    errors: Vec<(String, String)>,
    can_edit: bool,
}

impl ListPage {
    fn error_for(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Deserialize, Default, Clone)]
struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize, Default)]
struct ToastQuery {
    ok: Option<String>,
}

async fn render(
    state: &AppState,
    session: &Session,
    f: NewUserForm,
    errors: Vec<(String, String)>,
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
    Ok(html(&render(&state, &session, NewUserForm::default(), vec![], q.ok.as_deref()).await?)?.into_response())
}

async fn create_submit(
    State(state): State<AppState>,
    session: Session,
    axum::Form(f): axum::Form<NewUserForm>,
) -> Result<Response, PageError> {
    let d = UserDraft {
        email: f.email.clone(),
        name: f.name.clone(),
        role: f.role.clone(),
        team: Some(f.team.clone()).filter(|t| !t.trim().is_empty()),
        password: f.password.clone(),
    };
    match app_users::create(&state.app, &session.actor, &d).await {
        Ok(_) => Ok(crate::redirect::see_other("/users?ok=user-saved").into_response()),
        Err(AppError::Validation(e)) => {
            let mut f = f;
            f.password.clear();
            let page = render(&state, &session, f, field_messages(&session.t, &e), None).await?;
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
}

async fn update_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<UpdateForm>,
) -> Result<Response, PageError> {
    match app_users::set_role_team(&state.app, &session.actor, id, &f.role, Some(f.team.as_str())).await {
        Ok(()) => Ok(crate::redirect::see_other("/users?ok=user-saved").into_response()),
        Err(AppError::Validation(e)) => {
            let page = render(
                &state,
                &session,
                NewUserForm::default(),
                field_messages(&session.t, &e),
                None,
            )
            .await?;
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
            let page = render(
                &state,
                &session,
                NewUserForm::default(),
                field_messages(&session.t, &e),
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
