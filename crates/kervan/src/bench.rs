//! `kervan bench`: server-side timings of the lead list and search on the current database,
//! measured at the use-case layer (what a request spends in Kervan and the database; HTML
//! rendering adds well under a millisecond). Prints p50/p95/max per scenario.

use std::time::Instant;

use clap::Args;

use kervan_app::{Actor, App, leads, search};
use kervan_store::leads::LeadQuery;

#[derive(Args)]
pub struct BenchArgs {
    /// Repetitions per scenario.
    #[arg(long, default_value_t = 100)]
    pub runs: usize,
    /// E-mail of a sales rep to measure the own-scope view with (default: the first demo rep).
    #[arg(long, default_value = "satis1@demo.kervan.local")]
    pub sales_email: String,
}

struct Stats {
    name: String,
    ms: Vec<f64>,
}

impl Stats {
    fn pct(&self, p: f64) -> f64 {
        let mut v = self.ms.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        if v.is_empty() {
            return 0.0;
        }
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        v[i.min(v.len() - 1)]
    }
    fn print(&self) {
        println!(
            "{:<48} p50 {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms   (n={})",
            self.name,
            self.pct(0.5),
            self.pct(0.95),
            self.pct(1.0),
            self.ms.len()
        );
    }
}

async fn time_queries(app: &App, actor: &Actor, name: &str, queries: &[LeadQuery]) -> Result<Stats, String> {
    let mut ms = Vec::with_capacity(queries.len());
    for q in queries {
        let t = Instant::now();
        leads::list(app, actor, q).await.map_err(|e| e.to_string())?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Stats {
        name: name.to_string(),
        ms,
    })
}

fn q_text(text: &str) -> LeadQuery {
    let mut q = LeadQuery {
        limit: 50,
        desc: true,
        ..Default::default()
    };
    search::apply_query(&mut q, text);
    q
}

