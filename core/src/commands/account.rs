//! The user's own account: the password.

use super::Ctx;
use crate::auth::hashing;
use crate::domain::validation::{check_length, check_new_password, check_required, Field, MAX_PASSWORD_CHARS};
use crate::store::users::{set_password, user_by_username};
use crate::Error;

/// "Cambiar contraseña": the current password, and the new one typed twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePassword {
    pub current: String,
    pub new: String,
    pub repeat: String,
}

/// Changes the acting user's password after checking the current one. Every session of
/// the user ends on its next request (sessions are bound to the password's hash).
pub async fn change_password(ctx: &Ctx, command: ChangePassword) -> Result<(), Error> {
    let ChangePassword { current, new, repeat } = command;
    check_required(Field::Password, &current)?;
    check_length(Field::Password, &current, MAX_PASSWORD_CHARS)?;
    check_new_password(&new, &repeat)?;
    let user = user_by_username(&ctx.db, &ctx.actor.username).await?.ok_or(Error::Unauthenticated)?;
    let hash = user.password_hash;
    let matches = hashing::run(move || hashing::verify(&current, &hash)).await.ok_or(Error::Unavailable)?;
    if !matches {
        return Err(Error::BadCredentials);
    }
    set_password(&ctx.db, ctx.actor.user, &new).await?;
    Ok(())
}
