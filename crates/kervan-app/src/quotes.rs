//! Teklifler: the kit serves quotes (list, card, form of the header, API, history); what is the
//! quotes module's own is the number from its series, the lines and their totals (CONTRACT.md's
//! one arithmetic, in `kervan_core::quotes`), the approval bound to a hash of the content, the
//! status changes (submit, approve, reject, send, accept, decline, revise, cancel, copy), the
//! expiry run, price lists and revenue to date.

use sha2::{Digest, Sha256};

use kervan_core::permissions::{Action, Module};
use kervan_core::quotes::{self as core, EDITABLE, Percent};
use kervan_core::record::{Input, Inputs, Kind, Value, Values};
use kervan_core::time::{now_ms, today_local};
use kervan_store::audit::{self, Change};
use kervan_store::quotes::{self as store, Change as StatusChange};
use kervan_store::{ConnectionTrait, DatabaseTransaction, StoreError, TransactionTrait, settings};

use crate::error::{AppError, Result};
use crate::records::{self, Record, RecordKind};
use crate::{Actor, App};

pub struct Quotes;
pub struct PriceLists;

/// Settings: the number format, and the approval thresholds.
pub const NUMBER_FORMAT_KEY: &str = "quotes.number_format";
pub const APPROVAL_KEY: &str = "quotes.approval";
/// Days before a sent quote runs out that its owner is reminded.
pub const REMIND_DAYS: i64 = 3;
/// The daily expiry run's job kind.
pub const EXPIRY_JOB: &str = "quotes_expiry";

impl RecordKind for Quotes {
    const KIND: &'static Kind = &kervan_core::quotes::KIND;

    /// New quotes take the numbering lock: on SQLite the write lock up front (`BEGIN
    /// IMMEDIATE`), on PostgreSQL an advisory lock, so the counter is read and moved by one
    /// transaction at a time.
    fn guard_keys(_values: &Values) -> Vec<String> {
        vec!["quote:number".into()]
    }

    /// Only a draft, a quote waiting for approval or an approved one changes; a sent one is
    /// revised (R2), never edited.
    async fn verify(_txn: &DatabaseTransaction, _actor: &Actor, _values: &Values, old: Option<&Record>) -> Result<()> {
        if let Some(o) = old
            && !EDITABLE.contains(&o.text("status").unwrap_or("draft"))
        {
            return Err(AppError::field("status", "quote_locked"));
        }
        Ok(())
    }

    async fn after_write(
        txn: &DatabaseTransaction,
        _actor: &Actor,
        id: i64,
        values: &Values,
        old: Option<&Record>,
    ) -> Result<()> {
        let t = core::totals_of(values).map_err(|_| AppError::field("lines", "too_large"))?;
        store::set_totals(txn, id, t.grand_total.kurus(), t.net.kurus(), t.kdv_total.kurus()).await?;
        match old {
            None => {
                let year = match values.get("issue_date") {
                    Some(Value::Date(d)) => chrono::Datelike::year(d) as i64,
                    _ => chrono::Datelike::year(&today_local(now_ms())) as i64,
                };
                let format = number_format(txn).await?;
                let seq = store::next_number(txn, &format, year).await?;
                let number = core::number(&format, year as i32, seq);
                let name = core::with_revision(&number, 1);
                // The company's default terms, where the quote names none.
                let co = crate::company::get(txn).await?;
                for (field, default) in [
                    ("delivery_terms", &co.delivery_terms),
                    ("payment_terms", &co.payment_terms),
                ] {
                    if !values.contains_key(field) && !default.trim().is_empty() {
                        kervan_store::db::exec(
                            txn,
                            &format!("UPDATE quotes SET {field} = ? WHERE id = ?"),
                            vec![default.trim().into(), id.into()],
                        )
                        .await?;
                    }
                }
                store::set_number(
                    txn,
                    id,
                    &number,
                    &kervan_core::text::sort_key(&name),
                    &kervan_core::text::search_key(&[Some(&name)]),
                )
                .await?;
            }
            Some(o) => {
                // An edit of what was approved (or is being looked at) drops the approval.
                let status = o.text("status").unwrap_or("draft");
                if matches!(status, "approved" | "pending_approval")
                    && core::approval_content(values) != core::approval_content(&o.values)
                {
                    let (max_discount, max_total) = approval_rule(txn).await?;
                    let next = if core::needs_approval(values, max_discount, max_total) {
                        "pending_approval"
                    } else {
                        "draft"
                    };
                    store::drop_approval(txn, id, next).await?;
                    let change = Change::new("status", Some(status.to_string()), Some(next.to_string()));
                    note(txn, id, None, now_ms(), change).await?;
                }
            }
        }
        Ok(())
    }
}

