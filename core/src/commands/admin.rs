//! The administration's use cases: users (list, create, edit, deactivate, reactivate, reset
//! the password) and groups (create, rename, permissions); the catalogues are in
//! [`super::catalogues`]. Each requires Administrar of the
//! acting user, validates, and writes its change and the administration log's entry in one
//! transaction; none may leave the desk without an active administrator.

use super::Ctx;
use crate::auth::hashing;
use crate::domain::flow::Refusal;
use crate::domain::validation::{check_email, check_length, check_required, Field, FieldError, Problem};
use crate::domain::validation::{MAX_TITLE_CHARS, MAX_USERNAME_CHARS};
use crate::domain::{GroupId, Permission, UserId};
use crate::model::admin::{
    AdminChange, AdminChangeKind, AdminLogPage, GroupDraft, GroupSummary, TemporaryPassword, UserDraft, UserRecord,
    UsersPage, LOG_SHOWN, USERS_SHOWN,
};
use crate::store::admin as store;
use crate::Error;
use sqlx::AnyConnection;

/// Refuses (403) an actor none of whose groups holds Administrar.
pub fn authorize(ctx: &Ctx) -> Result<(), Error> {
    if ctx.actor.may(Permission::Administer) {
        Ok(())
    } else {
        Err(Refusal::GroupLacksPermission { permission: Permission::Administer }.into())
    }
}

/// "Usuarios": the users whose user name or full name contains `search`, and every group.
pub async fn users(ctx: &Ctx, search: &str) -> Result<UsersPage, Error> {
    authorize(ctx)?;
    check_length(Field::Search, search, crate::domain::validation::MAX_SEARCH_CHARS)?;
    let mut users = store::users(&ctx.db, search, USERS_SHOWN + 1).await?;
    let more = users.len() > USERS_SHOWN;
    users.truncate(USERS_SHOWN);
    Ok(UsersPage { users, more, groups: store::groups(&ctx.db).await? })
}

/// "Registro de administración": the newest changes, of `kind` when given.
pub async fn changes(ctx: &Ctx, kind: Option<AdminChangeKind>) -> Result<AdminLogPage, Error> {
    authorize(ctx)?;
    let mut entries = store::changes(&ctx.db, kind, LOG_SHOWN as i64 + 1).await?;
    let more = entries.len() > LOG_SHOWN;
    entries.truncate(LOG_SHOWN);
    Ok(AdminLogPage { entries, more, groups: store::groups(&ctx.db).await? })
}

/// The draft, trimmed and checked against every group (`known`): the full name required
/// and not too long, the e-mail empty or well formed, the time zone none or one of the tz
/// database's, the language none, es or pt, the groups existing ones, each once.
/// The user name is checked at creation only: it never changes.
fn checked(draft: &UserDraft, known: &[GroupSummary]) -> Result<UserDraft, Error> {
    let full_name = draft.full_name.trim();
    check_required(Field::FullName, full_name)?;
    check_length(Field::FullName, full_name, MAX_TITLE_CHARS)?;
    let email = draft.email.trim();
    check_email(email)?;
    let mut groups = draft.groups.clone();
    groups.sort();
    groups.dedup();
    if !groups.iter().all(|group| known.iter().any(|k| k.id == *group)) {
        return Err(FieldError { field: Field::Groups, problem: Problem::Unknown }.into());
    }
    Ok(UserDraft {
        username: draft.username.trim().to_owned(),
        full_name: full_name.to_owned(),
        email: email.to_owned(),
        groups,
        time_zone: super::account::checked_time_zone(draft.time_zone.as_deref())?,
        language: super::account::checked_language(draft.language.as_deref())?,
    })
}

/// A temporary password: 12 letters and digits from the operating system's random source,
/// without the look-alikes (0/O, 1/l/I).
fn temporary_password() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    // Bytes at or above the last whole multiple of the alphabet's length are drawn again,
    // so that every character is equally likely.
    let limit = 256 - 256 % ALPHABET.len();
    let mut password = String::with_capacity(12);
    while password.len() < 12 {
        let mut byte = [0u8; 1];
        OsRng.fill_bytes(&mut byte);
        if usize::from(byte[0]) < limit {
            password.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        }
    }
    password
}

