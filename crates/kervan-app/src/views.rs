//! Saved list views (segments): a named filter, column set and sort of one kind's list, private
//! or shared with the owner's team. A shared view is changed only by its owner or an admin, so
//! nobody changes a colleague's segment by accident.

use std::collections::BTreeMap;

use kervan_core::FieldErrors;
use kervan_core::permissions::Action;
use kervan_core::time::now_ms;
use kervan_store::views::{self as store, NewView, ViewRow};

use crate::error::{AppError, Result};
use crate::{Actor, App, registry};

/// A view as given: `None` leaves a setting as it is (on an update).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewInput {
    pub name: Option<String>,
    pub filters: Option<BTreeMap<String, String>>,
    pub columns: Option<Vec<String>>,
    pub sort: Option<String>,
    pub shared: Option<bool>,
}

/// A view read back.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub row: ViewRow,
    pub filters: BTreeMap<String, String>,
    pub columns: Vec<String>,
}

impl View {
    fn of(row: ViewRow) -> View {
        View {
            filters: serde_json::from_str(&row.filters).unwrap_or_default(),
            columns: serde_json::from_str(&row.columns).unwrap_or_default(),
            row,
        }
    }

    /// The list's query parameters the view stands for (filters and sort).
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = self.filters.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if !self.row.sort.is_empty() {
            p.push(("sort".into(), self.row.sort.clone()));
        }
        p
    }
}

/// Whether `actor` sees the view: their own; a shared one of their team (or, shared by someone
/// without a team, of everyone's); every shared one for an admin.
fn sees(actor: &Actor, v: &ViewRow) -> bool {
    v.owner_id == actor.user_id
        || (v.shared && (actor.is_admin() || v.owner_team_id.is_none() || v.owner_team_id == actor.team_id))
}

fn changes_allowed(actor: &Actor, v: &ViewRow) -> bool {
    v.owner_id == actor.user_id || actor.is_admin()
}

/// The views of a kind the actor sees, by name.
pub async fn list(app: &App, actor: &Actor, kind: &str) -> Result<Vec<View>> {
    let entry = registry::entry(kind).ok_or(AppError::NotFound)?;
    actor.require(entry.kind.module, Action::View)?;
    let key = entry.kind.key;
    let rows = app
        .cache
        .views(key, actor.user_id, async {
            Ok(store::for_kind(&app.db.conn, key, actor.user_id).await?)
        })
        .await?;
    Ok(rows.iter().filter(|v| sees(actor, v)).cloned().map(View::of).collect())
}

/// One view the actor sees; anything else is `NotFound`.
pub async fn get(app: &App, actor: &Actor, id: i64) -> Result<View> {
    let row = store::get(&app.db.conn, id).await?.ok_or(AppError::NotFound)?;
    if !sees(actor, &row) {
        return Err(AppError::NotFound);
    }
    let entry = registry::entry(&row.kind).ok_or(AppError::NotFound)?;
    actor
        .require(entry.kind.module, Action::View)
        .map_err(|_| AppError::NotFound)?;
    Ok(View::of(row))
}

/// Checks a view's parts against the kind's list: every filter and the sort must be ones the
/// list understands, every column one it can show.
async fn check(app: &App, kind: &str, input: &ViewInput, e: &mut FieldErrors) -> Result<()> {
    let entry = registry::entry(kind).ok_or(AppError::NotFound)?;
    let c = &app.db.conn;
    let defs = crate::records::defs(app, entry.kind).await?;
    if let Some(name) = &input.name {
        let n = name.trim();
        if n.is_empty() {
            e.add("name", "required");
        } else if n.chars().count() > 100 {
            e.add_with("name", "too_long", 100);
        } else if n.chars().any(char::is_control) {
            e.add("name", "invalid_chars");
        }
    }
    let mut pairs: Vec<(String, String)> = input
        .filters
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, _) in &pairs {
        if ["cursor", "before", "limit", "view"].contains(&k.as_str()) {
            e.add(&format!("filters.{k}"), "unknown_field");
        }
    }
    if let Some(s) = &input.sort {
        pairs.push(("sort".into(), s.clone()));
    }
    match (entry.parse_list)(c.get_database_backend(), &defs, &pairs) {
        // A parameter the list does not read would be saved and silently do nothing.
        Ok(spec) => {
            for (k, v) in input.filters.iter().flatten() {
                let read = spec.filters.contains_key(k) || k.starts_with("created");
                if !read && !v.trim().is_empty() {
                    e.add(&format!("filters.{k}"), "unknown_field");
                }
            }
        }
        Err(errs) => {
            for x in errs.0 {
                let field = if x.field == "sort" {
                    "sort".to_string()
                } else {
                    format!("filters.{}", x.field)
                };
                e.add(&field, &x.code);
            }
        }
    }
    if let Some(cols) = &input.columns {
        let known = crate::records::column_keys(entry.kind, &defs);
        for col in cols {
            if !known.contains(col) {
                e.add("columns", "invalid_choice");
                break;
            }
        }
        if cols.len() > 30 {
            e.add_with("columns", "too_many", 30);
        }
    }
    Ok(())
}

