//! Kervan's web layer: server-rendered pages and the JSON API, one module per business area,
//! each exposing `router()`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub mod accounts;
pub mod activities;
pub mod api;
pub mod assets;
pub mod auth;
pub mod boundary;
pub mod bulk;
pub mod calendar;
pub mod contacts;
pub mod conversion;
pub mod dashboard;
pub mod deals;
pub mod dormant;
pub mod error;
pub mod exports;
pub mod files;
pub mod health;
pub mod i18n;
pub mod icons;
pub mod imports;
pub mod jobs;
pub mod kit;
pub mod layout;
pub mod leads;
pub mod mailing;
pub mod notifications;
pub mod pdf;
pub mod products;
pub mod quotes;
pub mod redirect;
pub mod search;
pub mod settings;
pub mod tabs;
pub mod tasks;
pub mod ui;
pub mod users;

pub use kervan_app::{App, Config};

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` and use the `__Host-` prefix (serve behind HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (behind a trusted reverse proxy only).
    pub trust_proxy: bool,
    /// Largest request body accepted, in bytes.
    pub max_body: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            trust_proxy: false,
            max_body: 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub web: Arc<WebConfig>,
}

impl AppState {
    pub fn new(app: App, web: WebConfig) -> AppState {
        AppState {
            app,
            web: Arc::new(web),
        }
    }
}

pub fn router(state: AppState) -> Router {
    // The worker's notification mail takes its words from here.
    kervan_app::mailing::set_render(mailing::render_mail);
    let max_body = state.web.max_body;
    // The body limit sits inside the session layer (and, for the API, inside the problem layer),
    // so a body over it is answered as every other error: a page, or problem+json.
    let pages = Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(dashboard::router())
        .merge(leads::router())
        .merge(accounts::router())
        .merge(contacts::router())
        .merge(conversion::router())
        .merge(users::router())
        .merge(settings::router())
        .merge(jobs::router())
        .merge(tasks::router())
        .merge(activities::router())
        .merge(files::router())
        .merge(imports::router())
        .merge(exports::router())
        .merge(bulk::router())
        .merge(calendar::router())
        .merge(mailing::router())
        .merge(dormant::router())
        .merge(notifications::router())
        .merge(products::router())
        .merge(deals::router())
        .merge(quotes::router())
        .merge(kit::shared_pages())
        .merge(search::router())
        .merge(assets::router())
        .fallback(error::not_found_page)
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::session_layer));
    Router::new()
        .merge(pages)
        .merge(api::router(state.clone()))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        // Uploads and downloads stream: outside the body limit, the timeout and compression
        // above, with limits of their own.
        .merge(files::streaming(state.clone()))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(axum::middleware::from_fn_with_state(state.clone(), transport_security))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Behind HTTPS (`--secure-cookies`), browsers are told to use nothing else for this host.
async fn transport_security(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut resp = next.run(req).await;
    if state.web.secure_cookies {
        resp.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    resp
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
