//! The record kit's SQL: one insert, update, read and keyset list for every declared kind
//! ([`kervan_core::record::Kind`]), on both backends. Table and column names come only from the
//! declarations (ours, never input); custom field keys are validated (`[a-z][a-z0-9_]*`) before
//! they are written into a JSON path; every value is a bound parameter.

use std::collections::HashMap;

use kervan_core::record::{FieldType, Kind, Storage};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Value};

use crate::db::{self, Result, StoreError};
use crate::listing::{self, Page, PageQuery, Position, Visibility, Where};

/// A stored cell, as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Real(f64),
    Bool(bool),
}

/// One record as read: the declared columns (by field key, only those with a value), the
/// bookkeeping columns, names of what it refers to, and its custom values' JSON.
#[derive(Debug, Clone, Default)]
pub struct RowData {
    pub id: i64,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: Option<i64>,
    pub archived_at: Option<i64>,
    pub cells: HashMap<&'static str, Cell>,
    pub owner_name: Option<String>,
    /// Display names of referenced records, by the referring field's key.
    pub ref_names: HashMap<&'static str, String>,
    pub custom: String,
    /// The tags, when the kind has them (read with the row).
    pub tags: Option<Vec<String>>,
    /// The sort key written on the last save (cursors are made from it).
    pub sort_name: String,
    /// When the earliest open follow-up (task) is due; `None` when there is none (or the kind
    /// has no follow-ups).
    pub next_step: Option<i64>,
}

/// The SQL type a field's column is read as.
fn cell_kind(ty: FieldType) -> u8 {
    match ty {
        FieldType::Money | FieldType::DateTime | FieldType::User | FieldType::Reference => 1,
        FieldType::Bool => 2,
        FieldType::Number | FieldType::Percent => 3,
        _ => 0,
    }
}

/// The kind behind a reference (`refers`), to join its name.
pub type KindLookup = fn(&str) -> Option<&'static Kind>;

/// What a read gets besides a record's own columns and tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// As shown: the owner's name, the names of referenced records, the next step.
    Shown,
    /// Only what a write needs (a bulk change, an import's update, an undo): each name is a
    /// subquery per row, a third of reading a batch.
    Own,
}

/// `SELECT` list and joins of a kind.
fn select(kind: &Kind, backend: DbBackend, lookup: KindLookup, reading: Reading) -> (String, String) {
    let shown = reading == Reading::Shown;
    let a = kind.alias;
    let mut cols = vec![
        format!("{a}.id"),
        format!("{a}.version"),
        format!("{a}.created_at"),
        format!("{a}.updated_at"),
        format!("{a}.created_by"),
        format!("{a}.archived_at"),
        format!("{a}.sort_name"),
    ];
    cols.push(if backend == DbBackend::Postgres {
        format!("{a}.custom::text AS custom")
    } else {
        format!("{a}.custom AS custom")
    });
    // The tags of each row in the same statement (one round trip for a page), joined by the
    // unit separator, which no tag contains (control characters are refused at the boundary).
    if !kind.tag_table.is_empty() {
        let agg = if backend == DbBackend::Postgres {
            "string_agg(tg.tag, chr(31))"
        } else {
            "group_concat(tg.tag, char(31))"
        };
        cols.push(format!(
            "(SELECT {agg} FROM {} tg WHERE tg.{} = {a}.id) AS tags__joined",
            kind.tag_table, kind.tag_key
        ));
    }
    // Names of the owner and of referenced records as scalar subqueries, not joins: the
    // planner then has no join order to search (PostgreSQL planned a lead list in 3 ms with
    // three LEFT JOINs, 1.3 ms this way), and each is one primary-key lookup per row shown.
    let joins = String::new();
    if kind.owned && shown {
        cols.push(format!(
            "(SELECT u.name FROM users u WHERE u.id = {a}.owner_id) AS owner_name"
        ));
    }
    // The next step: one seek per row in the follow-up kind's index of open records.
    if let Some((fk, field, fu)) = kervan_core::record::next_step_of(kind).filter(|_| shown) {
        cols.push(format!(
            "(SELECT MIN(n.{due}) FROM {table} n WHERE n.{r} = {a}.id AND n.{status} = '{open}' AND n.archived_at IS NULL) AS next_step",
            due = fu.due,
            table = fk.table,
            r = field.key,
            status = fk.status,
            open = fu.open,
        ));
    }
    for f in kind.columns() {
        cols.push(format!("{a}.{}", f.key));
        if f.ty == FieldType::Reference
            && shown
            && let Some(target) = lookup(f.refers)
        {
            let r = format!("r_{}", f.key);
            cols.push(format!(
                "(SELECT {} FROM {} {r} WHERE {r}.id = {a}.{}) AS {}__name",
                target.name_sql.replace("{a}", &r),
                target.table,
                f.key,
                f.key
            ));
        }
    }
    (cols.join(", "), joins)
}

