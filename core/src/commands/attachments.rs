//! "Adjuntos" / "Anexos": attaching files to a release or to one of its manual
//! occurrences, reading them back, removing them. Whoever may link on the release (holding
//! its task, or with Delegar: `relations::check_may_relate`) may attach and remove; anyone
//! logged in may list and download. Every upload and removal is logged in the same
//! transaction. The type is detected from the content, never taken from the name.
//!
//! Where the bytes go: into the row (`attachments.content`, SQLite and PostgreSQL alike), or,
//! with [`Settings::dir`], into that directory, named by their SHA-256 (written to a
//! temporary file, then renamed: a file there is always whole). The rows are the same.

use super::relations::check_may_relate;
use super::Ctx;
use crate::domain::ReleaseId;
use crate::model::attachments::{check_name, AttachmentSummary, ReleaseAttachments, DEFAULT_MAX_BYTES};
use crate::store::attachments::{self as stored, NewAttachment};
use crate::store::log::{append, LogDetails, NewEntry};
use crate::Error;
use std::path::{Path, PathBuf};

/// The operator's settings ([`Settings::from_env`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `ATTACHMENT_MAX_BYTES`: the largest file taken (20 MB).
    pub max_bytes: u64,
    /// `ATTACHMENTS_DIR`: where the bytes go; `None`: into the database.
    pub dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { max_bytes: DEFAULT_MAX_BYTES, dir: None }
    }
}

impl Settings {
    /// The settings the environment gives: `ATTACHMENT_MAX_BYTES` (a whole number of bytes,
    /// at least 1) and `ATTACHMENTS_DIR` (created if missing).
    pub fn from_env() -> Result<Settings, String> {
        let read = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut settings = Settings::default();
        if let Some(text) = read("ATTACHMENT_MAX_BYTES") {
            settings.max_bytes = text
                .parse::<u64>()
                .ok()
                .filter(|bytes| *bytes > 0)
                .ok_or_else(|| format!("ATTACHMENT_MAX_BYTES must be a whole number of bytes, not `{text}`"))?;
        }
        if let Some(dir) = read("ATTACHMENTS_DIR") {
            settings = settings.in_dir(PathBuf::from(dir))?;
        }
        Ok(settings)
    }

    /// These settings keeping the bytes in `dir`, created if missing.
    pub fn in_dir(self, dir: PathBuf) -> Result<Settings, String> {
        std::fs::create_dir_all(&dir).map_err(|e| format!("ATTACHMENTS_DIR: cannot create {}: {e}", dir.display()))?;
        Ok(Settings { dir: Some(dir), ..self })
    }
}

/// "Adjuntar archivo": to the release, or to its manual occurrence `occurrence`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub release: ReleaseId,
    pub occurrence: Option<i64>,
    pub name: String,
}

/// The release's files (its occurrences' too), whether the user may attach and remove, and
/// the largest file taken. Anyone logged in may read them.
pub async fn list(ctx: &Ctx, release: ReleaseId) -> Result<ReleaseAttachments, Error> {
    let may_edit = match check_may_relate(ctx, release).await {
        Ok(()) => true,
        Err(Error::Refused { .. }) => false,
        Err(error) => return Err(error),
    };
    let attachments = stored::of_release(&ctx.db, release).await?;
    Ok(ReleaseAttachments { attachments, may_edit, max_bytes: ctx.attachments.max_bytes })
}

/// What can be refused before a byte of the file is read: an unknown release, a user who
/// may not attach, an occurrence that is not the release's, a bad name, a declared size over
/// the limit. Returns the name as it is kept. [`upload`] checks all of it again.
pub async fn check_upload(ctx: &Ctx, upload: &Upload, declared_bytes: Option<u64>) -> Result<String, Error> {
    check_may_relate(ctx, upload.release).await?;
    if let Some(entry) = upload.occurrence {
        let mut conn = ctx.db.pool.acquire().await?;
        if !stored::is_occurrence(&mut conn, upload.release, entry).await? {
            return Err(Error::NotFound);
        }
    }
    let name = check_name(&upload.name)?;
    let max_bytes = ctx.attachments.max_bytes;
    if declared_bytes.is_some_and(|bytes| bytes > max_bytes) {
        return Err(Error::FileTooLarge { max_bytes });
    }
    Ok(name)
}

