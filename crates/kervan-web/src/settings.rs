//! Ayarlar: the admin's hub, and Özel alanlar — the custom fields of every kind: add, rename,
//! reorder, make filterable or searchable, edit options, deactivate and bring back. The type of
//! a field is fixed once it exists; renaming changes no stored value.

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use kervan_app::AppError;
use kervan_app::custom_fields::{self as app_fields, FieldInput, OptionInput};
use kervan_core::permissions::{Action, Module};
use kervan_core::record::{CustomDef, FieldType};

use crate::AppState;
use crate::auth::Session;
use crate::error::{Messages, PageError, html};
use crate::kit::form::Posted;
use crate::layout::Shell;
use crate::redirect::see_other;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(hub))
        .route("/settings/fields", get(fields_page))
        .route("/settings/fields/{kind}", post(create_submit))
        .route("/settings/fields/{kind}/{key}", get(edit_page).post(edit_submit))
        .route("/settings/fields/{kind}/{key}/move", post(move_submit))
        .route("/settings/fields/{kind}/{key}/active", post(active_submit))
}

/// The custom-field forms' messages, the summary naming each field.
fn messages(t: &crate::i18n::I18n, e: &kervan_core::FieldErrors) -> Messages {
    let labels = [
        ("label", "settings-field-label"),
        ("type", "settings-field-type"),
        ("options", "settings-field-options"),
    ];
    Messages::new(t, e, &labels)
}
/// Only admins shape the record kinds.
/// Admins only (the other settings pages ask the same).
pub(crate) fn admin(session: &Session) -> Result<(), PageError> {
    if session.actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            module: Module::Users,
            action: Action::Edit,
        }
        .into())
    }
}

#[derive(Template)]
#[template(path = "settings/hub.html")]
struct Hub {
    shell: Shell,
    can_users: bool,
    can_fields: bool,
}

async fn hub(session: Session) -> Result<Response, PageError> {
    let can_users = session.actor.can(Module::Users, Action::View);
    let can_fields = session.actor.is_admin();
    if !can_users && !can_fields {
        admin(&session)?;
    }
    let shell = session.shell(session.t.t("settings-title"));
    Ok(html(&Hub {
        shell,
        can_users,
        can_fields,
    })?
    .into_response())
}

/// A custom field as the settings list shows it.
pub struct FieldRow {
    pub key: String,
    pub label: String,
    pub ty: String,
    pub options: String,
    pub flags: Vec<String>,
    pub index: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "settings/fields.html")]
