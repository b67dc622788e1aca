//! Slows down password guessing: after a few failed logins for one user name, or many from
//! one address, further attempts are refused (429) for a while that doubles with every
//! failure, up to a ceiling. The real user is never locked out for good: the wait ends,
//! and failures are forgotten an hour after the last one. It counts user names whether
//! they exist or not, so the answer never tells which do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Failed attempts for one user name before the waits begin.
const FREE_FAILURES_PER_USER: u32 = 5;
/// From one address (an office behind one NAT has many users), more.
const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The first wait; each further failure doubles it.
const FIRST_WAIT: Duration = Duration::from_secs(30);
/// The longest wait.
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures older than this, counted from the last one, are forgotten.
const MEMORY: Duration = Duration::from_secs(60 * 60);
/// Entries kept at most; beyond that the oldest are dropped, so a flood of made-up
/// names cannot grow the table without bound.
const MAX_ENTRIES: usize = 100_000;

/// Whose attempts are counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttemptKey {
    User(String),
    Address(std::net::IpAddr),
}

impl AttemptKey {
    /// User names are compared as the login compares them: trimmed, any case.
    pub fn user(username: &str) -> AttemptKey {
        AttemptKey::User(username.trim().to_lowercase())
    }

    fn free_failures(&self) -> u32 {
        match self {
            AttemptKey::User(_) => FREE_FAILURES_PER_USER,
            AttemptKey::Address(_) => FREE_FAILURES_PER_ADDRESS,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// When the next attempt is allowed, if it is not allowed now.
    fn allowed_from(&self, free: u32) -> Option<Instant> {
        // The failure that uses up the free ones starts the first wait.
        let over = self.count.checked_sub(free)?;
        let wait = FIRST_WAIT.saturating_mul(2u32.saturating_pow(over.min(16))).min(LONGEST_WAIT);
        Some(self.last + wait)
    }
}

/// The failed logins this server instance has seen (clones share them).
#[derive(Debug, Clone, Default)]
pub struct LoginThrottle {
    failures: Arc<Mutex<HashMap<AttemptKey, Failures>>>,
}

impl LoginThrottle {
    /// How long the caller must wait before trying again, if any of `keys` is throttled.
    pub fn wait_for(&self, keys: &[AttemptKey], now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.iter()
            .filter_map(|key| {
                let entry = failures.get(key)?;
                let allowed_from = entry.allowed_from(key.free_failures())?;
                allowed_from.checked_duration_since(now).filter(|wait| !wait.is_zero())
            })
            .max()
    }

    /// Counts a failed attempt against every key.
    pub fn failed(&self, keys: &[AttemptKey], now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if failures.len() >= MAX_ENTRIES {
            failures.retain(|_, entry| now.saturating_duration_since(entry.last) < MEMORY);
            if failures.len() >= MAX_ENTRIES {
                failures.clear();
            }
        }
        for key in keys {
            let entry = failures.entry(key.clone()).or_insert(Failures { count: 0, last: now });
            if now.saturating_duration_since(entry.last) >= MEMORY {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
        }
    }

    /// A successful login forgets the user name's failures (not the address's).
    pub fn succeeded(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        failures.remove(&AttemptKey::user(username));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(throttle: &LoginThrottle, keys: &[AttemptKey], times: u32, at: Instant) {
        for _ in 0..times {
            throttle.failed(keys, at);
        }
    }

    #[test]
    fn a_few_mistakes_cost_nothing_then_the_wait_doubles_up_to_a_ceiling() {
        let throttle = LoginThrottle::default();
        let ana = [AttemptKey::user("ana")];
        let start = Instant::now();
        fail(&throttle, &ana, FREE_FAILURES_PER_USER - 1, start);
        assert_eq!(throttle.wait_for(&ana, start), None, "a few mistakes do not throttle");
        throttle.failed(&ana, start);
        assert_eq!(throttle.wait_for(&ana, start), Some(FIRST_WAIT));
        throttle.failed(&ana, start);
        assert_eq!(throttle.wait_for(&ana, start), Some(FIRST_WAIT * 2));
        assert_eq!(throttle.wait_for(&ana, start + FIRST_WAIT), Some(FIRST_WAIT));
        fail(&throttle, &ana, 50, start);
        assert_eq!(throttle.wait_for(&ana, start), Some(LONGEST_WAIT));
    }

    #[test]
    fn the_wait_ends_and_old_failures_are_forgotten() {
        let throttle = LoginThrottle::default();
        let ana = [AttemptKey::user("ana")];
        let start = Instant::now();
        fail(&throttle, &ana, 60, start);
        assert_eq!(throttle.wait_for(&ana, start + LONGEST_WAIT), None, "never locked out for good");
        throttle.failed(&ana, start + MEMORY);
        assert_eq!(throttle.wait_for(&ana, start + MEMORY), None, "counting starts again after an hour");
    }

    #[test]
    fn names_are_counted_whether_they_exist_or_not_and_in_any_case() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        fail(&throttle, &[AttemptKey::user(" NoSuchUser ")], FREE_FAILURES_PER_USER, now);
        assert!(throttle.wait_for(&[AttemptKey::user("nosuchuser")], now).is_some());
        assert_eq!(throttle.wait_for(&[AttemptKey::user("ana")], now), None, "other users are not affected");
    }

    #[test]
    fn one_address_trying_many_names_is_throttled_and_success_clears_only_the_name() {
        let throttle = LoginThrottle::default();
        let address = AttemptKey::Address([10, 0, 0, 7].into());
        let now = Instant::now();
        for n in 0..FREE_FAILURES_PER_ADDRESS {
            throttle.failed(&[AttemptKey::user(&format!("guess{n}")), address.clone()], now);
        }
        assert!(throttle.wait_for(&[AttemptKey::user("ana"), address.clone()], now).is_some());
        throttle.succeeded("guess1");
        assert!(throttle.wait_for(&[address], now).is_some());
    }
}
