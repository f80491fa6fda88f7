//! A kind's form: sections and fields from the declaration (custom fields in a section of their
//! own), typed values kept on every error, inline Turkish errors with a summary that names the
//! fields, duplicates with an explicit confirmation, edits that collided explained. A reference
//! is typed by name and resolved on the server (the script adds suggestions).

use kervan_core::validation::truthy;
use std::collections::BTreeMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use kervan_app::AppError;
use kervan_app::error::Duplicate;
use kervan_app::records::{self as app_records, Record, WriteOptions};
use kervan_app::{registry, users as app_users};
use kervan_core::FieldErrors;
use kervan_core::permissions::Action;
use kervan_core::places::PROVINCES;
use kervan_core::record::{CustomDef, CustomValues, Field, FieldType, Input, Inputs, Kind, Suggest, Value, Values};
use kervan_core::time::local_input;

use super::{KitPages, label, text};
use crate::AppState;
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::layout::Shell;
use crate::ui::{Choice, query_pairs, query_string};

pub struct FieldView {
    /// The input's name: the field key, or `custom.KEY`.
    pub name: String,
    /// The input's id (a custom field's dot becomes a dash).
    pub id: String,
    pub label: String,
    /// `text`, `textarea`, `select`, `multi`, `checkbox`, `tel`, `email`, `url`, `date`,
    /// `datetime`, `number`, `money`, `tags`, `reference`.
    pub widget: &'static str,
    pub value: String,
    pub values: Vec<String>,
    pub options: Vec<Choice>,
    pub required: bool,
    pub max: usize,
    pub placeholder: String,
    pub hint: String,
    pub error: String,
    /// `(id of the field it depends on, values that show it, space-separated)`.
    pub shown_when: Option<(String, String)>,
    pub hidden: bool,
    pub suggest: Vec<String>,
    /// A reference: the kind it points at, and the records a typed name could mean.
    pub refers: String,
    pub ref_name: String,
    pub candidates: Vec<Choice>,
    pub wide: bool,
    /// A tags field on an edit form: the tags it was opened with (a hidden input).
    pub seen: Option<String>,
}

pub struct SectionView {
    pub title: String,
    pub hint: String,
    pub fields: Vec<FieldView>,
}

pub struct DupView {
    pub text: String,
    pub href: Option<String>,
    pub name: String,
    pub owner: Option<String>,
}

#[derive(Template)]
#[template(path = "kit/form.html")]
pub struct FormPage {
    pub shell: Shell,
    pub kind: &'static Kind,
    pub id: Option<i64>,
    pub version: String,
    pub sections: Vec<SectionView>,
    /// `(input id, "Label: message")` in form order.
    pub errors: Vec<(String, String)>,
    pub duplicates: Vec<DupView>,
    pub conflict: Option<String>,
    pub action: String,
    pub cancel: String,
}

/// A form as posted: every value by name (checkboxes and multi-selects repeat a name).
#[derive(Debug, Clone, Default)]
pub struct Posted(pub BTreeMap<String, Vec<String>>);

impl Posted {
    pub fn parse(body: &[u8]) -> Result<Posted, PageError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| PageError::BadRequest)?;
        Ok(Posted::of(pairs))
    }

    pub fn of(pairs: Vec<(String, String)>) -> Posted {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            m.entry(k).or_default().push(v);
        }
        Posted(m)
    }

    /// The record version the form was read at (a page without one is a bad request).
    pub fn version(&self) -> Result<i64, PageError> {
        self.one("version").trim().parse().map_err(|_| PageError::BadRequest)
    }

    pub fn one(&self, key: &str) -> String {
        self.0.get(key).and_then(|v| v.last()).cloned().unwrap_or_default()
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.get(key).cloned().unwrap_or_default()
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
}

