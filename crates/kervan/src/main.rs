//! The `kervan` command: serve the CRM, migrate, manage users and tokens, demo data, benchmarks.

mod bench;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use kervan_app::{Actor, App, Config, auth, users};
use kervan_store::{Db, migrations};
use kervan_web::{AppState, WebConfig};

#[derive(Parser)]
#[command(name = "kervan", version, about = "Kervan — CRM for Turkish SMEs and B2B sales teams", long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Clone)]
struct Global {
    /// Data folder (SQLite database, files).
    #[arg(long, env = "KERVAN_DATA", default_value = "./kervan-data", global = true)]
    data: PathBuf,
    /// Database URL: `postgres://user@host/db` or `sqlite://path`. Default: SQLite in the data folder.
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web app, API and background work (the default).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Fill the database with realistic Turkish demo data.
    Demo {
        /// How many leads to create.
        #[arg(long, default_value_t = 1000)]
        leads: u64,
        /// How many of them become customers (accounts); default: a fifth of the leads.
        #[arg(long)]
        accounts: Option<u64>,
        /// How many tasks the demo team has (a third open, the rest done or cancelled); default: one per ten leads.
        #[arg(long)]
        tasks: Option<u64>,
        /// How many contacts those customers have in all; default: two and a half per account.
        #[arg(long)]
        contacts: Option<u64>,
        /// How many activities (calls, meetings, visits, messages, notes) the leads have; default:
        /// one per four leads.
        #[arg(long)]
        activities: Option<u64>,
    },
    /// Import leads, customers (accounts), contacts or products from an XLSX or CSV file.
    Import(ImportArgs),
    /// Export a kind (or a saved view of it) to CSV, XLSX or vCard.
    Export(ExportArgs),
    /// Measure Kervan over HTTP as a user meets it (run `kervan demo --leads 1000000` first;
    /// use a release build: `cargo build --release`).
    Bench(bench::BenchArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KERVAN_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// Mark cookies Secure (serve behind HTTPS).
    #[arg(long, env = "KERVAN_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Trust X-Forwarded-For for the client address (only behind your own reverse proxy).
    #[arg(long, env = "KERVAN_TRUST_PROXY")]
    trust_proxy: bool,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "KERVAN_SESSION_IDLE_MINUTES", default_value_t = 480)]
    session_idle_minutes: i64,
    /// Days after sign-in at which a session ends however busy it is.
    #[arg(long, env = "KERVAN_SESSION_MAX_DAYS", default_value_t = 30)]
    session_max_days: i64,
    /// Failed sign-ins from one address (per 15 minutes) before further tries are refused with 429.
    #[arg(long, env = "KERVAN_LOGIN_MAX_FAILURES", default_value_t = 10)]
    login_max_failures: i64,
    /// Failed sign-ins at one account from any address (per 15 minutes) before every further try
    /// at it is slowed and the admins are notified (never a lock).
    #[arg(long, env = "KERVAN_LOGIN_ACCOUNT_FAILURES", default_value_t = 20)]
    login_account_failures: i64,
    /// Password checks running at once (each takes 19 MiB for a moment); more wait in a queue.
    #[arg(long, env = "KERVAN_PASSWORD_PARALLEL", default_value_t = 2)]
    password_parallel: usize,
    /// Password checks that may wait for their turn; beyond it a sign-in answers 503 with Retry-After.
    #[arg(long, env = "KERVAN_PASSWORD_QUEUE", default_value_t = 64)]
    password_queue: usize,
    /// Largest file that may be attached to a record, in MB (MiB).
    #[arg(long, env = "KERVAN_MAX_FILE_MB", default_value_t = 25)]
    max_file_mb: u64,
    /// Largest file an import accepts, in MB (MiB).
    #[arg(long, env = "KERVAN_MAX_IMPORT_MB", default_value_t = 50)]
    max_import_mb: u64,
}