impl RecordKind for PriceLists {
    const KIND: &'static Kind = &kervan_core::price_lists::KIND;
    const IN_SEARCH: bool = false;
}

/// The number format in force (`T-{year}-{seq:04}` until an admin sets another).
pub async fn number_format<C: ConnectionTrait>(c: &C) -> Result<String> {
    Ok(settings::get(c, NUMBER_FORMAT_KEY)
        .await?
        .and_then(|s| serde_json::from_str::<String>(&s).ok())
        .filter(|f| core::valid_format(f).is_ok())
        .unwrap_or_else(|| core::DEFAULT_NUMBER_FORMAT.to_string()))
}

/// The approval thresholds: a discount above this percentage, a grand total above this amount
/// (kuruş, default currency).
pub async fn approval_rule<C: ConnectionTrait>(c: &C) -> Result<(Percent, i64)> {
    #[derive(serde::Deserialize)]
    struct Rule {
        max_discount: String,
        max_total: i64,
    }
    let stored = settings::get(c, APPROVAL_KEY)
        .await?
        .and_then(|s| serde_json::from_str::<Rule>(&s).ok());
    Ok(match stored {
        Some(r) => (
            Percent::parse(&r.max_discount).unwrap_or(DEFAULT_MAX_DISCOUNT),
            r.max_total,
        ),
        None => (DEFAULT_MAX_DISCOUNT, DEFAULT_MAX_TOTAL),
    })
}

/// 10 %: a discount above it needs a manager.
pub const DEFAULT_MAX_DISCOUNT: Percent = core::DEFAULT_MAX_DISCOUNT;
/// 500,000.00 ₺: a grand total above it needs a manager.
pub const DEFAULT_MAX_TOTAL: i64 = 50_000_000;

/// Changes the number format and the approval thresholds (admins). Empty leaves one as it is.
pub async fn set_settings(app: &App, actor: &Actor, format: &str, max_discount: &str, max_total: &str) -> Result<()> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: Module::Quotes,
            action: Action::Edit,
        });
    }
    let mut e = kervan_core::FieldErrors::new();
    let format = format.trim();
    if let Err(code) = core::valid_format(format) {
        e.add("number_format", code);
    }
    let discount = Percent::parse_tr(max_discount.trim());
    if let Err(x) = discount {
        x.record(&mut e, "max_discount");
    }
    let total = kervan_core::money::Money::parse(max_total.trim());
    match total {
        Ok(m) if m.kurus() >= 0 => {}
        _ => e.add("max_total", "invalid_money"),
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let (Ok(discount), Ok(total)) = (discount, total) else {
        return Err(AppError::Internal("checked above".into()));
    };
    let now = now_ms();
    let c = &app.db.conn;
    let json = serde_json::to_string(format).map_err(|x| AppError::Internal(x.to_string()))?;
    settings::set(c, NUMBER_FORMAT_KEY, &json, actor.author(), now).await?;
    let rule = serde_json::json!({"max_discount": discount.to_string(), "max_total": total.kurus()});
    settings::set(c, APPROVAL_KEY, &rule.to_string(), actor.author(), now).await?;
    Ok(())
}

