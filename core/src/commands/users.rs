//! Users and groups as an operator creates them at the command line (the first
//! administrator, scripted set-ups) and the demo loads them. The checks are the ones a
//! user's own password change makes; the administration pages have their own commands
//! (`commands::admin`).

use super::Desk;
use crate::domain::validation::{
    check_length, check_new_password, check_required, Field, FieldError, Problem, MAX_TITLE_CHARS, MAX_USERNAME_CHARS,
};
use crate::domain::{GroupId, Permission, UserId};
use crate::store::users::{self, CreateUserError};
use crate::Error;

/// A user to create, member of `groups` (by name).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub password: String,
    pub groups: Vec<String>,
}

/// The group `create-admin` puts the first administrator in, holding Administrar.
pub const ADMINISTRATORS: &str = "Administradores";

/// Why the first administrator could not be created.
#[derive(Debug, thiserror::Error)]
pub enum FirstAdminError {
    #[error("the database already has users: administrators add the others in Administración > Usuarios")]
    UsersExist,
    #[error("{0}")]
    Refused(#[from] Error),
}

/// The first administrator of a desk without users (`releasedesk create-admin`): the group
/// [`ADMINISTRATORS`] with Administrar, and the user in it.
pub async fn create_first_admin(
    desk: &Desk,
    username: &str,
    full_name: &str,
    password: &str,
) -> Result<UserId, FirstAdminError> {
    if users::count_users(&desk.db).await.map_err(Error::from)? > 0 {
        return Err(FirstAdminError::UsersExist);
    }
    ensure_group(desk, &GroupSpec { name: ADMINISTRATORS.into(), permissions: vec![Permission::Administer] }).await?;
    let user = NewUser {
        username: username.into(),
        full_name: full_name.into(),
        password: password.into(),
        groups: vec![ADMINISTRATORS.into()],
    };
    Ok(create_user(desk, &user).await?)
}

/// A group and the permissions it must hold at least.
#[derive(Debug, Clone)]
pub struct GroupSpec {
    pub name: String,
    pub permissions: Vec<Permission>,
}

/// Creates the user with a hash of their password. A taken user name or an unknown group
/// is refused as a problem of that field.
pub async fn create_user(desk: &Desk, user: &NewUser) -> Result<UserId, Error> {
    check_required(Field::Username, &user.username)?;
    check_length(Field::Username, &user.username, MAX_USERNAME_CHARS)?;
    check_required(Field::FullName, &user.full_name)?;
    check_length(Field::FullName, &user.full_name, MAX_TITLE_CHARS)?;
    check_new_password(&user.password, &user.password)?;
    let groups: Vec<&str> = user.groups.iter().map(String::as_str).collect();
    users::create_user(&desk.db, user.username.trim(), user.full_name.trim(), &user.password, &groups).await.map_err(
        |error| match error {
            CreateUserError::Taken(_) => FieldError { field: Field::Username, problem: Problem::Taken }.into(),
            CreateUserError::UnknownGroup(_) => FieldError { field: Field::Groups, problem: Problem::Unknown }.into(),
            CreateUserError::Hashing(_) => Error::Internal,
            CreateUserError::Database(error) => error.into(),
        },
    )
}

/// Creates the group, or adds the permissions it lacks to the existing one of that name.
pub async fn ensure_group(desk: &Desk, group: &GroupSpec) -> Result<GroupId, Error> {
    check_required(Field::GroupName, &group.name)?;
    check_length(Field::GroupName, &group.name, MAX_TITLE_CHARS)?;
    Ok(users::ensure_group(&desk.db, group.name.trim(), &group.permissions).await?)
}