/// The input of one field from the post: checkboxes say true when any of their values does
/// (a hidden `false` goes before the box), multi-selects keep every value.
fn input_of(ty: FieldType, name: &str, p: &Posted) -> Option<Input> {
    if !p.has(name) {
        return None;
    }
    Some(match ty {
        FieldType::Bool => Input::Bool(p.all(name).iter().any(|v| truthy(v))),
        FieldType::MultiChoice => Input::List(p.all(name).into_iter().filter(|v| !v.trim().is_empty()).collect()),
        _ => Input::Text(p.one(name)),
    })
}

/// A value as an edit box shows it: phones the Turkish way, amounts `1.250.000,50`, dates ISO.
fn edit_text(v: &Value) -> String {
    match v {
        Value::Phone(p) => p.display(),
        Value::Money(m) => m.amount_text(),
        Value::DateTime(ms) => local_input(*ms),
        Value::Tags(t) | Value::Multi(t) => t.join(", "),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) | Value::Percent(n) => n.display_tr(),
        other => other.canonical(),
    }
}

/// The form's state: the raw text of every field, as stored (edit) or as typed (after an error).
pub fn posted_of(kind: &Kind, defs: &[CustomDef], values: &Values, custom: &CustomValues) -> Posted {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in kind.writable() {
        let v = values.get(f.key);
        let texts = match v {
            Some(Value::Multi(items)) => items.clone(),
            Some(x) => vec![edit_text(x)],
            None => vec![String::new()],
        };
        if f.ty == FieldType::Tags {
            // What the editor saw, sent back with the form: the save applies only their changes.
            m.insert(seen_key(f.key), texts.clone());
        }
        m.insert(f.key.to_string(), texts);
    }
    for d in defs.iter().filter(|d| d.active) {
        let texts = match custom.get(&d.key) {
            Some(Value::Multi(items)) => items.clone(),
            Some(x) => vec![edit_text(x)],
            None => vec![String::new()],
        };
        m.insert(d.path(), texts);
    }
    Posted(m)
}

/// The hidden input carrying what a tags field held when the form was opened.
fn seen_key(key: &str) -> String {
    format!("{key}.seen")
}

fn widget(ty: FieldType) -> &'static str {
    match ty {
        FieldType::LongText => "textarea",
        FieldType::Choice | FieldType::User => "select",
        FieldType::MultiChoice => "multi",
        FieldType::Bool => "checkbox",
        FieldType::Phone => "tel",
        FieldType::Email => "email",
        FieldType::Url => "url",
        FieldType::Date => "date",
        FieldType::DateTime => "datetime",
        FieldType::Number | FieldType::Percent => "number",
        FieldType::Money => "money",
        FieldType::Tags => "tags",
        FieldType::Reference => "reference",
        _ => "text",
    }
}

struct Ctx<'a> {
    state: &'a AppState,
    session: &'a Session,
    kind: &'static Kind,
    defs: &'a [CustomDef],
    errors: &'a FieldErrors,
    candidates: &'a BTreeMap<String, Vec<Choice>>,
    refs: &'a BTreeMap<String, String>,
    /// Whether an option may be picked on the form (see [`KitPages::form_option`]).
    allowed: fn(&str, &str) -> bool,
    /// The records a reference may point at, when the module names them (see
    /// [`KitPages::ref_choices`]).
    ref_choices: RefChoicesFn,
    /// The record being edited.
    id: Option<i64>,
}

type RefChoicesFn =
    for<'b> fn(&'b AppState, &'b Session, &'static str, &'b Posted, Option<i64>) -> super::RefChoices<'b>;

