//! The one error type of server functions. It crosses the network as JSON, maps to one HTTP
//! status, and the UI turns it into a translated sentence (see `i18n::error_message`).

use crate::domain::flow::Refusal;
use crate::domain::validation::FieldError;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum AppError {
    /// No session: log in first.
    #[error("not logged in")]
    Unauthenticated,
    /// Wrong user name or password; never says which.
    #[error("wrong user name or password")]
    BadCredentials,
    /// The flow or a permission forbids the action; `refusal` says why.
    #[error("refused: {refusal:?}")]
    Refused { refusal: Refusal },
    /// A field of the request is missing or wrong.
    #[error("invalid input: {0:?}")]
    Invalid(FieldError),
    /// The release (or other record) does not exist, or the user may not know it does.
    #[error("not found")]
    NotFound,
    /// The database cannot be reached right now.
    #[error("service unavailable")]
    Unavailable,
    /// Too many failed logins for this user name or from this address: wait and retry.
    #[error("too many attempts; retry in {retry_after_seconds} s")]
    TooManyAttempts { retry_after_seconds: u64 },
    /// A state-changing request sent by a page of another site: never carried out.
    #[error("cross-site request refused")]
    CrossSite,
    /// The request body is larger than any form of the app can send.
    #[error("request too large")]
    TooLarge,
    /// The request could not be read or the answer could not be sent.
    #[error("request failed: {message}")]
    Request { message: String },
    /// Something failed on the server; details are in its log, not in the answer.
    #[error("internal error")]
    Internal,
}

impl AppError {
    /// The HTTP status a server function answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Refused { refusal } => match refusal {
                Refusal::NotInGroup { .. } | Refusal::GroupLacksPermission { .. } => 403,
                Refusal::Invalid(_) | Refusal::OutcomeNotAllowed { .. } | Refusal::ChangeNotLinkable { .. } => 422,
                _ => 409,
            },
            AppError::Invalid(_) => 422,
            AppError::NotFound => 404,
            AppError::Request { .. } => 400,
            AppError::Unavailable => 503,
            AppError::TooManyAttempts { .. } => 429,
            AppError::CrossSite => 403,
            AppError::TooLarge => 413,
            AppError::Internal => 500,
        }
    }
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        AppError::Refused { refusal }
    }
}

impl From<FieldError> for AppError {
    fn from(error: FieldError) -> Self {
        AppError::Invalid(error)
    }
}

impl FromServerFnError for AppError {
    /// Read as text, like every answer (see `codec::JsonText`).
    type Encoder = crate::codec::JsonTextEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::MissingArg(message)
            | ServerFnErrorErr::Request(message)
            | ServerFnErrorErr::Deserialization(message)
            | ServerFnErrorErr::Serialization(message) => AppError::Request { message },
            _ => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(%error, "database unavailable");
                AppError::Unavailable
            }
            error => {
                tracing::error!(%error, "database error");
                AppError::Internal
            }
        }
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
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = axum::http::StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
        if let AppError::TooManyAttempts { retry_after_seconds } = error {
            parts.headers.insert(axum::http::header::RETRY_AFTER, retry_after_seconds.into());
        }
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}
