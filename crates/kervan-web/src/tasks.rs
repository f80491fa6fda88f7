//! Görevler: the kit serves the list, form, card and API; Görevlerim is this module's own page —
//! overdue, today, upcoming and done, completed with one click (and taken back), a quick add,
//! and for a manager any team member's tasks or the whole team's.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use kervan_app::records::{Record, RecordKind, WriteOptions};
use kervan_app::tasks::{self as app_tasks, Tasks, Whose};
use kervan_app::{AppError, users as app_users};
use kervan_core::permissions::{Action, Module};
use kervan_core::record::{Input, Inputs};
use kervan_core::time::now_ms;

use crate::AppState;
use crate::auth::Session;
use crate::error::{Messages, PageError, html};
use crate::kit::{self, KitPages};
use crate::layout::Shell;
use crate::redirect::see_other;

impl KitPages for Tasks {}

pub fn router() -> Router<AppState> {
    kit::pages::<Tasks>()
        .route("/my-tasks", get(agenda_page).post(quick_add))
        .route("/tasks/{id}/complete", post(complete_submit))
}

/// A task as Görevlerim shows it.
struct Row {
    id: i64,
    version: i64,
    title: String,
    due: String,
    /// `overdue`, `today` or `later`: the colour of the due time.
    when: &'static str,
    priority: String,
    high: bool,
    /// What the task is about: (name, link).
    about: Option<(String, String)>,
    owner: Option<String>,
}

fn row(t: &crate::i18n::I18n, r: &Record, when: &'static str, show_owner: bool) -> Row {
    // The first reference the task has (a lead, or a person before their customer).
    let mut refs: Vec<_> = Tasks::KIND
        .fields
        .iter()
        .filter(|f| f.ty == kervan_core::record::FieldType::Reference)
        .collect();
    refs.sort_by_key(|f| f.refers == "accounts");
    let about = refs.iter().find_map(|f| {
        let id = r.id_of(f.key)?;
        let name = r.ref_names.get(f.key).cloned().unwrap_or_else(|| format!("#{id}"));
        Some((name, format!("/{}/{id}", f.refers)))
    });
    let priority = r.text("priority").unwrap_or("normal");
    Row {
        id: r.id,
        version: r.version,
        title: r.text("title").unwrap_or_default().to_string(),
        due: r
            .values
            .get("due_at")
            .and_then(|v| v.as_datetime())
            .map(|ms| t.datetime(ms))
            .unwrap_or_default(),
        when,
        priority: t.t(&format!("task-priority-{priority}")),
        high: priority == "high",
        about,
        owner: show_owner.then(|| r.owner_name.clone()).flatten(),
    }
}

#[derive(Template)]
#[template(path = "tasks/agenda.html")]
struct AgendaPage {
    shell: Shell,
    overdue: Vec<Row>,
    today: Vec<Row>,
    upcoming: Vec<Row>,
    done: Vec<Row>,
    more: bool,
    /// `me`, `team` or a user id: whose tasks.
    whose: String,
    /// People a manager may look at: (value, name, selected).
    people: Vec<(String, String, bool)>,
    can_create: bool,
    /// The task just completed, to take back.
    undo: Option<(i64, i64)>,
    errors: Messages,
    title: String,
    due: String,
    back: String,
}

#[derive(Deserialize, Default)]
struct AgendaQuery {
    #[serde(default)]
    whose: String,
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    undo: Option<String>,
}

async fn render(
    state: &AppState,
    session: &Session,
    q: &AgendaQuery,
    errors: Messages,
    typed: (String, String),
) -> Result<AgendaPage, PageError> {
    let t = session.t;
    let actor = &session.actor;
    let whose = crate::ui::whose_of(q.whose.trim(), actor.user_id);
    let a = app_tasks::agenda(&state.app, actor, whose, now_ms()).await?;
    let show_owner = matches!(whose, Whose::Team | Whose::InTeam(_));
    let people: Vec<(String, String, bool)> = app_users::assignable_in(&state.app, actor, Module::Tasks)
        .await?
        .into_iter()
        .filter(|u| u.id != actor.user_id)
        .map(|u| (u.id.to_string(), u.name, whose == Whose::Of(u.id)))
        .collect();
    let undo = q.undo.as_deref().and_then(|u| {
        let (id, v) = u.split_once('.')?;
        Some((id.parse().ok()?, v.parse().ok()?))
    });
    let whose_param = crate::ui::whose_param(whose);
    Ok(AgendaPage {
        shell: session.shell(t.t("agenda-title")).with_toast(q.ok.as_deref()),
        overdue: a.overdue.iter().map(|r| row(&t, r, "overdue", show_owner)).collect(),
        today: a.today.iter().map(|r| row(&t, r, "today", show_owner)).collect(),
        upcoming: a.upcoming.iter().map(|r| row(&t, r, "later", show_owner)).collect(),
        done: a.done.iter().map(|r| row(&t, r, "done", show_owner)).collect(),
        more: a.more,
        back: format!("/my-tasks?whose={whose_param}"),
        whose: whose_param,
        people,
        can_create: actor.can(Module::Tasks, Action::Create),
        undo,
        errors,
        title: typed.0,
        due: typed.1,
    })
}

