//! Demo data: a sales team and as many realistic Turkish leads as asked for.
//!
//! A million leads must load in under a minute on a small machine, so the rows are not written
//! through [`crate::leads::create`] (one transaction, duplicate check and audit per lead) but
//! generated in memory and inserted in multi-row statements, many per transaction. The values are
//! built exactly as the real write path builds them (`sort_name`, `search_key`, E.164 phones,
//! folded tag keys); the tests check this against
//! [`kervan_core::leads::LeadDraft::validate`]. Demo data writes no
//! audit rows: nobody typed it.
//!
//! Generation runs on a blocking thread and hands batches to the writer through a small channel,
//! so building rows and writing them overlap on two cores.

use std::time::Instant;

use kervan_core::leads::{display_name, search_key};
use kervan_core::text::fold;
use kervan_core::time::now_ms;
use kervan_store::db::{exec, scalar_i64};
use kervan_store::users as user_store;
use kervan_store::{ConnectionTrait, DatabaseTransaction, TransactionTrait};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sea_orm::Value;

use crate::error::{AppError, Result};
use crate::users::{UserDraft, create as create_user};
use crate::{Actor, App};

/// The password of every demo user (`mudur1@demo.kervan.local`, `satis1@demo.kervan.local`, …).
/// Demo data is for trying Kervan out; change or deactivate these users on a real installation.
pub const DEMO_PASSWORD: &str = "demo-parola-123";

/// What [`generate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    /// Demo users (managers and sales reps, created now or found) the leads were spread over.
    pub users: usize,
    /// Leads inserted.
    pub leads: u64,
    /// Wall-clock time of the whole run.
    pub millis: u128,
}

const TEAM_1: &str = "Satış Ekibi 1";
const TEAM_2: &str = "Satış Ekibi 2";

/// The demo team: (e-mail, name, role, team, share of the leads).
/// Managers own a few leads too, as they do in small companies.
const DEMO_USERS: &[(&str, &str, &str, &str, u32)] = &[
    ("mudur1@demo.kervan.local", "Kemal Aydın", "manager", TEAM_1, 2),
    ("satis1@demo.kervan.local", "Elif Şahin", "sales", TEAM_1, 10),
    ("satis2@demo.kervan.local", "Burak Yıldırım", "sales", TEAM_1, 9),
    ("satis3@demo.kervan.local", "Zeynep Çelik", "sales", TEAM_1, 7),
    ("mudur2@demo.kervan.local", "Gülşen Öztürk", "manager", TEAM_2, 2),
    ("satis4@demo.kervan.local", "Oğuz Demir", "sales", TEAM_2, 10),
    ("satis5@demo.kervan.local", "Çağla Kaya", "sales", TEAM_2, 8),
    ("satis6@demo.kervan.local", "Tolga Güneş", "sales", TEAM_2, 6),
];

/// Rows per INSERT. A lead row binds 22 values, so 1,000 rows stay under SQLite's 32,766 and
/// PostgreSQL's 65,535 parameters per statement; tag rows (3 values, at most 2 per lead) too.
const BATCH: usize = 1_000;
/// Rows per transaction: large enough that commits cost nothing, small enough that the
/// SQLite WAL stays bounded and a failure loses little.
const CHUNK: u64 = 50_000;

/// The lead columns written, in the order [`push_lead`] binds them. A test pins this against
/// `kervan_store::leads::INSERT_COLUMNS`, so a new column there cannot silently shift values.
const LEAD_COLUMNS: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "company",
    "title",
    "email",
    "phone",
    "source",
    "source_detail",
    "campaign",
    "product_interest",
    "status",
    "lost_reason",
    "owner_id",
    "city",
    "sector",
    "notes",
    "sort_name",
    "search_key",
    "created_at",
    "updated_at",
    "created_by",
];

/// The FTS trigger of migration 1, recreated verbatim after a bulk load on SQLite.
const SQLITE_FTS_INSERT_TRIGGER: &str = "CREATE TRIGGER leads_fts_ai AFTER INSERT ON leads BEGIN
            INSERT INTO leads_fts(rowid, search_key) VALUES (new.id, new.search_key); END";

/// Fills the database with realistic Turkish demo data.
///
/// Creates the demo team ("Satış Ekibi 1" and "Satış Ekibi 2": `mudur1`/`mudur2` as managers,
/// `satis1`…`satis6` as sales reps, all `@demo.kervan.local`, password [`DEMO_PASSWORD`],
/// i.e. `demo-parola-123`) where those e-mails do not exist yet, then inserts `leads` leads owned
/// by them, spread over the last 365 days. `progress` is called with the number of leads written
/// so far after every batch. Running it again adds more leads; existing data is left alone.
pub async fn generate(app: &App, leads: u64, progress: impl Fn(u64)) -> Result<DemoReport> {
    let started = Instant::now();
    let owners = ensure_users(app).await?;
    let users = owners.len();
    let c = &app.db.conn;
    let first_id = scalar_i64(c, "SELECT COALESCE(MAX(id), 0) + 1 FROM leads", vec![])
        .await?
        .unwrap_or(1);
    let now = now_ms();
    let postgres = app.db.is_postgres();

    // Generation runs beside the writer; a bounded channel keeps at most a few batches in memory.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Batch>(4);
    let producer = tokio::task::spawn_blocking(move || {
        let mut g = Generator::new(first_id as u64 ^ 0x4b45_5256_414e, owners, now, leads);
        let mut i = 0u64;
        while i < leads {
            let n = (leads - i).min(BATCH as u64);
            let batch = g.batch(first_id + i as i64, i, n as usize);
            if tx.blocking_send(batch).is_err() {
                // The writer stopped (an error); it reports why.
                return;
            }
            i += n;
        }
    });

    let written = write_all(app, postgres, first_id, &mut rx, &progress).await;
    // Dropping the receiver lets a producer blocked on a full channel finish.
    drop(rx);
    let joined = producer.await;
    let written = written?;
    joined.map_err(|e| AppError::Internal(format!("demo generator failed: {e}")))?;
    if written != leads {
        return Err(AppError::Internal(format!(
            "demo generator stopped after {written} of {leads} leads"
        )));
    }
    if postgres && leads > 0 {
        // The ids were chosen here, so the identity sequence must be moved past them.
        scalar_i64(
            c,
            "SELECT setval(pg_get_serial_sequence('leads', 'id'), (SELECT MAX(id) FROM leads))",
            vec![],
        )
        .await?;
    }
    Ok(DemoReport {
        users,
        leads: written,
        millis: started.elapsed().as_millis(),
    })
}

