//! E-posta: the mail server under Ayarlar (with a test mail whose failure is said in plain
//! Turkish), each person's choice of notifications by mail under Hesabım, and the words of a
//! notification mail (set as the use cases' renderer, since the words live here).

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use kervan_app::AppError;
use kervan_app::mailing::{self as app_mail, SmtpForm};

use crate::AppState;
use crate::auth::Session;
use crate::error::{Messages, PageError, html};
use crate::i18n::{I18n, Lang};
use crate::kit::form::Posted;
use crate::layout::Shell;
use crate::redirect::see_other;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/mail", get(settings_page).post(settings_submit))
        .route("/settings/mail/test", post(test_submit))
        .route("/account/notifications", get(prefs_page).post(prefs_submit))
}

#[derive(Template)]
#[template(path = "settings/mail.html")]
struct SettingsPage {
    shell: Shell,
    host: String,
    port: String,
    security: String,
    user: String,
    from: String,
    has_password: bool,
    outbox: String,
    errors: Messages,
    /// The test mail's outcome: (ok, text).
    test: Option<(bool, String)>,
}

#[derive(Deserialize, Default)]
struct OkQuery {
    #[serde(default)]
    ok: Option<String>,
}

async fn render(
    state: &AppState,
    session: &Session,
    typed: Option<&SmtpForm>,
    errors: Messages,
    test: Option<(bool, String)>,
    toast: Option<&str>,
) -> Result<SettingsPage, PageError> {
    let s = app_mail::smtp(&state.app).await?;
    let t = session.t;
    Ok(SettingsPage {
        shell: session.shell(t.t("mail-title")).with_toast(toast),
        host: typed.map(|f| f.host.clone()).unwrap_or(s.host),
        port: typed
            .map(|f| f.port.clone())
            .unwrap_or_else(|| if s.port == 0 { String::new() } else { s.port.to_string() }),
        security: typed.map(|f| f.security.clone()).unwrap_or(if s.security.is_empty() {
            "starttls".into()
        } else {
            s.security
        }),
        user: typed.map(|f| f.user.clone()).unwrap_or(s.user),
        from: typed.map(|f| f.from.clone()).unwrap_or(s.from),
        has_password: app_mail::has_password(&state.app),
        outbox: app_mail::outbox_dir(&state.app).display().to_string(),
        errors,
        test,
    })
}

async fn settings_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<OkQuery>,
) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    let p = render(&state, &session, None, Messages::default(), None, q.ok.as_deref()).await?;
    Ok(html(&p)?.into_response())
}

fn form_of(p: &Posted) -> SmtpForm {
    let password = p.one("password");
    SmtpForm {
        host: p.one("host"),
        port: p.one("port"),
        security: p.one("security"),
        user: p.one("user"),
        from: p.one("from"),
        password: (!password.is_empty()).then_some(password),
        clear_password: !p.one("clear_password").is_empty(),
    }
}

async fn settings_submit(
    State(state): State<AppState>,
    session: Session,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    let p = Posted::parse(&body)?;
    let f = form_of(&p);
    match app_mail::save_smtp(&state.app, &session.actor, &f).await {
        Ok(()) => Ok(see_other("/settings/mail?ok=mail-saved").into_response()),
        Err(AppError::Validation(e)) => {
            let labels = [
                ("host", "mail-host"),
                ("port", "mail-port"),
                ("security", "mail-security"),
                ("user", "mail-user"),
                ("password", "mail-password"),
                ("from", "mail-from"),
            ];
            let errors = Messages::new(&session.t, &e, &labels);
            let page = render(&state, &session, Some(&f), errors, None, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Sends a test mail to the admin; the page says where it went or, in Turkish, what went wrong.
async fn test_submit(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    crate::settings::admin(&session)?;
    let t = session.t;
    let smtp = app_mail::smtp(&state.app).await?;
    let sent = app_mail::send_test(
        &state.app,
        &session.actor,
        &t.t("mail-test-subject"),
        &t.t("mail-test-text"),
    )
    .await?;
    let outcome = match sent {
        Ok(()) if smtp.host.is_empty() => (
            true,
            t.t1("mail-test-outbox", "dir", app_mail::outbox_dir(&state.app).display()),
        ),
        Ok(()) => (true, t.t1("mail-test-sent", "email", session.actor.email.as_str())),
        Err(e) => (false, format!("{} ({})", t.t(e.message_id()), e.detail())),
    };
    let code = if outcome.0 {
        StatusCode::OK
    } else {
        StatusCode::BAD_GATEWAY
    };
    let page = render(&state, &session, None, Messages::default(), Some(outcome), None).await?;
    Ok((code, html(&page)?).into_response())
}

#[derive(Template)]
#[template(path = "account/notifications.html")]
struct PrefsPage {
    shell: Shell,
    /// (kind, label, by e-mail).
    kinds: Vec<(&'static str, String, bool)>,
}

async fn prefs_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<OkQuery>,
) -> Result<Response, PageError> {
    let t = session.t;
    let kinds = app_mail::prefs(&state.app, &session.actor)
        .await?
        .into_iter()
        .map(|(k, on)| (k, t.t(&format!("mail-pref-{}", k.replace('_', "-"))), on))
        .collect();
    let p = PrefsPage {
        shell: session.shell(t.t("prefs-title")).with_toast(q.ok.as_deref()),
        kinds,
    };
    Ok(html(&p)?.into_response())
}

async fn prefs_submit(
    State(state): State<AppState>,
    session: Session,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let p = Posted::parse(&body)?;
    app_mail::set_prefs(&state.app, &session.actor, &p.all("email")).await?;
    Ok(see_other("/account/notifications?ok=prefs-saved").into_response())
}

/// A notification as a mail: the sentence of the bell as the subject and the first line, the
/// link (absolute when `KERVAN_PUBLIC_URL` says where Kervan is reached), and why it came.
pub fn render_mail(lang: &str, kind: &str, params: &str, link: Option<&str>) -> (String, String) {
    let t = I18n::new(Lang::parse(lang).unwrap_or(Lang::Tr));
    let row = kervan_store::notifications::NotificationRow {
        id: 0,
        user_id: 0,
        kind: kind.to_string(),
        params: params.to_string(),
        link: link.map(str::to_string),
        created_at: 0,
        read_at: None,
    };
    let sentence = crate::notifications::message(&t, &row);
    let base = std::env::var("KERVAN_PUBLIC_URL").unwrap_or_default();
    let mut text = sentence.clone();
    if let Some(l) = link {
        text.push_str(&format!("\n\n{}: {}{l}", t.t("mail-open"), base.trim_end_matches('/')));
    }
    text.push_str(&format!("\n\n-- \n{}", t.t("mail-footer")));
    let subject: String = sentence.chars().take(120).collect();
    (format!("Kervan: {subject}"), text)
}