#[derive(Args)]
struct ImportArgs {
    /// What the file holds: leads, accounts, contacts or products.
    kind: String,
    /// The XLSX or CSV file (UTF-8 with or without BOM, Windows-1254; `,` `;` or tab).
    file: PathBuf,
    /// Source for every row without one (leads): fair, web_form, referral …
    #[arg(long)]
    source: Option<String>,
    /// Source detail for every row without one, e.g. "Metal Expo 2025".
    #[arg(long)]
    source_detail: Option<String>,
    /// Owner (e-mail) of every new record; default: the acting user.
    #[arg(long)]
    owner: Option<String>,
    /// A tag for every row (repeatable).
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// Maps a column (its header) to a field key (`custom.KEY` for a custom field, `full_name`
    /// to split a whole name, `-` to leave it out); repeatable. Unmapped headers are recognised.
    #[arg(long = "map", value_name = "COLUMN=field")]
    map: Vec<String>,
    /// What to do with a row that matches an existing record: skip, update (fill empty fields),
    /// overwrite, create.
    #[arg(long, default_value = "skip")]
    on_duplicate: String,
    /// The acting user (permissions, history); default: the first admin.
    #[arg(long = "as", value_name = "EMAIL")]
    as_user: Option<String>,
    /// Judge every row and print the counts; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Largest file accepted, in MB.
    #[arg(long, env = "KERVAN_MAX_IMPORT_MB", default_value_t = 50)]
    max_import_mb: u64,
}

#[derive(Args)]
struct ExportArgs {
    /// leads, accounts, contacts, products, deals, quotes, tasks, activities.
    kind: String,
    /// csv (`;`, BOM: opens right in Turkish Excel), xlsx, or vcf (people only).
    #[arg(long, default_value = "csv")]
    format: String,
    /// A saved view (segment) of the kind: its filters and columns.
    #[arg(long)]
    view: Option<i64>,
    /// Where to write; default: KIND.FORMAT in the current folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The acting user (what they may see and export); default: the first admin.
    #[arg(long = "as", value_name = "EMAIL")]
    as_user: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from standard input with --password-stdin, else generated and printed.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, manager, sales, operations, finance or viewer
        #[arg(long)]
        role: String,
        /// Team name (created when new).
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new API token for a user (shown once; only its hash is stored).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        label: Option<String>,
    },
}

fn database_url(g: &Global) -> Result<String, String> {
    if let Some(u) = &g.database_url {
        return Ok(u.clone());
    }
    std::fs::create_dir_all(&g.data).map_err(|e| format!("cannot create data folder {}: {e}", g.data.display()))?;
    Ok(format!("sqlite://{}/kervan.db?mode=rwc", g.data.display()))
}

async fn open(g: &Global) -> Result<App, String> {
    open_with(g, Config::default()).await
}

async fn open_with(g: &Global, config: Config) -> Result<App, String> {
    open_db(g, config, false).await
}

/// Opens the database: `serving` leaves SQLite's log checkpoints to [`checkpoints`].
async fn open_db(g: &Global, config: Config, serving: bool) -> Result<App, String> {
    let url = database_url(g)?;
    let db = if serving {
        Db::connect_serving(&url).await
    } else {
        Db::connect(&url).await
    }
    .map_err(|e| format!("cannot open the database: {e}"))?;
    migrations::run(&db)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    let config = Config {
        data_dir: g.data.clone(),
        ..config
    };
    Ok(App::new(db, config))
}

