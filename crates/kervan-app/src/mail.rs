//! Mail: one plain-text message, sent through an SMTP server or, when no server is configured,
//! written as an `.eml` file to the outbox directory (`DATA/outbox/`).
//!
//! Messages are built with lettre so that Turkish text survives any server: the subject and
//! display names are RFC 2047 encoded and the body is quoted-printable or base64, which keeps
//! the whole message 7-bit and so independent of the server offering `8BITMIME`.
//!
//! Failures come back as a [`MailError`] whose [`MailError::message_id`] names a Fluent message;
//! the web layer shows the Turkish text for it and [`MailError::detail`] underneath for the admin.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use lettre::AsyncTransport;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use tokio::io::AsyncWriteExt;

/// The whole SMTP exchange (connect, TLS, auth, message, quit) must finish within this. lettre's
/// async client only bounds the TCP connect, so a server that accepts and then stalls would
/// otherwise hold a job worker for ever.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// Bound on one TCP connect attempt. Shorter than [`SEND_TIMEOUT`] on purpose: lettre tries the
/// resolved addresses in turn, and a black-holed first address (typically a broken IPv6 route)
/// must still leave time to reach the next one.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(7);

/// Sender of outbox mail. With no server configured there is no configured sender either; the
/// reserved `.invalid` domain (RFC 2606) makes it plain that the address was never meant to be
/// delivered to.
const OUTBOX_FROM: &str = "Kervan <kervan@outbox.invalid>";

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Security {
    /// Plain text for the whole session (a relay on the local network, or testing).
    None,
    /// Plain connect, then `STARTTLS`, which must succeed before anything else is sent.
    StartTls,
    /// TLS from the first byte (port 465, "SMTPS").
    Tls,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Credentials are sent only when this is set and not blank (forms send empty strings).
    pub user: Option<String>,
    pub password: Option<String>,
    /// `"Kervan <crm@firma.com.tr>"` or a bare address.
    pub from: String,
}

// Written by hand rather than derived so that the password never reaches a log line.
impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .finish()
    }
}

/// One message to one recipient.
#[derive(Debug, Clone)]
pub struct Message {
    /// An address, optionally with a display name: `"Ayşe Yılmaz <ayse@firma.com.tr>"`.
    pub to: String,
    pub subject: String,
    /// Plain-text body (UTF-8).
    pub text: String,
    /// Files sent along (a quote's PDF): `(file name, content type, bytes)`.
    pub attachments: Vec<(String, String, Vec<u8>)>,
}

/// Where mail goes: a server, or (no server configured) `.eml` files in `outbox_dir`.
#[derive(Debug, Clone)]
pub enum Transport {
    Smtp(SmtpSettings),
    Outbox(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The sender or recipient is not a usable address. `which` is `"from"`, `"to"` or
    /// `"envelope"`.
    #[error("invalid {which} address {value:?}: {reason}")]
    Address {
        which: &'static str,
        value: String,
        reason: String,
    },
    /// The server could not be reached (refused, unreachable, unknown host) or dropped the
    /// connection.
    #[error("could not connect to the mail server: {0}")]
    Connect(String),
    /// TLS could not be set up: bad certificate, a plain-text port configured as TLS, or no
    /// `STARTTLS` offered when it is required.
    #[error("TLS failure: {0}")]
    Tls(String),
    /// The server refused the credentials, or wants credentials that were not configured.
    #[error("the mail server refused authentication: {0}")]
    Auth(String),
    /// The server refused the sender, the recipient or the message. `permanent` is a 5xx reply;
    /// otherwise (4xx, or refused by the client before sending) trying later may succeed.
    #[error("the mail server rejected the message: {detail}")]
    Rejected {
        code: Option<u16>,
        permanent: bool,
        detail: String,
    },
    #[error("the mail server did not answer in time: {0}")]
    Timeout(String),
    #[error("could not write to the outbox {path:?}: {source}")]
    Outbox { path: PathBuf, source: std::io::Error },
}

impl MailError {
    /// Fluent message id of the text shown to the user.
    pub fn message_id(&self) -> &'static str {
        match self {
            MailError::Address { .. } => "mail-error-address",
            MailError::Connect(_) => "mail-error-connect",
            MailError::Tls(_) => "mail-error-tls",
            MailError::Auth(_) => "mail-error-auth",
            MailError::Rejected { .. } => "mail-error-rejected",
            MailError::Timeout(_) => "mail-error-timeout",
            MailError::Outbox { .. } => "mail-error-outbox",
        }
    }

