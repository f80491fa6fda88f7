//! Schema migrations, ours rather than a framework's: an ordered list of steps, each with the
//! statements for both backends. Applied steps are recorded in `schema_migrations`; each step
//! runs in its own transaction (both SQLite and PostgreSQL have transactional DDL).

use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};

use crate::db::{self, Db, Result};
use kervan_core::permissions::default_grants;

struct Migration {
    version: i64,
    name: &'static str,
    /// Statements for both backends; `ID_PK` becomes the backend's identity primary key.
    common: &'static [&'static str],
    sqlite: &'static [&'static str],
    postgres: &'static [&'static str],
}

const AUDIT: &str =
    "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, created_by BIGINT, version BIGINT NOT NULL DEFAULT 1";

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "foundation_and_leads",
    common: &[
        "CREATE TABLE teams (id ID_PK, name TEXT NOT NULL UNIQUE, AUDIT)",
        "CREATE TABLE users (id ID_PK, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, password_hash TEXT NOT NULL,
            role TEXT NOT NULL, team_id BIGINT REFERENCES teams(id), language TEXT NOT NULL DEFAULT 'tr',
            deactivated_at BIGINT, AUDIT)",
        "CREATE TABLE role_permissions (role TEXT NOT NULL, module TEXT NOT NULL, action TEXT NOT NULL,
            scope TEXT NOT NULL, PRIMARY KEY (role, module, action))",
        "CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL, created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, ip TEXT, user_agent TEXT)",
        "CREATE INDEX sessions_user ON sessions (user_id)",
        "CREATE TABLE api_tokens (id ID_PK, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            label TEXT, token_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, created_at BIGINT NOT NULL,
            last_used_at BIGINT, revoked_at BIGINT)",
        "CREATE INDEX api_tokens_user ON api_tokens (user_id)",
        "CREATE TABLE login_failures (id ID_PK, ip TEXT NOT NULL, email TEXT, at BIGINT NOT NULL)",
        "CREATE INDEX login_failures_ip_at ON login_failures (ip, at)",
        "CREATE TABLE leads (id ID_PK,
            first_name TEXT, last_name TEXT, company TEXT, title TEXT, email TEXT, phone TEXT,
            source TEXT NOT NULL, source_detail TEXT, campaign TEXT, product_interest TEXT,
            status TEXT NOT NULL, lost_reason TEXT, owner_id BIGINT REFERENCES users(id),
            city TEXT, sector TEXT, notes TEXT,
            sort_name TEXT NOT NULL, search_key TEXT NOT NULL,
            archived_at BIGINT, AUDIT)",
        // Keyset indexes: every list order ends in id so a cursor is exact. Filtered lists use the
        // index that leads with their filter column.
        "CREATE INDEX leads_created ON leads (created_at, id)",
        "CREATE INDEX leads_updated ON leads (updated_at, id)",
        "CREATE INDEX leads_sort_name ON leads (sort_name, id)",
        "CREATE INDEX leads_owner_created ON leads (owner_id, created_at, id)",
        "CREATE INDEX leads_status_created ON leads (status, created_at, id)",
        "CREATE INDEX leads_source_created ON leads (source, created_at, id)",
        "CREATE INDEX leads_city_created ON leads (city, created_at, id)",
        "CREATE INDEX leads_sector_created ON leads (sector, created_at, id)",
        "CREATE INDEX leads_phone ON leads (phone)",
        "CREATE INDEX leads_email ON leads (email)",
        "CREATE TABLE lead_tags (lead_id BIGINT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
            tag TEXT NOT NULL, tag_key TEXT NOT NULL, PRIMARY KEY (lead_id, tag_key))",
        "CREATE INDEX lead_tags_key ON lead_tags (tag_key, lead_id)",
        "CREATE TABLE audit_log (id ID_PK, entity TEXT NOT NULL, entity_id BIGINT NOT NULL, field TEXT NOT NULL,
            old TEXT, new TEXT, user_id BIGINT, at BIGINT NOT NULL)",
        "CREATE INDEX audit_entity ON audit_log (entity, entity_id, id)",
    ],
    sqlite: &[
        // Trigram full-text index over the folded search key: substring search in milliseconds.
        "CREATE VIRTUAL TABLE leads_fts USING fts5(search_key, content='leads', content_rowid='id', tokenize='trigram')",
        "CREATE TRIGGER leads_fts_ai AFTER INSERT ON leads BEGIN
            INSERT INTO leads_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
        "CREATE TRIGGER leads_fts_ad AFTER DELETE ON leads BEGIN
            INSERT INTO leads_fts(leads_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key); END",
        "CREATE TRIGGER leads_fts_au AFTER UPDATE OF search_key ON leads BEGIN
            INSERT INTO leads_fts(leads_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
            INSERT INTO leads_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
    ],
    postgres: &[
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX leads_search_trgm ON leads USING gin (search_key gin_trgm_ops)",
    ],
}];

fn expand(sql: &str, backend: DbBackend) -> String {
    let id = match backend {
        DbBackend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        _ => "INTEGER PRIMARY KEY",
    };
    sql.replace("ID_PK", id).replace("AUDIT", AUDIT)
}

/// Applies every migration not yet applied. Returns how many ran.
pub async fn run(db: &Db) -> Result<usize> {
    let backend = db.backend();
    db.conn
        .execute_unprepared(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
    let mut applied = 0;
    for m in MIGRATIONS {
        let done = db::scalar_i64(
            &db.conn,
            "SELECT COUNT(*) FROM schema_migrations WHERE version = ?",
            vec![m.version.into()],
        )
        .await?
        .unwrap_or(0);
        if done > 0 {
            continue;
        }
        let txn = db.conn.begin().await?;
        let specific = if backend == DbBackend::Postgres {
            m.postgres
        } else {
            m.sqlite
        };
        for sql in m.common.iter().chain(specific.iter()) {
            txn.execute_unprepared(&expand(sql, backend)).await?;
        }
        if m.version == 1 {
            for (role, module, action, scope) in default_grants() {
                db::exec(
                    &txn,
                    "INSERT INTO role_permissions (role, module, action, scope) VALUES (?, ?, ?, ?)",
                    vec![
                        role.as_str().into(),
                        module.as_str().into(),
                        action.as_str().into(),
                        scope.as_str().into(),
                    ],
                )
                .await?;
            }
        }
        db::exec(
            &txn,
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            vec![m.version.into(), m.name.into(), kervan_core::time::now_ms().into()],
        )
        .await?;
        txn.commit().await?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        applied += 1;
    }
    Ok(applied)
}
