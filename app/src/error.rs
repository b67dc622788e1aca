//! The error of server functions: the core's [`Error`], carried over the wire as its own
//! JSON, with the status of each kind (see `status_from_error`). The UI turns it into a
//! translated sentence (see `language::error_message`).

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
pub use releasedesk_core::Error;
use serde::{Deserialize, Serialize};

/// A server function's error: the core's, so that the browser reads the same JSON, and the
/// id of the request that failed when the server added it (`reference`, see the server's
/// `observe.rs`): the UI shows it as a reference code that finds the request's log lines.
/// Leptos asks its error types to implement its trait, which only a type of this crate may
/// do for the core's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{error}")]
pub struct AppError {
    #[serde(flatten)]
    pub error: Error,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl<E: Into<Error>> From<E> for AppError {
    fn from(error: E) -> Self {
        AppError { error: error.into(), reference: None }
    }
}

impl std::ops::Deref for AppError {
    type Target = Error;

    fn deref(&self) -> &Error {
        &self.error
    }
}

impl FromServerFnError for AppError {
    /// Read as text, like every answer (see `codec::JsonText`).
    type Encoder = crate::codec::JsonTextEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::from(match value {
            ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::MissingArg(message)
            | ServerFnErrorErr::Request(message)
            | ServerFnErrorErr::Deserialization(message)
            | ServerFnErrorErr::Serialization(message) => Error::Request { message },
            _ => Error::Internal,
        })
    }
}

/// Gives every server-function error response the status of its error: refusals are
/// 4xx on the wire, also when the arguments could not even be read (which happens before
/// the function runs). Server functions just return `Err(AppError)`.
#[cfg(feature = "ssr")]
pub async fn status_from_error(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let response = next.run(request).await;
    if !response.headers().contains_key("serverfnerror") {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are small JSON; anything larger is not ours to read.
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    if let Ok(error) = serde_json::from_slice::<Error>(&bytes) {
        if let Ok(status) = axum::http::StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
        if let Error::TooManyAttempts { retry_after_seconds } = error {
            parts.headers.insert(axum::http::header::RETRY_AFTER, retry_after_seconds.into());
        }
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}
