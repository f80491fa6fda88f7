//! Demo data end to end: the bulk loader on a real SQLite file and, when `KERVAN_TEST_PG` names a
//! server, on a fresh PostgreSQL database. Under `CI=true` a missing server fails the test.

use std::path::PathBuf;

use kervan_app::leads::Leads;
use kervan_app::records::{self, RecordKind, WriteOptions};
use kervan_app::{Actor, App, demo, lists};
use kervan_core::record::{Input, Inputs};
use kervan_core::text::{fold, upper_tr};
use kervan_store::db::scalar_i64;
use kervan_store::records::ListQuery;
use kervan_store::{ConnectionTrait, Db, migrations};

const N: u64 = 2_000;

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("kervan-demo-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    scalar_i64(&db.conn, sql, vec![]).await.unwrap().unwrap_or(0)
}

/// The definitions of everything the loader drops and recreates (indexes, triggers, foreign
/// keys), as the database reports them.
async fn schema(db: &Db) -> Vec<String> {
    let sql = if db.is_postgres() {
        "SELECT indexname || ': ' || indexdef AS d FROM pg_indexes WHERE tablename IN ('leads', 'lead_tags')
         UNION ALL
         SELECT conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conrelid IN ('leads'::regclass, 'lead_tags'::regclass)
         ORDER BY 1"
    } else {
        // The planner statistics tables appear when the load ends with ANALYZE; they are not schema.
        "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') AS d FROM sqlite_master
         WHERE name NOT LIKE 'sqlite_stat%' ORDER BY 1"
    };
    let rows = db
        .conn
        .query_all_raw(kervan_store::db::stmt(&db.conn, sql, vec![]))
        .await
        .unwrap();
    let all: Vec<String> = rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect();
    assert!(all.iter().any(|d| d.contains("leads_sort_name")), "{all:?}");
    // The demo's custom fields bring their own indexes (checked apart).
    all.into_iter().filter(|d| !d.contains("cf_leads_")).collect()
}

async fn search_ids(app: &App, text: &str) -> Vec<i64> {
    let mut q = ListQuery {
        limit: 500,
        desc: true,
        ..Default::default()
    };
    lists::search_text(&mut q, text);
    records::list_kind(app, &Actor::system(), Leads::KIND, &[], &q)
        .await
        .unwrap()
        .records
        .into_iter()
        .map(|l| l.id)
        .collect()
}

