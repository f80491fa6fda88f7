//! The kinds the kit serves, with what other parts need to do for any of them without knowing
//! which: refresh search keys in the background, name a record, follow a merge.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;

use kervan_core::FieldErrors;
use kervan_core::record::{CustomDef, FieldType, Kind, Values};
use kervan_store::DbBackend;

use crate::lists::ListSpec;
use kervan_store::DatabaseTransaction;
use kervan_store::records::{self as store};

use crate::App;
use crate::accounts::Accounts;
use crate::activities::Activities;
use crate::contacts::Contacts;
use crate::deals::{Deals, Pipelines, Stages};
use crate::error::Result;
use crate::leads::Leads;
use crate::products::Products;
use crate::quotes::{PriceLists, Quotes};
use crate::records::{self, RecordKind};
use crate::tasks::Tasks;

type Job = Pin<Box<dyn Future<Output = Result<u64>> + Send>>;
type Created = Pin<Box<dyn Future<Output = Result<i64>> + Send>>;
type CreatedMany = Pin<Box<dyn Future<Output = Result<Vec<Result<i64>>>> + Send>>;
type Updated = Pin<Box<dyn Future<Output = Result<()>> + Send>>;
type Imported = Pin<Box<dyn Future<Output = Result<crate::imports::Preview>> + Send>>;
type Assigned = Pin<Box<dyn Future<Output = Result<crate::imports::Tally>> + Send>>;
type Exported = Pin<Box<dyn Future<Output = Result<u64>> + Send>>;
type Ids = Pin<Box<dyn Future<Output = Result<Vec<i64>>> + Send>>;
type Undone = Pin<Box<dyn Future<Output = Result<crate::imports::UndoReport>> + Send>>;
/// Reads a kind's list parameters.
pub type ListParser = fn(DbBackend, &[CustomDef], &[(String, String)]) -> std::result::Result<ListSpec, FieldErrors>;

/// One kind's entry.
#[derive(Clone, Copy)]
pub struct Entry {
    pub kind: &'static Kind,
    /// Rewrites every record's search key (after a custom field became searchable or stopped being so).
    pub refresh_search: fn(App) -> Job,
    /// Reads the kind's list parameters (views check theirs with it).
    pub parse_list: ListParser,
    /// The display name of a record's values.
    pub name: fn(&Values) -> String,
    /// Creates a record (the kit's create, with the kind's own rules and hooks).
    pub create: fn(App, crate::Actor, kervan_core::record::Inputs) -> Created,
    /// Creates many records in one transaction (the kit's batch write): each one's outcome.
    pub create_many: fn(App, crate::Actor, Vec<kervan_core::record::Inputs>) -> CreatedMany,
    /// Changes a record at `version` (the kit's update).
    pub update: fn(App, crate::Actor, i64, i64, kervan_core::record::Inputs) -> Updated,
    /// The global search looks at this kind.
    pub in_search: bool,
    /// Judges (`false`) or writes (`true`) an import run's rows (see [`crate::imports`]).
    pub import: fn(App, crate::Actor, i64, bool) -> Imported,
    /// Undoes a run's items about records of this kind.
    pub undo_items: fn(App, crate::Actor, i64) -> Undone,
    /// Gives the records a run created their owners.
    pub assign: fn(App, crate::Actor, i64, crate::imports::Assign) -> Assigned,
    /// The ids of every record the actor sees matching list parameters, in list order.
    pub matching: fn(App, crate::Actor, Vec<(String, String)>) -> Ids,
    /// Applies a bulk run's change to its records (see [`crate::bulk`]).
    pub bulk: fn(App, crate::Actor, i64) -> Updated,
    /// Writes an export run's rows to a file (see [`crate::exports`]).
    pub export: fn(App, crate::Actor, crate::exports::Spec, i64, std::path::PathBuf) -> Exported,
}

impl Entry {
    fn of<K: RecordKind>() -> Entry {
        Entry {
            kind: K::KIND,
            in_search: K::IN_SEARCH,
            refresh_search: |app| Box::pin(refresh_search::<K>(app)),
            parse_list: |backend, defs, pairs| crate::lists::parse::<K>(backend, defs, pairs, 50, 200),
            name: K::name,
            create: |app, actor, inputs| {
                Box::pin(
                    async move { records::create::<K>(&app, &actor, &inputs, &records::WriteOptions::default()).await },
                )
            },
            create_many: |app, actor, inputs| {
                Box::pin(async move { records::create_many::<K>(&app, &actor, &inputs).await })
            },
            import: |app, actor, run, write| {
                Box::pin(async move { crate::imports::process::<K>(&app, &actor, run, write).await })
            },
            undo_items: |app, actor, run| {
                Box::pin(async move { crate::imports::undo_items::<K>(&app, &actor, run).await })
            },
            matching: |app, actor, params| {
                Box::pin(async move { crate::bulk::matching::<K>(&app, &actor, &params).await })
            },
            bulk: |app, actor, run| Box::pin(async move { crate::bulk::process::<K>(&app, &actor, run).await }),
            export: |app, actor, spec, run, path| {
                Box::pin(async move { crate::exports::write::<K>(&app, &actor, &spec, run, path).await })
            },
            assign: |app, actor, run, a| {
                Box::pin(async move { crate::imports::assign_kind::<K>(&app, &actor, run, &a).await })
            },
            update: |app, actor, id, version, inputs| {
                Box::pin(async move {
                    let opts = records::WriteOptions::default();
                    records::update::<K>(&app, &actor, id, version, &inputs, &opts).await
                })
            },
        }
    }
}

