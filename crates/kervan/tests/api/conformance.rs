//! The record kit's conformance checks, per kind and on both databases: every field the
//! declaration stores is a real column, and every filter and sort the list offers is served by
//! an index (read from the planner: `EXPLAIN QUERY PLAN` on SQLite; `EXPLAIN` on PostgreSQL
//! with sequential scans and sorts priced out, so a plan that still needs one has no index).

use kervan_app::registry;
use kervan_core::record::{FieldType, Storage};
use kervan_store::ConnectionTrait;
use kervan_store::listing::Visibility;
use kervan_store::{DbBackend, TransactionTrait};

use crate::db_test;
use crate::helpers::TestApp;

/// A list to plan: what it is, its parameters, and the filter it tests (if any).
type Ask = (String, Vec<(String, String)>, Option<String>);

/// A value a filter of this type accepts.
fn sample(f: &kervan_core::record::Field) -> String {
    match f.ty {
        FieldType::Choice => f.options.first().map(|o| o.to_string()).unwrap_or_default(),
        FieldType::User | FieldType::Reference => "1".into(),
        FieldType::Bool => "true".into(),
        FieldType::Number | FieldType::Percent | FieldType::Money => "1".into(),
        FieldType::Date => "2026-01-31".into(),
        _ => "Metal Expo 2025".into(),
    }
}

/// The plan of a statement as text, one line per step.
async fn plan(t: &TestApp, sql: &str, values: Vec<kervan_store::sea_orm_value::Value>) -> String {
    let c = &t.app.db.conn;
    let postgres = c.get_database_backend() == DbBackend::Postgres;
    let txn = c.begin().await.expect("begin");
    if postgres {
        for s in ["SET LOCAL enable_seqscan = off", "SET LOCAL enable_sort = off"] {
            txn.execute_unprepared(s).await.expect("planner setting");
        }
    }
    let explain = if postgres {
        format!("EXPLAIN {sql}")
    } else {
        format!("EXPLAIN QUERY PLAN {sql}")
    };
    let rows = txn
        .query_all_raw(kervan_store::db::stmt(&txn, &explain, values))
        .await
        .unwrap_or_else(|e| panic!("{e}: {explain}"));
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            if postgres {
                r.try_get_by_index::<String>(0).unwrap_or_default()
            } else {
                r.try_get::<String>("", "detail").unwrap_or_default()
            }
        })
        .collect();
    txn.rollback().await.expect("rollback");
    lines.join("\n")
}

/// How a plan fails the list it serves: a full scan of the kind's table, a filter that no index
/// condition carries, or a sort of the whole result (a tag filter joins its own table first, and
/// the few rows it finds may be sorted).
fn problems(backend: DbBackend, plan: &str, table: &str, alias: &str, filter: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let sorted_in_memory = match backend {
        DbBackend::Postgres => plan.lines().any(|l| {
            let l = l.trim_start().trim_start_matches("->  ");
            l.starts_with("Sort") || l.starts_with("Incremental Sort")
        }),
        _ => plan.contains("USE TEMP B-TREE FOR ORDER BY"),
    };
    if sorted_in_memory && filter != Some("tag") {
        out.push("a sort of the whole result".into());
    }
    match (backend, filter) {
        (DbBackend::Postgres, _) if plan.contains(&format!("Seq Scan on {table}")) => {
            out.push(format!("a sequential scan of {table}"));
        }
        (_, Some(index)) if index.starts_with("cf_") => {
            if !plan.contains(index) {
                out.push(format!("the custom field's index {index} is not used"));
            }
        }
        (DbBackend::Postgres, Some(col)) if col != "tag" => {
            if !plan
                .lines()
                .any(|l| l.contains("Index Cond") && l.contains(&format!("{col} =")))
            {
                out.push(format!("no index condition on {col}"));
            }
        }
        (DbBackend::Postgres, _) => {}
        (_, Some("tag")) => {
            if !plan.contains("USING COVERING INDEX") && !plan.contains("USING INDEX") {
                out.push("no index for the tags".into());
            }
        }
        (_, Some(col)) => {
            if !plan
                .lines()
                .any(|l| l.contains(&format!("SEARCH {alias} USING")) && l.contains(&format!("{col}=?")))
            {
                out.push(format!("no index search on {col}"));
            }
        }
        (_, None) => {}
    }
    out
}

