//! Finding what to merge: the records that look like one record (the kind's own duplicate
//! rules), limited to those the user may see. The merge itself is the kit's
//! ([`crate::records::merge`]).

use kervan_core::permissions::Action;
use kervan_store::TransactionTrait;

use crate::access;
use crate::error::{Duplicate, Result};
use crate::records::{self, RecordKind};
use crate::{Actor, App};

/// Records of `K` that look like record `id` and that the actor may see.
pub async fn similar<K: RecordKind>(app: &App, actor: &Actor, id: i64) -> Result<Vec<Duplicate>> {
    let rec = records::get::<K>(app, actor, id).await?;
    let c = &app.db.conn;
    let txn = c.begin().await?;
    let found = K::duplicates(&txn, &rec.values, Some(id)).await?;
    txn.commit().await?;
    let vis = records::visibility(actor, K::KIND, Action::View);
    let mut out = Vec::new();
    for d in found {
        if access::visible(c, vis, d.owner_id).await? {
            out.push(d);
        }
    }
    Ok(out)
}
