//! "Bir sonraki adım?": after an activity (a record of a timeline kind) is saved, the form asks
//! for the next step and creates the follow-up (a task) about the same records in one go — quick
//! picks yarın, 3 gün, 1 hafta, or a date of one's own.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use kervan_app::AppError;
use kervan_app::records::{self as app_records, Record};
use kervan_core::permissions::Action;
use kervan_core::record::{FieldType, Input, Inputs, Kind, Value};
use kervan_core::time::{day_start_ms, local_input, now_ms, today_local};

use super::KitPages;
use super::form::Posted;
use crate::AppState;
use crate::auth::Session;
use crate::error::{Messages, PageError, html};
use crate::layout::Shell;
use crate::redirect::see_other;

/// The picks: (value, days ahead, label id). Due at 10:00 that day: the start of a working day.
pub const PICKS: &[(&str, i64, &str)] = &[
    ("1d", 1, "next-step-tomorrow"),
    ("3d", 3, "next-step-3-days"),
    ("1w", 7, "next-step-1-week"),
];

#[derive(Template)]
#[template(path = "kit/next_step.html")]
struct Page {
    shell: Shell,
    action: String,
    back: String,
    what: String,
    title: String,
    when: String,
    due: String,
    picks: Vec<(&'static str, String, String)>,
    errors: Messages,
}

/// The follow-up kind (tasks) and the record's card to go back to.
fn follow_up_kind() -> Option<&'static Kind> {
    kervan_core::kinds::ALL.iter().copied().find(|k| k.follow_up.is_some())
}

/// The card the activity was logged from: the first thing it is about, the person before the
/// customer (it was logged on the person's card, most likely) — a lead first of all.
fn back_of(k: &Kind, rec: &Record) -> String {
    for target in ["leads", "contacts", "accounts"] {
        if let Some(f) = k
            .fields
            .iter()
            .find(|f| f.ty == FieldType::Reference && f.refers == target)
            && let Some(id) = rec.id_of(f.key)
        {
            return format!("/{target}/{id}?tab=timeline&ok=created");
        }
    }
    format!("/{}/{}?ok=created", k.key, rec.id)
}

fn default_title(s: &Session, k: &Kind, rec: &Record) -> String {
    let sort = rec.text("kind").unwrap_or_default();
    let name = (k.name_of)(&rec.values);
    let id = format!("next-step-title-{sort}");
    let t = s.t.t1(&id, "subject", &name);
    if t == id {
        s.t.t1("next-step-title", "subject", &name)
    } else {
        t
    }
}

async fn load<K: KitPages>(state: &AppState, s: &Session, id: i64) -> Result<(Record, &'static Kind), PageError> {
    let rec = app_records::load_for(&state.app, &s.actor, K::KIND, id, Action::View).await?;
    let f = follow_up_kind().ok_or(PageError::NotFound)?;
    s.actor.require(f.module, Action::Create)?;
    Ok((rec, f))
}

fn render(s: &Session, k: &Kind, rec: &Record, title: String, when: String, due: String, errors: Messages) -> Page {
    let t = s.t;
    Page {
        shell: s.shell(t.t("next-step-heading")),
        action: format!("/{}/{}/next", k.key, rec.id),
        back: back_of(k, rec),
        what: (k.name_of)(&rec.values),
        title,
        when,
        due,
        picks: PICKS
            .iter()
            .map(|(v, days, l)| {
                let at = day_start_ms(today_local(now_ms()) + chrono::Days::new(*days as u64)) + 10 * 3_600_000;
                (*v, t.t(l), t.date(at))
            })
            .collect(),
        errors,
    }
}

pub async fn page<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (rec, _) = load::<K>(&state, &session, id).await?;
    let title = default_title(&session, K::KIND, &rec);
    let p = render(
        &session,
        K::KIND,
        &rec,
        title,
        "3d".into(),
        String::new(),
        Messages::default(),
    );
    Ok(html(&p)?.into_response())
}

pub async fn submit<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let (rec, f) = load::<K>(&state, &session, id).await?;
    let p = Posted::parse(&body)?;
    let (title, when, custom) = (p.one("title"), p.one("when"), p.one("due_at"));
    let due = match PICKS.iter().find(|(v, _, _)| *v == when) {
        Some((_, days, _)) => {
            local_input(day_start_ms(today_local(now_ms()) + chrono::Days::new(*days as u64)) + 10 * 3_600_000)
        }
        None => custom.clone(),
    };
    let Some(entry) = kervan_app::registry::entry(f.key) else {
        return Err(PageError::NotFound);
    };
    let mut fields: std::collections::BTreeMap<String, Input> = [
        ("title".to_string(), Input::Text(title.clone())),
        ("due_at".to_string(), Input::Text(due)),
        ("owner_id".to_string(), Input::Text(session.actor.user_id.to_string())),
    ]
    .into_iter()
    .collect();
    // The same records as the activity; a lead only when it is about nothing else (a follow-up
    // is about a lead or a customer, not both).
    let refs: Vec<(&str, i64)> = K::KIND
        .fields
        .iter()
        .filter(|x| x.ty == FieldType::Reference)
        .filter_map(|x| Some((x.key, rec.values.get(x.key).and_then(Value::as_id)?)))
        .filter(|(key, _)| f.field(key).is_some())
        .collect();
    let others = refs.iter().any(|(k, _)| *k != "lead_id");
    for (key, v) in refs.into_iter().filter(|(k, _)| !(others && *k == "lead_id")) {
        fields.insert(key.to_string(), Input::Text(v.to_string()));
    }
    let inputs = Inputs {
        fields: fields.into_iter().collect(),
        custom: Default::default(),
        ..Default::default()
    };
    match (entry.create)(state.app.clone(), session.actor.clone(), inputs).await {
        Ok(_) => {
            let back = back_of(K::KIND, &rec).replace("ok=created", "ok=next-step-added");
            Ok(see_other(&back).into_response())
        }
        Err(AppError::Validation(e)) => {
            let labels = [("title", "task-field-title"), ("due_at", "task-field-due_at")];
            let errors = Messages::new(&session.t, &e, &labels);
            let page = render(&session, K::KIND, &rec, title, when, custom, errors);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