/// Attaches `bytes`; refused as [`check_upload`] says, and when the file is empty or over
/// the limit. Returns the file as listed.
pub async fn upload(ctx: &Ctx, upload: &Upload, bytes: &[u8]) -> Result<AttachmentSummary, Error> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    let name = check_upload(ctx, upload, Some(size)).await?;
    if bytes.is_empty() {
        return Err(Error::EmptyFile);
    }
    let media_type = detect_media_type(bytes);
    let sha256 = sha256_hex(bytes);
    if let Some(dir) = &ctx.attachments.dir {
        write_file(dir, &sha256, bytes).await?;
    }
    let id = super::retrying(|| insert_once(ctx, upload, &name, &media_type, &sha256, bytes)).await?;
    if let Some(dir) = &ctx.attachments.dir {
        // A removal of another row with the same bytes may have deleted the file meanwhile.
        write_file(dir, &sha256, bytes).await?;
    }
    let mut conn = ctx.db.pool.acquire().await?;
    stored::find(&mut conn, upload.release, id).await?.ok_or(Error::NotFound)
}

async fn insert_once(
    ctx: &Ctx,
    upload: &Upload,
    name: &str,
    media_type: &str,
    sha256: &str,
    bytes: &[u8],
) -> Result<i64, Error> {
    let (actor, now) = (&ctx.actor, ctx.now);
    let size = i64::try_from(bytes.len()).map_err(|_| Error::FileTooLarge { max_bytes: ctx.attachments.max_bytes })?;
    let mut tx = ctx.db.begin_write().await?;
    // The release first: the lock order of every write (`releases::lock`).
    let lock = crate::store::releases::lock(&mut tx, upload.release).await?;
    let new = NewAttachment {
        release: upload.release,
        occurrence: upload.occurrence,
        name,
        media_type,
        size,
        sha256,
        content: ctx.attachments.dir.is_none().then_some(bytes),
        uploaded_by: actor.user,
        uploaded_at: now,
    };
    let id = stored::insert(&mut tx, &new).await?;
    let details = LogDetails::AttachmentAdded {
        name: name.to_owned(),
        media_type: media_type.to_owned(),
        size,
        sha256: sha256.to_owned(),
        occurrence: upload.occurrence,
    };
    append(&ctx.db, &mut tx, lock, &NewEntry::new(upload.release, actor.user, now, details)).await?;
    tx.commit().await?;
    Ok(id)
}

/// A file and its bytes, for a download. Anyone logged in may read it; bytes that no longer
/// match their SHA-256 are never served.
pub async fn download(ctx: &Ctx, release: ReleaseId, id: i64) -> Result<(AttachmentSummary, Vec<u8>), Error> {
    let mut conn = ctx.db.pool.acquire().await?;
    let found = stored::find(&mut conn, release, id).await?.ok_or(Error::NotFound)?;
    drop(conn);
    let bytes = match stored::content(&ctx.db, id).await? {
        Some(bytes) => bytes,
        None => read_file(ctx.attachments.dir.as_deref(), &found.sha256).await?,
    };
    if sha256_hex(&bytes) != found.sha256 {
        tracing::error!(attachment = id, "an attachment's bytes do not match their SHA-256");
        return Err(Error::Internal);
    }
    Ok((found, bytes))
}

/// Removes a file; needs the task or Delegar, and is logged.
pub async fn remove(ctx: &Ctx, release: ReleaseId, id: i64) -> Result<(), Error> {
    check_may_relate(ctx, release).await?;
    let removed = super::retrying(|| remove_once(ctx, release, id)).await?;
    if let Some(dir) = &ctx.attachments.dir {
        if !stored::sha256_in_use(&ctx.db, &removed.sha256).await? {
            let path = dir.join(&removed.sha256);
            if let Err(error) = std::fs::remove_file(&path) {
                tracing::warn!(%error, path = %path.display(), "cannot remove an attachment's file");
            }
        }
    }
    Ok(())
}

