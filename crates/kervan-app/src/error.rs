use kervan_core::FieldErrors;
use kervan_core::permissions::{Action, Module};
use kervan_store::StoreError;

/// A lead (or other record) that already holds the same phone or e-mail.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Duplicate {
    pub id: i64,
    pub name: String,
    pub owner_name: Option<String>,
    /// Which field matched: `phone` or `email`.
    pub field: String,
}

/// The one error type of the use-case layer. The web layer maps each variant to a status
/// code and a Turkish message; none of them is a server fault except `Internal`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error("forbidden: {module} {action}")]
    Forbidden { module: Module, action: Action },
    #[error("stale version")]
    Conflict { current_version: i64 },
    #[error("duplicate")]
    Duplicate(Vec<Duplicate>),
    #[error("not signed in")]
    Unauthorized,
    #[error("wrong e-mail or password")]
    BadCredentials,
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict => AppError::Conflict { current_version: 0 },
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<kervan_store::sea_orm_err::DbErr> for AppError {
    fn from(e: kervan_store::sea_orm_err::DbErr) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Validation(e)
    }
}

impl AppError {
    pub fn field(field: &str, code: &str) -> AppError {
        let mut e = FieldErrors::new();
        e.add(field, code);
        AppError::Validation(e)
    }
}

pub type Result<T> = std::result::Result<T, AppError>;
