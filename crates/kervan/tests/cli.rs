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
