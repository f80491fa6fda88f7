//! Memory under a burst of sign-ins, measured from outside on the real `kervan serve` process:
//! 200 parallel wrong-password posts (each from its own address, so the per-address limit does
//! not stop them before the password check) must keep the server under 200 MB. Each Argon2 check
//! takes 19 MiB; unbounded, 50 of them took a server to 884 MB.
//!
//! A 25 MB attachment is streamed through too: uploading it, and downloading it, must grow the
//! server's RSS by less than 10 MB (it never holds the file).
//!
//! Run: `cargo test -p kervan --test memory -- --nocapture` (prints the figures). The PostgreSQL
//! run needs `KERVAN_TEST_PG`; outside CI it is skipped without it. `KERVAN_BIN=target/release/kervan`
//! measures another build (the release one, as users run it) instead of the test build.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kervan_store::ConnectionTrait;

const LIMIT_KB: u64 = 200 * 1024;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn start(database_url: Option<&str>, data: &std::path::Path) -> Server {
    let port = free_port();
    let bin = std::env::var("KERVAN_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kervan").to_string());
    let mut cmd = Command::new(bin);
    cmd.args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--trust-proxy"])
        .arg("--data")
        .arg(data)
        .env("KERVAN_ADMIN_EMAIL", "admin@ornek.com.tr")
        .env("KERVAN_ADMIN_PASSWORD", "gizli-parola-123")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(u) = database_url {
        cmd.args(["--database-url", u]);
    }
    let child = cmd.spawn().expect("start kervan serve");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{}/readyz", server.base)).await
            && r.status() == 200
        {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server
}