async fn field_view(c: &Ctx<'_>, f: &Field, p: &Posted) -> Result<FieldView, PageError> {
    let t = c.session.t;
    let kind = c.kind;
    let value = p.one(f.key);
    let mut options: Vec<Choice> = match f.ty {
        FieldType::Choice => f
            .options
            .iter()
            .filter(|o| value == **o || (c.allowed)(f.key, o))
            .map(|o| (o.to_string(), t.t(&kind.option_id(f.key, o)), value == *o))
            .collect(),
        FieldType::User => {
            let users = app_users::assignable(&c.state.app, &c.session.actor).await?;
            let mut v: Vec<Choice> = users
                .into_iter()
                .map(|u| (u.id.to_string(), u.name, u.id.to_string() == value))
                .collect();
            // The current owner stays choosable even when the editor may not assign to them.
            if !value.is_empty() && !v.iter().any(|o| o.2) {
                let names = super::user_names(c.state).await?;
                if let Ok(id) = value.parse::<i64>() {
                    v.insert(
                        0,
                        (value.clone(), names.get(&id).cloned().unwrap_or(value.clone()), true),
                    );
                }
            }
            v
        }
        _ => vec![],
    };
    let mut widget = widget(f.ty);
    if f.ty == FieldType::Reference
        && let Some(choices) = (c.ref_choices)(c.state, c.session, f.key, p, c.id).await?
    {
        widget = "select";
        options = choices
            .into_iter()
            .map(|(id, name)| (id.to_string(), name, id.to_string() == value))
            .collect();
    }
    if (f.ty == FieldType::Choice || widget == "select" && f.ty == FieldType::Reference) && !f.required {
        options.insert(0, (String::new(), t.t("form-choose"), value.is_empty()));
    }
    let suggest = match f.suggest {
        Suggest::Provinces => PROVINCES.iter().map(|s| s.to_string()).collect(),
        Suggest::Districts(province) => kervan_core::districts::of(&p.one(province))
            .iter()
            .map(|s| s.to_string())
            .collect(),
        Suggest::Used => app_records::used_values(&c.state.app, kind, f.key).await?.to_vec(),
        Suggest::None => vec![],
    };
    let shown_when = f.shown_when.map(|(dep, vals)| (dep.to_string(), vals.join(" ")));
    let hidden = f
        .shown_when
        .is_some_and(|(dep, vals)| !vals.contains(&p.one(dep).as_str()) && !c.errors.has(f.key));
    let errors: Vec<String> = c
        .errors
        .0
        .iter()
        .filter(|e| e.field == f.key)
        .map(|e| t.err(e))
        .collect();
    Ok(FieldView {
        name: f.key.to_string(),
        id: f.key.to_string(),
        label: label(&t, kind, f.key),
        widget,
        values: p.all(f.key),
        value,
        options,
        required: f.required,
        max: f.max_len(),
        placeholder: if f.placeholder.is_empty() {
            String::new()
        } else {
            t.t(f.placeholder)
        },
        hint: if f.hint.is_empty() { String::new() } else { t.t(f.hint) },
        error: errors.join(" "),
        shown_when,
        hidden,
        suggest,
        refers: f.refers.to_string(),
        ref_name: c
            .refs
            .get(f.key)
            .cloned()
            .unwrap_or_else(|| p.one(&format!("{}__name", f.key))),
        candidates: c.candidates.get(f.key).cloned().unwrap_or_default(),
        wide: f.wide,
        seen: p
            .has(&seen_key(f.key))
            .then(|| p.one(&seen_key(f.key)))
            .filter(|_| f.ty == FieldType::Tags),
    })
}

fn custom_view(t: &I18n, d: &CustomDef, p: &Posted, errors: &FieldErrors, users: &[(i64, String)]) -> FieldView {
    let name = d.path();
    let value = p.one(&name);
    let values = p.all(&name);
    let options: Vec<Choice> = match d.ty {
        FieldType::Choice | FieldType::MultiChoice => d
            .options
            .iter()
            .filter(|o| o.active || values.contains(&o.key))
            .map(|o| (o.key.clone(), o.label.clone(), values.contains(&o.key)))
            .collect(),
        FieldType::User => users
            .iter()
            .map(|(id, n)| (id.to_string(), n.clone(), id.to_string() == value))
            .collect(),
        _ => vec![],
    };
    let mut options = options;
    if matches!(d.ty, FieldType::Choice | FieldType::User) {
        options.insert(0, (String::new(), t.t("form-choose"), value.is_empty()));
    }
    FieldView {
        id: format!("custom-{}", d.key),
        label: d.label.clone(),
        widget: widget(d.ty),
        value,
        values,
        options,
        required: d.required,
        max: Field::new("", d.ty).max_len(),
        placeholder: String::new(),
        hint: String::new(),
        error: errors
            .0
            .iter()
            .filter(|e| e.field == name)
            .map(|e| t.err(e))
            .collect::<Vec<_>>()
            .join(" "),
        shown_when: None,
        hidden: false,
        suggest: vec![],
        refers: String::new(),
        ref_name: String::new(),
        candidates: vec![],
        wide: d.ty == FieldType::LongText,
        seen: None,
        name,
    }
}

