//! The global search: every kind the actor may see, searched the same way (Turkish-insensitive
//! text, or a phone number in any form), newest first.

use kervan_core::permissions::Action;
use kervan_core::record::Kind;
use kervan_store::records::ListQuery;

use crate::records::{self, Record};
use crate::{Actor, App, Result, registry};

/// The hits of one kind.
pub struct Group {
    pub kind: &'static Kind,
    /// The records with their display names.
    pub hits: Vec<(Record, String)>,
}

/// Up to `per_kind` hits of every kind the actor may see; kinds without hits are left out.
pub async fn global(app: &App, actor: &Actor, text: &str, per_kind: u64) -> Result<Vec<Group>> {
    let mut q = ListQuery {
        limit: per_kind,
        desc: true,
        ..Default::default()
    };
    crate::lists::search_text(&mut q, text);
    if q.terms.is_empty() && q.phone.is_none() {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    for e in registry::entries() {
        if !actor.can(e.kind.module, Action::View) {
            continue;
        }
        let defs = records::defs(app, e.kind).await?;
        let page = records::list_kind(app, actor, e.kind, &defs, &q).await?;
        if !page.records.is_empty() {
            let hits = page.records.into_iter().map(|r| {
                let name = (e.name)(&r.values);
                (r, name)
            });
            out.push(Group {
                kind: e.kind,
                hits: hits.collect(),
            });
        }
    }
    Ok(out)
}
