//! Persistence for Kervan on SQLite and PostgreSQL through one SeaORM connection.
//!
//! SQL is written once with `?` placeholders and rewritten to `$n` for PostgreSQL
//! (see [`db::stmt`]); where the two dialects differ (full-text index, identity columns) the
//! migration carries both variants. Every function takes any `ConnectionTrait`, so the use-case
//! layer decides what runs inside one transaction.

pub mod accounts;
pub mod audit;
pub mod contacts;
pub mod db;
pub mod leads;
pub mod listing;
pub mod login_failures;
pub mod migrations;
pub mod notifications;
pub mod permissions;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use db::{Db, StoreError};
pub use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, TransactionTrait};
/// The database error type, for callers that map it.
pub mod sea_orm_err {
    pub use sea_orm::DbErr;
}