/// Everything a form page shows besides the fields' values.
#[derive(Default)]
pub struct Trouble {
    pub errors: FieldErrors,
    pub duplicates: Vec<Duplicate>,
    pub conflict: Option<String>,
    pub candidates: BTreeMap<String, Vec<Choice>>,
}

/// Which record a form is for and what it holds.
pub struct Subject<'a> {
    pub id: Option<i64>,
    pub version: Option<i64>,
    pub posted: &'a Posted,
    /// Names of the records its references point at.
    pub refs: &'a BTreeMap<String, String>,
}

pub async fn render<K: KitPages>(
    state: &AppState,
    session: &Session,
    subject: Subject<'_>,
    trouble: Trouble,
    toast: Option<String>,
) -> Result<FormPage, PageError> {
    let Subject {
        id,
        version,
        posted: p,
        refs,
    } = subject;
    let t = session.t;
    let kind = K::KIND;
    let defs: Vec<CustomDef> = app_records::defs(&state.app, kind)
        .await?
        .iter()
        .filter(|d| d.active)
        .cloned()
        .collect();
    let ctx = Ctx {
        state,
        session,
        kind,
        defs: &defs,
        errors: &trouble.errors,
        candidates: &trouble.candidates,
        refs,
        allowed: K::form_option,
        ref_choices: K::ref_choices,
        id,
    };
    let mut sections: Vec<SectionView> = Vec::new();
    for (title, hint) in kind.sections {
        let mut fields = Vec::new();
        for f in kind.writable().filter(|f| f.section == *title && !f.hidden) {
            fields.push(field_view(&ctx, f, p).await?);
        }
        if !fields.is_empty() {
            sections.push(SectionView {
                title: t.t(title),
                hint: if hint.is_empty() { String::new() } else { t.t(hint) },
                fields,
            });
        }
    }
    // Fields of no declared section (a kind without sections) go in one.
    let mut loose = Vec::new();
    for f in kind
        .writable()
        .filter(|f| !kind.sections.iter().any(|(s, _)| *s == f.section) && !f.hidden)
    {
        loose.push(field_view(&ctx, f, p).await?);
    }
    if !loose.is_empty() {
        sections.push(SectionView {
            title: String::new(),
            hint: String::new(),
            fields: loose,
        });
    }
    if !ctx.defs.is_empty() {
        let users = app_users::names(&state.app).await?;
        sections.push(SectionView {
            title: t.t("form-section-custom"),
            hint: String::new(),
            fields: ctx
                .defs
                .iter()
                .map(|d| custom_view(&t, d, p, &trouble.errors, &users))
                .collect(),
        });
    }
    // The summary names each field, in the order the form shows them.
    let mut errors: Vec<(String, String)> = Vec::new();
    for s in &sections {
        for f in s.fields.iter().filter(|f| !f.error.is_empty()) {
            errors.push((f.id.clone(), format!("{}: {}", f.label, f.error)));
        }
    }
    for e in trouble
        .errors
        .0
        .iter()
        .filter(|e| !sections.iter().any(|s| s.fields.iter().any(|f| f.name == e.field)))
    {
        errors.push((String::new(), t.err(e)));
    }
    let duplicates = trouble
        .duplicates
        .iter()
        .map(|d| {
            if d.hidden {
                DupView {
                    text: t.t(&format!("problem-duplicate-hidden-{}", d.field)),
                    href: None,
                    name: String::new(),
                    owner: None,
                }
            } else {
                DupView {
                    text: t.t_or(
                        &format!("{}-dup-{}", kind.entity, d.field),
                        &format!("dup-same-{}", d.field),
                    ),
                    href: Some(format!("/{}/{}", kind.key, d.id)),
                    name: d.name.clone(),
                    owner: d.owner_name.clone(),
                }
            }
        })
        .collect();
    let title = text(&t, kind, if id.is_some() { "edit-title" } else { "new-title" });
    let mut shell = session.shell(title);
    shell.toast = toast;
    let path = format!("/{}", kind.key);
    Ok(FormPage {
        shell,
        kind,
        id,
        version: version.map(|v| v.to_string()).unwrap_or_default(),
        sections,
        errors,
        duplicates,
        conflict: trouble.conflict,
        action: match id {
            Some(i) => format!("{path}/{i}"),
            None => path.clone(),
        },
        cancel: match id {
            Some(i) => format!("{path}/{i}"),
            None => path,
        },
    })
}

