//! A tab listing the records of another kind that point at the card's record (a customer's
//! deals, later its quotes): the kind's list columns, newest first, with a link to the whole
//! list filtered and a "new" button that arrives with the reference filled in.

use askama::Template;

use kervan_app::records::{self as app_records};
use kervan_app::registry;
use kervan_core::permissions::Action;
use kervan_core::record::{Kind, ListRole};

use super::display::show;
use super::{Card, label, text, user_names};
use crate::error::{PageError, html};

/// Rows a tab shows before pointing at the list.
const SHOWN: usize = 50;

#[derive(Template)]
#[template(path = "kit/tab_related.html")]
struct Panel {
    kind: &'static str,
    heads: Vec<String>,
    /// (href, name, cells)
    rows: Vec<(String, String, Vec<String>)>,
    all_href: Option<String>,
    new_href: Option<String>,
    new_label: String,
    empty: String,
    name_head: String,
    all_label: String,
}

/// The tab of `kind`'s records whose `field` is the card's record.
pub async fn tab(c: &Card, kind: &'static Kind, field: &str) -> Result<String, PageError> {
    let Some(entry) = registry::entry(kind.key) else {
        return Ok(String::new());
    };
    let app = &c.state.app;
    let defs = app_records::defs(app, kind).await?;
    let pairs = vec![
        (field.to_string(), c.rec.id.to_string()),
        ("sort".to_string(), "-created_at".to_string()),
        ("limit".to_string(), (SHOWN + 1).to_string()),
    ];
    let spec = (entry.parse_list)(app.db.conn.get_database_backend(), &defs, &pairs)
        .map_err(|e| PageError::from(kervan_app::AppError::Validation(e)))?;
    let page = app_records::list_kind(app, &c.actor, kind, &defs, &spec.query).await?;
    let names = user_names(&c.state).await?;
    let cols: Vec<_> = kind
        .fields
        .iter()
        .filter(|f| f.list == ListRole::Default && f.key != "name" && f.key != field)
        .take(5)
        .collect();
    let rows = page
        .records
        .iter()
        .take(SHOWN)
        .map(|r| {
            let cells = cols
                .iter()
                .map(|f| {
                    r.values
                        .get(f.key)
                        .map(|v| show(&c.t, kind, f, v, &r.values, &r.ref_names, &names).text)
                        .unwrap_or_default()
                })
                .collect();
            (format!("/{}/{}", kind.key, r.id), (entry.name)(&r.values), cells)
        })
        .collect();
    let can_create = c.actor.can(kind.module, Action::Create) && !c.rec.is_archived();
    Ok(html(&Panel {
        kind: kind.key,
        heads: cols.iter().map(|f| label(&c.t, kind, f.key)).collect(),
        rows,
        all_href: (page.records.len() > SHOWN).then(|| format!("/{}?{field}={}", kind.key, c.rec.id)),
        new_href: can_create.then(|| format!("/{}/new?{field}={}", kind.key, c.rec.id)),
        new_label: text(&c.t, kind, "new"),
        empty: c.t.t(&format!("{}-of-record-empty", kind.key)),
        name_head: text(&c.t, kind, "col-name"),
        all_label: c.t.t(&format!("{}-of-record-all", kind.key)),
    })?
    .0)
}
