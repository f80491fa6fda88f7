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
    /// Tables whose `search_key` gets the search index: SQLite's trigram full-text table kept
    /// in step by triggers, PostgreSQL's trigram GIN index (see [`search_index`]).
    search: &'static [&'static str],
}

/// The search index of `table`'s `search_key` on `backend`.
fn search_index(table: &str, backend: DbBackend) -> Vec<String> {
    if backend == DbBackend::Postgres {
        return vec![format!(
            "CREATE INDEX {table}_search_trgm ON {table} USING gin (search_key gin_trgm_ops)"
        )];
    }
    vec![
        format!(
            "CREATE VIRTUAL TABLE {table}_fts USING fts5(search_key, content='{table}', content_rowid='id', tokenize='trigram')"
        ),
        format!(
            "CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN
             INSERT INTO {table}_fts(rowid, search_key) VALUES (new.id, new.search_key); END"
        ),
        format!(
            "CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN
             INSERT INTO {table}_fts({table}_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key); END"
        ),
        format!(
            "CREATE TRIGGER {table}_fts_au AFTER UPDATE OF search_key ON {table}
             WHEN old.search_key IS NOT new.search_key BEGIN
             INSERT INTO {table}_fts({table}_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
             INSERT INTO {table}_fts(rowid, search_key) VALUES (new.id, new.search_key); END"
        ),
    ]
}

/// Drops and recreates the full-text update trigger of each table so that it fires only when
/// the search key changed.
macro_rules! fts_on_change {
    ($($t:literal),*) => {
        &[$(
            concat!("DROP TRIGGER IF EXISTS ", $t, "_fts_au"),
            concat!(
                "CREATE TRIGGER ", $t, "_fts_au AFTER UPDATE OF search_key ON ", $t,
                " WHEN old.search_key IS NOT new.search_key BEGIN INSERT INTO ", $t, "_fts(", $t,
                "_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key); INSERT INTO ", $t,
                "_fts(rowid, search_key) VALUES (new.id, new.search_key); END"
            ),
        )*]
    };
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
    search: &[],
},
Migration {
    version: 2,
    name: "leads_entry_order_indexes",
    // "Newest first" is the order of entry, the row id (see `SortKey::Created`), so each filter
    // needs its column followed by the id, not by created_at.
    common: &[
        "DROP INDEX leads_owner_created",
        "DROP INDEX leads_status_created",
        "DROP INDEX leads_source_created",
        "DROP INDEX leads_city_created",
        "DROP INDEX leads_sector_created",
        "CREATE INDEX leads_owner_id ON leads (owner_id, id)",
        "CREATE INDEX leads_status_id ON leads (status, id)",
        "CREATE INDEX leads_source_id ON leads (source, id)",
        "CREATE INDEX leads_city_id ON leads (city, id)",
        "CREATE INDEX leads_sector_id ON leads (sector, id)",
        // Sorting by name within the filters people combine it with most: a rep's own leads
        // (the default scope of a sales rep), a status, a source. Without these the database
        // sorts every matching row (measured: 250–750 ms at a million leads).
        "CREATE INDEX leads_owner_name ON leads (owner_id, sort_name, id)",
        "CREATE INDEX leads_status_name ON leads (status, sort_name, id)",
        "CREATE INDEX leads_source_name ON leads (source, sort_name, id)",
    ],
    sqlite: &[],
    // A finer histogram of the search text lets PostgreSQL tell a common name (read the newest
    // rows until the page is full) from a rare one (ask the trigram index); with the default
    // every fragment looked rare and common surnames took 70–100 ms.
    postgres: &["ALTER TABLE leads ALTER COLUMN search_key SET STATISTICS 1000"],
    search: &[],
},
Migration {
    version: 3,
    name: "accounts_contacts_addresses",
    common: &[
        // Money in kuruş (integer): no rounding surprises. `name_key` is the folded name without
        // legal-form words, for "nearly the same name" duplicate checks; `email_domain` and
        // `website_domain` hold company domains (never public mail providers).
        "CREATE TABLE accounts (id ID_PK, kind TEXT NOT NULL, name TEXT NOT NULL, tax_office TEXT,
            tax_number TEXT, national_id TEXT, sector TEXT, customer_class TEXT, segment TEXT, potential TEXT,
            annual_revenue BIGINT, lifecycle TEXT NOT NULL, parent_id BIGINT REFERENCES accounts(id),
            owner_id BIGINT REFERENCES users(id), region TEXT, country TEXT, city TEXT, district TEXT,
            website TEXT, phone TEXT, email TEXT, email_domain TEXT, website_domain TEXT, notes TEXT,
            lead_id BIGINT REFERENCES leads(id), name_key TEXT NOT NULL, sort_name TEXT NOT NULL,
            search_key TEXT NOT NULL, last_contact_at BIGINT, archived_at BIGINT, AUDIT)",
        "CREATE INDEX accounts_sort_name ON accounts (sort_name, id)",
        "CREATE INDEX accounts_owner_id ON accounts (owner_id, id)",
        "CREATE INDEX accounts_owner_name ON accounts (owner_id, sort_name, id)",
        "CREATE INDEX accounts_lifecycle_id ON accounts (lifecycle, id)",
        "CREATE INDEX accounts_city_id ON accounts (city, id)",
        "CREATE INDEX accounts_sector_id ON accounts (sector, id)",
        "CREATE INDEX accounts_parent ON accounts (parent_id, sort_name)",
        "CREATE INDEX accounts_tax_number ON accounts (tax_number)",
        "CREATE INDEX accounts_national_id ON accounts (national_id)",
        "CREATE INDEX accounts_phone ON accounts (phone)",
        "CREATE INDEX accounts_email ON accounts (email)",
        "CREATE INDEX accounts_email_domain ON accounts (email_domain)",
        "CREATE INDEX accounts_website_domain ON accounts (website_domain)",
        "CREATE INDEX accounts_name_key ON accounts (name_key)",
        "CREATE TABLE account_tags (account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            tag TEXT NOT NULL, tag_key TEXT NOT NULL, PRIMARY KEY (account_id, tag_key))",
        "CREATE INDEX account_tags_key ON account_tags (tag_key, account_id)",
        "CREATE TABLE addresses (id ID_PK, account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            kind TEXT NOT NULL, line TEXT NOT NULL, country TEXT NOT NULL, city TEXT NOT NULL, district TEXT,
            postal_code TEXT, AUDIT)",
        "CREATE INDEX addresses_account ON addresses (account_id, id)",
        "CREATE TABLE contacts (id ID_PK, account_id BIGINT REFERENCES accounts(id),
            first_name TEXT NOT NULL, last_name TEXT NOT NULL, title TEXT, department TEXT, email TEXT,
            phone TEXT, extension TEXT, mobile TEXT, whatsapp TEXT, buying_role TEXT, influence TEXT,
            relationship TEXT, reports_to_id BIGINT REFERENCES contacts(id), owner_id BIGINT REFERENCES users(id),
            notes TEXT, lead_id BIGINT REFERENCES leads(id), sort_name TEXT NOT NULL, search_key TEXT NOT NULL,
            last_contact_at BIGINT, archived_at BIGINT, AUDIT)",
        "CREATE INDEX contacts_sort_name ON contacts (sort_name, id)",
        "CREATE INDEX contacts_owner_id ON contacts (owner_id, id)",
        "CREATE INDEX contacts_owner_name ON contacts (owner_id, sort_name, id)",
        "CREATE INDEX contacts_account ON contacts (account_id, sort_name, id)",
        "CREATE INDEX contacts_reports_to ON contacts (reports_to_id)",
        "CREATE INDEX contacts_phone ON contacts (phone)",
        "CREATE INDEX contacts_mobile ON contacts (mobile)",
        "CREATE INDEX contacts_email ON contacts (email)",
        "CREATE TABLE contact_tags (contact_id BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
            tag TEXT NOT NULL, tag_key TEXT NOT NULL, PRIMARY KEY (contact_id, tag_key))",
        "CREATE INDEX contact_tags_key ON contact_tags (tag_key, contact_id)",
        // What a lead became.
        "ALTER TABLE leads ADD COLUMN account_id BIGINT REFERENCES accounts(id)",
        "ALTER TABLE leads ADD COLUMN contact_id BIGINT REFERENCES contacts(id)",
        "ALTER TABLE leads ADD COLUMN converted_at BIGINT",
        "CREATE INDEX leads_account ON leads (account_id)",
        // Conversion rates by source: converted leads per source over time.
        "CREATE INDEX leads_source_converted ON leads (source, converted_at)",
    ],
    sqlite: &[
        "CREATE VIRTUAL TABLE accounts_fts USING fts5(search_key, content='accounts', content_rowid='id',
            tokenize='trigram')",
        "CREATE TRIGGER accounts_fts_ai AFTER INSERT ON accounts BEGIN
            INSERT INTO accounts_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
        "CREATE TRIGGER accounts_fts_ad AFTER DELETE ON accounts BEGIN
            INSERT INTO accounts_fts(accounts_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key); END",
        "CREATE TRIGGER accounts_fts_au AFTER UPDATE OF search_key ON accounts BEGIN
            INSERT INTO accounts_fts(accounts_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
            INSERT INTO accounts_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
        "CREATE VIRTUAL TABLE contacts_fts USING fts5(search_key, content='contacts', content_rowid='id',
            tokenize='trigram')",
        "CREATE TRIGGER contacts_fts_ai AFTER INSERT ON contacts BEGIN
            INSERT INTO contacts_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
        "CREATE TRIGGER contacts_fts_ad AFTER DELETE ON contacts BEGIN
            INSERT INTO contacts_fts(contacts_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key); END",
        "CREATE TRIGGER contacts_fts_au AFTER UPDATE OF search_key ON contacts BEGIN
            INSERT INTO contacts_fts(contacts_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
            INSERT INTO contacts_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
    ],
    postgres: &[
        "CREATE INDEX accounts_search_trgm ON accounts USING gin (search_key gin_trgm_ops)",
        "CREATE INDEX contacts_search_trgm ON contacts USING gin (search_key gin_trgm_ops)",
        "ALTER TABLE accounts ALTER COLUMN search_key SET STATISTICS 1000",
        "ALTER TABLE contacts ALTER COLUMN search_key SET STATISTICS 1000",
    ],
    search: &[],
},
Migration {
    version: 4,
    name: "contacts_whatsapp_index",
    // A phone search matches office, mobile and WhatsApp numbers; without an index on each of the
    // three the OR turns into a scan of every contact (measured: 150 ms at half a million).
    common: &["CREATE INDEX contacts_whatsapp ON contacts (whatsapp)"],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 5,
    name: "accounts_name_key_bytewise",
    common: &[],
    sqlite: &[],
    // The duplicate check reads close names by prefix (`name_key >= p AND name_key < p || U+10FFFF`);
    // that range is only a prefix in byte order, which a database with a linguistic default
    // collation (en_US.UTF-8, tr_TR.UTF-8) does not use. SQLite compares bytes already.
    postgres: &["ALTER TABLE accounts ALTER COLUMN name_key TYPE TEXT COLLATE \"C\""],
    search: &[],
},
Migration {
    version: 6,
    name: "sign_in_security_and_notifications",
    common: &[
        // Failed sign-ins are counted per address and, separately, per account (the e-mail typed,
        // lower-cased) across addresses; a successful sign-in clears only the account's count
        // (`account_key` set to NULL), so it never resets the address's.
        "ALTER TABLE login_failures ADD COLUMN account_key TEXT",
        "CREATE INDEX login_failures_account_at ON login_failures (account_key, at)",
        // In-app notifications (the bell). `dedupe_key` makes "notify once" a constraint, not a hope.
        "CREATE TABLE notifications (id ID_PK, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL, params TEXT NOT NULL, link TEXT, dedupe_key TEXT UNIQUE,
            created_at BIGINT NOT NULL, read_at BIGINT)",
        "CREATE INDEX notifications_user ON notifications (user_id, read_at, id)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 7,
    name: "record_kit",
    common: &[
        // Custom field values, typed, in one JSON column per kind (`{"butce_araligi": "100_500k"}`).
        "ALTER TABLE leads ADD COLUMN custom JSON_T NOT NULL DEFAULT JSON_EMPTY",
        "ALTER TABLE accounts ADD COLUMN custom JSON_T NOT NULL DEFAULT JSON_EMPTY",
        "ALTER TABLE contacts ADD COLUMN custom JSON_T NOT NULL DEFAULT JSON_EMPTY",
        "CREATE TABLE products (id ID_PK, sku TEXT NOT NULL, sku_key TEXT NOT NULL, name TEXT NOT NULL,
            description TEXT, product_group TEXT, unit TEXT NOT NULL, list_price BIGINT, currency TEXT NOT NULL,
            kdv_rate TEXT NOT NULL, kdv_exemption_reason TEXT, active BOOLEAN NOT NULL DEFAULT TRUE,
            sort_name TEXT NOT NULL, search_key TEXT NOT NULL, custom JSON_T NOT NULL DEFAULT JSON_EMPTY,
            archived_at BIGINT, AUDIT)",
        // Two products never share a SKU (compared without case and spaces), archived ones included:
        // a quote line names it.
        "CREATE UNIQUE INDEX products_sku_key ON products (sku_key)",
        "CREATE INDEX products_sort_name ON products (sort_name, id)",
        "CREATE INDEX products_updated ON products (updated_at, id)",
        "CREATE INDEX products_product_group_id ON products (product_group, id)",
        "CREATE INDEX products_unit_id ON products (unit, id)",
        "CREATE INDEX products_currency_id ON products (currency, id)",
        "CREATE INDEX products_kdv_rate_id ON products (kdv_rate, id)",
        "CREATE INDEX products_active_id ON products (active, id)",
        // Every filter of the lists has an index led by its column (the conformance test checks).
        "CREATE INDEX leads_source_detail_id ON leads (source_detail, id)",
        "CREATE INDEX accounts_kind_id ON accounts (kind, id)",
        "CREATE INDEX accounts_potential_id ON accounts (potential, id)",
        "CREATE INDEX accounts_segment_id ON accounts (segment, id)",
        "CREATE INDEX accounts_customer_class_id ON accounts (customer_class, id)",
        "CREATE INDEX accounts_updated ON accounts (updated_at, id)",
        "CREATE INDEX contacts_buying_role_id ON contacts (buying_role, id)",
        "CREATE INDEX contacts_influence_id ON contacts (influence, id)",
        "CREATE INDEX contacts_relationship_id ON contacts (relationship, id)",
        "CREATE INDEX contacts_updated ON contacts (updated_at, id)",
        // Custom field definitions; the values live in the kinds' `custom` columns.
        "CREATE TABLE custom_fields (id ID_PK, kind TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL,
            type TEXT NOT NULL, options TEXT NOT NULL DEFAULT '[]', required BOOLEAN NOT NULL DEFAULT FALSE,
            filterable BOOLEAN NOT NULL DEFAULT FALSE, searchable BOOLEAN NOT NULL DEFAULT FALSE,
            sortable BOOLEAN NOT NULL DEFAULT FALSE, position BIGINT NOT NULL DEFAULT 0,
            active BOOLEAN NOT NULL DEFAULT TRUE, index_state TEXT NOT NULL DEFAULT 'none', AUDIT)",
        "CREATE UNIQUE INDEX custom_fields_kind_key ON custom_fields (kind, key)",
        // Multi-select and user custom fields: one row per value (filterable like tags).
        "CREATE TABLE custom_multi (kind TEXT NOT NULL, record_id BIGINT NOT NULL, key TEXT NOT NULL,
            value TEXT NOT NULL, PRIMARY KEY (kind, record_id, key, value))",
        "CREATE INDEX custom_multi_value ON custom_multi (kind, key, value, record_id)",
        // Saved list views (segments) and each user's chosen columns.
        "CREATE TABLE views (id ID_PK, kind TEXT NOT NULL, name TEXT NOT NULL,
            owner_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, shared BOOLEAN NOT NULL DEFAULT FALSE,
            filters TEXT NOT NULL DEFAULT '{}', columns TEXT NOT NULL DEFAULT '[]', sort TEXT NOT NULL DEFAULT '', AUDIT)",
        "CREATE INDEX views_kind_owner ON views (kind, owner_id)",
        "CREATE TABLE list_prefs (user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, kind TEXT NOT NULL,
            columns TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (user_id, kind))",
        // Values in use per field (city, sector, fair name…), kept where they are written, so a filter
        // menu reads a few rows instead of scanning the table on every page view.
        "CREATE TABLE field_values (kind TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, n BIGINT NOT NULL,
            PRIMARY KEY (kind, field, value))",
        "CREATE INDEX field_values_top ON field_values (kind, field, n)",
        // Background work (index builds, search key refreshes; later reminders, mail, imports).
        "CREATE TABLE jobs (id ID_PK, kind TEXT NOT NULL, payload TEXT NOT NULL, run_at BIGINT NOT NULL,
            attempts BIGINT NOT NULL DEFAULT 0, locked_until BIGINT, last_error TEXT, done_at BIGINT,
            dedupe_key TEXT UNIQUE, created_at BIGINT NOT NULL)",
        "CREATE INDEX jobs_due ON jobs (done_at, run_at, id)",
        // The values in use today.
        "INSERT INTO field_values (kind, field, value, n)
            SELECT 'leads', 'sector', sector, COUNT(*) FROM leads WHERE sector IS NOT NULL GROUP BY sector",
        "INSERT INTO field_values (kind, field, value, n)
            SELECT 'leads', 'source_detail', source_detail, COUNT(*) FROM leads WHERE source_detail IS NOT NULL
            GROUP BY source_detail",
        "INSERT INTO field_values (kind, field, value, n)
            SELECT 'accounts', 'sector', sector, COUNT(*) FROM accounts WHERE sector IS NOT NULL GROUP BY sector",
    ],
    sqlite: &[
        "CREATE VIRTUAL TABLE products_fts USING fts5(search_key, content='products', content_rowid='id',
            tokenize='trigram')",
        "CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN
            INSERT INTO products_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
        "CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN
            INSERT INTO products_fts(products_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key); END",
        "CREATE TRIGGER products_fts_au AFTER UPDATE OF search_key ON products BEGIN
            INSERT INTO products_fts(products_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
            INSERT INTO products_fts(rowid, search_key) VALUES (new.id, new.search_key); END",
    ],
    postgres: &["CREATE INDEX products_search_trgm ON products USING gin (search_key gin_trgm_ops)"],
    search: &[],
},
Migration {
    version: 8,
    name: "filter_indexes_in_list_order",
    // Customers, contacts and products are listed by name: an index of (filter column, id) finds
    // the rows but leaves them to be sorted, which at a million rows is the whole cost. Each
    // filter's index now ends with the list's own order.
    common: &[
        "DROP INDEX accounts_kind_id",
        "DROP INDEX accounts_potential_id",
        "DROP INDEX accounts_segment_id",
        "DROP INDEX accounts_customer_class_id",
        "DROP INDEX accounts_lifecycle_id",
        "DROP INDEX accounts_city_id",
        "DROP INDEX accounts_sector_id",
        "DROP INDEX accounts_parent",
        "DROP INDEX contacts_buying_role_id",
        "DROP INDEX contacts_influence_id",
        "DROP INDEX contacts_relationship_id",
        "DROP INDEX products_product_group_id",
        "DROP INDEX products_unit_id",
        "DROP INDEX products_currency_id",
        "DROP INDEX products_kdv_rate_id",
        "DROP INDEX products_active_id",
        "CREATE INDEX accounts_kind_name ON accounts (kind, sort_name, id)",
        "CREATE INDEX accounts_potential_name ON accounts (potential, sort_name, id)",
        "CREATE INDEX accounts_segment_name ON accounts (segment, sort_name, id)",
        "CREATE INDEX accounts_customer_class_name ON accounts (customer_class, sort_name, id)",
        "CREATE INDEX accounts_lifecycle_name ON accounts (lifecycle, sort_name, id)",
        "CREATE INDEX accounts_city_name ON accounts (city, sort_name, id)",
        "CREATE INDEX accounts_sector_name ON accounts (sector, sort_name, id)",
        "CREATE INDEX accounts_parent_name ON accounts (parent_id, sort_name, id)",
        "CREATE INDEX contacts_buying_role_name ON contacts (buying_role, sort_name, id)",
        "CREATE INDEX contacts_influence_name ON contacts (influence, sort_name, id)",
        "CREATE INDEX contacts_relationship_name ON contacts (relationship, sort_name, id)",
        "CREATE INDEX products_product_group_name ON products (product_group, sort_name, id)",
        "CREATE INDEX products_unit_name ON products (unit, sort_name, id)",
        "CREATE INDEX products_currency_name ON products (currency, sort_name, id)",
        "CREATE INDEX products_kdv_rate_name ON products (kdv_rate, sort_name, id)",
        "CREATE INDEX products_active_name ON products (active, sort_name, id)",
        // The SKU is unique, but a list ordered by it still pages by (sku_key, id).
        "CREATE INDEX products_sku_order ON products (sku_key, id)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 9,
    name: "cache_version",
    // See `cache.rs`: one number, bumped by every write to the tables servers keep in memory.
    common: &[
        "CREATE TABLE cache_version (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)",
        "INSERT INTO cache_version (id, n) VALUES (1, 0)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 10,
    name: "reference_indexes",
    // Every reference column has an index: deleting a lead clears `lead_id` on the customers and
    // people it became, and merging repoints them; without one each such write scanned the whole
    // table (250 ms per deleted lead at 200,000 customers, holding the write lock meanwhile).
    common: &[
        "CREATE INDEX accounts_lead ON accounts (lead_id)",
        "CREATE INDEX contacts_lead ON contacts (lead_id)",
        "CREATE INDEX leads_contact ON leads (contact_id)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
}, Migration {
    version: 11,
    name: "lead_status_pairs",
    // A status with a second filter is what lead lists are mostly asked for (status and source,
    // a rep's own by status, a fair's leads by status). One index per column leaves the other
    // condition to be checked row by row: converted leads are old ones, so "converted from the
    // fair, newest first" walked 30,000 rows of the source index (35 ms warm, 33 s from a cold
    // disk at 1M leads). With both columns in the index a page is a few index steps again.
    common: &[
        "CREATE INDEX leads_status_source ON leads (status, source, id)",
        "CREATE INDEX leads_status_owner ON leads (status, owner_id, id)",
        "CREATE INDEX leads_status_source_detail ON leads (status, source_detail, id)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 12,
    name: "tasks",
    // Tasks are listed by due time: every filter's index ends with (due_at, id). Görevlerim reads
    // one person's open tasks by due time (owner, status, due_at).
    common: &[
        "CREATE TABLE tasks (id ID_PK, title TEXT NOT NULL, due_at BIGINT NOT NULL, priority TEXT NOT NULL,
            owner_id BIGINT REFERENCES users(id), status TEXT NOT NULL, reminder TEXT NOT NULL,
            description TEXT, lead_id BIGINT REFERENCES leads(id) ON DELETE SET NULL,
            account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
            contact_id BIGINT REFERENCES contacts(id) ON DELETE SET NULL,
            sort_name TEXT NOT NULL, search_key TEXT NOT NULL, custom JSON_T NOT NULL DEFAULT JSON_EMPTY,
            archived_at BIGINT, AUDIT)",
        "CREATE INDEX tasks_due ON tasks (due_at, id)",
        "CREATE INDEX tasks_status_due ON tasks (status, due_at, id)",
        "CREATE INDEX tasks_priority_due ON tasks (priority, due_at, id)",
        "CREATE INDEX tasks_owner_due ON tasks (owner_id, due_at, id)",
        "CREATE INDEX tasks_owner_status_due ON tasks (owner_id, status, due_at, id)",
        "CREATE INDEX tasks_lead_due ON tasks (lead_id, due_at, id)",
        "CREATE INDEX tasks_account_due ON tasks (account_id, due_at, id)",
        "CREATE INDEX tasks_contact_due ON tasks (contact_id, due_at, id)",
        "CREATE INDEX tasks_sort_name ON tasks (sort_name, id)",
        "CREATE INDEX tasks_updated ON tasks (updated_at, id)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &["tasks"],
},
Migration {
    version: 13,
    name: "tasks_recently_done",
    // Görevlerim's "Son tamamlananlar" (done, newest change first) read 60,000 done tasks and
    // sorted them at 100,000 tasks (47 ms); these serve it for one person and for everyone.
    common: &[
        "CREATE INDEX tasks_status_updated ON tasks (status, updated_at, id)",
        "CREATE INDEX tasks_owner_status_updated ON tasks (owner_id, status, updated_at, id)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 14,
    name: "tasks_next_step",
    // "Sonraki adım" in the lists: the earliest open task of each row is one seek in an index
    // of the open tasks only (the index of all tasks read every task of the record to check its
    // status: a millisecond per page of 50 leads with a few tasks each).
    common: &[
        "CREATE INDEX tasks_open_lead ON tasks (lead_id, due_at) WHERE status = 'open' AND archived_at IS NULL",
        "CREATE INDEX tasks_open_account ON tasks (account_id, due_at) WHERE status = 'open' AND archived_at IS NULL",
        "CREATE INDEX tasks_open_contact ON tasks (contact_id, due_at) WHERE status = 'open' AND archived_at IS NULL",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 15,
    name: "recurring_tasks",
    common: &["ALTER TABLE tasks ADD COLUMN repeat TEXT NOT NULL DEFAULT 'none'"],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 16,
    name: "activities",
    // A timeline reads one record's activities newest first: (record, at, id) for each kind of
    // record. Leads learn when we last talked to them too (the sleeping-lead rule asks).
    common: &[
        "CREATE TABLE activities (id ID_PK, kind TEXT NOT NULL, subject TEXT NOT NULL, status TEXT NOT NULL,
            at BIGINT NOT NULL, duration_minutes DOUBLE_T, direction TEXT, outcome TEXT, location TEXT,
            online_link TEXT, colleague_id BIGINT REFERENCES users(id), body TEXT,
            owner_id BIGINT REFERENCES users(id),
            lead_id BIGINT REFERENCES leads(id) ON DELETE SET NULL,
            account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
            contact_id BIGINT REFERENCES contacts(id) ON DELETE SET NULL,
            sort_name TEXT NOT NULL, search_key TEXT NOT NULL, custom JSON_T NOT NULL DEFAULT JSON_EMPTY,
            archived_at BIGINT, AUDIT)",
        "CREATE INDEX activities_at ON activities (at, id)",
        "CREATE INDEX activities_kind_at ON activities (kind, at, id)",
        "CREATE INDEX activities_status_at ON activities (status, at, id)",
        "CREATE INDEX activities_owner_at ON activities (owner_id, at, id)",
        "CREATE INDEX activities_lead_at ON activities (lead_id, at, id)",
        "CREATE INDEX activities_account_at ON activities (account_id, at, id)",
        "CREATE INDEX activities_contact_at ON activities (contact_id, at, id)",
        "CREATE INDEX activities_direction_at ON activities (direction, at, id)",
        "CREATE INDEX activities_outcome_at ON activities (outcome, at, id)",
        "CREATE INDEX activities_updated ON activities (updated_at, id)",
        "CREATE INDEX activities_sort_name ON activities (sort_name, id)",
        "ALTER TABLE leads ADD COLUMN last_contact_at BIGINT",
    ],
    sqlite: &[],
    postgres: &[],
    search: &["activities"],
},
Migration {
    version: 17,
    name: "files",
    // Attachments of any record kind: (kind, id) rather than a column per kind, so a new kind
    // gets files without a migration. The content lives in DATA/files/ by its SHA-256; `hash`
    // is indexed because a content file is removed only when no row names it any more.
    common: &[
        "CREATE TABLE files (id ID_PK, record_kind TEXT NOT NULL, record_id BIGINT NOT NULL, hash TEXT NOT NULL,
            name TEXT NOT NULL, size BIGINT NOT NULL, mime TEXT NOT NULL, uploaded_by BIGINT REFERENCES users(id),
            created_at BIGINT NOT NULL)",
        "CREATE INDEX files_record ON files (record_kind, record_id, id)",
        "CREATE INDEX files_hash ON files (hash)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 18,
    name: "calendar",
    // A private feed address per person (the secret itself: it is shown again on the settings
    // page and in /api/v1/me; it only reads that person's own calendar). All-day tasks are DATE
    // events in the feed.
    common: &[
        "CREATE TABLE calendar_feeds (user_id BIGINT PRIMARY KEY REFERENCES users(id), token TEXT NOT NULL,
            created_at BIGINT NOT NULL)",
        "CREATE UNIQUE INDEX calendar_feeds_token ON calendar_feeds (token)",
        "ALTER TABLE tasks ADD COLUMN all_day BOOLEAN NOT NULL DEFAULT FALSE",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 19,
    name: "mail_and_rules",
    common: &[
        // Company settings an admin changes on a page (mail server, the sleeping-customer rule):
        // one JSON value per key. The mail password is not here (DATA/secrets/).
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL,
            updated_by BIGINT REFERENCES users(id))",
        // Which notifications a person also gets by e-mail (a row only where they changed the default).
        "CREATE TABLE notification_prefs (user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL, email BOOLEAN NOT NULL, PRIMARY KEY (user_id, kind))",
        // A notification to be e-mailed is `pending` when written, claimed (`sending`, with the
        // time) by one worker, then `sent` or — after five tries — `failed`.
        "ALTER TABLE notifications ADD COLUMN mail_state TEXT",
        "ALTER TABLE notifications ADD COLUMN mail_at BIGINT",
        "ALTER TABLE notifications ADD COLUMN mail_tries BIGINT NOT NULL DEFAULT 0",
        "CREATE INDEX notifications_mail ON notifications (mail_state, mail_at)",
        // One follow-up task per record and dormant period (the period is named by the last
        // held activity, or the record's creation when there was none): the primary key is the
        // promise that the rule never creates a second one.
        "CREATE TABLE dormant_tasks (kind TEXT NOT NULL, record_id BIGINT NOT NULL, period BIGINT NOT NULL,
            task_id BIGINT, created_at BIGINT NOT NULL, PRIMARY KEY (kind, record_id, period))",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 20,
    name: "last_contact_from_talks",
    // Before activities, converting a lead set its customer's and person's "Son görüşme" to the
    // moment of conversion although nobody talked: recompute them from held conversations only
    // (a record without any is left with none). Only rows that have a date can be wrong.
    common: &[
        "UPDATE accounts SET last_contact_at = (SELECT MAX(v.at) FROM activities v
            WHERE (v.account_id = accounts.id OR v.contact_id IN (SELECT c.id FROM contacts c WHERE c.account_id = accounts.id)
                OR v.lead_id IN (SELECT l.id FROM leads l WHERE l.account_id = accounts.id))
              AND v.status = 'held' AND v.kind IN ('call', 'meeting', 'visit', 'email', 'whatsapp') AND v.archived_at IS NULL)
         WHERE last_contact_at IS NOT NULL",
        "UPDATE contacts SET last_contact_at = (SELECT MAX(v.at) FROM activities v
            WHERE (v.contact_id = contacts.id OR v.lead_id IN (SELECT l.id FROM leads l WHERE l.contact_id = contacts.id))
              AND v.status = 'held' AND v.kind IN ('call', 'meeting', 'visit', 'email', 'whatsapp') AND v.archived_at IS NULL)
         WHERE last_contact_at IS NOT NULL",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 21,
    name: "deals",
    // Pipelines with ordered stages; deals in a stage, their stage history (entered, left) for
    // time in stage and the timeline. A deal's `pipeline_id` follows its stage (kept by the app)
    // so the board reads one pipeline by index. The board groups open deals by stage.
    common: &[
        "CREATE TABLE pipelines (id ID_PK, name TEXT NOT NULL, position DOUBLE_T NOT NULL, active BOOLEAN NOT NULL DEFAULT TRUE,
            sort_name TEXT NOT NULL, search_key TEXT NOT NULL, custom JSON_T NOT NULL DEFAULT JSON_EMPTY,
            archived_at BIGINT, AUDIT)",
        "CREATE INDEX pipelines_position ON pipelines (position, id)",
        "CREATE INDEX pipelines_sort_name ON pipelines (sort_name, id)",
        "CREATE INDEX pipelines_updated ON pipelines (updated_at, id)",
        "CREATE TABLE stages (id ID_PK, pipeline_id BIGINT NOT NULL REFERENCES pipelines(id), name TEXT NOT NULL,
            position DOUBLE_T NOT NULL, probability DOUBLE_T NOT NULL, rotting_days DOUBLE_T,
            active BOOLEAN NOT NULL DEFAULT TRUE,
            sort_name TEXT NOT NULL, search_key TEXT NOT NULL, custom JSON_T NOT NULL DEFAULT JSON_EMPTY,
            archived_at BIGINT, AUDIT)",
        "CREATE INDEX stages_position ON stages (position, id)",
        "CREATE INDEX stages_pipeline_id ON stages (pipeline_id, position, id)",
        "CREATE INDEX stages_sort_name ON stages (sort_name, id)",
        "CREATE INDEX stages_updated ON stages (updated_at, id)",
        "CREATE INDEX stages_active_position ON stages (active, position, id)",
        "CREATE TABLE deals (id ID_PK, name TEXT NOT NULL, account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
            contact_id BIGINT REFERENCES contacts(id) ON DELETE SET NULL, owner_id BIGINT REFERENCES users(id),
            stage_id BIGINT NOT NULL REFERENCES stages(id), pipeline_id BIGINT REFERENCES pipelines(id),
            status TEXT NOT NULL, amount BIGINT, currency TEXT NOT NULL, exchange_rate DOUBLE_T, probability DOUBLE_T,
            forecast_category TEXT NOT NULL, expected_close_date TEXT, next_step TEXT, competitors TEXT,
            lost_reason TEXT, competitor TEXT, lead_id BIGINT REFERENCES leads(id) ON DELETE SET NULL,
            stage_entered_at BIGINT, closed_at BIGINT, close_month TEXT NOT NULL DEFAULT '', stakeholders TEXT,
            sort_name TEXT NOT NULL, search_key TEXT NOT NULL, custom JSON_T NOT NULL DEFAULT JSON_EMPTY,
            archived_at BIGINT, AUDIT)",
        "CREATE TABLE deal_tags (deal_id BIGINT NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
            tag TEXT NOT NULL, tag_key TEXT NOT NULL, PRIMARY KEY (deal_id, tag_key))",
        "CREATE INDEX deal_tags_key ON deal_tags (tag_key, deal_id)",
        "CREATE INDEX deals_created ON deals (created_at, id)",
        "CREATE INDEX deals_updated ON deals (updated_at, id)",
        "CREATE INDEX deals_sort_name ON deals (sort_name, id)",
        "CREATE INDEX deals_close ON deals (expected_close_date, id)",
        "CREATE INDEX deals_amount ON deals (amount, id)",
        "CREATE INDEX deals_account_id ON deals (account_id, id)",
        "CREATE INDEX deals_contact_id ON deals (contact_id, id)",
        "CREATE INDEX deals_owner_id ON deals (owner_id, id)",
        "CREATE INDEX deals_stage_id ON deals (stage_id, id)",
        "CREATE INDEX deals_pipeline_status ON deals (pipeline_id, status, stage_id)",
        "CREATE INDEX deals_pipeline_id ON deals (pipeline_id, id)",
        "CREATE INDEX deals_status_id ON deals (status, id)",
        "CREATE INDEX deals_currency_id ON deals (currency, id)",
        "CREATE INDEX deals_forecast_id ON deals (forecast_category, id)",
        "CREATE INDEX deals_lost_reason_id ON deals (lost_reason, id)",
        "CREATE INDEX deals_lead_id ON deals (lead_id, id)",
        // The forecast reads only this index, in its grouping order (no sort of 100,000 rows):
        // status, the close month (derived), owner, category, stage, then what it sums.
        "CREATE INDEX deals_forecast ON deals (status, close_month, owner_id, forecast_category, stage_id,
            amount, exchange_rate, probability, pipeline_id) WHERE archived_at IS NULL",
        "CREATE TABLE deal_stage_history (id ID_PK, deal_id BIGINT NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
            stage_id BIGINT NOT NULL REFERENCES stages(id), entered_at BIGINT NOT NULL, left_at BIGINT,
            user_id BIGINT REFERENCES users(id))",
        "CREATE INDEX deal_stage_history_deal ON deal_stage_history (deal_id, entered_at, id)",
        "CREATE INDEX deal_stage_history_stage ON deal_stage_history (stage_id)",
        // The people of the customer who take part in the deal, each in a buying role.
        "CREATE TABLE deal_contacts (deal_id BIGINT NOT NULL REFERENCES deals(id) ON DELETE CASCADE,
            contact_id BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE, role TEXT,
            added_at BIGINT NOT NULL, PRIMARY KEY (deal_id, contact_id))",
        "CREATE INDEX deal_contacts_contact ON deal_contacts (contact_id)",
        // Tasks and activities attach to deals as they do to customers.
        "ALTER TABLE tasks ADD COLUMN deal_id BIGINT REFERENCES deals(id) ON DELETE SET NULL",
        "CREATE INDEX tasks_deal_due ON tasks (deal_id, due_at, id)",
        "CREATE INDEX tasks_open_deal ON tasks (deal_id, due_at) WHERE status = 'open' AND archived_at IS NULL",
        "ALTER TABLE activities ADD COLUMN deal_id BIGINT REFERENCES deals(id) ON DELETE SET NULL",
        "CREATE INDEX activities_deal_at ON activities (deal_id, at, id)",
        // The board reads a stage's open deals, longest in the stage first.
        "CREATE INDEX deals_board ON deals (stage_id, status, stage_entered_at, id)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &["pipelines", "stages", "deals"],
},
Migration {
    version: 22,
    name: "quotes",
    // Quotes with their lines as canonical JSON (written with the header in one statement, so
    // an approval's hash covers exactly what is stored); a counter row per number series and
    // year, taken in the creating transaction (no gaps, no duplicates); price list entries.
    common: &[
        "CREATE TABLE quotes (id ID_PK, number TEXT, revision DOUBLE_T NOT NULL DEFAULT 1,
            account_id BIGINT REFERENCES accounts(id), contact_id BIGINT REFERENCES contacts(id) ON DELETE SET NULL,
            deal_id BIGINT REFERENCES deals(id) ON DELETE SET NULL, owner_id BIGINT REFERENCES users(id),
            status TEXT NOT NULL DEFAULT 'draft', issue_date TEXT, valid_until TEXT, currency TEXT NOT NULL, exchange_rate DOUBLE_T,
            exchange_rate_date TEXT, discount_percent DOUBLE_T, delivery_terms TEXT, payment_terms TEXT, notes TEXT,
            lines TEXT NOT NULL DEFAULT '[]', grand_total BIGINT, net_total BIGINT, kdv_total BIGINT,
            submitted_by BIGINT REFERENCES users(id), approved_by BIGINT REFERENCES users(id), approved_at BIGINT,
            approved_hash TEXT, rejection_reason TEXT, sent_at BIGINT, expiry_reminded BOOLEAN NOT NULL DEFAULT FALSE,
            previous_id BIGINT REFERENCES quotes(id),
            sort_name TEXT NOT NULL, search_key TEXT NOT NULL, custom JSON_T NOT NULL DEFAULT JSON_EMPTY,
            archived_at BIGINT, AUDIT)",
        "CREATE UNIQUE INDEX quotes_number_revision ON quotes (number, revision)",
        "CREATE INDEX quotes_created ON quotes (created_at, id)",
        "CREATE INDEX quotes_updated ON quotes (updated_at, id)",
        "CREATE INDEX quotes_sort_name ON quotes (sort_name, id)",
        "CREATE INDEX quotes_issue_date ON quotes (issue_date, id)",
        "CREATE INDEX quotes_grand_total ON quotes (grand_total, id)",
        "CREATE INDEX quotes_account_id ON quotes (account_id, id)",
        "CREATE INDEX quotes_contact_id ON quotes (contact_id, id)",
        "CREATE INDEX quotes_deal_id ON quotes (deal_id, id)",
        "CREATE INDEX quotes_owner_id ON quotes (owner_id, id)",
        "CREATE INDEX quotes_status_id ON quotes (status, id)",
        "CREATE INDEX quotes_currency_id ON quotes (currency, id)",
        "CREATE INDEX quotes_previous_id ON quotes (previous_id)",
        "CREATE INDEX quotes_submitted_by ON quotes (submitted_by)",
        "CREATE INDEX quotes_approved_by ON quotes (approved_by)",
        "CREATE INDEX quotes_status_valid ON quotes (status, valid_until)",
        "CREATE TABLE quote_counters (series TEXT NOT NULL, year BIGINT NOT NULL, next BIGINT NOT NULL,
            PRIMARY KEY (series, year))",
        "CREATE TABLE price_list_items (id ID_PK, label TEXT NOT NULL, product_id BIGINT NOT NULL REFERENCES products(id),
            account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE, min_quantity DOUBLE_T NOT NULL,
            unit_price BIGINT NOT NULL, currency TEXT NOT NULL, valid_from TEXT, valid_to TEXT,
            active BOOLEAN NOT NULL DEFAULT TRUE, notes TEXT,
            sort_name TEXT NOT NULL, search_key TEXT NOT NULL, custom JSON_T NOT NULL DEFAULT JSON_EMPTY,
            archived_at BIGINT, AUDIT)",
        "CREATE INDEX price_list_items_sort_name ON price_list_items (sort_name, id)",
        "CREATE INDEX price_list_items_updated ON price_list_items (updated_at, id)",
        "CREATE INDEX price_list_items_created ON price_list_items (created_at, id)",
        "CREATE INDEX price_list_items_product_id ON price_list_items (product_id, sort_name, id)",
        "CREATE INDEX price_list_items_account_id ON price_list_items (account_id, sort_name, id)",
        "CREATE INDEX price_list_items_active ON price_list_items (active, sort_name, id)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &["quotes", "price_list_items"],
},
Migration {
    version: 23,
    name: "runs",
    // Imports and bulk changes ("runs"): what was asked, how far it got, and per row what came
    // of it — the record made or changed, the before-image of a change (for undo), the version
    // the run left the record at (a later edit makes it "edited since"), the reason a row was
    // skipped or refused and, for a refused row, its cells (downloaded, fixed, imported again).
    common: &[
        "CREATE TABLE runs (id ID_PK, op TEXT NOT NULL, kind TEXT NOT NULL, user_id BIGINT REFERENCES users(id),
            status TEXT NOT NULL, file_name TEXT, settings TEXT NOT NULL DEFAULT '{}',
            total BIGINT NOT NULL DEFAULT 0, processed BIGINT NOT NULL DEFAULT 0,
            created BIGINT NOT NULL DEFAULT 0, updated BIGINT NOT NULL DEFAULT 0,
            skipped BIGINT NOT NULL DEFAULT 0, rejected BIGINT NOT NULL DEFAULT 0,
            error TEXT, undo_report TEXT, step TEXT, step_report TEXT, created_at BIGINT NOT NULL,
            started_at BIGINT, finished_at BIGINT, undone_at BIGINT)",
        "CREATE INDEX runs_user ON runs (user_id, id)",
        "CREATE TABLE run_items (run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, kind TEXT NOT NULL,
            row_no BIGINT NOT NULL, outcome TEXT NOT NULL, record_id BIGINT, version_after BIGINT, reason TEXT,
            before_image TEXT, cells TEXT, PRIMARY KEY (run_id, kind, row_no))",
        "CREATE INDEX run_items_record ON run_items (record_id)",
        "CREATE TABLE import_templates (id ID_PK, kind TEXT NOT NULL, user_id BIGINT REFERENCES users(id),
            name TEXT NOT NULL, mapping TEXT NOT NULL, created_at BIGINT NOT NULL)",
        "CREATE INDEX import_templates_kind ON import_templates (kind, name)",
    ],
    sqlite: &[],
    postgres: &[],
    search: &[],
},
Migration {
    version: 24,
    name: "search_index_on_change",
    // Every save writes the search key, mostly unchanged (a tag added, an owner moved): the
    // trigram index is rewritten only when the key really changed (a bulk tag of 100,000 leads
    // rewrote 100,000 index entries for nothing).
    common: &[],
    sqlite: fts_on_change!(
        "leads",
        "accounts",
        "contacts",
        "products",
        "tasks",
        "activities",
        "pipelines",
        "stages",
        "deals",
        "quotes",
        "price_list_items"
    ),
    postgres: &[],
    search: &[],
},
Migration {
    version: 25,
    name: "tags_without_record_locks",
    // On PostgreSQL a foreign key check locks the row it points at (FOR KEY SHARE), and that
    // lock is a write to the record's heap page: tagging 100,000 scattered leads dirtied 100,000
    // pages of `leads` and wrote 421 MB of WAL instead of 52 MB (3.0 s instead of 1.1 s). A tag
    // row needs no such guard: the kit deletes a record's tags with it (`delete_many`), and
    // every read reaches tags from their record, so a stray one is never seen.
    common: &[],
    sqlite: &[],
    postgres: &[
        "ALTER TABLE lead_tags DROP CONSTRAINT IF EXISTS lead_tags_lead_id_fkey",
        "ALTER TABLE account_tags DROP CONSTRAINT IF EXISTS account_tags_account_id_fkey",
        "ALTER TABLE contact_tags DROP CONSTRAINT IF EXISTS contact_tags_contact_id_fkey",
        "ALTER TABLE deal_tags DROP CONSTRAINT IF EXISTS deal_tags_deal_id_fkey",
    ],
    search: &[],
}];

