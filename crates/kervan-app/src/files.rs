//! Dosyalar: files attached to a record of any kind.
//!
//! An upload is streamed, never held in memory: its chunks go to a temporary file in
//! `DATA/files/tmp/` while they are hashed (SHA-256), and the finished file is renamed to
//! `DATA/files/ab/cd/<hash>`. The same content attached twice is stored once. Its type is told
//! from its first bytes against the allow-list of [`kervan_core::filetype`], as soon as those have
//! arrived, so a refused or oversized upload stops being read at once; nothing of it stays behind
//! (no row, no temporary file).
//!
//! A row and its content are kept consistent under one lock per content hash (a transaction-scoped
//! advisory lock on PostgreSQL, the write lock on SQLite): an upload inserts its row and puts the
//! content in place under it, and a content file is removed under it only when no row names the
//! hash any more. So an upload and a deletion of the same content, on this server or another one
//! sharing `DATA/`, never leave a row without its content or a content file without a row.
//!
//! Permissions are the record's: listing and downloading need sight of it (someone else's record
//! answers 404, as everywhere), attaching and deleting need the right to edit it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use kervan_core::filetype::{self, FileType, HEAD, Refusal};
use kervan_core::permissions::Action;
use kervan_core::record::Kind;
use kervan_core::time::now_ms;
use kervan_store::files::{self as store, NewFile};

pub use kervan_store::files::FileRow;

use crate::error::{AppError, Result};
use crate::{Actor, App, records};

/// A record shows at most this many attachments (newest first).
pub const LIST_MAX: u64 = 500;

/// Longest name kept, in characters; a longer one loses the end of its stem, never its extension.
const NAME_MAX: usize = 200;

/// An upload that sends nothing for this long is given up (a stalled client must not hold a
/// temporary file and a connection forever).
const IDLE: Duration = Duration::from_secs(60);

/// The folder of attached files' contents.
pub fn files_dir(app: &App) -> PathBuf {
    app.config.data_dir.join("files")
}

/// Where uploads are written until they are complete and checked. Inside `files/`, so the final
/// rename stays on one file system.
pub fn tmp_dir(app: &App) -> PathBuf {
    files_dir(app).join("tmp")
}

/// `files/ab/cd/<hash>`: two levels of 256 folders keep every folder small.
pub fn content_path(app: &App, hash: &str) -> Result<PathBuf> {
    // The hash comes from our own rows, but a path is built from it: never let anything but a
    // SHA-256 in hex become one.
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Internal(format!("not a content hash: {hash:?}")));
    }
    Ok(files_dir(app).join(&hash[0..2]).join(&hash[2..4]).join(hash))
}

/// The lock key of one content (see the module's notes).
fn lock_key(hash: &str) -> String {
    format!("file:{hash}")
}

fn io(e: std::io::Error) -> AppError {
    AppError::Internal(format!("file storage: {e}"))
}

/// The refusal as the `file` field's error.
fn refused(r: Refusal) -> AppError {
    AppError::field(
        "file",
        match r {
            Refusal::NotAllowed => "file_type_not_allowed",
            Refusal::NameMismatch => "file_name_mismatch",
            Refusal::NoName => "file_no_name",
        },
    )
}

/// The name a download will be saved as: the last part of what the browser sent (some send the
/// whole client path), without control characters, at most [`NAME_MAX`] characters.
pub fn clean_name(raw: &str) -> String {
    let base = match raw.rfind(['/', '\\']) {
        Some(i) => &raw[i + 1..],
        None => raw,
    };
    let name: String = base.chars().filter(|c| !c.is_control()).collect();
    let name = name.trim();
    if name.chars().count() <= NAME_MAX {
        return name.to_string();
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() < 16 => {
            let keep = NAME_MAX - ext.chars().count() - 1;
            format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
        }
        _ => name.chars().take(NAME_MAX).collect(),
    }
}