/// What must hold on either backend after generating `N` leads into an empty database.
async fn check(app: &App) {
    let db = &app.db;
    let before = schema(db).await;
    let seen = std::sync::Mutex::new(Vec::new());
    let report = demo::generate(app, N, |done| seen.lock().unwrap().push(done))
        .await
        .unwrap();
    assert_eq!(report.leads, N);
    assert_eq!(report.users, 8);
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.last(), Some(&N));
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    // Everything dropped for the load is back exactly as the migration made it.
    assert_eq!(schema(db).await, before);
    // The demo's custom fields exist with their filter indexes built, and every lead has a
    // budget range (one in five each).
    let defs = kervan_app::custom_fields::list(app, &Actor::system(), "leads")
        .await
        .unwrap();
    assert!(
        defs.iter()
            .any(|d| d.key == "butce_araligi" && d.index_state == "ready"),
        "{defs:?}"
    );
    let with_budget = if db.is_postgres() {
        count(
            db,
            "SELECT COUNT(*) FROM leads WHERE custom->>'butce_araligi' = 'f_1_5_milyon'",
        )
        .await
    } else {
        count(
            db,
            "SELECT COUNT(*) FROM leads WHERE json_extract(custom, '$.butce_araligi') = 'f_1_5_milyon'",
        )
        .await
    };
    assert_eq!(with_budget, N as i64 / 5);
    // The values in use for the filter menus were counted.
    assert!(
        count(
            db,
            "SELECT COUNT(*) FROM field_values WHERE kind = 'leads' AND field = 'source_detail'"
        )
        .await
            > 0
    );

    assert_eq!(count(db, "SELECT COUNT(*) FROM leads").await, N as i64);
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM users WHERE email LIKE '%@demo.kervan.local'").await,
        8
    );
    assert_eq!(count(db, "SELECT COUNT(DISTINCT owner_id) FROM leads").await, 8);
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM leads WHERE status = 'converted'").await,
        0
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM leads WHERE created_by IS NULL OR created_by <> owner_id"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM leads WHERE version <> 1 OR updated_at < created_at"
        )
        .await,
        0
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log").await, 0);
    let tagged = count(db, "SELECT COUNT(DISTINCT lead_id) FROM lead_tags").await;
    assert!((N as i64 / 5..N as i64 * 2 / 5).contains(&tagged), "{tagged}");

    // A demo user signs in with the documented password.
    let user = kervan_store::users::by_email(&db.conn, "satis1@demo.kervan.local")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.team_name.as_deref(), Some("Satış Ekibi 1"));
    assert!(
        kervan_app::auth::verify_password(app, demo::DEMO_PASSWORD, &user.password_hash)
            .await
            .unwrap()
    );

    // Search finds a lead by a fragment of its folded name, by its name in Turkish capitals,
    // and by its phone.
    let id = count(
        db,
        "SELECT MIN(id) FROM leads WHERE first_name IS NOT NULL AND last_name IS NOT NULL",
    )
    .await;
    let lead = records::get::<Leads>(app, &Actor::system(), id).await.unwrap();
    let name = Leads::name(&lead.values);
    let folded = lead.sort_name.clone();
    assert_eq!(fold(&name), folded);
    let fragment: String = folded.chars().skip(1).take(folded.chars().count() - 2).collect();
    assert!(search_ids(app, &fragment).await.contains(&id), "{fragment}");
    assert!(search_ids(app, &upper_tr(&name)).await.contains(&id), "{name}");
    let phone = count(db, "SELECT MIN(id) FROM leads WHERE phone LIKE '+905%'").await;
    let phone_lead = records::get::<Leads>(app, &Actor::system(), phone).await.unwrap();
    let national = phone_lead.phone("phone").unwrap().as_str().replace("+90", "0");
    assert_eq!(search_ids(app, &national).await, vec![phone]);

    // A small run into a bigger table keeps the indexes and commits in chunks.
    demo::generate(app, 10, |_| {}).await.unwrap();
    assert_eq!(count(db, "SELECT COUNT(*) FROM leads").await, N as i64 + 10);
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM users WHERE email LIKE '%@demo.kervan.local'").await,
        8
    );
    assert_eq!(schema(db).await, before);
    // A large one rebuilds them around the rows already there.
    demo::generate(app, 3_000, |_| {}).await.unwrap();
    assert_eq!(count(db, "SELECT COUNT(*) FROM leads").await, N as i64 + 3_010);
    assert_eq!(schema(db).await, before);
    assert!(search_ids(app, &fragment).await.contains(&id), "{fragment}");
    let last = count(db, "SELECT MAX(id) FROM leads").await;
    let last_lead = records::get::<Leads>(app, &Actor::system(), last).await.unwrap();
    assert!(search_ids(app, &last_lead.sort_name).await.contains(&last));

    // The normal write path still works: the id sequence is past the demo ids, and the
    // full-text trigger is back.
    let mut draft = Inputs::default();
    for (k, v) in [
        ("first_name", "Şükrü"),
        ("last_name", "Işıkoğlu"),
        ("phone", "0212 444 12 34"),
        ("source", "fair"),
    ] {
        draft.fields.insert(k.into(), Input::Text(v.into()));
    }
    let opts = WriteOptions { allow_duplicate: true };
    let new_id = records::create::<Leads>(app, &Actor::system(), &draft, &opts)
        .await
        .unwrap();
    assert!(new_id > last, "{new_id}");
    assert_eq!(search_ids(app, "SUKRU ışıkoğ").await, vec![new_id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_on_sqlite() {
    let dir = TempDir::new();
    let db = Db::connect(&format!("sqlite://{}/t.db?mode=rwc", dir.0.display()))
        .await
        .unwrap();
    migrations::run(&db).await.unwrap();
    let app = App::new(db.clone(), Default::default());

    check(&app).await;

    // The full-text index agrees with the table, row for row.
    db.conn
        .execute_unprepared("INSERT INTO leads_fts(leads_fts, rank) VALUES ('integrity-check', 1)")
        .await
        .unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM leads_fts").await, N as i64 + 3_011);
}

/// `postgres://user@host:port` of `KERVAN_TEST_PG`, without a database path.
fn pg_server() -> Option<String> {
    match std::env::var("KERVAN_TEST_PG").ok().filter(|s| !s.trim().is_empty()) {
        Some(url) => {
            let url = url.trim().trim_end_matches('/');
            let scheme_end = url.find("://").map(|i| i + 3).unwrap_or(0);
            Some(match url[scheme_end..].find('/') {
                Some(slash) => url[..scheme_end + slash].to_string(),
                None => url.to_string(),
            })
        }
        None => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but KERVAN_TEST_PG is not set"
            );
            eprintln!("note: KERVAN_TEST_PG not set; skipping the PostgreSQL demo test");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_on_postgres() {
    let Some(server) = pg_server() else { return };
    let admin = Db::connect(&format!("{server}/postgres")).await.unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("kervan_demo_test_{}_{nanos}", std::process::id());
    admin
        .conn
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();

    let db = Db::connect(&format!("{server}/{name}")).await.unwrap();
    migrations::run(&db).await.unwrap();
    let app = App::new(db.clone(), Default::default());
    // Run the checks in their own task so the database is dropped even when they fail.
    let outcome = tokio::spawn(async move { check(&app).await }).await;
    db.conn.close_by_ref().await.unwrap();
    admin
        .conn
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