/// The hash an approval is bound to.
pub fn content_hash(values: &Values) -> String {
    let digest = Sha256::digest(core::approval_content(values).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the quote's status allows the actor now, and why not (the card's buttons and the API
/// answer from the same facts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    /// The content needs a manager's approval.
    pub needs_approval: bool,
    /// The approval on record covers the content as it is.
    pub approved: bool,
    /// Sending (and accepting) is allowed by the approval rule.
    pub cleared: bool,
}

pub async fn standing<C: ConnectionTrait>(c: &C, rec: &Record) -> Result<Standing> {
    let (max_discount, max_total) = approval_rule(c).await?;
    let needs = core::needs_approval(&rec.values, max_discount, max_total);
    let st = store::state(c, rec.id).await?.ok_or(AppError::NotFound)?;
    let approved = st.status != "draft"
        && st.status != "pending_approval"
        && st.approved_hash.as_deref() == Some(content_hash(&rec.values).as_str());
    Ok(Standing {
        needs_approval: needs,
        approved,
        cleared: !needs || approved,
    })
}

fn conflict(e: StoreError, current: i64) -> AppError {
    match e {
        StoreError::Conflict => AppError::Conflict {
            current_version: current + 1,
        },
        other => other.into(),
    }
}

fn refuse(code: &str) -> AppError {
    AppError::field("status", code)
}

/// A status change of a quote the actor may edit: checked against its current status and
/// version, written with its audit entry in one transaction.
async fn step(
    app: &App,
    actor: &Actor,
    id: i64,
    version: i64,
    from: &[&str],
    to: &str,
    ch: StatusChange<'_>,
) -> Result<Record> {
    step_by(app, actor, actor.author(), id, version, from, to, ch).await
}

/// [`step`] loaded as `actor` and written in the history as `by` (an approver, whose right is
/// to approve rather than to edit, acts through the system but is named).
#[allow(clippy::too_many_arguments)]
async fn step_by(
    app: &App,
    actor: &Actor,
    by: Option<i64>,
    id: i64,
    version: i64,
    from: &[&str],
    to: &str,
    ch: StatusChange<'_>,
) -> Result<Record> {
    let rec = records::load_for(app, actor, &kervan_core::quotes::KIND, id, Action::Edit).await?;
    if rec.version != version {
        return Err(AppError::Conflict {
            current_version: rec.version,
        });
    }
    let status = rec.text("status").unwrap_or("draft").to_string();
    if !from.contains(&status.as_str()) {
        return Err(refuse("status_not_allowed"));
    }
    let now = now_ms();
    let txn = app.db.conn.begin().await?;
    store::set_status(&txn, id, version, to, &ch, now)
        .await
        .map_err(|e| conflict(e, version))?;
    let change = Change::new("status", Some(status), Some(to.to_string()));
    note(&txn, id, by, now, change).await?;
    txn.commit().await?;
    Ok(rec)
}

/// Sends a quote that needs approval to the approvers' queue.
pub async fn submit(app: &App, actor: &Actor, id: i64, version: i64) -> Result<()> {
    let rec = records::load_for(app, actor, &kervan_core::quotes::KIND, id, Action::Edit).await?;
    let s = standing(&app.db.conn, &rec).await?;
    if !s.needs_approval {
        return Err(refuse("approval_not_needed"));
    }
    if core::lines_of(&rec.values).is_empty() {
        return Err(AppError::field("lines", "required"));
    }
    let ch = StatusChange {
        submitted_by: Some(actor.author()),
        rejection_reason: Some(None),
        ..Default::default()
    };
    step(app, actor, id, version, &["draft"], "pending_approval", ch).await?;
    Ok(())
}

/// The approver's checks: sees the quote with the approve right over its owner, and is not the
/// one who asked.
async fn approver_check(app: &App, actor: &Actor, id: i64) -> Result<Record> {
    let rec = records::get::<Quotes>(app, actor, id).await?;
    records::authorize(
        &app.db.conn,
        actor,
        &kervan_core::quotes::KIND,
        rec.owner_id(),
        Action::Approve,
    )
    .await
    .map_err(|e| match e {
        AppError::NotFound => AppError::Forbidden {
            module: Module::Quotes,
            action: Action::Approve,
        },
        other => other,
    })?;
    let st = store::state(&app.db.conn, id).await?.ok_or(AppError::NotFound)?;
    if st.submitted_by == actor.author() || (st.submitted_by.is_none() && rec.owner_id() == actor.author()) {
        return Err(refuse("own_approval"));
    }
    Ok(rec)
}

/// An approver's decision on a quote waiting for it: written through the system (the right is
/// to approve, not to edit) under the approver's name.
async fn decide(app: &App, actor: &Actor, id: i64, version: i64, to: &str, ch: StatusChange<'_>) -> Result<Record> {
    step_by(
        app,
        &Actor::system(),
        actor.author(),
        id,
        version,
        &["pending_approval"],
        to,
        ch,
    )
    .await
}

/// Approves the quote's content as it is now (the hash is stored with the approval).
pub async fn approve(app: &App, actor: &Actor, id: i64, version: i64) -> Result<()> {
    let rec = approver_check(app, actor, id).await?;
    let hash = content_hash(&rec.values);
    let now = now_ms();
    let ch = StatusChange {
        approval: Some((actor.author(), Some(now), Some(&hash))),
        rejection_reason: Some(None),
        ..Default::default()
    };
    decide(app, actor, id, version, "approved", ch).await?;
    tell_requester(app, actor, &rec, "quote_approved", None).await
}

/// Sends the quote back to draft with the reason.
pub async fn reject(app: &App, actor: &Actor, id: i64, version: i64, reason: &str) -> Result<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "required"));
    }
    if reason.chars().count() > 500 || reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::field("reason", "too_long"));
    }
    let rec = approver_check(app, actor, id).await?;
    let ch = StatusChange {
        approval: Some((None, None, None)),
        rejection_reason: Some(Some(reason)),
        ..Default::default()
    };
    decide(app, actor, id, version, "draft", ch).await?;
    tell_requester(app, actor, &rec, "quote_rejected", Some(reason)).await
}