fn message(e: &kervan_app::AppError) -> String {
    match e {
        kervan_app::AppError::Validation(errs) => errs
            .0
            .iter()
            .map(|x| {
                format!(
                    "{}: {}{}",
                    x.field,
                    x.code,
                    x.arg.as_ref().map(|a| format!(" ({a})")).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let g = cli.global.clone();
    match cli.command.unwrap_or(Command::Serve(ServeArgs::parse_default())) {
        Command::Serve(a) => serve(&g, a).await,
        Command::Migrate => {
            let url = database_url(&g)?;
            let db = Db::connect(&url)
                .await
                .map_err(|e| format!("cannot open the database: {e}"))?;
            let n = migrations::run(&db)
                .await
                .map_err(|e| format!("migration failed: {e}"))?;
            println!("migrations applied: {n}");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    role,
                    team,
                    password_stdin,
                },
        } => {
            let app = open(&g).await?;
            let password = if password_stdin {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|e| format!("cannot read the password: {e}"))?;
                s.trim_end_matches(['\n', '\r']).to_string()
            } else {
                generated_password()
            };
            let d = users::UserDraft {
                email: email.clone(),
                name,
                role,
                team,
                password: password.clone(),
            };
            users::create(&app, &Actor::system(), &d)
                .await
                .map_err(|e| format!("cannot add the user: {}", message(&e)))?;
            if password_stdin {
                println!("user added: {email}");
            } else {
                println!("user added: {email}\npassword: {password}");
            }
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { email, label },
        } => {
            let app = open(&g).await?;
            let user = kervan_store::users::by_email(&app.db.conn, &email.trim().to_ascii_lowercase())
                .await
                .map_err(|e| e.to_string())?
                .filter(|u| u.deactivated_at.is_none())
                .ok_or_else(|| format!("no active user with e-mail {email}"))?;
            let token = auth::create_token(&app, user.id, label.as_deref())
                .await
                .map_err(|e| message(&e))?;
            println!("{token}");
            Ok(())
        }
        Command::Demo {
            leads,
            accounts,
            contacts,
            tasks,
            activities,
        } => {
            let app = open(&g).await?;
            // Demo data on an empty database still needs someone who can administer it.
            first_admin(&app).await?;
            let started = std::time::Instant::now();
            let report = kervan_app::demo::generate(&app, leads, |done| {
                if done.is_multiple_of(100_000) {
                    eprintln!("  {done} leads…");
                }
            })
            .await
            .map_err(|e| format!("demo data failed: {}", message(&e)))?;
            println!(
                "demo data: {} users, {} leads in {:.1} s (demo users' password: {})",
                report.users,
                report.leads,
                started.elapsed().as_secs_f64(),
                kervan_app::demo::DEMO_PASSWORD
            );
            if !report.phases.is_empty() {
                let parts: Vec<String> = report.phases.iter().map(|(n, s)| format!("{n} {s:.1} s")).collect();
                println!("  where the time went: {}", parts.join(", "));
            }
            let accounts = accounts.unwrap_or(leads / 5);
            let contacts = contacts.unwrap_or(accounts * 5 / 2);
            if accounts > 0 {
                let c = kervan_app::demo::generate_customers(&app, accounts, contacts, |done| {
                    if done.is_multiple_of(50_000) {
                        eprintln!("  {done} customers…");
                    }
                })
                .await
                .map_err(|e| format!("demo customers failed: {}", message(&e)))?;
                println!(
                    "demo customers: {} accounts, {} contacts from converted leads in {:.1} s",
                    c.accounts,
                    c.contacts,
                    c.millis as f64 / 1000.0
                );
            }
            let tasks = tasks.unwrap_or(leads / 10);
            if tasks > 0 {
                let started = std::time::Instant::now();
                let n = kervan_app::demo::generate_tasks(&app, tasks, |done| {
                    if done.is_multiple_of(50_000) {
                        eprintln!("  {done} tasks…");
                    }
                })
                .await
                .map_err(|e| format!("demo tasks failed: {}", message(&e)))?;
                println!("demo tasks: {n} in {:.1} s", started.elapsed().as_secs_f64());
            }
            let activities = activities.unwrap_or(leads / 4);
            if activities > 0 {
                let started = std::time::Instant::now();
                let n = kervan_app::demo::generate_activities(&app, activities, |done| {
                    if done.is_multiple_of(50_000) {
                        eprintln!("  {done} activities…");
                    }
                })
                .await
                .map_err(|e| format!("demo activities failed: {}", message(&e)))?;
                println!("demo activities: {n} in {:.1} s", started.elapsed().as_secs_f64());
            }
            let started = std::time::Instant::now();
            app.db.settle().await.map_err(|e| e.to_string())?;
            println!("write-ahead log folded in: {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Import(a) => import(&g, a).await,
        Command::Export(a) => export(&g, a).await,
        Command::Bench(a) => {
            let app = open(&g).await?;
            let url = database_url(&g)?;
            bench::run(&app, &url, a).await
        }
    }
}

fn generated_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut r = rand::rng();
    (0..16)
        .map(|_| ALPHABET[r.random_range(0..ALPHABET.len())] as char)
        .collect()
}

impl ServeArgs {
    /// `kervan` with no subcommand serves, reading the same flags' defaults and environment.
    fn parse_default() -> ServeArgs {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            s: ServeArgs,
        }
        Only::parse_from(["kervan"]).s
    }
}

async fn serve(g: &Global, a: ServeArgs) -> Result<(), String> {
    let config = Config {
        session_idle_ms: a.session_idle_minutes.max(1) * 60_000,
        session_max_age_ms: a.session_max_days.max(1) * 24 * 3600 * 1000,
        login_max_failures: a.login_max_failures.max(1),
        login_account_failures: a.login_account_failures.max(1),
        password_parallel: a.password_parallel.max(1),
        password_queue: a.password_queue,
        max_file_bytes: a.max_file_mb.clamp(1, 4096) * 1024 * 1024,
        max_import_bytes: a.max_import_mb.clamp(1, 4096) * 1024 * 1024,
        ..Config::default()
    };
    let app = open_db(g, config, true).await?;
    first_admin(&app).await?;
    let released = kervan_app::runs::release_steps(&app)
        .await
        .map_err(|e| format!("cannot release interrupted steps: {e}"))?;
    if released > 0 {
        tracing::warn!(runs = released, "steps interrupted by the last stop are open again");
    }
    // Whatever log an earlier run or a bulk load left is copied now, before anyone waits on it.
    app.db
        .settle()
        .await
        .map_err(|e| format!("cannot checkpoint the database: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&a.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", a.addr))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!("Kervan çalışıyor: http://{local}/");
    let housekeeping = tokio::spawn(housekeeping(app.clone()));
    let checkpointer = tokio::spawn(checkpoints(app.clone()));
    let worker = tokio::spawn(kervan_app::jobs::worker(
        app.clone(),
        // Reminders are due at any second: they go out within this much of their time.
        std::time::Duration::from_secs(10),
    ));
    let state = AppState::new(
        app,
        WebConfig {
            secure_cookies: a.secure_cookies,
            trust_proxy: a.trust_proxy,
            ..Default::default()
        },
    );
    let result = kervan_web::serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| format!("server failed: {e}"));
    housekeeping.abort();
    worker.abort();
    checkpointer.abort();
    result
}

/// On a database without an admin, creates one (`KERVAN_ADMIN_EMAIL`/`KERVAN_ADMIN_PASSWORD`, or
/// `admin@kervan.local` and a generated password) and prints how to sign in.
async fn first_admin(app: &App) -> Result<(), String> {
    let admin_email = std::env::var("KERVAN_ADMIN_EMAIL").ok();
    let admin_password = std::env::var("KERVAN_ADMIN_PASSWORD").ok();
    if let Some((email, password)) = users::ensure_first_admin(app, admin_email.as_deref(), admin_password.as_deref())
        .await
        .map_err(|e| format!("cannot create the first admin: {}", message(&e)))?
    {
        println!("Kervan'a ilk kez hoş geldiniz. İlk yönetici hesabı oluşturuldu:");
        println!("  e-posta: {email}");
        if admin_password.is_none() {
            println!("  parola:  {password}   (yalnızca şimdi gösteriliyor; girişten sonra değiştirin)");
        }
    }
    Ok(())
}

/// Copies SQLite's write-ahead log into the database every two seconds, off the requests' path
/// (see `Db::connect_serving`).
async fn checkpoints(app: App) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = app.db.checkpoint().await {
            tracing::warn!(error = %e, "could not checkpoint the database log");
        }
    }
}