/// Every kind the kit serves, in the order the global search shows them (customers first: a
/// caller is more often an existing customer than a lead).
pub fn entries() -> Vec<Entry> {
    vec![
        Entry::of::<Accounts>(),
        Entry::of::<Contacts>(),
        Entry::of::<Leads>(),
        Entry::of::<Deals>(),
        Entry::of::<Quotes>(),
        Entry::of::<Products>(),
        Entry::of::<Tasks>(),
        Entry::of::<Activities>(),
        Entry::of::<Pipelines>(),
        Entry::of::<Stages>(),
        Entry::of::<PriceLists>(),
    ]
}

pub fn entry(kind: &str) -> Option<Entry> {
    entries().into_iter().find(|e| e.kind.key == kind)
}

/// Records of `kind` the actor may see whose name matches `text` (a reference typed by name):
/// `(id, name)`, at most `limit`, exact (Turkish-insensitive) matches first.
pub async fn find_by_name(
    app: &App,
    actor: &crate::Actor,
    kind: &str,
    text: &str,
    limit: u64,
) -> Result<Vec<(i64, String)>> {
    let Some(e) = entry(kind) else {
        return Ok(vec![]);
    };
    let c = &app.db.conn;
    let defs = records::defs(app, e.kind).await?;
    let pairs = vec![
        ("q".to_string(), text.to_string()),
        ("limit".to_string(), limit.to_string()),
    ];
    let spec = (e.parse_list)(c.get_database_backend(), &defs, &pairs).map_err(crate::error::AppError::Validation)?;
    let page = records::list_kind(app, actor, e.kind, &defs, &spec.query).await?;
    let wanted = kervan_core::text::fold(text);
    let mut out: Vec<(i64, String)> = page.records.iter().map(|r| (r.id, (e.name)(&r.values))).collect();
    out.sort_by_key(|(_, n)| kervan_core::text::fold(n) != wanted);
    Ok(out)
}

/// Links into a kind from tables that are not record kinds of their own (addresses …), as
/// `(table, column, kind)`: a merge moves these too.
pub const SIDE_LINKS: &[(&str, &str, &str)] = &[("addresses", "account_id", "accounts")];

/// Tables that point at a record of any kind by `(record_kind, record_id)` (attachments): a
/// merge moves their rows to the survivor, a hard delete removes them.
pub const POLY_LINKS: &[&str] = &["files"];

/// A column that points at records of some kind: a reference field of a kind, or a side table.
struct Link {
    /// The kind holding the reference, or `None` for a side table.
    kind: Option<&'static Kind>,
    table: &'static str,
    column: &'static str,
}

/// Every column that points at records of `kind`.
fn links_into(kind: &str) -> Vec<Link> {
    let mut out = Vec::new();
    for k in kervan_core::kinds::ALL {
        for f in k
            .fields
            .iter()
            .filter(|f| f.ty == FieldType::Reference && f.refers == kind)
        {
            out.push(Link {
                kind: Some(k),
                table: k.table,
                column: f.key,
            });
        }
    }
    for (table, column, target) in SIDE_LINKS {
        if *target == kind {
            out.push(Link {
                kind: None,
                table,
                column,
            });
        }
    }
    out
}

/// How many current records point at record `id` of `kind`, per `(kind or table, field)`, the
/// ones with none left out (what a merge will move).
pub async fn links_to(app: &App, kind: &str, id: i64) -> Result<Vec<(&'static str, &'static str, i64)>> {
    let mut out = Vec::new();
    for l in links_into(kind) {
        let current = if l.kind.is_some() {
            " AND archived_at IS NULL"
        } else {
            ""
        };
        let sql = format!("SELECT COUNT(*) FROM {} WHERE {} = ?{current}", l.table, l.column);
        let n = kervan_store::db::scalar_i64(&app.db.conn, &sql, vec![id.into()])
            .await?
            .unwrap_or(0);
        if n > 0 {
            out.push((l.kind.map_or(l.table, |k| k.key), l.column, n));
        }
    }
    for table in POLY_LINKS {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE record_kind = ? AND record_id = ?");
        let n = kervan_store::db::scalar_i64(&app.db.conn, &sql, vec![kind.into(), id.into()])
            .await?
            .unwrap_or(0);
        if n > 0 {
            out.push((table, "record_id", n));
        }
    }
    Ok(out)
}

