//! Demo data: a sales team and as many realistic Turkish leads as asked for.
//!
//! A million leads must load in under a minute on a small machine, so the rows are not written
//! through the record kit (one transaction, duplicate check and audit per lead) but
//! generated in memory and written in bulk: multi-row `INSERT`s on SQLite, `COPY` on
//! PostgreSQL (where multi-row `INSERT`s alone took about 40 s for a million rows, `COPY` 10 s).
//! The values are built exactly as the real write path builds them (`sort_name`, `search_key`,
//! E.164 phones, folded tag keys); the tests check this against the kit's own reading of the
//! same input and the leads module's derived keys. Demo data writes no
//! audit rows: nobody typed it.
//!
//! Generation runs on a blocking thread and hands batches to the writer through a small channel,
//! so building rows and writing them overlap on two cores.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Instant;

use kervan_core::text::fold;
use kervan_core::time::now_ms;
use kervan_store::db::scalar_i64;
use kervan_store::users as user_store;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sea_orm::DatabaseConnectionType;
// The bulk paths talk to the driver directly: COPY has no SeaORM API, and SeaORM's own binding
// copies every value once more than these million-row loads can afford. Every statement sent
// is our own text or one read back from the database catalog, never user input.
use sea_orm::sqlx::sqlite::SqliteArguments;
use sea_orm::sqlx::{self, Arguments, AssertSqlSafe, PgConnection, PgPool, SqlitePool};
use tokio::sync::mpsc::Receiver;

use crate::error::{AppError, Result};
use crate::users::{UserDraft, create as create_user};
use crate::{Actor, App};

/// The password of every demo user (`mudur1@demo.kervan.local`, `satis1@demo.kervan.local`, …).
/// Demo data is for trying Kervan out; change or deactivate these users on a real installation.
pub const DEMO_PASSWORD: &str = "demo-parola-123";

/// The budget ranges of the demo's "Bütçe aralığı" field: `(key, label)`, the key being the one
/// the kit gives the label (checked when the field is created: values with any other key would
/// match no filter and show in no card).
const BUDGETS: &[(&str, &str)] = &[
    ("f_100_bin_alti", "100 bin altı"),
    ("f_100_500_bin", "100-500 bin"),
    ("f_500_bin_1_milyon", "500 bin - 1 milyon"),
    ("f_1_5_milyon", "1-5 milyon"),
    ("f_5_milyon_ustu", "5 milyon üstü"),
];

/// The custom fields a fair-going business adds to its leads: `(key, label, type, filterable)`.
/// The demo creates them (when missing) so lists, filters and the benchmark have real ones.
const CUSTOM_FIELDS: &[(&str, &str, &str, bool)] = &[
    ("butce_araligi", "Bütçe aralığı", "choice", true),
    ("tahmini_satin_alma_tarihi", "Tahmini satın alma tarihi", "date", false),
    ("stand_m", "Stand m²", "number", false),
    ("ayrilan_butce", "Ayrılan bütçe", "money", true),
    (
        "karar_verici_ile_gorusuldu",
        "Karar verici ile görüşüldü",
        "bool",
        false,
    ),
];

/// Creates the demo's custom fields on leads where missing (their keys come from the labels,
/// as for any field an admin adds). A field with the same key already there is left as it is.
async fn ensure_custom_fields(app: &App) -> Result<()> {
    use crate::custom_fields::{self, FieldInput, OptionInput};
    let system = Actor::system();
    let existing = custom_fields::list(app, &system, "leads").await?;
    for (key, label, ty, filterable) in CUSTOM_FIELDS {
        if existing.iter().any(|d| d.key == *key) {
            continue;
        }
        let options = (*ty == "choice").then(|| {
            BUDGETS
                .iter()
                .map(|(_, l)| OptionInput {
                    key: None,
                    label: (*l).into(),
                    active: true,
                })
                .collect()
        });
        let input = FieldInput {
            label: Some((*label).into()),
            ty: Some((*ty).into()),
            options,
            filterable: Some(*filterable),
            sortable: Some(*filterable),
            ..Default::default()
        };
        let d = custom_fields::create(app, &system, "leads", &input).await?;
        if d.key != *key {
            return Err(AppError::Internal(format!("demo field {label} got the key {}", d.key)));
        }
        let keys: Vec<&str> = d.options.iter().map(|o| o.key.as_str()).collect();
        if *ty == "choice" && keys != BUDGETS.iter().map(|b| b.0).collect::<Vec<_>>() {
            return Err(AppError::Internal(format!(
                "demo field {label} got the options {keys:?}"
            )));
        }
    }
    Ok(())
}

/// What [`generate`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoReport {
    /// Demo users (managers and sales reps, created now or found) the leads were spread over.
    pub users: usize,
    /// Leads inserted.
    pub leads: u64,
    /// Wall-clock time of the whole run.
    pub millis: u128,
    /// Where that time went, phase by phase (seconds), to see what to make faster.
    pub phases: Vec<(&'static str, f64)>,
}

const TEAM_1: &str = "Satış Ekibi 1";
const TEAM_2: &str = "Satış Ekibi 2";

/// The demo team: (e-mail, name, role, team, share of the leads).
/// Managers own a few leads too, as they do in small companies.
#[rustfmt::skip]
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

/// Rows per INSERT (and per COPY message). A lead row binds 22 values, so 1,000 rows stay under
/// SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement; tag rows (3 values, at
/// most 2 per lead) too.
const BATCH: usize = 1_000;
/// Leads per transaction when the indexes stay in place (a load into a bigger table), and per
/// `COPY` on PostgreSQL: small enough that a failure loses little and memory stays bounded.
const CHUNK: u64 = 50_000;

/// The lead columns written, in the order [`DemoLead::push_args`] and
/// [`DemoLead::push_copy`] write them. A test pins this against the columns the record kit
/// writes for a lead, so a new field cannot be silently left out.
#[rustfmt::skip]
const LEAD_COLUMNS: &[&str] = &[
    "id", "first_name", "last_name", "company", "title", "email", "phone", "source", "source_detail",
    "campaign", "product_interest", "status", "lost_reason", "owner_id", "city", "sector", "notes",
    "sort_name", "search_key", "created_at", "updated_at", "created_by", "custom",
];
const TAG_COLUMNS: &[&str] = &["lead_id", "tag", "tag_key"];

