//! Errors as people and programs see them. Page handlers and API handlers both return errors
//! built from `AppError`; because the language and the signed-in user are known only to the
//! middleware around them, the handler leaves a marker in the response and the middleware
//! renders it (a friendly page, or RFC 9457 problem+json).

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use kervan_app::AppError;
use kervan_core::permissions::{Action, Module};

use crate::i18n::I18n;
use crate::layout::Shell;

/// What went wrong on a page.
#[derive(Debug, Clone)]
pub enum PageError {
    NotFound,
    Forbidden {
        module: Module,
        action: Action,
    },
    BadRequest,
    /// The form's security token did not match.
    Csrf,
    RateLimited {
        retry_after_secs: u64,
    },
    /// The request body is over the limit.
    TooLarge,
    /// The address exists but not for this method.
    MethodNotAllowed,
    /// The server is at its limit for this work (password checks); try again shortly.
    Busy {
        retry_after_secs: u64,
    },
    Internal,
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => PageError::NotFound,
            AppError::Forbidden { module, action } => PageError::Forbidden { module, action },
            AppError::RateLimited { retry_after_secs } => PageError::RateLimited { retry_after_secs },
            AppError::Busy { retry_after_secs } => PageError::Busy { retry_after_secs },
            AppError::TooLarge { .. } => PageError::TooLarge,
            AppError::Validation(_) | AppError::Duplicate(_) | AppError::Conflict { .. } | AppError::BadCredentials => {
                PageError::BadRequest
            }
            AppError::Unauthorized => PageError::Forbidden {
                module: Module::Leads,
                action: Action::View,
            },
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal error on a page");
                PageError::Internal
            }
        }
    }
}

impl PageError {
    pub fn status(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden { .. } | PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::BadRequest => StatusCode::BAD_REQUEST,
            PageError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            PageError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            PageError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page for an error status answered outside our handlers.
    pub fn from_status(status: StatusCode) -> PageError {
        match status {
            StatusCode::NOT_FOUND => PageError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => PageError::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => PageError::TooLarge,
            StatusCode::SERVICE_UNAVAILABLE => PageError::Busy { retry_after_secs: 5 },
            s if s.is_server_error() => PageError::Internal,
            _ => PageError::BadRequest,
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            PageError::RateLimited { retry_after_secs } | PageError::Busy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut r = self.status().into_response();
        if let Some(secs) = self.retry_after()
            && let Ok(v) = secs.to_string().parse()
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r.extensions_mut().insert(self);
        r
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub shell: Shell,
    pub heading: String,
    pub message: String,
    pub hint: String,
}

/// Renders the page for an error, in the request's language, inside the shell when signed in.
pub fn render_error(e: &PageError, mut shell: Shell) -> Response {
    let t = shell.t;
    let (heading, message, hint) = match e {
        PageError::NotFound => (t.t("error-404-title"), t.t("error-404-text"), String::new()),
        PageError::Forbidden { module, action } => (
            t.t("error-403-title"),
            forbidden_text(&t, module, action),
            t.t("error-403-hint"),
        ),
        PageError::Csrf => (t.t("error-csrf-title"), t.t("error-csrf-text"), String::new()),
        PageError::BadRequest => (t.t("error-400-title"), t.t("error-400-text"), String::new()),
        PageError::RateLimited { retry_after_secs } => (
            t.t("error-429-title"),
            t.tn("error-429-text", retry_after_secs.div_ceil(60).max(1) as i64),
            String::new(),
        ),
        PageError::TooLarge => (t.t("error-413-title"), t.t("error-413-text"), String::new()),
        PageError::MethodNotAllowed => (t.t("error-405-title"), t.t("error-405-text"), String::new()),
        PageError::Busy { .. } => (t.t("error-503-title"), t.t("error-503-text"), String::new()),
        PageError::Internal => (t.t("error-500-title"), t.t("error-500-text"), String::new()),
    };
    shell.title = heading.clone();
    let page = ErrorPage {
        shell,
        heading,
        message,
        hint,
    };
    let body = page.render().unwrap_or_else(|_| "error".into());
    let mut r = (e.status(), Html(body)).into_response();
    if let Some(secs) = e.retry_after()
        && let Ok(v) = secs.to_string().parse()
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

pub async fn not_found_page() -> PageError {
    PageError::NotFound
}

/// Renders a template, turning a template failure into an error page.
pub fn html<T: Template>(t: &T) -> Result<Html<String>, PageError> {
    t.render().map(Html).map_err(|e| {
        tracing::error!(error = %e, "template failed");
        PageError::Internal
    })
}

/// A validation message in the request language, for forms.
pub fn field_messages(t: &I18n, e: &kervan_core::FieldErrors) -> Vec<(String, String)> {
    e.0.iter().map(|x| (x.field.clone(), t.err(x))).collect()
}

/// The validation messages of a hand-written form (sign-in settings, users, addresses, custom
/// fields): each under its box, and in the summary above the form naming its field
/// ("Alan adı: Bu alan zorunlu."). The kit's forms build theirs from the declaration.
#[derive(Default, Clone, Debug)]
pub struct Messages(Vec<(String, String, String)>);

impl Messages {
    /// `labels`: each field's `.ftl` label id in form order, for the summary's lines and their
    /// order (top to bottom, where the cursor goes first).
    pub fn new(t: &I18n, e: &kervan_core::FieldErrors, labels: &[(&str, &str)]) -> Messages {
        let mut e = e.clone();
        e.sort_by_form(&labels.iter().map(|l| l.0).collect::<Vec<_>>());
        Messages(
            e.0.iter()
                .map(|x| {
                    let text = t.err(x);
                    let line = match labels.iter().find(|(f, _)| *f == x.field) {
                        Some((_, id)) => format!("{}: {text}", t.t(id)),
                        None => text.clone(),
                    };
                    (x.field.clone(), line, text)
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages under one field's box ("" when it has none).
    pub fn for_field(&self, field: &str) -> String {
        let of: Vec<&str> = self.0.iter().filter(|m| m.0 == field).map(|m| m.2.as_str()).collect();
        of.join(" ")
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|m| m.0 == field)
    }

    /// The field the cursor goes to.
    pub fn first_field(&self) -> &str {
        self.0.first().map(|m| m.0.as_str()).unwrap_or_default()
    }

    /// The summary's lines, each naming its field.
    pub fn lines(&self) -> Vec<&str> {
        self.0.iter().map(|m| m.1.as_str()).collect()
    }
}

/// "You need the Adaylar · Düzenle permission": what a refused user is told, on a page or in a
/// problem.
pub fn forbidden_text(t: &I18n, module: impl std::fmt::Display, action: impl std::fmt::Display) -> String {
    let permission = format!(
        "{} · {}",
        t.t(&format!("module-{module}")),
        t.t(&format!("perm-{action}"))
    );
    t.t1("error-403-text", "permission", permission)
}
