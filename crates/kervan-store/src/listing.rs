//! What every list shares: the visibility filter, a WHERE builder, keyset positions and the one
//! keyset page query (after/before a position, never OFFSET, never COUNT).

use sea_orm::{ConnectionTrait, Value};

use crate::db::{self, Result, StoreError};

/// Who may be seen: the visibility filter every read goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    All,
    Team { team_id: i64 },
    Own { user_id: i64 },
    Nothing,
}

impl Visibility {
    /// Restricts `w` to rows whose `owner_col` (e.g. `l.owner_id`) is visible.
    pub(crate) fn clause(&self, w: &mut Where, owner_col: &str) {
        if let Some((sql, values)) = self.condition(owner_col) {
            w.push(&sql, values);
        }
    }

    /// The condition on `owner_col`; `None` when everything is visible.
    pub(crate) fn condition(&self, owner_col: &str) -> Option<(String, Vec<Value>)> {
        match *self {
            Visibility::All => None,
            Visibility::Team { team_id } => Some((
                format!("{owner_col} IN (SELECT id FROM users WHERE team_id = ?)"),
                vec![team_id.into()],
            )),
            Visibility::Own { user_id } => Some((format!("{owner_col} = ?"), vec![user_id.into()])),
            Visibility::Nothing => Some(("1 = 0".into(), vec![])),
        }
    }

    /// Restricts `w` to rows whose owner is visible, or that refer (through `via`) to a record
    /// that is: a task or activity is seen with the customer it is about.
    pub(crate) fn clause_via(&self, w: &mut Where, alias: &str, via: &[Via]) {
        let Some(own) = self.condition(&format!("{alias}.owner_id")) else {
            return;
        };
        let mut parts = vec![own.0];
        let mut values = own.1;
        for v in via {
            match v.vis.condition("x.owner_id") {
                None => parts.push(format!("{alias}.{} IS NOT NULL", v.column)),
                Some((_, _)) if v.vis == Visibility::Nothing => {}
                Some((sql, vals)) => {
                    parts.push(format!(
                        "EXISTS (SELECT 1 FROM {} x WHERE x.id = {alias}.{} AND {sql})",
                        v.table, v.column
                    ));
                    values.extend(vals);
                }
            }
        }
        w.push(&format!("({})", parts.join(" OR ")), values);
    }
}

/// A reference through which a record is also visible: its column, the table it points into
/// (an owned kind's) and what the reader sees of that kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    pub column: &'static str,
    pub table: &'static str,
    pub vis: Visibility,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortValue {
    Int(i64),
    Text(String),
}

/// A position in a sorted list: the sort value and id of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub value: SortValue,
    pub id: i64,
}

#[derive(Default)]
pub(crate) struct Where {
    parts: Vec<String>,
    pub(crate) values: Vec<Value>,
    /// The full-text index is joined as `f` (SQLite search).
    pub(crate) fts: bool,
}

impl Where {
    pub(crate) fn push(&mut self, sql: &str, values: Vec<Value>) {
        self.parts.push(sql.to_string());
        self.values.extend(values);
    }
    pub(crate) fn sql(&self) -> String {
        if self.parts.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.parts.join(" AND "))
        }
    }
}

/// Adds a text search over `{alias}.search_key` to `w`: on SQLite terms of three letters or more
/// go to the trigram index `{fts_table}` (joined as `f`, see [`page`]); shorter terms and
/// PostgreSQL use `LIKE`, which PostgreSQL answers from its trigram index.
pub(crate) fn search_terms(w: &mut Where, sqlite: bool, alias: &str, fts_table: &str, terms: &[String]) {
    let (long, short): (Vec<&String>, Vec<&String>) = terms.iter().partition(|t| t.chars().count() >= 3);
    if sqlite && !long.is_empty() {
        // FTS5 trigram: each quoted term matches as a substring; terms are folded to
        // letters, digits and `@.+-`, so a double quote can never reach the MATCH syntax.
        // Joined (not `IN (…)`) so that, newest first, the index hands out matches in id order
        // and the query stops at the page's end instead of collecting every match.
        let expr = long.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" ");
        w.push(&format!("{fts_table} MATCH ?"), vec![expr.into()]);
        w.fts = true;
    } else {
        for t in &long {
            w.push(&format!("{alias}.search_key LIKE ?"), vec![format!("%{t}%").into()]);
        }
    }
    for t in short {
        w.push(&format!("{alias}.search_key LIKE ?"), vec![format!("%{t}%").into()]);
    }
}

/// One page of rows.
pub struct Page<T> {
    pub rows: Vec<T>,
    /// More rows after the last one (in the requested order).
    pub has_next: bool,
    /// More rows before the first one.
    pub has_prev: bool,
}