/// Points every record of every kind that refers to `from` (a record of `kind` being merged
/// away) at `to`, in the merge's transaction; returns how many moved per `(kind, field)`.
pub async fn repoint_all(
    txn: &DatabaseTransaction,
    kind: &str,
    from: i64,
    to: i64,
    now: i64,
) -> Result<Vec<(&'static str, &'static str, u64)>> {
    let mut moved = Vec::new();
    for l in links_into(kind) {
        let n = match l.kind {
            Some(k) => store::repoint(txn, k, l.column, from, to, now).await?,
            None => {
                let sql = format!(
                    "UPDATE {} SET {} = ?, updated_at = ?, version = version + 1 WHERE {} = ?",
                    l.table, l.column, l.column
                );
                kervan_store::db::exec(txn, &sql, vec![to.into(), now.into(), from.into()]).await?
            }
        };
        moved.push((l.kind.map_or(l.table, |k| k.key), l.column, n));
    }
    for table in POLY_LINKS {
        let sql = format!("UPDATE {table} SET record_id = ? WHERE record_kind = ? AND record_id = ?");
        let n = kervan_store::db::exec(txn, &sql, vec![to.into(), kind.into(), from.into()]).await?;
        moved.push((table, "record_id", n));
    }
    Ok(moved)
}

/// Cuts every link to record `id` of `kind` (references become empty) and removes what belonged
/// only to it (an account's addresses), before it is deleted for good.
pub async fn unlink_all(txn: &DatabaseTransaction, kind: &str, id: i64, now: i64) -> Result<()> {
    unlink_all_many(txn, kind, &[id], now).await
}

/// Ids as statement values.
fn id_values(ids: &[i64]) -> Vec<kervan_store::sea_orm_value::Value> {
    ids.iter().map(|i| (*i).into()).collect()
}

/// [`unlink_all`] for many records of one kind (a batch of an undo), a statement per link and
/// chunk of ids.
pub async fn unlink_all_many(txn: &DatabaseTransaction, kind: &str, ids: &[i64], now: i64) -> Result<()> {
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let id_values = || id_values(chunk);
        for l in links_into(kind) {
            let (sql, mut values) = match l.kind {
                Some(_) => (
                    format!(
                        "UPDATE {} SET {} = NULL, updated_at = ?, version = version + 1 WHERE {} IN ({marks})",
                        l.table, l.column, l.column
                    ),
                    vec![now.into()],
                ),
                None => (
                    format!("DELETE FROM {} WHERE {} IN ({marks})", l.table, l.column),
                    vec![],
                ),
            };
            values.extend(id_values());
            kervan_store::db::exec(txn, &sql, values).await?;
        }
        for table in POLY_LINKS {
            let sql = format!("DELETE FROM {table} WHERE record_kind = ? AND record_id IN ({marks})");
            let mut values = vec![kind.into()];
            values.extend(id_values());
            kervan_store::db::exec(txn, &sql, values).await?;
        }
    }
    Ok(())
}

/// Which of `ids` (records of `kind`) other records point at, or have files attached: records
/// somebody has worked on (a call logged, a task, a deal, a person under a customer), which an
/// undo leaves where they are. Side tables written with the record (its addresses) do not count.
pub async fn linked_many(txn: &DatabaseTransaction, kind: &str, ids: &[i64]) -> Result<HashSet<i64>> {
    #[derive(sea_orm::FromQueryResult)]
    struct Id {
        id: Option<i64>,
    }
    let mut out = HashSet::new();
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let id_values = || id_values(chunk);
        let mut asks: Vec<(String, Vec<kervan_store::sea_orm_value::Value>)> = links_into(kind)
            .into_iter()
            .filter(|l| l.kind.is_some())
            .map(|l| {
                (
                    format!(
                        "SELECT DISTINCT {0} AS id FROM {1} WHERE {0} IN ({marks})",
                        l.column, l.table
                    ),
                    id_values(),
                )
            })
            .collect();
        for table in POLY_LINKS {
            let mut values = vec![kind.into()];
            values.extend(id_values());
            asks.push((
                format!(
                    "SELECT DISTINCT record_id AS id FROM {table} WHERE record_kind = ? AND record_id IN ({marks})"
                ),
                values,
            ));
        }
        for (sql, values) in asks {
            let rows: Vec<Id> = kervan_store::db::all(txn, &sql, values).await?;
            out.extend(rows.into_iter().filter_map(|r| r.id));
        }
    }
    Ok(out)
}

/// Recomputes the search key of every record of `K`, a thousand at a time.
async fn refresh_search<K: RecordKind>(app: App) -> Result<u64> {
    let kind = K::KIND;
    let c = &app.db.conn;
    let defs = records::custom_defs(c, kind).await?;
    let mut after = 0;
    let mut done = 0;
    loop {
        let rows = store::batch(c, kind, records::lookup, after, 1000).await?;
        let Some(last) = rows.last().map(|r| r.id) else {
            break;
        };
        for row in rows {
            let rec = records::record_of(kind, &defs, row, vec![]);
            let key = records::search_key_of::<K>(&defs, &rec);
            store::set_search_key(c, kind, rec.id, &key).await?;
            done += 1;
        }
        after = last;
    }
    Ok(done)
}