async fn tell_requester(app: &App, actor: &Actor, rec: &Record, kind: &str, reason: Option<&str>) -> Result<()> {
    let c = &app.db.conn;
    let st = store::state(c, rec.id).await?.ok_or(AppError::NotFound)?;
    let Some(to) = st.submitted_by.or(rec.owner_id()) else {
        return Ok(());
    };
    let params = serde_json::json!({
        "number": Quotes::name(&rec.values),
        "by": actor.name,
        "reason": reason.unwrap_or_default(),
    })
    .to_string();
    let link = format!("/quotes/{}", rec.id);
    let n = kervan_store::notifications::NewNotification {
        kind,
        params: &params,
        link: Some(&link),
        dedupe_key: None,
    };
    kervan_store::notifications::insert_for(c, &[to], &n, now_ms()).await?;
    app.jobs.notify_one();
    Ok(())
}

/// Marks the quote sent (to the customer): refused while it needs an approval it does not have.
pub async fn send(app: &App, actor: &Actor, id: i64, version: i64) -> Result<Record> {
    let rec = records::load_for(app, actor, &kervan_core::quotes::KIND, id, Action::Edit).await?;
    if core::lines_of(&rec.values).is_empty() {
        return Err(AppError::field("lines", "required"));
    }
    if !standing(&app.db.conn, &rec).await?.cleared {
        return Err(refuse("approval_required"));
    }
    let ch = StatusChange {
        sent_at: Some(now_ms()),
        ..Default::default()
    };
    step(app, actor, id, version, &["draft", "approved"], "sent", ch).await
}

/// The customer's yes: the quote is accepted and its deal won.
pub async fn accept(app: &App, actor: &Actor, id: i64, version: i64) -> Result<()> {
    let rec = records::load_for(app, actor, &kervan_core::quotes::KIND, id, Action::Edit).await?;
    if !standing(&app.db.conn, &rec).await?.cleared {
        return Err(refuse("approval_required"));
    }
    step(app, actor, id, version, &["sent"], "accepted", StatusChange::default()).await?;
    if let Some(deal) = rec.id_of("deal_id")
        && let Some(entry) = crate::registry::entry("deals")
    {
        // The deal is won by the customer's yes, whoever owns it: the system writes it.
        let system = Actor::system();
        let d = records::load_for(app, &system, entry.kind, deal, Action::Edit).await?;
        if d.text("status") != Some("won") {
            let mut inputs = Inputs::default();
            inputs.fields.insert("status".into(), Input::Text("won".into()));
            (entry.update)(app.clone(), system, deal, d.version, inputs).await?;
        }
    }
    Ok(())
}