/// How to read one keyset page.
pub(crate) struct PageQuery<'a> {
    /// `SELECT` list.
    pub columns: &'a str,
    /// `FROM` table with its alias, e.g. `accounts a`.
    pub table: &'a str,
    /// The alias of the table (`a`).
    pub alias: &'a str,
    /// Joins after the table (owner name …).
    pub joins: &'a str,
    /// The full-text table joined as `f` when `w.fts`.
    pub fts_table: &'a str,
    /// Sort column (qualified); `None` means the id (order of entry).
    pub sort_col: Option<&'a str>,
    pub desc: bool,
    pub after: Option<&'a Position>,
    pub before: Option<&'a Position>,
    /// Rows per page (at most 500); `u64::MAX`: all of them, in one statement.
    pub limit: u64,
}

/// The SQL of one page and its bound values (the limit asks for one row more, to know whether
/// another page follows).
pub(crate) fn page_sql(q: &PageQuery<'_>, mut w: Where) -> (String, Vec<Value>) {
    let a = q.alias;
    let id_col = format!("{a}.id");
    // With the full-text index joined, order by its rowid (the row id) so the index itself
    // delivers the order.
    let (col, by_id) = match q.sort_col {
        Some(c) => (c.to_string(), false),
        None if w.fts => ("f.rowid".to_string(), true),
        None => (id_col.clone(), true),
    };
    let backward = q.before.is_some() && q.after.is_none();
    let desc = q.desc != backward;
    let anchor = if backward { q.before } else { q.after };
    if let Some(p) = anchor {
        let op = if desc { "<" } else { ">" };
        if by_id {
            w.push(&format!("{col} {op} ?"), vec![p.id.into()]);
        } else {
            let v: Value = match &p.value {
                SortValue::Int(i) => (*i).into(),
                SortValue::Text(s) => s.clone().into(),
            };
            w.push(&format!("({col}, {id_col}) {op} (?, ?)"), vec![v, p.id.into()]);
        }
    }
    let dir = if desc { "DESC" } else { "ASC" };
    let order = if by_id {
        format!("{col} {dir}")
    } else {
        format!("{col} {dir}, {id_col} {dir}")
    };
    let fts_join = if w.fts {
        format!("JOIN {} f ON f.rowid = {id_col}", q.fts_table)
    } else {
        String::new()
    };
    // The limit is written into the statement, not bound: PostgreSQL plans a prepared statement
    // once for any parameter values, and with an unknown LIMIT it plans for a tenth of the table
    // (hash joins and a sort: 8–12 ms instead of 0.6 ms at a million leads). The number is ours.
    let limit = match q.limit {
        // Every row (the ids a bulk change freezes): no LIMIT.
        u64::MAX => String::new(),
        n => format!("LIMIT {}", n.clamp(1, 500) + 1),
    };
    // A list statement without any bound value (an admin's unfiltered list) was served 5×
    // slower by PostgreSQL through sqlx (3.6 ms against 0.65 ms at a million leads, same plan,
    // 0.4 ms of it executing, the rest before it starts): a condition every row
    // meets, with a bound value, keeps all lists on the fast path.
    if w.values.is_empty() {
        w.push(&format!("{id_col} > ?"), vec![0i64.into()]);
    }
    let values = w.values.clone();
    let sql = format!(
        "SELECT {} FROM {} {fts_join} {} {} ORDER BY {order} {limit}",
        q.columns,
        q.table,
        q.joins,
        w.sql()
    );
    (sql, values)
}

/// One keyset page: the rows of [`page_sql`], and whether pages follow and precede.
pub(crate) async fn page_rows<C: ConnectionTrait>(
    c: &C,
    q: PageQuery<'_>,
    w: Where,
) -> Result<Page<sea_orm::QueryResult>> {
    let limit = q.limit.clamp(1, 500);
    let backward = q.before.is_some() && q.after.is_none();
    let anchor = if backward { q.before } else { q.after };
    let (sql, values) = page_sql(&q, w);
    let mut rows = c.query_all_raw(db::stmt(c, &sql, values)).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    if backward {
        rows.reverse();
        Ok(Page {
            rows,
            has_next: true,
            has_prev: more,
        })
    } else {
        Ok(Page {
            rows,
            has_next: more,
            has_prev: anchor.is_some(),
        })
    }
}

/// Archives (`at` set) or restores (`None`) a row of `table` if it is still at `version`.
/// `table` is one of ours (`leads`, `accounts`, `contacts`), never input.
pub async fn set_archived<C: ConnectionTrait>(
    c: &C,
    table: &str,
    id: i64,
    version: i64,
    at: Option<i64>,
    now: i64,
) -> Result<()> {
    let n = db::exec(
        c,
        &format!(
            "UPDATE {table} SET archived_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?"
        ),
        vec![at.into(), now.into(), id.into(), version.into()],
    )
    .await?;
    if n == 0 { Err(StoreError::Conflict) } else { Ok(()) }
}
