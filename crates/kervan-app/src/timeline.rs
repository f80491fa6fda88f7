//! A record's timeline: the records of the timeline kinds (activities) about it, newest first —
//! those about the record itself, and those about the records under it (a customer's people,
//! the lead it was converted from) — with its field changes interleaved on request.

use kervan_core::permissions::Action;
use kervan_core::record::{FieldType, Kind};
use kervan_store::ConnectionTrait;
use kervan_store::activities::{self as store, Stamp};
use kervan_store::audit::{self, AuditRow};
use kervan_store::records::ListQuery;
use kervan_store::sea_orm_value::Value;

use crate::error::Result;
use crate::records::{self, Record};
use crate::{Actor, App};

/// One page of a timeline.
pub struct Timeline {
    /// The timeline kind's records, newest first.
    pub records: Vec<(&'static Kind, Record)>,
    /// The record's own changes within the page's time span (when asked for), newest first.
    pub changes: Vec<AuditRow>,
    /// Where the next (older) page starts: `(at, id)` of the last entry.
    pub older: Option<(i64, i64)>,
}

/// The kinds whose records make up timelines, with their time field.
pub fn kinds() -> impl Iterator<Item = (&'static Kind, &'static str)> {
    kervan_core::kinds::ALL.iter().filter_map(|k| Some((*k, k.timeline?)))
}

/// Whether records of `kind` have a timeline.
pub fn has_timeline(kind: &Kind) -> bool {
    kinds().any(|(t, _)| {
        t.fields
            .iter()
            .any(|f| f.ty == FieldType::Reference && f.refers == kind.key)
    })
}

/// Up to this many records under one (a customer's people) are read one by one.
const CHILDREN_ONE_BY_ONE: usize = 100;

/// The conditions (over alias `v` of timeline kind `t`) that make a record part of the timeline
/// of record `id` of `kind`, and whether an index on (column, time) serves each one's order.
async fn parts<C: ConnectionTrait>(c: &C, t: &Kind, kind: &Kind, id: i64) -> Result<Vec<(String, Vec<Value>, bool)>> {
    let mut out: Vec<(String, Vec<Value>, bool)> = Vec::new();
    for f in t.fields.iter().filter(|f| f.ty == FieldType::Reference) {
        if f.refers == kind.key {
            out.push((format!("v.{} = ?", f.key), vec![id.into()], true));
            continue;
        }
        // Records under this one: a customer's people, the lead converted into it. Not the
        // other way round — a lead's own timeline does not pull in the whole customer it became
        // (`lead_id` is where a converted record came from) — and not the kind's own tree.
        let Some(child) = kervan_core::kinds::by_key(f.refers) else {
            continue;
        };
        if child.rides_along() || child.key == kind.key {
            continue;
        }
        for g in child
            .fields
            .iter()
            .filter(|g| g.ty == FieldType::Reference && g.refers == kind.key && g.key != "lead_id")
        {
            // The children first, then one indexed query each: a planner that sees a column
            // mostly empty (no activity names a person yet) walks the whole time index instead
            // (70 ms at a million activities on SQLite).
            let ids = kervan_store::records::ids_where(c, child, g.key, id, CHILDREN_ONE_BY_ONE + 1).await?;
            if ids.len() <= CHILDREN_ONE_BY_ONE {
                out.extend(
                    ids.into_iter()
                        .map(|x| (format!("v.{} = ?", f.key), vec![x.into()], true)),
                );
            } else {
                out.push((
                    format!("v.{} IN (SELECT id FROM {} WHERE {} = ?)", f.key, child.table, g.key),
                    vec![id.into()],
                    false,
                ));
            }
        }
    }
    Ok(out)
}

/// Which page of a timeline: `kinds` narrows the timeline kind's `kind` choice (call, meeting …),
/// `before` continues an older page, `changes` interleaves the record's field changes.
#[derive(Debug, Clone, Default)]
pub struct Ask {
    pub kinds: Vec<String>,
    pub before: Option<(i64, i64)>,
    pub changes: bool,
    pub limit: u64,
}

/// A page of the timeline of record `id` of `kind` (which the actor has been let see).
pub async fn page(app: &App, actor: &Actor, kind: &'static Kind, id: i64, ask: &Ask) -> Result<Timeline> {
    let (kinds_wanted, before, with_changes, limit) = (&ask.kinds, ask.before, ask.changes, ask.limit);
    let c = &app.db.conn;
    let mut stamps: Vec<(&'static Kind, Stamp)> = Vec::new();
    for (t, at) in kinds() {
        if !actor.can(t.module, Action::View) {
            continue;
        }
        let p = parts(c, t, kind, id).await?;
        if p.is_empty() {
            continue;
        }
        let found = store::timeline_ids(c, t, at, &p, kinds_wanted, before, limit).await?;
        stamps.extend(found.into_iter().map(|s| (t, s)));
    }
    stamps.sort_by_key(|(_, s)| std::cmp::Reverse((s.at, s.id)));
    stamps.truncate(limit as usize);
    let older = (stamps.len() as u64 == limit)
        .then(|| stamps.last().map(|(_, s)| (s.at, s.id)))
        .flatten();
    let mut out: Vec<(&'static Kind, Record)> = Vec::new();
    for (t, group) in kinds().map(|(t, _)| (t, stamps.iter().filter(|(k, _)| k.key == t.key).collect::<Vec<_>>())) {
        if group.is_empty() {
            continue;
        }
        let defs = records::defs(app, t).await?;
        let ids: Vec<Value> = group.iter().map(|(_, s)| s.id.into()).collect();
        let q = ListQuery {
            conds: vec![(format!("{}.id IN ({})", t.alias, vec!["?"; ids.len()].join(", ")), ids)],
            limit: limit + 1,
            ..Default::default()
        };
        // Through the kit's list: the actor sees them with the record (or not at all).
        let page = records::list_kind(app, actor, t, &defs, &q).await?;
        out.extend(page.records.into_iter().map(|r| (t, r)));
    }
    let at_of = |t: &Kind, r: &Record| {
        t.timeline
            .and_then(|f| r.values.get(f))
            .and_then(|v| v.as_datetime())
            .unwrap_or(0)
    };
    out.sort_by_key(|(t, r)| std::cmp::Reverse((at_of(t, r), r.id)));
    let changes = if with_changes {
        // The record's changes in the span this page covers (from the newest shown, or now, back
        // to the oldest shown; everything older when this is the last page).
        let upto = before.map(|b| b.0).unwrap_or(i64::MAX);
        let from = older.map(|o| o.0).unwrap_or(i64::MIN);
        audit::for_entity_between(c, kind.entity, id, from, upto, 500).await?
    } else {
        vec![]
    };
    Ok(Timeline {
        records: out,
        changes,
        older,
    })
}
