//! "Adjuntos" / "Anexos": files attached to a release or to one of its manual occurrences,
//! as the release page lists them, and the rules on a file's name that both sides share.

use crate::domain::validation::{Field, FieldError, Problem};
use crate::domain::ReleaseId;
use serde::{Deserialize, Serialize};

/// The largest file taken when the operator does not say (`ATTACHMENT_MAX_BYTES`): 20 MB.
pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// The longest file name, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// The image types the page shows a thumbnail of: raster formats a browser decodes as an
/// image and nothing else (never SVG, which can carry script).
pub const THUMBNAIL_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// One attached file as listed: never its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AttachmentSummary {
    pub id: i64,
    pub release: ReleaseId,
    /// The manual occurrence (execution-log entry) it is attached to; `None`: the release.
    pub occurrence: Option<i64>,
    /// The name it was uploaded with, as typed (never a path).
    pub name: String,
    /// The type detected from its content, not from its name.
    pub media_type: String,
    pub size: i64,
    /// SHA-256 of its bytes, in lower-case hex.
    pub sha256: String,
    /// Who uploaded it (full name), and when (Unix seconds).
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

impl AttachmentSummary {
    /// Whether the page shows it as a thumbnail.
    pub fn is_image(&self) -> bool {
        THUMBNAIL_TYPES.contains(&self.media_type.as_str())
    }

    /// Where it is downloaded from (the page's session).
    pub fn download_path(&self) -> String {
        download_path(self.release, self.id)
    }
}

/// The files of a release, those of its occurrences too, oldest first; whether the user may
/// attach and remove; the largest file taken, in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReleaseAttachments {
    pub attachments: Vec<AttachmentSummary>,
    pub may_edit: bool,
    pub max_bytes: u64,
}

/// Where the page's attachment routes live: `POST {ROUTE_PREFIX}{release}` uploads, `GET
/// {ROUTE_PREFIX}{release}/{id}` downloads.
pub const ROUTE_PREFIX: &str = "/api/attachments/";

/// Where the page uploads a file to the release, or to its occurrence `occurrence`: the
/// body is the file's bytes, `name` its name.
pub fn upload_path(release: ReleaseId, occurrence: Option<i64>, name: &str) -> String {
    let name = percent_encode(name);
    match occurrence {
        Some(entry) => format!("{ROUTE_PREFIX}{}?name={name}&occurrence={entry}", release.0),
        None => format!("{ROUTE_PREFIX}{}?name={name}", release.0),
    }
}

/// Where the page downloads a file from.
pub fn download_path(release: ReleaseId, id: i64) -> String {
    format!("{ROUTE_PREFIX}{}/{id}", release.0)
}

/// `text` with everything but unreserved characters percent-encoded (UTF-8), for a query
/// value and for `filename*=UTF-8''…` (RFC 8187).
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A file's name as it is kept: trimmed; refused when empty, longer than
/// [`MAX_NAME_CHARS`], a path (`/`, `\`), `.` or `..`, or holding control characters.
pub fn check_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    let refused = |problem| FieldError { field: Field::FileName, problem };
    if name.is_empty() {
        return Err(refused(Problem::Required));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(refused(Problem::TooLong { max: MAX_NAME_CHARS }));
    }
    let forbidden = |c: char| c == '/' || c == '\\' || c.is_control() || matches!(c, '\u{202a}'..='\u{202e}');
    if name.chars().any(forbidden) || name == "." || name == ".." {
        return Err(refused(Problem::InvalidCharacters));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_a_name_never_a_path_nor_control_characters() {
        assert_eq!(check_name("  informe final.pdf "), Ok("informe final.pdf".into()));
        assert_eq!(check_name("captura de pantalla (1).png"), Ok("captura de pantalla (1).png".into()));
        assert_eq!(check_name("Liberação ñ.txt"), Ok("Liberação ñ.txt".into()));
        for bad in ["../etc/passwd", "a/b.txt", "C:\\x.txt", "a\nb.txt", "a\0.txt", "..", ".", "x\u{202e}fdp.exe"] {
            assert_eq!(check_name(bad).map_err(|e| e.problem), Err(Problem::InvalidCharacters), "{bad:?}");
        }
        assert_eq!(check_name("   ").map_err(|e| e.problem), Err(Problem::Required));
        let long = "a".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(check_name(&long).map_err(|e| e.problem), Err(Problem::TooLong { max: MAX_NAME_CHARS }));
    }

    #[test]
    fn names_travel_percent_encoded() {
        assert_eq!(percent_encode("año 1.png"), "a%C3%B1o%201.png");
        assert_eq!(upload_path(ReleaseId(7), Some(3), "a&b=c"), "/api/attachments/7?name=a%26b%3Dc&occurrence=3");
        assert_eq!(download_path(ReleaseId(7), 9), "/api/attachments/7/9");
    }
}
