//! The webhooks' delivery worker: claims the due deliveries of the outbox
//! (`store::webhooks`), POSTs each one's JSON body to its webhook, signed, and records the
//! answer: a 2xx delivers it; anything else (another status, a timeout, no connection) is
//! retried with exponential backoff until a day has passed, then it has failed.
//!
//! Every request carries `X-ReleaseDesk-Event` (the event's code), `X-ReleaseDesk-Delivery`
//! (the delivery's id: the same on every attempt, so a receiver can drop repeats) and
//! `X-ReleaseDesk-Signature: sha256=HEX`, the HMAC-SHA256 of the raw body with the
//! webhook's secret.

use crate::outbox::now_ms;
use crate::store::webhooks::{self as store, Attempt, Claimed};
use crate::store::Db;
use std::time::Duration;

/// The worker's settings, from the environment ([`Settings::from_env`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `WEBHOOK_POLL_MS`: how often the worker looks for due deliveries (250 ms).
    pub poll: Duration,
    /// `WEBHOOK_RETRY_BASE_MS`: the wait after the first failed attempt (10 s), doubled
    /// after each further one…
    pub retry_base: Duration,
    /// `WEBHOOK_RETRY_MAX_MS`: …up to this (1 h).
    pub retry_max: Duration,
    /// `WEBHOOK_GIVE_UP_AFTER_S`: how long after its event a delivery is retried (1 day).
    pub give_up_after: Duration,
    /// `WEBHOOK_TIMEOUT_MS`: how long one attempt may take (10 s). A delivery is leased for
    /// three times this: an instance that dies mid-delivery leaves it to another after that.
    pub timeout: Duration,
    /// How many deliveries one step claims (and sends at once, to different releases).
    pub batch: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            poll: Duration::from_millis(250),
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(86_400),
            timeout: Duration::from_secs(10),
            batch: 16,
        }
    }
}

impl Settings {
    /// The settings the environment gives; a value that is not a whole number is an error.
    pub fn from_env() -> Result<Settings, String> {
        let mut settings = Settings::default();
        let read = crate::outbox::env_number;
        if let Some(ms) = read("WEBHOOK_POLL_MS")? {
            settings.poll = Duration::from_millis(ms.max(10));
        }
        if let Some(ms) = read("WEBHOOK_RETRY_BASE_MS")? {
            settings.retry_base = Duration::from_millis(ms);
        }
        if let Some(ms) = read("WEBHOOK_RETRY_MAX_MS")? {
            settings.retry_max = Duration::from_millis(ms);
        }
        if let Some(s) = read("WEBHOOK_GIVE_UP_AFTER_S")? {
            settings.give_up_after = Duration::from_secs(s);
        }
        if let Some(ms) = read("WEBHOOK_TIMEOUT_MS")? {
            settings.timeout = Duration::from_millis(ms.max(100));
        }
        Ok(settings)
    }

    /// How a failed delivery is retried.
    pub fn retry(&self) -> crate::outbox::Retry {
        crate::outbox::Retry { base: self.retry_base, max: self.retry_max, give_up_after: self.give_up_after }
    }
}

/// `sha256=HEX`: the HMAC-SHA256 of `body` with `secret`, as `X-ReleaseDesk-Signature`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    // HMAC takes a key of any length.
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Sends the due deliveries of one database.
#[derive(Clone)]
pub struct Worker {
    db: Db,
    client: reqwest::Client,
    settings: Settings,
}

impl Worker {
    pub fn new(db: Db, settings: Settings) -> Result<Worker, String> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ReleaseDesk-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| format!("cannot set up the webhooks' HTTP client: {error}"))?;
        Ok(Worker { db, client, settings })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether a delivery is due: one read of the pending deliveries' index, so that an
    /// idle worker does not take SQLite's one writer.
    async fn anything_due(&self, now: i64) -> Result<bool, sqlx::Error> {
        let due: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_ms <= $1
                AND locked_until_ms <= $1 LIMIT 1",
        )
        .bind(now)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(due.is_some())
    }

    /// One step: claims the due deliveries (at most a batch), sends them at once and
    /// records each answer; answers how many it claimed.
    pub async fn deliver_due(&self) -> Result<usize, crate::Error> {
        let now = now_ms();
        if !self.anything_due(now).await? {
            return Ok(0);
        }
        let lease = i64::try_from(self.settings.timeout.as_millis().saturating_mul(3)).unwrap_or(i64::MAX);
        let claimed = store::claim(&self.db, now, lease, self.settings.batch).await?;
        let count = claimed.len();
        let sends = claimed.into_iter().map(|delivery| async move {
            let attempt = self.attempt(&delivery).await;
            if let Err(error) = store::record(&self.db, delivery.id, &attempt).await {
                // Its lease ends and it is tried again: delivered twice at worst, never lost.
                tracing::warn!(%error, delivery = delivery.id, "cannot record a webhook delivery's attempt");
            }
        });
        futures_util::future::join_all(sends).await;
        Ok(count)
    }

    /// Sends one delivery and says what became of it.
    async fn attempt(&self, delivery: &Claimed) -> Attempt {
        let body = delivery.payload.clone().into_bytes();
        let request = self
            .client
            .post(&delivery.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-ReleaseDesk-Event", &delivery.event)
            .header("X-ReleaseDesk-Delivery", delivery.id.to_string())
            .header("X-ReleaseDesk-Signature", signature(&delivery.secret, &body))
            .body(body);
        let (status_code, error) = match request.send().await {
            Ok(response) if response.status().is_success() => {
                let status_code = i64::from(response.status().as_u16());
                return Attempt::Delivered { status_code, at: now_ms() / 1000 };
            }
            Ok(response) => {
                let status = response.status();
                (Some(i64::from(status.as_u16())), format!("HTTP {status}"))
            }
            Err(error) => (None, describe(&error)),
        };
        tracing::info!(delivery = delivery.id, attempts = delivery.attempts, %error, "webhook delivery failed");
        match self.settings.retry().next_attempt_ms(now_ms(), delivery.attempts, delivery.created_at) {
            Some(next_attempt_ms) => Attempt::Retry { status_code, error, next_attempt_ms },
            None => Attempt::GiveUp { status_code, error },
        }
    }
}

/// What went wrong with a request that got no answer, in a few words.
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_builder() {
        "unusable URL"
    } else {
        "request failed"
    };
    let mut text = what.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text = format!("{what}: {cause}");
        source = cause.source();
    }
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
