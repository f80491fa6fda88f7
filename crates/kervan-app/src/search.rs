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
    // The kinds are searched at the same time (each on a connection of its own): a person waits
    // for the slowest kind, not for all of them in a row.
    let entries = registry::entries();
    // Follow-ups (tasks) are found from what they follow up and on Görevlerim, not here: a
    // caller's name or number is looked up among customers, people, leads, deals, quotes and
    // products (not among settings kinds: `RecordKind::IN_SEARCH`).
    let searches = entries
        .iter()
        .filter(|e| !e.kind.rides_along() && e.in_search)
        .filter(|e| actor.can(e.kind.module, Action::View))
        .map(|e| {
            let q = &q;
            async move {
                let defs = records::defs(app, e.kind).await?;
                let page = records::list_kind(app, actor, e.kind, &defs, q).await?;
                let hits: Vec<(Record, String)> = page
                    .records
                    .into_iter()
                    .map(|r| {
                        let name = (e.name)(&r.values);
                        (r, name)
                    })
                    .collect();
                Ok::<_, crate::AppError>(Group { kind: e.kind, hits })
            }
        });
    let groups = futures_util::future::try_join_all(searches).await?;
    Ok(groups.into_iter().filter(|g| !g.hits.is_empty()).collect())
}
