//! The administration's server functions: each checks the session and Administrar through
//! the command it calls (`releasedesk_core::commands::admin`).

use crate::codec::StrictJson;
use crate::domain::{GroupId, UserId};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::session::ctx;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use releasedesk_core::commands::catalogues;
pub use releasedesk_core::model::admin::*;
pub use releasedesk_core::model::catalogues::*;
pub use releasedesk_core::model::webhooks::*;

#[server(prefix = "/api", endpoint = "admin_users", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_users(search: String) -> Result<UsersPage, AppError> {
    Ok(releasedesk_core::commands::admin::users(&ctx().await?, &search).await?)
}

/// Creates a user; the answer carries their temporary password, shown once.
#[server(prefix = "/api", endpoint = "admin_create_user", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_create_user(draft: UserDraft) -> Result<TemporaryPassword, AppError> {
    Ok(releasedesk_core::commands::admin::create_user(&ctx().await?, &draft).await?)
}

#[server(prefix = "/api", endpoint = "admin_update_user", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_update_user(id: UserId, draft: UserDraft) -> Result<UserRecord, AppError> {
    Ok(releasedesk_core::commands::admin::update_user(&ctx().await?, id, &draft).await?)
}

/// Deactivates (`active: false`) or reactivates a user.
#[server(prefix = "/api", endpoint = "admin_set_active", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_set_active(id: UserId, active: bool) -> Result<UserRecord, AppError> {
    Ok(releasedesk_core::commands::admin::set_active(&ctx().await?, id, active).await?)
}

/// Gives the user a new temporary password, shown once.
#[server(prefix = "/api", endpoint = "admin_reset_password", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_reset_password(id: UserId) -> Result<TemporaryPassword, AppError> {
    Ok(releasedesk_core::commands::admin::reset_password(&ctx().await?, id).await?)
}

#[server(prefix = "/api", endpoint = "admin_groups", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_groups() -> Result<Vec<GroupSummary>, AppError> {
    Ok(releasedesk_core::commands::admin::groups(&ctx().await?).await?)
}

#[server(prefix = "/api", endpoint = "admin_create_group", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_create_group(draft: GroupDraft) -> Result<GroupSummary, AppError> {
    Ok(releasedesk_core::commands::admin::create_group(&ctx().await?, &draft).await?)
}

/// Renames a group and sets its permissions.
#[server(prefix = "/api", endpoint = "admin_update_group", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_update_group(id: GroupId, draft: GroupDraft) -> Result<GroupSummary, AppError> {
    Ok(releasedesk_core::commands::admin::update_group(&ctx().await?, id, &draft).await?)
}

#[server(prefix = "/api", endpoint = "admin_log", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_log(kind: Option<AdminChangeKind>) -> Result<AdminLogPage, AppError> {
    Ok(releasedesk_core::commands::admin::changes(&ctx().await?, kind).await?)
}

/// The administration log (of `kind`, when given) as CSV in `language` (es or pt), times
/// in the administrator's zone.
#[server(prefix = "/api", endpoint = "admin_log_csv", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_log_csv(kind: Option<AdminChangeKind>, language: String) -> Result<String, AppError> {
    use crate::error::Error;
    let ctx = ctx().await?;
    let locale = match language.as_str() {
        "es" => crate::i18n::Locale::es,
        "pt" => crate::i18n::Locale::pt,
        _ => return Err(Error::Request { message: "the language must be es or pt".into() }.into()),
    };
    let page = releasedesk_core::commands::admin::changes(&ctx, kind).await?;
    let zone = crate::time_zone::request_zone().await?;
    super::log::log_csv(locale, &zone, &page).map_err(|error| {
        tracing::error!(%error, "cannot write the administration log as CSV");
        Error::Internal.into()
    })
}

#[server(prefix = "/api", endpoint = "admin_catalogue", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_catalogue(catalogue: Catalogue) -> Result<Vec<CatalogueItem>, AppError> {
    Ok(catalogues::items(&ctx().await?, catalogue).await?)
}

#[server(prefix = "/api", endpoint = "admin_create_item", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_create_item(catalogue: Catalogue, draft: CatalogueDraft) -> Result<CatalogueItem, AppError> {
    Ok(catalogues::create_item(&ctx().await?, catalogue, &draft).await?)
}

/// Changes an item, or retires it or offers it again.
#[server(prefix = "/api", endpoint = "admin_update_item", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_update_item(
    catalogue: Catalogue,
    id: i64,
    draft: CatalogueDraft,
) -> Result<CatalogueItem, AppError> {
    Ok(catalogues::update_item(&ctx().await?, catalogue, id, &draft).await?)
}

/// "Exportar CSV": the catalogue as the file "Importar CSV" reads.
#[server(prefix = "/api", endpoint = "admin_export_catalogue", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_export_catalogue(catalogue: Catalogue) -> Result<String, AppError> {
    Ok(catalogues::export_csv(&ctx().await?, catalogue).await?)
}

/// "Importar CSV": the preview of `file` (its bytes in base64), or, with `apply`, its
/// import: all lines or none.
#[server(prefix = "/api", endpoint = "admin_import_catalogue", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_import_catalogue(catalogue: Catalogue, file: String, apply: bool) -> Result<ImportReport, AppError> {
    use base64::Engine as _;
    let ctx = ctx().await?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(file.as_bytes())
        .map_err(|_| crate::error::Error::Request { message: "the file must be sent in base64".into() })?;
    Ok(catalogues::import_csv(&ctx, catalogue, &bytes, apply).await?)
}

#[server(prefix = "/api", endpoint = "admin_webhooks", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_webhooks() -> Result<Vec<WebhookSummary>, AppError> {
    Ok(releasedesk_core::commands::webhooks::webhooks(&ctx().await?).await?)
}

/// Registers a webhook; the answer carries its secret (the one given or a generated one),
/// shown once.
#[server(prefix = "/api", endpoint = "admin_create_webhook", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_create_webhook(draft: WebhookDraft) -> Result<CreatedWebhook, AppError> {
    Ok(releasedesk_core::commands::webhooks::create_webhook(&ctx().await?, &draft).await?)
}

#[server(prefix = "/api", endpoint = "admin_set_webhook_events", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_set_webhook_events(id: i64, events: Vec<WebhookEvent>) -> Result<(), AppError> {
    Ok(releasedesk_core::commands::webhooks::set_events(&ctx().await?, id, &events).await?)
}

/// Turns a webhook off (`active: false`) or on.
#[server(prefix = "/api", endpoint = "admin_set_webhook_active", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_set_webhook_active(id: i64, active: bool) -> Result<(), AppError> {
    Ok(releasedesk_core::commands::webhooks::set_active(&ctx().await?, id, active).await?)
}

#[server(prefix = "/api", endpoint = "admin_delete_webhook", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_delete_webhook(id: i64) -> Result<(), AppError> {
    Ok(releasedesk_core::commands::webhooks::delete_webhook(&ctx().await?, id).await?)
}

/// "Reenviar": queues a delivery again, to be sent at once.
#[server(prefix = "/api", endpoint = "admin_send_again", input = StrictJson, output = crate::codec::JsonText)]
pub async fn admin_send_again(delivery: i64) -> Result<(), AppError> {
    Ok(releasedesk_core::commands::webhooks::send_again(&ctx().await?, delivery).await?)
}