/// Writes every batch the generator sends, `CHUNK` leads per transaction. Returns how many.
async fn write_all(
    app: &App,
    postgres: bool,
    first_id: i64,
    rx: &mut tokio::sync::mpsc::Receiver<Batch>,
    progress: &impl Fn(u64),
) -> Result<u64> {
    let mut done = 0u64;
    // The open transaction and the id of its first lead.
    let mut open: Option<(DatabaseTransaction, i64)> = None;
    let (mut t_wait, mut t_ins, mut t_fin) = (
        std::time::Duration::ZERO,
        std::time::Duration::ZERO,
        std::time::Duration::ZERO,
    );
    let mut t0 = Instant::now();
    while let Some(batch) = rx.recv().await {
        t_wait += t0.elapsed();
        t0 = Instant::now();
        let (t, _) = match open.take() {
            Some(o) => open.insert(o),
            None => {
                let t = app.db.conn.begin().await?;
                if !postgres {
                    // Filling the FTS index once per chunk from the table is cheaper than a
                    // trigger call per row. SQLite DDL is transactional: a failure restores it.
                    exec(&t, "DROP TRIGGER leads_fts_ai", vec![]).await?;
                }
                open.insert((t, first_id + done as i64))
            }
        };
        done += insert_batch(t, batch).await?;
        t_ins += t0.elapsed();
        t0 = Instant::now();
        progress(done);
        if done.is_multiple_of(CHUNK)
            && let Some((t, chunk_first)) = open.take()
        {
            finish_chunk(t, postgres, chunk_first).await?;
            t_fin += t0.elapsed();
            tracing::debug!("demo timing: done={done} wait={t_wait:?} insert={t_ins:?} finish={t_fin:?}");
        }
        t0 = Instant::now();
    }
    if let Some((t, chunk_first)) = open.take() {
        finish_chunk(t, postgres, chunk_first).await?;
    }
    Ok(done)
}

/// Completes a chunk's transaction: on SQLite indexes the chunk's rows for full-text search and
/// puts the trigger back, then commits.
async fn finish_chunk(t: DatabaseTransaction, postgres: bool, chunk_first: i64) -> Result<()> {
    if !postgres {
        exec(
            &t,
            "INSERT INTO leads_fts(rowid, search_key) SELECT id, search_key FROM leads WHERE id >= ?",
            vec![chunk_first.into()],
        )
        .await?;
        exec(&t, SQLITE_FTS_INSERT_TRIGGER, vec![]).await?;
    }
    t.commit().await?;
    Ok(())
}

/// Inserts one batch of leads and their tags. Returns the number of leads.
async fn insert_batch<C: ConnectionTrait>(c: &C, b: Batch) -> Result<u64> {
    if b.leads == 0 {
        return Ok(0);
    }
    exec(c, &insert_sql("leads", LEAD_COLUMNS, b.leads), b.lead_values).await?;
    if b.tags > 0 {
        exec(
            c,
            &insert_sql("lead_tags", &["lead_id", "tag", "tag_key"], b.tags),
            b.tag_values,
        )
        .await?;
    }
    Ok(b.leads as u64)
}

/// `INSERT INTO table (a, b) VALUES (?, ?), (?, ?), …` for `rows` rows.
fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let one = format!("({})", vec!["?"; columns.len()].join(", "));
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    sql.reserve(rows * (one.len() + 2));
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&one);
    }
    sql
}

/// Finds or creates the demo users; returns the active ones with their share of the leads.
async fn ensure_users(app: &App) -> Result<Vec<(i64, u32)>> {
    let system = Actor::system();
    let mut owners = Vec::new();
    for (email, name, role, team, share) in DEMO_USERS {
        let id = match user_store::by_email(&app.db.conn, email).await? {
            Some(u) if u.deactivated_at.is_some() => continue,
            Some(u) => u.id,
            None => {
                let d = UserDraft {
                    email: (*email).into(),
                    name: (*name).into(),
                    role: (*role).into(),
                    team: Some((*team).into()),
                    password: DEMO_PASSWORD.into(),
                };
                create_user(app, &system, &d).await?
            }
        };
        owners.push((id, *share));
    }
    if owners.is_empty() {
        return Err(AppError::Internal(
            "every demo user is deactivated; no one can own demo leads".into(),
        ));
    }
    Ok(owners)
}

/// One batch of rows, values already in column order.
struct Batch {
    leads: usize,
    lead_values: Vec<Value>,
    tags: usize,
    tag_values: Vec<Value>,
}

/// One generated lead, with the derived columns computed as the real write path does.
#[derive(Debug, Clone)]
struct DemoLead {
    id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    title: Option<&'static str>,
    email: Option<String>,
    /// E.164.
    phone: Option<String>,
    source: &'static str,
    source_detail: Option<String>,
    campaign: Option<&'static str>,
    product_interest: Option<&'static str>,
    status: &'static str,
    lost_reason: Option<&'static str>,
    owner_id: i64,
    city: Option<&'static str>,
    sector: Option<&'static str>,
    notes: Option<&'static str>,
    /// (tag, folded key)
    tags: Vec<(&'static str, &'static str)>,
    sort_name: String,
    search_key: String,
    created_at: i64,
    updated_at: i64,
}

