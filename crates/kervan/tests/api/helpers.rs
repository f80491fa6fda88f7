//! Test harness: every test gets its own fresh database (a temp SQLite file, or a new uniquely
//! named PostgreSQL database when `KERVAN_TEST_PG` is set) and its own server on port 0.

use std::net::SocketAddr;

use kervan_app::users::UserDraft;
use kervan_app::{Actor, App, Config, auth, users};
use kervan_store::{ConnectionTrait, Db, migrations};
use kervan_web::{AppState, WebConfig};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    /// The database's URL, for a second connection pool (another server's, or a second worker).
    pub db_url: String,
    pub app: App,
    pub admin_id: i64,
    pub admin_token: String,
    /// Sales rep A (team "Ekip 1").
    pub a_id: i64,
    pub a_token: String,
    /// Sales rep B (team "Ekip 2").
    pub b_id: i64,
    pub b_token: String,
    /// Manager of team "Ekip 1".
    pub m_token: String,
    pub http: reqwest::Client,
    pg: Option<(String, String)>,
}

pub const PASSWORD: &str = "gizli-parola-123";

/// The settings tests run with: the defaults, with short sign-in delays.
pub fn test_config() -> Config {
    Config {
        login_delay_ms: 20,
        ..Config::default()
    }
}

/// Starts an app on the backend, or `None` when PostgreSQL is not configured (outside CI).
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_with(backend, test_config(), WebConfig::default()).await
}

/// [`spawn`] with other settings.
pub async fn spawn_with(backend: Backend, config: Config, web: WebConfig) -> Option<TestApp> {
    let suffix = format!("{:016x}", rand::random::<u64>());
    let (url, pg) = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("kervan-test-{suffix}"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            (format!("sqlite://{}/t.db?mode=rwc", dir.display()), None)
        }
        Backend::Postgres => {
            let Ok(base) = std::env::var("KERVAN_TEST_PG") else {
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("CI=true but KERVAN_TEST_PG is not set: PostgreSQL tests cannot be skipped in CI");
                }
                eprintln!("skipping PostgreSQL test: set KERVAN_TEST_PG=postgres://postgres@127.0.0.1:5432");
                return None;
            };
            let base = base.trim_end_matches('/').to_string();
            let name = format!("kervan_test_{suffix}");
            let admin = Db::connect(&format!("{base}/postgres"))
                .await
                .expect("connect to PostgreSQL");
            admin
                .conn
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            (format!("{base}/{name}"), Some((base, name)))
        }
    };
    let db = Db::connect(&url).await.expect("connect");
    migrations::run(&db).await.expect("migrate");
    // Files and mail of this test in a folder of its own.
    let data_dir = std::env::temp_dir().join(format!("kervan-test-data-{suffix}"));
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let app = App::new(db, Config { data_dir, ..config });
    let sys = Actor::system();
    let mk = |email: &str, name: &str, role: &str, team: Option<&str>| UserDraft {
        email: email.into(),
        name: name.into(),
        role: role.into(),
        team: team.map(str::to_string),
        password: PASSWORD.into(),
    };
    let admin_id = users::create(&app, &sys, &mk("admin@ornek.com.tr", "Yönetici Kişi", "admin", None))
        .await
        .expect("admin");
    let a_id = users::create(
        &app,
        &sys,
        &mk("ali@ornek.com.tr", "Ali Çelik", "sales", Some("Ekip 1")),
    )
    .await
    .expect("a");
    let b_id = users::create(
        &app,
        &sys,
        &mk("berna@ornek.com.tr", "Berna Öz", "sales", Some("Ekip 2")),
    )
    .await
    .expect("b");
    let m_id = users::create(
        &app,
        &sys,
        &mk("mehmet@ornek.com.tr", "Mehmet Şahin", "manager", Some("Ekip 1")),
    )
    .await
    .expect("m");
    let admin_token = auth::create_token(&app, admin_id, None).await.expect("token");
    let a_token = auth::create_token(&app, a_id, None).await.expect("token");
    let b_token = auth::create_token(&app, b_id, None).await.expect("token");
    let m_token = auth::create_token(&app, m_id, None).await.expect("token");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let state = AppState::new(app.clone(), web);
    tokio::spawn(kervan_web::serve(listener, state, std::future::pending()));
    // The job worker, as `kervan serve` runs it (custom field indexes are built there).
    tokio::spawn(kervan_app::jobs::worker(
        app.clone(),
        std::time::Duration::from_millis(500),
    ));
    Some(TestApp {
        db_url: url.clone(),
        admin_id,
        base: format!("http://{addr}"),
        app,
        admin_token,
        a_id,
        a_token,
        b_id,
        b_token,
        m_token,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        pg,
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(token)
    }

    /// GET with a token, the body read as JSON.
    pub async fn get_json(&self, token: &str, path: &str) -> serde_json::Value {
        self.get(token, path)
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json")
    }

    pub fn post(&self, token: &str, path: &str, body: serde_json::Value) -> reqwest::RequestBuilder {
        self.http.post(self.url(path)).bearer_auth(token).json(&body)
    }

    pub fn patch(&self, token: &str, path: &str, body: serde_json::Value) -> reqwest::RequestBuilder {
        self.http.patch(self.url(path)).bearer_auth(token).json(&body)
    }

    /// Creates a lead through the API and returns its JSON.
    pub async fn lead(&self, token: &str, body: serde_json::Value) -> serde_json::Value {
        let r = self.post(token, "/api/v1/leads", body).send().await.expect("send");
        let status = r.status();
        let v: serde_json::Value = r.json().await.expect("json");
        assert_eq!(status, 201, "create failed: {v}");
        v
    }

    pub async fn lead_count(&self) -> i64 {
        kervan_store::leads::count_all(&self.app.db.conn).await.expect("count")
    }

    /// A browser-like client signed in through the login form. Returns it with the CSRF token
    /// of its session, read from a page.
    pub async fn browser(&self, email: &str) -> (reqwest::Client, String) {
        let c = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let page = c
            .get(self.url("/login"))
            .send()
            .await
            .expect("login page")
            .text()
            .await
            .expect("text");
        let csrf = hidden(&page, "_csrf");
        let r = c
            .post(self.url("/login"))
            .form(&[("email", email), ("password", PASSWORD), ("_csrf", &csrf), ("next", "")])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 303, "sign-in failed");
        let page = c
            .get(self.url("/leads/new"))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("text");
        let csrf = hidden(&page, "_csrf");
        (c, csrf)
    }

    /// Drops the PostgreSQL database of this test.
    pub async fn finish(self) {
        if let Some((base, name)) = self.pg {
            self.app.db.conn.clone().close().await.ok();
            if let Ok(admin) = Db::connect(&format!("{base}/postgres")).await {
                let _ = admin
                    .conn
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            }
        }
    }
}