/// Fills the database with realistic Turkish demo data.
///
/// Creates the demo team ("Satış Ekibi 1" and "Satış Ekibi 2": `mudur1`/`mudur2` as managers,
/// `satis1`…`satis6` as sales reps, all `@demo.kervan.local`, password [`DEMO_PASSWORD`],
/// i.e. `demo-parola-123`) where those e-mails do not exist yet, then inserts `leads` leads owned
/// by them, spread over the last 365 days. `progress` is called with the number of leads written
/// so far after every batch. Running it again adds more leads; existing data is left alone.
///
/// A load at least as large as the table already is (a first run) happens in one transaction
/// with the secondary indexes of `leads` (and SQLite's full-text trigger) dropped and rebuilt at
/// the end, because building an index over a million rows is several times cheaper than
/// maintaining it row by row. Meanwhile other writers of leads wait (on PostgreSQL readers of
/// `leads` too, as dropping an index locks the table); a failure rolls back everything, schema
/// included (DDL is transactional on both backends). A smaller load keeps the indexes and
/// commits every 50,000 leads.
pub async fn generate(app: &App, leads: u64, progress: impl Fn(u64)) -> Result<DemoReport> {
    let started = Instant::now();
    let owners = ensure_users(app).await?;
    ensure_custom_fields(app).await?;
    let users = owners.len();
    if leads == 0 {
        return Ok(DemoReport {
            users,
            leads: 0,
            millis: started.elapsed().as_millis(),
            phases: vec![],
        });
    }
    let mut phases = vec![("users and fields", started.elapsed().as_secs_f64())];
    let mut lap = Instant::now();
    let mut phase = |name: &'static str| {
        phases.push((name, lap.elapsed().as_secs_f64()));
        lap = Instant::now();
    };
    let c = &app.db.conn;
    let first_id = scalar_i64(c, "SELECT COALESCE(MAX(id), 0) + 1 FROM leads", vec![])
        .await?
        .unwrap_or(1);
    let postgres = match &c.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => true,
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => false,
        _ => {
            return Err(AppError::Internal(
                "demo data needs a SQLite or PostgreSQL database".into(),
            ));
        }
    };
    if postgres {
        // The ids are chosen here, so the identity sequence must not hand them out to someone
        // creating a lead meanwhile: move it past the whole range first (never backwards).
        scalar_i64(
            c,
            "SELECT setval(s, GREATEST(?, COALESCE(pg_sequence_last_value(s::regclass), 0)))
             FROM pg_get_serial_sequence('leads', 'id') AS s",
            vec![(first_id + leads as i64 - 1).into()],
        )
        .await?;
    }
    // Rebuilding indexes costs in proportion to the whole table, so it pays only when this load
    // at least doubles it. `first_id - 1` bounds the rows already there.
    let bulk = leads as i64 >= first_id - 1;

    // Generation runs beside the writer; a bounded channel keeps at most a few batches in memory.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Generated>(8);
    let now = now_ms();
    let producer = tokio::task::spawn_blocking(move || {
        let mut g = Generator::new(first_id as u64 ^ 0x4b45_5256_414e, owners, now, leads);
        let mut i = 0u64;
        while i < leads {
            let n = (leads - i).min(BATCH as u64);
            let batch = g.batch(first_id + i as i64, i, n as usize, postgres);
            let failed = batch.is_err();
            if tx.blocking_send(batch).is_err() || failed {
                // The writer stopped (it reports why), or it will report this batch's error.
                return;
            }
            i += n;
        }
    });

    // Both pool getters are safe here: the backend was matched above.
    let written = if postgres {
        write_postgres(c.get_postgres_connection_pool(), bulk, &mut rx, &progress).await
    } else {
        write_sqlite(c.get_sqlite_connection_pool(), first_id, bulk, &mut rx, &progress).await
    };
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
    phase("generate and write (indexes and full-text included)");
    // The values in use (filter menus, suggestions) are kept where records are written; the
    // bulk path wrote around that, so count them again.
    for f in kervan_core::leads::KIND
        .fields
        .iter()
        .filter(|f| f.suggest == kervan_core::record::Suggest::Used)
    {
        kervan_store::records::recount_values(c, &kervan_core::leads::KIND, f.key).await?;
    }
    phase("values in use");
    // The planner's picture of the table changed completely; refresh it now rather than at the
    // next housekeeping round, so the first lists are fast.
    app.db.analyze().await?;
    phase("ANALYZE");
    // The custom fields' indexes (queued when the fields were made) are built now, over the new
    // rows, so the filters are offered at once.
    crate::jobs::run_due(app).await?;
    phase("custom-field indexes");
    Ok(DemoReport {
        users,
        leads: written,
        millis: started.elapsed().as_millis(),
        phases,
    })
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

/// A batch from the generator, or why it could not be built.
type Generated = std::result::Result<Batch, String>;

/// One batch of rows, ready for the backend's bulk path.
enum Batch {
    /// Arguments in column order for a multi-row INSERT of `leads` rows, and one of `tags` rows.
    Sqlite {
        leads: usize,
        lead_args: SqliteArguments,
        tags: usize,
        tag_args: SqliteArguments,
    },
    /// Rows in COPY text format.
    Postgres {
        leads: usize,
        lead_rows: Vec<u8>,
        tag_rows: Vec<u8>,
    },
}

fn driver_err(e: sqlx::Error) -> AppError {
    AppError::Internal(format!("demo data: {e}"))
}

fn received(b: Generated) -> Result<Batch> {
    b.map_err(|e| AppError::Internal(format!("demo data: {e}")))
}

/// A quoted SQLite identifier (the names come from the catalog, but never trust a name in SQL).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Runs one statement that is our own text or a definition read back from the catalog.
macro_rules! run {
    ($t:expr, $sql:expr) => {
        sqlx::raw_sql(AssertSqlSafe($sql))
            .execute(&mut *$t)
            .await
            .map_err(driver_err)
    };
}

/// SQLite: multi-row INSERTs of [`BATCH`] leads. Returns how many leads were written.
///
/// In bulk mode the secondary indexes of `leads` and the full-text insert trigger are dropped
/// for the load and recreated from their stored definitions, with the new rows indexed for
/// full-text search in one statement (cheaper than the trigger's row-by-row inserts); otherwise
/// only the trigger is, per chunk.
async fn write_sqlite(
    pool: &SqlitePool,
    first_id: i64,
    bulk: bool,
    rx: &mut Receiver<Generated>,
    progress: &impl Fn(u64),
) -> Result<u64> {
    // `sql IS NULL` marks SQLite's own indexes for PRIMARY KEY and UNIQUE, which stay.
    let index_sql = "SELECT name, sql FROM sqlite_master
        WHERE type = 'index' AND tbl_name = 'leads' AND sql IS NOT NULL ORDER BY name";
    let trigger_sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = 'leads_fts_ai'";
    let full_batch_sql: Arc<str> = insert_sql("leads", LEAD_COLUMNS, BATCH).into();
    let mut done = 0u64;
    let mut more = true;
    while more {
        // IMMEDIATE takes the write lock at once (waiting out the busy timeout if need be)
        // rather than failing when a read transaction would have to be upgraded.
        let mut t = pool.begin_with("BEGIN IMMEDIATE").await.map_err(driver_err)?;
        // A bulk load rebuilds a dozen indexes over a million rows: a large page cache keeps
        // the load from spilling pages to the log mid-transaction and the index builds from
        // re-reading the table, and sorter threads sort on the second core. Set back before
        // the commit, so the pooled connection goes back to its usual size.
        if bulk {
            run!(t, "PRAGMA cache_size = -262144")?;
            run!(t, "PRAGMA threads = 2")?;
        }
        let indexes: Vec<(String, String)> = if bulk {
            sqlx::query_as(index_sql).fetch_all(&mut *t).await.map_err(driver_err)?
        } else {
            vec![]
        };
        let trigger: Option<(String, String)> = sqlx::query_as(trigger_sql)
            .fetch_optional(&mut *t)
            .await
            .map_err(driver_err)?;
        for (name, _) in &indexes {
            run!(t, format!("DROP INDEX {}", ident(name)))?;
        }
        if let Some((name, _)) = &trigger {
            run!(t, format!("DROP TRIGGER {}", ident(name)))?;
        }
        let chunk_first = first_id + done as i64;
        let mut in_chunk = 0u64;
        more = false;
        while let Some(batch) = rx.recv().await {
            let Batch::Sqlite {
                leads,
                lead_args,
                tags,
                tag_args,
            } = received(batch)?
            else {
                return Err(AppError::Internal("demo batch in COPY format for SQLite".into()));
            };
            let sql = if leads == BATCH {
                full_batch_sql.clone()
            } else {
                insert_sql("leads", LEAD_COLUMNS, leads).into()
            };
            sqlx::query_with(AssertSqlSafe(sql), lead_args)
                .execute(&mut *t)
                .await
                .map_err(driver_err)?;
            if tags > 0 {
                let sql = insert_sql("lead_tags", TAG_COLUMNS, tags);
                sqlx::query_with(AssertSqlSafe(sql), tag_args)
                    .execute(&mut *t)
                    .await
                    .map_err(driver_err)?;
            }
            done += leads as u64;
            in_chunk += leads as u64;
            progress(done);
            if !bulk && in_chunk >= CHUNK {
                more = true;
                break;
            }
        }
        for (_, sql) in &indexes {
            run!(t, sql.clone())?;
        }
        if let Some((_, sql)) = &trigger {
            // A larger in-memory buffer for the full-text index means fewer segments to merge
            // (measured: about a fifth less time on a million rows); set back to SQLite's
            // default (1 MiB) before committing, so only this load uses it.
            let big_buffer = in_chunk >= 100_000;
            if big_buffer {
                run!(
                    t,
                    "INSERT INTO leads_fts(leads_fts, rank) VALUES ('hashsize', 16777216)"
                )?;
            }
            sqlx::query("INSERT INTO leads_fts(rowid, search_key) SELECT id, search_key FROM leads WHERE id >= ?")
                .bind(chunk_first)
                .execute(&mut *t)
                .await
                .map_err(driver_err)?;
            if big_buffer {
                run!(t, "INSERT INTO leads_fts(leads_fts, rank) VALUES ('hashsize', 1048576)")?;
            }
            run!(t, sql.clone())?;
        }
        if bulk {
            run!(t, "PRAGMA threads = 0")?;
            run!(t, "PRAGMA cache_size = -16000")?;
        }
        t.commit().await.map_err(driver_err)?;
    }
    if bulk {
        // The load went through the write-ahead log, which SQLite keeps at its largest size
        // (as big as the data) once checkpointed; give that disk space back. Only tidiness:
        // the leads are committed, so a busy reader or a failure here is not an error.
        if let Err(e) = sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await {
            tracing::warn!(error = %e, "could not truncate the SQLite WAL after loading demo data");
        }
    }
    Ok(done)
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

/// PostgreSQL: streams the batches with `COPY`, [`CHUNK`] leads per COPY (then their tags,
/// which must follow the leads they reference). Returns how many leads were written.
///
/// In bulk mode the secondary indexes of `leads` and the foreign keys of `leads` and
/// `lead_tags` are dropped for the load and recreated from the catalog's own definitions:
/// a foreign key added back checks all rows with one join instead of one lookup per row.
async fn write_postgres(
    pool: &PgPool,
    bulk: bool,
    rx: &mut Receiver<Generated>,
    progress: &impl Fn(u64),
) -> Result<u64> {
    let mut done = 0u64;
    let mut t = pool.begin().await.map_err(driver_err)?;
    // (drop, recreate) statements; indexes behind a constraint (the primary key) stay.
    let mut rebuild: Vec<(String, String)> = vec![];
    if bulk {
        rebuild = sqlx::query_as(
            "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
                    format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
                           pg_get_constraintdef(c.oid))
             FROM pg_constraint c
             WHERE c.contype = 'f' AND c.conrelid IN ('leads'::regclass, 'lead_tags'::regclass)
             UNION ALL
             SELECT format('DROP INDEX %s', x.indexrelid::regclass), pg_get_indexdef(x.indexrelid)
             FROM pg_index x
             WHERE x.indrelid = 'leads'::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
        )
        .fetch_all(&mut *t)
        .await
        .map_err(driver_err)?;
        // Index builds sort in memory instead of temporary files; reverts at commit.
        run!(t, "SET LOCAL maintenance_work_mem = '512MB'")?;
        for (drop, _) in &rebuild {
            run!(t, drop.clone())?;
        }
    }
    while copy_chunk(&mut t, rx, &mut done, progress).await? > 0 {
        if !bulk {
            t.commit().await.map_err(driver_err)?;
            t = pool.begin().await.map_err(driver_err)?;
        }
    }
    // Indexes first, then the foreign keys.
    for (_, create) in rebuild.iter().rev() {
        run!(t, create.clone())?;
    }
    t.commit().await.map_err(driver_err)?;
    Ok(done)
}

