//! The one error of the desk's commands. It crosses the network as JSON, maps to one HTTP
//! status, and the UI turns it into a translated sentence.

use crate::domain::flow::Refusal;
use crate::domain::validation::FieldError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum Error {
    /// No session: log in first.
    #[error("not logged in")]
    Unauthenticated,
    /// Wrong user name or password; never says which.
    #[error("wrong user name or password")]
    BadCredentials,
    /// The user logged in with a temporary password: nothing but changing it is allowed.
    #[error("the temporary password must be changed first")]
    PasswordChangeRequired,
    /// The flow or a permission forbids the action; `refusal` says why.
    #[error("refused: {refusal:?}")]
    Refused { refusal: Refusal },
    /// A field of the request is missing or wrong.
    #[error("invalid input: {0}")]
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
    /// An attachment without a byte: nothing is attached.
    #[error("the file is empty")]
    EmptyFile,
    /// An attachment larger than the operator allows (`ATTACHMENT_MAX_BYTES`), refused
    /// before it was read whole.
    #[error("the file is larger than {max_bytes} bytes")]
    FileTooLarge { max_bytes: u64 },
    /// The request could not be read or the answer could not be sent.
    #[error("request failed: {message}")]
    Request { message: String },
    /// A concurrent write got in the way (the database broke off a deadlock or a
    /// serialization failure, or a unique row was taken meanwhile), even after the command
    /// ran once more: nothing was written; retrying is safe.
    #[error("conflicting concurrent write")]
    Conflict,
    /// Something failed on the server; details are in its log, not in the answer.
    #[error("internal error")]
    Internal,
}

impl Error {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            Error::Unauthenticated | Error::BadCredentials => 401,
            Error::Refused { refusal } => match refusal {
                Refusal::NotInGroup { .. } | Refusal::GroupLacksPermission { .. } => 403,
                Refusal::Invalid(_) | Refusal::OutcomeNotAllowed { .. } | Refusal::ChangeNotLinkable { .. } => 422,
                _ => 409,
            },
            Error::Invalid(_) => 422,
            Error::NotFound => 404,
            Error::Request { .. } => 400,
            Error::Unavailable => 503,
            Error::TooManyAttempts { .. } => 429,
            Error::CrossSite | Error::PasswordChangeRequired => 403,
            Error::TooLarge | Error::FileTooLarge { .. } => 413,
            Error::EmptyFile => 422,
            Error::Conflict => 409,
            Error::Internal => 500,
        }
    }
}

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Self {
        Error::Refused { refusal }
    }
}

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Self {
        Error::Invalid(error)
    }
}

#[cfg(feature = "server")]
impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(ref database) if is_conflict(database.as_ref()) => {
                tracing::warn!(%error, "concurrent write conflict");
                Error::Conflict
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::error!(%error, "database unavailable");
                Error::Unavailable
            }
            error => {
                tracing::error!(%error, "database error");
                Error::Internal
            }
        }
    }
}

/// A deadlock (PostgreSQL `40P01`), a serialization failure (`40001`) or a unique
/// violation (`23505`, or SQLite's): the write lost a race, not a bug.
#[cfg(feature = "server")]
fn is_conflict(error: &dyn sqlx::error::DatabaseError) -> bool {
    error.is_unique_violation() || matches!(error.code().as_deref(), Some("40P01" | "40001"))
}
