//! The landing page's numbers: the signed-in user's own.

use kervan_core::permissions::{Action, Module};
use kervan_core::time::now_ms;
use kervan_store::leads::{self as store, SourceCount};
use kervan_store::records::ListQuery;

use crate::records::{self, Record};
use crate::{Actor, App, Result};

pub struct MyNumbers {
    pub open_leads: i64,
    pub new_this_week: Vec<SourceCount>,
    pub new_this_week_total: i64,
    /// The user's newest open leads.
    pub recent: Vec<Record>,
    /// The user's working customers, when they may see customers.
    pub my_accounts: Option<i64>,
}

pub async fn my_numbers(app: &App, actor: &Actor) -> Result<Option<MyNumbers>> {
    if !actor.can(Module::Leads, Action::View) {
        return Ok(None);
    }
    let c = &app.db.conn;
    let week_ago = now_ms() - 7 * 86_400_000;
    let open_leads = store::count_open_owned(c, actor.user_id).await?;
    let new_this_week = store::new_by_source(c, actor.user_id, week_ago).await?;
    let new_this_week_total = new_this_week.iter().map(|s| s.n).sum();
    let kind = &kervan_core::leads::KIND;
    let q = ListQuery {
        conds: vec![
            ("l.owner_id = ?".into(), vec![actor.user_id.into()]),
            ("l.status NOT IN ('converted', 'lost')".into(), vec![]),
        ],
        desc: true,
        limit: 5,
        ..Default::default()
    };
    let defs = records::defs(app, kind).await?;
    let recent = records::list_kind(app, actor, kind, &defs, &q).await?.records;
    let my_accounts = if actor.can(Module::Accounts, Action::View) {
        Some(kervan_store::accounts::count_owned(c, actor.user_id).await?)
    } else {
        None
    };
    Ok(Some(MyNumbers {
        open_leads,
        new_this_week,
        new_this_week_total,
        recent,
        my_accounts,
    }))
}
