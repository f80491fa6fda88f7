//! Custom fields (Özel alanlar): admins add, rename, reorder, deactivate fields per kind. The
//! type is fixed once created; options are `{key, label}` so a label can be renamed and an option
//! retired without touching records; making a field filterable or sortable builds its index in
//! the background, and the filter is offered once the index exists.

use kervan_core::FieldErrors;
use kervan_core::permissions::Action;
use kervan_core::record::{CustomDef, CustomOption, FieldType, Kind, custom_key_for};
use kervan_core::text::fold;
use kervan_core::time::now_ms;
use kervan_store::{TransactionTrait, custom_fields as store, jobs};

use crate::error::{AppError, Result};
use crate::{Actor, App};

/// Most custom fields one kind may have (forms and lists stay usable).
pub const MAX_FIELDS: usize = 100;
/// Most options of one choice.
pub const MAX_OPTIONS: usize = 100;

/// An option as given: a new label, or an existing option by key (renamed, retired, restored).
#[derive(Debug, Clone, PartialEq)]
pub struct OptionInput {
    pub key: Option<String>,
    pub label: String,
    pub active: bool,
}

/// What an admin sends; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldInput {
    pub label: Option<String>,
    pub ty: Option<String>,
    pub options: Option<Vec<OptionInput>>,
    pub required: Option<bool>,
    pub filterable: Option<bool>,
    pub searchable: Option<bool>,
    pub sortable: Option<bool>,
    pub position: Option<i64>,
    pub active: Option<bool>,
}

fn kind_of(kind: &str) -> Result<&'static Kind> {
    crate::records::lookup(kind).ok_or(AppError::NotFound)
}

fn admin_only(actor: &Actor, kind: &Kind) -> Result<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            module: kind.module,
            action: Action::Edit,
        })
    }
}

/// A kind's custom fields, in order (deactivated ones too): for anyone who may see the kind.
pub async fn list(app: &App, actor: &Actor, kind: &str) -> Result<Vec<CustomDef>> {
    let k = kind_of(kind)?;
    actor.require(k.module, Action::View)?;
    Ok(store::for_kind(&app.db.conn, k.key).await?)
}

pub async fn get(app: &App, actor: &Actor, kind: &str, key: &str) -> Result<CustomDef> {
    let k = kind_of(kind)?;
    actor.require(k.module, Action::View)?;
    store::get(&app.db.conn, k.key, key).await?.ok_or(AppError::NotFound)
}

fn clean_label(e: &mut FieldErrors, field: &str, label: &str) -> Option<String> {
    let l = label.trim();
    if l.is_empty() {
        e.add(field, "required");
        None
    } else if l.chars().count() > 100 {
        e.add_with(field, "too_long", 100);
        None
    } else if l.chars().any(char::is_control) {
        e.add(field, "invalid_chars");
        None
    } else {
        Some(l.to_string())
    }
}

/// Applies option edits: existing keys keep their key (label and state change), new labels get
/// a key of their own; options left out stay as they were.
fn merge_options(e: &mut FieldErrors, current: &[CustomOption], given: &[OptionInput]) -> Vec<CustomOption> {
    let mut out: Vec<CustomOption> = current.to_vec();
    for o in given {
        let Some(label) = clean_label(e, "options", &o.label) else {
            continue;
        };
        match o.key.as_deref().and_then(|k| out.iter_mut().find(|x| x.key == k)) {
            Some(existing) => {
                existing.label = label;
                existing.active = o.active;
            }
            None if o.key.is_some() => e.add("options", "invalid_choice"),
            None => {
                if out.iter().any(|x| fold(&x.label) == fold(&label)) {
                    e.add("options", "duplicate_option");
                    continue;
                }
                let taken: Vec<String> = out.iter().map(|x| x.key.clone()).collect();
                out.push(CustomOption {
                    key: custom_key_for(&label, &taken),
                    label,
                    active: o.active,
                });
            }
        }
    }
    if out.len() > MAX_OPTIONS {
        e.add_with("options", "too_many", MAX_OPTIONS);
    }
    out
}

fn index_state(d: &CustomDef) -> &'static str {
    let wants = d.filterable || d.sortable;
    match (wants, d.ty) {
        (_, FieldType::MultiChoice | FieldType::User) | (false, _) => "none",
        // An index built before stays: turning filtering off and on again costs nothing.
        (true, _) if d.index_state == "ready" => "ready",
        (true, _) => "pending",
    }
}

