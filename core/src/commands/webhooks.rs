//! "Webhooks" (Administración): register a URL, its secret and its events; turn it off and
//! on, change its events, delete it; list each one's newest deliveries and send one again.
//! Each requires Administrar, as every administration command ([`super::admin::authorize`]),
//! and each change goes into the administration log (never the secret).
//! The deliveries themselves are queued by the execution log's appends and sent by the
//! worker (`crate::webhooks`).

use super::Ctx;
use crate::domain::validation::{check_length, check_required, Field, FieldError, Problem};
use crate::model::admin::AdminChange;
use crate::model::webhooks::{
    CreatedWebhook, WebhookDraft, WebhookEvent, WebhookSummary, DELIVERIES_SHOWN, MAX_SECRET_CHARS, MAX_URL_CHARS,
    MIN_SECRET_CHARS,
};
use crate::store::webhooks as store;
use crate::Error;

/// Every webhook with its newest deliveries.
pub async fn webhooks(ctx: &Ctx) -> Result<Vec<WebhookSummary>, Error> {
    super::admin::authorize(ctx)?;
    Ok(store::webhooks(&ctx.db, DELIVERIES_SHOWN).await?)
}

/// The URL, trimmed: an absolute `http://` or `https://` URL with a host, no spaces.
pub fn checked_url(url: &str) -> Result<String, FieldError> {
    let url = url.trim();
    check_required(Field::WebhookUrl, url)?;
    check_length(Field::WebhookUrl, url, MAX_URL_CHARS)?;
    let invalid = FieldError { field: Field::WebhookUrl, problem: Problem::OutOfRange };
    let parsed = reqwest::Url::parse(url).map_err(|_| invalid)?;
    let has_host = parsed.host_str().is_some_and(|host| !host.is_empty());
    if !matches!(parsed.scheme(), "http" | "https") || !has_host || url.chars().any(char::is_whitespace) {
        return Err(invalid);
    }
    Ok(url.to_owned())
}

/// The events, each once, in their order; at least one.
pub fn checked_events(events: &[WebhookEvent]) -> Result<Vec<WebhookEvent>, FieldError> {
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(FieldError { field: Field::WebhookEvents, problem: Problem::Required });
    }
    Ok(events)
}

/// The secret chosen (16 to 200 characters, no surrounding spaces), or, when empty, 32
/// random bytes in hex.
fn checked_secret(secret: &str) -> Result<String, FieldError> {
    if secret.is_empty() {
        return Ok(generated_secret());
    }
    if secret.trim() != secret || secret.chars().count() < MIN_SECRET_CHARS {
        return Err(FieldError { field: Field::WebhookSecret, problem: Problem::TooShort { min: MIN_SECRET_CHARS } });
    }
    check_length(Field::WebhookSecret, secret, MAX_SECRET_CHARS)?;
    Ok(secret.to_owned())
}

/// 32 bytes of the operating system's random source, in hex.
fn generated_secret() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Registers a webhook, active; the answer carries its secret, shown once.
pub async fn create_webhook(ctx: &Ctx, draft: &WebhookDraft) -> Result<CreatedWebhook, Error> {
    super::admin::authorize(ctx)?;
    let url = checked_url(&draft.url)?;
    let events = checked_events(&draft.events)?;
    let secret = checked_secret(&draft.secret)?;
    let mut tx = ctx.db.begin_write().await?;
    let id = store::insert_webhook(&mut tx, &url, &secret, &events, ctx.actor.user, ctx.now).await?;
    let change = AdminChange::WebhookCreated { webhook: id, url: url.clone(), events: events.clone() };
    super::admin::finish(ctx, tx, &change).await?;
    let webhook = WebhookSummary { id, url, events, active: true, created_at: ctx.now, deliveries: Vec::new() };
    Ok(CreatedWebhook { webhook, secret })
}

/// Sets the webhook's events; its deliveries already queued stay queued.
pub async fn set_events(ctx: &Ctx, id: i64, events: &[WebhookEvent]) -> Result<(), Error> {
    super::admin::authorize(ctx)?;
    let events = checked_events(events)?;
    let mut tx = ctx.db.begin_write().await?;
    let before = store::registered(&mut tx, id).await?.ok_or(Error::NotFound)?;
    if before.events == events {
        return Ok(());
    }
    store::set_events(&mut tx, id, &events).await?;
    let change =
        AdminChange::WebhookEventsChanged { webhook: id, url: before.url, before: before.events, after: events };
    super::admin::finish(ctx, tx, &change).await
}

/// Turns the webhook off (no new deliveries are queued for it; those queued are still
/// sent) or on again.
pub async fn set_active(ctx: &Ctx, id: i64, active: bool) -> Result<(), Error> {
    super::admin::authorize(ctx)?;
    let mut tx = ctx.db.begin_write().await?;
    let webhook = store::registered(&mut tx, id).await?.ok_or(Error::NotFound)?;
    if webhook.active == active {
        return Ok(());
    }
    store::set_active(&mut tx, id, active).await?;
    let change = if active {
        AdminChange::WebhookReactivated { webhook: id, url: webhook.url }
    } else {
        AdminChange::WebhookDeactivated { webhook: id, url: webhook.url }
    };
    super::admin::finish(ctx, tx, &change).await
}

/// Deletes the webhook and its deliveries, sent or not.
pub async fn delete_webhook(ctx: &Ctx, id: i64) -> Result<(), Error> {
    super::admin::authorize(ctx)?;
    let mut tx = ctx.db.begin_write().await?;
    let webhook = store::registered(&mut tx, id).await?.ok_or(Error::NotFound)?;
    store::delete(&mut tx, id).await?;
    super::admin::finish(ctx, tx, &AdminChange::WebhookDeleted { webhook: id, url: webhook.url }).await
}

/// "Reenviar": queues the delivery again, to be sent at once, with a fresh day of retries.
pub async fn send_again(ctx: &Ctx, delivery: i64) -> Result<(), Error> {
    super::admin::authorize(ctx)?;
    let mut tx = ctx.db.begin_write().await?;
    if !store::send_again(&mut tx, delivery, ctx.now.saturating_mul(1000)).await? {
        return Err(Error::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_or_https_with_a_host() {
        assert_eq!(
            checked_url(" https://hooks.example.com/desk ").ok().as_deref(),
            Some("https://hooks.example.com/desk")
        );
        assert!(checked_url("http://127.0.0.1:9000/x").is_ok());
        for bad in ["", "ftp://example.com/", "javascript:alert(1)", "file:///etc/passwd", "http://", "example.com"] {
            assert!(checked_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_are_long_enough_or_generated() {
        assert!(checked_secret("short").is_err());
        assert!(checked_secret(" sixteen-chars-secret ").is_err());
        assert_eq!(checked_secret("0123456789abcdef").ok().as_deref(), Some("0123456789abcdef"));
        let (a, b) = (checked_secret("").unwrap_or_default(), checked_secret("").unwrap_or_default());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn an_empty_event_set_is_refused() {
        assert!(checked_events(&[]).is_err());
        let events = checked_events(&[WebhookEvent::Captured, WebhookEvent::Registered, WebhookEvent::Captured]);
        assert_eq!(events.ok(), Some(vec![WebhookEvent::Registered, WebhookEvent::Captured]));
    }
}
