//! E-mail of notifications: the company's mail server (Ayarlar → E-posta; none set: `.eml`
//! files in `DATA/outbox/`), the test mail, each person's choice of what comes by mail, and the
//! worker's sending — claimed per notification so two servers never send one twice.

use std::path::PathBuf;
use std::sync::OnceLock;

use kervan_core::FieldErrors;
use kervan_core::time::now_ms;
use kervan_store::{notifications, settings};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, Result};
use crate::mail::{self, MailError, Message, Security, SmtpSettings, Transport};
use crate::{Actor, App};

const SMTP_KEY: &str = "smtp";
/// Notifications claimed at once: small, so a batch is sent long before its claim goes stale
/// (each send times out in 15 s).
const BATCH: u64 = 10;
/// A claim older than this was a worker that died: try again.
const STALE_MS: i64 = 10 * 60_000;
const MAX_TRIES: i64 = 5;

/// The mail server as an admin set it (the password is kept in a file of its own).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    pub security: String,
    pub user: String,
    pub from: String,
}

/// What the settings page posts.
#[derive(Debug, Clone, Default)]
pub struct SmtpForm {
    pub host: String,
    pub port: String,
    pub security: String,
    pub user: String,
    pub from: String,
    /// A new password (`None`: keep the stored one).
    pub password: Option<String>,
    /// Forget the stored password.
    pub clear_password: bool,
}

/// Where the password lives: outside the database, readable by the server's user only, so a
/// database dump or backup never carries it.
fn password_path(app: &App) -> PathBuf {
    app.config.data_dir.join("secrets").join("smtp-password")
}

pub fn outbox_dir(app: &App) -> PathBuf {
    app.config.data_dir.join("outbox")
}

pub async fn smtp(app: &App) -> Result<Smtp> {
    Ok(settings::get(&app.db.conn, SMTP_KEY)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// Whether a password is stored.
pub fn has_password(app: &App) -> bool {
    password_path(app).is_file()
}

fn read_password(app: &App) -> Option<String> {
    std::fs::read_to_string(password_path(app))
        .ok()
        .map(|s| s.trim_end_matches(['\r', '\n']).to_string())
        .filter(|s| !s.is_empty())
}

fn write_password(app: &App, password: Option<&str>) -> std::io::Result<()> {
    let path = password_path(app);
    let Some(p) = password else {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let mut f = o.open(&tmp)?;
        f.write_all(p.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)
}

/// Saves the mail server (admins). An empty host means no server: mail goes to the outbox.
pub async fn save_smtp(app: &App, actor: &Actor, form: &SmtpForm) -> Result<()> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: kervan_core::permissions::Module::Users,
            action: kervan_core::permissions::Action::Edit,
        });
    }
    let mut e = FieldErrors::new();
    let host = form.host.trim().to_string();
    let ok_host = host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b));
    if host.len() > 253 || !ok_host {
        e.add("host", "invalid_format");
    }
    let port = if form.port.trim().is_empty() {
        587
    } else {
        match form.port.trim().parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => {
                e.add("port", "invalid_port");
                0
            }
        }
    };
    let security = match form.security.as_str() {
        "none" | "starttls" | "tls" => form.security.clone(),
        "" => "starttls".into(),
        _ => {
            e.add("security", "invalid_choice");
            String::new()
        }
    };
    let user = form.user.trim().to_string();
    if user.len() > 200 || user.chars().any(char::is_control) {
        e.add("user", "invalid_format");
    }
    let from = form.from.trim().to_string();
    if !host.is_empty() && from.is_empty() {
        e.add("from", "required");
    } else if !from.is_empty() && from.parse::<lettre_address::Mailbox>().is_err() {
        e.add("from", "invalid_email");
    }
    if let Some(p) = &form.password
        && (p.len() > 500 || p.chars().any(|c| c.is_control()))
    {
        e.add("password", "invalid_format");
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let s = Smtp {
        host,
        port,
        security,
        user,
        from,
    };
    let json = serde_json::to_string(&s).map_err(|x| AppError::Internal(x.to_string()))?;
    settings::set(&app.db.conn, SMTP_KEY, &json, actor.author(), now_ms()).await?;
    let write = if form.clear_password {
        write_password(app, None)
    } else if let Some(p) = form.password.as_deref().filter(|p| !p.is_empty()) {
        write_password(app, Some(p))
    } else {
        Ok(())
    };
    write.map_err(|x| AppError::Internal(format!("cannot store the mail password: {x}")))?;
    Ok(())
}