pub async fn run(app: &App, a: BenchArgs) -> Result<(), String> {
    let admin = Actor::system();
    let n = kervan_store::leads::count_all(&app.db.conn)
        .await
        .map_err(|e| e.to_string())?;
    let backend = if app.db.is_postgres() { "PostgreSQL" } else { "SQLite" };
    println!("kervan bench: {n} leads on {backend}, {} runs per scenario", a.runs);
    if n == 0 {
        return Err("the database has no leads; run `kervan demo --leads 1000000` first".into());
    }
    let sales = match kervan_store::users::by_email(&app.db.conn, &a.sales_email)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(u) => Some(Actor::load(&app.db.conn, &u).await.map_err(|e| e.to_string())?),
        None => None,
    };

    // Samples of real names and phones, spread over the table.
    let sample_q = LeadQuery {
        limit: 200,
        desc: false,
        ..Default::default()
    };
    let sample = leads::list(app, &admin, &sample_q)
        .await
        .map_err(|e| e.to_string())?
        .leads;
    let mut mid_q = LeadQuery {
        limit: 200,
        desc: true,
        ..Default::default()
    };
    mid_q.created_from = None;
    let recent = leads::list(app, &admin, &mid_q).await.map_err(|e| e.to_string())?.leads;
    let rows: Vec<_> = sample.iter().chain(recent.iter()).collect();
    let names: Vec<String> = rows
        .iter()
        .filter_map(|l| l.row.last_name.clone())
        .map(|s| s.chars().take(5).collect())
        .collect();
    let phones: Vec<String> = rows.iter().filter_map(|l| l.row.phone.clone()).collect();
    let runs = a.runs.max(1);
    let pick = |v: &Vec<String>, i: usize| v.get(i % v.len().max(1)).cloned().unwrap_or_default();

    let statuses = ["new", "contacted", "info_sent", "quoted", "lost"];
    let first_pages: Vec<LeadQuery> = (0..runs)
        .map(|i| LeadQuery {
            status: Some(statuses[i % statuses.len()].into()),
            limit: 50,
            desc: true,
            ..Default::default()
        })
        .collect();
    time_queries(app, &admin, "list: status filter, newest first (admin)", &first_pages)
        .await?
        .print();
    let by_name: Vec<LeadQuery> = (0..runs)
        .map(|i| LeadQuery {
            source: Some(["fair", "meta", "google_ads"][i % 3].into()),
            sort: kervan_store::leads::SortKey::Name,
            limit: 50,
            desc: false,
            ..Default::default()
        })
        .collect();
    time_queries(app, &admin, "list: source filter, by name (admin)", &by_name)
        .await?
        .print();

    // Deep in the cursor chain: walk 200 pages, then time fetching the pages that follow.
    let mut q = LeadQuery {
        status: Some("new".into()),
        limit: 50,
        desc: true,
        ..Default::default()
    };
    let mut deep = Vec::new();
    for i in 0..(200 + runs) {
        let page = leads::list(app, &admin, &q).await.map_err(|e| e.to_string())?;
        let Some(last) = page.leads.last() else { break };
        q.after = Some(last.row.position(q.sort));
        if i >= 200 {
            deep.push(q.clone());
        }
        if !page.has_next {
            break;
        }
    }
    time_queries(app, &admin, "list: page 200+ of the cursor chain (admin)", &deep)
        .await?
        .print();

    if let Some(s) = &sales {
        time_queries(app, s, "list: status filter, newest first (sales rep)", &first_pages)
            .await?
            .print();
        let own_by_name: Vec<LeadQuery> = by_name
            .iter()
            .map(|q| LeadQuery {
                source: None,
                ..q.clone()
            })
            .collect();
        time_queries(app, s, "list: own leads by name (sales rep)", &own_by_name)
            .await?
            .print();
    }

    let name_q: Vec<LeadQuery> = (0..runs).map(|i| q_text(&pick(&names, i * 7))).collect();
    time_queries(app, &admin, "search: name fragment (admin)", &name_q)
        .await?
        .print();
    if let Some(s) = &sales {
        time_queries(app, s, "search: name fragment (sales rep)", &name_q)
            .await?
            .print();
    }
    let phone_q: Vec<LeadQuery> = (0..runs)
        .map(|i| {
            let p = pick(&phones, i * 3);
            // Alternate the forms people type: 0532 123 45 67, +90…, and a fragment.
            let national = p.trim_start_matches("+90").to_string();
            let text = match i % 3 {
                0 => format!(
                    "0{} {} {} {}",
                    &national.get(0..3).unwrap_or(""),
                    &national.get(3..6).unwrap_or(""),
                    &national.get(6..8).unwrap_or(""),
                    &national.get(8..).unwrap_or("")
                ),
                1 => p.clone(),
                _ => national.get(3..).unwrap_or("").to_string(),
            };
            q_text(&text)
        })
        .collect();
    time_queries(app, &admin, "search: phone, any form (admin)", &phone_q)
        .await?
        .print();
    let global: Vec<String> = (0..runs).map(|i| pick(&names, i * 11)).collect();
    let mut ms = vec![];
    for g in &global {
        let t = Instant::now();
        search::global(app, &admin, g, 8).await.map_err(|e| e.to_string())?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Stats {
        name: "global search box (8 hits, admin)".into(),
        ms,
    }
    .print();
    customers(app, &admin, sales.as_ref(), &names, &phones, runs).await
}

