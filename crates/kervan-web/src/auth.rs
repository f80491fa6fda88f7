//! Sessions, CSRF, signing in and out, and the account pages (own password, language).

use std::net::SocketAddr;

use askama::Template;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rand::RngCore;
use serde::Deserialize;

use kervan_app::{Actor, AppError, auth as app_auth, users as app_users};

use crate::AppState;
use crate::error::{PageError, html, render_error};
use crate::i18n::{I18n, Lang};
use crate::layout::Shell;
use crate::{boundary, redirect};

/// What the session middleware learned about a request, for the handlers.
#[derive(Clone)]
pub struct Ctx {
    pub session: Option<SessionInfo>,
    pub i18n: I18n,
    pub path: String,
    pub query: String,
}

#[derive(Clone)]
pub struct SessionInfo {
    pub actor: Actor,
    pub csrf: String,
    pub secret: String,
    /// Unread notifications, for the bell.
    pub unread: i64,
}

/// A signed-in person on a page. Without a session the request is sent to the sign-in page.
pub struct Session {
    pub actor: Actor,
    pub csrf: String,
    pub secret: String,
    pub t: I18n,
    pub path: String,
    pub unread: i64,
}

impl Session {
    pub fn shell(&self, title: String) -> Shell {
        Shell::new(self.t, &self.actor, &self.csrf, &self.path, title).with_unread(self.unread)
    }
}

pub struct NeedLogin(String);

impl IntoResponse for NeedLogin {
    fn into_response(self) -> Response {
        let next = if self.0.is_empty() || self.0 == "/" {
            String::new()
        } else {
            format!("?next={}", urlencode(&self.0))
        };
        crate::redirect::see_other(&format!("/login{next}")).into_response()
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = NeedLogin;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = parts.extensions.get::<Ctx>().cloned();
        match ctx {
            Some(Ctx {
                session: Some(s),
                i18n,
                path,
                query,
            }) => Ok(Session {
                actor: s.actor,
                csrf: s.csrf,
                secret: s.secret,
                unread: s.unread,
                t: i18n,
                path: if query.is_empty() {
                    path
                } else {
                    format!("{path}?{query}")
                },
            }),
            Some(c) => {
                let full = if c.query.is_empty() {
                    c.path
                } else {
                    format!("{}?{}", c.path, c.query)
                };
                Err(NeedLogin(full))
            }
            None => Err(NeedLogin(String::new())),
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or(PageError::Internal)
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|x| x.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

pub fn cookie_name(state: &AppState) -> &'static str {
    if state.web.secure_cookies {
        "__Host-kervan_session"
    } else {
        "kervan_session"
    }
}

const LANG_COOKIE: &str = "kervan_lang";

/// The sign-in form's CSRF cookie (double submit): `__Host-` prefixed behind HTTPS, so no
/// subdomain or plain-HTTP page can plant one.
pub fn login_csrf_name(state: &AppState) -> &'static str {
    if state.web.secure_cookies {
        "__Host-kervan_login_csrf"
    } else {
        "kervan_login_csrf"
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';').find_map(|kv| {
                let (k, val) = kv.trim().split_once('=')?;
                (k == name).then(|| val.to_string())
            })
        })
}

fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let secure = if state.web.secure_cookies { "; Secure" } else { "" };
    let age = max_age.map(|a| format!("; Max-Age={a}")).unwrap_or_default();
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop behind a trusted proxy.
pub fn client_ip(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if state.web.trust_proxy
        && let Some(f) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = f.split(',').next()
    {
        return first.trim().to_string();
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

fn query_lang(query: &str) -> Option<Lang> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Resolves the session and language of every page request, refuses malformed input (control
/// characters, invalid UTF-8) and unsafe methods without a CSRF token, renders error markers
/// left by handlers — and errors from outside them (a path that does not parse, a wrong method,
/// a body too large) — as friendly pages, and marks pages uncacheable.
pub async fn session_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let headers = parts.headers.clone();

    let mut session = None;
    if let Some(secret) = cookie(&headers, cookie_name(&state)) {
        match app_auth::session_actor(&state.app, &secret).await {
            Ok(info) => {
                session = Some(SessionInfo {
                    actor: info.actor,
                    csrf: info.csrf,
                    secret,
                    unread: info.unread,
                })
            }
            Err(AppError::Unauthorized) => {}
            Err(e) => tracing::error!(error = %e, "session lookup failed"),
        }
    }
    // `?lang=` shows this one page in that language; only the language menu (a POST) stores a
    // choice. A GET changes nothing.
    let lang = query_lang(&query)
        .or_else(|| session.as_ref().and_then(|s| Lang::parse(&s.actor.language)))
        .or_else(|| cookie(&headers, LANG_COOKIE).and_then(|c| Lang::parse(&c)))
        .unwrap_or_else(|| {
            Lang::from_accept(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
            )
        });
    let i18n = I18n::new(lang);
    let shell_for = |session: &Option<SessionInfo>| match session {
        Some(s) => Shell::new(i18n, &s.actor, &s.csrf, &path, String::new()).with_unread(s.unread),
        None => Shell::anonymous(i18n, String::new()),
    };
    let finish = page_headers;

    if boundary::check_urlencoded(query.as_bytes(), false).is_err() {
        return finish(render_error(&PageError::BadRequest, shell_for(&session)));
    }

    // CSRF: every state-changing request carries the token, in a form field or a header.
    let mut body = body;
    // An upload is streamed to disk, never read into memory here: its token is checked from the
    // header now, or else by the upload handler from the form's first field before the file.
    let streamed = parts.method == Method::POST && crate::files::is_upload(&path, &headers);
    if streamed {
        let Some(expected) = session.as_ref().map(|s| s.csrf.clone()).filter(|c| !c.is_empty()) else {
            return finish(NeedLogin(String::new()).into_response());
        };
        match headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
            Some(sent) if constant_eq(sent, &expected) => {}
            Some(_) => return finish(render_error(&PageError::Csrf, shell_for(&session))),
            None => {
                parts.extensions.insert(crate::files::CsrfPending(expected));
            }
        }
    }
    if !streamed && !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let bytes = match axum::body::to_bytes(body, state.web.max_body).await {
            Ok(b) => b,
            Err(_) => return finish(render_error(&PageError::TooLarge, shell_for(&session))),
        };
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if is_form && boundary::check_urlencoded(&bytes, true).is_err() {
            return finish(render_error(&PageError::BadRequest, shell_for(&session)));
        }
        let sent = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| {
                serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                    .ok()
                    .and_then(|v| v.into_iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v))
            });
        let expected = if path == "/login" {
            cookie(&headers, login_csrf_name(&state))
        } else {
            session.as_ref().map(|s| s.csrf.clone())
        };
        let ok = matches!((&sent, &expected), (Some(a), Some(b)) if !b.is_empty() && constant_eq(a, b));
        if !ok {
            if session.is_none() && path != "/login" {
                return finish(NeedLogin(String::new()).into_response());
            }
            return finish(render_error(&PageError::Csrf, shell_for(&session)));
        }
        body = Body::from(bytes);
    }

    parts.extensions.insert(Ctx {
        session: session.clone(),
        i18n,
        path: path.clone(),
        query,
    });
    let req = Request::from_parts(parts, body);
    let mut resp = next.run(req).await;
    let marker = resp.extensions_mut().remove::<PageError>().or_else(|| {
        // An error answered outside our handlers (axum's own: a path or form that does not
        // parse, a wrong method) comes as plain text: give it the page every error gets.
        let status = resp.status();
        let is_html = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        ((status.is_client_error() || status.is_server_error()) && !is_html).then(|| PageError::from_status(status))
    });
    if let Some(e) = marker {
        let retry = resp.headers().get(header::RETRY_AFTER).cloned();
        let mut r = render_error(&e, shell_for(&session));
        if let Some(v) = retry {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp = r;
    }
    finish(resp)
}