/// A temporary file removed when dropped: on a refusal, an error, or a client that went away
/// mid-upload (the request's future is dropped, and this with it).
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            // Blocking, but one unlink: cheaper than handing it to another thread.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Attaches the file streamed in `body` (its chunks, in order) under `name` to record
/// `record_id` of `kind`. Refused with the `file` field's error when its type is not allowed or
/// its name lies about it, [`AppError::TooLarge`] past the size limit; either way nothing is kept.
pub async fn attach<S, B, E>(
    app: &App,
    actor: &Actor,
    kind: &'static Kind,
    record_id: i64,
    name: &str,
    mut body: S,
) -> Result<FileRow>
where
    S: Stream<Item = std::result::Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    // Before a byte is read: someone who may not change the record learns nothing more.
    records::load_for(app, actor, kind, record_id, Action::Edit).await?;
    let name = clean_name(name);
    let limit = app.config.max_file_bytes;
    let dir = tmp_dir(app);
    tokio::fs::create_dir_all(&dir).await.map_err(io)?;
    let mut temp = TempFile {
        path: dir.join(format!("{:032x}.part", rand::random::<u128>())),
        armed: true,
    };
    let mut file = tokio::fs::File::create(&temp.path).await.map_err(io)?;
    let mut hasher = Sha256::new();
    let mut head: Vec<u8> = Vec::with_capacity(HEAD);
    let mut detected: Option<FileType> = None;
    let mut size: u64 = 0;
    loop {
        let next = tokio::time::timeout(IDLE, body.next())
            .await
            .map_err(|_| AppError::field("file", "file_upload_failed"))?;
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| {
            tracing::info!(error = %e, "an upload broke off");
            AppError::field("file", "file_upload_failed")
        })?;
        let bytes = chunk.as_ref();
        size += bytes.len() as u64;
        if size > limit {
            return Err(AppError::TooLarge { limit_bytes: limit });
        }
        if detected.is_none() && head.len() < HEAD {
            let take = (HEAD - head.len()).min(bytes.len());
            head.extend_from_slice(&bytes[..take]);
            // Judged as soon as the head is complete: a program is refused after 8 KiB, not
            // after the 25 MB it may be.
            if head.len() == HEAD {
                detected = Some(filetype::detect(&head, &name).map_err(refused)?);
            }
        }
        hasher.update(bytes);
        file.write_all(bytes).await.map_err(io)?;
    }
    if size == 0 {
        return Err(AppError::field("file", "file_empty"));
    }
    let ty = match detected {
        Some(t) => t,
        None => filetype::detect(&head, &name).map_err(refused)?,
    };
    file.flush().await.map_err(io)?;
    // On disk before the row says it is there.
    file.sync_data().await.map_err(io)?;
    drop(file);
    let hash = hex::encode(hasher.finalize());
    let target = content_path(app, &hash)?;
    let c = &app.db.conn;
    let txn = kervan_store::db::begin_guarded(c, &[lock_key(&hash)]).await?;
    let id = store::insert(
        &txn,
        &NewFile {
            record_kind: kind.key,
            record_id,
            hash: &hash,
            name: &name,
            size: size as i64,
            mime: ty.mime(),
            uploaded_by: actor.author(),
            created_at: now_ms(),
        },
    )
    .await?;
    if !tokio::fs::try_exists(&target).await.map_err(io)? {
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io)?;
        }
        tokio::fs::rename(&temp.path, &target).await.map_err(io)?;
        temp.armed = false;
    }
    // The same content is there already: the temporary copy goes when `temp` is dropped.
    if let Err(e) = txn.commit().await {
        // The content may now be in place without its row.
        sweep(app, std::slice::from_ref(&hash)).await;
        return Err(e.into());
    }
    store::get(c, id).await?.ok_or(AppError::NotFound)
}

/// A record's attachments, newest first.
pub async fn list(app: &App, actor: &Actor, kind: &'static Kind, record_id: i64) -> Result<Vec<FileRow>> {
    records::load_for(app, actor, kind, record_id, Action::View).await?;
    Ok(store::of_record(&app.db.conn, kind.key, record_id, LIST_MAX).await?)
}

/// The attachment `id` if the actor may do `action` with its record (not found otherwise).
pub async fn get(app: &App, actor: &Actor, id: i64, action: Action) -> Result<FileRow> {
    let row = store::get(&app.db.conn, id).await?.ok_or(AppError::NotFound)?;
    let kind = kervan_core::kinds::by_key(&row.record_kind).ok_or(AppError::NotFound)?;
    records::load_for(app, actor, kind, row.record_id, action).await?;
    Ok(row)
}

/// An attachment opened for download, with its content to stream from disk.
pub struct Download {
    pub row: FileRow,
    pub file: tokio::fs::File,
    /// A raster image (PNG, JPEG, WebP), which may be shown inline.
    pub image: bool,
}

pub async fn open(app: &App, actor: &Actor, id: i64) -> Result<Download> {
    let row = get(app, actor, id, Action::View).await?;
    let path = content_path(app, &row.hash)?;
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Shared storage not mounted on this server, or files removed by hand.
            tracing::error!(file = id, path = %path.display(), "an attachment's content is missing");
            return Err(AppError::NotFound);
        }
        Err(e) => return Err(io(e)),
    };
    let image = FileType::from_mime(&row.mime).is_some_and(FileType::is_image);
    Ok(Download { row, file, image })
}

/// Removes attachment `id` (needs the right to edit its record); its content goes when no other
/// attachment has the same. Returns the removed row.
pub async fn delete(app: &App, actor: &Actor, id: i64) -> Result<FileRow> {
    let row = get(app, actor, id, Action::Edit).await?;
    store::delete(&app.db.conn, id).await?;
    sweep(app, std::slice::from_ref(&row.hash)).await;
    Ok(row)
}

/// Removes the content of each hash that no attachment names any more. Failures are logged, not
/// returned: the rows are gone already, and a content file left over is only space.
pub async fn sweep(app: &App, hashes: &[String]) {
    for hash in hashes {
        if let Err(e) = sweep_one(app, hash).await {
            tracing::warn!(hash = %hash, error = %e, "could not remove an unused attachment's content");
        }
    }
}

async fn sweep_one(app: &App, hash: &str) -> Result<()> {
    let path = content_path(app, hash)?;
    // Under the content's lock: an upload of the same bytes either has its row in already (and the
    // count keeps the file) or puts the file back after this.
    let txn = kervan_store::db::begin_guarded(&app.db.conn, &[lock_key(hash)]).await?;
    if store::uses_of(&txn, hash).await? == 0 {
        remove_if_there(&path).await?;
    }
    txn.commit().await?;
    Ok(())
}

async fn remove_if_there(path: &Path) -> Result<()> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_control_characters_and_keep_their_extension() {
        assert_eq!(clean_name("C:\\fakepath\\Teklif İŞ.pdf"), "Teklif İŞ.pdf");
        assert_eq!(clean_name("a/b/c.xlsx"), "c.xlsx");
        assert_eq!(clean_name(" fa\u{0}tu\nra.pdf "), "fatura.pdf");
        let long = format!("{}.docx", "ş".repeat(300));
        let cut = clean_name(&long);
        assert_eq!(cut.chars().count(), NAME_MAX);
        assert!(cut.ends_with("ş.docx"));
    }
}