/// The customer's no.
pub async fn decline(app: &App, actor: &Actor, id: i64, version: i64) -> Result<()> {
    step(app, actor, id, version, &["sent"], "declined", StatusChange::default()).await?;
    Ok(())
}

/// Cancels a quote (never deleted: its number stays taken).
pub async fn cancel(app: &App, actor: &Actor, id: i64, version: i64) -> Result<()> {
    let from = ["draft", "pending_approval", "approved", "sent", "declined", "expired"];
    step(app, actor, id, version, &from, "cancelled", StatusChange::default()).await?;
    Ok(())
}

/// A new revision (R2, R3 …) of a sent, declined or expired quote: same number, a new draft
/// linked to it; the old one stays as it was, read-only.
pub async fn revise(app: &App, actor: &Actor, id: i64, version: i64) -> Result<i64> {
    let rec = records::load_for(app, actor, &kervan_core::quotes::KIND, id, Action::Edit).await?;
    if rec.version != version {
        return Err(AppError::Conflict {
            current_version: rec.version,
        });
    }
    if !matches!(rec.text("status"), Some("sent" | "declined" | "expired")) {
        return Err(refuse("status_not_allowed"));
    }
    let c = &app.db.conn;
    let txn = kervan_store::db::begin_guarded(c, &["quote:number".to_string()]).await?;
    let st = store::state(&txn, id).await?.ok_or(AppError::NotFound)?;
    let number = st.number.clone().unwrap_or_default();
    if store::has_later_revision(&txn, &number, st.revision).await? {
        return Err(refuse("already_revised"));
    }
    let revision = st.revision as i64 + 1;
    let new = duplicate_in(&txn, actor, id, &number, revision, Some(id)).await?;
    txn.commit().await?;
    Ok(new)
}

/// "Kopyala": a new draft with the same content and a new number.
pub async fn copy(app: &App, actor: &Actor, id: i64) -> Result<i64> {
    let rec = records::get::<Quotes>(app, actor, id).await?;
    actor.require(Module::Quotes, Action::Create)?;
    let _ = rec;
    let c = &app.db.conn;
    let txn = kervan_store::db::begin_guarded(c, &["quote:number".to_string()]).await?;
    let format = number_format(&txn).await?;
    let year = chrono::Datelike::year(&today_local(now_ms())) as i64;
    let seq = store::next_number(&txn, &format, year).await?;
    let number = core::number(&format, year as i32, seq);
    let new = duplicate_in(&txn, actor, id, &number, 1, None).await?;
    txn.commit().await?;
    Ok(new)
}

async fn duplicate_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    from: i64,
    number: &str,
    revision: i64,
    previous: Option<i64>,
) -> Result<i64> {
    let now = now_ms();
    let name = core::with_revision(number, revision);
    let today = today_local(now).format("%Y-%m-%d").to_string();
    let keys = (
        kervan_core::text::sort_key(&name),
        kervan_core::text::search_key(&[Some(&name)]),
    );
    let id = store::duplicate(
        txn,
        from,
        number,
        revision,
        previous,
        &today,
        (&keys.0, &keys.1),
        actor.author(),
        now,
    )
    .await?;
    let what = match previous {
        Some(p) => format!("#{p} → {name}"),
        None => format!("#{from} → {name}"),
    };
    let change = Change::new("created", None, Some(serde_json::json!({ "from": what }).to_string()));
    note(txn, id, actor.author(), now, change).await?;
    Ok(id)
}

/// One entry in a quote's history.
async fn note<C: ConnectionTrait>(c: &C, id: i64, by: Option<i64>, now: i64, change: Change) -> Result<()> {
    audit::write(c, kervan_core::quotes::KIND.entity, id, by, now, &[change]).await?;
    Ok(())
}

