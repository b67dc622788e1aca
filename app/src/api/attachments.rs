//! `/api/v1/releases/{number}/attachments`: the evidence a pipeline keeps with a release
//! (a build log, a test report), through the commands the page's attachment routes call.
//! A file is sent as the request's body, its bytes as they are (`application/octet-stream`),
//! its name in `name`; it is counted against `ATTACHMENT_MAX_BYTES` as it arrives.

use super::{Api, Caller, OrProblem, Params, Problem, ProblemDoc};
use crate::attachments::routes::{file_response, receive};
use axum::body::Body as RawBody;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use releasedesk_core::commands::attachments::{download, list, remove, Upload};
use releasedesk_core::domain::ReleaseId;
use releasedesk_core::model::attachments::{AttachmentSummary, ReleaseAttachments};
use serde::{Deserialize, Serialize};

pub(super) fn routes() -> Router<Api> {
    Router::new()
        .route("/releases/{number}/attachments", get(attachments).post(attach))
        .route("/releases/{number}/attachments/{id}", get(attachment).delete(remove_attachment))
}

/// The path of the API's uploads, `/api/v1/releases/{number}/attachments`, relative to the
/// API's base: whether `path` is one (its body is counted by the handler, not cut at the
/// requests' limit).
pub fn is_upload(path: &str) -> bool {
    let Some(rest) = path.strip_prefix(super::BASE).and_then(|rest| rest.strip_prefix("/releases/")) else {
        return false;
    };
    rest.strip_suffix("/attachments").is_some_and(|number| !number.is_empty() && !number.contains('/'))
}

#[utoipa::path(get, path = "/api/v1/releases/{number}/attachments", tag = "attachments",
    params(("number" = i64, Path)),
    responses((status = 200, body = ReleaseAttachments, description = "The release's files and its occurrences', oldest first"),
        (status = 401, body = ProblemDoc), (status = 404, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn attachments(caller: Caller, Path(number): Path<i64>) -> Result<Json<ReleaseAttachments>, Problem> {
    Ok(Json(list(&caller.ctx, ReleaseId(number)).await.or_problem(caller.locale)?))
}

/// Where a file goes: its name, and the manual occurrence it belongs to (none: the release).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AttachParams {
    /// The file's name as it is shown (never a path).
    pub name: String,
    /// The id of a manual occurrence of the release's log.
    #[serde(default)]
    pub occurrence: Option<i64>,
}

/// "Adjuntar archivo": needs the release's task or Delegar, as on the page; logged.
#[utoipa::path(post, path = "/api/v1/releases/{number}/attachments", tag = "attachments",
    params(("number" = i64, Path), AttachParams),
    request_body(content = String, content_type = "application/octet-stream", description = "The file's bytes"),
    responses((status = 201, body = AttachmentSummary, description = "Attached; Location: the file"),
        (status = 400, body = ProblemDoc), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc), (status = 413, body = ProblemDoc),
        (status = 422, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn attach(
    caller: Caller,
    Path(number): Path<i64>,
    Params(params): Params<AttachParams>,
    headers: HeaderMap,
    body: RawBody,
) -> Result<Response, Problem> {
    let command = Upload { release: ReleaseId(number), occurrence: params.occurrence, name: params.name };
    let summary = receive(&caller.ctx, &command, &headers, body).await.or_problem(caller.locale)?;
    let mut answer = (StatusCode::CREATED, Json(&summary)).into_response();
    let location = format!("{}/releases/{number}/attachments/{}", super::BASE, summary.id);
    if let Ok(location) = HeaderValue::from_str(&location) {
        answer.headers_mut().insert(header::LOCATION, location);
    }
    Ok(answer)
}

/// The file's bytes, as they were attached, with their detected type; never run by a
/// browser (`Content-Disposition: attachment`, `nosniff`). ETag: their SHA-256.
#[utoipa::path(get, path = "/api/v1/releases/{number}/attachments/{id}", tag = "attachments",
    params(("number" = i64, Path), ("id" = i64, Path)),
    responses((status = 200, content_type = "*/*", body = String, description = "The file, as its detected type"),
        (status = 401, body = ProblemDoc), (status = 404, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn attachment(caller: Caller, Path((number, id)): Path<(i64, i64)>) -> Result<Response, Problem> {
    let (summary, bytes) = download(&caller.ctx, ReleaseId(number), id).await.or_problem(caller.locale)?;
    Ok(file_response(&summary, bytes))
}

/// "Quitar": needs the release's task or Delegar, as on the page; logged.
#[utoipa::path(delete, path = "/api/v1/releases/{number}/attachments/{id}", tag = "attachments",
    params(("number" = i64, Path), ("id" = i64, Path)),
    responses((status = 204, description = "Removed"), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc)), security(("bearer" = [])))]
pub(super) async fn remove_attachment(
    caller: Caller,
    Path((number, id)): Path<(i64, i64)>,
) -> Result<StatusCode, Problem> {
    remove(&caller.ctx, ReleaseId(number), id).await.or_problem(caller.locale)?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_releases_attachments_take_a_file() {
        assert!(is_upload("/api/v1/releases/12/attachments"));
        for path in [
            "/api/v1/releases/12/attachments/3",
            "/api/v1/releases//attachments",
            "/api/v1/releases/12/log",
            "/api/v1/releases/1/2/attachments",
            "/api/attachments/12/attachments",
        ] {
            assert!(!is_upload(path), "{path}");
        }
    }
}
