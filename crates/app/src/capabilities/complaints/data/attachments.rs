//! Evidence attached to a complaint: photos, recordings, scanned signed forms. The type is
//! read from the file's first bytes (never from its name or the browser's word), each type
//! has a size limit, and files are kept on disk under `Store::files_dir` by their SHA-256, so
//! the same file uploaded twice is stored once. Only users who see the complaint can fetch
//! them; every upload and download is audited.

use super::{add_event, EventRow};
use crate::core::audit::{self, Actor, Event};
use crate::core::db::{stmt, Row};
use crate::core::error::{Result, StoreError};
use crate::core::principal::Principal;
use crate::Store;
use chrono::{DateTime, Utc};
use dcrc_domain::clock::ms_to_time;
use dcrc_domain::{FieldError, Invalid, Permission};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

const MB: usize = 1024 * 1024;

/// A kind of file: (content type, largest size, test of the first bytes).
type Kind = (&'static str, usize, fn(&[u8]) -> bool);

/// The kinds of file a complaint accepts.
const KINDS: &[Kind] = &[
    ("image/jpeg", 10 * MB, |b| b.starts_with(&[0xFF, 0xD8, 0xFF])),
    ("image/png", 10 * MB, |b| b.starts_with(b"\x89PNG\r\n\x1a\n")),
    ("image/webp", 10 * MB, |b| {
        b.len() > 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WEBP"
    }),
    ("application/pdf", 20 * MB, |b| b.starts_with(b"%PDF-")),
    ("audio/mpeg", 50 * MB, |b| {
        b.starts_with(b"ID3") || (b.len() > 1 && b[0] == 0xFF && b[1] & 0xE0 == 0xE0)
    }),
    ("audio/wav", 50 * MB, |b| {
        b.len() > 12 && b.starts_with(b"RIFF") && &b[8..12] == b"WAVE"
    }),
    ("audio/mp4", 50 * MB, |b| {
        b.len() > 12 && &b[4..8] == b"ftyp" && matches!(&b[8..11], b"M4A" | b"mp4" | b"iso")
    }),
    ("audio/amr", 50 * MB, |b| b.starts_with(b"#!AMR")),
];

/// What the type check allows, for error messages.
pub const ALLOWED: &str = "JPEG, PNG, WebP, PDF, MP3, WAV, M4A, AMR";

/// The content type and size limit of a file, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, usize)> {
    KINDS
        .iter()
        .find(|(_, _, test)| test(bytes))
        .map(|(t, max, _)| (*t, *max))
}

/// An attached file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub complaint_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: Option<String>,
    pub at: DateTime<Utc>,
}

fn attachment(r: &Row) -> Result<Attachment> {
    Ok(Attachment {
        id: r.i64("id")?,
        complaint_id: r.i64("complaint_id")?,
        file_name: r.text("file_name")?,
        content_type: r.text("content_type")?,
        size_bytes: r.i64("size_bytes")?,
        sha256: r.text("sha256")?,
        uploaded_by: r.opt_text("uploader")?,
        at: ms_to_time(r.i64("at")?),
    })
}

const SELECT: &str = "SELECT a.*, u.display_name AS uploader FROM complaint_attachments a \
    JOIN orgs o ON o.id = a.org_id LEFT JOIN users u ON u.id = a.uploaded_by";

/// A file name safe to show and to send back: no path, no control characters, ≤ 120 chars.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.trim().is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

impl Store {
    fn file_path(&self, sha: &str) -> PathBuf {
        self.files_dir.join("complaints").join(&sha[..2]).join(sha)
    }

    /// Attaches a file to a complaint in scope (anyone who may file complaints).
    /// Whether the caller may attach files to this complaint (404 out of scope, 403
    /// without the permission): asked before an upload is read, so a refused one costs
    /// nothing.
    pub async fn may_attach(&self, who: &Principal, complaint_id: i64) -> Result<()> {
        self.scoped_row(who, "complaints", "k", "k.org_id", complaint_id, "")
            .await?;
        self.authorize(who, Permission::FileComplaints, "complaint").await
    }