/// The value of the first hidden input with this name in an HTML page.
pub fn hidden(html: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    html.split(&needle)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// Declares a test that runs on SQLite and, with `KERVAN_TEST_PG`, on PostgreSQL. The second form
/// starts the app with other settings: `db_test!(name, config, web, |t| { … })`.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $config:expr, $web:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: &$crate::helpers::TestApp) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::spawn_with($crate::helpers::Backend::Sqlite, $config, $web)
                    .await
                    .expect("sqlite");
                run(&app).await;
                app.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::helpers::spawn_with($crate::helpers::Backend::Postgres, $config, $web).await {
                    run(&app).await;
                    app.finish().await;
                }
            }
        }
    };
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($app: &$crate::helpers::TestApp) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::spawn($crate::helpers::Backend::Sqlite).await.expect("sqlite");
                run(&app).await;
                app.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::helpers::spawn($crate::helpers::Backend::Postgres).await {
                    run(&app).await;
                    app.finish().await;
                }
            }
        }
    };
}

/// The custom fields of `kind` once every index they need is built (the job worker builds them in
/// the background; this also runs due jobs itself, whichever gets there first).
pub async fn custom_indexes_ready(
    t: &TestApp,
    kind: &'static kervan_core::record::Kind,
) -> Vec<kervan_core::record::CustomDef> {
    for _ in 0..400 {
        kervan_app::jobs::run_due(&t.app).await.expect("jobs");
        let defs = kervan_app::records::custom_defs(&t.app.db.conn, kind)
            .await
            .expect("defs");
        if defs.iter().all(|d| d.index_state != "pending") {
            return defs;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the custom field indexes of {} were not built in 20 s", kind.key);
}

/// A signed-in browser-like client (cookies, no redirects followed) and its CSRF token: what the
/// page tests drive forms with.
pub struct Browser {
    pub c: reqwest::Client,
    pub csrf: String,
}

/// What a form post answered.
pub struct Answer {
    pub status: u16,
    pub location: String,
    pub body: String,
}

impl Answer {
    /// The record id in a redirect like `/accounts/12?ok=created`.
    pub fn id(&self) -> i64 {
        let path = self.location.split('?').next().unwrap_or_default();
        path.rsplit('/')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no id in {:?} (status {}): {}", self.location, self.status, self.body))
    }

    /// `(status, location, body)`.
    pub fn parts(self) -> (u16, String, String) {
        (self.status, self.location, self.body)
    }
}

impl Browser {
    pub async fn new(t: &TestApp, email: &str) -> Browser {
        let (c, csrf) = t.browser(email).await;
        Browser { c, csrf }
    }

    /// The signed-in client, for requests the helpers do not cover (a script's fetch).
    pub fn client(&self) -> &reqwest::Client {
        &self.c
    }

    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    pub async fn get(&self, t: &TestApp, path: &str) -> (u16, String) {
        let r = self.c.get(t.url(path)).send().await.expect("get");
        (r.status().as_u16(), r.text().await.expect("body"))
    }

    /// GETs a page that must answer 200.
    pub async fn page(&self, t: &TestApp, path: &str) -> String {
        let (status, body) = self.get(t, path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Posts a form with the session's CSRF token last.
    pub async fn post(&self, t: &TestApp, path: &str, form: &[(&str, &str)]) -> Answer {
        let f: Vec<(String, String)> = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.post_pairs(t, path, f).await
    }

    /// Posts owned pairs (repeated keys allowed), the CSRF token last.
    pub async fn post_pairs(&self, t: &TestApp, path: &str, mut f: Vec<(String, String)>) -> Answer {
        f.push(("_csrf".into(), self.csrf.clone()));
        let r = self.c.post(t.url(path)).form(&f).send().await.expect("post");
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Answer {
            status,
            location,
            body: r.text().await.expect("body"),
        }
    }
}

impl TestApp {
    /// The actor of a user, as a request of theirs would be.
    pub async fn actor(&self, user_id: i64) -> kervan_app::Actor {
        let u = kervan_store::users::by_id(&self.app.db.conn, user_id)
            .await
            .expect("user")
            .expect("exists");
        kervan_app::Actor::load(&self.app.db.conn, &u).await.expect("actor")
    }

    /// The manager of "Ekip 1".
    pub async fn manager_id(&self) -> i64 {
        kervan_store::db::scalar_i64(
            &self.app.db.conn,
            "SELECT id FROM users WHERE email = 'mehmet@ornek.com.tr'",
            vec![],
        )
        .await
        .expect("query")
        .expect("manager")
    }
}