/// Mailbox parsing through lettre (the sender's own check of addresses).
mod lettre_address {
    pub use lettre::message::Mailbox;
}

/// Where mail goes now.
pub async fn transport(app: &App) -> Result<Transport> {
    let s = smtp(app).await?;
    if s.host.is_empty() {
        return Ok(Transport::Outbox(outbox_dir(app)));
    }
    Ok(Transport::Smtp(SmtpSettings {
        host: s.host,
        port: s.port,
        security: match s.security.as_str() {
            "none" => Security::None,
            "tls" => Security::Tls,
            _ => Security::StartTls,
        },
        user: (!s.user.is_empty()).then_some(s.user),
        password: read_password(app),
        from: s.from,
    }))
}

/// Sends a test mail to the admin themself; the mail error, when there is one, to show.
pub async fn send_test(
    app: &App,
    actor: &Actor,
    subject: &str,
    text: &str,
) -> Result<std::result::Result<(), MailError>> {
    if !actor.is_admin() {
        return Err(AppError::Forbidden {
            module: kervan_core::permissions::Module::Users,
            action: kervan_core::permissions::Action::Edit,
        });
    }
    let t = transport(app).await?;
    let msg = Message {
        to: format!("{} <{}>", actor.name, actor.email),
        subject: subject.to_string(),
        text: text.to_string(),
        attachments: vec![],
    };
    Ok(mail::send(&t, &msg).await)
}

/// Turns a notification into a mail's subject and text in the reader's language:
/// `(language, kind, params JSON, link)`. The web layer, which has the words, sets it.
pub type Render = fn(&str, &str, &str, Option<&str>) -> (String, String);

static RENDER: OnceLock<Render> = OnceLock::new();

pub fn set_render(r: Render) {
    let _ = RENDER.set(r);
}

/// E-mails the notifications waiting for it; returns how many went out. Without words (no web
/// layer in this process) nothing is claimed.
pub async fn send_due(app: &App) -> Result<u64> {
    let Some(render) = RENDER.get() else {
        return Ok(0);
    };
    let mut sent = 0;
    loop {
        let now = now_ms();
        let batch = notifications::claim_mail(&app.db.conn, now, STALE_MS, BATCH).await?;
        if batch.is_empty() {
            return Ok(sent);
        }
        let t = transport(app).await?;
        for n in batch {
            // A claim that went stale (this sender stalled) belongs to whoever took it since.
            if !notifications::still_claimed(&app.db.conn, n.id, now).await? {
                continue;
            }
            let (subject, text) = render(&n.language, &n.kind, &n.params, n.link.as_deref());
            let msg = Message {
                to: mail::recipient(&n.name, &n.email),
                subject,
                text,
                attachments: vec![],
            };
            match mail::send(&t, &msg).await {
                Ok(()) => {
                    if notifications::mail_done(&app.db.conn, n.id, now, "sent", now_ms()).await? {
                        sent += 1;
                    }
                }
                Err(e) => {
                    let tries = n.mail_tries + 1;
                    let permanent = !e.is_transient() || tries >= MAX_TRIES;
                    tracing::warn!(notification = n.id, error = %e, tries, "notification mail failed");
                    let (state, at) = if permanent {
                        ("failed", now_ms())
                    } else {
                        ("pending", now_ms() + 60_000 * (1i64 << tries.clamp(1, 10)))
                    };
                    notifications::mail_done(&app.db.conn, n.id, now, state, at).await?;
                }
            }
        }
    }
}

/// Notification kinds with whether the actor gets each by e-mail.
pub async fn prefs(app: &App, actor: &Actor) -> Result<Vec<(&'static str, bool)>> {
    let mine = notifications::prefs(&app.db.conn, actor.user_id).await?;
    Ok(kervan_core::notifications::KINDS
        .iter()
        .filter(|(k, _)| *k != "login_attack" || actor.is_admin())
        .map(|(k, def)| (*k, mine.iter().find(|(m, _)| m == k).map(|(_, on)| *on).unwrap_or(*def)))
        .collect())
}

/// Saves the actor's choices: the kinds in `email` by mail, the others not.
pub async fn set_prefs(app: &App, actor: &Actor, email: &[String]) -> Result<()> {
    for (k, _) in kervan_core::notifications::KINDS {
        notifications::set_pref(&app.db.conn, actor.user_id, k, email.iter().any(|e| e == k)).await?;
    }
    Ok(())
}