/// Ends idle sessions, forgets old failed sign-ins and keeps planner statistics fresh, every ten
/// minutes (the first run is at start-up).
async fn housekeeping(app: App) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = kervan_core::time::now_ms();
        let (idle, max) = (app.config.session_idle_ms, app.config.session_max_age_ms);
        if let Err(e) = kervan_store::sessions::delete_expired(&app.db.conn, now - idle, now - max).await {
            tracing::warn!(error = %e, "could not prune sessions");
        }
        if let Err(e) = kervan_store::login_failures::prune(&app.db.conn, now - app.config.login_window_ms).await {
            tracing::warn!(error = %e, "could not prune failed sign-ins");
        }
        if let Err(e) = app.db.optimize().await {
            tracing::warn!(error = %e, "could not refresh the database statistics");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KERVAN_LOG").unwrap_or_else(|_| "warn,kervan=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    // Two worker threads: the machine this targets is small, and idle memory matters.
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kervan: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kervan: {e}");
            ExitCode::from(1)
        }
    }
}

/// The acting user of a command: `--as EMAIL`, else the first admin.
async fn acting(app: &App, email: Option<&str>) -> Result<Actor, String> {
    let user = match email {
        Some(e) => kervan_store::users::by_email(&app.db.conn, &e.trim().to_ascii_lowercase())
            .await
            .map_err(|e| e.to_string())?
            .filter(|u| u.deactivated_at.is_none())
            .ok_or_else(|| format!("no active user with e-mail {e}"))?,
        None => {
            let mut all = kervan_store::users::list(&app.db.conn)
                .await
                .map_err(|e| e.to_string())?;
            all.sort_by_key(|u| u.id);
            all.into_iter()
                .find(|u| u.role == "admin" && u.deactivated_at.is_none())
                .ok_or("no admin yet: add one with `kervan user add --role admin`, or name the user with --as")?
        }
    };
    Actor::load(&app.db.conn, &user).await.map_err(|e| message(&e))
}