db_test!(every_field_is_a_column_and_every_filter_and_sort_has_an_index, |t| {
    let c = &t.app.db.conn;
    let backend = c.get_database_backend();
    let mut failures: Vec<String> = Vec::new();
    let admin = kervan_app::Actor::system();
    for e in registry::entries() {
        let kind = e.kind;
        // A filterable custom select and a filterable custom multi-select, with their indexes built.
        for (label, ty) in [("Bütçe aralığı", "choice"), ("İlgi alanları", "multi_choice")] {
            let input = kervan_app::custom_fields::FieldInput {
                label: Some(label.into()),
                ty: Some(ty.into()),
                options: Some(
                    ["A", "B", "C"]
                        .iter()
                        .map(|l| kervan_app::custom_fields::OptionInput {
                            key: None,
                            label: (*l).into(),
                            active: true,
                        })
                        .collect(),
                ),
                filterable: Some(true),
                ..Default::default()
            };
            kervan_app::custom_fields::create(&t.app, &admin, kind.key, &input)
                .await
                .expect("custom field");
        }
        let defs = crate::helpers::custom_indexes_ready(t, kind).await;
        // Every stored field, derived key and bookkeeping column exists.
        let mut cols: Vec<&str> = kind
            .fields
            .iter()
            .filter(|f| f.storage == Storage::Column)
            .map(|f| f.key)
            .collect();
        cols.extend(kind.derived.iter().copied());
        cols.extend(["custom", "archived_at", "created_at", "updated_at", "version"]);
        let sql = format!("SELECT {} FROM {} LIMIT 0", cols.join(", "), kind.table);
        c.execute_unprepared(&sql)
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", kind.key));

        // Every reference can be followed back through an index (a merge repoints, a delete
        // clears what points at a record).
        for f in kind.fields.iter().filter(|f| f.ty == FieldType::Reference) {
            let sql = format!(
                "SELECT {a}.id FROM {} {a} WHERE {a}.{} = ?",
                kind.table,
                f.key,
                a = kind.alias
            );
            let p = plan(t, &sql, vec![1i64.into()]).await;
            let used = match backend {
                DbBackend::Postgres => !p.contains(&format!("Seq Scan on {}", kind.table)),
                _ => p
                    .lines()
                    .any(|l| l.contains("SEARCH") && l.contains(&format!("{}=?", f.key))),
            };
            if !used {
                failures.push(format!(
                    "{} {}: no index to follow the reference back\n  {p}",
                    kind.key, f.key
                ));
            }
        }
        // The lists people ask for: each filter alone (newest first and in the default order),
        // each sort both ways, and the default list.
        let mut asks: Vec<Ask> = vec![("default".into(), vec![], None)];
        for f in kind.fields.iter().filter(|f| f.filter) {
            let param = if f.ty == FieldType::Tags {
                "tag".to_string()
            } else {
                f.key.to_string()
            };
            let value = if f.ty == FieldType::Tags {
                "ihracat".to_string()
            } else {
                sample(f)
            };
            asks.push((format!("filter {param}"), vec![(param.clone(), value)], Some(param)));
        }
        for d in &defs {
            let option = d.options.first().map(|o| o.key.clone()).unwrap_or_default();
            asks.push((format!("filter {}", d.path()), vec![(d.path(), option)], Some(d.path())));
        }
        for s in kind.sorts {
            for key in [s.key.to_string(), format!("-{}", s.key)] {
                asks.push((format!("sort {key}"), vec![("sort".into(), key)], None));
            }
        }
        for (what, pairs, filter) in asks {
            let spec =
                (e.parse_list)(backend, &defs, &pairs).unwrap_or_else(|err| panic!("{} {what}: {err:?}", kind.key));
            let (sql, values) = kervan_store::records::list_statement(
                backend,
                kind,
                kervan_app::records::lookup,
                &spec.query,
                Visibility::All,
            );
            let p = plan(t, &sql, values).await;
            // A custom select is served by its expression index, a multi-select by its side table.
            let filter = filter.map(|f| match f.strip_prefix("custom.") {
                Some(key) if defs.iter().any(|d| d.key == key && d.ty == FieldType::Choice) => {
                    format!("cf_{}_{key}", kind.table)
                }
                Some(_) => "tag".to_string(),
                None => f,
            });
            for problem in problems(backend, &p, kind.table, kind.alias, filter.as_deref()) {
                failures.push(format!(
                    "{} {what}: {problem}\n  {sql}\n  {}",
                    kind.key,
                    p.replace('\n', "\n  ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
});
