//! What the two outboxes (the webhooks' deliveries, `crate::webhooks`, and the e-mail,
//! `crate::mail`) share: when a failed attempt is tried again, when retrying ends, and
//! how their settings are read from the environment. Their claims (a lease written by one
//! statement, `FOR UPDATE SKIP LOCKED` on PostgreSQL) are in `store::webhooks::claim` and
//! `store::mail::claim`.

use std::time::Duration;

/// How a failed attempt is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// The wait after the first failed attempt, doubled after each further one…
    pub base: Duration,
    /// …up to this.
    pub max: Duration,
    /// How long after it was queued an item is retried.
    pub give_up_after: Duration,
}

impl Retry {
    /// The wait before the next attempt after `attempts` failed ones (1, 2, …).
    pub fn backoff(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.base.saturating_mul(2u32.saturating_pow(doublings)).min(self.max)
    }

    /// When to try an item queued at `created_at` (Unix seconds) again after `attempts`
    /// failed ones, at `now_ms`; `None` once that would be past its retries.
    pub fn next_attempt_ms(&self, now_ms: i64, attempts: i64, created_at: i64) -> Option<i64> {
        let millis = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        let next = now_ms.saturating_add(millis(self.backoff(attempts)));
        let give_up_at = created_at.saturating_mul(1000).saturating_add(millis(self.give_up_after));
        (next <= give_up_at).then_some(next)
    }
}

/// The whole number the variable `name` holds, if set; an error when it is set to
/// something else.
pub fn env_number(name: &str) -> Result<Option<u64>, String> {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => {
            text.trim().parse().map(Some).map_err(|_| format!("{name} must be a whole number, not `{text}`"))
        }
        _ => Ok(None),
    }
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap_and_retrying_ends() {
        let retry = Retry {
            base: Duration::from_secs(10),
            max: Duration::from_secs(3600),
            give_up_after: Duration::from_secs(86_400),
        };
        assert_eq!(retry.backoff(1), Duration::from_secs(10));
        assert_eq!(retry.backoff(2), Duration::from_secs(20));
        assert_eq!(retry.backoff(3), Duration::from_secs(40));
        assert_eq!(retry.backoff(20), Duration::from_secs(3600));
        assert_eq!(retry.backoff(i64::MAX), Duration::from_secs(3600));
        assert_eq!(retry.next_attempt_ms(1_000_000, 1, 1_000), Some(1_010_000));
        assert_eq!(retry.next_attempt_ms(1_000 * 1_000 + 86_400_000, 1, 1_000), None);
    }
}