/// Whether [`select`] reads a next-step column for `kind` (asked once per statement, not per row).
fn has_next_step(kind: &Kind) -> bool {
    kervan_core::record::next_step_of(kind).is_some()
}

/// Reads a row of [`select`] by position, in the order `select` wrote its columns (by name, each
/// value cost a formatted string and a search of the column names: a tenth of a list request).
fn read_row(kind: &Kind, lookup: KindLookup, next_step: bool, reading: Reading, r: &QueryResult) -> Result<RowData> {
    let shown = reading == Reading::Shown;
    let mut i = 0usize;
    let mut next = || {
        i += 1;
        i - 1
    };
    let mut d = RowData {
        id: r.try_get_by_index(next())?,
        version: r.try_get_by_index(next())?,
        created_at: r.try_get_by_index(next())?,
        updated_at: r.try_get_by_index(next())?,
        created_by: r.try_get_by_index(next())?,
        archived_at: r.try_get_by_index(next())?,
        sort_name: r.try_get_by_index(next())?,
        custom: r
            .try_get_by_index::<Option<String>>(next())?
            .unwrap_or_else(|| "{}".into()),
        ..Default::default()
    };
    if !kind.tag_table.is_empty() {
        let joined: Option<String> = r.try_get_by_index(next())?;
        d.tags = Some(
            joined
                .map(|j| j.split('\u{1f}').map(str::to_string).collect())
                .unwrap_or_default(),
        );
    }
    if kind.owned && shown {
        d.owner_name = r.try_get_by_index(next())?;
    }
    if next_step && shown {
        d.next_step = r.try_get_by_index(next())?;
    }
    for f in kind.columns() {
        let at = next();
        let cell = match cell_kind(f.ty) {
            1 => r.try_get_by_index::<Option<i64>>(at)?.map(Cell::Int),
            2 => r.try_get_by_index::<Option<bool>>(at)?.map(Cell::Bool),
            3 => r.try_get_by_index::<Option<f64>>(at)?.map(Cell::Real),
            _ => r.try_get_by_index::<Option<String>>(at)?.map(Cell::Text),
        };
        if let Some(c) = cell {
            d.cells.insert(f.key, c);
        }
        if f.ty == FieldType::Reference
            && shown
            && lookup(f.refers).is_some()
            && let Some(name) = r.try_get_by_index::<Option<String>>(next())?
        {
            d.ref_names.insert(f.key, name);
        }
    }
    Ok(d)
}

/// What a write stores: each column's value (declared and derived) and the custom values' JSON.
#[derive(Debug, Clone, Default)]
pub struct Write {
    pub columns: Vec<(&'static str, Value)>,
    pub custom: String,
}

fn custom_marker(backend: DbBackend) -> &'static str {
    if backend == DbBackend::Postgres {
        "CAST(? AS jsonb)"
    } else {
        "?"
    }
}

/// Inserts a record (plus `extra` columns, e.g. the lead it came from) and returns its id.
pub async fn insert<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    w: &Write,
    extra: &[(&'static str, Value)],
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let mut w = w.clone();
    w.columns.extend(extra.iter().cloned());
    let ids = insert_many(c, kind, &[w], by, now).await?;
    ids.first()
        .copied()
        .ok_or_else(|| StoreError::Invalid("insert returned no id".into()))
}

/// Bound values per statement a batch stays under (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_BINDS: usize = 30_000;

/// Inserts many records in as few statements as the bind limit allows and returns their ids in
/// the order of `writes`. Every write must have the same columns (one kind's). Within one
/// statement the rows take ascending ids in the order given (SQLite's rowids under its write
/// lock, PostgreSQL's sequence called row by row), so sorting what RETURNING gives — whose own
/// order neither database promises — pairs each id with its row.
pub async fn insert_many<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    writes: &[Write],
    by: Option<i64>,
    now: i64,
) -> Result<Vec<i64>> {
    let Some(first) = writes.first() else {
        return Ok(vec![]);
    };
    let mut names: Vec<&str> = first.columns.iter().map(|(k, _)| *k).collect();
    names.extend(["custom", "created_at", "updated_at", "created_by"]);
    let mut one: Vec<&str> = vec!["?"; first.columns.len()];
    one.push(custom_marker(c.get_database_backend()));
    one.extend(["?", "?", "?"]);
    let one = format!("({})", one.join(", "));
    let per = (MAX_BINDS / names.len()).max(1);
    let mut ids = Vec::with_capacity(writes.len());
    for chunk in writes.chunks(per) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * names.len());
        for w in chunk {
            if w.columns.len() != first.columns.len() {
                return Err(StoreError::Invalid("a batch of records with different columns".into()));
            }
            values.extend(w.columns.iter().map(|(_, v)| v.clone()));
            values.extend([w.custom.clone().into(), now.into(), now.into(), by.into()]);
        }
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {} RETURNING id",
            kind.table,
            names.join(", "),
            vec![one.as_str(); chunk.len()].join(", ")
        );
        let rows = c
            .query_all_raw(db::stmt(c, &sql, values))
            .await
            .map_err(StoreError::from_db)?;
        let mut got = rows
            .iter()
            .map(|r| r.try_get_by_index::<i64>(0))
            .collect::<std::result::Result<Vec<i64>, _>>()?;
        if got.len() != chunk.len() {
            return Err(StoreError::Invalid(
                "a batch insert returned another number of ids".into(),
            ));
        }
        got.sort_unstable();
        ids.extend(got);
    }
    Ok(ids)
}