impl DemoLead {
    /// The lead as a person would have typed it, for checking it against the domain rules.
    #[cfg(test)]
    fn draft(&self) -> kervan_core::leads::LeadDraft {
        kervan_core::leads::LeadDraft {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            company: self.company.clone(),
            title: self.title.map(Into::into),
            email: self.email.clone(),
            phone: self.phone.clone(),
            source: Some(self.source.into()),
            source_detail: self.source_detail.clone(),
            campaign: self.campaign.map(Into::into),
            product_interest: self.product_interest.map(Into::into),
            status: Some(self.status.into()),
            lost_reason: self.lost_reason.map(Into::into),
            owner_id: Some(self.owner_id),
            city: self.city.map(Into::into),
            sector: self.sector.map(Into::into),
            tags: self.tags.iter().map(|(t, _)| (*t).to_string()).collect(),
            notes: self.notes.map(Into::into),
        }
    }
}

fn opt(s: Option<&'static str>) -> Value {
    s.map(str::to_string).into()
}

/// Appends the lead's values in [`LEAD_COLUMNS`] order.
fn push_lead(v: &mut Vec<Value>, l: DemoLead) {
    v.push(l.id.into());
    v.push(l.first_name.into());
    v.push(l.last_name.into());
    v.push(l.company.into());
    v.push(opt(l.title));
    v.push(l.email.into());
    v.push(l.phone.into());
    v.push(l.source.into());
    v.push(l.source_detail.into());
    v.push(opt(l.campaign));
    v.push(opt(l.product_interest));
    v.push(l.status.into());
    v.push(opt(l.lost_reason));
    v.push(l.owner_id.into());
    v.push(opt(l.city));
    v.push(opt(l.sector));
    v.push(opt(l.notes));
    v.push(l.sort_name.into());
    v.push(l.search_key.into());
    v.push(l.created_at.into());
    v.push(l.updated_at.into());
    // Demo leads were "entered" by their owners.
    v.push(l.owner_id.into());
}