    /// The technical detail (server reply, OS error), shown under the translated text so an
    /// admin can act on it. Never contains the password.
    pub fn detail(&self) -> String {
        match self {
            MailError::Address { which, value, reason } => format!("{which}: {value:?}: {reason}"),
            MailError::Connect(d) | MailError::Tls(d) | MailError::Auth(d) | MailError::Timeout(d) => d.clone(),
            MailError::Rejected {
                code: Some(code),
                detail,
                ..
            } => format!("{code}: {detail}"),
            MailError::Rejected { code: None, detail, .. } => detail.clone(),
            MailError::Outbox { path, source } => format!("{}: {source}", path.display()),
        }
    }

    /// Whether sending the same message again later may succeed, for the job queue's retries.
    /// A wrong address, wrong credentials, a TLS misconfiguration or a 5xx reply will fail the
    /// same way until someone changes something.
    pub fn is_transient(&self) -> bool {
        match self {
            MailError::Connect(_) | MailError::Timeout(_) | MailError::Outbox { .. } => true,
            MailError::Rejected { permanent, .. } => !permanent,
            MailError::Address { .. } | MailError::Tls(_) | MailError::Auth(_) => false,
        }
    }
}

/// Sends `msg` through `transport`.
pub async fn send(transport: &Transport, msg: &Message) -> Result<(), MailError> {
    match transport {
        Transport::Smtp(settings) => send_smtp(settings, msg, SEND_TIMEOUT).await,
        Transport::Outbox(dir) => write_outbox(dir, msg).await.map(|_| ()),
    }
}

async fn send_smtp(settings: &SmtpSettings, msg: &Message, deadline: Duration) -> Result<(), MailError> {
    let email = build_message(&settings.from, msg)?;
    let mailer = smtp_transport(settings)?;
    match tokio::time::timeout(deadline, mailer.send(email)).await {
        Ok(Ok(_response)) => Ok(()),
        Ok(Err(e)) => Err(classify(&e, &settings.security)),
        Err(_elapsed) => Err(MailError::Timeout(format!(
            "no complete SMTP exchange with {}:{} within {} s",
            settings.host.trim(),
            settings.port,
            deadline.as_secs_f32()
        ))),
    }
}

fn smtp_transport(settings: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let host = settings.host.trim();
    // `builder_dangerous` is lettre's only constructor that leaves port and TLS to us; the
    // security mode is then set explicitly for every case, so nothing is left at a default.
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(settings.port)
        .timeout(Some(CONNECT_TIMEOUT));
    let builder = match settings.security {
        Security::None => builder.tls(Tls::None),
        // `Required`, not `Opportunistic`: a server (or an attacker in between) that does not
        // offer STARTTLS must make us stop before the password is sent in clear.
        Security::StartTls => builder.tls(Tls::Required(tls_parameters(host)?)),
        Security::Tls => builder.tls(Tls::Wrapper(tls_parameters(host)?)),
    };
    let user = settings.user.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let builder = match user {
        Some(user) => builder.credentials(Credentials::new(
            user.to_owned(),
            settings.password.clone().unwrap_or_default(),
        )),
        None => builder,
    };
    Ok(builder.build())
}

fn tls_parameters(host: &str) -> Result<TlsParameters, MailError> {
    TlsParameters::new(host.to_owned()).map_err(|e| MailError::Tls(e.to_string()))
}