/// The quotes waiting for the actor's approval (those whose owner the approve right reaches),
/// without the actor's own requests.
pub async fn approval_queue(app: &App, actor: &Actor) -> Result<Vec<store::Pending>> {
    actor.require(Module::Quotes, Action::Approve)?;
    let vis = actor.visibility(Module::Quotes, Action::Approve);
    let rows = store::pending(&app.db.conn, &vis).await?;
    Ok(rows.into_iter().filter(|p| p.submitted_by != actor.author()).collect())
}

/// Revenue to date of a customer: its accepted quotes, in the default currency.
pub async fn revenue(app: &App, actor: &Actor, account: i64) -> Result<i64> {
    actor.require(Module::Quotes, Action::View)?;
    Ok(store::revenue(&app.db.conn, account).await?)
}

/// Queues today's expiry run (one per day, whichever server asks first).
pub async fn schedule(app: &App) -> Result<()> {
    crate::jobs::enqueue_daily(app, EXPIRY_JOB).await
}

/// Expires sent quotes past their validity and reminds owners of those running out within
/// [`REMIND_DAYS`]. Returns `(expired, reminded)`.
pub async fn run_expiry(app: &App) -> Result<(usize, usize)> {
    let now = now_ms();
    let today = today_local(now);
    let iso = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let txn = app.db.conn.begin().await?;
    let expired = store::expire(&txn, &iso(today), now).await?;
    for (id, _) in &expired {
        let change = Change::new("status", Some("sent".into()), Some("expired".into()));
        note(&txn, *id, None, now, change).await?;
    }
    let until = today + chrono::Days::new(REMIND_DAYS as u64);
    let remind = store::to_remind(&txn, &iso(until)).await?;
    for (id, owner) in &remind {
        let Some(owner) = owner else { continue };
        let link = format!("/quotes/{id}");
        let params = serde_json::json!({ "id": id }).to_string();
        let n = kervan_store::notifications::NewNotification {
            kind: "quote_expiring",
            params: &params,
            link: Some(&link),
            dedupe_key: Some(&format!("quote_expiring:{id}")),
        };
        kervan_store::notifications::insert_for(&txn, &[*owner], &n, now).await?;
    }
    txn.commit().await?;
    Ok((expired.len(), remind.len()))
}

/// The best price of a product for a customer at a quantity on a date, in `currency`: the
/// lowest of the applicable price list entries (the customer's own and everyone's, from their
/// quantity on, valid on the date), else the product's list price. `(ten-thousandths, source)`.
pub async fn best_price(
    app: &App,
    product: i64,
    account: Option<i64>,
    quantity_thousandths: i64,
    date: &str,
    currency: &str,
) -> Result<Option<(i64, kervan_core::price_lists::PriceSource)>> {
    use kervan_core::price_lists::PriceSource;
    #[derive(Debug, sea_orm::FromQueryResult)]
    struct Row {
        account_id: Option<i64>,
        min_quantity: f64,
        unit_price: i64,
    }
    let c = &app.db.conn;
    let rows: Vec<Row> = kervan_store::db::all(
        c,
        "SELECT account_id, min_quantity, unit_price FROM price_list_items
         WHERE product_id = ? AND active = TRUE AND archived_at IS NULL AND currency = ?
           AND (account_id IS NULL OR account_id = ?) AND min_quantity * 1000 <= ?
           AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?)",
        vec![
            product.into(),
            currency.into(),
            account.into(),
            (quantity_thousandths as f64).into(),
            date.into(),
            date.into(),
        ],
    )
    .await?;
    let min_text = |m: f64| {
        if m.fract() == 0.0 {
            format!("{}", m as i64)
        } else {
            format!("{m}").replace('.', ",")
        }
    };
    if let Some(best) = rows.iter().min_by_key(|r| (r.unit_price, r.account_id.is_none())) {
        let source = match best.account_id {
            Some(_) => PriceSource::Customer {
                min: min_text(best.min_quantity),
            },
            None => PriceSource::Tier {
                min: min_text(best.min_quantity),
            },
        };
        return Ok(Some((best.unit_price * 100, source)));
    }
    #[derive(Debug, sea_orm::FromQueryResult)]
    struct Product {
        list_price: Option<i64>,
        currency: String,
    }
    let p: Option<Product> = kervan_store::db::one(
        c,
        "SELECT list_price, currency FROM products WHERE id = ?",
        vec![product.into()],
    )
    .await?;
    Ok(p.filter(|p| p.currency == currency)
        .and_then(|p| p.list_price)
        .map(|k| (k * 100, PriceSource::List)))
}