async fn remove_once(ctx: &Ctx, release: ReleaseId, id: i64) -> Result<AttachmentSummary, Error> {
    let (actor, now) = (&ctx.actor, ctx.now);
    let mut tx = ctx.db.begin_write().await?;
    let lock = crate::store::releases::lock(&mut tx, release).await?;
    let found = stored::find(&mut tx, release, id).await?.ok_or(Error::NotFound)?;
    if !stored::delete(&mut tx, release, id).await? {
        return Err(Error::NotFound);
    }
    let details = LogDetails::AttachmentRemoved {
        name: found.name.clone(),
        sha256: found.sha256.clone(),
        occurrence: found.occurrence,
    };
    append(&ctx.db, &mut tx, lock, &NewEntry::new(release, actor.user, now, details)).await?;
    tx.commit().await?;
    Ok(found)
}

/// The media type of `bytes`, from their content: a known signature's type (PNG, PDF, ZIP,
/// an executable…), `text/plain` for UTF-8 text without control characters, else
/// `application/octet-stream`. The name plays no part.
pub fn detect_media_type(bytes: &[u8]) -> String {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_owned();
    }
    let is_text = std::str::from_utf8(bytes)
        .is_ok_and(|text| !text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}')));
    if is_text { "text/plain" } else { "application/octet-stream" }.to_owned()
}

/// SHA-256 of `bytes`, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

/// Writes `bytes` as `dir/sha256` unless it is there: into a temporary file of the same
/// directory, flushed, then renamed, so the name only ever holds whole files.
async fn write_file(dir: &Path, sha256: &str, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let (dir, sha256, bytes) = (dir.to_owned(), sha256.to_owned(), bytes.to_owned());
    let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        let path = dir.join(&sha256);
        if path.is_file() {
            return Ok(());
        }
        let temporary =
            dir.join(format!(".{sha256}.{}.{}.part", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        let result = (|| {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&temporary, &path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        result
    })
    .await;
    match written {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => {
            tracing::error!(%error, "cannot write an attachment into ATTACHMENTS_DIR");
            Err(Error::Internal)
        }
        Err(error) => {
            tracing::error!(%error, "the attachment writer failed");
            Err(Error::Internal)
        }
    }
}

/// The bytes `dir/sha256`.
async fn read_file(dir: Option<&Path>, sha256: &str) -> Result<Vec<u8>, Error> {
    let Some(dir) = dir else {
        tracing::error!(sha256, "an attachment is kept in ATTACHMENTS_DIR, which is not set");
        return Err(Error::Internal);
    };
    let path = dir.join(sha256);
    match tokio::task::spawn_blocking(move || std::fs::read(path)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) => {
            tracing::error!(%error, sha256, "cannot read an attachment from ATTACHMENTS_DIR");
            Err(Error::Internal)
        }
        Err(error) => {
            tracing::error!(%error, "the attachment reader failed");
            Err(Error::Internal)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_content_not_the_name() {
        let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R'];
        assert_eq!(detect_media_type(&png), "image/png");
        assert_eq!(detect_media_type(b"%PDF-1.7\n"), "application/pdf");
        let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
        elf.resize(64, 0);
        assert_ne!(detect_media_type(&elf), "application/pdf");
        assert_eq!(detect_media_type(b"MZ\x90\x00\x03\x00\x00\x00"), "application/vnd.microsoft.portable-executable");
        assert_eq!(detect_media_type("despliegue terminado\nsin errores\n".as_bytes()), "text/plain");
        assert_eq!(detect_media_type(&[0, 1, 2, 3, 0xff]), "application/octet-stream");
    }

    #[test]
    fn settings_come_from_the_environment_with_defaults() {
        assert_eq!(Settings::default().max_bytes, 20 * 1024 * 1024);
        assert_eq!(Settings::default().dir, None);
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