/// Writes many records, each if still at its version, in a statement per chunk (a CTE of the
/// new values joined by id: both databases run `UPDATE … FROM`). Every write must have the same
/// columns — only those the batch changes, so that an index over a column nobody changed is
/// left alone — and `custom` says whether the custom values' JSON is written too. Returns the
/// ids written; the others were changed meanwhile (a conflict).
pub async fn update_many<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    writes: &[(i64, i64, Write)],
    custom: bool,
    now: i64,
) -> Result<Vec<i64>> {
    let Some((_, _, first)) = writes.first() else {
        return Ok(vec![]);
    };
    let backend = c.get_database_backend();
    let cols: Vec<&str> = first.columns.iter().map(|(k, _)| *k).collect();
    let mut names = vec!["id", "version"];
    names.extend(&cols);
    let mut one = vec!["?"; names.len()];
    if custom {
        names.push("custom");
        one.push(custom_marker(backend));
    }
    let one = format!("({})", one.join(", "));
    let t = kind.table;
    let mut sets: Vec<String> = names[2..].iter().map(|k| format!("{k} = v.{k}")).collect();
    sets.push("updated_at = ?".into());
    sets.push(format!("version = {t}.version + 1"));
    let per = (MAX_BINDS / names.len()).max(1);
    let mut done = Vec::with_capacity(writes.len());
    for chunk in writes.chunks(per) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * names.len() + 1);
        for (id, version, w) in chunk {
            if w.columns.len() != cols.len() {
                return Err(StoreError::Invalid("a batch of records with different columns".into()));
            }
            values.extend([(*id).into(), (*version).into()]);
            values.extend(w.columns.iter().map(|(_, v)| v.clone()));
            if custom {
                values.push(w.custom.clone().into());
            }
        }
        // The `?` of updated_at comes after the CTE's in the text, as its value does.
        values.push(now.into());
        let sql = format!(
            "WITH v ({}) AS (VALUES {}) UPDATE {t} SET {} FROM v WHERE {t}.id = v.id AND {t}.version = v.version \
             RETURNING {t}.id",
            names.join(", "),
            vec![one.as_str(); chunk.len()].join(", "),
            sets.join(", ")
        );
        let rows = c
            .query_all_raw(db::stmt(c, &sql, values))
            .await
            .map_err(StoreError::from_db)?;
        for r in rows {
            done.push(r.try_get_by_index::<i64>(0)?);
        }
    }
    Ok(done)
}

/// What a tag change needs of a record: not the row, only who owns it, its name and its tags.
#[derive(Debug, Clone)]
pub struct Tagged {
    pub id: i64,
    pub owner_id: Option<i64>,
    pub name: String,
    pub tags: Vec<String>,
}