/// `VmRSS` and `VmHWM` (peak) of a process, in KiB.
fn rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn burst(label: &str, database_url: Option<&str>) {
    let dir = std::env::temp_dir().join(format!("kervan-mem-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let server = start(database_url, &dir).await;
    let pid = server.child.id();

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(format!("{}/login", server.base))
        .send()
        .await
        .expect("login page");
    let cookie = page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("csrf cookie")
        .to_string();
    let token = cookie.split('=').nth(1).expect("token").to_string();
    let (before, _) = rss(pid);

    let mut tasks = Vec::new();
    for i in 0..200u32 {
        let (base, cookie, token) = (server.base.clone(), cookie.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let c = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client");
            c.post(format!("{base}/login"))
                .header("cookie", cookie)
                .header(
                    "x-forwarded-for",
                    format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256),
                )
                .form(&[
                    ("email", format!("kisi{i}@ornek.com.tr").as_str()),
                    ("password", "yanlis-parola-123"),
                    ("_csrf", token.as_str()),
                    ("next", ""),
                ])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut statuses = std::collections::BTreeMap::new();
    for t in tasks {
        *statuses.entry(t.await.expect("task")).or_insert(0u32) += 1;
    }
    let (after, peak) = rss(pid);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (settled, _) = rss(pid);
    // The right password still works right after the burst.
    let r = client
        .post(format!("{}/login", server.base))
        .header("cookie", &cookie)
        .header("x-forwarded-for", "192.0.2.1")
        .form(&[
            ("email", "admin@ornek.com.tr"),
            ("password", "gizli-parola-123"),
            ("_csrf", token.as_str()),
            ("next", ""),
        ])
        .send()
        .await
        .expect("sign in");
    eprintln!(
        "[{label}] 200 parallel sign-ins: RSS before {} MB, right after {} MB, peak {} MB, 2 s later {} MB; answers {statuses:?}",
        before / 1024,
        after / 1024,
        peak / 1024,
        settled / 1024
    );
    assert_eq!(r.status(), 303, "a real sign-in after the burst");
    assert!(peak < LIMIT_KB, "[{label}] peak RSS {} MB over 200 MB", peak / 1024);
    assert!(
        statuses.keys().all(|s| *s == 401 || *s == 503),
        "every answer is a refusal or 'busy': {statuses:?}"
    );
    assert!(
        statuses.get(&401).copied().unwrap_or(0) >= 2,
        "some passwords were checked"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_burst_memory_sqlite() {
    burst("sqlite", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_burst_memory_postgres() {
    let Ok(base) = std::env::var("KERVAN_TEST_PG") else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but KERVAN_TEST_PG is not set");
        }
        eprintln!("skipping PostgreSQL memory test: set KERVAN_TEST_PG");
        return;
    };
    let base = base.trim_end_matches('/').to_string();
    let name = format!("kervan_mem_{:016x}", rand::random::<u64>());
    let admin = kervan_store::Db::connect(&format!("{base}/postgres"))
        .await
        .expect("connect to PostgreSQL");
    admin
        .conn
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    burst("postgres", Some(&format!("{base}/{name}"))).await;
    let _ = admin
        .conn
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}

/// Uploading (and downloading) a 25 MB attachment must stream: the server's resident memory may
/// grow by less than 10 MB while it takes the file in, and while it sends it back.
const UPLOAD_GROWTH_KB: u64 = 10 * 1024;
const UPLOAD_BYTES: usize = 25 * 1024 * 1024;

/// Resets the process's `VmHWM` to its current RSS, so the next peak is this step's own.
fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// An API token for the first admin, made the way an admin makes one (`kervan token create`).
fn admin_token(database_url: Option<&str>, data: &std::path::Path) -> String {
    let bin = std::env::var("KERVAN_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kervan").to_string());
    let mut cmd = Command::new(bin);
    cmd.arg("--data").arg(data).env_remove("DATABASE_URL");
    if let Some(u) = database_url {
        cmd.args(["--database-url", u]);
    }
    let out = cmd
        .args(["token", "create", "--email", "admin@ornek.com.tr"])
        .output()
        .expect("kervan token create");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Sends a multipart upload of a `size`-byte PDF over a plain socket, 64 KiB at a time (the
/// client holds no more of it than that), and returns the answer's status line and body.
async fn stream_upload(base: &str, token: &str, path: &str, size: usize) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let boundary = "kervan-bellek-olcumu";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"katalog 2026.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let length = head.len() + size + tail.len();
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{head}"
    );
    s.write_all(request.as_bytes()).await.expect("send head");
    let mut chunk = vec![b' '; 64 * 1024];
    chunk[..9].copy_from_slice(b"%PDF-1.4\n");
    let mut sent = 0;
    while sent < size {
        let n = chunk.len().min(size - sent);
        s.write_all(&chunk[..n]).await.expect("send body");
        if sent == 0 {
            chunk[..9].fill(b' ');
        }
        sent += n;
    }
    s.write_all(tail.as_bytes()).await.expect("send tail");
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await.expect("answer");
    let answer = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((answer.as_str(), ""));
    (head.lines().next().unwrap_or_default().to_string(), body.to_string())
}

async fn upload(label: &str, database_url: Option<&str>) {
    let dir = std::env::temp_dir().join(format!("kervan-mem-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let server = start(database_url, &dir).await;
    let pid = server.child.id();
    let token = admin_token(database_url, &dir);
    let client = reqwest::Client::new();
    let account: serde_json::Value = client
        .post(format!("{}/api/v1/accounts", server.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"kind": "company", "name": "Bellek Ölçüm A.Ş."}))
        .send()
        .await
        .expect("create account")
        .json()
        .await
        .expect("account");
    let path = format!("/api/v1/accounts/{}/files", account["id"]);
    // A small upload first, so what is made once (the folders, the parser, prepared statements)
    // is not counted as the big file's.
    let (status, body) = stream_upload(&server.base, &token, &path, 100 * 1024).await;
    assert!(status.contains(" 201 "), "warm-up upload: {status} {body}");
    tokio::time::sleep(Duration::from_millis(300)).await;

    reset_peak(pid);
    let (before, _) = rss(pid);
    let started = Instant::now();
    let (status, body) = stream_upload(&server.base, &token, &path, UPLOAD_BYTES).await;
    let took = started.elapsed();
    let (after, peak) = rss(pid);
    assert!(status.contains(" 201 "), "[{label}] upload: {status} {body}");
    let stored: serde_json::Value = serde_json::from_str(body.trim()).unwrap_or_default();
    assert_eq!(stored["size"], UPLOAD_BYTES as i64, "{body}");

    reset_peak(pid);
    let (before_down, _) = rss(pid);
    let mut r = client
        .get(format!("{}/api/v1/files/{}", server.base, stored["id"]))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    let mut got = 0usize;
    while let Some(c) = r.chunk().await.expect("chunk") {
        got += c.len();
    }
    let (_, peak_down) = rss(pid);
    assert_eq!(got, UPLOAD_BYTES);
    eprintln!(
        "[{label}] 25 MB upload in {:.2} s: RSS before {:.1} MB, peak {:.1} MB (+{:.1} MB), after {:.1} MB; download: before {:.1} MB, peak {:.1} MB (+{:.1} MB)",
        took.as_secs_f64(),
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        peak.saturating_sub(before) as f64 / 1024.0,
        after as f64 / 1024.0,
        before_down as f64 / 1024.0,
        peak_down as f64 / 1024.0,
        peak_down.saturating_sub(before_down) as f64 / 1024.0,
    );
    assert!(
        peak.saturating_sub(before) < UPLOAD_GROWTH_KB,
        "[{label}] the upload grew RSS by {} MB",
        peak.saturating_sub(before) / 1024
    );
    assert!(
        peak_down.saturating_sub(before_down) < UPLOAD_GROWTH_KB,
        "[{label}] the download grew RSS by {} MB",
        peak_down.saturating_sub(before_down) / 1024
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_upload_memory_sqlite() {
    upload("sqlite", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_upload_memory_postgres() {
    let Ok(base) = std::env::var("KERVAN_TEST_PG") else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true but KERVAN_TEST_PG is not set");
        }
        eprintln!("skipping PostgreSQL memory test: set KERVAN_TEST_PG");
        return;
    };
    let base = base.trim_end_matches('/').to_string();
    let name = format!("kervan_mem_{:016x}", rand::random::<u64>());
    let admin = kervan_store::Db::connect(&format!("{base}/postgres"))
        .await
        .expect("connect to PostgreSQL");
    admin
        .conn
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create database");
    upload("postgres", Some(&format!("{base}/{name}"))).await;
    let _ = admin
        .conn
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
}