struct FieldsPage {
    shell: Shell,
    kind: &'static str,
    kinds: Vec<(&'static str, String, bool)>,
    rows: Vec<FieldRow>,
    types: Vec<(&'static str, String)>,
    form: NewField,
    errors: Messages,
}

/// What the add form was filled with (kept on an error).
#[derive(Default, Clone)]
pub struct NewField {
    pub label: String,
    pub ty: String,
    pub options: String,
    pub required: bool,
    pub filterable: bool,
    pub searchable: bool,
    pub sortable: bool,
}

#[derive(Deserialize, Default)]
struct KindQuery {
    kind: Option<String>,
    ok: Option<String>,
}

fn type_label(t: &crate::i18n::I18n, ty: FieldType) -> String {
    t.t(&format!("field-type-{}", ty.api_name()))
}

fn row(t: &crate::i18n::I18n, d: &CustomDef) -> FieldRow {
    let mut flags = Vec::new();
    for (on, key) in [
        (d.required, "settings-flag-required"),
        (d.filterable, "settings-flag-filterable"),
        (d.searchable, "settings-flag-searchable"),
        (d.sortable, "settings-flag-sortable"),
    ] {
        if on {
            flags.push(t.t(key));
        }
    }
    FieldRow {
        key: d.key.clone(),
        label: d.label.clone(),
        ty: type_label(t, d.ty),
        options: d
            .options
            .iter()
            .filter(|o| o.active)
            .map(|o| o.label.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        flags,
        index: match d.index_state.as_str() {
            "pending" => t.t("settings-index-pending"),
            "ready" => t.t("settings-index-ready"),
            _ => String::new(),
        },
        active: d.active,
    }
}

fn kind_key(kind: &str) -> Result<&'static str, PageError> {
    kervan_core::kinds::by_key(kind)
        .map(|k| k.key)
        .ok_or(PageError::NotFound)
}

async fn render_fields(
    state: &AppState,
    session: &Session,
    kind: &'static str,
    form: NewField,
    errors: Messages,
    toast: Option<&str>,
) -> Result<Html, PageError> {
    let t = session.t;
    let defs = app_fields::list(&state.app, &session.actor, kind).await?;
    let kinds = kervan_core::kinds::ALL
        .iter()
        .map(|k| (k.key, t.t(&format!("{}-title", k.key)), k.key == kind))
        .collect();
    let mut shell = session.shell(t.t("settings-fields-title"));
    shell.toast = toast
        .filter(|k| matches!(*k, "field-created" | "field-saved"))
        .map(|k| t.t(&format!("toast-{k}")));
    html(&FieldsPage {
        shell,
        kind,
        kinds,
        rows: defs.iter().map(|d| row(&t, d)).collect(),
        types: FieldType::CUSTOM
            .iter()
            .map(|ty| (ty.api_name(), type_label(&t, *ty)))
            .collect(),
        form,
        errors,
    })
}

type Html = axum::response::Html<String>;

async fn fields_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<KindQuery>,
) -> Result<Response, PageError> {
    admin(&session)?;
    let kind = kind_key(q.kind.as_deref().unwrap_or("leads"))?;
    let form = NewField {
        ty: "text".into(),
        ..Default::default()
    };
    Ok(
        render_fields(&state, &session, kind, form, Messages::default(), q.ok.as_deref())
            .await?
            .into_response(),
    )
}

/// Options typed one per line (blank lines dropped).
fn option_lines(text: &str) -> Vec<OptionInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| OptionInput {
            key: None,
            label: l.to_string(),
            active: true,
        })
        .collect()
}

fn flag(p: &Posted, key: &str) -> bool {
    p.all(key).iter().any(|v| kervan_core::validation::truthy(v))
}