/// Copies up to [`CHUNK`] leads from the channel, then their tags. Returns the number of
/// leads (0 when the generator is done).
async fn copy_chunk(
    conn: &mut PgConnection,
    rx: &mut Receiver<Generated>,
    done: &mut u64,
    progress: &impl Fn(u64),
) -> Result<u64> {
    let Some(first) = rx.recv().await else { return Ok(0) };
    let columns = LEAD_COLUMNS.join(", ");
    let mut copy = conn
        .copy_in_raw(&format!("COPY leads ({columns}) FROM STDIN"))
        .await
        .map_err(driver_err)?;
    let mut tags = Vec::new();
    let mut n = 0u64;
    let mut next = Some(first);
    while let Some(batch) = next.take() {
        let (leads, lead_rows, tag_rows) = match received(batch) {
            Ok(Batch::Postgres {
                leads,
                lead_rows,
                tag_rows,
            }) => (leads, lead_rows, tag_rows),
            Ok(Batch::Sqlite { .. }) => {
                let _ = copy.abort("wrong batch format").await;
                return Err(AppError::Internal("demo batch in INSERT format for PostgreSQL".into()));
            }
            Err(e) => {
                // Leave the connection usable for the rollback.
                let _ = copy.abort("demo data generation failed").await;
                return Err(e);
            }
        };
        copy.send(lead_rows).await.map_err(driver_err)?;
        tags.extend_from_slice(&tag_rows);
        n += leads as u64;
        *done += leads as u64;
        progress(*done);
        if n < CHUNK {
            next = rx.recv().await;
        }
    }
    copy.finish().await.map_err(driver_err)?;
    if !tags.is_empty() {
        let columns = TAG_COLUMNS.join(", ");
        let mut copy = conn
            .copy_in_raw(&format!("COPY lead_tags ({columns}) FROM STDIN"))
            .await
            .map_err(driver_err)?;
        copy.send(tags).await.map_err(driver_err)?;
        copy.finish().await.map_err(driver_err)?;
    }
    Ok(n)
}

/// One generated lead, with the derived columns computed as the real write path does.
#[derive(Debug, Clone)]
struct DemoLead {
    id: i64,
    first_name: Option<String>,
    last_name: Option<&'static str>,
    company: Option<String>,
    title: Option<&'static str>,
    email: Option<String>,
    /// E.164.
    phone: Option<String>,
    source: &'static str,
    source_detail: Option<&'static str>,
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
    /// Values of the demo's custom fields, as the kit stores them (JSON).
    custom: String,
}

impl DemoLead {
    /// The lead as a person would have typed it, for checking it against the kit's rules.
    #[cfg(test)]
    fn inputs(&self) -> kervan_core::record::Inputs {
        let owner = self.owner_id.to_string();
        let tags: Vec<&str> = self.tags.iter().map(|(t, _)| *t).collect();
        let tags = tags.join(", ");
        inputs(&[
            ("first_name", self.first_name.as_deref()),
            ("last_name", self.last_name),
            ("company", self.company.as_deref()),
            ("title", self.title),
            ("email", self.email.as_deref()),
            ("phone", self.phone.as_deref()),
            ("source", Some(self.source)),
            ("source_detail", self.source_detail),
            ("campaign", self.campaign),
            ("product_interest", self.product_interest),
            ("status", Some(self.status)),
            ("lost_reason", self.lost_reason),
            ("owner_id", Some(&owner)),
            ("city", self.city),
            ("sector", self.sector),
            ("tags", (!tags.is_empty()).then_some(tags.as_str())),
            ("notes", self.notes),
        ])
    }

    /// Adds the lead's values in [`LEAD_COLUMNS`] order.
    fn push_args(self, a: &mut SqliteArguments) -> std::result::Result<(), String> {
        let e = |e: sqlx::error::BoxDynError| e.to_string();
        a.add(self.id).map_err(e)?;
        a.add(self.first_name).map_err(e)?;
        a.add(self.last_name).map_err(e)?;
        a.add(self.company).map_err(e)?;
        a.add(self.title).map_err(e)?;
        a.add(self.email).map_err(e)?;
        a.add(self.phone).map_err(e)?;
        a.add(self.source).map_err(e)?;
        a.add(self.source_detail).map_err(e)?;
        a.add(self.campaign).map_err(e)?;
        a.add(self.product_interest).map_err(e)?;
        a.add(self.status).map_err(e)?;
        a.add(self.lost_reason).map_err(e)?;
        a.add(self.owner_id).map_err(e)?;
        a.add(self.city).map_err(e)?;
        a.add(self.sector).map_err(e)?;
        a.add(self.notes).map_err(e)?;
        a.add(self.sort_name).map_err(e)?;
        a.add(self.search_key).map_err(e)?;
        a.add(self.created_at).map_err(e)?;
        a.add(self.updated_at).map_err(e)?;
        // Demo leads were "entered" by their owners.
        a.add(self.owner_id).map_err(e)?;
        a.add(self.custom).map_err(e)?;
        Ok(())
    }

    /// Appends the lead as one line of COPY text format, in [`LEAD_COLUMNS`] order.
    fn push_copy(&self, out: &mut Vec<u8>) {
        let mut row = CopyRow::new(out);
        row.int(self.id);
        row.text(self.first_name.as_deref());
        row.text(self.last_name);
        row.text(self.company.as_deref());
        row.text(self.title);
        row.text(self.email.as_deref());
        row.text(self.phone.as_deref());
        row.text(Some(self.source));
        row.text(self.source_detail);
        row.text(self.campaign);
        row.text(self.product_interest);
        row.text(Some(self.status));
        row.text(self.lost_reason);
        row.int(self.owner_id);
        row.text(self.city);
        row.text(self.sector);
        row.text(self.notes);
        row.text(Some(&self.sort_name));
        row.text(Some(&self.search_key));
        row.int(self.created_at);
        row.int(self.updated_at);
        row.int(self.owner_id);
        row.text(Some(&self.custom));
        row.end();
    }
}