async fn hash_off_thread(password: &str) -> Result<String, Error> {
    let password = password.to_owned();
    hashing::run(move || hashing::hash(&password)).await.ok_or(Error::Unavailable)?.map_err(|error| {
        tracing::error!(%error, "password hashing failed");
        Error::Internal
    })
}

/// Ends a change: refuses it when no active user would hold Administrar any more (the last
/// administrator leaving their group, deactivating themselves, or their group losing the
/// permission), else logs it and commits. Counted inside the transaction, after the write.
pub(super) async fn finish(ctx: &Ctx, mut tx: crate::store::WriteTx, change: &AdminChange) -> Result<(), Error> {
    if store::active_administrators(&mut tx).await? == 0 {
        return Err(Refusal::LastAdministrator.into());
    }
    store::append_change(&mut tx, ctx.actor.user, ctx.now, change).await?;
    tx.commit().await?;
    // Users, groups or permissions changed (or a catalogue: rare enough to forget them too).
    ctx.db.configuration_changed();
    Ok(())
}

/// Creates a user with a temporary password, shown once in the answer.
pub async fn create_user(ctx: &Ctx, draft: &UserDraft) -> Result<TemporaryPassword, Error> {
    authorize(ctx)?;
    let draft = checked(draft, &store::groups(&ctx.db).await?)?;
    check_required(Field::Username, &draft.username)?;
    check_length(Field::Username, &draft.username, MAX_USERNAME_CHARS)?;
    let password = temporary_password();
    let hash = hash_off_thread(&password).await?;
    let mut after = UserRecord {
        id: UserId(0),
        username: draft.username,
        full_name: draft.full_name,
        email: draft.email,
        active: true,
        must_change_password: true,
        groups: draft.groups,
        time_zone: draft.time_zone,
        language: draft.language,
    };
    let mut tx = ctx.db.begin_write().await?;
    let Some(id) = store::insert_user(&mut tx, &after, &hash, ctx.now).await? else {
        return Err(FieldError { field: Field::Username, problem: Problem::Taken }.into());
    };
    after.id = id;
    let username = after.username.clone();
    finish(ctx, tx, &AdminChange::UserCreated { after }).await?;
    Ok(TemporaryPassword { user: id, username, password })
}

/// The user as stored, or 404.
async fn existing(tx: &mut AnyConnection, id: UserId) -> Result<UserRecord, Error> {
    store::user(tx, id).await?.ok_or(Error::NotFound)
}

/// Changes a user's full name, e-mail, time zone, language and groups. The user name stays.
pub async fn update_user(ctx: &Ctx, id: UserId, draft: &UserDraft) -> Result<UserRecord, Error> {
    authorize(ctx)?;
    // Read through the pool before the write transaction starts: while it runs, the pool
    // may be taken by writers waiting for it.
    let draft = checked(draft, &store::groups(&ctx.db).await?)?;
    let mut tx = ctx.db.begin_write().await?;
    let before = existing(&mut tx, id).await?;
    let after = UserRecord {
        full_name: draft.full_name,
        email: draft.email,
        groups: draft.groups,
        time_zone: draft.time_zone,
        language: draft.language,
        ..before.clone()
    };
    if after == before {
        return Ok(after);
    }
    store::update_user(&mut tx, &after).await?;
    finish(ctx, tx, &AdminChange::UserUpdated { before, after: after.clone() }).await?;
    Ok(after)
}

