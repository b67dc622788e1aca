//! "Tokens de acceso": a user's access tokens for `/api/v1`. A token acts as its user, with
//! the user's groups and permissions at the time of each request, and nothing more. Only its
//! SHA-256 is stored (the token is 32 random bytes, so no slow hash is needed); the secret
//! is shown once, when it is created. Every entry point (the account page, the CLI, the API's
//! authentication) goes through here.

use super::{Ctx, Desk};
use crate::domain::permissions::Actor;
use crate::domain::validation::{check_length, check_required, Field, FieldError, Problem};
use crate::model::tokens::{CreatedToken, TokenSummary, MAX_TOKEN_DAYS, MAX_TOKEN_NAME_CHARS, TOKEN_PREFIX};
use crate::store::tokens as store;
use crate::Error;

/// "Crear token": a name, and after how many days it expires (`None`: never).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub name: String,
    pub expires_in_days: Option<u32>,
}

const DAY: i64 = 24 * 60 * 60;

/// Creates a token of the acting user and answers it with its secret, which is not stored
/// and cannot be shown again.
pub async fn create_token(ctx: &Ctx, command: NewToken) -> Result<CreatedToken, Error> {
    let name = command.name.trim();
    check_required(Field::Name, name)?;
    check_length(Field::Name, name, MAX_TOKEN_NAME_CHARS)?;
    let expires_at = match command.expires_in_days {
        None => None,
        Some(days) if (1..=MAX_TOKEN_DAYS).contains(&days) => Some(ctx.now + i64::from(days) * DAY),
        Some(_) => return Err(FieldError { field: Field::Expiry, problem: Problem::OutOfRange }.into()),
    };
    let secret = new_secret()?;
    let id = store::insert_token(&ctx.db, ctx.actor.user, name, &hash(&secret), ctx.now, expires_at).await?;
    let summary = TokenSummary {
        id,
        name: name.to_owned(),
        created_at: ctx.now,
        expires_at,
        revoked_at: None,
        last_used_at: None,
        active: true,
    };
    Ok(CreatedToken { summary, secret })
}

/// `releasedesk api-token create LOGIN NAME --expires 90d`: a token of the active user
/// `login`, created as that user creates one on their account page.
pub async fn create_token_for(desk: &Desk, login: &str, command: NewToken) -> Result<CreatedToken, Error> {
    let user = crate::store::users::user_by_username(&desk.db, login.trim()).await?.ok_or(Error::NotFound)?;
    let actor = crate::store::users::actor(&desk.db, user.id).await?.ok_or(Error::NotFound)?;
    create_token(&desk.acting(actor), command).await
}

/// Reads an expiry as an operator types it: `90d` or `90` (days), or `never`.
pub fn parse_expiry(text: &str) -> Result<Option<u32>, Error> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let digits = text.strip_suffix(['d', 'D']).unwrap_or(text);
    match digits.parse::<u32>() {
        Ok(days) if (1..=MAX_TOKEN_DAYS).contains(&days) => Ok(Some(days)),
        _ => Err(FieldError { field: Field::Expiry, problem: Problem::OutOfRange }.into()),
    }
}

/// The acting user's tokens, newest first, revoked and expired ones too.
pub async fn list_my_tokens(ctx: &Ctx) -> Result<Vec<TokenSummary>, Error> {
    Ok(store::tokens_of(&ctx.db, ctx.actor.user, ctx.now).await?)
}

/// Revokes one of the acting user's tokens: from now on it is refused. Another user's token
/// is not found; revoking a revoked token changes nothing.
pub async fn revoke_token(ctx: &Ctx, id: i64) -> Result<(), Error> {
    if store::revoke(&ctx.db, ctx.actor.user, id, ctx.now).await? || store::exists(&ctx.db, ctx.actor.user, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Who a valid token acts as: its id (what the API's rate limit counts by) and its user as
/// a session would load them, with their current groups and permissions.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub token: i64,
    pub actor: Actor,
    /// Their language (`es`, `pt`), `None` when not chosen.
    pub language: Option<String>,
    /// Their time zone (IANA name), `None` until chosen.
    pub time_zone: Option<String>,
}

/// How often the last use of a token is written down at most: a pipeline calling many times
/// a second does not write to the database each time.
const LAST_USE_EVERY: i64 = 60;

/// The user a bearer token acts as, at `now`. Refused as unauthenticated when the token is
/// malformed, unknown, revoked or expired, or its user was deactivated; while the user's
/// password is a temporary one (an administrator reset it), as a session is.
pub async fn authenticate_token(desk: &Desk, bearer: &str, now: i64) -> Result<TokenUser, Error> {
    let bearer = bearer.trim();
    if !is_well_formed(bearer) {
        return Err(Error::Unauthenticated);
    }
    let token = store::token_by_hash(&desk.db, &hash(bearer)).await?.ok_or(Error::Unauthenticated)?;
    if token.revoked_at.is_some() || token.expires_at.is_some_and(|expires| expires <= now) {
        return Err(Error::Unauthenticated);
    }
    let user = crate::store::users::session_user(&desk.db, crate::domain::UserId(token.user_id))
        .await?
        .ok_or(Error::Unauthenticated)?;
    if user.must_change_password {
        return Err(Error::PasswordChangeRequired);
    }
    if token.last_used_at.is_none_or(|used| now - used >= LAST_USE_EVERY) {
        store::mark_used(&desk.db, token.id, now).await?;
    }
    Ok(TokenUser { token: token.id, actor: user.actor, language: user.language, time_zone: user.time_zone })
}

/// The length of a token's secret part: 32 random bytes in hex.
const SECRET_HEX_CHARS: usize = 64;

fn is_well_formed(bearer: &str) -> bool {
    bearer.strip_prefix(TOKEN_PREFIX).is_some_and(|secret| {
        secret.len() == SECRET_HEX_CHARS && secret.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A new token: the prefix and 32 bytes from the operating system's random source, in hex.
fn new_secret() -> Result<String, Error> {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.try_fill_bytes(&mut bytes).map_err(|error| {
        tracing::error!(%error, "no random bytes for a token");
        Error::Internal
    })?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{TOKEN_PREFIX}{hex}"))
}

/// What is stored of a token: its SHA-256, in hex.
fn hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_recognisable_and_distinct() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert!(a.starts_with("rdk_") && is_well_formed(&a), "{a}");
        assert_ne!(a, b);
        assert_ne!(hash(&a), a);
        assert!(!is_well_formed("rdk_"));
        assert!(!is_well_formed(&a.replace("rdk_", "xyz_")));
        assert!(!is_well_formed(&format!("{a}0")));
    }

    #[test]
    fn expiries_are_read_in_days() {
        assert_eq!(parse_expiry("90d").unwrap(), Some(90));
        assert_eq!(parse_expiry("30").unwrap(), Some(30));
        assert_eq!(parse_expiry("never").unwrap(), None);
        for wrong in ["0d", "-1d", "3651d", "1w", ""] {
            assert!(matches!(parse_expiry(wrong), Err(Error::Invalid(_))), "{wrong}");
        }
    }
}
