//! "Tokens de acceso": what the account page shows of a user's access tokens for the API,
//! and the token itself, shown once when it is created.

use serde::{Deserialize, Serialize};

/// The prefix every access token starts with, so that a token pasted where it should not be
/// (a log, a repository) is recognised as one.
pub const TOKEN_PREFIX: &str = "rdk_";

/// The longest name of a token.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

/// The longest expiry a token may be given, in days (ten years).
pub const MAX_TOKEN_DAYS: u32 = 3650;

/// The expiries the account page offers, in days (`None`: never expires).
pub const OFFERED_EXPIRIES: [Option<u32>; 4] = [Some(30), Some(90), Some(365), None];

/// One of the user's tokens as listed: never the secret, which is not stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSummary {
    pub id: i64,
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    /// Accepted when it was listed: neither revoked nor expired.
    pub active: bool,
}

impl TokenSummary {
    /// Whether the token is accepted at `now` (Unix seconds): not revoked, not expired.
    pub fn is_active(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expires| expires > now)
    }
}

/// A token just created: its summary and its secret, which the user sees this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub summary: TokenSummary,
    pub secret: String,
}