/// Issue 3's scenarios: global search across leads, accounts and contacts; a customer card with
/// 50 contacts and 1,000 history entries; a lead conversion. The card and conversions write
/// records named "Bench …" (made once, reused by later runs).
async fn customers(
    app: &App,
    admin: &Actor,
    sales: Option<&Actor>,
    names: &[String],
    phones: &[String],
    runs: usize,
) -> Result<(), String> {
    use kervan_app::{accounts, contacts, conversion};
    use kervan_core::accounts::AccountDraft;
    use kervan_core::contacts::ContactDraft;
    use kervan_core::leads::LeadDraft;

    let c = &app.db.conn;
    let err = |e: kervan_app::AppError| e.to_string();
    let n_acc = kervan_store::accounts::count_all(c).await.map_err(|e| e.to_string())?;
    let n_con = kervan_store::contacts::count_all(c).await.map_err(|e| e.to_string())?;
    println!("customers: {n_acc} accounts, {n_con} contacts");
    if n_acc == 0 {
        println!("(no accounts: run `kervan demo` with --accounts to measure the customer scenarios)");
        return Ok(());
    }
    let pick = |v: &[String], i: usize| v.get(i % v.len().max(1)).cloned().unwrap_or_default();
    for (label, actor) in [("admin", Some(admin)), ("sales rep", sales)] {
        let Some(actor) = actor else { continue };
        let mut ms = vec![];
        for i in 0..runs {
            // Alternate name fragments and phone numbers, as people type them.
            let text = if i % 4 == 3 {
                pick(phones, i)
            } else {
                pick(names, i * 13)
            };
            let t = Instant::now();
            search::global(app, actor, &text, 8).await.map_err(err)?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        Stats {
            name: format!("global search, leads+accounts+contacts ({label})"),
            ms,
        }
        .print();
    }

    // The card: one account with 50 people (an org chart) and 1,000 history entries.
    let q = kervan_store::accounts::AccountQuery {
        terms: vec!["bench holding".into()],
        include_passive: true,
        limit: 1,
        ..Default::default()
    };
    let existing = accounts::list(app, admin, &q).await.map_err(err)?.accounts;
    let id = match existing.first() {
        Some(a) => a.row.id,
        None => {
            let d = AccountDraft {
                kind: Some("company".into()),
                name: Some("Bench Holding A.Ş.".into()),
                city: Some("İstanbul".into()),
                ..Default::default()
            };
            let id = accounts::create(app, admin, &d, true).await.map_err(err)?;
            let mut boss = None;
            for i in 0..50 {
                let d = ContactDraft {
                    account_id: Some(id),
                    first_name: Some(format!("Kişi{i}")),
                    last_name: Some("Bench".into()),
                    title: Some("Müdür".into()),
                    buying_role: Some(if i == 0 { "decision_maker" } else { "user" }.into()),
                    reports_to_id: boss,
                    ..Default::default()
                };
                let cid = contacts::create(app, admin, &d, true).await.map_err(err)?;
                if i == 0 {
                    boss = Some(cid);
                }
            }
            for i in 0..1000 {
                let a = accounts::get(app, admin, id).await.map_err(err)?;
                let mut d = a.draft();
                d.notes = Some(format!("Görüşme notu {i}"));
                accounts::update(app, admin, id, a.row.version, &d, true)
                    .await
                    .map_err(err)?;
            }
            id
        }
    };
    let mut ms = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        let a = accounts::get(app, admin, id).await.map_err(err)?;
        let people = contacts::of_account(app, admin, id).await.map_err(err)?;
        let chart = contacts::org_chart(&people);
        let addresses = accounts::addresses(app, admin, id).await.map_err(err)?;
        let subs = accounts::subsidiaries(app, admin, id).await.map_err(err)?;
        let history = accounts::history(app, admin, id, 1000).await.map_err(err)?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box((a, chart, addresses, subs, history.len()));
    }
    Stats {
        name: "customer card: 50 contacts, 1,000 history entries".into(),
        ms,
    }
    .print();

    // Conversion: fresh leads with their own company, converted one by one (duplicate search included).
    let stamp = kervan_core::time::now_ms();
    let mut ms = vec![];
    for i in 0..runs {
        let d = LeadDraft {
            first_name: Some("Dönüşüm".into()),
            last_name: Some(format!("Bench{i}")),
            company: Some(format!("Bench {} Ltd. Şti.", letters(stamp as u64 * 1000 + i as u64))),
            phone: Some(format!(
                "0555 {:03} {:02} {:02}",
                i % 1000,
                (stamp / 100) % 100,
                stamp % 100
            )),
            source: Some("fair".into()),
            ..Default::default()
        };
        let lead_id = kervan_app::leads::create(app, admin, &d, true).await.map_err(err)?;
        let req = conversion::ConvertRequest {
            version: 1,
            ..Default::default()
        };
        let t = Instant::now();
        match conversion::convert(app, admin, lead_id, &req).await {
            Ok(_) => {}
            // A bench company that looks like an earlier one: attach is the user's answer.
            Err(kervan_app::AppError::Duplicate(_)) => {
                let req = conversion::ConvertRequest {
                    allow_duplicate: true,
                    ..req
                };
                conversion::convert(app, admin, lead_id, &req).await.map_err(err)?;
            }
            Err(e) => return Err(e.to_string()),
        }
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Stats {
        name: "convert a lead (with duplicate search)".into(),
        ms,
    }
    .print();
    Ok(())
}

/// Ten letters derived from `n`, scattered so that consecutive numbers give unrelated names
/// (like real companies, which are rarely a typo apart).
fn letters(n: u64) -> String {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5bd1_e995;
    (0..10)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from(b'a' + ((x >> 33) % 26) as u8)
        })
        .collect()
}
