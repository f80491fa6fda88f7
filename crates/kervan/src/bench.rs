//! `kervan bench`: how fast Kervan answers, measured as a user meets it — over HTTP, from
//! outside the server process, on keep-alive connections, signed in as an admin. The bench
//! starts `kervan serve` on the same database (or measures `--url`), then times the pages and
//! the API: lists (default, filtered, by a custom select, with five custom columns), search,
//! cards, a load of several connections, and creates one after another. Timings are printed,
//! never judged: the targets are in the README.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use kervan_app::{Actor, App};

#[derive(Args)]
pub struct BenchArgs {
    /// Measure a server already running at this address (on the same database) instead of
    /// starting one.
    #[arg(long)]
    pub url: Option<String>,
    /// Timed requests per scenario, after a warm-up of 20.
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
    /// Connections of the load test.
    #[arg(long, default_value_t = 8)]
    pub connections: usize,
    /// Seconds of the load test.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Leads created one after another through the API (and a fifth as many through the form).
    #[arg(long, default_value_t = 1000)]
    pub creates: usize,
    /// Run only the scenarios whose name contains this text (e.g. `JSON`, `search`, `load`,
    /// `create`, `timeline`, `calendar`, `deals`, `forecast`, `quote`): to look at one figure,
    /// or to profile the server under one kind of request. The deal and quote scenarios make
    /// their data once (a pipeline with 5,000 open deals, 100,000 deals, quotes of 50 and 500 lines).
    /// `import` runs only when asked for: it imports `--import-rows` leads from an XLSX through
    /// the pages, makes their first calls, tags them all by filter, exports every lead to CSV
    /// (with the server's memory), and undoes the import.
    #[arg(long)]
    pub only: Option<String>,
    /// Rows of the `import` scenario's file; 0 leaves the import, its first calls and its undo
    /// out (the bulk tag and the export alone).
    #[arg(long, default_value_t = 100_000)]
    pub import_rows: usize,
}

impl BenchArgs {
    fn wants(&self, scenario: &str) -> bool {
        self.only
            .as_deref()
            .is_none_or(|o| scenario.to_lowercase().contains(&o.to_lowercase()))
    }
}

const BENCH_EMAIL: &str = "bench@kervan.local";
const WARM_UP: usize = 20;

type Http = Client<HttpConnector, Full<Bytes>>;

fn client(connections: usize) -> Http {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(connections)
        .build_http()
}

/// Who the requests are made as: the session cookie of the pages, the token of the API.
struct Who {
    cookie: String,
    csrf: String,
    token: String,
}

/// One answer: status, body, and the cookies it set.
struct Answer {
    status: u16,
    body: Bytes,
    cookies: Vec<String>,
    location: String,
}