/// Picks among weighted choices with one random draw and a binary search.
#[derive(Debug, Clone)]
struct Weighted {
    cumulative: Vec<u32>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = u32>) -> Weighted {
        let mut total = 0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    fn pick(&self, rng: &mut SmallRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let x = rng.random_range(0..total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

fn one<T: Copy>(rng: &mut SmallRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

const DAY_MS: i64 = 86_400_000;
const YEAR_MS: i64 = 365 * DAY_MS;

/// Builds leads. Deterministic for a seed, so a failing check can be replayed.
struct Generator {
    rng: SmallRng,
    now: i64,
    total: u64,
    owners: Vec<i64>,
    owner_w: Weighted,
    first_folded: Vec<String>,
    last_folded: Vec<String>,
    city_w: Weighted,
    source_w: Weighted,
    sector_w: Weighted,
    suffix_w: Weighted,
    provider_w: Weighted,
    /// Status weights by age: under 3 days, under 2 weeks, under 2 months, older.
    status_w: [Weighted; 4],
    /// Company name prefixes folded for e-mail domains.
    prefix_folded: Vec<String>,
    /// Sector words folded for e-mail domains, per sector.
    word_folded: Vec<Vec<String>>,
}

impl Generator {
    fn new(seed: u64, owners: Vec<(i64, u32)>, now: i64, total: u64) -> Generator {
        let ascii = |s: &str| fold(s).replace([' ', '.', '-'], "");
        Generator {
            rng: SmallRng::seed_from_u64(seed),
            now,
            total: total.max(1),
            owner_w: Weighted::new(owners.iter().map(|o| o.1)),
            owners: owners.into_iter().map(|o| o.0).collect(),
            first_folded: FIRST_NAMES.iter().map(|n| ascii(n)).collect(),
            last_folded: LAST_NAMES.iter().map(|n| ascii(n)).collect(),
            city_w: Weighted::new(CITIES.iter().map(|c| c.1)),
            source_w: Weighted::new(SOURCES.iter().map(|s| s.1)),
            sector_w: Weighted::new(SECTORS.iter().map(|s| s.1)),
            suffix_w: Weighted::new(COMPANY_SUFFIXES.iter().map(|s| s.1)),
            provider_w: Weighted::new(MAIL_PROVIDERS.iter().map(|p| p.1)),
            status_w: [
                Weighted::new([80, 20, 0, 0, 0]),
                Weighted::new([45, 30, 15, 5, 5]),
                Weighted::new([20, 30, 20, 15, 15]),
                Weighted::new([10, 25, 20, 20, 25]),
            ],
            prefix_folded: COMPANY_PREFIXES.iter().map(|p| ascii(p)).collect(),
            word_folded: SECTORS.iter().map(|s| s.2.iter().map(|w| ascii(w)).collect()).collect(),
        }
    }

    /// `n` leads with ids from `first_id`; `index` is the position of the first in the run.
    fn batch(&mut self, first_id: i64, index: u64, n: usize) -> Batch {
        let mut lead_values = Vec::with_capacity(n * LEAD_COLUMNS.len());
        let mut tag_values = Vec::new();
        let mut tags = 0;
        for k in 0..n {
            let l = self.lead(first_id + k as i64, index + k as u64);
            for (tag, key) in &l.tags {
                tag_values.push(l.id.into());
                tag_values.push((*tag).into());
                tag_values.push((*key).into());
                tags += 1;
            }
            push_lead(&mut lead_values, l);
        }
        Batch {
            leads: n,
            lead_values,
            tags,
            tag_values,
        }
    }

    /// Creation times rise with the id (as they do in a real table, which also keeps the
    /// `created_at` indexes append-only during the load), denser towards today: a growing business.
    fn created_at(&mut self, index: u64) -> i64 {
        let x = (index as f64 + self.rng.random::<f64>()) / self.total as f64;
        // Density 1 + t on [0, 1], normalised; this is the inverse of its distribution function.
        let t = (1.0 + 3.0 * x).sqrt() - 1.0;
        self.now - YEAR_MS + (t * YEAR_MS as f64) as i64
    }

    fn lead(&mut self, id: i64, index: u64) -> DemoLead {
        let created_at = self.created_at(index).min(self.now);
        let age_days = (self.now - created_at) / DAY_MS;
        let rng = &mut self.rng;

        let source = SOURCES[self.source_w.pick(rng)].0;
        let city = if rng.random_bool(0.92) {
            Some(CITIES[self.city_w.pick(rng)].0)
        } else {
            None
        };

        // ~60% of leads come with a company; a tenth of those name no person (an info@ form).
        let company_sector = if rng.random_bool(0.6) {
            Some(self.sector_w.pick(rng))
        } else {
            None
        };
        let has_person = company_sector.is_none() || rng.random_bool(0.9);
        let (first_i, last_i) = (
            rng.random_range(0..FIRST_NAMES.len()),
            rng.random_range(0..LAST_NAMES.len()),
        );
        let (first_name, last_name) = if has_person {
            let mut first = FIRST_NAMES[first_i].to_string();
            // Double first names are common: "Mehmet Ali", "Ayşe Nur".
            if rng.random_bool(0.05) {
                first.push(' ');
                first.push_str(one(rng, SECOND_NAMES));
            }
            (Some(first), Some(LAST_NAMES[last_i].to_string()))
        } else {
            (None, None)
        };

        let mut domain = None;
        let company = company_sector.map(|s| {
            let (_, _, words) = SECTORS[s];
            let w = rng.random_range(0..words.len());
            let suffix = COMPANY_SUFFIXES[self.suffix_w.pick(rng)].0;
            let family = rng.random_range(0..LAST_NAMES.len());
            let (name, base) = match rng.random_range(0..20) {
                0..13 => {
                    let p = rng.random_range(0..COMPANY_PREFIXES.len());
                    (
                        format!("{} {}", COMPANY_PREFIXES[p], words[w]),
                        format!("{}{}", self.prefix_folded[p], self.word_folded[s][w]),
                    )
                }
                13..18 => (
                    format!("{} {}", LAST_NAMES[family], words[w]),
                    format!("{}{}", self.last_folded[family], self.word_folded[s][w]),
                ),
                _ => (
                    format!("{} Kardeşler {}", LAST_NAMES[family], words[w]),
                    format!("{}kardesler", self.last_folded[family]),
                ),
            };
            // The same company always gets the same top-level domain.
            let tld = if base.len() % 3 == 0 { "com" } else { "com.tr" };
            domain = Some(format!("{base}.{tld}"));
            format!("{name} {suffix}")
        });
        let sector = match company_sector {
            Some(s) => Some(SECTORS[s].0),
            None if rng.random_bool(0.3) => Some(SECTORS[self.sector_w.pick(rng)].0),
            None => None,
        };

        let title = match (has_person, company.is_some()) {
            (true, true) if rng.random_bool(0.8) => Some(one(rng, TITLES)),
            (true, false) if rng.random_bool(0.15) => Some(one(rng, PERSONAL_TITLES)),
            _ => None,
        };

        // Contact details: WhatsApp leads always have a mobile, e-mail leads an address.
        let mut wants_phone = source == "whatsapp" || source == "phone" || rng.random_bool(0.85);
        let wants_email = source == "email" || source == "web_form" || rng.random_bool(0.65);
        if !wants_phone && !wants_email {
            wants_phone = true;
        }
        let phone = if wants_phone {
            let landline = !has_person && source != "whatsapp" && rng.random_bool(0.7);
            let code = city
                .and_then(|c| AREA_CODES.iter().find(|a| a.0 == c))
                .map(|a| one(rng, a.1));
            Some(match (landline, code) {
                (true, Some(code)) => {
                    format!("+90{code}{}", rng.random_range(2_000_000..9_999_999))
                }
                _ => mobile(id),
            })
        } else {
            None
        };
        let email = if wants_email {
            let (f, l) = (&self.first_folded[first_i], &self.last_folded[last_i]);
            Some(match (&domain, has_person) {
                (Some(d), true) => match rng.random_range(0..10) {
                    0..6 => format!("{f}.{l}@{d}"),
                    6..8 => format!("{}{l}@{d}", &f[..1]),
                    _ => format!("{f}@{d}"),
                },
                (Some(d), false) => format!("{}@{d}", one(rng, ROLE_MAILBOXES)),
                (None, _) => {
                    let provider = MAIL_PROVIDERS[self.provider_w.pick(rng)].0;
                    match rng.random_range(0..10) {
                        0..4 => format!("{f}.{l}@{provider}"),
                        4..7 => format!("{f}{l}{}@{provider}", rng.random_range(1965..2004)),
                        _ => format!("{f}.{l}{}@{provider}", rng.random_range(1..100)),
                    }
                }
            })
        } else {
            None
        };

        let (source_detail, campaign) = source_details(rng, source);
        let product_interest = if rng.random_bool(0.7) {
            Some(one(rng, PRODUCTS))
        } else {
            None
        };

        // Older leads have been worked on; this week's are mostly still new.
        let by_age = match age_days {
            0..3 => 0,
            3..14 => 1,
            14..60 => 2,
            _ => 3,
        };
        let status = STATUSES[self.status_w[by_age].pick(rng)];
        let lost_reason = if status == "lost" {
            Some(one(rng, LOST_REASONS))
        } else {
            None
        };
        let updated_at = if status == "new" {
            created_at
        } else {
            let span = (self.now - created_at).min(45 * DAY_MS);
            created_at + if span > 0 { rng.random_range(0..=span) } else { 0 }
        };

        let mut tags = Vec::new();
        if rng.random_bool(0.3) {
            let first = if source == "fair" && rng.random_bool(0.5) {
                3
            } else {
                rng.random_range(0..TAGS.len())
            };
            tags.push(TAGS[first]);
            if rng.random_bool(0.35) {
                let second = rng.random_range(0..TAGS.len());
                if second != first {
                    tags.push(TAGS[second]);
                }
            }
        }
        let notes = if rng.random_bool(0.12) {
            Some(one(rng, NOTES))
        } else {
            None
        };
        let owner_id = self.owners[self.owner_w.pick(rng)];

        let sort_name = fold(&display_name(
            first_name.as_deref(),
            last_name.as_deref(),
            company.as_deref(),
        ));
        let search_key = demo_search_key(
            first_name.as_deref(),
            last_name.as_deref(),
            company.as_deref(),
            email.as_deref(),
            phone.as_deref(),
            city,
        );
        DemoLead {
            id,
            first_name,
            last_name,
            company,
            title,
            email,
            phone,
            source,
            source_detail,
            campaign,
            product_interest,
            status,
            lost_reason,
            owner_id,
            city,
            sector,
            notes,
            tags,
            sort_name,
            search_key,
            created_at,
            updated_at,
        }
    }
}

/// The search key exactly as `LeadFields::search_key` builds it, from an already E.164 phone
/// and an already lower-case e-mail (what validation would have made of them).
fn demo_search_key(
    first: Option<&str>,
    last: Option<&str>,
    company: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
    city: Option<&str>,
) -> String {
    let phone = phone.map(|p| {
        let national = p.strip_prefix("+90").unwrap_or_else(|| p.trim_start_matches('+'));
        format!("{p} 0{national}")
    });
    search_key(&[first, last, company, email, phone.as_deref(), city])
}

/// A Turkish mobile number that no other demo lead has: the id is mapped through a bijection
/// of the number space (multiplication by a unit modulo its size), so neighbours do not get
/// neighbouring numbers and reruns never repeat one.
fn mobile(id: i64) -> String {
    const SPACE: u64 = MOBILE_PREFIXES.len() as u64 * 10_000_000;
    // 48,271 is prime and divides neither 2, 5 nor the number of prefixes: a unit mod SPACE.
    let n = (id.unsigned_abs() % SPACE * 48_271 + 1_234_567) % SPACE;
    let prefix = MOBILE_PREFIXES[(n / 10_000_000) as usize];
    format!("+90{prefix}{:07}", n % 10_000_000)
}

fn source_details(rng: &mut SmallRng, source: &str) -> (Option<String>, Option<&'static str>) {
    let pick = |rng: &mut SmallRng, items: &[&'static str]| Some(one(rng, items).to_string());
    match source {
        "google_ads" => (
            pick(
                rng,
                &["Arama Ağı", "Performance Max", "YouTube", "Görüntülü Reklam Ağı"],
            ),
            Some(one(rng, GOOGLE_CAMPAIGNS)),
        ),
        "meta" => (
            pick(rng, &["Instagram", "Facebook", "Instagram Reels", "Messenger"]),
            Some(one(rng, META_CAMPAIGNS)),
        ),
        "web_form" => (
            pick(
                rng,
                &["İletişim formu", "Teklif iste formu", "Katalog indirme", "Demo talebi"],
            ),
            if rng.random_bool(0.3) {
                Some(one(
                    rng,
                    &["Bülten - Eylül", "Blog - Lazer Kesim Rehberi", "LinkedIn Gönderisi"],
                ))
            } else {
                None
            },
        ),
        "whatsapp" => {
            let d = one(
                rng,
                &[
                    "WhatsApp Business hattı",
                    "Web sitesi WhatsApp butonu",
                    "Click-to-WhatsApp reklamı",
                ],
            );
            (
                Some(d.to_string()),
                if d.starts_with("Click") {
                    Some("WhatsApp - Sonbahar Kampanyası")
                } else {
                    None
                },
            )
        }
        "fair" => (pick(rng, FAIRS), None),
        "referral" => (
            pick(
                rng,
                &[
                    "Mevcut müşteri tavsiyesi",
                    "Bayi yönlendirmesi",
                    "İş ortağı",
                    "Çalışan tavsiyesi",
                ],
            ),
            None,
        ),
        "organic" => (
            pick(
                rng,
                &[
                    "Google organik arama",
                    "LinkedIn",
                    "YouTube kanalı",
                    "Blog yazısı",
                    "Sektörel firma rehberi",
                ],
            ),
            None,
        ),
        "phone" => (pick(rng, &["Santral", "Doğrudan hat", "Geri arama talebi"]), None),
        "email" => (
            pick(rng, &["info@ adresi", "satis@ adresi", "Bülten yanıtı"]),
            if rng.random_bool(0.3) {
                Some("Bülten - Ekim")
            } else {
                None
            },
        ),
        _ => (
            pick(
                rng,
                &[
                    "Sektör dergisi ilanı",
                    "Radyo reklamı",
                    "Ticaret odası etkinliği",
                    "Billboard",
                ],
            ),
            None,
        ),
    }
}

const STATUSES: &[&str; 5] = &["new", "contacted", "info_sent", "quoted", "lost"];

/// The ten sources with how often each brings a lead.
const SOURCES: &[(&str, u32)] = &[
    ("google_ads", 22),
    ("meta", 14),
    ("web_form", 16),
    ("whatsapp", 10),
    ("fair", 9),
    ("referral", 9),
    ("organic", 7),
    ("phone", 6),
    ("email", 4),
    ("other", 3),
];

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "Ahmet", "Mehmet", "Mustafa", "Ali", "Hüseyin", "Hasan", "İbrahim", "İsmail", "Osman", "Yusuf", "Murat", "Ömer",
    "Ramazan", "Halil", "Süleyman", "Abdullah", "Mahmut", "Recep", "Salih", "Kemal", "Emre", "Burak", "Serkan",
    "Volkan", "Onur", "Cem", "Barış", "Çağrı", "Uğur", "Tolga", "Şükrü", "Eren", "Gökhan", "Oğuz", "Erdem",
    "Tuncay", "Sinan", "İlker", "Özgür", "Doğan", "Kaan", "Berk", "Arda", "Umut", "Levent", "Hakan", "Selçuk",
    "Ercan", "Cengiz", "Taner", "Metin", "Yavuz", "Fatih", "Işık", "Ayşe", "Fatma", "Emine", "Hatice", "Zeynep",
    "Elif", "Meryem", "Şerife", "Zehra", "Sultan", "Merve", "Özlem", "Esra", "Büşra", "Çağla", "Gül", "Gülşen",
    "Sevgi", "Derya", "Deniz", "Ebru", "Şule", "Tuğba", "Yasemin", "Pınar", "Nur", "Nihan", "Seda", "Dilek", "İpek",
    "Işıl", "Aslı", "Gizem", "Burcu", "Sibel", "Songül", "Hülya", "Canan", "Melek", "Ece", "Irmak", "Ceren",
    "Selin", "Buse", "Damla", "Öykü", "Gülay", "Nazlı",
];

const SECOND_NAMES: &[&str] = &["Ali", "Can", "Nur", "Emre", "Gül", "Kaan", "Su", "Naz"];

#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Yılmaz", "Kaya", "Demir", "Çelik", "Şahin", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir", "Arslan",
    "Doğan", "Kılıç", "Aslan", "Çetin", "Kara", "Koç", "Kurt", "Özkan", "Şimşek", "Polat", "Özcan", "Korkmaz",
    "Çakır", "Erdoğan", "Yavuz", "Can", "Acar", "Şen", "Aktaş", "Güler", "Yalçın", "Güneş", "Bozkurt", "Bulut",
    "Keskin", "Ünal", "Turan", "Gül", "Özer", "Işık", "Kaplan", "Avcı", "Sarı", "Tekin", "Taş", "Köse", "Yüksel",
    "Ateş", "Aksoy", "Karataş", "Uçar", "Uysal", "Tuncer", "Ekinci", "Başaran", "Erdem", "Altun", "Çiftçi",
    "Sönmez", "Ölmez", "İnce", "Akgül", "Durmaz", "Şeker", "Güngör", "Toprak", "Eren", "Kocabaş", "Karakaya",
    "Oğuz", "Akın", "Gündoğdu", "Bayram", "Türkmen", "Çınar", "Akbulut", "Ergün", "Tunç", "Duman", "İpekçi",
    "Öncel", "Dalkıran",
];

#[rustfmt::skip]
const COMPANY_PREFIXES: &[&str] = &[
    "Anadolu", "Ege", "Marmara", "Karadeniz", "Akdeniz", "Boğaziçi", "Toros", "Kuzey", "Güney", "Yıldız", "Doruk",
    "Zirve", "Atlas", "Başak", "Çınar", "Güven", "Birlik", "Kartal", "Ufuk", "Ekin", "Yeni", "Mavi", "Selçuklu",
    "Hisar", "Uludağ", "Erciyes", "Kaçkar", "Kapadokya", "Trakya", "Özgür", "Kale", "Tuna", "Fırat", "Dicle",
    "Asya", "Ata", "Efe", "Öz", "Ak", "Gök",
];

/// (sector, weight, words a company of that sector puts in its name)
const SECTORS: &[(&str, u32, &[&str])] = &[
    ("Metal", 14, &["Metal", "Çelik", "Döküm", "Metal İşleme", "Profil"]),
    ("Otomotiv", 12, &["Otomotiv", "Oto Yedek Parça", "Araç Üstü Ekipman"]),
    ("Makine", 12, &["Makine", "Otomasyon", "Hidrolik", "Mühendislik"]),
    ("Tekstil", 9, &["Tekstil", "Konfeksiyon", "İplik", "Dokuma"]),
    ("Gıda", 9, &["Gıda", "Un", "Süt Ürünleri", "Unlu Mamuller"]),
    ("İnşaat", 9, &["İnşaat", "Yapı", "Yapı Malzemeleri"]),
    ("Plastik", 7, &["Plastik", "Ambalaj", "Kalıp"]),
    ("Mobilya", 6, &["Mobilya", "Ahşap", "Dekorasyon"]),
    ("Kimya", 6, &["Kimya", "Boya", "Temizlik Ürünleri"]),
    ("Lojistik", 5, &["Lojistik", "Nakliyat", "Taşımacılık"]),
    ("Enerji", 4, &["Enerji", "Elektrik", "Güneş Enerjisi"]),
    ("Elektronik", 4, &["Elektronik", "Elektrik Elektronik"]),
    ("Tarım", 3, &["Tarım", "Tohumculuk", "Tarım Makineleri"]),
    ("Medikal", 2, &["Medikal", "Sağlık Ürünleri"]),
    ("Bilişim", 2, &["Bilişim", "Yazılım"]),
];

const COMPANY_SUFFIXES: &[(&str, u32)] = &[
    ("San. ve Tic. A.Ş.", 30),
    ("San. ve Tic. Ltd. Şti.", 25),
    ("Ltd. Şti.", 15),
    ("A.Ş.", 10),
    ("Tic. Ltd. Şti.", 10),
    ("Dış Tic. A.Ş.", 5),
    ("İth. İhr. San. Tic. Ltd. Şti.", 5),
];

const MAIL_PROVIDERS: &[(&str, u32)] = &[
    ("gmail.com", 55),
    ("hotmail.com", 18),
    ("outlook.com", 8),
    ("yahoo.com", 6),
    ("icloud.com", 5),
    ("yandex.com", 4),
    ("windowslive.com", 2),
];

const ROLE_MAILBOXES: &[&str] = &["info", "satinalma", "iletisim", "teklif", "muhasebe"];

const TITLES: &[&str] = &[
    "Satın Alma Müdürü",
    "Genel Müdür",
    "İşletme Sahibi",
    "Satın Alma Uzmanı",
    "Üretim Müdürü",
    "Teknik Müdür",
    "Fabrika Müdürü",
    "Proje Müdürü",
    "Muhasebe Müdürü",
    "Kalite Sorumlusu",
    "Dış Ticaret Uzmanı",
    "Makine Mühendisi",
    "Ar-Ge Mühendisi",
    "Planlama Şefi",
    "Bakım Şefi",
    "Yönetim Kurulu Başkanı",
    "Şirket Ortağı",
];

const PERSONAL_TITLES: &[&str] = &["Serbest Meslek", "Esnaf", "Mühendis", "Danışman"];

/// The demo company sells sheet-metal machinery and service.
const PRODUCTS: &[&str] = &[
    "Fiber lazer kesim makinesi",
    "CNC abkant pres",
    "Plazma kesim makinesi",
    "Boru profil lazer",
    "Giyotin makas",
    "Kaynak robotu",
    "Yedek parça",
    "Periyodik bakım anlaşması",
    "Operatör eğitimi",
    "İkinci el makine",
    "Otomasyon hattı",
    "Vidalı kompresör",
];

const FAIRS: &[&str] = &[
    "Metal Expo 2025",
    "WIN Eurasia 2026",
    "Yapı Fuarı 2025",
    "Automechanika İstanbul 2025",
    "MAKTEK Avrasya 2025",
    "Plast Eurasia 2025",
    "Konya Tarım Fuarı 2026",
    "İzmir Enternasyonal Fuarı 2025",
];

const GOOGLE_CAMPAIGNS: &[&str] = &[
    "Lazer Kesim - Arama",
    "CNC Abkant - Arama",
    "Marka Kampanyası",
    "Rakip Kelimeler",
    "Yeniden Pazarlama",
    "Performance Max - Genel",
    "İhracat - İngilizce",
];

const META_CAMPAIGNS: &[&str] = &[
    "Lead Form - Sonbahar",
    "Fuar Duyurusu",
    "Ürün Tanıtım Videosu",
    "Kampanyalı Fiyat - Ocak",
    "Yeniden Pazarlama",
];

const LOST_REASONS: &[&str] = &[
    "Fiyat yüksek bulundu",
    "Rakip firmayı tercih etti",
    "Bütçe ayrılmadı",
    "Ulaşılamadı",
    "Proje ertelendi",
    "İhtiyaç ortadan kalktı",
    "Teslim süresi uzun bulundu",
    "Finansman bulunamadı",
];

/// (tag, its folded key) — keys written as `fold(tag)` would make them; a test checks.
const TAGS: &[(&str, &str)] = &[
    ("İhracat", "ihracat"),
    ("Sıcak", "sicak"),
    ("Bayi", "bayi"),
    ("Fuar 2025", "fuar 2025"),
    ("VIP", "vip"),
    ("Geri Aranacak", "geri aranacak"),
    ("Kamu İhalesi", "kamu ihalesi"),
    ("Büyük Proje", "buyuk proje"),
];

const NOTES: &[&str] = &[
    "Ay sonunda tekrar aranacak.",
    "Katalog e-posta ile gönderildi.",
    "Karar verici genel müdür; fiyatı o onaylıyor.",
    "Fuarda standımızı ziyaret etti, numune istedi.",
    "Mevcut makinesi 10 yaşında, yenilemeyi düşünüyor.",
    "Vadeli ödeme seçeneği soruldu.",
    "Showroom ziyareti planlandı.",
    "İngilizce yazışmayı tercih ediyor.",
    "Bütçe onayı yılbaşından sonra.",
    "Rakip teklifini paylaştı, fiyat karşılaştırması yapıyor.",
];

/// Mobile operator prefixes (Turkcell 53x, Vodafone 54x, Türk Telekom 50x/55x).
#[rustfmt::skip]
const MOBILE_PREFIXES: &[u16] = &[
    501, 505, 506, 507, 530, 531, 532, 533, 534, 535, 536, 537, 538, 539, 541, 542, 543, 544, 545,
    546, 547, 548, 549, 551, 552, 553, 554, 555, 559,
];

/// Landline area codes of the cities where companies most often call from.
const AREA_CODES: &[(&str, &[u16])] = &[
    ("İstanbul", &[212, 216]),
    ("Ankara", &[312]),
    ("İzmir", &[232]),
    ("Bursa", &[224]),
    ("Kocaeli", &[262]),
    ("Konya", &[332]),
    ("Antalya", &[242]),
    ("Kayseri", &[352]),
    ("Gaziantep", &[342]),
    ("Adana", &[322]),
    ("Manisa", &[236]),
    ("Denizli", &[258]),
    ("Sakarya", &[264]),
    ("Tekirdağ", &[282]),
    ("Eskişehir", &[222]),
    ("Mersin", &[324]),
    ("Samsun", &[362]),
];

/// All 81 provinces, weighted roughly by how much business comes from each.
#[rustfmt::skip]
const CITIES: &[(&str, u32)] = &[
    ("İstanbul", 300), ("Ankara", 90), ("İzmir", 80), ("Bursa", 60), ("Kocaeli", 50), ("Konya", 40),
    ("Antalya", 35), ("Kayseri", 30), ("Gaziantep", 30), ("Adana", 28), ("Manisa", 22), ("Denizli", 20),
    ("Sakarya", 20), ("Tekirdağ", 20), ("Eskişehir", 18), ("Mersin", 18), ("Samsun", 14), ("Hatay", 12),
    ("Balıkesir", 12), ("Kahramanmaraş", 10), ("Aydın", 10), ("Trabzon", 10), ("Malatya", 8), ("Çorum", 7),
    ("Afyonkarahisar", 7), ("Uşak", 6), ("Kütahya", 6), ("Bolu", 6), ("Diyarbakır", 6), ("Muğla", 6),
    ("Şanlıurfa", 6), ("Düzce", 5), ("Çanakkale", 5), ("Edirne", 5), ("Elazığ", 5), ("Erzurum", 5),
    ("Kırklareli", 5), ("Ordu", 5), ("Sivas", 5), ("Yalova", 5), ("Zonguldak", 5), ("Isparta", 4), ("Karabük", 4),
    ("Karaman", 4), ("Kırıkkale", 4), ("Osmaniye", 4), ("Van", 4), ("Adıyaman", 3), ("Aksaray", 3), ("Amasya", 3),
    ("Bilecik", 3), ("Burdur", 3), ("Giresun", 3), ("Kastamonu", 3), ("Mardin", 3), ("Nevşehir", 3), ("Niğde", 3),
    ("Rize", 3), ("Tokat", 3), ("Yozgat", 3), ("Batman", 2), ("Bartın", 2), ("Çankırı", 2), ("Erzincan", 2),
    ("Kırşehir", 2), ("Sinop", 2), ("Artvin", 2), ("Ağrı", 1), ("Ardahan", 1), ("Bayburt", 1), ("Bingöl", 1),
    ("Bitlis", 1), ("Gümüşhane", 1), ("Hakkari", 1), ("Iğdır", 1), ("Kars", 1), ("Kilis", 1), ("Muş", 1),
    ("Siirt", 1), ("Şırnak", 1), ("Tunceli", 1),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn generator(seed: u64, total: u64) -> Generator {
        Generator::new(seed, vec![(11, 5), (12, 3), (13, 1)], 1_767_225_600_000, total)
    }

    fn leads(seed: u64, n: u64) -> Vec<DemoLead> {
        let mut g = generator(seed, n);
        (0..n).map(|i| g.lead(1 + i as i64, i)).collect()
    }

    #[test]
    fn generated_leads_obey_the_domain_rules_and_match_the_real_derived_values() {
        for l in leads(7, 3_000) {
            let f = match l.draft().validate() {
                Ok(f) => f,
                Err(e) => panic!("{l:?} does not validate: {e:?}"),
            };
            // The fast path must write what the real path would have written.
            assert_eq!(f.phone.as_ref().map(|p| p.to_string()), l.phone, "{l:?}");
            assert_eq!(f.email.as_ref().map(|e| e.to_string()), l.email, "{l:?}");
            assert_eq!(f.search_key(), l.search_key, "{l:?}");
            assert_eq!(fold(&f.display_name()), l.sort_name, "{l:?}");
            assert_eq!(f.tags, l.tags.iter().map(|t| t.0.to_string()).collect::<Vec<_>>());
            assert_eq!(f.lost_reason.as_deref(), l.lost_reason);
            assert_ne!(l.status, "converted");
            assert!(l.updated_at >= l.created_at);
        }
    }

    #[test]
    fn the_data_looks_like_a_real_pipeline() {
        let all = leads(3, 20_000);
        let share = |p: &dyn Fn(&DemoLead) -> bool| all.iter().filter(|l| p(l)).count() as f64 / all.len() as f64;
        let company = share(&|l| l.company.is_some());
        assert!((0.55..0.65).contains(&company), "{company}");
        let tagged = share(&|l| !l.tags.is_empty());
        assert!((0.25..0.35).contains(&tagged), "{tagged}");
        for (s, _) in SOURCES {
            assert!(all.iter().any(|l| l.source == *s), "{s}");
        }
        for s in STATUSES {
            assert!(all.iter().any(|l| l.status == *s), "{s}");
        }
        let istanbul = share(&|l| l.city == Some("İstanbul"));
        assert!((0.18..0.26).contains(&istanbul), "{istanbul}");
        assert!(
            all.iter()
                .all(|l| { l.source != "fair" || l.source_detail.as_deref().is_some_and(|d| FAIRS.contains(&d)) })
        );
        assert!(
            all.iter()
                .all(|l| !matches!(l.source, "google_ads" | "meta") || l.campaign.is_some())
        );
        assert!(all.iter().all(|l| [11, 12, 13].contains(&l.owner_id)));
        // Creation times rise with the id and span the year before `now`.
        assert!(all.windows(2).all(|w| w[0].created_at <= w[1].created_at));
        let now = 1_767_225_600_000;
        assert!(all[0].created_at >= now - YEAR_MS && all[0].created_at < now - YEAR_MS + 30 * DAY_MS);
        assert!(all[all.len() - 1].created_at > now - DAY_MS && all[all.len() - 1].created_at <= now);
        // Mobile numbers never repeat.
        let mut phones: Vec<_> = all
            .iter()
            .filter_map(|l| l.phone.clone())
            .filter(|p| p.starts_with("+905"))
            .collect();
        let n = phones.len();
        phones.sort();
        phones.dedup();
        assert_eq!(phones.len(), n);
    }

    #[test]
    fn every_mobile_prefix_and_area_code_is_a_valid_number() {
        for id in 0..(MOBILE_PREFIXES.len() as i64 * 40) {
            let m = mobile(id * 7_654_321);
            assert_eq!(kervan_core::Phone::parse(&m).map(|p| p.to_string()), Ok(m.clone()));
        }
        for (_, codes) in AREA_CODES {
            for code in *codes {
                for rest in [2_000_000, 5_555_555, 9_999_998] {
                    let n = format!("+90{code}{rest}");
                    assert_eq!(kervan_core::Phone::parse(&n).map(|p| p.to_string()), Ok(n.clone()));
                }
            }
        }
    }

    #[test]
    fn tables_are_consistent() {
        assert_eq!(CITIES.len(), 81);
        let mut names: Vec<_> = CITIES.iter().map(|c| c.0).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 81);
        for (city, _) in AREA_CODES {
            assert!(CITIES.iter().any(|c| c.0 == *city), "{city}");
        }
        for (tag, key) in TAGS {
            assert_eq!(fold(tag), *key);
        }
        let columns: Vec<String> = kervan_store::leads::INSERT_COLUMNS
            .split(',')
            .map(|c| c.trim().to_string())
            .collect();
        assert_eq!(columns, LEAD_COLUMNS[1..].to_vec());
    }

    #[test]
    fn weighted_picks_follow_the_weights() {
        let w = Weighted::new([1, 0, 3]);
        let mut rng = SmallRng::seed_from_u64(1);
        let mut seen = [0; 3];
        for _ in 0..40_000 {
            seen[w.pick(&mut rng)] += 1;
        }
        assert_eq!(seen[1], 0);
        assert!((9_000..11_000).contains(&seen[0]), "{seen:?}");
    }

    #[test]
    fn insert_sql_has_one_placeholder_per_value() {
        let sql = insert_sql("lead_tags", &["lead_id", "tag", "tag_key"], 2);
        assert_eq!(
            sql,
            "INSERT INTO lead_tags (lead_id, tag, tag_key) VALUES (?, ?, ?), (?, ?, ?)"
        );
        let mut g = generator(1, 10);
        let b = g.batch(1, 0, 10);
        assert_eq!(b.lead_values.len(), 10 * LEAD_COLUMNS.len());
        assert_eq!(b.tag_values.len(), 3 * b.tags);
        assert!(BATCH * LEAD_COLUMNS.len() < 32_766);
    }
}