async fn import(g: &Global, a: ImportArgs) -> Result<(), String> {
    use kervan_app::imports::{self, Changes, Policy};
    let config = Config {
        max_import_bytes: a.max_import_mb * 1024 * 1024,
        ..Config::default()
    };
    let app = open_with(g, config).await?;
    let actor = acting(&app, a.as_user.as_deref()).await?;
    let kind = kervan_core::kinds::by_key(&a.kind)
        .filter(|k| imports::KINDS.contains(&k.key))
        .ok_or_else(|| format!("cannot import {}: choose one of {}", a.kind, imports::KINDS.join(", ")))?;
    let policy = Policy::parse(&a.on_duplicate).ok_or_else(|| {
        format!(
            "--on-duplicate {}: choose skip, update, overwrite or create",
            a.on_duplicate
        )
    })?;
    let bytes = std::fs::read(&a.file).map_err(|e| format!("cannot read {}: {e}", a.file.display()))?;
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let words = kervan_web::imports::words(kind);
    let started = std::time::Instant::now();
    let id = imports::upload(&app, &actor, kind.key, &name, &bytes, &words)
        .await
        .map_err(|e| format!("{} refused: {}", a.file.display(), message(&e)))?;
    let run = imports::get(&app, &actor, id).await.map_err(|e| message(&e))?;
    let mut mapping = run.settings.mapping.clone();
    for m in &a.map {
        let (col, field) = m
            .split_once('=')
            .ok_or_else(|| format!("--map {m}: write COLUMN=field"))?;
        let i = run
            .settings
            .headers
            .iter()
            .position(|h| kervan_core::text::fold(h) == kervan_core::text::fold(col))
            .ok_or_else(|| format!("--map {m}: the file has no column {col}"))?;
        mapping[i] = if field == "-" { String::new() } else { field.to_string() };
    }
    let mut values = std::collections::BTreeMap::new();
    if let Some(s) = a.source {
        values.insert("source".to_string(), s);
    }
    if let Some(s) = a.source_detail {
        values.insert("source_detail".to_string(), s);
    }
    if let Some(o) = a.owner {
        let owner = kervan_store::users::by_email(&app.db.conn, &o.trim().to_ascii_lowercase())
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("--owner {o}: no such user"))?;
        values.insert("owner_id".to_string(), owner.id.to_string());
    }
    if !a.tags.is_empty() {
        values.insert("tags".to_string(), a.tags.join(", "));
    }
    let ch = Changes {
        mapping: Some(mapping),
        policy: Some(policy),
        values: Some(values),
        ..Changes::default()
    };
    imports::configure(&app, &actor, id, &ch, &words)
        .await
        .map_err(|e| message(&e))?;
    let run = imports::get(&app, &actor, id).await.map_err(|e| message(&e))?;
    let mapped: Vec<String> = run
        .settings
        .headers
        .iter()
        .zip(&run.settings.mapping)
        .map(|(h, m)| format!("{h} → {}", if m.is_empty() { "-" } else { m.as_str() }))
        .collect();
    eprintln!("columns: {}", mapped.join(", "));
    if a.dry_run {
        let p = imports::preview(&app, &actor, id).await.map_err(|e| message(&e))?;
        println!(
            "dry run: {} rows would give {} created, {} updated, {} skipped, {} rejected",
            p.counts.processed, p.counts.created, p.counts.updated, p.counts.skipped, p.counts.rejected
        );
        return Ok(());
    }
    let row = imports::run_now(&app, &actor, id).await.map_err(|e| message(&e))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "import {id}: {} rows in {secs:.1} s ({:.0} rows/s): {} created, {} updated, {} skipped, {} rejected",
        row.processed,
        row.processed as f64 / secs.max(0.001),
        row.created,
        row.updated,
        row.skipped,
        row.rejected
    );
    // The per-row report beside the file: every row that did not become a new record, and why.
    let report = a.file.with_extension("rapor.csv");
    let mut out = kervan_io::write::CsvOut::new(std::io::BufWriter::new(
        std::fs::File::create(&report).map_err(|e| format!("cannot write {}: {e}", report.display()))?,
    ))
    .map_err(|e| e.to_string())?;
    out.row(&["row", "outcome", "record_id", "reason"])
        .map_err(|e| e.to_string())?;
    let mut after = i64::MIN;
    loop {
        let items = imports::report_rows(
            &app,
            &actor,
            id,
            &["created", "updated", "skipped", "rejected"],
            after,
            1000,
        )
        .await
        .map_err(|e| message(&e))?;
        let Some(last) = items.last().map(|i| i.row_no) else {
            break;
        };
        after = last;
        for it in items {
            out.row(&[
                it.row_no.to_string(),
                it.outcome.clone(),
                it.record_id.map(|r| r.to_string()).unwrap_or_default(),
                it.reason.unwrap_or_default(),
            ])
            .map_err(|e| e.to_string())?;
        }
    }
    out.finish().map_err(|e| e.to_string())?;
    println!("report: {}", report.display());
    Ok(())
}