/// Creates a pipeline with its stages from a template (the database starts with the first).
pub async fn seed_pipeline<C: ConnectionTrait>(
    c: &C,
    (_, name, stages): (&str, &str, &[kervan_core::deals::StageTemplate]),
) -> Result<i64> {
    use kervan_core::text::{search_key, sort_key};
    let now = kervan_core::time::now_ms();
    let position = db::scalar_i64(
        c,
        "SELECT CAST(COALESCE(MAX(position), 0) AS BIGINT) + 1 FROM pipelines",
        vec![],
    )
    .await?
    .unwrap_or(1);
    let id = db::insert_id(
        c,
        "INSERT INTO pipelines (name, position, active, sort_name, search_key, created_at, updated_at)
         VALUES (?, ?, TRUE, ?, ?, ?, ?)",
        vec![
            name.into(),
            (position as f64).into(),
            sort_key(name).into(),
            search_key(&[Some(name)]).into(),
            now.into(),
            now.into(),
        ],
    )
    .await?;
    for (i, (stage, probability, rotting)) in stages.iter().enumerate() {
        db::exec(
            c,
            "INSERT INTO stages (pipeline_id, name, position, probability, rotting_days, active, sort_name,
                search_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?)",
            vec![
                id.into(),
                (*stage).into(),
                ((i + 1) as f64).into(),
                (*probability as f64).into(),
                (*rotting as f64).into(),
                sort_key(stage).into(),
                search_key(&[Some(stage)]).into(),
                now.into(),
                now.into(),
            ],
        )
        .await?;
    }
    Ok(id)
}