/// Writes one row of PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash
/// escapes for the characters that would break the format.
struct CopyRow<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> CopyRow<'a> {
    fn new(out: &'a mut Vec<u8>) -> CopyRow<'a> {
        CopyRow { out, first: true }
    }

    fn sep(&mut self) {
        if !self.first {
            self.out.push(b'\t');
        }
        self.first = false;
    }

    fn int(&mut self, v: i64) {
        self.sep();
        // Writing into a Vec cannot fail.
        let _ = write!(self.out, "{v}");
    }

    fn text(&mut self, v: Option<&str>) {
        self.sep();
        let Some(s) = v else {
            self.out.extend_from_slice(b"\\N");
            return;
        };
        for b in s.bytes() {
            match b {
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                b'\t' => self.out.extend_from_slice(b"\\t"),
                b'\n' => self.out.extend_from_slice(b"\\n"),
                b'\r' => self.out.extend_from_slice(b"\\r"),
                _ => self.out.push(b),
            }
        }
    }

    fn end(self) {
        self.out.push(b'\n');
    }
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

/// The kit's inputs of a generated record, as a person would type them (absent values left out).
fn inputs(pairs: &[(&str, Option<&str>)]) -> kervan_core::record::Inputs {
    let mut i = kervan_core::record::Inputs::default();
    for (k, v) in pairs {
        if let Some(v) = v {
            i.fields
                .insert((*k).to_string(), kervan_core::record::Input::Text((*v).to_string()));
        }
    }
    i
}

fn one<T: Copy>(rng: &mut SmallRng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// A word of the vocabulary with its search-key form (`fold`) and its e-mail form (folded,
/// without spaces or dots), computed once per run rather than once per lead.
#[derive(Debug, Clone)]
struct Word {
    text: &'static str,
    key: String,
    mail: String,
}

impl Word {
    fn new(text: &'static str) -> Word {
        let key = fold(text);
        let mail = key.replace([' ', '.', '-'], "");
        Word { text, key, mail }
    }

    fn all(texts: &[&'static str]) -> Vec<Word> {
        texts.iter().map(|t| Word::new(t)).collect()
    }
}

/// Joins present parts with single spaces: the folded form of the joined original, because
/// `fold` works letter by letter and none of the vocabulary folds to nothing or starts or ends
/// with a separator (the tests compare with the real `fold` on thousands of leads).
fn join_keys(parts: &[Option<&str>]) -> String {
    let mut out = String::with_capacity(128);
    for p in parts.iter().flatten() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(p);
    }
    out
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
    first: Vec<Word>,
    second: Vec<Word>,
    last: Vec<Word>,
    prefixes: Vec<Word>,
    /// Per sector, the words a company of that sector puts in its name.
    sector_words: Vec<Vec<Word>>,
    suffixes: Vec<Word>,
    kardesler: Word,
    city_keys: Vec<String>,
    city_w: Weighted,
    source_w: Weighted,
    sector_w: Weighted,
    suffix_w: Weighted,
    provider_w: Weighted,
    /// Status weights by age: under 3 days, under 2 weeks, under 2 months, older.
    status_w: [Weighted; 4],
}

impl Generator {
    fn new(seed: u64, owners: Vec<(i64, u32)>, now: i64, total: u64) -> Generator {
        Generator {
            rng: SmallRng::seed_from_u64(seed),
            now,
            total: total.max(1),
            owner_w: Weighted::new(owners.iter().map(|o| o.1)),
            owners: owners.into_iter().map(|o| o.0).collect(),
            first: Word::all(FIRST_NAMES),
            second: Word::all(SECOND_NAMES),
            last: Word::all(LAST_NAMES),
            prefixes: Word::all(COMPANY_PREFIXES),
            sector_words: SECTORS.iter().map(|s| Word::all(s.2)).collect(),
            suffixes: COMPANY_SUFFIXES.iter().map(|s| Word::new(s.0)).collect(),
            kardesler: Word::new("Kardeşler"),
            city_keys: CITIES.iter().map(|c| fold(c.0)).collect(),
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
        }
    }

    /// `n` leads with ids from `first_id`; `index` is the position of the first in the run.
    fn batch(&mut self, first_id: i64, index: u64, n: usize, postgres: bool) -> Generated {
        if postgres {
            let mut lead_rows = Vec::with_capacity(n * 400);
            let mut tag_rows = Vec::new();
            for k in 0..n {
                let l = self.lead(first_id + k as i64, index + k as u64);
                l.push_copy(&mut lead_rows);
                for (tag, key) in &l.tags {
                    let mut row = CopyRow::new(&mut tag_rows);
                    row.int(l.id);
                    row.text(Some(tag));
                    row.text(Some(key));
                    row.end();
                }
            }
            return Ok(Batch::Postgres {
                leads: n,
                lead_rows,
                tag_rows,
            });
        }
        let e = |e: sqlx::error::BoxDynError| e.to_string();
        let mut lead_args = SqliteArguments::default();
        lead_args.reserve(n * LEAD_COLUMNS.len(), 0);
        let mut tag_args = SqliteArguments::default();
        let mut tags = 0;
        for k in 0..n {
            let l = self.lead(first_id + k as i64, index + k as u64);
            for (tag, key) in &l.tags {
                tag_args.add(l.id).map_err(e)?;
                tag_args.add(*tag).map_err(e)?;
                tag_args.add(*key).map_err(e)?;
                tags += 1;
            }
            l.push_args(&mut lead_args)?;
        }
        Ok(Batch::Sqlite {
            leads: n,
            lead_args,
            tags,
            tag_args,
        })
    }

    /// Creation times rise with the id (as they do in a real table, which also keeps the
    /// `created_at` indexes append-only), denser towards today: a growing business.
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
            Some(self.city_w.pick(rng))
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
        let first = &self.first[rng.random_range(0..self.first.len())];
        let last = &self.last[rng.random_range(0..self.last.len())];
        // Double first names are common: "Mehmet Ali", "Ayşe Nur".
        let second = if rng.random_bool(0.05) {
            Some(&self.second[rng.random_range(0..self.second.len())])
        } else {
            None
        };
        let (first_name, first_key) = match (has_person, second) {
            (false, _) => (None, None),
            (true, None) => (Some(first.text.to_string()), Some(first.key.clone())),
            (true, Some(s)) => (
                Some(format!("{} {}", first.text, s.text)),
                Some(format!("{} {}", first.key, s.key)),
            ),
        };
        let last_name = has_person.then_some(last);

        // (name, folded name, e-mail domain)
        let company = company_sector.map(|s| {
            let words = &self.sector_words[s];
            let w = &words[rng.random_range(0..words.len())];
            let suffix = &self.suffixes[self.suffix_w.pick(rng)];
            let family = &self.last[rng.random_range(0..self.last.len())];
            let (name, key, base) = match rng.random_range(0..20) {
                0..13 => {
                    let p = &self.prefixes[rng.random_range(0..self.prefixes.len())];
                    (
                        format!("{} {}", p.text, w.text),
                        format!("{} {}", p.key, w.key),
                        format!("{}{}", p.mail, w.mail),
                    )
                }
                13..18 => (
                    format!("{} {}", family.text, w.text),
                    format!("{} {}", family.key, w.key),
                    format!("{}{}", family.mail, w.mail),
                ),
                _ => (
                    format!("{} {} {}", family.text, self.kardesler.text, w.text),
                    format!("{} {} {}", family.key, self.kardesler.key, w.key),
                    format!("{}{}", family.mail, self.kardesler.mail),
                ),
            };
            // The same company always gets the same top-level domain.
            let tld = if base.len() % 3 == 0 { "com" } else { "com.tr" };
            (
                format!("{name} {}", suffix.text),
                format!("{key} {}", suffix.key),
                format!("{base}.{tld}"),
            )
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

        // Contact details: WhatsApp and phone leads always have a number, e-mail and web-form
        // leads an address; every lead has at least one of the two.
        let mut wants_phone = source == "whatsapp" || source == "phone" || rng.random_bool(0.85);
        let wants_email = source == "email" || source == "web_form" || rng.random_bool(0.65);
        if !wants_phone && !wants_email {
            wants_phone = true;
        }
        let phone = if wants_phone {
            // A company without a named person usually calls from its switchboard.
            let landline = !has_person && source != "whatsapp" && rng.random_bool(0.7);
            let code = city
                .and_then(|c| AREA_CODES.iter().find(|a| a.0 == CITIES[c].0))
                .map(|a| one(rng, a.1));
            Some(match (landline, code) {
                (true, Some(code)) => format!("+90{code}{}", rng.random_range(2_000_000..9_999_999)),
                _ => mobile(id),
            })
        } else {
            None
        };
        let email = if wants_email {
            let (f, l) = (&first.mail, &last.mail);
            Some(match (&company, has_person) {
                (Some((_, _, d)), true) => match rng.random_range(0..10) {
                    0..6 => format!("{f}.{l}@{d}"),
                    6..8 => format!("{}{l}@{d}", f.chars().take(1).collect::<String>()),
                    _ => format!("{f}@{d}"),
                },
                (Some((_, _, d)), false) => format!("{}@{d}", one(rng, ROLE_MAILBOXES)),
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
            // Fair leads are often tagged with the fair.
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

        // What `fold(display_name)` and `LeadFields::search_key` make of this lead.
        let last_key = last_name.map(|l| l.key.as_str());
        let company_key = company.as_ref().map(|c| c.1.as_str());
        let sort_name = match (&first_key, last_key) {
            (Some(f), Some(l)) => join_keys(&[Some(f), Some(l)]),
            _ => company_key.unwrap_or_default().to_string(),
        };
        let phone_key = phone.as_deref().map(|p| {
            let national = p.strip_prefix("+90").unwrap_or_else(|| p.trim_start_matches('+'));
            format!("{p} 0{national}")
        });
        let search_key = join_keys(&[
            first_key.as_deref(),
            last_key,
            company_key,
            email.as_deref(),
            phone_key.as_deref(),
            city.map(|c| self.city_keys[c].as_str()),
        ]);
        let custom = custom_values(rng, id, created_at);
        DemoLead {
            id,
            first_name,
            last_name: last_name.map(|l| l.text),
            company: company.map(|c| c.0),
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
            city: city.map(|c| CITIES[c].0),
            sector,
            notes,
            tags,
            sort_name,
            search_key,
            created_at,
            updated_at,
            custom,
        }
    }
}

/// The demo's custom field values (see [`CUSTOM_FIELDS`]): every lead has a budget range, one
/// option in five each; the others are filled on some leads, as people do.
fn custom_values(rng: &mut SmallRng, id: i64, created_at: i64) -> String {
    let mut m = serde_json::Map::new();
    let budget = BUDGETS[id.rem_euclid(BUDGETS.len() as i64) as usize].0;
    m.insert("butce_araligi".into(), budget.into());
    if rng.random_bool(0.6) {
        let days = rng.random_range(20..200);
        let date = chrono::DateTime::from_timestamp_millis(created_at + days * DAY_MS)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        m.insert("tahmini_satin_alma_tarihi".into(), date.into());
    }
    if rng.random_bool(0.5) {
        m.insert("stand_m".into(), (rng.random_range(9..=120) as i64).into());
    }
    if rng.random_bool(0.4) {
        // Whole thousands of lira, in kuruş.
        let lira: i64 = rng.random_range(20..5_000) * 1_000;
        m.insert("ayrilan_butce".into(), (lira * 100).into());
    }
    if rng.random_bool(0.3) {
        m.insert("karar_verici_ile_gorusuldu".into(), rng.random_bool(0.5).into());
    }
    serde_json::Value::Object(m).to_string()
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

/// Where the lead came from in more detail, and the campaign for paid channels.
fn source_details(rng: &mut SmallRng, source: &str) -> (Option<&'static str>, Option<&'static str>) {
    let detail = |rng: &mut SmallRng, items: &[&'static str]| Some(one(rng, items));
    match source {
        "google_ads" => (
            detail(
                rng,
                &["Arama Ağı", "Performance Max", "YouTube", "Görüntülü Reklam Ağı"],
            ),
            Some(one(rng, GOOGLE_CAMPAIGNS)),
        ),
        "meta" => (
            detail(rng, &["Instagram", "Facebook", "Instagram Reels", "Messenger"]),
            Some(one(rng, META_CAMPAIGNS)),
        ),
        "web_form" => (
            detail(
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
                Some(d),
                if d.starts_with("Click") {
                    Some("WhatsApp - Sonbahar Kampanyası")
                } else {
                    None
                },
            )
        }
        "fair" => (detail(rng, FAIRS), None),
        "referral" => (
            detail(
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
            detail(
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
        "phone" => (detail(rng, &["Santral", "Doğrudan hat", "Geri arama talebi"]), None),
        "email" => (
            detail(rng, &["info@ adresi", "satis@ adresi", "Bülten yanıtı"]),
            if rng.random_bool(0.3) {
                Some("Bülten - Ekim")
            } else {
                None
            },
        ),
        _ => (
            detail(
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

// ---- customers ----

#[derive(Debug, sea_orm::FromQueryResult)]
struct SchemaItem {
    drop_sql: String,
    create_sql: String,
}

/// Into an empty table, a big load (`n` rows) writes the rows bare and builds the indexes and
/// the full-text index once at the end: cheaper than keeping them up row by row. Returns what
/// puts them back (nothing for a small load or a table that has rows).
async fn suspend_for_load<C: sea_orm::ConnectionTrait>(c: &C, app: &App, table: &str, n: u64) -> Result<Vec<String>> {
    let empty = scalar_i64(
        c,
        &format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT 1) x"),
        vec![],
    )
    .await?
    .unwrap_or(0)
        == 0;
    if empty && n >= 10_000 {
        suspend_indexes(c, app.db.is_postgres(), &[table]).await
    } else {
        Ok(vec![])
    }
}

/// Drops the secondary indexes (and on SQLite the full-text triggers) of `tables` inside the
/// caller's transaction; returns the statements that put them back, full-text contents included.
/// Constraints (primary keys, foreign keys, uniques) stay.
async fn suspend_indexes<C: sea_orm::ConnectionTrait>(c: &C, postgres: bool, tables: &[&str]) -> Result<Vec<String>> {
    use kervan_store::db::{all, exec};
    let list = tables.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
    let items: Vec<SchemaItem> = if postgres {
        let regs = tables
            .iter()
            .map(|t| format!("'{t}'::regclass"))
            .collect::<Vec<_>>()
            .join(", ");
        all(
            c,
            &format!(
                "SELECT format('DROP INDEX %s', x.indexrelid::regclass) AS drop_sql, pg_get_indexdef(x.indexrelid) AS create_sql
                 FROM pg_index x WHERE x.indrelid IN ({regs})
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)"
            ),
            vec![],
        )
        .await?
    } else {
        all(
            c,
            &format!(
                "SELECT 'DROP ' || upper(type) || ' ' || name AS drop_sql, sql AS create_sql FROM sqlite_master
                 WHERE tbl_name IN ({list}) AND type IN ('index', 'trigger') AND sql IS NOT NULL
                 ORDER BY type"
            ),
            vec![],
        )
        .await?
    };
    let mut back = Vec::new();
    for it in &items {
        exec(c, &it.drop_sql, vec![]).await?;
        back.push(it.create_sql.clone());
    }
    if !postgres {
        // External-content full-text tables refill themselves from their table.
        for t in tables {
            back.push(format!("INSERT INTO {t}_fts({t}_fts) VALUES ('rebuild')"));
        }
    }
    Ok(back)
}

/// What [`generate_customers`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerReport {
    pub accounts: u64,
    pub contacts: u64,
    pub millis: u128,
}

#[derive(Debug, Clone, sea_orm::FromQueryResult)]
struct SourceLead {
    id: i64,
    first_name: Option<String>,
    last_name: Option<String>,
    company: Option<String>,
    title: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    city: Option<String>,
    sector: Option<String>,
    owner_id: Option<i64>,
    notes: Option<String>,
    created_at: i64,
}

const TAX_OFFICES: &[&str] = &[
    "Büyük Mükellefler",
    "Kozyatağı",
    "Maslak",
    "Mecidiyeköy",
    "Beyoğlu",
    "İkitelli",
    "Kavaklıdere",
    "Ulus",
    "Yenimahalle",
    "Konak",
    "Karşıyaka",
    "Bornova",
    "Nilüfer",
    "Osmangazi",
    "Gebze",
    "Selçuk",
    "Meram",
    "Muratpaşa",
    "Seyhan",
    "Şehitkamil",
];

const DEPARTMENTS: &[&str] = &[
    "Satın Alma",
    "Üretim",
    "Kalite",
    "Finans",
    "Yönetim",
    "Bakım",
    "Ar-Ge",
    "Lojistik",
];

const REGIONS: &[(&str, &[&str])] = &[
    (
        "Marmara",
        &[
            "İstanbul",
            "Bursa",
            "Kocaeli",
            "Sakarya",
            "Tekirdağ",
            "Balıkesir",
            "Çanakkale",
            "Edirne",
            "Yalova",
        ],
    ),
    (
        "Ege",
        &[
            "İzmir",
            "Manisa",
            "Denizli",
            "Aydın",
            "Muğla",
            "Uşak",
            "Kütahya",
            "Afyonkarahisar",
        ],
    ),
    (
        "İç Anadolu",
        &[
            "Ankara",
            "Konya",
            "Kayseri",
            "Eskişehir",
            "Sivas",
            "Yozgat",
            "Kırıkkale",
            "Aksaray",
        ],
    ),
    (
        "Akdeniz",
        &[
            "Antalya",
            "Adana",
            "Mersin",
            "Hatay",
            "Kahramanmaraş",
            "Isparta",
            "Osmaniye",
        ],
    ),
];

/// Turns a share of the demo leads with a company into customers, as the sales team would
/// have: an account per lead (valid VKN, segment, potential, lifecycle, revenue), the lead's
/// person as the first contact and colleagues reporting to them (about `contacts / accounts`
/// people per account), the lead marked converted and linked both ways. Oldest leads first, spread
/// evenly over the table. Written in multi-row batches; no audit rows (nobody typed it).
pub async fn generate_customers(
    app: &App,
    accounts: u64,
    contacts: u64,
    progress: impl Fn(u64),
) -> Result<CustomerReport> {
    use crate::accounts::Accounts;
    use crate::contacts::Contacts;
    use crate::records;
    use kervan_core::Vkn;
    use kervan_store::db::{all, exec};
    use sea_orm::{TransactionTrait, Value};

    let started = Instant::now();
    let c = &app.db.conn;
    let candidates = scalar_i64(
        c,
        "SELECT COUNT(*) FROM leads WHERE company IS NOT NULL AND account_id IS NULL AND status <> 'converted'",
        vec![],
    )
    .await?
    .unwrap_or(0) as u64;
    if accounts == 0 || candidates == 0 {
        return Ok(CustomerReport {
            accounts: 0,
            contacts: 0,
            millis: started.elapsed().as_millis(),
        });
    }
    // Every `step`-th candidate lead becomes a customer.
    let step = (candidates / accounts).max(1) as usize;
    let per_account = (contacts as f64 / accounts as f64).max(1.0);
    let mut next_account = scalar_i64(c, "SELECT COALESCE(MAX(id), 0) + 1 FROM accounts", vec![])
        .await?
        .unwrap_or(1);
    let mut next_contact = scalar_i64(c, "SELECT COALESCE(MAX(id), 0) + 1 FROM contacts", vec![])
        .await?
        .unwrap_or(1);
    let mut rng = SmallRng::seed_from_u64(0x4b45_5256_414e ^ next_account as u64);
    let now = now_ms();
    let (mut made_accounts, mut made_contacts) = (0u64, 0u64);
    let mut after = 0i64;
    let mut seen = 0usize;
    let txn = c.begin().await?;
    // Into empty tables, a large load writes faster without the secondary indexes and full-text
    // triggers, rebuilt once at the end (as for leads).
    let empty = scalar_i64(&txn, "SELECT COUNT(*) FROM accounts", vec![])
        .await?
        .unwrap_or(0)
        == 0;
    let rebuild = if empty && accounts >= 10_000 {
        suspend_indexes(&txn, app.db.is_postgres(), &["accounts", "contacts"]).await?
    } else {
        vec![]
    };
    while made_accounts < accounts {
        let batch: Vec<SourceLead> = all(
            &txn,
            "SELECT id, first_name, last_name, company, title, email, phone, city, sector, owner_id, notes, created_at
             FROM leads WHERE company IS NOT NULL AND account_id IS NULL AND status <> 'converted' AND id > ?
             ORDER BY id LIMIT 5000",
            vec![after.into()],
        )
        .await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let mut account_rows: Vec<Value> = Vec::new();
        // The columns the kit writes, in its order (the same for every row).
        let (mut account_columns, mut contact_columns): (Vec<&str>, Vec<&str>) = (vec![], vec![]);
        let mut contact_rows: Vec<Value> = Vec::new();
        let mut lead_rows: Vec<Value> = Vec::new();
        let (mut n_acc, mut n_con) = (0usize, 0usize);
        for lead in batch {
            seen += 1;
            if !(seen - 1).is_multiple_of(step) || made_accounts + n_acc as u64 >= accounts {
                continue;
            }
            let account_id = next_account;
            next_account += 1;
            let converted_at = (lead.created_at + rng.random_range(1..=30) * DAY_MS).min(now);
            let city = lead.city.clone();
            let region = city.as_deref().and_then(|ct| {
                REGIONS
                    .iter()
                    .find(|(_, cities)| cities.contains(&ct))
                    .map(|(r, _)| (*r).to_string())
            });
            let lifecycle = match rng.random_range(0..100) {
                0..=64 => "active",
                65..=79 => "loyal",
                80..=91 => "at_risk",
                _ => "passive",
            };
            let domain = lead.email.as_deref().and_then(kervan_core::accounts::email_domain);
            let owner = lead.owner_id.map(|o| o.to_string());
            let tax = Vkn::from_number(100_000_000 + (account_id as u64 * 7_919) % 900_000_000).to_string();
            let revenue = format!("{}", rng.random_range(1..=500u64) * 1_000_000);
            let account = inputs(&[
                ("kind", Some("company")),
                ("name", lead.company.as_deref()),
                ("tax_office", Some(one(&mut rng, TAX_OFFICES))),
                ("tax_number", Some(&tax)),
                ("sector", lead.sector.as_deref()),
                ("customer_class", Some(one(&mut rng, &["a", "b", "b", "c", "c", "c"]))),
                ("segment", Some(one(&mut rng, &["corporate", "sme", "sme", "sme"]))),
                ("potential", Some(one(&mut rng, &["high", "medium", "medium", "low"]))),
                ("annual_revenue", Some(&revenue)),
                ("lifecycle", Some(lifecycle)),
                ("owner_id", owner.as_deref()),
                ("region", region.as_deref()),
                ("country", Some("Türkiye")),
                ("city", city.as_deref()),
                (
                    "website",
                    domain.as_ref().map(|d| format!("https://www.{d}")).as_deref(),
                ),
                ("phone", lead.phone.as_deref()),
                ("email", lead.email.as_deref()),
                ("notes", lead.notes.as_deref()),
            ]);
            let (values, _) = records::values_for::<Accounts>(&account)?;
            let written = records::write_values::<Accounts>(&values);
            account_columns = written.iter().map(|(k, _)| *k).collect();
            account_rows.push(account_id.into());
            account_rows.extend(written.into_iter().map(|(_, v)| v));
            account_rows.extend([
                Value::from(lead.id),
                converted_at.into(),
                converted_at.into(),
                converted_at.into(),
            ]);
            n_acc += 1;

            // The lead's person first; colleagues report to them.
            let mut people = Vec::new();
            if let (Some(f), Some(l)) = (&lead.first_name, &lead.last_name) {
                people.push((
                    f.clone(),
                    l.clone(),
                    lead.title.clone(),
                    lead.email.clone(),
                    lead.phone.clone(),
                ));
            }
            let extra = {
                let want = per_account - people.len() as f64;
                let whole = want.floor().max(0.0) as usize;
                whole + usize::from(rng.random_bool((want - want.floor()).clamp(0.0, 1.0)))
            };
            for _ in 0..extra {
                let f = one(&mut rng, FIRST_NAMES).to_string();
                let l = one(&mut rng, LAST_NAMES).to_string();
                let email = domain
                    .as_ref()
                    .map(|d| format!("{}.{}@{d}", fold(&f), fold(&l)).replace(' ', ""));
                people.push((f, l, Some(one(&mut rng, TITLES).into()), email, None));
            }
            let first_contact = next_contact;
            for (i, (f, l, title, email, phone)) in people.into_iter().enumerate() {
                let contact_id = next_contact;
                next_contact += 1;
                let mobile = phone.or_else(|| Some(mobile(contact_id + 7_000_000)));
                let role = if i == 0 {
                    "decision_maker"
                } else {
                    one(
                        &mut rng,
                        &[
                            "economic_buyer",
                            "technical_evaluator",
                            "user",
                            "influencer",
                            "champion",
                            "blocker",
                        ],
                    )
                };
                let (account_s, manager) = (account_id.to_string(), first_contact.to_string());
                let mut fields = vec![
                    ("account_id", Some(account_s.as_str())),
                    ("first_name", Some(f.as_str())),
                    ("last_name", Some(l.as_str())),
                    ("title", title.as_deref()),
                    ("department", Some(one(&mut rng, DEPARTMENTS))),
                    ("buying_role", Some(role)),
                    ("influence", Some(one(&mut rng, &["high", "medium", "low"]))),
                    ("relationship", Some(one(&mut rng, &["new", "warm", "strong", "cold"]))),
                    ("reports_to_id", (i > 0).then_some(manager.as_str())),
                    ("owner_id", owner.as_deref()),
                ];
                let reach = [("email", email.as_deref()), ("mobile", mobile.as_deref())];
                // A generated e-mail or number that the rules refuse is dropped, never the person.
                let with_reach: Vec<_> = fields.iter().cloned().chain(reach).collect();
                let values = match records::values_for::<Contacts>(&inputs(&with_reach)) {
                    Ok((v, _)) => v,
                    Err(_) => {
                        fields.retain(|(k, _)| *k != "email" && *k != "mobile");
                        records::values_for::<Contacts>(&inputs(&fields))?.0
                    }
                };
                let written = records::write_values::<Contacts>(&values);
                contact_columns = written.iter().map(|(k, _)| *k).collect();
                contact_rows.push(contact_id.into());
                contact_rows.extend(written.into_iter().map(|(_, v)| v));
                contact_rows.extend([
                    Value::from(if i == 0 { Some(lead.id) } else { None }),
                    converted_at.into(),
                    converted_at.into(),
                    converted_at.into(),
                ]);
                n_con += 1;
            }
            let contact = (next_contact > first_contact).then_some(first_contact);
            lead_rows.extend([lead.id.into(), account_id.into(), contact.into(), converted_at.into()]);
        }
        if n_acc == 0 {
            continue;
        }
        // Parameters per statement stay under both databases' limits (SQLite 32,766).
        let acc_cols: Vec<&str> = ["id"]
            .iter()
            .chain(&account_columns)
            .chain(&["lead_id", "created_at", "updated_at", "last_contact_at"])
            .copied()
            .collect();
        for (rows, cols, table) in [
            (account_rows, acc_cols, "accounts"),
            (
                contact_rows,
                ["id"]
                    .iter()
                    .chain(&contact_columns)
                    .chain(&["lead_id", "created_at", "updated_at", "last_contact_at"])
                    .copied()
                    .collect(),
                "contacts",
            ),
        ] {
            let width = cols.len();
            for chunk in rows.chunks(500 * width) {
                exec(&txn, &insert_sql(table, &cols, chunk.len() / width), chunk.to_vec()).await?;
            }
        }
        for chunk in lead_rows.chunks(500 * 4) {
            let marks = vec!["(?, ?, ?, ?)"; chunk.len() / 4].join(", ");
            exec(
                &txn,
                &format!(
                    "UPDATE leads SET status = 'converted', account_id = v.column2, contact_id = v.column3,
                        converted_at = v.column4 FROM (VALUES {marks}) AS v WHERE leads.id = v.column1"
                ),
                chunk.to_vec(),
            )
            .await?;
        }
        made_accounts += n_acc as u64;
        made_contacts += n_con as u64;
        progress(made_accounts);
    }
    if app.db.is_postgres() {
        // Ids were chosen here; move the identity sequences past them.
        for table in ["accounts", "contacts"] {
            scalar_i64(
                &txn,
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(1, (SELECT COALESCE(MAX(id), 0) FROM {table})))"
                ),
                vec![],
            )
            .await?;
        }
    }
    for sql in &rebuild {
        exec(&txn, sql, vec![]).await?;
    }
    txn.commit().await?;
    app.db.analyze().await?;
    Ok(CustomerReport {
        accounts: made_accounts,
        contacts: made_contacts,
        millis: started.elapsed().as_millis(),
    })
}

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
        use crate::records::RecordKind;
        for l in leads(7, 3_000) {
            let v = match crate::records::values_for::<crate::leads::Leads>(&l.inputs()) {
                Ok((v, _)) => v,
                Err(e) => panic!("{l:?} does not validate: {e:?}"),
            };
            // The fast path must write what the real path would have written.
            let text = |k: &str| v.get(k).map(|x| x.canonical());
            assert_eq!(text("phone"), l.phone, "{l:?}");
            assert_eq!(text("email"), l.email, "{l:?}");
            let derived = crate::leads::Leads::derived(&v);
            assert_eq!(derived[1].1, l.search_key, "{l:?}");
            assert_eq!(derived[0].1, l.sort_name, "{l:?}");
            let tags: Vec<String> = l.tags.iter().map(|t| t.0.to_string()).collect();
            assert_eq!(v.get("tags").map(|t| t.as_list().to_vec()).unwrap_or_default(), tags);
            assert_eq!(text("lost_reason").as_deref(), l.lost_reason);
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
                .all(|l| { l.source != "fair" || l.source_detail.is_some_and(|d| FAIRS.contains(&d)) })
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
        // The fast path writes the columns the kit writes (plus the bookkeeping ones and the
        // custom values).
        let l = &leads(5, 1)[0];
        let (v, _) = crate::records::values_for::<crate::leads::Leads>(&l.inputs()).unwrap();
        let mut kit: Vec<&str> = crate::records::write_values::<crate::leads::Leads>(&v)
            .iter()
            .map(|(k, _)| *k)
            .collect();
        kit.extend(["created_at", "updated_at", "created_by", "custom"]);
        let mut ours: Vec<&str> = LEAD_COLUMNS[1..].to_vec();
        kit.sort();
        ours.sort();
        assert_eq!(kit, ours);
    }

    #[test]
    fn custom_values_are_what_the_kit_reads() {
        use kervan_core::record::{CustomDef, CustomOption, FieldType, Value};
        let defs: Vec<CustomDef> = CUSTOM_FIELDS
            .iter()
            .enumerate()
            .map(|(i, (key, label, ty, _))| CustomDef {
                id: i as i64,
                kind: "leads".into(),
                key: (*key).into(),
                label: (*label).into(),
                ty: FieldType::parse_custom(ty).unwrap(),
                // Keys as the kit derives them from the labels, not as the demo spells them.
                options: BUDGETS
                    .iter()
                    .filter(|_| *ty == "choice")
                    .map(|(_, l)| CustomOption {
                        key: kervan_core::record::custom_key_for(l, &[]),
                        label: (*l).into(),
                        active: true,
                    })
                    .collect(),
                required: false,
                filterable: false,
                searchable: false,
                sortable: false,
                position: 0,
                active: true,
                index_state: "none".into(),
            })
            .collect();
        let mut seen = [0usize; 5];
        for l in leads(3, 500) {
            let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&l.custom).unwrap();
            for (k, v) in &json {
                let d = defs.iter().find(|d| &d.key == k).unwrap_or_else(|| panic!("{k}"));
                let value = Value::from_json(d.ty, v).unwrap_or_else(|| panic!("{k}: {v}"));
                if let Value::Choice(c) = value {
                    let at = d.options.iter().position(|o| o.key == c);
                    seen[at.unwrap_or_else(|| panic!("{c} is not an option of {k}"))] += 1;
                }
            }
        }
        // One budget range in five each.
        assert!(seen.iter().all(|n| *n == 100), "{seen:?}");
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
    fn copy_rows_have_every_column_and_escape_what_copy_reads_specially() {
        let mut g = generator(5, 50);
        let Ok(Batch::Postgres {
            leads,
            lead_rows,
            tag_rows,
        }) = g.batch(1, 0, 50, true)
        else {
            panic!("copy expected")
        };
        assert_eq!(leads, 50);
        let text = String::from_utf8(lead_rows).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 50);
        for line in &lines {
            assert_eq!(line.split('\t').count(), LEAD_COLUMNS.len(), "{line}");
        }
        // The same values as the INSERT path, NULL as \N.
        let mut g = generator(5, 50);
        let first = g.lead(1, 0);
        let fields: Vec<&str> = lines[0].split('\t').collect();
        assert_eq!(fields[0], "1");
        assert_eq!(fields[17], first.sort_name);
        assert_eq!(fields[18], first.search_key);
        assert_eq!(fields[3], first.company.as_deref().unwrap_or("\\N"));
        assert!(
            String::from_utf8(tag_rows)
                .unwrap()
                .lines()
                .all(|l| l.split('\t').count() == 3)
        );

        let mut out = Vec::new();
        let mut row = CopyRow::new(&mut out);
        row.int(7);
        row.text(Some("a\tb\\c\nd\re"));
        row.text(None);
        row.end();
        assert_eq!(String::from_utf8(out).unwrap(), "7\ta\\tb\\\\c\\nd\\re\t\\N\n");
        // An empty first field still gets its separator.
        let mut out = Vec::new();
        let mut row = CopyRow::new(&mut out);
        row.text(Some(""));
        row.int(-1);
        row.end();
        assert_eq!(out, b"\t-1\n");
    }

    #[test]
    fn insert_sql_has_one_placeholder_per_value() {
        let sql = insert_sql("lead_tags", &["lead_id", "tag", "tag_key"], 2);
        assert_eq!(
            sql,
            "INSERT INTO lead_tags (lead_id, tag, tag_key) VALUES (?, ?, ?), (?, ?, ?)"
        );
        let mut g = generator(1, 50);
        let Ok(Batch::Sqlite {
            leads,
            lead_args,
            tags,
            tag_args,
        }) = g.batch(1, 0, 50, false)
        else {
            panic!("arguments expected")
        };
        assert_eq!(leads, 50);
        assert_eq!(lead_args.len(), 50 * LEAD_COLUMNS.len());
        assert_eq!(tag_args.len(), 3 * tags);
        assert!(tags > 0);
        assert!(BATCH * LEAD_COLUMNS.len() < 32_766);
    }
}

/// Task titles a sales team writes for itself.
const TASK_TITLES: &[&str] = &[
    "Tekrar ara",
    "Teklif gönder",
    "Numune kargola",
    "Fuar sonrası arama",
    "Toplantı ayarla",
    "Fiyat listesini gönder",
    "Sözleşme taslağını ilet",
    "Ödeme için hatırlat",
    "Demo için randevu al",
    "Referans iste",
];

/// The task columns the demo writes (the rest take their defaults).
const TASK_COLUMNS: &[&str] = &[
    "title",
    "due_at",
    "priority",
    "owner_id",
    "status",
    "reminder",
    "lead_id",
    "sort_name",
    "search_key",
    "created_at",
    "updated_at",
    "created_by",
];

/// Adds `n` tasks for the demo team about their own newest leads: a third open (due from two
/// months ago to two months ahead, so Görevlerim has overdue, today and upcoming ones), the rest
/// done or cancelled. Reminders are not queued (the demo's past is past). Returns how many.
pub async fn generate_tasks(app: &App, n: u64, progress: impl Fn(u64)) -> Result<u64> {
    use sea_orm::{TransactionTrait, Value};
    let c = &app.db.conn;
    let owners = ensure_users(app).await?;
    // Each owner's newest leads, to attach tasks to.
    let mut leads: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for (owner, _) in &owners {
        let rows: Vec<LeadId> = kervan_store::db::all(
            c,
            "SELECT id FROM leads WHERE owner_id = ? ORDER BY id DESC LIMIT 2000",
            vec![(*owner).into()],
        )
        .await?;
        leads.insert(*owner, rows.into_iter().map(|r| r.id).collect());
    }
    let now = now_ms();
    let day = 86_400_000i64;
    let mut rng = SmallRng::seed_from_u64(0x5441_534b ^ n);
    let owner_w = Weighted::new(owners.iter().map(|o| o.1));
    let rows_per = 500usize;
    let mut done = 0u64;
    let txn = c.begin().await?;
    let rebuild = suspend_for_load(&txn, app, "tasks", n).await?;
    while done < n {
        let k = rows_per.min((n - done) as usize);
        let mut values: Vec<Value> = Vec::with_capacity(k * TASK_COLUMNS.len());
        for _ in 0..k {
            let owner = owners[owner_w.pick(&mut rng)].0;
            let title = one(&mut rng, TASK_TITLES);
            let roll = rng.random_range(0..100);
            let status = match roll {
                0..35 => "open",
                35..95 => "done",
                _ => "cancelled",
            };
            let due = now + rng.random_range(-60 * day..60 * day);
            let lead = leads
                .get(&owner)
                .and_then(|l| (!l.is_empty()).then(|| l[rng.random_range(0..l.len())]));
            let created = due - rng.random_range(day..14 * day);
            values.extend([
                title.into(),
                due.into(),
                one(&mut rng, &["high", "normal", "normal", "normal", "low"]).into(),
                owner.into(),
                status.into(),
                "15m".into(),
                lead.into(),
                kervan_core::text::sort_key(title).into(),
                kervan_core::text::search_key(&[Some(title)]).into(),
                created.into(),
                created.into(),
                owner.into(),
            ]);
        }
        kervan_store::db::exec(&txn, &insert_sql("tasks", TASK_COLUMNS, k), values).await?;
        done += k as u64;
        progress(done);
    }
    for sql in &rebuild {
        kervan_store::db::exec(&txn, sql, vec![]).await?;
    }
    txn.commit().await?;
    // Fresh statistics, or the planner guesses (at 100,000 tasks a guess sorted 35,000 open
    // tasks for every Görevlerim on PostgreSQL).
    sea_orm::ConnectionTrait::execute_unprepared(c, "ANALYZE tasks").await?;
    Ok(done)
}

const ACTIVITY_COLUMNS: &[&str] = &[
    "kind",
    "subject",
    "status",
    "at",
    "duration_minutes",
    "direction",
    "outcome",
    "owner_id",
    "lead_id",
    "body",
    "sort_name",
    "search_key",
    "created_at",
    "updated_at",
    "created_by",
];

const ACTIVITY_SUBJECTS: &[&str] = &[
    "Fiyat soruldu",
    "Numune talebi konuşuldu",
    "Teslim süresi görüşüldü",
    "Fuar sonrası tanışma",
    "Katalog gönderildi",
    "Teklif üzerine görüşme",
    "Ödeme vadesi konuşuldu",
    "Teknik sorular yanıtlandı",
];

/// Adds `n` held activities of the demo team with their own leads over the last year (mostly
/// calls), and sets those leads' "Son görüşme" from them. Returns how many.
pub async fn generate_activities(app: &App, n: u64, progress: impl Fn(u64)) -> Result<u64> {
    use sea_orm::{TransactionTrait, Value};
    let c = &app.db.conn;
    let owners = ensure_users(app).await?;
    let mut leads: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for (owner, _) in &owners {
        let rows: Vec<LeadId> = kervan_store::db::all(
            c,
            "SELECT id FROM leads WHERE owner_id = ? ORDER BY id DESC LIMIT 5000",
            vec![(*owner).into()],
        )
        .await?;
        leads.insert(*owner, rows.into_iter().map(|r| r.id).collect());
    }
    let now = now_ms();
    let day = 86_400_000i64;
    let mut rng = SmallRng::seed_from_u64(0x4143_5456 ^ n);
    let owner_w = Weighted::new(owners.iter().map(|o| o.1));
    let mut done = 0u64;
    let txn = c.begin().await?;
    let rebuild = suspend_for_load(&txn, app, "activities", n).await?;
    while done < n {
        let k = 500usize.min((n - done) as usize);
        let mut values: Vec<Value> = Vec::with_capacity(k * ACTIVITY_COLUMNS.len());
        for _ in 0..k {
            let owner = owners[owner_w.pick(&mut rng)].0;
            let subject = one(&mut rng, ACTIVITY_SUBJECTS);
            let kind = one(
                &mut rng,
                &[
                    "call", "call", "call", "call", "whatsapp", "email", "meeting", "visit", "note",
                ],
            );
            let at = now - rng.random_range(day / 24..365 * day);
            let lead = leads
                .get(&owner)
                .and_then(|l| (!l.is_empty()).then(|| l[rng.random_range(0..l.len())]));
            let talk = matches!(kind, "call" | "whatsapp" | "email");
            values.extend([
                kind.into(),
                subject.into(),
                "held".into(),
                at.into(),
                matches!(kind, "call" | "meeting" | "visit")
                    .then(|| rng.random_range(2..60) as f64)
                    .into(),
                talk.then_some("outbound").into(),
                (kind == "call")
                    .then(|| one(&mut rng, &["reached", "reached", "no_answer", "busy"]))
                    .into(),
                owner.into(),
                lead.into(),
                Option::<String>::None.into(),
                kervan_core::text::sort_key(subject).into(),
                kervan_core::text::search_key(&[Some(subject)]).into(),
                at.into(),
                at.into(),
                owner.into(),
            ]);
        }
        kervan_store::db::exec(&txn, &insert_sql("activities", ACTIVITY_COLUMNS, k), values).await?;
        done += k as u64;
        progress(done);
    }
    for sql in &rebuild {
        kervan_store::db::exec(&txn, sql, vec![]).await?;
    }
    // "Son görüşme" of those leads, from their held conversations.
    kervan_store::db::exec(
        &txn,
        // One pass over the activities (a correlated subquery per lead ran for minutes on
        // PostgreSQL before the new rows had statistics).
        "UPDATE leads SET last_contact_at = m.at FROM (SELECT lead_id, MAX(at) AS at FROM activities
           WHERE lead_id IS NOT NULL AND status = 'held' AND kind <> 'note' GROUP BY lead_id) m
         WHERE leads.id = m.lead_id",
        vec![],
    )
    .await?;
    txn.commit().await?;
    sea_orm::ConnectionTrait::execute_unprepared(c, "ANALYZE activities").await?;
    Ok(done)
}

#[derive(sea_orm::FromQueryResult)]
struct LeadId {
    id: i64,
}