async fn export(g: &Global, a: ExportArgs) -> Result<(), String> {
    use kervan_app::exports::{self, Format};
    let app = open(g).await?;
    let actor = acting(&app, a.as_user.as_deref()).await?;
    let kind = kervan_core::kinds::by_key(&a.kind).ok_or_else(|| format!("no kind {}", a.kind))?;
    let format = Format::parse(&a.format).ok_or_else(|| format!("--format {}: choose csv, xlsx or vcf", a.format))?;
    let defs = kervan_app::records::custom_defs(&app.db.conn, kind)
        .await
        .map_err(|e| message(&e))?;
    let live: Vec<_> = defs.into_iter().filter(|d| d.active).collect();
    let (params, columns) = match a.view {
        Some(id) => {
            let v = kervan_app::views::get(&app, &actor, id)
                .await
                .map_err(|e| message(&e))?;
            if v.row.kind != kind.key {
                return Err(format!("view {id} is a view of {}, not of {}", v.row.kind, kind.key));
            }
            let cols = if v.columns.is_empty() {
                exports::all_columns(kind, &live)
            } else {
                v.columns.clone()
            };
            (v.params(), cols)
        }
        None => (vec![], exports::all_columns(kind, &live)),
    };
    let t = kervan_web::i18n::I18n::new(kervan_web::i18n::Lang::Tr);
    let spec = kervan_web::kit::export::spec_for(&t, kind, &live, columns, true, format, params);
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from(format!("{}.{}", kind.key, format.key())));
    let started = std::time::Instant::now();
    let n = exports::run_now(&app, &actor, &spec, &out)
        .await
        .map_err(|e| message(&e))?;
    println!(
        "exported {n} {} to {} in {:.1} s",
        kind.key,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