/// `/{kind}/new`: an empty form, or one filled from the query (`?account_id=5`, the sticky
/// values "Kaydet ve Yeni" carried over).
pub async fn new_page<K: KitPages>(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let kind = K::KIND;
    session.actor.require(kind.module, Action::Create)?;
    let pairs = query_pairs(&session.path);
    let mut p = Posted::default();
    for f in kind.writable() {
        let v = pairs.iter().find(|(k, _)| k == f.key).map(|(_, v)| v.clone());
        let v = v
            .or_else(|| f.default.or(f.initial).map(str::to_string))
            // A moment that starts as "now" (a call logged as it ends).
            .map(|v| {
                if v == kervan_core::record::NOW {
                    kervan_core::time::local_input(kervan_core::time::now_ms())
                } else {
                    v
                }
            })
            .unwrap_or_default();
        p.0.insert(f.key.to_string(), vec![v]);
    }
    if kind.owned {
        p.0.entry("owner_id".into()).and_modify(|v| {
            if v.iter().all(String::is_empty) {
                *v = vec![session.actor.user_id.to_string()]
            }
        });
    }
    // A reference given by id shows the name of what it points at.
    let mut refs = BTreeMap::new();
    for f in kind.writable().filter(|f| f.ty == FieldType::Reference) {
        if let Ok(id) = p.one(f.key).parse::<i64>()
            && let Some(target) = registry::entry(f.refers)
            && let Ok(rec) = app_records::load_for(&state.app, &session.actor, target.kind, id, Action::View).await
        {
            refs.insert(f.key.to_string(), (target.name)(&rec.values));
        }
    }
    let toast = pairs
        .iter()
        .find(|(k, _)| k == "ok")
        .and_then(|(_, v)| super::card::toast_text(&session.t, kind, v));
    let subject = Subject {
        id: None,
        version: None,
        posted: &p,
        refs: &refs,
    };
    let page = render::<K>(&state, &session, subject, Trouble::default(), toast).await?;
    Ok(html(&page)?.into_response())
}

pub async fn edit_page<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let kind = K::KIND;
    let rec = app_records::load_for(&state.app, &session.actor, kind, id, Action::View).await?;
    session.actor.require(kind.module, Action::Edit)?;
    if !K::editable(&rec) {
        return Err(PageError::BadRequest);
    }
    let defs = app_records::defs(&state.app, kind).await?;
    let p = posted_of(kind, &defs, &rec.values, &rec.custom);
    let refs = ref_names(&rec);
    let subject = Subject {
        id: Some(id),
        version: Some(rec.version),
        posted: &p,
        refs: &refs,
    };
    let page = render::<K>(&state, &session, subject, Trouble::default(), None).await?;
    Ok(html(&page)?.into_response())
}

