//! Teklifler: the kit serves the list, the header's form, the card and the API; what is the
//! quotes module's own is the lines editor, the totals (from the one arithmetic), the status
//! buttons and the approval queue, the PDF, the company profile and numbering settings, the
//! Teklifler tab of the customer card, and price lists' pages.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use kervan_app::AppError;
use kervan_app::company::{self, Company};
use kervan_app::quotes::{self as app_quotes, PriceLists, Quotes, Standing};
use kervan_app::records::{self as app_records, Record, RecordKind};
use kervan_core::FieldErrors;
use kervan_core::money::Money;
use kervan_core::permissions::{Action, Module};
use kervan_core::price_lists::PriceSource;
use kervan_core::quotes::{self as core, KdvRate, Percent, Quantity, QuoteLine, UnitPrice};
use kervan_core::record::{Input, Inputs, Value};

use crate::AppState;
use crate::api::{ApiError, ApiUser};
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::kit::display::{currency_symbol, money_text};
use crate::kit::form::Posted;
use crate::kit::{self, Card, KitPages};
use crate::layout::Shell;
use crate::redirect::see_other;
use crate::tabs::TabSpec;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/quotes/approvals", get(approvals_page))
        .route("/quotes/{id}/lines", get(lines_page).post(lines_submit))
        .route("/quotes/{id}/act/{action}", post(act_submit))
        .route("/quotes/{id}/email", post(email_submit))
        .route("/quotes/{id}/pdf", get(pdf_page))
        .route("/settings/quotes", get(settings_page).post(settings_submit))
        .route("/settings/quotes/logo/remove", post(logo_remove))
        .merge(kit::pages::<Quotes>())
        .merge(kit::pages::<PriceLists>())
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/quotes/{id}/pdf", get(api_pdf))
        .route("/api/v1/quotes/{id}/{action}", post(api_act))
        .merge(kit::api::routes::<Quotes>())
        .merge(kit::api::routes::<PriceLists>())
}

/// The customer card's Teklifler tab: revenue to date, then the quotes.
pub fn account_tabs() -> Vec<TabSpec<Card>> {
    vec![TabSpec {
        key: "quotes",
        label: "tab-quotes",
        order: 47,
        visible: |c| c.actor.can(Module::Quotes, Action::View),
        render: |c| Box::pin(account_tab(c)),
    }]
}

async fn account_tab(c: &Card) -> Result<String, PageError> {
    let revenue = app_quotes::revenue(&c.state.app, &c.actor, c.rec.id).await?;
    let list = kit::related::tab(c, &core::KIND, "account_id").await?;
    let head = html(&RevenueHead {
        t: c.t,
        amount: money_text(Money::from_kurus(revenue), None),
    })?
    .0;
    Ok(format!("{head}{list}"))
}

#[derive(Template)]
#[template(
    source = "<p class=\"revenue\" id=\"revenue-to-date\">{{ t.t(\"quote-revenue-to-date\") }}: <strong>{{ amount }}</strong></p>",
    ext = "html"
)]
struct RevenueHead {
    t: I18n,
    amount: String,
}

impl KitPages for Quotes {
    fn api_input(body: &mut Json_) {
        if let Some(lines) = body.get_mut("lines")
            && lines.is_array()
        {
            *lines = Json_::String(lines.to_string());
        }
    }

    fn hard_delete() -> bool {
        false
    }

    fn editable(rec: &Record) -> bool {
        core::EDITABLE.contains(&rec.text("status").unwrap_or("draft"))
    }

    fn banner(card: &Card) -> crate::tabs::Panel<'_> {
        Box::pin(banner(card))
    }

    fn history_value(t: &I18n, field: &str, v: &str) -> Option<kit::display::Shown> {
        (field == "lines").then(|| {
            let n = serde_json::from_str::<Vec<QuoteLine>>(v).map(|l| l.len()).unwrap_or(0);
            kit::display::Shown::plain(t.t1("quote-lines-count", "count", n))
        })
    }

    fn api_extra(rec: &Record, out: &mut serde_json::Map<String, Json_>) {
        let lines = core::lines_of(&rec.values);
        out.insert("lines".into(), json!(lines));
        out.insert("number".into(), json!(rec.text("number")));
        let revision = match rec.values.get("revision") {
            Some(Value::Number(n)) => n.get() as i64,
            _ => 1,
        };
        out.insert("revision".into(), json!(revision));
        out.insert("display_number".into(), json!(Quotes::name(&rec.values)));
        if let Ok(t) = core::totals_of(&rec.values) {
            out.insert("totals".into(), totals_json(&t));
        }
    }
}

impl KitPages for PriceLists {
    fn api_path() -> &'static str {
        "price-lists"
    }
}

fn api_money(m: Money) -> Json_ {
    json!(m.plain_text())
}

fn totals_json(t: &core::Totals) -> Json_ {
    json!({
        "gross": api_money(t.gross),
        "line_discounts": api_money(t.line_discounts),
        "document_discount": api_money(t.document_discount),
        "net": api_money(t.net),
        "kdv": t.kdv.iter().map(|g| json!({
            "rate": g.rate.as_str(), "base": api_money(g.base), "amount": api_money(g.amount),
        })).collect::<Vec<_>>(),
        "kdv_total": api_money(t.kdv_total),
        "grand_total": api_money(t.grand_total),
    })
}

// ---------- the card ----------

/// A line as the card and the PDF show it.
struct LineView {
    no: usize,
    description: String,
    source: Option<String>,
    quantity: String,
    unit_price: String,
    discount: String,
    kdv: String,
    amount: String,
}

