use kervan_core::FieldErrors;
use kervan_core::permissions::{Action, Module};
use kervan_store::StoreError;

/// A record that already holds the same phone, e-mail, tax number… as the one being written.
///
/// One the actor may not see is `hidden`: only the field that matched is told ("this phone is on
/// a record of another team"), never its id, name or owner.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Duplicate {
    #[serde(skip_serializing_if = "is_zero")]
    pub id: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// Which field matched: `phone`, `email`, `tax_number`, `national_id`, `domain`, `name`.
    pub field: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// Whose it is, to decide whether the actor may see it (never sent).
    #[serde(skip)]
    pub owner_id: Option<i64>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl Duplicate {
    pub fn new(id: i64, name: String, owner_id: Option<i64>, owner_name: Option<String>, field: &str) -> Duplicate {
        Duplicate {
            id,
            name,
            owner_name,
            field: field.into(),
            hidden: false,
            owner_id,
        }
    }

    /// What may be told of a record the actor cannot see: the field, nothing else.
    pub fn redacted(field: &str) -> Duplicate {
        Duplicate {
            id: 0,
            name: String::new(),
            owner_name: None,
            field: field.into(),
            hidden: true,
            owner_id: None,
        }
    }
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
    /// The server is at its limit for this kind of work (password checks); try again shortly.
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    /// An upload over the size limit (`limit_bytes`); nothing of it was kept.
    #[error("too large")]
    TooLarge { limit_bytes: u64 },
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
