//! Custom field definitions (the values live in each kind's `custom` column).

use kervan_core::record::{CustomDef, CustomOption, FieldType};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result, StoreError};

#[derive(Debug, Clone, FromQueryResult)]
struct Row {
    id: i64,
    kind: String,
    key: String,
    label: String,
    r#type: String,
    options: String,
    required: bool,
    filterable: bool,
    searchable: bool,
    sortable: bool,
    position: i64,
    active: bool,
    index_state: String,
}

impl Row {
    fn def(self) -> Option<CustomDef> {
        Some(CustomDef {
            id: self.id,
            kind: self.kind,
            key: self.key,
            label: self.label,
            ty: FieldType::parse_custom(&self.r#type)?,
            options: serde_json::from_str::<Vec<CustomOption>>(&self.options).unwrap_or_default(),
            required: self.required,
            filterable: self.filterable,
            searchable: self.searchable,
            sortable: self.sortable,
            position: self.position,
            active: self.active,
            index_state: self.index_state,
        })
    }
}

const SELECT: &str = "SELECT id, kind, key, label, type, options, required, filterable, searchable, sortable,
    position, active, index_state FROM custom_fields";

/// A kind's custom fields in their order, deactivated ones included.
pub async fn for_kind<C: ConnectionTrait>(c: &C, kind: &str) -> Result<Vec<CustomDef>> {
    let rows: Vec<Row> = db::all(
        c,
        &format!("{SELECT} WHERE kind = ? ORDER BY position, id"),
        vec![kind.into()],
    )
    .await?;
    Ok(rows.into_iter().filter_map(Row::def).collect())
}

pub async fn get<C: ConnectionTrait>(c: &C, kind: &str, key: &str) -> Result<Option<CustomDef>> {
    let row: Option<Row> = db::one(
        c,
        &format!("{SELECT} WHERE kind = ? AND key = ?"),
        vec![kind.into(), key.into()],
    )
    .await?;
    Ok(row.and_then(Row::def))
}

pub async fn insert<C: ConnectionTrait>(c: &C, d: &CustomDef, by: Option<i64>, now: i64) -> Result<i64> {
    crate::cache::bump(c).await?;
    db::insert_id(
        c,
        "INSERT INTO custom_fields (kind, key, label, type, options, required, filterable, searchable, sortable,
            position, active, index_state, created_at, updated_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            d.kind.clone().into(),
            d.key.clone().into(),
            d.label.clone().into(),
            d.ty.api_name().into(),
            options_json(&d.options).into(),
            d.required.into(),
            d.filterable.into(),
            d.searchable.into(),
            d.sortable.into(),
            d.position.into(),
            d.active.into(),
            d.index_state.clone().into(),
            now.into(),
            now.into(),
            by.into(),
        ],
    )
    .await
}

fn options_json(o: &[CustomOption]) -> String {
    serde_json::to_string(o).unwrap_or_else(|_| "[]".into())
}

/// Writes everything an admin may change (never the key or the type).
pub async fn update<C: ConnectionTrait>(c: &C, d: &CustomDef, now: i64) -> Result<()> {
    crate::cache::bump(c).await?;
    let n = db::exec(
        c,
        "UPDATE custom_fields SET label = ?, options = ?, required = ?, filterable = ?, searchable = ?, sortable = ?,
            position = ?, active = ?, index_state = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        vec![
            d.label.clone().into(),
            options_json(&d.options).into(),
            d.required.into(),
            d.filterable.into(),
            d.searchable.into(),
            d.sortable.into(),
            d.position.into(),
            d.active.into(),
            d.index_state.clone().into(),
            now.into(),
            d.id.into(),
        ],
    )
    .await?;
    if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub async fn set_index_state<C: ConnectionTrait>(c: &C, id: i64, state: &str) -> Result<()> {
    crate::cache::bump(c).await?;
    db::exec(
        c,
        "UPDATE custom_fields SET index_state = ? WHERE id = ?",
        vec![state.into(), id.into()],
    )
    .await?;
    Ok(())
}