struct TotalsView {
    rows: Vec<(String, String)>,
    grand: String,
    /// The grand total in lira at the quote's rate, for a foreign-currency quote.
    in_lira: Option<String>,
}

fn currency_of(v: &kervan_core::record::Values) -> String {
    v.get("currency").and_then(Value::as_text).unwrap_or("TRY").to_string()
}

fn percent_text(p: Percent) -> String {
    format!("%{}", p.tr_text())
}

fn line_views(t: &I18n, values: &kervan_core::record::Values) -> (Vec<LineView>, Option<TotalsView>) {
    let cur = currency_of(values);
    let m = |x: Money| money_text(x, Some(&cur));
    let lines = core::lines_of(values);
    let Ok(totals) = core::totals_of(values) else {
        return (vec![], None);
    };
    let views = lines
        .iter()
        .zip(totals.lines.iter())
        .enumerate()
        .map(|(i, (l, lt))| {
            let parsed = l.line();
            LineView {
                no: i + 1,
                description: l.description.clone(),
                source: l.price_source.clone(),
                quantity: format!(
                    "{} {}",
                    parsed.map(|p| p.quantity.tr_text()).unwrap_or_default(),
                    l.unit
                ),
                unit_price: parsed
                    .map(|p| format!("{} {}", price_text(p.unit_price), currency_symbol(Some(&cur))))
                    .unwrap_or_default(),
                discount: parsed
                    .map(|p| {
                        if p.discount == Percent::ZERO {
                            String::new()
                        } else {
                            percent_text(p.discount)
                        }
                    })
                    .unwrap_or_default(),
                kdv: format!("%{}", l.kdv_rate),
                amount: m(lt.net),
            }
        })
        .collect();
    let doc_pct = core::document_discount(values);
    let mut rows = vec![(t.t("quote-total-gross"), m(totals.gross))];
    if totals.line_discounts.kurus() != 0 {
        rows.push((
            t.t("quote-total-line-discounts"),
            format!("−{}", m(totals.line_discounts)),
        ));
    }
    if totals.document_discount.kurus() != 0 {
        rows.push((
            t.t1("quote-total-document-discount", "percent", percent_text(doc_pct)),
            format!("−{}", m(totals.document_discount)),
        ));
    }
    rows.push((t.t("quote-total-net"), m(totals.net)));
    for g in &totals.kdv {
        rows.push((
            t.t_args(
                "quote-total-kdv",
                &[("rate", g.rate.as_str().to_string()), ("base", m(g.base))],
            ),
            m(g.amount),
        ));
    }
    let rate = core::rate_of(values);
    let in_lira = (cur != "TRY").then(|| {
        money_text(
            Money::from_kurus((totals.grand_total.kurus() as f64 * rate).round() as i64),
            None,
        )
    });
    (
        views,
        Some(TotalsView {
            rows,
            grand: m(totals.grand_total),
            in_lira,
        }),
    )
}

/// A unit price with at least two decimals (`18.500,50`, `33,3333`).
fn price_text(p: UnitPrice) -> String {
    let t = p.tr_text();
    match t.split_once(',') {
        None => format!("{t},00"),
        Some((_, d)) if d.len() == 1 => format!("{t}0"),
        _ => t,
    }
}

