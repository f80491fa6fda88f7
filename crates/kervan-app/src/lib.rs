//! Kervan's use cases. Each takes an [`Actor`], checks permission, runs in one transaction,
//! and writes the audit trail. The web layer and the CLI call only this crate.

pub mod access;
pub mod accounts;
pub mod actor;
pub mod auth;
pub mod bulk;
pub mod contacts;
pub mod conversion;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod leads;
pub mod merge;
pub mod search;
pub mod users;

pub use actor::Actor;
pub use error::{AppError, Result};
pub use kervan_store::Db;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct Config {
    /// A session unused for this long ends.
    pub session_idle_ms: i64,
    /// Failed sign-ins from one address within `login_window_ms` before each further try is slowed.
    pub login_slow_after: i64,
    /// Failed sign-ins within the window before further tries are refused (429).
    pub login_max_failures: i64,
    pub login_window_ms: i64,
    /// Delay added per failure past `login_slow_after`.
    pub login_delay_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_idle_ms: 8 * 3600 * 1000,
            login_slow_after: 5,
            login_max_failures: 10,
            login_window_ms: 15 * 60 * 1000,
            login_delay_ms: 500,
        }
    }
}

/// The application: a database and its settings. Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    pub db: Db,
    pub config: Config,
}

impl App {
    pub fn new(db: Db, config: Config) -> App {
        App { db, config }
    }
}