fn expand(sql: &str, backend: DbBackend) -> String {
    let id = match backend {
        DbBackend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        _ => "INTEGER PRIMARY KEY",
    };
    let (json, empty) = match backend {
        DbBackend::Postgres => ("JSONB", "'{}'::jsonb"),
        _ => ("TEXT", "'{}'"),
    };
    sql.replace("ID_PK", id)
        .replace("AUDIT", AUDIT)
        .replace("JSON_T", json)
        .replace("JSON_EMPTY", empty)
        .replace(
            "DOUBLE_T",
            if backend == DbBackend::Postgres {
                "DOUBLE PRECISION"
            } else {
                "REAL"
            },
        )
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
        for sql in m.search.iter().flat_map(|t| search_index(t, backend)) {
            txn.execute_unprepared(&sql).await?;
        }
        // A module's default grants go in when the module first appears (the migration that
        // creates its tables); grants an admin changed later are never overwritten.
        let modules: &[&str] = match m.version {
            1 => &["leads", "users"],
            3 => &["accounts", "contacts"],
            7 => &["products"],
            12 => &["tasks"],
            16 => &["activities"],
            21 => &["deals", "pipelines"],
            22 => &["quotes"],
            _ => &[],
        };
        // Importing became an action of its own with migration 23, for every module then known;
        // a module of an earlier migration gets its other grants there.
        let grants = default_grants().into_iter().filter(|g| {
            let import = g.2 == kervan_core::permissions::Action::Import;
            (m.version == 23 && import) || (modules.contains(&g.1.as_str()) && (m.version > 23 || !import))
        });
        for (role, module, action, scope) in grants {
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
        if m.version == 21 {
            seed_pipeline(&txn, kervan_core::deals::TEMPLATES[0]).await?;
        }
        // A migration may change what servers keep in memory (grants, definitions).
        if m.version > 9 {
            crate::cache::bump(&txn).await?;
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

#[cfg(test)]
mod tests {
    /// Migration 20 spells the held conversations out (a migration never changes once shipped);
    /// it must name the same kinds as "Son görüşme" does today.
    #[test]
    fn the_recompute_counts_the_same_conversations() {
        let m = super::MIGRATIONS
            .iter()
            .find(|m| m.version == 20)
            .expect("migration 20");
        for sql in m.common {
            let listed = sql
                .split("v.kind IN (")
                .nth(1)
                .and_then(|r| r.split(')').next())
                .unwrap_or("");
            let kinds: Vec<&str> = listed.split(", ").map(|k| k.trim_matches('\'')).collect();
            assert_eq!(kinds, kervan_core::activities::TALKS);
        }
    }
}
