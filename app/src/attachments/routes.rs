//! The attachments' routes (server only), thin adapters over `commands::attachments` for
//! the page's session: `POST /api/attachments/{release}?name=…[&occurrence=…]` takes the
//! file's bytes as the body (`application/octet-stream`), refused before it is read whole
//! when its `Content-Length` says it is over the limit, and cut off as soon as its bytes
//! pass it; `GET /api/attachments/{release}/{id}` sends a file back, always as a download
//! (`Content-Disposition: attachment`, `X-Content-Type-Options: nosniff`). Errors are
//! answered as the server functions answer theirs, so the page translates them the same.

use crate::security::error_response;
use crate::session::Session;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use releasedesk_core::commands::attachments::{check_upload, download, upload, Upload};
use releasedesk_core::commands::{Ctx, Desk};
use releasedesk_core::domain::ReleaseId;
use releasedesk_core::model::attachments::{percent_encode, AttachmentSummary};
use releasedesk_core::Error;
use serde::Deserialize;

/// The routes, for a router of any state.
pub fn routes<S: Clone + Send + Sync + 'static>(desk: Desk) -> Router<S> {
    Router::new()
        .route("/api/attachments/{release}", post(upload_file))
        .route("/api/attachments/{release}/{id}", get(download_file))
        .with_state(desk)
}

/// The command context of the session's user: 401 without one, 403 while their password is
/// temporary.
fn caller(desk: &Desk, session: &Session) -> Result<Ctx, Error> {
    let user = session.user.clone().ok_or(Error::Unauthenticated)?;
    if user.must_change_password {
        return Err(Error::PasswordChangeRequired);
    }
    Ok(desk.acting(user.actor))
}

#[derive(Debug, Deserialize)]
struct UploadParams {
    #[serde(default)]
    name: String,
    #[serde(default)]
    occurrence: Option<i64>,
}

async fn upload_file(
    State(desk): State<Desk>,
    session: Session,
    Path(release): Path<i64>,
    params: Result<Query<UploadParams>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let answer = async {
        let ctx = caller(&desk, &session)?;
        let Query(params) = params.map_err(|rejection| Error::Request { message: rejection.body_text() })?;
        let command = Upload { release: ReleaseId(release), occurrence: params.occurrence, name: params.name };
        receive(&ctx, &command, &headers, body).await
    };
    match answer.await {
        Ok(summary) => (StatusCode::CREATED, Json(summary)).into_response(),
        Err(error) => error_response(error),
    }
}

/// Attaches the request's body as `command` says: refused before a byte is read when the
/// command or the declared `Content-Length` can be, and as soon as the bytes pass the
/// limit. The page's route and the API's both receive a file through this.
pub async fn receive(ctx: &Ctx, command: &Upload, headers: &HeaderMap, body: Body) -> Result<AttachmentSummary, Error> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    check_upload(ctx, command, declared).await?;
    let bytes = read_body(body, ctx.attachments.max_bytes).await?;
    upload(ctx, command, &bytes).await
}

/// The body's bytes, refused as soon as they pass `max_bytes` (the rest is never read).
async fn read_body(body: Body, max_bytes: u64) -> Result<Vec<u8>, Error> {
    use futures_util::StreamExt;
    let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| Error::Request { message: error.to_string() })?;
        if bytes.len().saturating_add(chunk.len()) > limit {
            return Err(Error::FileTooLarge { max_bytes });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

async fn download_file(State(desk): State<Desk>, session: Session, Path((release, id)): Path<(i64, i64)>) -> Response {
    let answer = async {
        let ctx = caller(&desk, &session)?;
        download(&ctx, ReleaseId(release), id).await
    };
    match answer.await {
        Ok((summary, bytes)) => file_response(&summary, bytes),
        Err(error) => error_response(error),
    }
}

/// A file as a download, whatever its type: the detected type, never sniffed, and its name
/// in `filename*` (RFC 6266, 8187) with an ASCII stand-in in `filename`. An `<img>` of the
/// page shows an image from the same answer: the disposition only matters to a navigation.
pub fn file_response(summary: &AttachmentSummary, bytes: Vec<u8>) -> Response {
    let ascii: String = summary
        .name
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", percent_encode(&summary.name));
    let octets = HeaderValue::from_static("application/octet-stream");
    let mut response = Body::from(bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(&summary.media_type).unwrap_or(octets));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", summary.sha256)) {
        headers.insert(header::ETAG, value);
    }
    response
}
