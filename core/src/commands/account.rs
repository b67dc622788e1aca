//! The user's own account: the password and the time zone.

use super::Ctx;
use crate::auth::hashing;
use crate::domain::validation::{
    check_length, check_new_password, check_required, Field, FieldError, Problem, MAX_PASSWORD_CHARS,
};
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

/// A time zone as typed: none (empty) or a zone of the tz database, as the database spells
/// it; any other name is refused as unknown. The one check of every zone a user is given.
pub fn checked_time_zone(name: Option<&str>) -> Result<Option<String>, Error> {
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Ok(None);
    }
    check_length(Field::TimeZone, name, MAX_ZONE_CHARS)?;
    match crate::domain::time_zone::tzdb::zone(name) {
        Some(zone) => Ok(Some(zone.name.clone())),
        None => Err(FieldError { field: Field::TimeZone, problem: Problem::Unknown }.into()),
    }
}

/// The longest zone name accepted (the tz database's longest is 32 characters).
const MAX_ZONE_CHARS: usize = 64;

/// A language: none (empty), `es` or `pt`.
pub fn checked_language(code: Option<&str>) -> Result<Option<String>, Error> {
    match code.map(str::trim).unwrap_or_default() {
        "" => Ok(None),
        code @ ("es" | "pt") => Ok(Some(code.to_owned())),
        _ => Err(FieldError { field: Field::Language, problem: Problem::Unknown }.into()),
    }
}

/// Sets the acting user's own time zone (e.g. the browser's, proposed at their first
/// login): checked as the administrator's user form checks it. Answers the zone as stored.
pub async fn set_time_zone(ctx: &Ctx, name: &str) -> Result<String, Error> {
    let zone = checked_time_zone(Some(name))?
        .ok_or(Error::from(FieldError { field: Field::TimeZone, problem: Problem::Required }))?;
    crate::store::users::set_time_zone(&ctx.db, ctx.actor.user, &zone).await?;
    Ok(zone)
}