enum Auth<'a> {
    None,
    Cookie(&'a str),
    Token(&'a str),
}

async fn send(
    http: &Http,
    base: &str,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<(&'static str, String)>,
) -> Result<Answer, String> {
    let mut req = Request::builder().method(method).uri(format!("{base}{path}"));
    match auth {
        Auth::None => {}
        Auth::Cookie(c) => req = req.header("cookie", c),
        Auth::Token(t) => req = req.header("authorization", format!("Bearer {t}")),
    }
    let payload = match body {
        Some((content_type, b)) => {
            req = req.header("content-type", content_type);
            Bytes::from(b)
        }
        None => Bytes::new(),
    };
    let req = req.body(Full::new(payload)).map_err(|e| e.to_string())?;
    let resp = http.request(req).await.map_err(|e| format!("{path}: {e}"))?;
    let status = resp.status().as_u16();
    let cookies = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .collect();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{path}: {e}"))?
        .to_bytes();
    Ok(Answer {
        status,
        body,
        cookies,
        location,
    })
}

/// The value of the first hidden input `name` of a page.
fn hidden(html: &str, name: &str) -> String {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string()
}

fn json(a: &Answer) -> Value {
    serde_json::from_slice(&a.body).unwrap_or(Value::Null)
}

/// Percentiles of a set of durations in milliseconds.
struct Stats(Vec<f64>);

impl Stats {
    fn pct(&self, p: f64) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        if v.is_empty() {
            return 0.0;
        }
        v[(((v.len() - 1) as f64) * p).round() as usize]
    }

    fn line(&self, name: &str) {
        println!(
            "{name:<56} p50 {:>7.2}  p95 {:>7.2}  p99 {:>7.2}  max {:>8.2} ms  (n={})",
            self.pct(0.5),
            self.pct(0.95),
            self.pct(0.99),
            self.pct(1.0),
            self.0.len()
        );
    }
}

/// Times `paths` one after another on one keep-alive connection (the first [`WARM_UP`] are
/// not counted), as pages (the session cookie) or API calls (the token); every answer must be
/// a 200.
async fn timed(http: &Http, base: &str, who: &Who, page: bool, paths: &[String]) -> Result<Stats, String> {
    let mut ms = Vec::with_capacity(paths.len());
    for (i, p) in paths.iter().enumerate() {
        let auth = if page {
            Auth::Cookie(&who.cookie)
        } else {
            Auth::Token(&who.token)
        };
        let t = Instant::now();
        let a = send(http, base, Method::GET, p, auth, None).await?;
        let took = t.elapsed().as_secs_f64() * 1000.0;
        if a.status != 200 {
            return Err(format!("GET {p} answered {}", a.status));
        }
        if i >= WARM_UP {
            ms.push(took);
        }
    }
    Ok(Stats(ms))
}

/// `n + WARM_UP` paths made from `make(i)`.
fn paths(n: usize, make: impl Fn(usize) -> String) -> Vec<String> {
    (0..n + WARM_UP).map(make).collect()
}

/// A `kervan serve` started for the bench, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

async fn start_server(database_url: &str, data: &std::path::Path) -> Result<(Server, String), String> {
    let port = free_port()?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let child = Command::new(exe)
        .args([
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            database_url,
            // The measured database's own folder: its files and its mail outbox go there.
            "--data",
            &data.display().to_string(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start kervan serve: {e}"))?;
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let http = client(1);
    let started = Instant::now();
    loop {
        if let Ok(a) = send(&http, &base, Method::GET, "/readyz", Auth::None, None).await
            && a.status == 200
        {
            return Ok((server, base));
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err("kervan serve did not become ready in 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The bench's admin (made once), with a fresh password, signed in through the login form.
async fn sign_in(app: &App, http: &Http, base: &str) -> Result<Who, String> {
    sign_in_as(app, http, base, BENCH_EMAIL, "admin", None).await
}

/// Signs `email` in (created with `role` in `team` when missing) with a fresh password: a
/// session cookie for pages and an API token.
async fn sign_in_as(
    app: &App,
    http: &Http,
    base: &str,
    email: &str,
    role: &str,
    team: Option<&str>,
) -> Result<Who, String> {
    use rand::Rng;
    let err = |e: kervan_app::AppError| e.to_string();
    let password: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    let c = &app.db.conn;
    let id = match kervan_store::users::by_email(c, email)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(u) => {
            let hash = kervan_app::auth::hash_password(app, &password).await.map_err(err)?;
            kervan_store::users::set_password(c, u.id, &hash)
                .await
                .map_err(|e| e.to_string())?;
            u.id
        }
        None => {
            let d = kervan_app::users::UserDraft {
                email: email.into(),
                name: if email == BENCH_EMAIL {
                    "Kervan Bench".into()
                } else {
                    format!("Bench {role}")
                },
                role: role.into(),
                team: team.map(str::to_string),
                password: password.clone(),
            };
            kervan_app::users::create(app, &Actor::system(), &d)
                .await
                .map_err(err)?
        }
    };
    let token = kervan_app::auth::create_token(app, id, Some("kervan bench"))
        .await
        .map_err(err)?;
    let page = send(http, base, Method::GET, "/login", Auth::None, None).await?;
    let login_cookie = page.cookies.join("; ");
    let form = serde_urlencoded::to_string([
        ("email", email),
        ("password", &password),
        ("_csrf", &hidden(&String::from_utf8_lossy(&page.body), "_csrf")),
        ("next", ""),
    ])
    .map_err(|e| e.to_string())?;
    let a = send(
        http,
        base,
        Method::POST,
        "/login",
        Auth::Cookie(&login_cookie),
        Some(("application/x-www-form-urlencoded", form)),
    )
    .await?;
    if a.status != 303 {
        return Err(format!("signing in answered {}", a.status));
    }
    let cookie = a.cookies.join("; ");
    let page = send(http, base, Method::GET, "/leads/new", Auth::Cookie(&cookie), None).await?;
    let csrf = hidden(&String::from_utf8_lossy(&page.body), "_csrf");
    Ok(Who { cookie, csrf, token })
}

/// What the read scenarios ask for, sampled from the data through the API.
struct Sample {
    lead_ids: Vec<i64>,
    names: Vec<String>,
    phones: Vec<String>,
    account_ids: Vec<i64>,
    /// A filterable custom select of leads and its option keys.
    custom_filter: Option<(String, Vec<String>)>,
    /// A saved view of leads showing five custom columns.
    view_id: Option<i64>,
    /// The person with the most open tasks (for Görevlerim), when there are tasks.
    task_owner: Option<i64>,
}

async fn sample(http: &Http, base: &str, who: &Who) -> Result<Sample, String> {
    let get = |path: String| {
        let token = who.token.clone();
        async move {
            send(http, base, Method::GET, &path, Auth::Token(&token), None)
                .await
                .map(|a| json(&a))
        }
    };
    let mut items = Vec::new();
    for path in ["/api/v1/leads?limit=200", "/api/v1/leads?limit=200&sort=created_at"] {
        items.extend(
            get(path.to_string()).await?["items"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
    }
    let lead_ids: Vec<i64> = items.iter().filter_map(|l| l["id"].as_i64()).collect();
    let names: Vec<String> = items
        .iter()
        .filter_map(|l| l["last_name"].as_str())
        .map(|n| n.chars().take(5).collect())
        .collect();
    let phones: Vec<String> = items
        .iter()
        .filter_map(|l| l["phone"].as_str().map(str::to_string))
        .collect();
    let accounts = get("/api/v1/accounts?limit=200&include_passive=1".into()).await?;
    let account_ids = accounts["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["id"].as_i64()).collect())
        .unwrap_or_default();
    let meta = get("/api/v1/meta/leads".into()).await?;
    let custom: Vec<Value> = meta["fields"]
        .as_array()
        .map(|f| f.iter().filter(|x| x["custom"] == true).cloned().collect())
        .unwrap_or_default();
    let custom_filter = custom
        .iter()
        .find(|f| f["type"] == "choice" && f["filterable"] == true)
        .map(|f| {
            let key = f["key"].as_str().unwrap_or_default().to_string();
            let options = f["options"]
                .as_array()
                .map(|o| o.iter().filter_map(|x| x["key"].as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            (key, options)
        });
    let columns: Vec<String> = custom
        .iter()
        .filter_map(|f| f["key"].as_str().map(str::to_string))
        .take(5)
        .collect();
    let view_id = if columns.len() == 5 {
        let mut all = vec!["name".to_string(), "phone".into(), "status".into()];
        all.extend(columns);
        let body = json!({"kind": "leads", "name": format!("Bench {}", kervan_core::time::now_ms()), "columns": all});
        let a = send(
            http,
            base,
            Method::POST,
            "/api/v1/views",
            Auth::Token(&who.token),
            Some(("application/json", body.to_string())),
        )
        .await?;
        json(&a)["id"].as_i64()
    } else {
        None
    };
    if lead_ids.is_empty() {
        return Err("no leads to measure: run `kervan demo --leads 1000000` first".into());
    }
    // A filter that finds nothing is fast and measures nothing: every option must find leads.
    if let Some((key, options)) = &custom_filter {
        for o in options {
            let found = get(format!("/api/v1/leads?{key}={o}")).await?;
            if found["items"].as_array().is_none_or(|i| i.is_empty()) {
                return Err(format!(
                    "no lead has {key} = {o}: the measured filter would find nothing (re-run `kervan demo`)"
                ));
            }
        }
    }
    let open = get("/api/v1/tasks?status=open&limit=200".into()).await?;
    let mut per_owner: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for t in open["items"].as_array().into_iter().flatten() {
        if let Some(o) = t["owner_id"].as_i64() {
            *per_owner.entry(o).or_default() += 1;
        }
    }
    let task_owner = per_owner.into_iter().max_by_key(|(_, n)| *n).map(|(o, _)| o);
    Ok(Sample {
        lead_ids,
        names,
        phones,
        account_ids,
        custom_filter,
        view_id,
        task_owner,
    })
}

fn pick<T: Clone>(v: &[T], i: usize) -> T {
    v[i % v.len()].clone()
}

fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap_or_default()
}

/// Page and API reads, one after another.
async fn reads(http: &Http, base: &str, who: &Who, s: &Sample, a: &BenchArgs) -> Result<(), String> {
    let n = a.requests.max(1);
    let statuses = ["new", "contacted", "info_sent", "quoted", "lost"];
    let sources = ["fair", "meta", "google_ads", "web_form", "referral"];
    let filtered = |prefix: &'static str| {
        move |i: usize| format!("{prefix}status={}&source={}", pick(&statuses, i), pick(&sources, i / 5))
    };
    let mut runs: Vec<(String, Vec<String>, bool)> = vec![
        ("list page, default (HTML)".into(), paths(n, |_| "/leads".into()), true),
        (
            "list page, status + source filter (HTML)".into(),
            paths(n, filtered("/leads?")),
            true,
        ),
        ("list JSON, default".into(), paths(n, |_| "/api/v1/leads".into()), false),
        (
            "list JSON, status + source filter".into(),
            paths(n, filtered("/api/v1/leads?")),
            false,
        ),
    ];
    if let Some((key, options)) = &s.custom_filter {
        runs.push((
            format!("list page, {key} (one option in five) (HTML)"),
            paths(n, |i| format!("/leads?{key}={}", pick(options, i))),
            true,
        ));
        runs.push((
            format!("list JSON, {key}"),
            paths(n, |i| format!("/api/v1/leads?{key}={}", pick(options, i))),
            false,
        ));
    } else {
        println!("(no filterable custom select on leads: run `kervan demo` to add the demo's custom fields)");
    }
    if let Some(v) = s.view_id {
        runs.push((
            "list page, view with 5 custom columns (HTML)".into(),
            paths(n, |_| format!("/leads?view={v}")),
            true,
        ));
        runs.push((
            "list JSON, view with 5 custom columns".into(),
            paths(n, |_| format!("/api/v1/leads?view={v}")),
            false,
        ));
    }
    runs.extend([
        (
            "list page, name search (HTML)".to_string(),
            paths(n, |i| format!("/leads?{}", enc(&pick(&s.names, i * 7)))),
            true,
        ),
        (
            "search page, all kinds (HTML)".to_string(),
            paths(n, |i| format!("/search?{}", enc(&pick(&s.names, i * 11)))),
            true,
        ),
        (
            "live search box, all kinds (HTML fragment)".to_string(),
            paths(n, |i| format!("/search?partial=1&{}", enc(&pick(&s.names, i * 13)))),
            true,
        ),
        (
            "search JSON, all kinds, name or phone".to_string(),
            paths(n, |i| {
                let q = if i % 3 == 0 {
                    pick(&s.phones, i)
                } else {
                    pick(&s.names, i * 3)
                };
                format!("/api/v1/search?{}", enc(&q))
            }),
            false,
        ),
        (
            "lead card (HTML)".to_string(),
            paths(n, |i| format!("/leads/{}", pick(&s.lead_ids, i * 17))),
            true,
        ),
        (
            "lead JSON".to_string(),
            paths(n, |i| format!("/api/v1/leads/{}", pick(&s.lead_ids, i * 19))),
            false,
        ),
    ]);
    if !s.account_ids.is_empty() {
        runs.push((
            "customer card with its people tab (HTML)".into(),
            paths(n, |i| format!("/accounts/{}?tab=contacts", pick(&s.account_ids, i * 7))),
            true,
        ));
    }
    if let Some(owner) = s.task_owner {
        runs.push((
            "Görevlerim of a sales rep (HTML)".into(),
            paths(n, |_| format!("/my-tasks?whose={owner}")),
            true,
        ));
        runs.push((
            "Görevlerim of the whole company (HTML)".into(),
            paths(n, |_| "/my-tasks?whose=team".into()),
            true,
        ));
        runs.push((
            "task list JSON, open, by due time".into(),
            paths(n, |_| "/api/v1/tasks?status=open".into()),
            false,
        ));
    } else {
        println!("(no tasks: run `kervan demo` to add the demo's tasks)");
    }
    // Deep in a cursor chain: 100 pages in, then the pages after.
    const DEEP: &str = "list JSON, page 100+ of a cursor chain";
    if a.wants(DEEP) {
        let mut path = "/api/v1/leads?status=new".to_string();
        let mut deep = Vec::new();
        for i in 0..(100 + n + WARM_UP) {
            let a = send(http, base, Method::GET, &path, Auth::Token(&who.token), None).await?;
            let Some(next) = json(&a)["next_cursor"].as_str().map(str::to_string) else {
                break;
            };
            path = format!("/api/v1/leads?status=new&cursor={next}");
            if i >= 100 {
                deep.push(path.clone());
            }
        }
        if deep.len() > WARM_UP {
            runs.push((DEEP.into(), deep, false));
        }
    }
    for (name, ps, is_page) in runs.into_iter().filter(|r| a.wants(&r.0)) {
        timed(http, base, who, is_page, &ps).await?.line(&name);
    }
    Ok(())
}

/// Several connections asking for the list page as fast as they can.
async fn load(base: &str, who: &Who, connections: usize, seconds: u64) -> Result<(), String> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (base, cookie) = (base.to_string(), who.cookie.clone());
        tasks.push(tokio::spawn(async move {
            let http = client(1);
            let (mut ms, mut errors) = (Vec::new(), 0u64);
            while Instant::now() < until {
                let t = Instant::now();
                match send(&http, &base, Method::GET, "/leads", Auth::Cookie(&cookie), None).await {
                    Ok(a) if a.status == 200 => ms.push(t.elapsed().as_secs_f64() * 1000.0),
                    _ => errors += 1,
                }
            }
            (ms, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        let (ms, e) = t.await.map_err(|e| e.to_string())?;
        all.extend(ms);
        errors += e;
    }
    let rps = all.len() as f64 / seconds as f64;
    let s = Stats(all);
    println!(
        "load: {connections} connections × {seconds} s on /leads (HTML): {rps:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, errors {errors}",
        s.pct(0.5),
        s.pct(0.99),
        s.pct(1.0)
    );
    Ok(())
}

/// Leads created one after another: through the API, then through the form; all deleted after.
async fn creates(http: &Http, base: &str, who: &Who, n: usize, s: &Sample) -> Result<(), String> {
    let stamp = kervan_core::time::now_ms();
    let mut ids = Vec::new();
    let mut ms = Vec::with_capacity(n);
    let mut slow = Vec::new();
    for i in 0..n {
        let mut body = json!({
            "first_name": "Bench", "last_name": format!("Aday {i}"),
            "email": format!("bench.{stamp}.{i}@ornek.com.tr"), "source": "fair",
            "source_detail": "Bench Expo", "city": "İstanbul", "tags": ["bench"],
        });
        if let Some((key, options)) = &s.custom_filter {
            body["custom"] = json!({key.trim_start_matches("custom."): pick(options, i)});
        }
        let t = Instant::now();
        let a = send(
            http,
            base,
            Method::POST,
            "/api/v1/leads",
            Auth::Token(&who.token),
            Some(("application/json", body.to_string())),
        )
        .await?;
        let took = t.elapsed().as_secs_f64() * 1000.0;
        if a.status != 201 {
            return Err(format!(
                "create answered {}: {}",
                a.status,
                String::from_utf8_lossy(&a.body)
            ));
        }
        ids.push(json(&a)["id"].as_i64().unwrap_or_default());
        if took > 100.0 {
            slow.push((i, took));
        }
        ms.push(took);
    }
    let stats = Stats(ms);
    stats.line(&format!("create a lead (API), {n} in a row"));
    println!(
        "  over 100 ms: {} {:?}",
        slow.len(),
        slow.iter().take(5).collect::<Vec<_>>()
    );

    let forms = (n / 5).max(1);
    let mut ms = Vec::with_capacity(forms);
    for i in 0..forms {
        let form = serde_urlencoded::to_string([
            ("first_name", "Bench".to_string()),
            ("last_name", format!("Form {i}")),
            ("email", format!("bench.form.{stamp}.{i}@ornek.com.tr")),
            ("source", "fair".into()),
            ("source_detail", "Bench Expo".into()),
            ("status", "new".into()),
            ("_csrf", who.csrf.clone()),
        ])
        .map_err(|e| e.to_string())?;
        let t = Instant::now();
        let a = send(
            http,
            base,
            Method::POST,
            "/leads",
            Auth::Cookie(&who.cookie),
            Some(("application/x-www-form-urlencoded", form)),
        )
        .await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        if a.status != 303 {
            return Err(format!("the lead form answered {}", a.status));
        }
        if let Some(id) = a
            .location
            .trim_start_matches("/leads/")
            .split('?')
            .next()
            .and_then(|x| x.parse().ok())
        {
            ids.push(id);
        }
    }
    Stats(ms).line(&format!("create a lead (form post), {forms} in a row"));

    for id in ids {
        send(
            http,
            base,
            Method::DELETE,
            &format!("/api/v1/leads/{id}?hard=true"),
            Auth::Token(&who.token),
            None,
        )
        .await?;
    }
    Ok(())
}

/// Leaves the database as the bench found it: PostgreSQL gets the dead rows of the deleted
/// leads cleared now (autovacuum would, a little later), so the next run measures the same table.
async fn tidy(app: &App) -> Result<(), String> {
    if app.db.is_postgres() {
        use kervan_store::ConnectionTrait;
        app.db
            .conn
            .execute_unprepared("VACUUM (ANALYZE) leads, lead_tags")
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Reminder throughput: `n` reminders of open tasks made due at once, then turned into
/// notifications by this process's worker and the server's (two workers, as two servers would).
async fn reminders(app: &App, n: u64) -> Result<(), String> {
    let c = &app.db.conn;
    let open = kervan_store::tasks::open_reminded(c, n)
        .await
        .map_err(|e| e.to_string())?;
    if open.is_empty() {
        println!("(no open tasks with a reminder: run `kervan demo` first)");
        return Ok(());
    }
    // Notifications of an earlier run would make these no-ops: clear them first.
    kervan_store::db::exec(c, "DELETE FROM notifications WHERE kind = 'task_due'", vec![])
        .await
        .map_err(|e| e.to_string())?;
    let now = kervan_core::time::now_ms();
    for t in &open {
        let payload = json!({"task": t.id, "due": t.due_at, "reminder": t.reminder}).to_string();
        kervan_store::jobs::enqueue(
            c,
            kervan_app::tasks::REMINDER_JOB,
            &payload,
            Some(&format!("bench-reminder:{}:{now}", t.id)),
            0,
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    let started = Instant::now();
    kervan_app::jobs::run_due(app).await.map_err(|e| e.to_string())?;
    // The server's worker may still hold the last few.
    loop {
        let left = kervan_store::db::scalar_i64(
            c,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'task_reminder' AND done_at IS NULL",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or(0);
        if left == 0 || started.elapsed() > Duration::from_secs(120) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    let notified =
        kervan_store::db::scalar_i64(c, "SELECT COUNT(*) FROM notifications WHERE kind = 'task_due'", vec![])
            .await
            .map_err(|e| e.to_string())?
            .unwrap_or(0);
    println!(
        "reminders: {} due at once → {notified} notifications in {:.2} s: {:.0} per second",
        open.len(),
        secs,
        notified as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// Inserts rows into `table` 500 at a time: `row(i)` gives one row's values in `columns` order.
async fn insert_rows(
    app: &App,
    table: &str,
    columns: &str,
    n: usize,
    row: impl Fn(usize) -> Vec<kervan_store::sea_orm_value::Value>,
) -> Result<(), String> {
    let width = columns.split(',').count();
    let mut i = 0;
    while i < n {
        let m = (n - i).min(500);
        let marks = format!("({})", vec!["?"; width].join(", "));
        let sql = format!("INSERT INTO {table} ({columns}) VALUES {}", vec![marks; m].join(", "));
        let values: Vec<_> = (i..i + m).flat_map(&row).collect();
        kervan_store::db::exec(&app.db.conn, &sql, values)
            .await
            .map_err(|e| e.to_string())?;
        i += m;
    }
    Ok(())
}

/// The customer whose timeline is measured: one with 10,000 activities (made here, once).
async fn timeline_customer(app: &App) -> Result<Option<i64>, String> {
    const N: i64 = 10_000;
    let c = &app.db.conn;
    let q = |sql: String| async move {
        kervan_store::db::scalar_i64(c, &sql, vec![])
            .await
            .map_err(|e| e.to_string())
    };
    if let Some(id) = q(
        "SELECT account_id FROM activities WHERE account_id IS NOT NULL GROUP BY account_id
                         HAVING COUNT(*) >= 10000 ORDER BY account_id LIMIT 1"
            .into(),
    )
    .await?
    {
        return Ok(Some(id));
    }
    let Some(id) = q("SELECT MIN(id) FROM accounts WHERE archived_at IS NULL".into()).await? else {
        return Ok(None);
    };
    let owner = q(format!("SELECT owner_id FROM accounts WHERE id = {id}")).await?;
    let have = q(format!("SELECT COUNT(*) FROM activities WHERE account_id = {id}"))
        .await?
        .unwrap_or(0);
    let now = kervan_core::time::now_ms();
    let kinds = ["call", "meeting", "visit", "email", "whatsapp", "note"];
    insert_rows(
        app,
        "activities",
        "kind, subject, status, at, owner_id, account_id, body, sort_name, search_key, created_at, updated_at",
        (N - have).max(0) as usize,
        |i| {
            let subject = format!("Görüşme {i}: fiyat ve teslim");
            let at = now - (i as i64 + 1) * 3 * 3_600_000;
            vec![
                kinds[i % kinds.len()].into(),
                subject.clone().into(),
                "held".into(),
                at.into(),
                owner.into(),
                id.into(),
                "Teklif konuşuldu; numune istendi.".into(),
                kervan_core::text::sort_key(&subject).into(),
                kervan_core::text::search_key(&[Some(&subject)]).into(),
                at.into(),
                at.into(),
            ]
        },
    )
    .await?;
    Ok(Some(id))
}

const CAL_TEAM: &str = "Bench takvim ekibi";
const CAL_MANAGER: &str = "bench-takvim@kervan.local";

/// A team of 20 with 2,000 tasks and meetings in this month (made here, once); its id.
async fn calendar_team(app: &App) -> Result<i64, String> {
    let c = &app.db.conn;
    let team = kervan_store::users::team_by_name_or_create(c, CAL_TEAM, None)
        .await
        .map_err(|e| e.to_string())?;
    let mut members: Vec<i64> = kervan_store::users::list(c)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|u| u.team_id == Some(team) && u.role == "sales")
        .map(|u| u.id)
        .collect();
    while members.len() < 20 {
        use rand::Rng;
        let password: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        let d = kervan_app::users::UserDraft {
            email: format!("bench-takvim-{}@kervan.local", members.len() + 1),
            name: format!("Takvim Temsilci {}", members.len() + 1),
            role: "sales".into(),
            team: Some(CAL_TEAM.into()),
            password,
        };
        members.push(
            kervan_app::users::create(app, &Actor::system(), &d)
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    let now = kervan_core::time::now_ms();
    let first = kervan_core::time::day_start_ms(kervan_core::time::month_start_local(now));
    let marks = vec!["?"; members.len()].join(", ");
    let ids: Vec<kervan_store::sea_orm_value::Value> = members.iter().map(|m| (*m).into()).collect();
    let have = |table: &'static str, col: &'static str| {
        let ids = ids.clone();
        let marks = marks.clone();
        async move {
            kervan_store::db::scalar_i64(
                c,
                &format!("SELECT COUNT(*) FROM {table} WHERE owner_id IN ({marks}) AND {col} >= ? AND {col} < ?"),
                ids.into_iter()
                    .chain([first.into(), (first + 28 * 86_400_000).into()])
                    .collect(),
            )
            .await
            .map(|n| n.unwrap_or(0))
            .map_err(|e| e.to_string())
        }
    };
    // 28 days from the first of the month: inside the month whatever its length.
    let at = |i: usize| first + ((i * 7919) % (28 * 20)) as i64 * 72 * 60_000 + 9 * 3_600_000;
    let tasks = (1400 - have("tasks", "due_at").await?).max(0) as usize;
    insert_rows(
        app,
        "tasks",
        "title, due_at, priority, owner_id, status, reminder, sort_name, search_key, created_at, updated_at",
        tasks,
        |i| {
            let title = format!("Takvim görevi {i}");
            vec![
                title.clone().into(),
                at(i).into(),
                "normal".into(),
                members[i % members.len()].into(),
                if i % 5 == 0 { "done" } else { "open" }.into(),
                "none".into(),
                kervan_core::text::sort_key(&title).into(),
                kervan_core::text::search_key(&[Some(&title)]).into(),
                now.into(),
                now.into(),
            ]
        },
    )
    .await?;
    let meetings = (600 - have("activities", "at").await?).max(0) as usize;
    insert_rows(
        app,
        "activities",
        "kind, subject, status, at, owner_id, location, sort_name, search_key, created_at, updated_at",
        meetings,
        |i| {
            let subject = format!("Takvim toplantısı {i}");
            vec![
                if i % 3 == 0 { "visit" } else { "meeting" }.into(),
                subject.clone().into(),
                if at(i + 7) > now { "planned" } else { "held" }.into(),
                at(i + 7).into(),
                members[(i + 3) % members.len()].into(),
                "Merkez ofis".into(),
                kervan_core::text::sort_key(&subject).into(),
                kervan_core::text::search_key(&[Some(&subject)]).into(),
                now.into(),
                now.into(),
            ]
        },
    )
    .await?;
    Ok(team)
}

/// The pipeline the board is measured on: "Bench panosu" with 5,000 open deals, and 100,000
/// deals in all for the forecast (made here, once; topped up when fewer).
async fn bench_deals(app: &App) -> Result<i64, String> {
    let c = &app.db.conn;
    let err = |e: kervan_store::StoreError| e.to_string();
    let count = |sql: &'static str, v: Vec<kervan_store::sea_orm_value::Value>| async move {
        kervan_store::db::scalar_i64(c, sql, v)
            .await
            .map(|n| n.unwrap_or(0))
            .map_err(|e| e.to_string())
    };
    let pipes = kervan_store::deals::pipelines(c, false).await.map_err(err)?;
    let board = match pipes.iter().find(|p| p.name == BENCH_PIPELINE) {
        Some(p) => p.id,
        None => {
            kervan_store::migrations::seed_pipeline(c, ("bench", BENCH_PIPELINE, kervan_core::deals::TEMPLATES[1].2))
                .await
                .map_err(err)?
        }
    };
    let main = pipes.first().map(|p| p.id).unwrap_or(board);
    let owners: Vec<i64> = kervan_store::users::list(c)
        .await
        .map_err(err)?
        .into_iter()
        .filter(|u| u.role == "sales" && u.deactivated_at.is_none())
        .map(|u| u.id)
        .take(40)
        .collect();
    if owners.is_empty() {
        return Err("no sales reps: run `kervan demo` first".into());
    }
    // Demo customers are numbered without gaps: the first 2,000 of them.
    let first_account = count("SELECT COALESCE(MIN(id), 0) FROM accounts", vec![]).await?;
    let accounts = count("SELECT COUNT(*) FROM accounts", vec![]).await?.min(2000);
    let now = kervan_core::time::now_ms();
    let cols = "name, account_id, owner_id, stage_id, pipeline_id, status, amount, currency, exchange_rate, \
                forecast_category, expected_close_date, close_month, stage_entered_at, lost_reason, sort_name, search_key, created_at, updated_at";
    let fill = |pipeline: i64, n: usize, open_only: bool| {
        let owners = owners.clone();
        async move {
            let stages = kervan_store::deals::stages(c, Some(pipeline), true)
                .await
                .map_err(err)?;
            if stages.is_empty() {
                return Err("the pipeline has no stages".to_string());
            }
            insert_rows(app, "deals", cols, n, |i| {
                let name = format!(
                    "Fırsat {i} — {}",
                    ["hat yenileme", "yedek parça", "bakım sözleşmesi", "ihracat"][i % 4]
                );
                let status = if open_only || i % 10 < 7 {
                    "open"
                } else if i % 10 < 9 {
                    "won"
                } else {
                    "lost"
                };
                let eur = i % 10 == 3;
                let close = kervan_core::time::today_local(now + (i * 7 % 365) as i64 * 86_400_000)
                    .format("%Y-%m-%d")
                    .to_string();
                vec![
                    name.clone().into(),
                    (accounts > 0).then(|| first_account + i as i64 % accounts).into(),
                    owners[i % owners.len()].into(),
                    stages[i % stages.len()].id.into(),
                    pipeline.into(),
                    status.into(),
                    (((i * 7919) % 5_000_000) as i64 * 100 + 100_000).into(),
                    if eur { "EUR" } else { "TRY" }.into(),
                    eur.then_some(35.5f64).into(),
                    ["pipeline", "best_case", "commit", "omitted"][i % 4].into(),
                    close.clone().into(),
                    close.get(..7).unwrap_or_default().to_string().into(),
                    (now - (i as i64 % 60) * 86_400_000).into(),
                    (status == "lost").then_some("Bütçe yok").into(),
                    kervan_core::text::sort_key(&name).into(),
                    kervan_core::text::search_key(&[Some(&name)]).into(),
                    now.into(),
                    now.into(),
                ]
            })
            .await
        }
    };
    let open = count(
        "SELECT COUNT(*) FROM deals WHERE pipeline_id = ? AND status = 'open' AND archived_at IS NULL",
        vec![board.into()],
    )
    .await?;
    fill(board, (5_000 - open).max(0) as usize, true).await?;
    let all = count("SELECT COUNT(*) FROM deals", vec![]).await?;
    fill(main, (100_000 - all).max(0) as usize, false).await?;
    app.db.analyze().await.map_err(err)?;
    Ok(board)
}

const BENCH_PIPELINE: &str = "Bench panosu";

/// The board and the forecast (issue 10's targets), as their users meet them.
async fn deal_pages(app: &App, http: &Http, base: &str, who: &Who, a: &BenchArgs) -> Result<(), String> {
    let n = a.requests;
    const BOARD: &str = "deals board, 5,000 open deals in the pipeline";
    const FORECAST: &str = "forecast by month and owner, 100,000 deals";
    if !a.wants(BOARD) && !a.wants(FORECAST) {
        return Ok(());
    }
    let board = bench_deals(app).await?;
    if a.wants(BOARD) {
        timed(
            http,
            base,
            who,
            true,
            &paths(n, |_| format!("/deals/board?pipeline={board}")),
        )
        .await?
        .line(&format!("{BOARD} (HTML)"));
        timed(
            http,
            base,
            who,
            false,
            &paths(n, |_| format!("/api/v1/deals/board?pipeline={board}")),
        )
        .await?
        .line(&format!("{BOARD} (JSON)"));
    }
    if a.wants(FORECAST) {
        let from = kervan_core::time::today_local(kervan_core::time::now_ms())
            .format("%Y-%m")
            .to_string();
        timed(
            http,
            base,
            who,
            true,
            &paths(n, |_| format!("/deals/forecast?from={from}&months=12")),
        )
        .await?
        .line(&format!("{FORECAST} (HTML)"));
        timed(
            http,
            base,
            who,
            false,
            &paths(n, |_| format!("/api/v1/deals/forecast?from={from}&months=12")),
        )
        .await?
        .line(&format!("{FORECAST} (JSON)"));
    }
    Ok(())
}

/// A quote of `lines` lines for the benchmark (made here, once per size): `(id, values)`.
async fn bench_quote(app: &App, lines: usize) -> Result<i64, String> {
    let c = &app.db.conn;
    let note = format!("bench-{lines}-lines");
    if let Some(id) = kervan_store::db::scalar_i64(
        c,
        "SELECT id FROM quotes WHERE notes = ? ORDER BY id LIMIT 1",
        vec![note.clone().into()],
    )
    .await
    .map_err(|e| e.to_string())?
    {
        return Ok(id);
    }
    let account = kervan_store::db::scalar_i64(c, "SELECT MIN(id) FROM accounts", vec![])
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no customers: run `kervan demo` with customers first")?;
    let rows: Vec<serde_json::Value> = (0..lines)
        .map(|i| {
            let kdv = ["20", "10", "1"][i % 3];
            serde_json::json!({
                "description": format!("Kalem {} — hidrolik conta takımı, özel ölçü, Ş/Ğ/İ", i + 1),
                "quantity": format!("{}", 1 + i % 7),
                "unit_price": format!("{}.{:04}", 100 + i * 37 % 9000, i * 7919 % 10000),
                "discount_percent": if i % 5 == 0 { "7.5" } else { "0" },
                "kdv_rate": kdv,
            })
        })
        .collect();
    let mut inputs = kervan_core::record::Inputs::default();
    for (k, v) in [
        ("account_id", account.to_string()),
        ("discount_percent", "3,25".to_string()),
        ("notes", note),
        ("lines", serde_json::Value::Array(rows).to_string()),
    ] {
        inputs.fields.insert(k.into(), kervan_core::record::Input::Text(v));
    }
    kervan_app::records::create::<kervan_app::quotes::Quotes>(
        app,
        &Actor::system(),
        &inputs,
        &kervan_app::records::WriteOptions::default(),
    )
    .await
    .map_err(|e| e.to_string())
}

/// Quote PDFs and totals (issue 10's targets).
async fn quote_pages(app: &App, http: &Http, base: &str, who: &Who, a: &BenchArgs) -> Result<(), String> {
    let n = a.requests;
    const PDF: &str = "quote PDF, 50 lines";
    const TOTALS: &str = "totals of a 500-line quote";
    if a.wants(PDF) {
        let id = bench_quote(app, 50).await?;
        timed(http, base, who, true, &paths(n, |_| format!("/quotes/{id}/pdf")))
            .await?
            .line(&format!("{PDF} (page, A4, fonts embedded)"));
        timed(
            http,
            base,
            who,
            false,
            &paths(n, |_| format!("/api/v1/quotes/{id}/pdf")),
        )
        .await?
        .line(&format!("{PDF} (API)"));
    }
    if a.wants(TOTALS) {
        let id = bench_quote(app, 500).await?;
        let rec = kervan_app::records::get::<kervan_app::quotes::Quotes>(app, &Actor::system(), id)
            .await
            .map_err(|e| e.to_string())?;
        let mut ms = Vec::with_capacity(n);
        for i in 0..n + WARM_UP {
            let t = Instant::now();
            let totals = kervan_core::quotes::totals_of(&rec.values).map_err(|_| "too large")?;
            std::hint::black_box(&totals);
            if i >= WARM_UP {
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        Stats(ms).line(&format!("{TOTALS} (parse + arithmetic, in process)"));
        timed(http, base, who, false, &paths(n, |_| format!("/api/v1/quotes/{id}")))
            .await?
            .line(&format!("{TOTALS} (GET the quote with totals, API)"));
        timed(http, base, who, true, &paths(n, |_| format!("/quotes/{id}")))
            .await?
            .line(&format!("{TOTALS} (the quote's card)"));
    }
    Ok(())
}

/// Timeline and calendar pages (issue 9's targets), as their users meet them.
async fn memory_pages(app: &App, http: &Http, base: &str, who: &Who, a: &BenchArgs) -> Result<(), String> {
    let n = a.requests;
    const TL: &str = "timeline of a customer with 10,000 activities";
    if a.wants(TL) {
        match timeline_customer(app).await? {
            Some(id) => {
                timed(
                    http,
                    base,
                    who,
                    true,
                    &paths(n, |_| format!("/accounts/{id}?tab=timeline")),
                )
                .await?
                .line(&format!("{TL} (HTML)"));
                timed(
                    http,
                    base,
                    who,
                    false,
                    &paths(n, |_| format!("/api/v1/accounts/{id}/timeline")),
                )
                .await?
                .line(&format!("{TL} (JSON)"));
            }
            None => println!("(no customers: run `kervan demo` first)"),
        }
    }
    const CAL: &str = "calendar month, team of 20 with 2,000 items";
    if a.wants(CAL) {
        let team = calendar_team(app).await?;
        let manager = sign_in_as(app, http, base, CAL_MANAGER, "manager", Some(CAL_TEAM)).await?;
        timed(
            http,
            base,
            &manager,
            true,
            &paths(n, |_| "/calendar?view=month&whose=team".into()),
        )
        .await?
        .line(&format!("{CAL} (HTML, the team's manager)"));
        let today = kervan_core::time::today_local(kervan_core::time::now_ms());
        let first = kervan_core::time::month_start_local(kervan_core::time::now_ms());
        // The last day of the month: the day before the first of the next one.
        let mut last = first;
        while let Some(next) = last
            .succ_opt()
            .filter(|d| d.format("%m").to_string() == first.format("%m").to_string())
        {
            last = next;
        }
        let _ = today;
        timed(
            http,
            base,
            who,
            false,
            &paths(n, |_| format!("/api/v1/calendar?from={first}&to={last}&team_id={team}")),
        )
        .await?
        .line(&format!("{CAL} (JSON)"));
    }
    Ok(())
}

pub async fn run(app: &App, database_url: &str, a: BenchArgs) -> Result<(), String> {
    let c = &app.db.conn;
    let count = |table: &'static str| async move {
        kervan_store::db::scalar_i64(c, &format!("SELECT COUNT(*) FROM {table}"), vec![])
            .await
            .map(|n| n.unwrap_or(0))
            .map_err(|e| e.to_string())
    };
    let (leads, accounts) = (count("leads").await?, count("accounts").await?);
    if leads == 0 {
        return Err("the database has no leads; run `kervan demo --leads 1000000` first".into());
    }
    // Indexes of custom fields queued but not built yet (the server would build them in the
    // background, while being measured).
    kervan_app::jobs::run_due(app).await.map_err(|e| e.to_string())?;
    let (server, base) = match &a.url {
        Some(u) => (None, u.trim_end_matches('/').to_string()),
        None => {
            let (s, b) = start_server(database_url, &app.config.data_dir).await?;
            (Some(s), b)
        }
    };
    let server_pid = server.as_ref().map(|s| s.0.id());
    let backend = if app.db.is_postgres() { "PostgreSQL" } else { "SQLite" };
    println!(
        "kervan bench: {leads} leads, {accounts} customers on {backend}; server {base}; {} requests per scenario after {WARM_UP} to warm up",
        a.requests
    );
    let http = client(1);
    let who = sign_in(app, &http, &base).await?;
    if a.only.as_deref() == Some("import") {
        return bulk_io(app, &base, &who, server_pid, a.import_rows).await;
    }
    let s = sample(&http, &base, &who).await?;
    reads(&http, &base, &who, &s, &a).await?;
    memory_pages(app, &http, &base, &who, &a).await?;
    deal_pages(app, &http, &base, &who, &a).await?;
    quote_pages(app, &http, &base, &who, &a).await?;
    if a.seconds > 0 && a.connections > 0 && a.wants("load") {
        load(&base, &who, a.connections, a.seconds).await?;
    }
    if a.creates > 0 && a.wants("create") {
        creates(&http, &base, &who, a.creates, &s).await?;
        tidy(app).await?;
    }
    if a.wants("reminders") {
        reminders(app, 2_000).await?;
    }
    if let Some(v) = s.view_id {
        send(
            &http,
            &base,
            Method::DELETE,
            &format!("/api/v1/views/{v}"),
            Auth::Token(&who.token),
            None,
        )
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Import, bulk change and export, as a person drives them through the pages: opt-in with
// `--only import` (import + first calls + bulk tag + export + undo), because they write a
// hundred thousand leads (and take them away again).

/// The server's resident memory in KiB (Linux), for the export's memory figure.
fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// A fair file of `rows` business cards, a twentieth of them people the database already has
/// (their phones), as XLSX.
async fn import_file(app: &App, rows: usize, tag: &str) -> Result<Vec<u8>, String> {
    #[derive(sea_orm::FromQueryResult)]
    struct P {
        phone: Option<String>,
    }
    let known: Vec<P> = kervan_store::db::all(
        &app.db.conn,
        "SELECT phone FROM leads WHERE phone IS NOT NULL ORDER BY id LIMIT ?",
        vec![((rows / 20) as i64).into()],
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut out = kervan_io::write::XlsxOut::new("Fuar").map_err(|e| e.to_string())?;
    out.row(&["Ad Soyad", "Firma", "GSM", "E-posta", "İl", "Sektör", "Not"])
        .map_err(|e| e.to_string())?;
    let firsts = [
        "Ayşe", "Mehmet", "Zeynep", "Ali", "Elif", "Can", "Şule", "Oğuz", "Gül", "Çağrı",
    ];
    let lasts = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan"];
    let cities = ["İstanbul", "Ankara", "İzmir", "Bursa", "Konya", "Kocaeli", "Gaziantep"];
    for i in 0..rows {
        let phone = match known.get(i / 20).filter(|_| i % 20 == 0) {
            Some(p) => p.phone.clone().unwrap_or_default(),
            // 0559 numbers: a prefix the demo never hands out.
            None => format!("0559 {:03} {:02} {:02}", (i / 10_000) % 1000, (i / 100) % 100, i % 100),
        };
        out.row(&[
            format!("{} {}", firsts[i % firsts.len()], lasts[(i / 10) % lasts.len()]),
            format!("{tag} Makina {i} A.Ş."),
            phone,
            format!("kart{i}@{}.com.tr", tag.to_lowercase()),
            cities[i % cities.len()].to_string(),
            "Metal".to_string(),
            "Fuarda görüşüldü".to_string(),
        ])
        .map_err(|e| e.to_string())?;
    }
    out.to_bytes().map_err(|e| e.to_string())
}

/// Waits until `path` (a progress address) says the run left `queued`/`running`.
async fn until_done(http: &Http, base: &str, who: &Who, path: &str) -> Result<Value, String> {
    loop {
        let a = send(http, base, Method::GET, path, Auth::Cookie(&who.cookie), None).await?;
        let v: Value = serde_json::from_slice(&a.body).map_err(|e| format!("{path}: {e}"))?;
        if v["status"] != "queued" && v["status"] != "running" {
            return Ok(v);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn form(pairs: &[(&str, String)]) -> Option<(&'static str, String)> {
    Some((
        "application/x-www-form-urlencoded",
        serde_urlencoded::to_string(pairs).unwrap_or_default(),
    ))
}

async fn bulk_io(app: &App, base: &str, who: &Who, server_pid: Option<u32>, rows: usize) -> Result<(), String> {
    let http = client(1);
    if rows > 0 {
        import_steps(app, base, who, &http, rows).await?;
    }
    bulk_steps(base, who, &http, server_pid).await
}

/// The import of `rows` leads from an XLSX, their first calls and the import's undo.
async fn import_steps(app: &App, base: &str, who: &Who, http: &Http, rows: usize) -> Result<(), String> {
    let tag = format!("Bench{}", kervan_core::time::now_ms() % 100_000);
    // --- Import -------------------------------------------------------------------------------
    let file = import_file(app, rows, &tag).await?;
    let started = Instant::now();
    let boundary = "kervanbenchboundary7d3a";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fuar.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n",
            who.csrf
        )
        .as_bytes(),
    );
    body.extend_from_slice(&file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{base}/imports/upload/leads"))
        .header("cookie", &who.cookie)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    let resp = http.request(req).await.map_err(|e| e.to_string())?;
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if resp.status().as_u16() != 303 || !location.starts_with("/imports/") {
        return Err(format!("upload answered {}", resp.status()));
    }
    let uploaded = started.elapsed();
    let mut pairs: Vec<(&str, String)> = vec![
        ("_csrf", who.csrf.clone()),
        ("value_source", "fair".into()),
        ("value_source_detail", tag.clone()),
        ("policy", "skip".into()),
        ("do", "start".into()),
    ];
    let maps = ["full_name", "company", "phone", "email", "city", "sector", "notes"];
    let keys: Vec<String> = (0..maps.len()).map(|i| format!("map_{i}")).collect();
    for (k, m) in keys.iter().zip(maps) {
        pairs.push((k.as_str(), m.to_string()));
    }
    let a = send(
        http,
        base,
        Method::POST,
        &format!("{location}/configure"),
        Auth::Cookie(&who.cookie),
        form(&pairs),
    )
    .await?;
    if a.status != 303 {
        return Err(format!("start answered {}", a.status));
    }
    let queued = started.elapsed();
    let v = until_done(http, base, who, &format!("{location}/progress")).await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "import {rows} leads from XLSX (duplicate checks against the table): {secs:.1} s in all ({:.0} rows/s); upload + mapping {:.1} s, preview + start {:.1} s; {} created, {} skipped, {} rejected",
        rows as f64 / secs,
        uploaded.as_secs_f64(),
        (queued - uploaded).as_secs_f64(),
        v["created"],
        v["skipped"],
        v["rejected"]
    );
    // --- First calls ----------------------------------------------------------------------------
    let t = Instant::now();
    let a = send(
        http,
        base,
        Method::POST,
        &format!("{location}/tasks"),
        Auth::Cookie(&who.cookie),
        form(&[
            ("_csrf", who.csrf.clone()),
            ("days", "2".into()),
            ("title", "İlk arama".into()),
        ]),
    )
    .await?;
    let v = until_done(http, base, who, &format!("{location}/progress")).await?;
    println!(
        "first-call tasks for the imported leads (in the background): {:.1} s (answered {}, then {})",
        t.elapsed().as_secs_f64(),
        a.status,
        v["status"]
    );
    // --- Undo the import: the database as it was -------------------------------------------------
    let t = Instant::now();
    let a = send(
        http,
        base,
        Method::POST,
        &format!("{location}/undo"),
        Auth::Cookie(&who.cookie),
        form(&[("_csrf", who.csrf.clone())]),
    )
    .await?;
    // The undo runs beside the request: wait until the run says so.
    let v = until_done(http, base, who, &format!("{location}/progress")).await?;
    println!(
        "undo the import (leads and their tasks removed, in the background): {:.1} s (answered {}, then {})",
        t.elapsed().as_secs_f64(),
        a.status,
        v["status"]
    );
    Ok(())
}

/// The bulk tag of every WhatsApp lead, its undo, and the export of every lead.
async fn bulk_steps(base: &str, who: &Who, http: &Http, server_pid: Option<u32>) -> Result<(), String> {
    // --- Bulk tag everything matching the filter ------------------------------------------------
    let t = Instant::now();
    // The demo's WhatsApp leads: about a hundred thousand of a million.
    let back = "/leads?source=whatsapp".to_string();
    let a = send(
        http,
        base,
        Method::POST,
        "/leads/bulk",
        Auth::Cookie(&who.cookie),
        form(&[
            ("_csrf", who.csrf.clone()),
            ("scope", "all".into()),
            ("action", "tag_add".into()),
            ("tag", "Bench etiketi".into()),
            ("back", back),
        ]),
    )
    .await?;
    if a.status != 303 {
        return Err(format!("bulk answered {}", a.status));
    }
    let frozen = t.elapsed();
    let run = a.location.clone();
    send(
        http,
        base,
        Method::POST,
        &format!("{run}/confirm"),
        Auth::Cookie(&who.cookie),
        form(&[("_csrf", who.csrf.clone())]),
    )
    .await?;
    let v = until_done(http, base, who, &format!("{run}/progress")).await?;
    println!(
        "bulk tag every lead matching a filter: {:.1} s in all (set frozen and counted in {:.1} s); {} of {} changed",
        t.elapsed().as_secs_f64(),
        frozen.as_secs_f64(),
        v["updated"],
        v["total"]
    );
    // --- Undo the bulk tag: the tags as they were -------------------------------------------------
    let t = Instant::now();
    let a = send(
        http,
        base,
        Method::POST,
        &format!("{run}/undo"),
        Auth::Cookie(&who.cookie),
        form(&[("_csrf", who.csrf.clone())]),
    )
    .await?;
    let v = until_done(http, base, who, &format!("{run}/progress")).await?;
    println!(
        "undo the bulk tag (in the background): {:.1} s (answered {}, then {})",
        t.elapsed().as_secs_f64(),
        a.status,
        v["status"]
    );
    // --- Export the whole lead list -------------------------------------------------------------
    let before = server_pid.and_then(rss_kib);
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before.unwrap_or(0)));
    let watch = server_pid.map(|pid| {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                if let Some(r) = rss_kib(pid) {
                    peak.fetch_max(r, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    });
    let t = Instant::now();
    let a = send(
        http,
        base,
        Method::GET,
        "/leads/export?format=csv&columns=visible",
        Auth::Cookie(&who.cookie),
        None,
    )
    .await?;
    let run = a.location.clone();
    let v = until_done(http, base, who, &format!("{run}/progress")).await?;
    let file = send(
        http,
        base,
        Method::GET,
        &format!("{run}/file"),
        Auth::Cookie(&who.cookie),
        None,
    )
    .await?;
    if let Some(w) = watch {
        w.abort();
    }
    let after = server_pid.and_then(rss_kib);
    println!(
        "export {} leads to CSV and download it: {:.1} s ({} MB); server RSS {} → peak {} → {} MB",
        v["processed"],
        t.elapsed().as_secs_f64(),
        file.body.len() / 1_000_000,
        before.map_or("?".into(), |b| (b / 1024).to_string()),
        peak.load(std::sync::atomic::Ordering::Relaxed) / 1024,
        after.map_or("?".into(), |b| (b / 1024).to_string()),
    );
    Ok(())
}
