//! Persistence for Kervan on SQLite and PostgreSQL through one SeaORM connection.
//!
//! SQL is written once with `?` placeholders and rewritten to `$n` for PostgreSQL
//! (see [`db::stmt`]); where the two dialects differ (full-text index, identity columns) the
//! migration carries both variants. Every function takes any `ConnectionTrait`, so the use-case
//! layer decides what runs inside one transaction.

pub mod accounts;
pub mod activities;
pub mod audit;
pub mod cache;
pub mod calendar;
pub mod contacts;
pub mod custom_fields;
pub mod db;
pub mod deals;
pub mod dormant;
pub mod files;
pub mod jobs;
pub mod leads;
pub mod listing;
pub mod login_failures;
pub mod migrations;
pub mod notifications;
pub mod permissions;
pub mod quotes;
pub mod records;
pub mod runs;
pub mod sessions;
pub mod settings;
pub mod tasks;
pub mod tokens;
pub mod users;
pub mod views;

pub use db::{Db, StoreError};
pub use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, TransactionTrait};
/// Bound SQL values, for the record kit's writes.
pub mod sea_orm_value {
    pub use sea_orm::Value;
}
/// The database error type, for callers that map it.
pub mod sea_orm_err {
    pub use sea_orm::DbErr;
}
