//! Dosyalar: files attached to any record — the card tab (list, thumbnails, upload form, delete),
//! downloads, and the API (`/api/v1/{kind}/{id}/files`, `/api/v1/files/{id}`).
//!
//! Uploads and downloads stream: an upload's multipart body is read field by field and the file's
//! chunks go straight to the use case, which writes them to disk while hashing; a download is read
//! from disk as it is sent. So their routes sit outside the 1 MiB body limit, the 30 s request
//! timeout and the compression of the other routes ([`streaming`]): an upload has its own limit
//! (`--max-file-mb`), checked on the announced length before a byte is read and on the bytes as
//! they come, and its own time (an idle limit per chunk, half an hour in all).
//!
//! A page upload's CSRF token cannot be read by the session layer without reading the whole
//! body, so for these routes only the layer leaves it to [`CsrfPending`]: the token comes in the
//! `X-CSRF-Token` header, or as the form's first field, checked here before the file is read.

use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::body::{Body, BodyDataStream};
use axum::extract::{Extension, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json_, json};

use kervan_app::files::{self as app_files, Download, FileRow};
use kervan_app::{Actor, App, AppError};
use kervan_core::filetype::{self, FileType};
use kervan_core::record::Kind;
use kervan_core::time::rfc3339;

use crate::AppState;
use crate::api::{ApiError, ApiUser};
use crate::auth::Session;
use crate::error::{PageError, html};
use crate::i18n::I18n;
use crate::kit::Card;
use crate::tabs::TabSpec;

/// What a multipart body may carry besides the file itself (boundaries, part headers, the CSRF
/// field), so a file of exactly the limit is accepted.
const SLACK: u64 = 64 * 1024;

/// After a refusal, at most this much of the rest of the body is read and thrown away, so the
/// client (still sending) can read the answer; a connection closed with unread data is reset,
/// and the answer with it. Beyond this the connection is closed all the same.
const DRAIN_MAX: u64 = 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// An upload may take this long in all (a 25 MB file over a slow office line), however steadily
/// it sends; a stalled one is ended sooner by the use case's idle limit.
const UPLOAD_TIME: Duration = Duration::from_secs(30 * 60);

/// The CSRF token the session layer expects of a page upload it could not check itself (the
/// request carried no `X-CSRF-Token` header): the form's `_csrf` field must match it before the
/// file is read.
#[derive(Clone)]
pub struct CsrfPending(pub String);

/// Whether a request is a page upload: `POST /{kind}/{id}/files` with a multipart body. Only for
/// these may the session layer leave the CSRF check to the handler.
pub fn is_upload(path: &str, headers: &HeaderMap) -> bool {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let mut parts = path.split('/');
    let shape = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next());
    multipart
        && (path == LOGO_PATH
            || path
                .strip_prefix(crate::imports::UPLOAD_PREFIX)
                .is_some_and(|k| kervan_app::imports::KINDS.contains(&k))
            || matches!(shape, (Some(""), Some(kind), Some(id), Some("files"), None)
            if kervan_core::kinds::by_key(kind).is_some() && !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())))
}

/// The company logo's upload (Ayarlar → Şirket ve teklif ayarları): streamed like a file.
pub const LOGO_PATH: &str = "/settings/quotes/logo";