/// [`Tagged`] of many records (those that exist), a statement per chunk.
pub async fn tagged_many<C: ConnectionTrait>(c: &C, kind: &Kind, ids: &[i64]) -> Result<Vec<Tagged>> {
    let a = kind.alias;
    let agg = if c.get_database_backend() == DbBackend::Postgres {
        "string_agg(tg.tag, chr(31))"
    } else {
        "group_concat(tg.tag, char(31))"
    };
    let owner = if kind.owned {
        format!("{a}.owner_id")
    } else {
        "CAST(NULL AS BIGINT)".into()
    };
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let sql = format!(
            "SELECT {a}.id, {owner}, {name}, (SELECT {agg} FROM {tt} tg WHERE tg.{tk} = {a}.id) FROM {t} {a} WHERE {a}.id IN ({marks})",
            name = kind.name_sql.replace("{a}", a),
            tt = kind.tag_table,
            tk = kind.tag_key,
            t = kind.table,
            marks = vec!["?"; chunk.len()].join(", ")
        );
        let values: Vec<Value> = chunk.iter().map(|i| Value::from(*i)).collect();
        for r in c
            .query_all_raw(db::stmt(c, &sql, values))
            .await
            .map_err(StoreError::from_db)?
        {
            let joined: Option<String> = r.try_get_by_index(3)?;
            out.push(Tagged {
                id: r.try_get_by_index(0)?,
                owner_id: r.try_get_by_index(1)?,
                name: r.try_get_by_index::<Option<String>>(2)?.unwrap_or_default(),
                tags: joined
                    .map(|j| j.split('\u{1f}').map(str::to_string).collect())
                    .unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

/// Removes the tags of many records (before [`add_tags_many`] writes their new ones).
pub async fn clear_tags_many<C: ConnectionTrait>(c: &C, kind: &Kind, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(1000) {
        db::exec(
            c,
            &format!(
                "DELETE FROM {} WHERE {} IN ({})",
                kind.tag_table,
                kind.tag_key,
                vec!["?"; chunk.len()].join(", ")
            ),
            chunk.iter().map(|i| (*i).into()).collect(),
        )
        .await?;
    }
    Ok(())
}

/// Takes tags off records (`id`, tag key), a statement per key and chunk: a bulk run takes the
/// same tag off thousands of records.
pub async fn remove_tags_many<C: ConnectionTrait>(c: &C, kind: &Kind, tags: &[(i64, String)]) -> Result<()> {
    let mut by_key: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for (id, key) in tags {
        by_key.entry(key.as_str()).or_default().push(*id);
    }
    for (key, ids) in by_key {
        for chunk in ids.chunks(1000) {
            let mut values: Vec<Value> = vec![key.into()];
            values.extend(chunk.iter().map(|i| Value::from(*i)));
            db::exec(
                c,
                &format!(
                    "DELETE FROM {} WHERE tag_key = ? AND {} IN ({})",
                    kind.tag_table,
                    kind.tag_key,
                    vec!["?"; chunk.len()].join(", ")
                ),
                values,
            )
            .await?;
        }
    }
    Ok(())
}

/// The tags of many records (`id`, tags to add) in a statement per chunk.
pub async fn add_tags_many<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    tags: &[(i64, Vec<(String, String)>)],
) -> Result<()> {
    let rows: Vec<(i64, &String, &String)> = tags
        .iter()
        .flat_map(|(id, t)| t.iter().map(move |(tag, key)| (*id, tag, key)))
        .collect();
    for chunk in rows.chunks(MAX_BINDS / 3) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 3);
        for (id, tag, key) in chunk {
            values.extend([(*id).into(), (*tag).clone().into(), (*key).clone().into()]);
        }
        db::exec(
            c,
            &format!(
                // A tag already there is there: tags are a set, and a bulk run may meet a
                // record tagged by somebody else since it read it.
                "INSERT INTO {} ({}, tag, tag_key) VALUES {} ON CONFLICT DO NOTHING",
                kind.tag_table,
                kind.tag_key,
                vec!["(?, ?, ?)"; chunk.len()].join(", ")
            ),
            values,
        )
        .await?;
    }
    Ok(())
}

/// Counts `n` more (or, negative, fewer) uses of a value of a field (a batch of records).
pub async fn bump_value_by<C: ConnectionTrait>(c: &C, kind: &Kind, field: &str, value: &str, n: i64) -> Result<()> {
    if n > 0 {
        db::exec(
            c,
            "INSERT INTO field_values (kind, field, value, n) VALUES (?, ?, ?, ?)
             ON CONFLICT (kind, field, value) DO UPDATE SET n = field_values.n + excluded.n",
            vec![kind.key.into(), field.into(), value.into(), n.into()],
        )
        .await?;
    } else if n < 0 {
        db::exec(
            c,
            "UPDATE field_values SET n = n + ? WHERE kind = ? AND field = ? AND value = ?",
            vec![n.into(), kind.key.into(), field.into(), value.into()],
        )
        .await?;
    }
    Ok(())
}

/// Writes a record if it is still at `version`; a stale version is a conflict.
pub async fn update<C: ConnectionTrait>(c: &C, kind: &Kind, id: i64, version: i64, w: &Write, now: i64) -> Result<()> {
    let mut sets: Vec<String> = w.columns.iter().map(|(k, _)| format!("{k} = ?")).collect();
    sets.push(format!("custom = {}", custom_marker(c.get_database_backend())));
    let mut values: Vec<Value> = w.columns.iter().map(|(_, v)| v.clone()).collect();
    values.extend([w.custom.clone().into(), now.into(), id.into(), version.into()]);
    let n = db::exec(
        c,
        &format!(
            "UPDATE {} SET {}, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?",
            kind.table,
            sets.join(", ")
        ),
        values,
    )
    .await?;
    if n == 0 { Err(StoreError::Conflict) } else { Ok(()) }
}

pub async fn get<C: ConnectionTrait>(c: &C, kind: &Kind, lookup: KindLookup, id: i64) -> Result<Option<RowData>> {
    Ok(get_many(c, kind, lookup, Reading::Shown, &[id])
        .await?
        .into_iter()
        .next())
}

/// Many records by id in a statement per thousand, in no particular order; missing ids are
/// left out.
pub async fn get_many<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    lookup: KindLookup,
    reading: Reading,
    ids: &[i64],
) -> Result<Vec<RowData>> {
    let (cols, joins) = select(kind, c.get_database_backend(), lookup, reading);
    let next = has_next_step(kind);
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let sql = format!(
            "SELECT {cols} FROM {} {}{joins} WHERE {}.id IN ({})",
            kind.table,
            kind.alias,
            kind.alias,
            vec!["?"; chunk.len()].join(", ")
        );
        for r in c
            .query_all_raw(db::stmt(c, &sql, chunk.iter().map(|i| (*i).into()).collect()))
            .await?
        {
            out.push(read_row(kind, lookup, next, reading, &r)?);
        }
    }
    Ok(out)
}