/// A quote sent by e-mail: the recipient, subject and text as typed, the PDF as rendered.
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub pdf_name: String,
    pub pdf: Vec<u8>,
}

/// Sends the quote with its PDF attached (through the mail settings: SMTP, or the outbox folder
/// when none is set), marks it sent if it was not yet, and logs the e-mail on the customer's and
/// the deal's timeline. Refused, like `send`, while it needs an approval it does not have.
pub async fn email(app: &App, actor: &Actor, id: i64, version: i64, mail: &Email) -> Result<()> {
    let rec = records::load_for(app, actor, &kervan_core::quotes::KIND, id, Action::Edit).await?;
    if rec.version != version {
        return Err(AppError::Conflict {
            current_version: rec.version,
        });
    }
    let status = rec.text("status").unwrap_or("draft").to_string();
    if !matches!(status.as_str(), "draft" | "approved" | "sent") {
        return Err(refuse("status_not_allowed"));
    }
    if core::lines_of(&rec.values).is_empty() {
        return Err(AppError::field("lines", "required"));
    }
    if !standing(&app.db.conn, &rec).await?.cleared {
        return Err(refuse("approval_required"));
    }
    let mut e = kervan_core::FieldErrors::new();
    let to = kervan_core::email::Email::parse(mail.to.trim());
    if to.is_err() {
        e.add(
            "to",
            if mail.to.trim().is_empty() {
                "required"
            } else {
                "invalid_email"
            },
        );
    }
    let subject = mail.subject.trim();
    if subject.is_empty() {
        e.add("subject", "required");
    } else if subject.chars().count() > 200 || subject.chars().any(char::is_control) {
        e.add_with("subject", "too_long", 200);
    }
    if mail.text.chars().count() > 10_000 {
        e.add_with("text", "too_long", 10_000);
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let transport = crate::mailing::transport(app).await?;
    let msg = crate::mail::Message {
        to: mail.to.trim().to_string(),
        subject: subject.to_string(),
        text: mail.text.clone(),
        attachments: vec![(mail.pdf_name.clone(), "application/pdf".into(), mail.pdf.clone())],
    };
    crate::mail::send(&transport, &msg).await.map_err(|x| {
        AppError::field(
            "to",
            &format!("mail_{}", x.message_id().trim_start_matches("mail-error-")),
        )
    })?;
    if status != "sent" {
        let ch = StatusChange {
            sent_at: Some(now_ms()),
            ..Default::default()
        };
        step(app, actor, id, version, &["draft", "approved"], "sent", ch).await?;
    }
    // On the timeline: an e-mail to the customer (and the deal), as a held activity.
    if let Some(entry) = crate::registry::entry("activities") {
        let mut inputs = Inputs::default();
        let put = |i: &mut Inputs, k: &str, v: String| {
            i.fields.insert(k.into(), Input::Text(v));
        };
        put(&mut inputs, "kind", "email".into());
        put(
            &mut inputs,
            "subject",
            subject.chars().take(kervan_core::activities::MAX_SUBJECT).collect(),
        );
        put(&mut inputs, "at", kervan_core::time::local_input(now_ms()));
        put(&mut inputs, "direction", "outbound".into());
        put(
            &mut inputs,
            "body",
            format!("{} → {}", Quotes::name(&rec.values), mail.to.trim()),
        );
        for k in ["account_id", "contact_id", "deal_id"] {
            if let Some(v) = rec.id_of(k) {
                put(&mut inputs, k, v.to_string());
            }
        }
        (entry.create)(app.clone(), actor.clone(), inputs).await?;
    }
    Ok(())
}