    pub async fn attach_to_complaint(
        &self,
        who: &Principal,
        complaint_id: i64,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<Attachment> {
        let row = self
            .scoped_row(who, "complaints", "k", "k.org_id", complaint_id, "")
            .await?;
        self.authorize(who, Permission::FileComplaints, "complaint").await?;
        let org_id = row.i64("org_id")?;
        if bytes.is_empty() {
            return Err(Invalid(vec![FieldError::new("file", "required")]).into());
        }
        let Some((content_type, max)) = sniff(bytes) else {
            return Err(Invalid(vec![FieldError::new("file", "file_type").with("allowed", ALLOWED)]).into());
        };
        if bytes.len() > max {
            return Err(Invalid(vec![
                FieldError::new("file", "file_too_large").with("max", format!("{} MB", max / MB))
            ])
            .into());
        }
        let sha = hex(&Sha256::digest(bytes));
        let path = self.file_path(&sha);
        if !path.exists() {
            let dir = path.parent().map(PathBuf::from).unwrap_or_default();
            let io = |e: std::io::Error| StoreError::Internal(format!("storing an attachment: {e}"));
            tokio::fs::create_dir_all(&dir).await.map_err(io)?;
            // Written aside and renamed: a crash never leaves half a file under its hash.
            let tmp = dir.join(format!("{sha}.{}.part", std::process::id()));
            tokio::fs::write(&tmp, bytes).await.map_err(io)?;
            tokio::fs::rename(&tmp, &path).await.map_err(io)?;
        }
        let now = self.now_ms();
        let name = clean_name(file_name);
        let mut tx = self.access(who).begin().await?;
        let id = tx
            .fetch_one(
                &stmt("INSERT INTO complaint_attachments (complaint_id, org_id, file_name, content_type, size_bytes, sha256, storage_key, uploaded_by, at) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(complaint_id)
                .bind(org_id)
                .bind(&name)
                .bind(content_type)
                .bind(bytes.len() as i64)
                .bind(&sha)
                .bind(format!("complaints/{}/{sha}", &sha[..2]))
                .bind(who.user_id)
                .bind(now),
            )
            .await?
            .i64("id")?;
        let detail = serde_json::json!({ "file_name": name, "content_type": content_type, "size_bytes": bytes.len() });
        add_event(
            &mut tx,
            now,
            Some(who),
            EventRow {
                complaint_id,
                org_id,
                kind: "attachment",
                from_state: None,
                to_state: None,
                detail: detail.clone(),
            },
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            &Actor::from(who),
            Event::on("attach", "complaint", complaint_id, org_id, detail),
        )
        .await?;
        let row = tx
            .fetch_one(&stmt(format!("{SELECT} WHERE a.id = $1")).bind(id))
            .await?;
        tx.commit().await?;
        attachment(&row)
    }

    /// The attachments of a complaint in scope.
    pub async fn complaint_attachments(&self, who: &Principal, complaint_id: i64) -> Result<Vec<Attachment>> {
        self.authorize(who, Permission::ViewCustomers, "complaint").await?;
        let rows = self
            .access(who)
            .fetch_all(
                &stmt(format!(
                    "{SELECT} WHERE a.complaint_id = $1 AND o.path LIKE $2 ORDER BY a.id"
                ))
                .bind(complaint_id)
                .bind(who.scope().like_pattern()),
            )
            .await?;
        rows.iter().map(attachment).collect()
    }

    /// One attachment's file, for a user who sees its complaint (audited).
    pub async fn complaint_attachment_file(
        &self,
        who: &Principal,
        complaint_id: i64,
        id: i64,
    ) -> Result<(Attachment, Vec<u8>)> {
        self.authorize(who, Permission::ViewCustomers, "complaint").await?;
        let row = self
            .access(who)
            .fetch_optional(
                &stmt(format!(
                    "{SELECT} WHERE a.id = $1 AND a.complaint_id = $2 AND o.path LIKE $3"
                ))
                .bind(id)
                .bind(complaint_id)
                .bind(who.scope().like_pattern()),
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let a = attachment(&row)?;
        let bytes = tokio::fs::read(self.file_path(&a.sha256))
            .await
            .map_err(|e| StoreError::Internal(format!("reading attachment {id}: {e}")))?;
        let detail = serde_json::json!({ "attachment": id, "file_name": a.file_name });
        self.audit(
            &who.into(),
            Event::on("download", "complaint", complaint_id, row.i64("org_id")?, detail),
        )
        .await?;
        Ok((a, bytes))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::{clean_name, sniff};

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest").map(|k| k.0), Some("image/jpeg"));
        assert_eq!(sniff(b"%PDF-1.7\n").map(|k| k.0), Some("application/pdf"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt ").map(|k| k.0), Some("audio/wav"));
        assert_eq!(sniff(b"MZ\x90\0 an exe named photo.jpg"), None);
        assert_eq!(sniff(b"<html>"), None);
    }

    #[test]
    fn names_lose_their_path() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\scan\\签字单.pdf"), "签字单.pdf");
        assert_eq!(clean_name(""), "file");
    }
}