/// Routes that stream a file in or out: page and API uploads and downloads. Merged outside the
/// body limit, timeout and compression of the other routes, with the session layer (pages) or
/// the problem layer (API) of their own.
pub fn streaming(state: AppState) -> Router<AppState> {
    let mut pages = Router::new().route("/files/{id}", get(download_page));
    let mut api = Router::new().route("/api/v1/files/{id}", get(download_api));
    for &kind in kervan_core::kinds::ALL {
        let k = kind.key;
        pages = pages.route(
            &format!("/{k}/{{id}}/files"),
            post(
                move |State(s): State<AppState>,
                      session: Session,
                      pending: Option<Extension<CsrfPending>>,
                      Path(id): Path<i64>,
                      req: Request| async move {
                    upload_page(s, session, pending.map(|p| p.0.0), kind, id, req).await
                },
            ),
        );
        api = api.route(
            &format!("/api/v1/{k}/{{id}}/files"),
            post(
                move |State(s): State<AppState>, ApiUser(a): ApiUser, Path(id): Path<i64>, req: Request| async move {
                    upload_api(s, a, kind, id, req).await
                },
            ),
        );
    }
    pages = pages.route(
        LOGO_PATH,
        post(
            |State(s): State<AppState>, session: Session, pending: Option<Extension<CsrfPending>>, req: Request| async move {
                crate::quotes::logo_upload(s, session, pending.map(|p| p.0.0), req).await
            },
        ),
    );
    pages = pages.route(
        &format!("{}{{kind}}", crate::imports::UPLOAD_PREFIX),
        post(
            |State(s): State<AppState>,
             session: Session,
             pending: Option<Extension<CsrfPending>>,
             Path(kind): Path<String>,
             req: Request| async move {
                crate::imports::upload(s, session, pending.map(|p| p.0.0), kind, req).await
            },
        ),
    );
    api = api.route(
        crate::api::runs::IMPORT_UPLOAD,
        post(
            |State(s): State<AppState>,
             ApiUser(a): ApiUser,
             Path(kind): Path<String>,
             q: axum::extract::RawQuery,
             req: Request| async move { crate::api::runs::import_upload(s, a, kind, q.0, req).await },
        ),
    );
    let pages = pages.layer(axum::middleware::from_fn_with_state(state, crate::auth::session_layer));
    let api = api.layer(axum::middleware::from_fn(crate::api::problem_layer));
    pages
        .merge(api)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            UPLOAD_TIME,
        ))
}

/// The page routes that take an ordinary form (deleting an attachment).
pub fn router() -> Router<AppState> {
    Router::new().route("/files/{id}/delete", post(delete_page))
}

/// The API routes with ordinary bodies: a record's list, and deleting an attachment.
pub fn api_routes() -> Router<AppState> {
    let mut r = Router::new().route("/api/v1/files/{id}", axum::routing::delete(delete_api));
    for &kind in kervan_core::kinds::ALL {
        r = r.route(
            &format!("/api/v1/{}/{{id}}/files", kind.key),
            get(
                move |State(s): State<AppState>, ApiUser(a): ApiUser, Path(id): Path<i64>| async move {
                    list_api(s, a, kind, id).await
                },
            ),
        );
    }
    r
}

// ---- receiving an upload ----

