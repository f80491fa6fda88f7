//! The `kervan` command as a user runs it, on a fresh data directory (SQLite).

use std::process::Command;

fn kervan(data: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kervan"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("KERVAN_ADMIN_EMAIL")
        .env_remove("KERVAN_ADMIN_PASSWORD")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run kervan");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kervan-cli-{name}-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn demo_on_an_empty_database_says_how_the_admin_signs_in() {
    let dir = temp_dir("demo");
    let (ok, out, err) = kervan(&dir, &["demo", "--leads", "20"]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("e-posta: admin@kervan.local"), "{out}");
    let password = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("parola:"))
        .and_then(|l| l.split_whitespace().next())
        .expect("the admin's password is printed");
    assert!(password.len() >= 12, "{password}");
    assert!(out.contains("demo data: 8 users, 20 leads"), "{out}");
    // A second run adds data and leaves the admin alone (no new password is printed).
    let (ok, out, err) = kervan(&dir, &["demo", "--leads", "5"]);
    assert!(ok, "{out}\n{err}");
    assert!(!out.contains("parola:"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh PostgreSQL database for one test (`None` without `KERVAN_TEST_PG`, unless in CI).
fn postgres_url(name: &str) -> Option<String> {
    let Ok(base) = std::env::var("KERVAN_TEST_PG") else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true but KERVAN_TEST_PG is not set"
        );
        return None;
    };
    let base = base.trim_end_matches('/').to_string();
    let db = format!("kervan_cli_{name}_{:016x}", rand::random::<u64>());
    on_server(&base, &format!("CREATE DATABASE {db}"));
    Some(format!("{base}/{db}"))
}

/// Drops a database [`postgres_url`] made.
fn drop_postgres(url: &str) {
    if let Some((base, db)) = url.rsplit_once('/') {
        on_server(base, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    }
}

/// Runs one statement on the server's `postgres` database (creating or dropping a test's own).
fn on_server(base: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        use kervan_store::ConnectionTrait;
        let admin = kervan_store::Db::connect(&format!("{base}/postgres"))
            .await
            .expect("connect to PostgreSQL");
        admin.conn.execute_unprepared(sql).await.expect(sql);
    });
}

/// The fair file through `kervan import`, again with `--dry-run`, then `kervan export`, on
/// SQLite and (with `KERVAN_TEST_PG`) on PostgreSQL: what the commands print, the report beside
/// the file, the export's rows and apostrophes, and refusals (no such user, no such kind).
#[test]
fn import_and_export_through_the_command_line() {
    let mut backends: Vec<Vec<String>> = vec![vec![]];
    if let Some(url) = postgres_url("io") {
        backends.push(vec!["--database-url".into(), url]);
    }
    for db in backends {
        let dir = temp_dir("io");
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = db.iter().map(String::as_str).collect();
            all.extend(args);
            kervan(&dir, &all)
        };
        let (ok, out, err) = run(&[
            "user",
            "add",
            "--email",
            "mudur@ornek.com.tr",
            "--name",
            "Müdür Bey",
            "--role",
            "admin",
        ]);
        assert!(ok, "{out}\n{err}");
        let file = dir.join("fuar.csv");
        std::fs::write(
            &file,
            "Ad Soyad;GSM;E-posta;Not\nAyşe Yılmaz;0532 111 22 33;ayse@ornek.com.tr;=SUM(A1)\nCan Er;0532 111 22 34;bozuk@;\nAyşe Yılmaz;0532 111 22 33;;ikinci kez\n",
        )
        .expect("write the file");
        let path = file.to_string_lossy().into_owned();
        let fixed = ["--source", "fair", "--source-detail", "Metal Expo 2025"];
        let mut args = vec!["import", "leads", path.as_str()];
        args.extend(fixed);
        let (ok, out, err) = run(&args);
        assert!(ok, "{out}\n{err}");
        assert!(out.contains("1 created, 0 updated, 1 skipped, 1 rejected"), "{out}");
        let report = std::fs::read_to_string(dir.join("fuar.rapor.csv")).expect("the report beside the file");
        assert!(
            report.contains("invalid_email") || report.contains("e-posta"),
            "{report}"
        );
        // A dry run judges and writes nothing: the person is there now.
        args.push("--dry-run");
        let (ok, out, err) = run(&args);
        assert!(ok, "{out}\n{err}");
        assert!(out.contains("0 created"), "{out}");
        // Out again: the lead, its formula-like note neutralised.
        let export = dir.join("adaylar.csv");
        let export_path = export.to_string_lossy().into_owned();
        let (ok, out, err) = run(&["export", "leads", "--out", &export_path]);
        assert!(ok, "{out}\n{err}");
        let csv = std::fs::read_to_string(&export).expect("the export");
        assert!(csv.starts_with('\u{FEFF}'), "BOM");
        assert_eq!(csv.lines().count(), 2, "{csv}");
        assert!(csv.contains("Ayşe") && csv.contains("'=SUM(A1)"), "{csv}");
        // Refused clearly, nothing written.
        let (ok, _, err) = run(&["export", "leads", "--as", "yok@ornek.com.tr", "--out", &export_path]);
        assert!(!ok && !err.is_empty(), "{err}");
        let (ok, _, err) = run(&["import", "kuslar", path.as_str()]);
        assert!(!ok && !err.is_empty(), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
        if let Some(url) = db.get(1) {
            drop_postgres(url);
        }
    }
}