/// Maps lettre's SMTP error onto ours. lettre exposes the reply code and a few predicates but not
/// whether a failure happened while connecting, during TLS, during AUTH or while sending, so the
/// phase is inferred from the reply code and from the I/O error underneath.
fn classify(e: &lettre::transport::smtp::Error, security: &Security) -> MailError {
    let detail = e.to_string();
    if e.is_timeout() {
        return MailError::Timeout(detail);
    }
    if e.is_tls() {
        return MailError::Tls(detail);
    }
    if let Some(code) = e.status() {
        let code = u16::from(code);
        return match code {
            // Postfix and others answer MAIL with "530 5.7.0 Must issue a STARTTLS command first"
            // when the connection was configured as plain: the fix is the security setting.
            530 if detail.contains("STARTTLS") => MailError::Tls(detail),
            // RFC 4954: 530 authentication required, 534 mechanism too weak, 535 credentials
            // invalid, 538 encryption required for the mechanism. These never answer MAIL, RCPT
            // or DATA for any other reason.
            530 | 534 | 535 | 538 => MailError::Auth(detail),
            _ => MailError::Rejected {
                code: Some(code),
                permanent: e.is_permanent(),
                detail,
            },
        };
    }
    if e.is_client() {
        // lettre refused locally before asking the server; only its message tells why.
        return if detail.contains("authentication mechanism") {
            // The server offers no AUTH we speak; most often it offers AUTH only after STARTTLS
            // and the connection was configured as plain.
            MailError::Auth(detail)
        } else if detail.contains("STARTTLS") || detail.contains("not encrypted") {
            MailError::Tls(detail)
        } else if detail.contains("SMTPUTF8") {
            // A non-ASCII address (e.g. an IDN domain) and a server that cannot carry it.
            MailError::Address {
                which: "envelope",
                value: String::new(),
                reason: detail,
            }
        } else {
            // e.g. the server lacks an extension the message needs: the server, not the network,
            // is what stands in the way.
            MailError::Rejected {
                code: None,
                permanent: true,
                detail,
            }
        };
    }
    // Connection, network or unparsable-reply errors. rustls reports handshake and certificate
    // failures as `io::ErrorKind::InvalidData`; a plain TCP connect or DNS lookup never does, so
    // with TLS configured that kind means TLS failed (typically: TLS towards a plain-text port).
    if *security != Security::None && io_kind(e) == Some(std::io::ErrorKind::InvalidData) {
        return MailError::Tls(detail);
    }
    MailError::Connect(detail)
}

/// Kind of the first `io::Error` in the error's source chain.
fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut source = e.source();
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = err.source();
    }
    None
}

/// A recipient as [`Message::to`] wants it: the display name quoted as RFC 5322 needs, so a
/// name such as "Yılmaz, Ayşe" stays one recipient. An address that does not parse is passed on
/// bare, and sending refuses it with a clear error.
pub fn recipient(name: &str, email: &str) -> String {
    match email.trim().parse() {
        Ok(address) => Mailbox::new(Some(name.to_owned()), address).to_string(),
        Err(_) => email.to_owned(),
    }
}

fn parse_mailbox(which: &'static str, value: &str) -> Result<Mailbox, MailError> {
    value.trim().parse::<Mailbox>().map_err(|e| MailError::Address {
        which,
        value: value.to_owned(),
        reason: e.to_string(),
    })
}

/// Builds the RFC 5322 message: UTF-8 plain text, with Date and Message-ID.
fn build_message(from: &str, msg: &Message) -> Result<lettre::Message, MailError> {
    let from = parse_mailbox("from", from)?;
    let to = parse_mailbox("to", &msg.to)?;
    // The Message-ID names the sender's domain (RFC 5322 §3.6.4 wants it globally unique, and
    // our domain is the one place we can vouch for); lettre would otherwise use "localhost".
    let message_id = format!(
        "<{}.{:016x}@{}>",
        chrono::Utc::now().format("%Y%m%d%H%M%S%3f"),
        rand::random::<u64>(),
        from.email.domain()
    );
    let builder = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(one_line(&msg.subject))
        .date(SystemTime::now())
        .message_id(Some(message_id));
    let envelope = |e: lettre::error::Error| MailError::Address {
        which: "envelope",
        value: msg.to.clone(),
        reason: e.to_string(),
    };
    if msg.attachments.is_empty() {
        // A MIME single part (rather than `.body()`) so that `MIME-Version: 1.0` is written
        // too: without it the Content-Type means nothing to a strict reader, and spam filters
        // count its absence. The part is `text/plain; charset=utf-8`, quoted-printable or base64.
        return builder
            .singlepart(SinglePart::plain(msg.text.clone()))
            .map_err(envelope);
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(msg.text.clone()));
    for (name, kind, bytes) in &msg.attachments {
        let kind = ContentType::parse(kind).unwrap_or(ContentType::TEXT_PLAIN);
        parts = parts.singlepart(Attachment::new(one_line(name)).body(bytes.clone(), kind));
    }
    builder.multipart(parts).map_err(envelope)
}