/// The owner of a record (`None` also when there is no such record; [`exists`] tells them apart).
/// The records above `id` in the kind's tree (`Kind::hierarchy`: parents, managers), nearest
/// first, to refuse a link that would make a loop.
pub async fn chain_above<C: ConnectionTrait>(c: &C, kind: &Kind, id: i64) -> Result<Vec<i64>> {
    let sql = format!("SELECT {} FROM {} WHERE id = ?", kind.hierarchy, kind.table);
    let mut out = Vec::new();
    let mut at = id;
    // Bounded: a corrupt loop in old data must not hang a request.
    for _ in 0..64 {
        match db::scalar_i64(c, &sql, vec![at.into()]).await? {
            Some(p) if !out.contains(&p) => {
                out.push(p);
                at = p;
            }
            _ => break,
        }
    }
    Ok(out)
}

/// [`owner_of`] for many records: the owner of each that exists (`None` for an unowned kind or
/// a record without one), a statement per thousand ids.
pub async fn owners_many<C: ConnectionTrait>(c: &C, kind: &Kind, ids: &[i64]) -> Result<HashMap<i64, Option<i64>>> {
    #[derive(sea_orm::FromQueryResult)]
    struct O {
        id: i64,
        owner_id: Option<i64>,
    }
    let owner = if kind.owned { "owner_id" } else { "CAST(NULL AS BIGINT)" };
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let rows: Vec<O> = db::all(
            c,
            &format!(
                "SELECT id, {owner} AS owner_id FROM {} WHERE id IN ({})",
                kind.table,
                vec!["?"; chunk.len()].join(", ")
            ),
            chunk.iter().map(|i| (*i).into()).collect(),
        )
        .await?;
        out.extend(rows.into_iter().map(|r| (r.id, r.owner_id)));
    }
    Ok(out)
}

pub async fn owner_of<C: ConnectionTrait>(c: &C, kind: &Kind, id: i64) -> Result<Option<Option<i64>>> {
    Ok(owners_many(c, kind, &[id]).await?.remove(&id))
}

/// A list's conditions and order, as the use cases built them from a validated query.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Folded search terms (all must match), or the query read as a phone number.
    pub terms: Vec<String>,
    pub phone: Option<String>,
    /// Conditions over the kind's alias with bound values (columns from the declaration only).
    pub conds: Vec<(String, Vec<Value>)>,
    /// References through which a row is also visible (kinds that ride along with a record).
    pub via: Vec<listing::Via>,
    pub archived: bool,
    /// Sort expression (qualified); `None` is the order of entry (the id).
    pub sort: Option<String>,
    pub desc: bool,
    pub after: Option<Position>,
    pub before: Option<Position>,
    pub limit: u64,
}

/// One page of a kind's records inside `vis`.
pub async fn list<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    lookup: KindLookup,
    q: &ListQuery,
    vis: Visibility,
) -> Result<Page<RowData>> {
    let (cols, joins, table, w) = list_parts(c.get_database_backend(), kind, lookup, q, vis);
    let pq = page_query(kind, q, &cols, &joins, &table);
    let rows = listing::page_rows(c, pq, w).await?;
    let next_step = has_next_step(kind);
    let rows_out = rows
        .rows
        .iter()
        .map(|r| read_row(kind, lookup, next_step, Reading::Shown, r))
        .collect::<Result<Vec<_>>>()?;
    Ok(Page {
        rows: rows_out,
        has_next: rows.has_next,
        has_prev: rows.has_prev,
    })
}