async fn create_submit(
    State(state): State<AppState>,
    session: Session,
    Path(kind): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    admin(&session)?;
    let kind = kind_key(&kind)?;
    let p = Posted::parse(&body)?;
    let form = NewField {
        label: p.one("label"),
        ty: p.one("type"),
        options: p.one("options"),
        required: flag(&p, "required"),
        filterable: flag(&p, "filterable"),
        searchable: flag(&p, "searchable"),
        sortable: flag(&p, "sortable"),
    };
    let input = FieldInput {
        label: Some(form.label.clone()),
        ty: Some(form.ty.clone()),
        options: Some(option_lines(&form.options)),
        required: Some(form.required),
        filterable: Some(form.filterable),
        searchable: Some(form.searchable),
        sortable: Some(form.sortable),
        ..Default::default()
    };
    match app_fields::create(&state.app, &session.actor, kind, &input).await {
        Ok(_) => Ok(see_other(&format!("/settings/fields?kind={kind}&ok=field-created"))),
        Err(AppError::Validation(e)) => {
            let errors = messages(&session.t, &e);
            let page = render_fields(&state, &session, kind, form, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "settings/field_edit.html")]
struct EditPage {
    shell: Shell,
    kind: &'static str,
    kind_title: String,
    d: CustomDef,
    ty: String,
    has_options: bool,
    /// The label typed (kept on an error).
    label: String,
    new_options: String,
    errors: Messages,
}

async fn render_edit(
    state: &AppState,
    session: &Session,
    kind: &'static str,
    key: &str,
    typed: Option<(String, String)>,
    errors: Messages,
) -> Result<Html, PageError> {
    let t = session.t;
    let d = app_fields::get(&state.app, &session.actor, kind, key).await?;
    let (label, new_options) = typed.unwrap_or_else(|| (d.label.clone(), String::new()));
    html(&EditPage {
        shell: session.shell(t.t1("settings-field-edit-title", "name", d.label.clone())),
        kind,
        kind_title: t.t(&format!("{kind}-title")),
        ty: type_label(&t, d.ty),
        has_options: matches!(d.ty, FieldType::Choice | FieldType::MultiChoice),
        d,
        label,
        new_options,
        errors,
    })
}

async fn edit_page(
    State(state): State<AppState>,
    session: Session,
    Path((kind, key)): Path<(String, String)>,
) -> Result<Response, PageError> {
    admin(&session)?;
    let kind = kind_key(&kind)?;
    Ok(render_edit(&state, &session, kind, &key, None, Messages::default())
        .await?
        .into_response())
}

async fn edit_submit(
    State(state): State<AppState>,
    session: Session,
    Path((kind, key)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    admin(&session)?;
    let kind = kind_key(&kind)?;
    let p = Posted::parse(&body)?;
    let current = app_fields::get(&state.app, &session.actor, kind, &key).await?;
    // Existing options by key: the label typed and whether it is still offered; new ones below.
    let mut options: Vec<OptionInput> = current
        .options
        .iter()
        .map(|o| OptionInput {
            key: Some(o.key.clone()),
            label: p.one(&format!("option.{}", o.key)),
            active: flag(&p, &format!("option_active.{}", o.key)),
        })
        .collect();
    options.extend(option_lines(&p.one("new_options")));
    let input = FieldInput {
        label: Some(p.one("label")),
        options: Some(options),
        required: Some(flag(&p, "required")),
        filterable: Some(flag(&p, "filterable")),
        searchable: Some(flag(&p, "searchable")),
        sortable: Some(flag(&p, "sortable")),
        ..Default::default()
    };
    match app_fields::update(&state.app, &session.actor, kind, &key, &input).await {
        Ok(_) => Ok(see_other(&format!("/settings/fields?kind={kind}&ok=field-saved"))),
        Err(AppError::Validation(e)) => {
            let errors = messages(&session.t, &e);
            let typed = Some((p.one("label"), p.one("new_options")));
            let page = render_edit(&state, &session, kind, &key, typed, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn move_submit(
    State(state): State<AppState>,
    session: Session,
    Path((kind, key)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    admin(&session)?;
    let kind = kind_key(&kind)?;
    let p = Posted::parse(&body)?;
    let up = match p.one("dir").as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(PageError::BadRequest),
    };
    app_fields::move_field(&state.app, &session.actor, kind, &key, up).await?;
    Ok(see_other(&format!("/settings/fields?kind={kind}")))
}

async fn active_submit(
    State(state): State<AppState>,
    session: Session,
    Path((kind, key)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    admin(&session)?;
    let kind = kind_key(&kind)?;
    let p = Posted::parse(&body)?;
    match p.one("active").as_str() {
        "0" => {
            app_fields::deactivate(&state.app, &session.actor, kind, &key).await?;
        }
        "1" => {
            let input = FieldInput {
                active: Some(true),
                ..Default::default()
            };
            match app_fields::update(&state.app, &session.actor, kind, &key, &input).await {
                Ok(_) => {}
                // Too many active fields: say so on the list.
                Err(AppError::Validation(e)) => {
                    let errors = messages(&session.t, &e);
                    let form = NewField::default();
                    let page = render_fields(&state, &session, kind, form, errors, None).await?;
                    return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
                }
                Err(e) => return Err(e.into()),
            }
        }
        _ => return Err(PageError::BadRequest),
    }
    Ok(see_other(&format!("/settings/fields?kind={kind}&ok=field-saved")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_read_one_per_line() {
        let o = option_lines("100 bin altı\n\n 100-500 bin \r\n500 bin üstü");
        let labels: Vec<&str> = o.iter().map(|x| x.label.as_str()).collect();
        assert_eq!(labels, ["100 bin altı", "100-500 bin", "500 bin üstü"]);
        assert!(o.iter().all(|x| x.key.is_none() && x.active));
    }

    #[test]
    fn unknown_kinds_are_not_found() {
        assert!(kind_key("leads").is_ok());
        assert!(matches!(kind_key("robots"), Err(PageError::NotFound)));
    }
}
