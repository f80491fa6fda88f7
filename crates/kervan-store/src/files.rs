//! Attachments: rows naming a record of any kind by `(record_kind, record_id)` and a content
//! file by its SHA-256. The content itself is on disk (see `kervan_app::files`); here only the rows.

use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::db::{self, Result};

/// One attachment, with the name of the person who uploaded it.
#[derive(Debug, Clone, FromQueryResult, PartialEq)]
pub struct FileRow {
    pub id: i64,
    pub record_kind: String,
    pub record_id: i64,
    pub hash: String,
    pub name: String,
    pub size: i64,
    pub mime: String,
    pub uploaded_by: Option<i64>,
    pub uploader_name: Option<String>,
    pub created_at: i64,
}

/// What a new row holds.
pub struct NewFile<'a> {
    pub record_kind: &'a str,
    pub record_id: i64,
    pub hash: &'a str,
    pub name: &'a str,
    pub size: i64,
    pub mime: &'a str,
    pub uploaded_by: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "f.id, f.record_kind, f.record_id, f.hash, f.name, f.size, f.mime, f.uploaded_by,
    u.name AS uploader_name, f.created_at";

pub async fn insert<C: ConnectionTrait>(c: &C, f: &NewFile<'_>) -> Result<i64> {
    db::insert_id(
        c,
        "INSERT INTO files (record_kind, record_id, hash, name, size, mime, uploaded_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            f.record_kind.into(),
            f.record_id.into(),
            f.hash.into(),
            f.name.into(),
            f.size.into(),
            f.mime.into(),
            f.uploaded_by.into(),
            f.created_at.into(),
        ],
    )
    .await
}

pub async fn get<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<FileRow>> {
    db::one(
        c,
        &format!("SELECT {COLUMNS} FROM files f LEFT JOIN users u ON u.id = f.uploaded_by WHERE f.id = ?"),
        vec![id.into()],
    )
    .await
}

/// A record's attachments, newest first (at most `limit`).
pub async fn of_record<C: ConnectionTrait>(c: &C, kind: &str, record_id: i64, limit: u64) -> Result<Vec<FileRow>> {
    db::all(
        c,
        &format!(
            "SELECT {COLUMNS} FROM files f LEFT JOIN users u ON u.id = f.uploaded_by
             WHERE f.record_kind = ? AND f.record_id = ? ORDER BY f.id DESC LIMIT {limit}"
        ),
        vec![kind.into(), record_id.into()],
    )
    .await
}

/// The content hashes a record's attachments name (before the record goes for good).
pub async fn hashes_of<C: ConnectionTrait>(c: &C, kind: &str, record_id: i64) -> Result<Vec<String>> {
    hashes_of_many(c, kind, &[record_id]).await
}

/// [`hashes_of`] for many records of one kind.
pub async fn hashes_of_many<C: ConnectionTrait>(c: &C, kind: &str, ids: &[i64]) -> Result<Vec<String>> {
    #[derive(FromQueryResult)]
    struct H {
        hash: String,
    }
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let mut values = vec![kind.into()];
        values.extend(chunk.iter().map(|i| (*i).into()));
        let rows: Vec<H> = db::all(
            c,
            &format!(
                "SELECT DISTINCT hash FROM files WHERE record_kind = ? AND record_id IN ({})",
                vec!["?"; chunk.len()].join(", ")
            ),
            values,
        )
        .await?;
        out.extend(rows.into_iter().map(|h| h.hash));
    }
    Ok(out)
}

pub async fn delete<C: ConnectionTrait>(c: &C, id: i64) -> Result<u64> {
    db::exec(c, "DELETE FROM files WHERE id = ?", vec![id.into()]).await
}

/// How many attachments name this content.
pub async fn uses_of<C: ConnectionTrait>(c: &C, hash: &str) -> Result<i64> {
    Ok(
        db::scalar_i64(c, "SELECT COUNT(*) FROM files WHERE hash = ?", vec![hash.into()])
            .await?
            .unwrap_or(0),
    )
}