/// Subjects come from user-edited records (task titles, notes); a line break in one must not be
/// able to end the header and start another, so control characters become spaces.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Writes the message to `dir/<timestamp>-<random>.eml` and returns the path.
async fn write_outbox(dir: &Path, msg: &Message) -> Result<PathBuf, MailError> {
    let email = build_message(OUTBOX_FROM, msg)?;
    let bytes = email.formatted();
    let outbox_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| MailError::Outbox { path, source }
    };
    tokio::fs::create_dir_all(dir).await.map_err(outbox_err(dir))?;
    // The timestamp makes a directory listing chronological; the random part keeps two messages
    // in the same millisecond (or from two servers sharing the directory) apart.
    let name = format!(
        "{}-{:016x}.eml",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
        rand::random::<u64>()
    );
    let path = dir.join(&name);
    // Written under a hidden temporary name and renamed into place: a rename within one
    // directory is atomic, so anyone reading `*.eml` sees a whole file or none.
    let tmp = dir.join(format!(".{name}.tmp"));
    if let Err(e) = write_synced(&tmp, &bytes).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(outbox_err(&tmp)(e));
    }
    if let Err(e) = tokio::fs::rename(&tmp, &path).await {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(outbox_err(&path)(e));
    }
    Ok(path)
}

async fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await?;
    file.write_all(bytes).await?;
    // Data on disk before the rename, so a crash cannot leave a complete name over empty content.
    file.sync_all().await
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_with_a_comma_stays_one_recipient() {
        let to = super::recipient("Yılmaz, Ayşe", "ayse@firma.com.tr");
        let parsed: lettre::message::Mailbox = to.parse().expect("parses back");
        assert_eq!(parsed.name.as_deref(), Some("Yılmaz, Ayşe"));
        assert_eq!(parsed.email.to_string(), "ayse@firma.com.tr");
    }

    use super::*;
    use std::net::SocketAddr;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    use tokio::net::TcpListener;
    use tokio::task::JoinHandle;

    const TR_SUBJECT: &str = "Görev hatırlatması: Müşteriyi ara — İstanbul, ğüşıöç";
    const TR_BODY: &str = "Merhaba Ayşe Hanım,\n\nYarın saat 10:00'da Çağlar Şirketi'ni arayın.\nĞÜŞİÖÇ ğüşıöç — İyi çalışmalar.\n.\nNokta ile başlayan satır da kalmalı.";
    const USER: &str = "crm@firma.com.tr";
    const PASSWORD: &str = "doğru-şifre";

    /// What the sink saw in one session.
    #[derive(Debug, Default)]
    struct Captured {
        /// (user, password) of the last AUTH attempt.
        auth: Option<(String, String)>,
        mail_from: String,
        rcpt_to: Vec<String>,
        data: Vec<u8>,
    }

    #[derive(Clone, Copy)]
    struct SinkConfig {
        /// Never send the 220 greeting (a server that accepts and stalls).
        silent: bool,
        /// Answer RCPT with 550.
        reject_rcpt: bool,
        /// Answer MAIL with this instead of 250.
        mail_reply: Option<&'static str>,
    }

    const NORMAL: SinkConfig = SinkConfig {
        silent: false,
        reject_rcpt: false,
        mail_reply: None,
    };

    /// A one-connection SMTP server on 127.0.0.1 that speaks just enough SMTP for lettre. It does
    /// not offer 8BITMIME, SMTPUTF8 or STARTTLS, so a message that reaches it is 7-bit clean.
    async fn spawn_sink(config: SinkConfig) -> (SocketAddr, JoinHandle<Captured>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut captured = Captured::default();
            // An I/O error only means the client hung up; what was captured so far is the result.
            let _ = session(stream, config, &mut captured).await;
            captured
        });
        (addr, handle)
    }

    async fn read_line<R: AsyncBufReadExt + Unpin>(r: &mut R) -> std::io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let n = r.read_until(b'\n', &mut line).await?;
        Ok((n > 0).then_some(line))
    }

    async fn session(stream: tokio::net::TcpStream, config: SinkConfig, cap: &mut Captured) -> std::io::Result<()> {
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        if config.silent {
            let mut sink = Vec::new();
            r.read_to_end(&mut sink).await?;
            return Ok(());
        }
        w.write_all(b"220 sink.test ESMTP\r\n").await?;
        while let Some(line) = read_line(&mut r).await? {
            let line = String::from_utf8_lossy(&line).trim_end().to_string();
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                w.write_all(b"250-sink.test\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 1000000\r\n")
                    .await?;
            } else if upper.starts_with("AUTH PLAIN") {
                let initial = line[10..].trim().to_string();
                let encoded = if initial.is_empty() {
                    w.write_all(b"334 \r\n").await?;
                    read_line(&mut r)
                        .await?
                        .map(|l| String::from_utf8_lossy(&l).trim().to_string())
                        .unwrap_or_default()
                } else {
                    initial
                };
                let raw = String::from_utf8(b64(&encoded)).unwrap_or_default();
                let mut parts = raw.split('\0').skip(1); // authzid, then user and password
                let user = parts.next().unwrap_or_default().to_string();
                let pass = parts.next().unwrap_or_default().to_string();
                answer_auth(&mut w, cap, user, pass).await?;
            } else if upper.starts_with("AUTH LOGIN") {
                w.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                let user = read_line(&mut r).await?.unwrap_or_default();
                w.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                let pass = read_line(&mut r).await?.unwrap_or_default();
                let decode =
                    |l: Vec<u8>| String::from_utf8(b64(String::from_utf8_lossy(&l).trim())).unwrap_or_default();
                answer_auth(&mut w, cap, decode(user), decode(pass)).await?;
            } else if upper.starts_with("MAIL FROM:") {
                cap.mail_from = line[10..].trim().to_string();
                let reply = config.mail_reply.unwrap_or("250 2.1.0 Ok");
                w.write_all(format!("{reply}\r\n").as_bytes()).await?;
            } else if upper.starts_with("RCPT TO:") {
                if config.reject_rcpt {
                    w.write_all(b"550 5.1.1 Recipient address rejected: User unknown\r\n")
                        .await?;
                } else {
                    cap.rcpt_to.push(line[8..].trim().to_string());
                    w.write_all(b"250 2.1.5 Ok\r\n").await?;
                }
            } else if upper == "DATA" {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                while let Some(data_line) = read_line(&mut r).await? {
                    if data_line == b".\r\n" {
                        break;
                    }
                    // Undo dot-stuffing (RFC 5321 §4.5.2).
                    let data_line = if data_line.starts_with(b"..") {
                        &data_line[1..]
                    } else {
                        &data_line[..]
                    };
                    cap.data.extend_from_slice(data_line);
                }
                w.write_all(b"250 2.0.0 Ok: queued\r\n").await?;
            } else if upper == "QUIT" {
                w.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            } else if upper == "RSET" || upper == "NOOP" {
                w.write_all(b"250 2.0.0 Ok\r\n").await?;
            } else {
                w.write_all(b"502 5.5.2 Command not recognised\r\n").await?;
            }
        }
        Ok(())
    }

    async fn answer_auth(
        w: &mut tokio::net::tcp::OwnedWriteHalf,
        cap: &mut Captured,
        user: String,
        pass: String,
    ) -> std::io::Result<()> {
        let ok = user == USER && pass == PASSWORD;
        cap.auth = Some((user, pass));
        if ok {
            w.write_all(b"235 2.7.0 Authentication successful\r\n").await
        } else {
            w.write_all(b"535 5.7.8 Error: authentication failed\r\n").await
        }
    }

    fn settings(addr: SocketAddr, password: &str) -> SmtpSettings {
        SmtpSettings {
            host: addr.ip().to_string(),
            port: addr.port(),
            security: Security::None,
            user: Some(USER.to_string()),
            password: Some(password.to_string()),
            from: "Kervan CRM <crm@firma.com.tr>".to_string(),
        }
    }

    fn turkish_message() -> Message {
        Message {
            to: "Ayşe Yılmaz <ayse@musteri.com.tr>".into(),
            subject: TR_SUBJECT.into(),
            text: TR_BODY.into(),
            attachments: vec![],
        }
    }

    async fn captured(handle: JoinHandle<Captured>) -> Captured {
        tokio::time::timeout(Duration::from_secs(10), handle)
            .await
            .unwrap()
            .unwrap()
    }

    // ---- minimal MIME decoding, written here so the test does not trust lettre to read back
    // what lettre wrote.

    fn b64(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u32, 0);
        for c in s.bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => continue, // padding and line breaks
            };
            acc = (acc << 6) | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        out
    }

    fn hex(b: &[u8]) -> u8 {
        u8::from_str_radix(std::str::from_utf8(b).unwrap(), 16).unwrap()
    }

    /// Quoted-printable; with `q`, the RFC 2047 "Q" variant where `_` is a space.
    fn qp(s: &str, q: bool) -> Vec<u8> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'=' if b[i + 1..].starts_with(b"\r\n") => i += 3,
                b'=' => {
                    out.push(hex(&b[i + 1..i + 3]));
                    i += 3;
                }
                b'_' if q => {
                    out.push(b' ');
                    i += 1;
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        out
    }

    /// Decodes RFC 2047 encoded-words in an unfolded header value.
    fn decode_words(value: &str) -> String {
        let mut out = String::new();
        let mut rest = value;
        let mut last_was_word = false;
        while !rest.is_empty() {
            let start = rest.find("=?").unwrap_or(rest.len());
            let between = &rest[..start];
            // Whitespace between two adjacent encoded-words is not part of the text.
            if !(last_was_word && between.trim().is_empty() && start < rest.len()) {
                out.push_str(between);
            }
            rest = &rest[start..];
            if rest.is_empty() {
                break;
            }
            let parts: Vec<&str> = rest[2..].splitn(3, '?').collect();
            let (charset, enc, tail) = (parts[0], parts[1], parts[2]);
            assert!(charset.eq_ignore_ascii_case("utf-8"), "charset {charset}");
            let end = tail.find("?=").unwrap();
            let text = &tail[..end];
            let bytes = if enc.eq_ignore_ascii_case("b") {
                b64(text)
            } else {
                qp(text, true)
            };
            out.push_str(&String::from_utf8(bytes).unwrap());
            rest = &tail[end + 2..];
            last_was_word = true;
        }
        out
    }

    struct Parsed {
        headers: Vec<(String, String)>,
        body: String,
    }

    impl Parsed {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    fn parse(raw: &[u8]) -> Parsed {
        let raw = std::str::from_utf8(raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        let headers: Vec<(String, String)> = unfolded
            .split("\r\n")
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap();
                (n.to_string(), v.trim().to_string())
            })
            .collect();
        let parsed = Parsed {
            headers,
            body: String::new(),
        };
        let cte = parsed
            .header("Content-Transfer-Encoding")
            .unwrap_or("7bit")
            .to_ascii_lowercase();
        let bytes = match cte.as_str() {
            "base64" => b64(body),
            "quoted-printable" => qp(body, false),
            _ => body.as_bytes().to_vec(),
        };
        Parsed {
            body: String::from_utf8(bytes).unwrap().replace("\r\n", "\n"),
            ..parsed
        }
    }

    // ---- tests

    #[tokio::test]
    async fn turkish_subject_and_body_arrive_intact() {
        let (addr, sink) = spawn_sink(NORMAL).await;
        send(&Transport::Smtp(settings(addr, PASSWORD)), &turkish_message())
            .await
            .unwrap();
        let cap = captured(sink).await;

        assert_eq!(cap.auth, Some((USER.to_string(), PASSWORD.to_string())));
        assert_eq!(cap.mail_from, "<crm@firma.com.tr>");
        assert_eq!(cap.rcpt_to, vec!["<ayse@musteri.com.tr>".to_string()]);
        // The sink offers no 8BITMIME: everything must travel as 7-bit.
        assert!(cap.data.is_ascii());

        let mail = parse(&cap.data);
        assert_eq!(decode_words(mail.header("Subject").unwrap()), TR_SUBJECT);
        assert_eq!(
            decode_words(mail.header("To").unwrap()),
            "Ayşe Yılmaz <ayse@musteri.com.tr>"
        );
        assert_eq!(
            decode_words(mail.header("From").unwrap()),
            "\"Kervan CRM\" <crm@firma.com.tr>"
        );
        assert_eq!(mail.header("MIME-Version"), Some("1.0"));
        assert_eq!(
            mail.header("Content-Type").unwrap().to_ascii_lowercase(),
            "text/plain; charset=utf-8"
        );
        assert!(mail.header("Date").is_some());
        let message_id = mail.header("Message-ID").unwrap();
        assert!(
            message_id.starts_with('<') && message_id.ends_with("@firma.com.tr>"),
            "{message_id}"
        );
        assert_eq!(mail.body, TR_BODY);
    }

    #[tokio::test]
    async fn wrong_password_is_an_auth_error() {
        let (addr, sink) = spawn_sink(NORMAL).await;
        let err = send(&Transport::Smtp(settings(addr, "yanlış")), &turkish_message())
            .await
            .unwrap_err();
        assert!(matches!(err, MailError::Auth(_)), "{err:?}");
        assert_eq!(err.message_id(), "mail-error-auth");
        assert!(err.detail().contains("535"), "{}", err.detail());
        assert!(!err.is_transient());
        let cap = captured(sink).await;
        assert!(cap.auth.is_some());
        assert!(cap.data.is_empty(), "no message after a failed AUTH");
    }

    #[tokio::test]
    async fn nothing_listening_is_a_connect_error() {
        // Bind and drop to get a port that nothing listens on.
        let addr = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
        let err = send(&Transport::Smtp(settings(addr, PASSWORD)), &turkish_message())
            .await
            .unwrap_err();
        assert!(matches!(err, MailError::Connect(_)), "{err:?}");
        assert_eq!(err.message_id(), "mail-error-connect");
        assert!(err.is_transient());
    }

    #[tokio::test]
    async fn refused_recipient_is_rejected() {
        let (addr, sink) = spawn_sink(SinkConfig {
            reject_rcpt: true,
            ..NORMAL
        })
        .await;
        let err = send(&Transport::Smtp(settings(addr, PASSWORD)), &turkish_message())
            .await
            .unwrap_err();
        match &err {
            MailError::Rejected { code, permanent, .. } => {
                assert_eq!(*code, Some(550));
                assert!(*permanent);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(err.message_id(), "mail-error-rejected");
        assert!(err.detail().starts_with("550"), "{}", err.detail());
        assert!(captured(sink).await.data.is_empty());
    }

    #[tokio::test]
    async fn mail_refused_for_want_of_auth_or_tls() {
        let anonymous = |addr| SmtpSettings {
            user: None,
            password: None,
            ..settings(addr, PASSWORD)
        };

        let (addr, sink) = spawn_sink(SinkConfig {
            mail_reply: Some("530 5.7.0 Authentication required"),
            ..NORMAL
        })
        .await;
        let err = send(&Transport::Smtp(anonymous(addr)), &turkish_message())
            .await
            .unwrap_err();
        assert!(matches!(err, MailError::Auth(_)), "{err:?}");
        // Credentials are only sent when a user is configured.
        assert_eq!(captured(sink).await.auth, None);

        let (addr, _sink) = spawn_sink(SinkConfig {
            mail_reply: Some("530 5.7.0 Must issue a STARTTLS command first"),
            ..NORMAL
        })
        .await;
        let err = send(&Transport::Smtp(anonymous(addr)), &turkish_message())
            .await
            .unwrap_err();
        assert!(matches!(err, MailError::Tls(_)), "{err:?}");
    }

    #[tokio::test]
    async fn implicit_tls_to_a_plain_port_is_a_tls_error() {
        let (addr, _sink) = spawn_sink(NORMAL).await;
        let settings = SmtpSettings {
            security: Security::Tls,
            ..settings(addr, PASSWORD)
        };
        let err = send(&Transport::Smtp(settings), &turkish_message()).await.unwrap_err();
        assert!(matches!(err, MailError::Tls(_)), "{err:?}");
        assert_eq!(err.message_id(), "mail-error-tls");
    }

    #[tokio::test]
    async fn required_starttls_not_offered_is_a_tls_error_and_sends_no_password() {
        let (addr, sink) = spawn_sink(NORMAL).await;
        let settings = SmtpSettings {
            security: Security::StartTls,
            ..settings(addr, PASSWORD)
        };
        let err = send(&Transport::Smtp(settings), &turkish_message()).await.unwrap_err();
        assert!(matches!(err, MailError::Tls(_)), "{err:?}");
        let cap = captured(sink).await;
        assert_eq!(cap.auth, None);
        assert!(cap.data.is_empty());
    }

    #[tokio::test]
    async fn silent_server_times_out() {
        let (addr, _sink) = spawn_sink(SinkConfig { silent: true, ..NORMAL }).await;
        let err = send_smtp(
            &settings(addr, PASSWORD),
            &turkish_message(),
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, MailError::Timeout(_)), "{err:?}");
        assert_eq!(err.message_id(), "mail-error-timeout");
    }

    #[tokio::test]
    async fn bad_addresses_are_address_errors() {
        // No server is contacted: the address is checked first.
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let bad_to = Message {
            to: "ayşe at musteri".into(),
            ..turkish_message()
        };
        let err = send(&Transport::Smtp(settings(addr, PASSWORD)), &bad_to)
            .await
            .unwrap_err();
        assert!(matches!(err, MailError::Address { which: "to", .. }), "{err:?}");
        assert_eq!(err.message_id(), "mail-error-address");

        let bad_from = SmtpSettings {
            from: "Kervan <>".into(),
            ..settings(addr, PASSWORD)
        };
        let err = send(&Transport::Smtp(bad_from), &turkish_message()).await.unwrap_err();
        assert!(matches!(err, MailError::Address { which: "from", .. }), "{err:?}");
    }

    #[test]
    fn a_quote_pdf_goes_as_an_attachment() {
        let msg = Message {
            attachments: vec![(
                "T-2026-0001.pdf".into(),
                "application/pdf".into(),
                b"%PDF-1.7 test".to_vec(),
            )],
            ..turkish_message()
        };
        let raw = String::from_utf8_lossy(&build_message("crm@firma.com.tr", &msg).unwrap().formatted()).into_owned();
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("Content-Type: application/pdf"), "{raw}");
        assert!(raw.contains("attachment; filename=\"T-2026-0001.pdf\""), "{raw}");
    }

    #[test]
    fn a_line_break_in_the_subject_cannot_add_a_header() {
        let msg = Message {
            subject: "Teklif\r\nBcc: rakip@example.com".into(),
            ..turkish_message()
        };
        let raw = build_message("crm@firma.com.tr", &msg).unwrap().formatted();
        let mail = parse(&raw);
        assert!(mail.header("Bcc").is_none());
        assert_eq!(
            decode_words(mail.header("Subject").unwrap()),
            "Teklif  Bcc: rakip@example.com"
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let s = settings("127.0.0.1:25".parse().unwrap(), PASSWORD);
        let shown = format!("{:?}", Transport::Smtp(s));
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[tokio::test]
    async fn outbox_gets_exactly_one_whole_eml() {
        let dir = std::env::temp_dir().join(format!(
            "kervan-mail-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        // The directory does not exist yet: send must create it.
        send(&Transport::Outbox(dir.join("outbox")), &turkish_message())
            .await
            .unwrap();

        let entries: Vec<PathBuf> = std::fs::read_dir(dir.join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(entries.len(), 1, "{entries:?}"); // no temporary file left behind
        let path = &entries[0];
        assert_eq!(path.extension().and_then(|e| e.to_str()), Some("eml"));

        let raw = std::fs::read(path).unwrap();
        let text = String::from_utf8(raw.clone()).unwrap();
        assert!(text.contains("ayse@musteri.com.tr"));
        assert!(
            text.contains("Subject: =?utf-8?"),
            "subject must be RFC 2047 encoded:\n{text}"
        );
        let mail = parse(&raw);
        assert_eq!(decode_words(mail.header("Subject").unwrap()), TR_SUBJECT);
        assert_eq!(mail.body, TR_BODY);

        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn unwritable_outbox_is_an_outbox_error() {
        // A regular file where the directory should be.
        let file = std::env::temp_dir().join(format!(
            "kervan-mail-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::write(&file, b"not a directory").unwrap();
        let err = send(&Transport::Outbox(file.clone()), &turkish_message())
            .await
            .unwrap_err();
        assert!(matches!(err, MailError::Outbox { .. }), "{err:?}");
        assert_eq!(err.message_id(), "mail-error-outbox");
        let _ = std::fs::remove_file(&file);
    }
}