pub async fn create(app: &App, actor: &Actor, kind: &str, input: &ViewInput) -> Result<View> {
    let entry = registry::entry(kind).ok_or(AppError::NotFound)?;
    actor.require(entry.kind.module, Action::View)?;
    let mut e = FieldErrors::new();
    if input.name.is_none() {
        e.add("name", "required");
    }
    check(app, kind, input, &mut e).await?;
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let filters = serde_json::to_string(&input.filters.clone().unwrap_or_default()).unwrap_or_else(|_| "{}".into());
    let columns = serde_json::to_string(&input.columns.clone().unwrap_or_default()).unwrap_or_else(|_| "[]".into());
    let id = store::insert(
        &app.db.conn,
        &NewView {
            kind: entry.kind.key,
            name: input.name.as_deref().unwrap_or("").trim(),
            owner_id: actor.user_id,
            shared: input.shared.unwrap_or(false),
            filters: &filters,
            columns: &columns,
            sort: input.sort.as_deref().unwrap_or("").trim(),
        },
        now_ms(),
    )
    .await?;
    app.cache.clear();
    get(app, actor, id).await
}

/// Changes a view: its owner or an admin; anyone else who sees it gets `Forbidden`.
pub async fn update(app: &App, actor: &Actor, id: i64, input: &ViewInput) -> Result<View> {
    let v = get(app, actor, id).await?;
    if !changes_allowed(actor, &v.row) {
        return Err(AppError::Forbidden {
            module: registry::entry(&v.row.kind)
                .map(|e| e.kind.module)
                .unwrap_or(kervan_core::permissions::Module::Leads),
            action: Action::Edit,
        });
    }
    let mut e = FieldErrors::new();
    check(app, &v.row.kind, input, &mut e).await?;
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let mut row = v.row.clone();
    if let Some(n) = &input.name {
        row.name = n.trim().to_string();
    }
    if let Some(f) = &input.filters {
        row.filters = serde_json::to_string(f).unwrap_or_else(|_| "{}".into());
    }
    if let Some(c) = &input.columns {
        row.columns = serde_json::to_string(c).unwrap_or_else(|_| "[]".into());
    }
    if let Some(s) = &input.sort {
        row.sort = s.trim().to_string();
    }
    if let Some(s) = input.shared {
        row.shared = s;
    }
    store::update(&app.db.conn, &row, now_ms())
        .await
        .map_err(|e| crate::access::conflict(e, row.version + 1))?;
    app.cache.clear();
    get(app, actor, id).await
}

pub async fn delete(app: &App, actor: &Actor, id: i64) -> Result<()> {
    let v = get(app, actor, id).await?;
    if !changes_allowed(actor, &v.row) {
        return Err(AppError::Forbidden {
            module: registry::entry(&v.row.kind)
                .map(|e| e.kind.module)
                .unwrap_or(kervan_core::permissions::Module::Leads),
            action: Action::Delete,
        });
    }
    store::delete(&app.db.conn, id).await?;
    app.cache.clear();
    Ok(())
}

/// The columns the actor chose for a kind's list, if any.
pub async fn columns(app: &App, actor: &Actor, kind: &str) -> Result<Option<Vec<String>>> {
    let entry = registry::entry(kind).ok_or(AppError::NotFound)?;
    let key = entry.kind.key;
    Ok(app
        .cache
        .columns(key, actor.user_id, async {
            Ok(store::columns_of(&app.db.conn, actor.user_id, key).await?)
        })
        .await?
        .and_then(|s| serde_json::from_str(&s).ok()))
}

/// Keeps the actor's chosen columns of a kind's list (`None`: back to the defaults).
pub async fn set_columns(app: &App, actor: &Actor, kind: &str, cols: Option<&[String]>) -> Result<()> {
    let entry = registry::entry(kind).ok_or(AppError::NotFound)?;
    actor.require(entry.kind.module, Action::View)?;
    let json = match cols {
        Some(c) => {
            let defs = crate::records::defs(app, entry.kind).await?;
            let known = crate::records::column_keys(entry.kind, &defs);
            if c.iter().any(|x| !known.contains(x)) || c.len() > 30 {
                return Err(AppError::field("columns", "invalid_choice"));
            }
            Some(serde_json::to_string(c).unwrap_or_else(|_| "[]".into()))
        }
        None => None,
    };
    store::set_columns(&app.db.conn, actor.user_id, entry.kind.key, json.as_deref(), now_ms()).await?;
    app.cache.clear();
    Ok(())
}