/// Why an upload was not taken.
enum Refused {
    App(AppError),
    /// A page upload whose `_csrf` field was missing or wrong.
    Csrf,
    /// Not a multipart body.
    NotMultipart,
    /// A multipart body that does not parse.
    Malformed(String),
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Where an upload's `file` field goes.
#[derive(Clone, Copy)]
enum Target {
    /// Attached to record `id` of `kind`, streamed to disk.
    Attach { kind: &'static Kind, id: i64 },
    /// Read into memory, at most `max` bytes (a logo).
    Bytes { max: u64 },
}

/// What an upload gave.
enum Received {
    File(FileRow),
    Bytes(String, Vec<u8>),
}

/// Reads a multipart upload and attaches its `file` field to record `id` of `kind`.
/// `pending`: the CSRF token a `_csrf` field before the file must carry (page uploads).
async fn receive(
    app: &App,
    actor: &Actor,
    kind: &'static Kind,
    id: i64,
    pending: Option<String>,
    req: Request,
) -> Result<FileRow, Refused> {
    match receive_into(app, actor, Target::Attach { kind, id }, pending, req).await? {
        Received::File(row) => Ok(row),
        Received::Bytes(..) => Err(Refused::Malformed("no file".into())),
    }
}

/// A small file of a page upload (`file` field after `_csrf`), read into memory: its bytes, or
/// the reason it was refused as a page error (`TooLarge`, a form without a file is a
/// validation error on `file`).
pub async fn receive_small(
    app: &App,
    actor: &Actor,
    pending: Option<String>,
    req: Request,
    max: u64,
) -> Result<Vec<u8>, PageError> {
    receive_named(app, actor, pending, req, max).await.map(|(_, b)| b)
}

/// [`receive_small`] with the file's name as the browser sent it.
pub async fn receive_named(
    app: &App,
    actor: &Actor,
    pending: Option<String>,
    req: Request,
    max: u64,
) -> Result<(String, Vec<u8>), PageError> {
    match receive_into(app, actor, Target::Bytes { max }, pending, req).await {
        Ok(Received::Bytes(name, b)) => Ok((name, b)),
        Ok(Received::File(_)) => Err(PageError::BadRequest),
        Err(Refused::App(e)) => Err(e.into()),
        Err(Refused::Csrf) => Err(PageError::Csrf),
        Err(Refused::NotMultipart | Refused::Malformed(_)) => Err(PageError::BadRequest),
    }
}

async fn receive_into(
    app: &App,
    actor: &Actor,
    target: Target,
    pending: Option<String>,
    req: Request,
) -> Result<Received, Refused> {
    let limit = match target {
        Target::Attach { .. } => app.config.max_file_bytes,
        Target::Bytes { max } => max,
    };
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let mut raw = body.into_data_stream();
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // Too large by its own account: refused before a byte is read. A client that waits for
    // `100 Continue` never sends the body at all.
    if announced.is_some_and(|n| n > limit.saturating_add(SLACK)) {
        let waits = headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        if !waits {
            drain(&mut raw).await;
        }
        return Err(Refused::App(AppError::TooLarge { limit_bytes: limit }));
    }
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or(Refused::NotMultipart)?;
    let result = {
        let constraints = multer::Constraints::new().size_limit(
            multer::SizeLimit::new()
                .whole_stream(limit.saturating_add(SLACK))
                .for_field("_csrf", 1024),
        );
        let parts = multer::Multipart::with_constraints(&mut raw, boundary, constraints);
        read_parts(app, actor, target, limit, pending.as_deref(), parts).await
    };
    if result.is_err() {
        drain(&mut raw).await;
    }
    result
}

async fn read_parts(
    app: &App,
    actor: &Actor,
    target: Target,
    limit: u64,
    pending: Option<&str>,
    mut parts: multer::Multipart<'_>,
) -> Result<Received, Refused> {
    let broken = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } => Refused::App(AppError::TooLarge { limit_bytes: limit }),
        other => Refused::Malformed(other.to_string()),
    };
    let mut csrf_ok = pending.is_none();
    while let Some(field) = parts.next_field().await.map_err(broken)? {
        match field.name() {
            Some("_csrf") => {
                let sent = field.text().await.map_err(broken)?;
                if let Some(expected) = pending {
                    if !constant_eq(sent.trim(), expected) || expected.is_empty() {
                        return Err(Refused::Csrf);
                    }
                    csrf_ok = true;
                }
            }
            Some("file") => {
                // Nothing of the file is read before the form has proved where it comes from.
                if !csrf_ok {
                    return Err(Refused::Csrf);
                }
                let name = field.file_name().unwrap_or_default().to_string();
                // A form sent without a chosen file has an empty part with an empty name.
                if name.trim().is_empty() {
                    return Err(Refused::App(AppError::field("file", "file_missing")));
                }
                return match target {
                    Target::Attach { kind, id } => app_files::attach(app, actor, kind, id, &name, Box::pin(field))
                        .await
                        .map(Received::File)
                        .map_err(Refused::App),
                    Target::Bytes { max } => {
                        let mut field = field;
                        let mut buf = Vec::new();
                        while let Some(chunk) = field.chunk().await.map_err(broken)? {
                            if buf.len() as u64 + chunk.len() as u64 > max {
                                return Err(Refused::App(AppError::TooLarge { limit_bytes: max }));
                            }
                            buf.extend_from_slice(&chunk);
                        }
                        Ok(Received::Bytes(name, buf))
                    }
                };
            }
            // Anything else is skipped unread (the parser steps over it within the stream limit).
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(Refused::Csrf);
    }
    Err(Refused::App(AppError::field("file", "file_missing")))
}

/// Reads and drops what is left of a refused body, within [`DRAIN_MAX`] and [`DRAIN_TIME`].
async fn drain(raw: &mut BodyDataStream) {
    let deadline = tokio::time::sleep(DRAIN_TIME);
    tokio::pin!(deadline);
    let mut read = 0u64;
    loop {
        tokio::select! {
            _ = &mut deadline => return,
            next = raw.next() => match next {
                Some(Ok(b)) => {
                    read += b.len() as u64;
                    if read > DRAIN_MAX {
                        return;
                    }
                }
                _ => return,
            },
        }
    }
}

/// The codes a refused page upload may show (`?err=`); anything else in the query shows nothing.
const ERRORS: &[&str] = &[
    "file_type_not_allowed",
    "file_name_mismatch",
    "file_no_name",
    "file_empty",
    "file_missing",
    "file_upload_failed",
    "file_too_large",
];

async fn upload_page(
    state: AppState,
    session: Session,
    pending: Option<String>,
    kind: &'static Kind,
    id: i64,
    req: Request,
) -> Result<Response, PageError> {
    let back = format!("/{}/{id}?tab=files", kind.key);
    let err = |code: &str| Ok(crate::redirect::see_other(&format!("{back}&err={code}")));
    match receive(&state.app, &session.actor, kind, id, pending, req).await {
        Ok(_) => Ok(crate::redirect::see_other(&format!("{back}&ok=file-added"))),
        Err(Refused::App(AppError::Validation(e))) => {
            let code = e.0.first().map(|x| x.code.as_str()).unwrap_or("file_upload_failed");
            err(if ERRORS.contains(&code) {
                code
            } else {
                "file_upload_failed"
            })
        }
        Err(Refused::App(AppError::TooLarge { .. })) => err("file_too_large"),
        Err(Refused::App(e)) => Err(e.into()),
        Err(Refused::Csrf) => Err(PageError::Csrf),
        Err(Refused::NotMultipart) => Err(PageError::BadRequest),
        Err(Refused::Malformed(m)) => {
            tracing::info!(error = %m, "a page upload did not parse");
            err("file_upload_failed")
        }
    }
}

/// An attachment as the API shows it.
#[derive(Serialize)]
struct FileOut {
    id: i64,
    name: String,
    size: i64,
    mime: String,
    created_at: String,
    uploaded_by: Option<i64>,
    download_url: String,
}

fn out(r: &FileRow) -> FileOut {
    FileOut {
        id: r.id,
        name: r.name.clone(),
        size: r.size,
        mime: r.mime.clone(),
        created_at: rfc3339(r.created_at),
        uploaded_by: r.uploaded_by,
        download_url: format!("/api/v1/files/{}", r.id),
    }
}

async fn upload_api(state: AppState, actor: Actor, kind: &'static Kind, id: i64, req: Request) -> Response {
    match receive(&state.app, &actor, kind, id, None, req).await {
        Ok(row) => (StatusCode::CREATED, axum::Json(out(&row))).into_response(),
        Err(Refused::App(e)) => ApiError::App(e).into_response(),
        Err(Refused::Csrf) => ApiError::Status(StatusCode::FORBIDDEN).into_response(),
        Err(Refused::NotMultipart) => ApiError::UnsupportedType.into_response(),
        Err(Refused::Malformed(m)) => ApiError::Malformed(m).into_response(),
    }
}

async fn list_api(state: AppState, actor: Actor, kind: &'static Kind, id: i64) -> Result<axum::Json<Json_>, ApiError> {
    let rows = app_files::list(&state.app, &actor, kind, id).await?;
    let items: Vec<FileOut> = rows.iter().map(out).collect();
    Ok(axum::Json(json!({ "items": items })))
}

async fn delete_api(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    app_files::delete(&state.app, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- downloads ----

#[derive(Deserialize, Default)]
struct DownloadQuery {
    #[serde(default)]
    inline: Option<String>,
}

/// `Content-Disposition` for `name` (RFC 6266): an ASCII `filename` for old clients (Turkish
/// letters spelled without their marks, anything else `_`) and the exact name in `filename*`.
pub fn disposition(inline: bool, name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| match c {
            'ç' => 'c',
            'Ç' => 'C',
            'ğ' => 'g',
            'Ğ' => 'G',
            'ı' => 'i',
            'İ' => 'I',
            'ö' => 'o',
            'Ö' => 'O',
            'ş' => 's',
            'Ş' => 'S',
            'ü' => 'u',
            'Ü' => 'U',
            // `%` too: some clients decode it even in the plain parameter.
            '"' | '\\' | '%' => '_',
            c if c == ' ' || c.is_ascii_graphic() => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        // RFC 8187 attr-char: sent as is; everything else percent-encoded.
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let how = if inline { "inline" } else { "attachment" };
    HeaderValue::from_str(&format!("{how}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// The file as a response streamed from disk. Inline only when asked and a raster image (the one
/// kind a browser shows without running anything); everything else is a download.
fn send(d: Download, inline_asked: bool) -> Response {
    let inline = inline_asked && d.image;
    let mime =
        HeaderValue::from_str(&d.row.mime).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(d.file, 64 * 1024));
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, mime);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(d.row.size.max(0) as u64));
    h.insert(header::CONTENT_DISPOSITION, disposition(inline, &d.row.name));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Opened on its own, a file is a document with nothing to run and nothing to load.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn inline_asked(q: &DownloadQuery) -> bool {
    q.inline.as_deref().is_some_and(kervan_core::validation::truthy)
}

async fn download_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, PageError> {
    let d = app_files::open(&state.app, &session.actor, id).await?;
    Ok(send(d, inline_asked(&q)))
}

async fn download_api(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let d = app_files::open(&state.app, &actor, id).await?;
    Ok(send(d, inline_asked(&q)))
}

async fn delete_page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let row = app_files::delete(&state.app, &session.actor, id).await?;
    Ok(crate::redirect::see_other(&format!(
        "/{}/{}?tab=files&ok=file-deleted",
        row.record_kind, row.record_id
    )))
}

// ---- the card tab ----

/// `1,2 MB` (Turkish) or `1.2 MB`: bytes for a person, one decimal where it says something.
pub fn size_text(t: &I18n, bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    let (value, unit) = match bytes {
        b if b < KB => return format!("{b} B"),
        b if b < MB => (b as f64 / KB as f64, "KB"),
        b => (b as f64 / MB as f64, "MB"),
    };
    let tenths = (value * 10.0).round() as u64;
    let text = if tenths.is_multiple_of(10) || tenths >= 1000 {
        format!("{}", (tenths + 5) / 10)
    } else {
        let sep = if t.code() == "tr" { ',' } else { '.' };
        format!("{}{sep}{}", tenths / 10, tenths % 10)
    };
    format!("{text} {unit}")
}

/// The family a type belongs to, for its icon and its name.
fn family(mime: &str) -> &'static str {
    match FileType::from_mime(mime) {
        Some(FileType::Pdf) => "pdf",
        Some(FileType::Png | FileType::Jpeg | FileType::Webp) => "image",
        Some(FileType::Docx | FileType::Doc | FileType::Odt) => "document",
        Some(FileType::Xlsx | FileType::Xls | FileType::Ods | FileType::Csv) => "spreadsheet",
        Some(FileType::Pptx | FileType::Ppt | FileType::Odp) => "presentation",
        Some(FileType::Zip) => "archive",
        Some(FileType::Dwg | FileType::Dxf) => "drawing",
        Some(FileType::Text) | None => "text",
    }
}

/// Our own icons (24×24, stroke), one per family; always beside the file's name.
fn icon(family: &str) -> &'static str {
    match family {
        "pdf" => {
            r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M14 3H6.5A1.5 1.5 0 0 0 5 4.5v15A1.5 1.5 0 0 0 6.5 21h11a1.5 1.5 0 0 0 1.5-1.5V8zM14 3v5h5"/><path d="M8 16.5h8M8 13h5"/></svg>"#
        }
        "image" => {
            r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><rect x="3.5" y="4.5" width="17" height="15" rx="2"/><circle cx="9" cy="10" r="1.8"/><path d="m4 18 5-5 3.5 3.5L15 14l5 4.5"/></svg>"#
        }
        "spreadsheet" => {
            r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><rect x="4" y="3.5" width="16" height="17" rx="1.5"/><path d="M4 9h16M4 14.5h16M10 9v11.5"/></svg>"#
        }
        "presentation" => {
            r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><rect x="3.5" y="4" width="17" height="11.5" rx="1.5"/><path d="M12 15.5V20M8.5 20h7M8 12l2.5-3 2 2 3.5-4"/></svg>"#
        }
        "archive" => {
            r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M14 3H6.5A1.5 1.5 0 0 0 5 4.5v15A1.5 1.5 0 0 0 6.5 21h11a1.5 1.5 0 0 0 1.5-1.5V8z"/><path d="M11 3v2h2v2h-2v2h2v2h-2v2"/><rect x="10" y="14" width="4" height="3.5" rx="1"/></svg>"#
        }
        "drawing" => {
            r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 20 20 4M4 20h16M4 20V4"/><path d="M8 20a4 4 0 0 0-4-4"/></svg>"#
        }
        _ => {
            r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M14 3H6.5A1.5 1.5 0 0 0 5 4.5v15A1.5 1.5 0 0 0 6.5 21h11a1.5 1.5 0 0 0 1.5-1.5V8zM14 3v5h5"/><path d="M8 12.5h8M8 16h8M8 9h3"/></svg>"#
        }
    }
}

/// One attachment as the tab shows it.
struct Item {
    id: i64,
    name: String,
    icon: &'static str,
    family: String,
    size: String,
    by: String,
    at: String,
    href: String,
    /// The inline address of a picture, for its thumbnail.
    thumb: Option<String>,
}

#[derive(Template)]
#[template(path = "files/card_tab.html")]
struct Panel {
    t: I18n,
    csrf: String,
    items: Vec<Item>,
    /// The upload form's address, when the person may attach files here.
    action: Option<String>,
    accept: String,
    limit: String,
    /// The limit for the page's script, which refuses a larger file before it is sent.
    max_bytes: u64,
    too_large: String,
    error: Option<String>,
    notice: Option<String>,
}

/// "Dosyalar" on every card of the kit.
pub fn card_tab() -> TabSpec<Card> {
    TabSpec {
        key: "files",
        label: "tab-files",
        order: 70,
        visible: |_| true,
        render: |c| Box::pin(panel(c)),
    }
}

/// The `accept` list of the upload form: every allowed extension.
fn accept() -> String {
    filetype::ALL
        .iter()
        .flat_map(|t| t.extensions())
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(",")
}

async fn panel(c: &Card) -> Result<String, PageError> {
    let app = &c.state.app;
    let t = c.t;
    let rows = app_files::list(app, &c.actor, c.kind, c.rec.id).await?;
    let limit = size_text(&t, app.config.max_file_bytes);
    let items = rows
        .iter()
        .map(|r| {
            let fam = family(&r.mime);
            Item {
                id: r.id,
                name: r.name.clone(),
                icon: icon(fam),
                family: t.t(&format!("file-family-{fam}")),
                size: size_text(&t, r.size.max(0) as u64),
                by: r.uploader_name.clone().unwrap_or_else(|| "—".into()),
                at: t.datetime(r.created_at),
                href: format!("/files/{}", r.id),
                thumb: (fam == "image").then(|| format!("/files/{}?inline=1", r.id)),
            }
        })
        .collect();
    let error = c
        .query
        .get("err")
        .map(String::as_str)
        .filter(|code| ERRORS.contains(code))
        .map(|code| t.t1(&format!("err-{code}"), "arg", limit.clone()));
    let notice = match c.query.get("ok").map(String::as_str) {
        Some("file-added") => Some(t.t("files-added")),
        Some("file-deleted") => Some(t.t("files-deleted")),
        _ => None,
    };
    Ok(html(&Panel {
        t,
        csrf: c.csrf.clone(),
        items,
        action: c.can_edit().then(|| format!("{}/files", c.base())),
        accept: accept(),
        max_bytes: app.config.max_file_bytes,
        too_large: t.t1("err-file_too_large", "arg", limit.clone()),
        limit,
        error,
        notice,
    })?
    .0)
}

// ---- the API's description ----

/// The file endpoints in the OpenAPI document.
pub fn add_openapi(doc: &mut Json_) {
    let sec = json!([{"bearer": []}]);
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}});
    let file = json!({"type": "object", "required": ["id", "name", "size", "mime", "created_at", "download_url"],
        "properties": {"id": {"type": "integer", "format": "int64"}, "name": {"type": "string"},
            "size": {"type": "integer", "format": "int64"}, "mime": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "uploaded_by": {"type": ["integer", "null"], "format": "int64"},
            "download_url": {"type": "string"}}});
    let upload = json!({"required": true, "content": {"multipart/form-data": {"schema": {"type": "object",
        "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}});
    let download = json!({"description": "The file (Content-Disposition: attachment; inline=1 shows a PNG, JPEG or WebP inline)",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}});
    let Some(paths) = doc.get_mut("paths").and_then(Json_::as_object_mut) else {
        return;
    };
    for kind in kervan_core::kinds::ALL {
        let k = kind.key;
        paths.insert(
            format!("/api/v1/{k}/{{id}}/files"),
            json!({
                "get": {"operationId": format!("list_{}_files", kind.entity), "tags": ["files"], "parameters": [id], "security": sec,
                    "responses": {"200": {"description": "The record's files, newest first", "content": {"application/json": {"schema":
                        {"type": "object", "properties": {"items": {"type": "array", "items": file}}}}}}, "404": {"description": "No such record, or not yours"}}},
                "post": {"operationId": format!("upload_{}_file", kind.entity), "tags": ["files"], "parameters": [id], "security": sec,
                    "requestBody": upload,
                    "responses": {"201": {"description": "Attached", "content": {"application/json": {"schema": file}}},
                        "404": {"description": "No such record, or not yours"}, "413": {"description": "Over the size limit"},
                        "422": {"description": "A type that is not allowed, or a name that does not match the content"}}},
            }),
        );
    }
    paths.insert(
        "/api/v1/files/{id}".into(),
        json!({
            "get": {"operationId": "download_file", "tags": ["files"], "security": sec,
                "parameters": [id, {"name": "inline", "in": "query", "required": false, "schema": {"type": "string"}}],
                "responses": {"200": download, "404": {"description": "No such file, or not yours"}}},
            "delete": {"operationId": "delete_file", "tags": ["files"], "parameters": [id], "security": sec,
                "responses": {"204": {"description": "Deleted"}, "404": {"description": "No such file, or not yours"}}},
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn sizes_read_the_turkish_way() {
        let tr = I18n::new(Lang::Tr);
        let en = I18n::new(Lang::En);
        assert_eq!(size_text(&tr, 512), "512 B");
        assert_eq!(size_text(&tr, 1_258_291), "1,2 MB");
        assert_eq!(size_text(&en, 1_258_291), "1.2 MB");
        assert_eq!(size_text(&tr, 25 * 1024 * 1024), "25 MB");
        assert_eq!(size_text(&tr, 2048), "2 KB");
        assert_eq!(size_text(&tr, 15 * 1024 + 600), "15,6 KB");
        assert_eq!(size_text(&tr, 150 * 1024 + 600), "151 KB");
    }

    #[test]
    fn names_are_sent_for_every_client() {
        let v = disposition(false, "Teklif Işık \"son\".pdf");
        assert_eq!(
            v.to_str().unwrap(),
            "attachment; filename=\"Teklif Isik _son_.pdf\"; filename*=UTF-8''Teklif%20I%C5%9F%C4%B1k%20%22son%22.pdf"
        );
        assert!(disposition(true, "a.png").to_str().unwrap().starts_with("inline;"));
    }

    #[test]
    fn only_page_uploads_may_defer_their_token() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=x"),
        );
        assert!(is_upload("/accounts/12/files", &h));
        assert!(is_upload("/leads/1/files", &h));
        assert!(!is_upload("/accounts/12/files/3", &h));
        assert!(!is_upload("/accounts/x/files", &h));
        assert!(!is_upload("/nope/12/files", &h));
        assert!(!is_upload("/accounts/12/archive", &h));
        assert!(!is_upload("/files/1/delete", &h));
        let form = HeaderMap::new();
        assert!(!is_upload("/accounts/12/files", &form));
    }
}