/// Adds a custom field (admins).
pub async fn create(app: &App, actor: &Actor, kind: &str, input: &FieldInput) -> Result<CustomDef> {
    let k = kind_of(kind)?;
    admin_only(actor, k)?;
    let c = &app.db.conn;
    let existing = store::for_kind(c, k.key).await?;
    let mut e = FieldErrors::new();
    let label = clean_label(&mut e, "label", input.label.as_deref().unwrap_or(""));
    let ty = match input.ty.as_deref().map(str::trim) {
        None | Some("") => {
            e.add("type", "required");
            None
        }
        Some(t) => {
            let ty = FieldType::parse_custom(t);
            if ty.is_none() {
                e.add("type", "invalid_choice");
            }
            ty
        }
    };
    let options = merge_options(&mut e, &[], input.options.as_deref().unwrap_or(&[]));
    if matches!(ty, Some(FieldType::Choice | FieldType::MultiChoice)) && options.is_empty() && !e.has("options") {
        e.add("options", "required");
    }
    if existing.iter().filter(|d| d.active).count() >= MAX_FIELDS {
        e.add_with("label", "too_many", MAX_FIELDS);
    }
    let (Some(label), Some(ty)) = (label, ty) else {
        return Err(AppError::Validation(e));
    };
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    // Built-in keys are taken too, so `custom.KEY` never reads like a field of the kind.
    let taken: Vec<String> = existing
        .iter()
        .map(|d| d.key.clone())
        .chain(k.fields.iter().map(|f| f.key.to_string()))
        .collect();
    let mut d = CustomDef {
        id: 0,
        kind: k.key.to_string(),
        key: custom_key_for(&label, &taken),
        label,
        ty,
        options: if matches!(ty, FieldType::Choice | FieldType::MultiChoice) {
            options
        } else {
            vec![]
        },
        required: input.required.unwrap_or(false),
        filterable: input.filterable.unwrap_or(false),
        searchable: input.searchable.unwrap_or(false)
            && matches!(
                ty,
                FieldType::Text | FieldType::LongText | FieldType::Choice | FieldType::MultiChoice
            ),
        sortable: input.sortable.unwrap_or(false),
        position: input
            .position
            .unwrap_or_else(|| existing.iter().map(|d| d.position).max().unwrap_or(0) + 10),
        active: true,
        index_state: String::new(),
    };
    d.index_state = index_state(&d).into();
    let now = now_ms();
    let txn = c.begin().await?;
    d.id = store::insert(&txn, &d, actor.author(), now).await?;
    enqueue_work(&txn, &d, None, now).await?;
    txn.commit().await?;
    app.cache.clear();
    app.jobs.notify_one();
    Ok(d)
}

/// The background work a definition needs: its index, a search key refresh.
async fn enqueue_work<C: kervan_store::ConnectionTrait>(
    c: &C,
    d: &CustomDef,
    before: Option<&CustomDef>,
    now: i64,
) -> Result<()> {
    if d.index_state == "pending" && before.is_none_or(|b| b.index_state != "pending") {
        let payload = serde_json::json!({"kind": d.kind, "key": d.key}).to_string();
        jobs::enqueue(c, "custom_index", &payload, None, now, now).await?;
    }
    let searchable_now = d.searchable && d.active;
    let searchable_before = before.is_some_and(|b| b.searchable && b.active);
    let options_renamed = before.is_some_and(|b| b.options != d.options);
    if searchable_now != searchable_before || (searchable_now && options_renamed) {
        let payload = serde_json::json!({"kind": d.kind}).to_string();
        jobs::enqueue(c, "search_keys", &payload, None, now, now).await?;
    }
    Ok(())
}

/// Changes a custom field (admins). The type never changes; a renamed label changes no data.
pub async fn update(app: &App, actor: &Actor, kind: &str, key: &str, input: &FieldInput) -> Result<CustomDef> {
    let k = kind_of(kind)?;
    admin_only(actor, k)?;
    let c = &app.db.conn;
    let before = store::get(c, k.key, key).await?.ok_or(AppError::NotFound)?;
    let mut d = before.clone();
    let mut e = FieldErrors::new();
    if let Some(t) = &input.ty
        && FieldType::parse_custom(t.trim()) != Some(before.ty)
    {
        e.add("type", "type_fixed");
    }
    if let Some(l) = &input.label
        && let Some(l) = clean_label(&mut e, "label", l)
    {
        d.label = l;
    }
    if let Some(o) = &input.options {
        if matches!(d.ty, FieldType::Choice | FieldType::MultiChoice) {
            d.options = merge_options(&mut e, &before.options, o);
            if !d.options.iter().any(|o| o.active) {
                e.add("options", "required");
            }
        } else if !o.is_empty() {
            e.add("options", "invalid_choice");
        }
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    d.required = input.required.unwrap_or(d.required);
    d.filterable = input.filterable.unwrap_or(d.filterable);
    d.searchable = input.searchable.unwrap_or(d.searchable)
        && matches!(
            d.ty,
            FieldType::Text | FieldType::LongText | FieldType::Choice | FieldType::MultiChoice
        );
    d.sortable = input.sortable.unwrap_or(d.sortable);
    d.position = input.position.unwrap_or(d.position);
    d.active = input.active.unwrap_or(d.active);
    d.index_state = index_state(&d).into();
    let now = now_ms();
    let txn = c.begin().await?;
    store::update(&txn, &d, now).await?;
    enqueue_work(&txn, &d, Some(&before), now).await?;
    txn.commit().await?;
    app.cache.clear();
    app.jobs.notify_one();
    Ok(d)
}

/// Moves a field one place up or down among the kind's fields (admins).
pub async fn move_field(app: &App, actor: &Actor, kind: &str, key: &str, up: bool) -> Result<()> {
    let k = kind_of(kind)?;
    admin_only(actor, k)?;
    let c = &app.db.conn;
    let mut all = store::for_kind(c, k.key).await?;
    let Some(i) = all.iter().position(|d| d.key == key) else {
        return Err(AppError::NotFound);
    };
    let j = if up {
        i.checked_sub(1)
    } else {
        Some(i + 1).filter(|j| *j < all.len())
    };
    let Some(j) = j else { return Ok(()) };
    all.swap(i, j);
    let now = now_ms();
    let txn = c.begin().await?;
    for (n, d) in all.iter_mut().enumerate() {
        let pos = (n as i64 + 1) * 10;
        if d.position != pos {
            d.position = pos;
            store::update(&txn, d, now).await?;
        }
    }
    txn.commit().await?;
    app.cache.clear();
    Ok(())
}

/// Deactivates a field (admins): it leaves forms, lists and the API; the values stay.
pub async fn deactivate(app: &App, actor: &Actor, kind: &str, key: &str) -> Result<CustomDef> {
    update(
        app,
        actor,
        kind,
        key,
        &FieldInput {
            active: Some(false),
            ..Default::default()
        },
    )
    .await
}