/// The ids of every row of a list (its filters, visibility and order; no page), in one
/// statement reading the id alone: what a bulk change freezes.
pub async fn list_ids<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    lookup: KindLookup,
    q: &ListQuery,
    vis: Visibility,
) -> Result<Vec<i64>> {
    #[derive(sea_orm::FromQueryResult)]
    struct Id {
        id: i64,
    }
    let q = ListQuery {
        limit: u64::MAX,
        after: None,
        before: None,
        ..q.clone()
    };
    let (_, joins, table, w) = list_parts(c.get_database_backend(), kind, lookup, &q, vis);
    let cols = format!("{}.id AS id", kind.alias);
    let pq = page_query(kind, &q, &cols, &joins, &table);
    let (sql, values) = listing::page_sql(&pq, w);
    let rows: Vec<Id> = db::all(c, &sql, values).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The SQL and values a list runs (for `EXPLAIN`: the conformance tests check that every
/// filter and sort is served by an index).
pub fn list_statement(
    backend: DbBackend,
    kind: &Kind,
    lookup: KindLookup,
    q: &ListQuery,
    vis: Visibility,
) -> (String, Vec<Value>) {
    let (cols, joins, table, w) = list_parts(backend, kind, lookup, q, vis);
    let pq = page_query(kind, q, &cols, &joins, &table);
    let (sql, values) = listing::page_sql(&pq, w);
    (db::placeholders(backend, &sql), values)
}

fn page_query<'a>(kind: &'a Kind, q: &'a ListQuery, cols: &'a str, joins: &'a str, table: &'a str) -> PageQuery<'a> {
    PageQuery {
        columns: cols,
        table,
        alias: kind.alias,
        joins,
        fts_table: kind.fts,
        sort_col: q.sort.as_deref(),
        desc: q.desc,
        after: q.after.as_ref(),
        before: q.before.as_ref(),
        limit: q.limit,
    }
}

/// The columns, joins, table and conditions of a list.
fn list_parts(
    backend: DbBackend,
    kind: &Kind,
    lookup: KindLookup,
    q: &ListQuery,
    vis: Visibility,
) -> (String, String, String, Where) {
    let a = kind.alias;
    let mut w = Where::default();
    if kind.owned && !q.via.is_empty() {
        vis.clause_via(&mut w, a, &q.via);
    } else if kind.owned {
        vis.clause(&mut w, &format!("{a}.owner_id"));
    } else if vis == Visibility::Nothing {
        w.push("1 = 0", vec![]);
    }
    w.push(
        &format!("{a}.archived_at IS {}NULL", if q.archived { "NOT " } else { "" }),
        vec![],
    );
    if let Some(phone) = &q.phone {
        let phones: Vec<&str> = kind
            .fields
            .iter()
            .filter(|f| f.ty == FieldType::Phone && f.search && f.storage == Storage::Column)
            .map(|f| f.key)
            .collect();
        if phones.is_empty() {
            w.push("1 = 0", vec![]);
        } else {
            let ors: Vec<String> = phones.iter().map(|p| format!("{a}.{p} = ?")).collect();
            w.push(
                &format!("({})", ors.join(" OR ")),
                phones.iter().map(|_| phone.clone().into()).collect(),
            );
        }
    } else {
        listing::search_terms(&mut w, backend == DbBackend::Sqlite, a, kind.fts, &q.terms);
    }
    for (sql, values) in &q.conds {
        w.push(sql, values.clone());
    }
    let (cols, joins) = select(kind, backend, lookup, Reading::Shown);
    let table = format!("{} {a}", kind.table);
    (cols, joins, table, w)
}

pub async fn set_tags<C: ConnectionTrait>(c: &C, kind: &Kind, id: i64, tags: &[(String, String)]) -> Result<()> {
    clear_tags_many(c, kind, &[id]).await?;
    add_tags_many(c, kind, &[(id, tags.to_vec())]).await
}

/// Replaces the side-table values of one multi-valued custom field of a record.
pub async fn set_multi<C: ConnectionTrait>(c: &C, kind: &Kind, id: i64, key: &str, values: &[String]) -> Result<()> {
    db::exec(
        c,
        "DELETE FROM custom_multi WHERE kind = ? AND record_id = ? AND key = ?",
        vec![kind.key.into(), id.into(), key.into()],
    )
    .await?;
    for v in values {
        db::exec(
            c,
            "INSERT INTO custom_multi (kind, record_id, key, value) VALUES (?, ?, ?, ?)",
            vec![kind.key.into(), id.into(), key.into(), v.clone().into()],
        )
        .await?;
    }
    Ok(())
}

/// Counts a value in and another out of a field's values in use (filter menus, suggestions).
pub async fn bump_value<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    field: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<()> {
    if old == new {
        return Ok(());
    }
    if let Some(v) = new {
        db::exec(
            c,
            "INSERT INTO field_values (kind, field, value, n) VALUES (?, ?, ?, 1)
             ON CONFLICT (kind, field, value) DO UPDATE SET n = field_values.n + 1",
            vec![kind.key.into(), field.into(), v.into()],
        )
        .await?;
    }
    if let Some(v) = old {
        db::exec(
            c,
            "UPDATE field_values SET n = n - 1 WHERE kind = ? AND field = ? AND value = ?",
            vec![kind.key.into(), field.into(), v.into()],
        )
        .await?;
    }
    Ok(())
}