#[derive(Template)]
#[template(path = "quotes/banner.html")]
struct Banner {
    t: I18n,
    csrf: String,
    id: i64,
    version: i64,
    status: String,
    status_label: String,
    standing: Standing,
    approved_by: Option<String>,
    rejection: Option<String>,
    previous: Option<i64>,
    lines: Vec<LineView>,
    totals: Option<TotalsView>,
    /// Buttons: (action, label, primary, needs a reason).
    actions: Vec<(&'static str, String, bool, bool)>,
    can_edit_lines: bool,
    can_copy: bool,
    /// E-mailing is offered when sending is allowed (or to send a sent one again).
    can_email: bool,
}

async fn banner(c: &Card) -> Result<String, PageError> {
    let app = &c.state.app;
    let standing = app_quotes::standing(&app.db.conn, &c.rec).await?;
    let status = c.rec.text("status").unwrap_or("draft").to_string();
    let editable = Quotes::editable(&c.rec) && !c.rec.is_archived();
    let can_edit = c.can_edit() && !c.rec.is_archived();
    let approver = c.actor.can(Module::Quotes, Action::Approve)
        && c.rec.id_of("submitted_by") != c.actor.author()
        && app_records::authorize(&app.db.conn, &c.actor, &core::KIND, c.rec.owner_id(), Action::Approve)
            .await
            .is_ok();
    let t = c.t;
    let mut actions: Vec<(&'static str, String, bool, bool)> = Vec::new();
    let mut add = |a: &'static str, primary: bool, reason: bool| {
        actions.push((a, t.t(&format!("quote-act-{a}")), primary, reason))
    };
    match status.as_str() {
        "draft" if can_edit => {
            if standing.needs_approval {
                add("submit", true, false);
            } else {
                add("send", true, false);
            }
            add("cancel", false, false);
        }
        "pending_approval" => {
            if approver {
                add("approve", true, false);
                add("reject", false, true);
            }
            if can_edit {
                add("cancel", false, false);
            }
        }
        "approved" if can_edit => {
            add("send", true, false);
            add("cancel", false, false);
        }
        "sent" if can_edit => {
            add("accept", true, false);
            add("decline", false, false);
            add("revise", false, false);
            add("cancel", false, false);
        }
        "declined" | "expired" if can_edit => {
            add("revise", true, false);
            add("cancel", false, false);
        }
        _ => {}
    }
    let (lines, totals) = line_views(&t, &c.rec.values);
    let can_email = can_edit
        && !lines.is_empty()
        && (status == "sent" || (matches!(status.as_str(), "draft" | "approved") && standing.cleared));
    Ok(html(&Banner {
        t,
        csrf: c.csrf.clone(),
        id: c.rec.id,
        version: c.rec.version,
        status_label: t.t(&format!("quote-status-{status}")),
        status,
        standing,
        approved_by: c.rec.id_of("approved_by").and_then(|u| c.names.get(&u).cloned()),
        rejection: c.rec.text("rejection_reason").map(str::to_string),
        previous: c.rec.id_of("previous_id"),
        lines,
        totals,
        actions,
        can_edit_lines: editable && can_edit,
        can_copy: c.actor.can(Module::Quotes, Action::Create),
        can_email,
    })?
    .0)
}

// ---------- status changes ----------

/// Runs a status change; `Ok(Some(id))` when it made a new quote (revise, copy).
async fn act(
    state: &AppState,
    actor: &kervan_app::Actor,
    id: i64,
    action: &str,
    version: i64,
    reason: &str,
) -> Result<Option<i64>, AppError> {
    let app = &state.app;
    match action {
        "submit" => app_quotes::submit(app, actor, id, version).await.map(|_| None),
        "approve" => app_quotes::approve(app, actor, id, version).await.map(|_| None),
        "reject" => app_quotes::reject(app, actor, id, version, reason).await.map(|_| None),
        "send" => app_quotes::send(app, actor, id, version).await.map(|_| None),
        "accept" => app_quotes::accept(app, actor, id, version).await.map(|_| None),
        "decline" => app_quotes::decline(app, actor, id, version).await.map(|_| None),
        "cancel" => app_quotes::cancel(app, actor, id, version).await.map(|_| None),
        "revise" => app_quotes::revise(app, actor, id, version).await.map(Some),
        "copy" => app_quotes::copy(app, actor, id).await.map(Some),
        _ => Err(AppError::NotFound),
    }
}

async fn act_submit(
    State(state): State<AppState>,
    session: Session,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let version = p.one("version").trim().parse::<i64>().unwrap_or(0);
    match act(&state, &session.actor, id, &action, version, &p.one("reason")).await {
        Ok(Some(new)) => Ok(see_other(&format!("/quotes/{new}?ok=quote-{action}")).into_response()),
        Ok(None) => Ok(see_other(&format!("/quotes/{id}?ok=quote-{action}")).into_response()),
        Err(AppError::Validation(e)) => {
            let code = e.0.first().map(|f| f.code.clone()).unwrap_or_default();
            Ok(see_other(&format!("/quotes/{id}?ok=quote-refused-{code}")).into_response())
        }
        Err(AppError::Conflict { .. }) => Ok(see_other(&format!("/quotes/{id}?ok=quote-changed")).into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ActBody {
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    reason: Option<String>,
    /// `email`: the recipient, subject and text (defaults: the contact's address, the
    /// standard wording).
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

async fn api_act(
    State(s): State<AppState>,
    ApiUser(a): ApiUser,
    Path((id, action)): Path<(i64, String)>,
    body: Bytes,
) -> Result<(StatusCode, Json<Json_>), ApiError> {
    // The body is optional: `{version, reason}`; an empty one acts on the current version.
    let b: ActBody = crate::api::optional_json(&body)?;
    let rec = app_records::get::<Quotes>(&s.app, &a, id).await?;
    let version = b.version.unwrap_or(rec.version);
    if action == "email" {
        let t = I18n::new(crate::i18n::Lang::parse(&a.language).unwrap_or(crate::i18n::Lang::Tr));
        let d = email_defaults(&s, &a, &t, &rec).await?;
        let doc = pdf_doc(&s, &t, &rec).await?;
        let pdf = crate::pdf::render(&doc).map_err(AppError::Internal)?;
        let mail = app_quotes::Email {
            to: b.to.unwrap_or(d.0),
            subject: b.subject.unwrap_or(d.1),
            text: b.text.unwrap_or(d.2),
            pdf_name: format!("{}.pdf", file_name(&doc.number)),
            pdf,
        };
        app_quotes::email(&s.app, &a, id, version, &mail).await?;
        return Ok((StatusCode::OK, Json(kit::api::one::<Quotes>(&s, &a, id).await?)));
    }
    let made = act(&s, &a, id, &action, version, b.reason.as_deref().unwrap_or_default()).await?;
    let (status, shown) = match made {
        Some(new) => (StatusCode::CREATED, new),
        None => (StatusCode::OK, id),
    };
    let rec = app_records::get::<Quotes>(&s.app, &a, shown).await?;
    let _ = rec;
    Ok((status, Json(kit::api::one::<Quotes>(&s, &a, shown).await?)))
}

// ---------- the lines editor ----------

struct EditRow {
    /// The product's id (the reference box's hidden half) and the name typed or shown.
    product: String,
    product_name: String,
    description: String,
    quantity: String,
    unit: String,
    unit_price: String,
    discount: String,
    kdv: String,
    exemption: String,
    source: String,
    errors: Vec<String>,
}

impl EditRow {
    fn empty() -> EditRow {
        EditRow {
            product: String::new(),
            product_name: String::new(),
            description: String::new(),
            quantity: String::new(),
            unit: String::new(),
            unit_price: String::new(),
            discount: String::new(),
            kdv: String::new(),
            exemption: String::new(),
            source: String::new(),
            errors: vec![],
        }
    }
}

#[derive(Template)]
#[template(path = "quotes/lines.html")]
struct LinesPage {
    shell: Shell,
    id: i64,
    version: i64,
    name: String,
    currency: String,
    rows: Vec<EditRow>,
    errors: Vec<String>,
}

/// Extra empty rows the editor offers (a script adds more).
const SPARE_ROWS: usize = 3;

/// The names of the products the lines name, for their reference boxes.
async fn product_names(state: &AppState, session: &Session, rows: &mut [EditRow]) -> Result<(), PageError> {
    for row in rows
        .iter_mut()
        .filter(|r| r.product_name.is_empty() && !r.product.is_empty())
    {
        if let Ok(id) = row.product.parse::<i64>()
            && let Ok(p) = app_records::load_for(
                &state.app,
                &session.actor,
                &kervan_core::products::KIND,
                id,
                Action::View,
            )
            .await
        {
            row.product_name = kervan_core::products::name(&p.values);
        }
    }
    Ok(())
}

fn rows_of(rec: &Record) -> Vec<EditRow> {
    core::lines_of(&rec.values)
        .iter()
        .map(|l| {
            let parsed = l.line();
            EditRow {
                product: l.product_id.map(|p| p.to_string()).unwrap_or_default(),
                product_name: String::new(),
                description: l.description.clone(),
                quantity: parsed.map(|p| p.quantity.tr_text()).unwrap_or_default(),
                unit: l.unit.clone(),
                unit_price: parsed.map(|p| p.unit_price.tr_text()).unwrap_or_default(),
                discount: parsed
                    .map(|p| {
                        if p.discount == Percent::ZERO {
                            String::new()
                        } else {
                            p.discount.tr_text()
                        }
                    })
                    .unwrap_or_default(),
                kdv: l.kdv_rate.clone(),
                exemption: l.kdv_exemption_reason.clone().unwrap_or_default(),
                source: l.price_source.clone().unwrap_or_default(),
                errors: vec![],
            }
        })
        .collect()
}

async fn render_lines(
    state: &AppState,
    session: &Session,
    rec: &Record,
    mut rows: Vec<EditRow>,
    errors: Vec<String>,
) -> Result<LinesPage, PageError> {
    product_names(state, session, &mut rows).await?;
    rows.extend((0..SPARE_ROWS).map(|_| EditRow::empty()));
    let name = Quotes::name(&rec.values);
    Ok(LinesPage {
        shell: session.shell(session.t.t1("quote-lines-title", "number", name.clone())),
        id: rec.id,
        version: rec.version,
        name,
        currency: currency_of(&rec.values),
        rows,
        errors,
    })
}

async fn lines_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let rec = app_records::load_for(&state.app, &session.actor, &core::KIND, id, Action::Edit).await?;
    if !Quotes::editable(&rec) {
        return Ok(see_other(&format!("/quotes/{id}?ok=quote-refused-quote_locked")).into_response());
    }
    let rows = rows_of(&rec);
    let page = render_lines(&state, &session, &rec, rows, vec![]).await?;
    Ok(html(&page)?.into_response())
}

/// The rows a person filled in (fully empty ones dropped), in order.
fn posted_rows(p: &Posted) -> Vec<EditRow> {
    let mut out = Vec::new();
    let n = p
        .one("rows")
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(core::MAX_LINES + 50);
    for i in 0..n {
        let get = |k: &str| p.one(&format!("{k}_{i}")).trim().to_string();
        let row = EditRow {
            product: get("product"),
            product_name: p.one(&format!("product_{i}__name")).trim().to_string(),
            description: get("description"),
            quantity: get("quantity"),
            unit: get("unit"),
            unit_price: get("unit_price"),
            discount: get("discount"),
            kdv: get("kdv"),
            exemption: get("exemption"),
            // A price typed over the one found keeps no "where it came from".
            source: if get("srcprice") == get("unit_price") {
                get("source")
            } else {
                String::new()
            },
            errors: vec![],
        };
        let blank = [
            &row.product,
            &row.description,
            &row.quantity,
            &row.unit_price,
            &row.discount,
        ]
        .iter()
        .all(|v| v.is_empty());
        if !blank {
            out.push(row);
        }
    }
    out
}

/// Turns the editor's Turkish numbers into the API's and fills what a chosen product gives:
/// its name, unit, KDV and the best price (with where it came from). Problems of a cell are
/// kept on its row.
async fn line_json(
    state: &AppState,
    session: &Session,
    rec: &Record,
    rows: &mut [EditRow],
) -> Result<Vec<Json_>, PageError> {
    let t = session.t;
    let account = rec.id_of("account_id");
    let currency = currency_of(&rec.values);
    let date = match rec.values.get("issue_date") {
        Some(Value::Date(d)) => d.format("%Y-%m-%d").to_string(),
        _ => kervan_core::time::today_local(kervan_core::time::now_ms())
            .format("%Y-%m-%d")
            .to_string(),
    };
    let mut out = Vec::new();
    for row in rows.iter_mut() {
        let mut e = FieldErrors::new();
        // A product typed by name (without a suggestion picked): the one that matches.
        if row.product.is_empty() && !row.product_name.is_empty() {
            let found =
                kervan_app::registry::find_by_name(&state.app, &session.actor, "products", &row.product_name, 2)
                    .await?;
            // An exact (Turkish-insensitive) name comes first; otherwise only a single match counts.
            let exact = found
                .first()
                .filter(|(_, n)| kervan_core::text::fold(n) == kervan_core::text::fold(&row.product_name));
            match (exact, found.as_slice()) {
                (Some((id, _)), _) | (None, [(id, _)]) => row.product = id.to_string(),
                (None, []) => e.add("product", "ref_not_found"),
                _ => e.add("product", "ref_ambiguous"),
            }
        }
        let product = match row.product.as_str() {
            "" => None,
            p => match p.parse::<i64>() {
                Ok(id) => match app_records::load_for(
                    &state.app,
                    &session.actor,
                    &kervan_core::products::KIND,
                    id,
                    Action::View,
                )
                .await
                {
                    Ok(r) => Some(r),
                    Err(AppError::NotFound | AppError::Forbidden { .. }) => {
                        e.add("product", "invalid_choice");
                        None
                    }
                    Err(x) => return Err(x.into()),
                },
                Err(_) => {
                    e.add("product", "invalid_choice");
                    None
                }
            },
        };
        if let Some(p) = &product {
            if row.description.is_empty() {
                row.description = p.text("name").unwrap_or_default().to_string();
            }
            if row.unit.is_empty() {
                row.unit = p.text("unit").unwrap_or("adet").to_string();
            }
            if row.kdv.is_empty() {
                row.kdv = p.text("kdv_rate").unwrap_or("20").to_string();
                if row.exemption.is_empty() {
                    row.exemption = p.text("kdv_exemption_reason").unwrap_or_default().to_string();
                }
            }
        }
        let quantity = or(&row.quantity, "1");
        let q = Quantity::parse_tr(&quantity);
        if let Err(x) = q {
            x.record(&mut e, "quantity");
        }
        if let (Some(p), true, Ok(q)) = (&product, row.unit_price.is_empty(), q)
            && let Some((price, source)) =
                app_quotes::best_price(&state.app, p.id, account, q.thousandths(), &date, &currency).await?
        {
            if let Some(up) = UnitPrice::from_ten_thousandths(price) {
                row.unit_price = up.tr_text();
            }
            row.source = match source {
                PriceSource::List => t.t("quote-source-list"),
                PriceSource::Tier { min } if min == "1" => t.t("quote-source-price-list"),
                PriceSource::Tier { min } => t.t1("quote-source-tier", "min", min),
                PriceSource::Customer { .. } => t.t("quote-source-customer"),
            };
        }
        let up = UnitPrice::parse_tr(&row.unit_price);
        if let Err(x) = up {
            x.record(&mut e, "unit_price");
        }
        let discount = or(&row.discount, "0");
        let d = Percent::parse_tr(&discount);
        if let Err(x) = d {
            x.record(&mut e, "discount_percent");
        }
        let k = KdvRate::parse(if row.kdv.is_empty() { "20" } else { &row.kdv });
        if let Err(x) = k {
            x.record(&mut e, "kdv_rate");
        }
        row.errors =
            e.0.iter()
                .map(|f| {
                    let label = t.t(&format!("quote-line-{}", f.field));
                    let msg = t.err(f);
                    format!("{label}: {msg}")
                })
                .collect();
        out.push(json!({
            "product_id": product.as_ref().map(|p| p.id),
            "description": row.description,
            "quantity": q.map(|q| q.to_string()).unwrap_or(quantity),
            "unit": if row.unit.is_empty() { "adet" } else { row.unit.as_str() },
            "unit_price": up.map(|u| u.to_string()).unwrap_or_else(|_| "?".into()),
            "discount_percent": d.map(|d| d.to_string()).unwrap_or_else(|_| "?".into()),
            "kdv_rate": k.map(|k| k.as_str().to_string()).unwrap_or_else(|_| "?".into()),
            "kdv_exemption_reason": (!row.exemption.is_empty()).then(|| row.exemption.clone()),
            "price_source": (!row.source.is_empty()).then(|| row.source.clone()),
        }));
    }
    Ok(out)
}

/// What was typed, or `default` for an empty box.
fn or(typed: &str, default: &str) -> String {
    if typed.is_empty() { default } else { typed }.to_string()
}

async fn lines_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let rec = app_records::load_for(&state.app, &session.actor, &core::KIND, id, Action::Edit).await?;
    let version = p.version()?;
    let mut rows = posted_rows(&p);
    let lines = line_json(&state, &session, &rec, &mut rows).await?;
    let t = session.t;
    if rows.iter().any(|r| !r.errors.is_empty()) {
        let page = render_lines(&state, &session, &rec, rows, vec![t.t("quote-lines-fix")]).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
    }
    let mut inputs = Inputs::default();
    inputs
        .fields
        .insert("lines".into(), Input::Text(Json_::Array(lines).to_string()));
    let opts = app_records::WriteOptions::default();
    match app_records::update::<Quotes>(&state.app, &session.actor, id, version, &inputs, &opts).await {
        Ok(()) => Ok(see_other(&format!("/quotes/{id}?ok=saved")).into_response()),
        Err(AppError::Validation(e)) => {
            // Errors named `lines[N].field` go to their row; others on top.
            let mut top = Vec::new();
            for f in &e.0 {
                let msg = t.err(f);
                match f.field.strip_prefix("lines[").and_then(|r| r.split_once("].")) {
                    Some((n, field)) => {
                        if let Some(row) = n.parse::<usize>().ok().and_then(|n| rows.get_mut(n.saturating_sub(1))) {
                            row.errors
                                .push(format!("{}: {msg}", t.t(&format!("quote-line-{field}"))));
                        }
                    }
                    None => top.push(msg),
                }
            }
            if top.is_empty() {
                top.push(t.t("quote-lines-fix"));
            }
            let page = render_lines(&state, &session, &rec, rows, top).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(AppError::Conflict { .. }) => {
            let fresh = app_records::get::<Quotes>(&state.app, &session.actor, id).await?;
            let page = render_lines(&state, &session, &fresh, rows, vec![t.t("quote-changed")]).await?;
            Ok((StatusCode::CONFLICT, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------- the approval queue ----------

#[derive(Template)]
#[template(path = "quotes/approvals.html")]
struct ApprovalsPage {
    shell: Shell,
    /// (id, number, customer, owner, total)
    rows: Vec<(i64, String, String, String, String)>,
}

async fn approvals_page(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let rows = app_quotes::approval_queue(&state.app, &session.actor).await?;
    let names = kit::user_names(&state).await?;
    let page = ApprovalsPage {
        shell: session.shell(session.t.t("quote-approvals-title")),
        rows: rows
            .iter()
            .map(|r| {
                (
                    r.id,
                    core::with_revision(r.number.as_deref().unwrap_or_default(), r.revision as i64),
                    r.account_name.clone().unwrap_or_default(),
                    r.owner_id.and_then(|o| names.get(&o).cloned()).unwrap_or_default(),
                    money_text(Money::from_kurus(r.grand_total.unwrap_or(0)), Some(&r.currency)),
                )
            })
            .collect(),
    };
    Ok(html(&page)?.into_response())
}

// ---------- the PDF ----------

async fn pdf_doc(state: &AppState, t: &I18n, rec: &Record) -> Result<crate::pdf::QuoteDoc, AppError> {
    let app = &state.app;
    let co: Company = company::get(&app.db.conn).await?;
    let standing = app_quotes::standing(&app.db.conn, rec).await?;
    let status = rec.text("status").unwrap_or("draft");
    // Only what may go to the customer prints clean: a draft, a quote waiting for approval, or
    // one whose approval no longer covers it is a TASLAK.
    let clean = matches!(status, "sent" | "accepted" | "declined" | "expired")
        || (standing.cleared && status != "pending_approval");
    let mut company_lines = vec![co.name.clone()];
    company_lines.extend(co.address.lines().map(str::to_string));
    if !co.tax_office.is_empty() || !co.tax_number.is_empty() {
        company_lines.push(t.t_args(
            "quote-pdf-tax",
            &[("office", co.tax_office.clone()), ("number", co.tax_number.clone())],
        ));
    }
    for (k, v) in [("phone", &co.phone), ("email", &co.email), ("iban", &co.iban)] {
        if !v.is_empty() {
            company_lines.push(format!("{}: {v}", t.t(&format!("company-field-{k}"))));
        }
    }
    let refs = &rec.ref_names;
    let mut customer = vec![refs.get("account_id").cloned().unwrap_or_default()];
    if let Some(p) = refs.get("contact_id") {
        customer.push(p.clone());
    }
    let date = |k: &str| match rec.values.get(k) {
        Some(Value::Date(d)) => d.format("%d.%m.%Y").to_string(),
        _ => String::new(),
    };
    let cur = currency_of(&rec.values);
    let mut meta = vec![(t.t("quote-field-issue_date"), date("issue_date"))];
    if !date("valid_until").is_empty() {
        meta.push((t.t("quote-field-valid_until"), date("valid_until")));
    }
    meta.push((t.t("quote-field-currency"), cur.clone()));
    if let Some(Value::Number(r)) = rec.values.get("exchange_rate") {
        meta.push((
            t.t("quote-field-exchange_rate"),
            format!("{} ({})", r.display_tr(), date("exchange_rate_date")),
        ));
    }
    let (lines, totals) = line_views(t, &rec.values);
    let mut total_rows: Vec<(String, String, bool)> = vec![];
    if let Some(tv) = totals {
        total_rows.extend(tv.rows.into_iter().map(|(a, b)| (a, b, false)));
        total_rows.push((t.t("quote-total-grand"), tv.grand, true));
        if let Some(l) = tv.in_lira {
            total_rows.push((t.t("quote-total-in-lira"), l, false));
        }
    }
    let text = |k: &str| rec.text(k).unwrap_or_default().to_string();
    let logo = company::logo(&app.db.conn)
        .await?
        .and_then(|(kind, bytes)| logo_image(kind, &bytes));
    Ok(crate::pdf::QuoteDoc {
        logo,
        title: t.t("quote-pdf-title"),
        number: Quotes::name(&rec.values),
        watermark: (!clean).then(|| t.t("quote-pdf-draft")),
        company: company_lines,
        customer_heading: t.t("quote-pdf-to"),
        customer,
        meta,
        heads: [
            "#",
            "quote-line-description",
            "quote-line-quantity",
            "quote-line-unit_price",
            "quote-line-discount_percent",
            "quote-line-kdv_rate",
            "quote-line-amount",
        ]
        .map(|k| if k == "#" { k.to_string() } else { t.t(k) }),
        lines: lines
            .into_iter()
            .map(|l| {
                let desc = match &l.source {
                    Some(s) if !s.is_empty() => format!("{}\n({s})", l.description),
                    _ => l.description,
                };
                [
                    l.no.to_string(),
                    desc,
                    l.quantity,
                    l.unit_price,
                    l.discount,
                    l.kdv,
                    l.amount,
                ]
            })
            .collect(),
        totals: total_rows,
        terms: vec![
            (t.t("quote-field-delivery_terms"), text("delivery_terms")),
            (t.t("quote-field-payment_terms"), text("payment_terms")),
            (t.t("quote-field-notes"), text("notes")),
        ],
        page_label: t.t("quote-pdf-page"),
    })
}

/// A number as a file name (`T-2026-0001-R2`; anything else becomes `_`).
fn file_name(number: &str) -> String {
    number
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect()
}

fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    let file = file_name(name);
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{file}.pdf\"")),
        ],
        bytes,
    )
        .into_response()
}

async fn pdf_page(State(state): State<AppState>, session: Session, Path(id): Path<i64>) -> Result<Response, PageError> {
    let rec = app_records::get::<Quotes>(&state.app, &session.actor, id).await?;
    let doc = pdf_doc(&state, &session.t, &rec).await?;
    let bytes = crate::pdf::render(&doc).map_err(|e| PageError::from(AppError::Internal(e)))?;
    Ok(pdf_response(&doc.number, bytes))
}

async fn api_pdf(State(s): State<AppState>, ApiUser(a): ApiUser, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let rec = app_records::get::<Quotes>(&s.app, &a, id).await?;
    let t = I18n::new(crate::i18n::Lang::parse(&a.language).unwrap_or(crate::i18n::Lang::Tr));
    let doc = pdf_doc(&s, &t, &rec).await?;
    let bytes = crate::pdf::render(&doc).map_err(AppError::Internal)?;
    Ok(pdf_response(&doc.number, bytes))
}

/// Renders a quote's PDF as the benchmark and the tests call it (Turkish labels).
pub async fn pdf_bytes(state: &AppState, actor: &kervan_app::Actor, id: i64) -> Result<Vec<u8>, AppError> {
    let rec = app_records::get::<Quotes>(&state.app, actor, id).await?;
    let t = I18n::new(crate::i18n::Lang::Tr);
    let doc = pdf_doc(state, &t, &rec).await?;
    crate::pdf::render(&doc).map_err(AppError::Internal)
}

// ---------- settings: company profile, numbering, approval ----------

#[derive(Template)]
#[template(path = "settings/quotes.html")]
struct SettingsPage {
    shell: Shell,
    company: Vec<(&'static str, String, String, bool, Option<String>)>,
    number_format: String,
    max_discount: String,
    max_total: String,
    errors: HashMap<String, String>,
    example: String,
    has_logo: bool,
    logo_path: &'static str,
}

async fn settings_view(
    state: &AppState,
    session: &Session,
    co: Option<Company>,
    typed: Option<(String, String, String)>,
    errors: HashMap<String, String>,
) -> Result<SettingsPage, PageError> {
    let t = session.t;
    let c = &state.app.db.conn;
    let co = match co {
        Some(co) => co,
        None => company::get(c).await?,
    };
    let (fmt, (disc, total)) = (app_quotes::number_format(c).await?, app_quotes::approval_rule(c).await?);
    let (number_format, max_discount, max_total) =
        typed.unwrap_or((fmt, disc.tr_text(), Money::from_kurus(total).amount_text()));
    let year = chrono::Datelike::year(&kervan_core::time::today_local(kervan_core::time::now_ms()));
    let example = if core::valid_format(&number_format).is_ok() {
        core::with_revision(&core::number(&number_format, year, 1), 1)
    } else {
        String::new()
    };
    Ok(SettingsPage {
        shell: session.shell(t.t("quote-settings-title")),
        company: co
            .fields()
            .iter()
            .map(|(k, v, _)| {
                (
                    *k,
                    t.t(&format!("company-field-{k}")),
                    v.to_string(),
                    matches!(*k, "address" | "delivery_terms" | "payment_terms"),
                    errors.get(*k).cloned(),
                )
            })
            .collect(),
        number_format,
        max_discount,
        max_total,
        errors,
        example,
        has_logo: company::logo(c).await?.is_some(),
        logo_path: crate::files::LOGO_PATH,
    })
}

async fn settings_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    let mut page = settings_view(&state, &session, None, None, HashMap::new()).await?;
    page.shell = page.shell.with_toast(q.get("ok").map(String::as_str));
    Ok(html(&page)?.into_response())
}

async fn settings_submit(State(state): State<AppState>, session: Session, body: Bytes) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    let p = Posted::parse(&body)?;
    let co = Company {
        name: p.one("name").trim().to_string(),
        address: p.one("address").trim().to_string(),
        tax_office: p.one("tax_office").trim().to_string(),
        tax_number: p.one("tax_number").trim().to_string(),
        phone: p.one("phone").trim().to_string(),
        email: p.one("email").trim().to_string(),
        iban: p.one("iban").trim().to_string(),
        delivery_terms: p.one("delivery_terms").trim().to_string(),
        payment_terms: p.one("payment_terms").trim().to_string(),
    };
    let typed = (p.one("number_format"), p.one("max_discount"), p.one("max_total"));
    let t = session.t;
    let mut errors: HashMap<String, String> = HashMap::new();
    let mut collect = |e: &FieldErrors| {
        for f in &e.0 {
            errors.insert(f.field.clone(), t.err(f));
        }
    };
    match company::set(&state.app, &session.actor, co.clone()).await {
        Ok(_) => {}
        Err(AppError::Validation(e)) => collect(&e),
        Err(e) => return Err(e.into()),
    }
    match app_quotes::set_settings(&state.app, &session.actor, &typed.0, &typed.1, &typed.2).await {
        Ok(()) => {}
        Err(AppError::Validation(e)) => collect(&e),
        Err(e) => return Err(e.into()),
    }
    if errors.is_empty() {
        return Ok(see_other("/settings/quotes?ok=quote-settings-saved").into_response());
    }
    let page = settings_view(&state, &session, Some(co), Some(typed), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
}

// ---------- e-mail ----------

/// The mail a quote goes out with unless the person changes it: to the contact (else the
/// customer), the standard subject and text.
async fn email_defaults(
    state: &AppState,
    actor: &kervan_app::Actor,
    t: &I18n,
    rec: &Record,
) -> Result<(String, String, String), AppError> {
    let app = &state.app;
    let mut to = String::new();
    let mut dear = rec.ref_names.get("account_id").cloned().unwrap_or_default();
    for (field, kind) in [
        ("contact_id", &kervan_core::contacts::KIND),
        ("account_id", &kervan_core::accounts::KIND),
    ] {
        if !to.is_empty() {
            break;
        }
        if let Some(id) = rec.id_of(field)
            && let Ok(r) = app_records::load_for(app, actor, kind, id, Action::View).await
            && let Some(e) = r.text("email")
        {
            to = e.to_string();
            if field == "contact_id" {
                dear = rec.ref_names.get("contact_id").cloned().unwrap_or(dear);
            }
        }
    }
    let co = company::get(&app.db.conn).await?;
    let number = Quotes::name(&rec.values);
    let subject = t.t_args(
        "quote-mail-subject",
        &[("number", number.clone()), ("company", co.name.clone())],
    );
    let text = t.t_args(
        "quote-mail-text",
        &[
            ("dear", dear),
            ("number", number),
            ("by", actor.name.clone()),
            ("company", co.name),
        ],
    );
    Ok((to, subject.trim().to_string(), text))
}

#[derive(Template)]
#[template(path = "quotes/email.html")]
struct EmailPage {
    shell: Shell,
    id: i64,
    version: i64,
    name: String,
    to: String,
    subject: String,
    text: String,
    errors: Vec<String>,
}

async fn email_submit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    let rec = app_records::get::<Quotes>(&state.app, &session.actor, id).await?;
    let t = session.t;
    let version = p.version()?;
    let defaults = email_defaults(&state, &session.actor, &t, &rec).await?;
    // The first visit shows the form with the defaults; the second sends.
    if !p.has("to") {
        let page = EmailPage {
            shell: session.shell(t.t1("quote-mail-title", "number", Quotes::name(&rec.values))),
            id,
            version,
            name: Quotes::name(&rec.values),
            to: defaults.0,
            subject: defaults.1,
            text: defaults.2,
            errors: vec![],
        };
        return Ok(html(&page)?.into_response());
    }
    let doc = pdf_doc(&state, &t, &rec).await?;
    let pdf = crate::pdf::render(&doc).map_err(|e| PageError::from(AppError::Internal(e)))?;
    let mail = app_quotes::Email {
        to: p.one("to"),
        subject: p.one("subject"),
        text: p.one("text"),
        pdf_name: format!("{}.pdf", file_name(&doc.number)),
        pdf,
    };
    match app_quotes::email(&state.app, &session.actor, id, version, &mail).await {
        Ok(()) => Ok(see_other(&format!("/quotes/{id}?ok=quote-emailed")).into_response()),
        Err(AppError::Validation(e)) => {
            let page = EmailPage {
                shell: session.shell(t.t1("quote-mail-title", "number", Quotes::name(&rec.values))),
                id,
                version,
                name: Quotes::name(&rec.values),
                to: mail.to,
                subject: mail.subject,
                text: mail.text,
                errors: e.0.iter().map(|f| t.err(f)).collect(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(AppError::Conflict { .. }) => Ok(see_other(&format!("/quotes/{id}?ok=quote-changed")).into_response()),
        Err(e) => Err(e.into()),
    }
}

// ---------- the logo ----------

/// Whether krilla can place this picture (so a logo that would break every PDF is refused).
fn logo_image(kind: company::LogoKind, bytes: &[u8]) -> Option<krilla::image::Image> {
    let data: krilla::Data = bytes.to_vec().into();
    match kind {
        company::LogoKind::Png => krilla::image::Image::from_png(data, true).ok(),
        company::LogoKind::Jpeg => krilla::image::Image::from_jpeg(data, true).ok(),
    }
}

/// `POST /settings/quotes/logo` (multipart: `_csrf`, then `file`), streamed like an attachment.
pub async fn logo_upload(
    state: AppState,
    session: Session,
    pending: Option<String>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    let bytes =
        match crate::files::receive_small(&state.app, &session.actor, pending, req, company::MAX_LOGO_BYTES).await {
            Ok(b) => b,
            Err(PageError::TooLarge) => return Ok(see_other("/settings/quotes?ok=logo-too-large").into_response()),
            Err(PageError::BadRequest) => return Ok(see_other("/settings/quotes?ok=logo-not-image").into_response()),
            Err(e) => return Err(e),
        };
    let usable = company::LogoKind::sniff(&bytes)
        .and_then(|k| logo_image(k, &bytes))
        .is_some();
    if !usable {
        return Ok(see_other("/settings/quotes?ok=logo-not-image").into_response());
    }
    match company::set_logo(&state.app, &session.actor, Some(&bytes)).await {
        Ok(()) => Ok(see_other("/settings/quotes?ok=logo-saved").into_response()),
        Err(AppError::Validation(_)) => Ok(see_other("/settings/quotes?ok=logo-not-image").into_response()),
        Err(AppError::TooLarge { .. }) => Ok(see_other("/settings/quotes?ok=logo-too-large").into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn logo_remove(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    company::set_logo(&state.app, &session.actor, None).await?;
    Ok(see_other("/settings/quotes?ok=logo-removed").into_response())
}
