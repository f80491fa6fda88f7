use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    FromQueryResult, QueryResult, SqlErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    Value,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("unique constraint violated: {0}")]
    Duplicate(String),
    #[error("stale version")]
    Conflict,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    /// Sorts a database error into a duplicate (a unique index said no) or a plain failure.
    pub fn from_db(e: DbErr) -> StoreError {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(m)) => StoreError::Duplicate(m),
            _ => StoreError::Db(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The application's handle on its database.
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
}

impl Db {
    /// Connects to `url` (`sqlite://path` or `postgres://…`). SQLite gets WAL, a busy timeout and
    /// foreign keys, so several readers and one writer work together without "database is locked".
    pub async fn connect(url: &str) -> Result<Db> {
        Db::open(url, false).await
    }

    /// [`Db::connect`] for a server: on SQLite, no commit checkpoints the write-ahead log itself
    /// (that made every thousandth-or-so create wait 20–50 ms); the server calls [`Db::checkpoint`]
    /// every few seconds instead.
    pub async fn connect_serving(url: &str) -> Result<Db> {
        Db::open(url, true).await
    }

    /// Copies the write-ahead log into the database without waiting for readers or the writer
    /// (SQLite; nothing to do on PostgreSQL).
    pub async fn checkpoint(&self) -> Result<()> {
        if !self.is_postgres() {
            self.conn.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await?;
        }
        Ok(())
    }

    /// Copies the whole write-ahead log into the database and empties it, waiting for readers
    /// (SQLite; nothing to do on PostgreSQL). After a bulk load, whose one transaction can leave
    /// a log of a gigabyte: left in place, the server's first checkpoint copied it while people
    /// worked and a save waited three seconds behind it.
    pub async fn settle(&self) -> Result<()> {
        if !self.is_postgres() {
            self.conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await?;
        }
        Ok(())
    }

    async fn open(url: &str, serving: bool) -> Result<Db> {
        let mut opts = ConnectOptions::new(url.to_string());
        // `KERVAN_SQL_LOG=1` logs every statement (with `KERVAN_LOG=sqlx::query=info`): how many
        // queries a page costs is the first thing to look at when it is slow.
        let log_sql = std::env::var("KERVAN_SQL_LOG").is_ok_and(|v| v == "1");
        opts.sqlx_logging(log_sql)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(15));
        if url.starts_with("sqlite:") {
            // Few connections: SQLite has one writer anyway, and every connection costs memory.
            opts.max_connections(4).min_connections(1);
            opts.map_sqlx_sqlite_opts(move |o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .pragma("cache_size", "-16000")
                    .pragma("temp_store", "memory")
                    .pragma("wal_autocheckpoint", if serving { "0" } else { "1000" })
                    // The log file is reused from its start after a checkpoint, never shrunk;
                    // this trims it back after a big transaction grew it.
                    .pragma("journal_size_limit", "67108864")
                    // The driver hands rows over through a channel of this many; at its default
                    // of 50 a list page of 51 rows made the reading thread wait for the request.
                    .row_buffer_size(512)
            });
        } else {
            opts.max_connections(10).min_connections(1);
            // The planner's default assumes spinning disks, where reading scattered rows is four
            // times dearer than reading in order; on SSDs and a cached working set it is not, and the
            // default made PostgreSQL walk the id index through tens of thousands of rows for a
            // search a trigram index answers at once (measured: 30–100 ms instead of 2–6 ms).
            opts.map_sqlx_postgres_opts(|o| o.options([("random_page_cost", "1.1")]));
        }
        let conn = Database::connect(opts).await?;
        Ok(Db { conn })
    }

    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    pub fn is_postgres(&self) -> bool {
        self.backend() == DbBackend::Postgres
    }

    pub async fn ping(&self) -> Result<()> {
        self.conn.ping().await?;
        Ok(())
    }

    /// Gathers the planner's statistics now, for every table. Without them the planners guess
    /// that any equality filter is selective (SQLite) or misjudge a freshly loaded table
    /// (PostgreSQL), and pick a plan that sorts a large part of the table.
    pub async fn analyze(&self) -> Result<()> {
        // Full statistics: SQLite's sampled ones (`analysis_limit`) misjudge low-cardinality
        // columns by a factor of a hundred, and a full pass is under a second at a million rows.
        self.conn.execute_unprepared("ANALYZE").await?;
        Ok(())
    }

    /// Keeps statistics current while serving: SQLite re-analyzes only tables that changed a
    /// lot (its own `PRAGMA optimize` rules); PostgreSQL's autovacuum does this by itself.
    pub async fn optimize(&self) -> Result<()> {
        if !self.is_postgres() {
            // An analysis reads whole indexes into this connection's page cache; give that memory
            // back so an idle server stays small.
            self.conn
                .execute_unprepared("PRAGMA optimize = 0x10002; PRAGMA shrink_memory")
                .await?;
        }
        Ok(())
    }
}