async fn agenda_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<AgendaQuery>,
) -> Result<Response, PageError> {
    let page = render(&state, &session, &q, Messages::default(), Default::default()).await?;
    Ok(html(&page)?.into_response())
}

#[derive(Deserialize)]
struct QuickAdd {
    #[serde(default)]
    title: String,
    #[serde(default)]
    due_at: String,
}

/// Quick add: a title and a due time, for me; the rest through the full form.
async fn quick_add(
    State(state): State<AppState>,
    session: Session,
    axum::Form(f): axum::Form<QuickAdd>,
) -> Result<Response, PageError> {
    let inputs = Inputs {
        fields: [
            ("title".to_string(), Input::Text(f.title.clone())),
            ("due_at".to_string(), Input::Text(f.due_at.clone())),
            ("owner_id".to_string(), Input::Text(session.actor.user_id.to_string())),
        ]
        .into_iter()
        .collect(),
        custom: Default::default(),
        ..Default::default()
    };
    match kervan_app::records::create::<Tasks>(&state.app, &session.actor, &inputs, &WriteOptions::default()).await {
        Ok(_) => Ok(see_other("/my-tasks?ok=task-added").into_response()),
        Err(AppError::Validation(e)) => {
            let labels = [("title", "task-field-title"), ("due_at", "task-field-due_at")];
            let errors = Messages::new(&session.t, &e, &labels);
            let page = render(&state, &session, &AgendaQuery::default(), errors, (f.title, f.due_at)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct CompleteForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    back: String,
}

/// One click: done (or open again), back to where the click came from; Görevlerim offers to
/// take it back.
async fn complete_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<CompleteForm>,
) -> Result<Response, PageError> {
    let version: i64 = f.version.trim().parse().map_err(|_| PageError::BadRequest)?;
    let done = kervan_core::validation::truthy(&f.done);
    let back = if f.back.trim().is_empty() {
        format!("/tasks/{id}")
    } else {
        crate::redirect::safe_path(&f.back)
    };
    let sep = if back.contains('?') { '&' } else { '?' };
    match app_tasks::complete(&state.app, &session.actor, id, version, done).await {
        Ok(()) => {}
        // Someone (or another tab) changed it meanwhile: back to the page, which shows it as it is now.
        Err(AppError::Conflict { .. }) => return Ok(see_other(&format!("{back}{sep}ok=task-changed")).into_response()),
        Err(e) => return Err(e.into()),
    }
    let to = if done {
        // The bar with "Geri al" says it was done; no toast besides.
        format!("{back}{sep}undo={id}.{}", version + 1)
    } else {
        format!("{back}{sep}ok=task-reopened")
    };
    Ok(see_other(&to).into_response())
}

#[derive(Template)]
#[template(path = "tasks/card_tab.html")]
struct CardTab {
    t: crate::i18n::I18n,
    csrf: String,
    back: String,
    new_href: Option<String>,
    open: Vec<Row>,
    closed: Vec<Row>,
}

/// "Görevler" on the cards of the kinds tasks refer to: the record's open tasks by due time
/// (one click completes them), the last ones done, and "Görev oluştur".
pub fn card_tabs() -> Vec<crate::tabs::TabSpec<kit::Card>> {
    vec![crate::tabs::TabSpec {
        key: "tasks",
        label: "tab-tasks",
        order: 60,
        visible: |c| c.actor.can(Module::Tasks, Action::View),
        render: |c| Box::pin(card_tab(c)),
    }]
}

async fn card_tab(c: &kit::Card) -> Result<String, PageError> {
    let Some((_, field, _)) = kervan_core::record::next_step_of(c.kind) else {
        return Ok(String::new());
    };
    let (open, closed) = app_tasks::about(&c.state.app, &c.actor, field.key, c.rec.id).await?;
    let now = now_ms();
    let (start, end) = kervan_core::time::today_bounds(now);
    let when = |r: &Record| {
        let d = r.values.get("due_at").and_then(|v| v.as_datetime()).unwrap_or(0);
        if d < start {
            "overdue"
        } else if d < end {
            "today"
        } else {
            "later"
        }
    };
    let can_create = c.actor.can(Module::Tasks, Action::Create) && !c.rec.is_archived();
    Ok(html(&CardTab {
        t: c.t,
        csrf: c.csrf.clone(),
        back: format!("{}?tab=tasks", c.base()),
        new_href: can_create.then(|| format!("/tasks/new?{}={}", field.key, c.rec.id)),
        open: open.iter().map(|r| row(&c.t, r, when(r), true)).collect(),
        closed: closed.iter().map(|r| row(&c.t, r, "done", true)).collect(),
    })?
    .0)
}