/// The most used values of a field, most used first.
/// Counts the values in use of one field again from the rows (after a bulk load wrote around
/// [`bump_value`]).
pub async fn recount_values<C: ConnectionTrait>(c: &C, kind: &Kind, field: &str) -> Result<()> {
    let Some(f) = kind.field(field).filter(|f| f.storage == Storage::Column) else {
        return Err(StoreError::Invalid(format!("no such field: {field}")));
    };
    db::exec(
        c,
        "DELETE FROM field_values WHERE kind = ? AND field = ?",
        vec![kind.key.into(), f.key.into()],
    )
    .await?;
    db::exec(
        c,
        &format!(
            "INSERT INTO field_values (kind, field, value, n) SELECT ?, ?, {0}, COUNT(*) FROM {1}
             WHERE {0} IS NOT NULL AND archived_at IS NULL GROUP BY {0}",
            f.key, kind.table
        ),
        vec![kind.key.into(), f.key.into()],
    )
    .await?;
    Ok(())
}

pub async fn top_values<C: ConnectionTrait>(c: &C, kind: &str, field: &str, limit: u64) -> Result<Vec<String>> {
    #[derive(sea_orm::FromQueryResult)]
    struct V {
        value: String,
    }
    let rows: Vec<V> = db::all(
        c,
        "SELECT value FROM field_values WHERE kind = ? AND field = ? AND n > 0 ORDER BY n DESC, value LIMIT ?",
        vec![kind.into(), field.into(), (limit as i64).into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.value).collect())
}

/// Deletes a record for good with its tags and side values (admins; the caller writes history).
pub async fn delete<C: ConnectionTrait>(c: &C, kind: &Kind, id: i64) -> Result<()> {
    delete_many(c, kind, &[id]).await
}

/// [`delete`] for many records, a statement per table and chunk of ids.
pub async fn delete_many<C: ConnectionTrait>(c: &C, kind: &Kind, ids: &[i64]) -> Result<()> {
    #[derive(sea_orm::FromQueryResult)]
    struct InUse {
        value: String,
        n: i64,
    }
    // The values the records had count no more (as `recount_values` would count them): an
    // undone fair import leaves no fair name among the suggestions.
    let used: Vec<&str> = kind
        .fields
        .iter()
        .filter(|f| f.suggest == kervan_core::record::Suggest::Used && f.storage == Storage::Column)
        .map(|f| f.key)
        .collect();
    let mut uncount: std::collections::BTreeMap<(&str, String), i64> = std::collections::BTreeMap::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let ids: Vec<Value> = chunk.iter().map(|i| (*i).into()).collect();
        for f in &used {
            let counted: Vec<InUse> = db::all(
                c,
                &format!(
                    "SELECT {f} AS value, COUNT(*) AS n FROM {} WHERE id IN ({marks}) AND {f} IS NOT NULL
                     AND archived_at IS NULL GROUP BY {f}",
                    kind.table
                ),
                ids.clone(),
            )
            .await?;
            for u in counted {
                *uncount.entry((f, u.value)).or_default() += u.n;
            }
        }
        if !kind.tag_table.is_empty() {
            db::exec(
                c,
                &format!("DELETE FROM {} WHERE {} IN ({marks})", kind.tag_table, kind.tag_key),
                ids.clone(),
            )
            .await?;
        }
        let mut v = vec![kind.key.into()];
        v.extend(ids.iter().cloned());
        db::exec(
            c,
            &format!("DELETE FROM custom_multi WHERE kind = ? AND record_id IN ({marks})"),
            v,
        )
        .await?;
        db::exec(c, &format!("DELETE FROM {} WHERE id IN ({marks})", kind.table), ids).await?;
    }
    // In one order, as every writer bumps them (no two waiting for each other).
    for ((field, value), n) in uncount {
        bump_value_by(c, kind, field, &value, -n).await?;
    }
    Ok(())
}

/// Moves every record of `kind` whose `column` points at `from` to point at `to` (a merge);
/// returns how many moved.
pub async fn repoint<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    column: &str,
    from: i64,
    to: i64,
    now: i64,
) -> Result<u64> {
    db::exec(
        c,
        &format!(
            "UPDATE {} SET {column} = ?, updated_at = ?, version = version + 1 WHERE {column} = ?",
            kind.table
        ),
        vec![to.into(), now.into(), from.into()],
    )
    .await
}

/// The JSON expression of a custom field's value in SQL (`key` must be valid: see
/// [`kervan_core::record::valid_custom_key`]). Text on PostgreSQL, the typed value on SQLite.
pub fn custom_expr(backend: DbBackend, alias: &str, key: &str) -> String {
    if backend == DbBackend::Postgres {
        format!("({alias}.custom->>'{key}')")
    } else {
        format!("json_extract({alias}.custom, '$.{key}')")
    }
}