/// Deactivates (`active == false`) or reactivates a user. A deactivated user cannot log in,
/// and their open sessions end at their next request. Nobody is ever deleted: the logs
/// keep their names.
pub async fn set_active(ctx: &Ctx, id: UserId, active: bool) -> Result<UserRecord, Error> {
    authorize(ctx)?;
    let mut tx = ctx.db.begin_write().await?;
    let before = existing(&mut tx, id).await?;
    if before.active == active {
        return Ok(before);
    }
    store::set_active(&mut tx, id, active).await?;
    let after = UserRecord { active, ..before };
    let (user, username) = (after.id, after.username.clone());
    let change = if active {
        AdminChange::UserReactivated { user, username }
    } else {
        AdminChange::UserDeactivated { user, username }
    };
    finish(ctx, tx, &change).await?;
    Ok(after)
}

/// Gives a user a new temporary password, shown once in the answer; every session of the
/// user ends, and they must change it at their next login.
pub async fn reset_password(ctx: &Ctx, id: UserId) -> Result<TemporaryPassword, Error> {
    authorize(ctx)?;
    let password = temporary_password();
    let hash = hash_off_thread(&password).await?;
    let mut tx = ctx.db.begin_write().await?;
    let user = existing(&mut tx, id).await?;
    store::set_temporary_password(&mut tx, id, &hash).await?;
    finish(ctx, tx, &AdminChange::PasswordReset { user: id, username: user.username.clone() }).await?;
    Ok(TemporaryPassword { user: id, username: user.username, password })
}

/// "Grupos": every group with its permissions.
pub async fn groups(ctx: &Ctx) -> Result<Vec<GroupSummary>, Error> {
    authorize(ctx)?;
    Ok(store::groups(&ctx.db).await?)
}

/// The group draft, trimmed and checked: a name, not too long; each permission once.
fn checked_group(draft: &GroupDraft) -> Result<GroupDraft, Error> {
    let name = draft.name.trim();
    check_required(Field::GroupName, name)?;
    check_length(Field::GroupName, name, MAX_TITLE_CHARS)?;
    let mut permissions = draft.permissions.clone();
    permissions.sort();
    permissions.dedup();
    Ok(GroupDraft { name: name.to_owned(), permissions })
}

/// Creates a group with its permissions. A taken name is refused.
pub async fn create_group(ctx: &Ctx, draft: &GroupDraft) -> Result<GroupSummary, Error> {
    authorize(ctx)?;
    let draft = checked_group(draft)?;
    let mut tx = ctx.db.begin_write().await?;
    let Some(id) = store::insert_group(&mut tx, &draft.name).await? else {
        return Err(FieldError { field: Field::GroupName, problem: Problem::Taken }.into());
    };
    store::set_permissions(&mut tx, id, &draft.permissions).await?;
    let after = GroupSummary { id, name: draft.name, permissions: draft.permissions };
    finish(ctx, tx, &AdminChange::GroupCreated { after: after.clone() }).await?;
    Ok(after)
}

/// Renames a group and sets its permissions; its members have them from their next request.
pub async fn update_group(ctx: &Ctx, id: GroupId, draft: &GroupDraft) -> Result<GroupSummary, Error> {
    authorize(ctx)?;
    let draft = checked_group(draft)?;
    let mut tx = ctx.db.begin_write().await?;
    let before = store::group(&mut tx, id).await?.ok_or(Error::NotFound)?;
    let after = GroupSummary { id, name: draft.name, permissions: draft.permissions };
    if after == before {
        return Ok(after);
    }
    if after.name != before.name && !store::rename_group(&mut tx, id, &after.name).await? {
        return Err(FieldError { field: Field::GroupName, problem: Problem::Taken }.into());
    }
    store::set_permissions(&mut tx, id, &after.permissions).await?;
    finish(ctx, tx, &AdminChange::GroupUpdated { before, after: after.clone() }).await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_passwords_are_long_enough_and_differ() {
        let (a, b) = (temporary_password(), temporary_password());
        assert_eq!(a.chars().count(), 12);
        assert!(a.len() >= crate::domain::validation::MIN_PASSWORD_CHARS);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() && !"0O1lI".contains(c)), "{a}");
        assert_ne!(a, b);
    }
}