/// Starts a transaction for a write whose check must not race with another's check-and-write on
/// the same `keys` (a duplicate check on a normalised phone, e-mail or tax number followed by the
/// insert). Without it, thirty parallel creates with one phone all passed the check and stored
/// up to eighteen leads. There is deliberately no unique index: branches may share a VKN, and
/// `allow_duplicate` must keep working.
///
/// - PostgreSQL: a transaction-scoped advisory lock per key (`pg_advisory_xact_lock` on the key's
///   64-bit hash), taken in sorted order so two writers never deadlock; released at commit or
///   rollback. The check then runs in a statement that sees everything committed before.
/// - SQLite: the write lock is taken up front (`BEGIN IMMEDIATE`), so the check and the write of
///   two transactions never interleave; a deferred read-then-write would instead fail with
///   SQLITE_BUSY_SNAPSHOT under load. SQLite has one writer anyway, so this costs nothing.
///
/// Every read of the guarded check must go through the returned transaction: on SQLite another
/// pooled connection could be waiting for this very lock.
pub async fn begin_guarded(c: &DatabaseConnection, keys: &[String]) -> Result<DatabaseTransaction> {
    if c.get_database_backend() == DbBackend::Postgres {
        let txn = c.begin().await?;
        let mut keys: Vec<&String> = keys.iter().collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            exec(
                &txn,
                "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
                vec![k.as_str().into()],
            )
            .await?;
        }
        Ok(txn)
    } else {
        Ok(c.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?)
    }
}

/// SQL for an amount (kuruş) in the company's currency at its row's stored rate (`rate` NULL:
/// already in it), half-up to the kuruş: the amounts are never negative, so adding a half and
/// cutting is half-up on both databases (their casts of a float round differently).
pub fn in_default_currency(backend: DbBackend, amount: &str, rate: &str) -> String {
    match backend {
        DbBackend::Postgres => {
            format!("(CASE WHEN {rate} IS NULL THEN {amount} ELSE FLOOR({amount} * {rate} + 0.5)::BIGINT END)")
        }
        _ => format!("(CASE WHEN {rate} IS NULL THEN {amount} ELSE CAST({amount} * {rate} + 0.5 AS INTEGER) END)"),
    }
}

/// Rewrites `?` placeholders to `$1, $2, …` for PostgreSQL. Our SQL never holds a literal `?`.
pub fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn stmt<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Statement {
    let backend = c.get_database_backend();
    Statement::from_sql_and_values(backend, placeholders(backend, sql), values)
}

pub async fn exec<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<u64> {
    let r = c.execute_raw(stmt(c, sql, values)).await.map_err(StoreError::from_db)?;
    Ok(r.rows_affected())
}

pub async fn all<T: FromQueryResult, C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<Vec<T>> {
    let rows = c.query_all_raw(stmt(c, sql, values)).await?;
    rows.iter()
        .map(|r| T::from_query_result(r, "").map_err(StoreError::from))
        .collect()
}

pub async fn one<T: FromQueryResult, C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<Option<T>> {
    match c.query_one_raw(stmt(c, sql, values)).await? {
        Some(r) => Ok(Some(T::from_query_result(&r, "")?)),
        None => Ok(None),
    }
}

pub async fn raw_one<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<Option<QueryResult>> {
    Ok(c.query_one_raw(stmt(c, sql, values)).await?)
}

/// A single integer from the first column of the first row (counts, ids).
pub async fn scalar_i64<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<Option<i64>> {
    match raw_one(c, sql, values).await? {
        Some(r) => Ok(r.try_get_by_index::<Option<i64>>(0)?),
        None => Ok(None),
    }
}

/// A single text from the first column of the first row.
pub async fn scalar_string<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<Option<String>> {
    match raw_one(c, sql, values).await? {
        Some(r) => Ok(r.try_get_by_index::<Option<String>>(0)?),
        None => Ok(None),
    }
}

/// Inserts and returns the new row's id (`RETURNING id` works on both backends).
pub async fn insert_id<C: ConnectionTrait>(c: &C, sql: &str, values: Vec<Value>) -> Result<i64> {
    let sql = format!("{sql} RETURNING id");
    let row = c
        .query_one_raw(stmt(c, &sql, values))
        .await
        .map_err(StoreError::from_db)?;
    let row = row.ok_or_else(|| StoreError::Invalid("insert returned no id".into()))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            placeholders(DbBackend::Postgres, "a = ? AND b IN (?, ?)"),
            "a = $1 AND b IN ($2, $3)"
        );
        assert_eq!(placeholders(DbBackend::Sqlite, "a = ?"), "a = ?");
    }
}