/// Builds the expression index that serves filtering and sorting on a custom field (`expr`
/// over the unqualified `custom` column), without blocking writers on PostgreSQL
/// (`CONCURRENTLY`; SQLite has no such thing and holds its write lock while it builds).
pub async fn build_custom_index(c: &sea_orm::DatabaseConnection, kind: &Kind, key: &str, expr: &str) -> Result<()> {
    let backend = c.get_database_backend();
    let name = format!("cf_{}_{key}", kind.table);
    if backend == DbBackend::Postgres {
        // A concurrent build that failed half-way leaves an invalid index behind: drop it first.
        let invalid = db::scalar_i64(
            c,
            "SELECT COUNT(*) FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid WHERE x.relname = ? AND NOT i.indisvalid",
            vec![name.clone().into()],
        )
        .await?
        .unwrap_or(0);
        if invalid > 0 {
            c.execute_unprepared(&format!("DROP INDEX CONCURRENTLY IF EXISTS {name}"))
                .await?;
        }
        c.execute_unprepared(&format!(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {} ({expr}, {})",
            kind.table,
            kind.order_columns()
        ))
        .await?;
    } else {
        c.execute_unprepared(&format!(
            "CREATE INDEX IF NOT EXISTS {name} ON {} ({expr}, {})",
            kind.table,
            kind.order_columns()
        ))
        .await?;
    }
    Ok(())
}

/// Records of a kind in id order after `after`, for background passes (search key refresh).
pub async fn batch<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    lookup: KindLookup,
    after: i64,
    limit: u64,
) -> Result<Vec<RowData>> {
    let (cols, joins) = select(kind, c.get_database_backend(), lookup, Reading::Shown);
    let next_step = has_next_step(kind);
    let a = kind.alias;
    let sql = format!(
        "SELECT {cols} FROM {} {a}{joins} WHERE {a}.id > ? ORDER BY {a}.id LIMIT ?",
        kind.table
    );
    let rows = c
        .query_all_raw(db::stmt(c, &sql, vec![after.into(), (limit as i64).into()]))
        .await?;
    rows.iter()
        .map(|r| read_row(kind, lookup, next_step, Reading::Shown, r))
        .collect()
}

/// Sets the search key of one record (a background refresh, no version bump: nothing a person
/// edits changes).
pub async fn set_search_key<C: ConnectionTrait>(c: &C, kind: &Kind, id: i64, key: &str) -> Result<()> {
    db::exec(
        c,
        &format!("UPDATE {} SET search_key = ? WHERE id = ?", kind.table),
        vec![key.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// A record found by an equal value (a duplicate candidate).
#[derive(Debug, Clone, PartialEq, sea_orm::FromQueryResult)]
pub struct Match {
    pub id: i64,
    pub name: Option<String>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    /// The column that matched.
    pub field: String,
}

/// Records whose `columns` (any of them) equal `value`, other than `except`, at most five each
/// column; archived ones only with `with_archived`. Each column must have an index.
pub async fn find_equal<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    checks: &[(&str, String)],
    except: Option<i64>,
    with_archived: bool,
) -> Result<Vec<Match>> {
    let a = kind.alias;
    let (owner, join) = if kind.owned {
        (
            format!("{a}.owner_id, u.name AS owner_name"),
            format!("LEFT JOIN users u ON u.id = {a}.owner_id"),
        )
    } else {
        ("NULL AS owner_id, NULL AS owner_name".to_string(), String::new())
    };
    let archived = if with_archived {
        String::new()
    } else {
        format!(" AND {a}.archived_at IS NULL")
    };
    let mut out: Vec<Match> = Vec::new();
    for (col, value) in checks {
        let rows: Vec<Match> = db::all(
            c,
            &format!(
                "SELECT {a}.id, {} AS name, {owner}, '{col}' AS field FROM {} {a} {join}
                 WHERE {a}.{col} = ? AND {a}.id <> ?{archived} ORDER BY {a}.id LIMIT 5",
                kind.name_sql.replace("{a}", a),
                kind.table
            ),
            vec![value.clone().into(), except.unwrap_or(0).into()],
        )
        .await?;
        for r in rows {
            if !out.iter().any(|x| x.id == r.id) {
                out.push(r);
            }
        }
    }
    Ok(out)
}

/// The display name of one record (as lists and references show it).
pub async fn name_of<C: ConnectionTrait>(c: &C, kind: &Kind, id: i64) -> Result<Option<String>> {
    let a = kind.alias;
    db::scalar_string(
        c,
        &format!(
            "SELECT {} FROM {} {a} WHERE {a}.id = ?",
            kind.name_sql.replace("{a}", a),
            kind.table
        ),
        vec![id.into()],
    )
    .await
}

/// Ids of records of `kind` whose `column` is `value` (at most `limit`), by id.
pub async fn ids_where<C: ConnectionTrait>(
    c: &C,
    kind: &Kind,
    column: &str,
    value: i64,
    limit: usize,
) -> Result<Vec<i64>> {
    #[derive(sea_orm::FromQueryResult)]
    struct Id {
        id: i64,
    }
    let rows: Vec<Id> = db::all(
        c,
        &format!("SELECT id FROM {} WHERE {column} = ? ORDER BY id LIMIT ?", kind.table),
        vec![value.into(), (limit as i64).into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
