//! Kervan's use cases. Each takes an [`Actor`], checks permission, runs in one transaction,
//! and writes the audit trail. The web layer and the CLI call only this crate.

pub mod access;
pub mod accounts;
pub mod activities;
pub mod actor;
pub mod auth;
pub mod bulk;
pub mod cache;
pub mod calendar;
pub mod company;
pub mod contacts;
pub mod conversion;
pub mod custom_fields;
pub mod dashboard;
pub mod deals;
pub mod demo;
pub mod dormant;
pub mod error;
pub mod exports;
pub mod files;
pub mod imports;
pub mod jobs;
pub mod leads;
pub mod lists;
pub mod mail;
pub mod mailing;
pub mod merge;
pub mod notifications;
pub mod passwords;
pub mod products;
pub mod quotes;
pub mod records;
pub mod registry;
pub mod runs;
pub mod search;
pub mod tasks;
pub mod timeline;
pub mod users;
pub mod views;

pub use actor::Actor;
pub use error::{AppError, Result};
pub use kervan_store::Db;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct Config {
    /// A session unused for this long ends.
    pub session_idle_ms: i64,
    /// A session ends this long after sign-in, however busy it is.
    pub session_max_age_ms: i64,
    /// Failed sign-ins from one address within `login_window_ms` before each further try is slowed.
    pub login_slow_after: i64,
    /// Failed sign-ins from one address within the window before further tries are refused (429).
    pub login_max_failures: i64,
    /// Failed sign-ins at one account (from any address) within the window before every further
    /// try at it is slowed and the admins are told. Never a lock: a stranger must not be able to
    /// lock a rep out.
    pub login_account_failures: i64,
    pub login_window_ms: i64,
    /// Delay added per failure past `login_slow_after` (and per account failure past the limit).
    pub login_delay_ms: u64,
    /// Password checks (Argon2, 19 MiB each) running at once; more wait in a short queue.
    pub password_parallel: usize,
    /// Password checks that may wait for a turn; beyond this a sign-in answers 503.
    pub password_queue: usize,
    /// The data folder (`--data`): attached files in `files/`, unsent mail in `outbox/`. Shared
    /// storage when several servers run.
    pub data_dir: std::path::PathBuf,
    /// Largest attachment accepted, in bytes (`--max-file-mb`).
    pub max_file_bytes: u64,
    /// Largest file an import accepts, in bytes (`--max-import-mb`).
    pub max_import_bytes: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_idle_ms: 8 * 3600 * 1000,
            session_max_age_ms: 30 * 24 * 3600 * 1000,
            login_slow_after: 5,
            login_max_failures: 10,
            login_account_failures: 20,
            login_window_ms: 15 * 60 * 1000,
            login_delay_ms: 500,
            password_parallel: 2,
            password_queue: 64,
            data_dir: std::path::PathBuf::from("./kervan-data"),
            max_file_bytes: 25 * 1024 * 1024,
            max_import_bytes: 50 * 1024 * 1024,
        }
    }
}

/// The application: a database and its settings. Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    pub db: Db,
    pub config: Config,
    /// Bounds the memory that password hashing may take (see [`passwords`]).
    pub passwords: std::sync::Arc<passwords::PasswordWork>,
    /// Wakes this process's job worker when work was queued (other servers find it on their
    /// next poll).
    pub jobs: std::sync::Arc<tokio::sync::Notify>,
    /// Small tables every page reads, kept in memory (see [`cache`]).
    pub cache: std::sync::Arc<cache::Cache>,
}

impl App {
    pub fn new(db: Db, config: Config) -> App {
        let passwords = std::sync::Arc::new(passwords::PasswordWork::new(
            config.password_parallel,
            config.password_queue,
            std::time::Duration::from_secs(10),
        ));
        App {
            db,
            config,
            passwords,
            jobs: std::sync::Arc::new(tokio::sync::Notify::new()),
            cache: std::sync::Arc::new(cache::Cache::default()),
        }
    }
}