/// Pages (and the session they show) must not stay in a browser's or a proxy's cache; static
/// files say otherwise themselves.
fn page_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/account/password", get(password_page).post(password_submit))
        .route("/account/language", post(language_submit))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    shell: Shell,
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn login_form(
    state: &AppState,
    ctx: &Ctx,
    email: &str,
    next: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let csrf = random_token();
    let page = LoginPage {
        shell: Shell::anonymous(ctx.i18n, ctx.i18n.t("login-title")),
        csrf: csrf.clone(),
        email: email.to_string(),
        next: next.to_string(),
        error,
    };
    match html(&page) {
        Ok(h) => {
            let mut r = (status, h).into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(state, login_csrf_name(state), &csrf, Some(3600)),
            );
            r
        }
        Err(e) => e.into_response(),
    }
}

async fn login_page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    if ctx.session.is_some() {
        return redirect::to_safe(&q.next);
    }
    login_form(&state, &ctx, "", &q.next, None, StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(f): axum::Form<LoginForm>,
) -> Response {
    let ip = client_ip(&state, &headers, Some(peer));
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match app_auth::login(&state.app, &f.email, &f.password, &ip, ua).await {
        Ok((s, _)) => {
            // A new session id on every sign-in: nothing from before survives (no fixation).
            if let Some(old) = ctx.session.as_ref() {
                let _ = app_auth::logout(&state.app, &old.secret).await;
            }
            let mut r = redirect::to_safe(&f.next);
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&state, cookie_name(&state), &s.secret, None),
            );
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&state, login_csrf_name(&state), "", Some(0)),
            );
            r
        }
        Err(AppError::BadCredentials) => login_form(
            &state,
            &ctx,
            &f.email,
            &f.next,
            Some(ctx.i18n.t("login-failed")),
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => PageError::from(e).into_response(),
    }
}

async fn logout(State(state): State<AppState>, session: Session) -> Response {
    let _ = app_auth::logout(&state.app, &session.secret).await;
    let mut r = crate::redirect::see_other("/login").into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&state, cookie_name(&state), "", Some(0)));
    r
}

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    shell: Shell,
    errors: crate::error::Messages,
}

#[derive(Deserialize)]
struct ToastQuery {
    ok: Option<String>,
}

async fn password_page(session: Session, Query(q): Query<ToastQuery>) -> Result<Response, PageError> {
    let shell = session.shell(session.t.t("password-title")).with_toast(q.ok.as_deref());
    Ok(html(&PasswordPage {
        shell,
        errors: Default::default(),
    })?
    .into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

async fn password_submit(
    State(state): State<AppState>,
    session: Session,
    axum::Form(f): axum::Form<PasswordForm>,
) -> Result<Response, PageError> {
    match app_auth::change_password(
        &state.app,
        &session.actor,
        &f.current_password,
        &f.new_password,
        &f.repeat_password,
        &session.secret,
    )
    .await
    {
        Ok(()) => Ok(crate::redirect::see_other("/account/password?ok=password").into_response()),
        Err(AppError::Validation(e)) => {
            let page = PasswordPage {
                shell: session.shell(session.t.t("password-title")),
                errors: crate::error::Messages::new(&session.t, &e, &[]),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct LanguageForm {
    language: String,
    #[serde(default)]
    back: String,
}

async fn language_submit(
    State(state): State<AppState>,
    session: Session,
    axum::Form(f): axum::Form<LanguageForm>,
) -> Result<Response, PageError> {
    app_users::set_language(&state.app, &session.actor, &f.language).await?;
    let mut r = redirect::to_safe(&f.back);
    // Remembered for the sign-in page too, after signing out.
    if let Some(l) = Lang::parse(&f.language)
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            l.code()
        ))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; kervan_session=abc; b=2"));
        assert_eq!(cookie(&h, "kervan_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "x"), None);
    }
}