fn ref_names(rec: &Record) -> BTreeMap<String, String> {
    rec.ref_names.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// Reads a posted form into the kit's inputs, resolving references typed by name. Returns the
/// inputs, or the problems of references that could not be resolved (with candidates to pick).
async fn inputs_of(
    state: &AppState,
    session: &Session,
    kind: &'static Kind,
    p: &Posted,
    current: &BTreeMap<String, String>,
) -> Result<(Inputs, Trouble), PageError> {
    let mut inputs = Inputs::default();
    let mut trouble = Trouble::default();
    for f in kind.writable() {
        // A field the form hides for the current choice (a VKN of an individual) is not the
        // person's input: it is cleared, whatever a browser without JavaScript still sent.
        if let Some((dep, shown)) = f.shown_when
            && p.has(dep)
            && !shown.contains(&p.one(dep).as_str())
        {
            inputs.fields.insert(f.key.to_string(), Input::Null);
            continue;
        }
        if f.ty == FieldType::Reference {
            let id = p.one(f.key);
            let name_key = format!("{}__name", f.key);
            if !p.has(&name_key) {
                if let Some(i) = input_of(f.ty, f.key, p) {
                    inputs.fields.insert(f.key.to_string(), i);
                }
                continue;
            }
            let typed = p.one(&name_key).trim().to_string();
            if typed.is_empty() {
                inputs.fields.insert(f.key.to_string(), Input::Null);
                continue;
            }
            // The id the page had (or a candidate picked) still stands while the name is unchanged.
            if !id.trim().is_empty() && current.get(f.key).is_none_or(|n| *n == typed || p.has("picked")) {
                inputs.fields.insert(f.key.to_string(), Input::Text(id));
                continue;
            }
            let found = registry::find_by_name(&state.app, &session.actor, f.refers, &typed, 6).await?;
            let exact: Vec<&(i64, String)> = found
                .iter()
                .filter(|(_, n)| kervan_core::text::fold(n) == kervan_core::text::fold(&typed))
                .collect();
            match (found.len(), exact.len()) {
                (1, _) | (_, 1) => {
                    let pick = if exact.len() == 1 { exact[0] } else { &found[0] };
                    inputs.fields.insert(f.key.to_string(), Input::Text(pick.0.to_string()));
                }
                // The message names what was looked for ("müşteri", "kişi").
                (0, _) => trouble.errors.add_with(f.key, "ref_not_found", f.refers),
                _ => {
                    trouble.errors.add_with(f.key, "ref_ambiguous", f.refers);
                    trouble.candidates.insert(
                        f.key.to_string(),
                        found.into_iter().map(|(i, n)| (i.to_string(), n, false)).collect(),
                    );
                }
            }
            continue;
        }
        if let Some(i) = input_of(f.ty, f.key, p) {
            inputs.fields.insert(f.key.to_string(), i);
        }
        if f.ty == FieldType::Tags && p.has(&seen_key(f.key)) {
            inputs
                .seen
                .insert(f.key.to_string(), Input::Text(p.one(&seen_key(f.key))));
        }
    }
    let defs = app_records::defs(&state.app, kind).await?;
    for d in defs.iter().filter(|d| d.active) {
        if let Some(i) = input_of(d.ty, &d.path(), p) {
            inputs.custom.insert(d.key.clone(), i);
        }
    }
    Ok((inputs, trouble))
}

/// The form again after a failed save, with everything typed kept.
#[allow(clippy::too_many_arguments)] // one call per failed save; a struct would only rename them
async fn failed<K: KitPages>(
    state: &AppState,
    session: &Session,
    id: Option<i64>,
    version: Option<i64>,
    p: &Posted,
    refs: &BTreeMap<String, String>,
    mut trouble: Trouble,
    e: Option<AppError>,
) -> Result<Response, PageError> {
    let t = session.t;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let mut version = version;
    match e {
        None => {}
        Some(AppError::Validation(errs)) => trouble.errors.0.extend(errs.0),
        Some(AppError::Duplicate(d)) => {
            status = StatusCode::CONFLICT;
            trouble.duplicates = d;
        }
        Some(AppError::Conflict { current_version }) => {
            // Keep what the person typed; say who changed the record meanwhile; saving again
            // writes the typed values over theirs.
            status = StatusCode::CONFLICT;
            let mut who = String::new();
            if let Some(id) = id
                && let Ok(h) = app_records::history::<K>(&state.app, &session.actor, id, 1).await
            {
                who = h.first().and_then(|x| x.user_name.clone()).unwrap_or_default();
            }
            trouble.conflict = Some(t.t1("record-conflict", "who", who));
            version = Some(current_version);
        }
        Some(other) => return Err(other.into()),
    }
    let subject = Subject {
        id,
        version,
        posted: p,
        refs,
    };
    let page = render::<K>(state, session, subject, trouble, None).await?;
    Ok((status, html(&page)?).into_response())
}

pub async fn create_submit<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    body: Bytes,
) -> Result<Response, PageError> {
    let kind = K::KIND;
    session.actor.require(kind.module, Action::Create)?;
    let p = Posted::parse(&body)?;
    let refs = BTreeMap::new();
    let (inputs, trouble) = inputs_of(&state, &session, kind, &p, &refs).await?;
    if !trouble.errors.is_empty() {
        return failed::<K>(&state, &session, None, None, &p, &refs, trouble, None).await;
    }
    let opts = WriteOptions {
        allow_duplicate: !p.one("confirm_duplicate").is_empty(),
    };
    match app_records::create::<K>(&state.app, &session.actor, &inputs, &opts).await {
        Ok(id) if p.one("after") == "new" => {
            // The next one is most likely from the same fair, of the same customer: keep those.
            let mut q: Vec<(String, String)> = vec![("ok".into(), "created".into())];
            for f in kind.writable().filter(|f| f.sticky) {
                let v = p.one(f.key);
                if !v.trim().is_empty() {
                    q.push((f.key.to_string(), v));
                }
            }
            let _ = id;
            Ok(crate::redirect::see_other(&format!(
                "/{}/new?{}",
                kind.key,
                query_string(&q)
            )))
        }
        // Something happened with a customer: what is the next step? (Asked when there is a
        // follow-up kind the writer may create.)
        Ok(id)
            if kind.timeline.is_some()
                && kervan_core::kinds::ALL
                    .iter()
                    .any(|k| k.follow_up.is_some() && session.actor.can(k.module, Action::Create)) =>
        {
            Ok(crate::redirect::see_other(&format!("/{}/{id}/next", kind.key)))
        }
        Ok(id) => Ok(crate::redirect::see_other(&format!("/{}/{id}?ok=created", kind.key))),
        Err(e) => failed::<K>(&state, &session, None, None, &p, &refs, trouble, Some(e)).await,
    }
}

pub async fn edit_submit<K: KitPages>(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let kind = K::KIND;
    let p = Posted::parse(&body)?;
    let version = p.version()?;
    let rec = app_records::load_for(&state.app, &session.actor, kind, id, Action::View).await?;
    let refs = ref_names(&rec);
    let (inputs, trouble) = inputs_of(&state, &session, kind, &p, &refs).await?;
    if !trouble.errors.is_empty() {
        return failed::<K>(&state, &session, Some(id), Some(version), &p, &refs, trouble, None).await;
    }
    let opts = WriteOptions {
        allow_duplicate: !p.one("confirm_duplicate").is_empty(),
    };
    match app_records::update::<K>(&state.app, &session.actor, id, version, &inputs, &opts).await {
        Ok(()) => Ok(crate::redirect::see_other(&format!("/{}/{id}?ok=saved", kind.key))),
        Err(e) => failed::<K>(&state, &session, Some(id), Some(version), &p, &refs, trouble, Some(e)).await,
    }
}
