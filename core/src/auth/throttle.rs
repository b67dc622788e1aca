//! Slows down password guessing, also when the guesses arrive all at once.
//!
//! Every attempt first takes a slot for each of its keys (the user name, and the client's
//! address when it is known) and only then is the password checked: the attempt counts
//! before its answer is known, so a burst of parallel guesses cannot all be checked while
//! the first ones are still hashing. A failure is recorded on every key; a success frees the
//! user name's record.
//!
//! - **A user name locks.** After 5 failures (or 5 checks in flight) further attempts for
//!   it are refused (429) for a while that doubles with every failure (30 s up to 15 min).
//!   When the wait ends, one check at a time. The real user is never locked out for good:
//!   failures are forgotten an hour after the last one.
//! - **An address slows.** Many people may share one address (an office's NAT, a reverse
//!   proxy), so an address never locks: after 20 failures it is allowed one check every
//!   2 s (before that, at most 32 checks in flight at a time). An attacker behind a shared address
//!   locks the names they guess, not the other users of that address.
//! - IPv6 addresses are counted by their /64: one host usually holds a whole /64.
//!
//! Unknown user names are counted like real ones, so the answer never tells which exist.
//! The table is bounded: when full, forgotten and then the oldest unthrottled records make
//! room; a record that is throttling now is never dropped to make room (a new key is then
//! refused for a few seconds instead).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Failed attempts for one user name before the waits begin.
const FREE_FAILURES_PER_USER: u32 = 5;
/// From one address (an office behind one NAT has many users), more.
const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// Checks in flight for one address at most, however few its failures. Generous: the
/// people behind one address may log in at the same moment (a class, a benchmark).
const MAX_IN_FLIGHT_PER_ADDRESS: u32 = 32;
/// Past its free failures, an address gets one check per this interval.
const ADDRESS_SPACING: Duration = Duration::from_secs(2);
/// The first wait of a user name; each further failure doubles it.
const FIRST_WAIT: Duration = Duration::from_secs(30);
/// The longest wait.
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures older than this, counted from the last one, are forgotten.
const MEMORY: Duration = Duration::from_secs(60 * 60);
/// What a refused attempt is told to wait when it is refused for checks in flight (they
/// end within a second) or for a full table.
const BUSY_WAIT: Duration = Duration::from_secs(1);
const FULL_WAIT: Duration = Duration::from_secs(5);
/// Records kept at most, so a flood of made-up names cannot grow the table without bound.
const MAX_ENTRIES: usize = 100_000;

/// Whose attempts are counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttemptKey {
    User(String),
    Address(IpAddr),
}

impl AttemptKey {
    /// User names are compared as the login compares them: trimmed, any case.
    pub fn user(username: &str) -> AttemptKey {
        AttemptKey::User(username.trim().to_lowercase())
    }

    /// A client address: IPv4 as it is (also when written as IPv4-mapped IPv6), IPv6 by
    /// its /64 network.
    pub fn address(address: IpAddr) -> AttemptKey {
        match address.to_canonical() {
            IpAddr::V6(v6) => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                AttemptKey::Address(IpAddr::V6(network.into()))
            }
            v4 => AttemptKey::Address(v4),
        }
    }
}

/// What the table knows of one key.
#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last_failure: Instant,
    in_flight: u32,
    /// An address past its free failures may start its next check from then.
    next_slot: Instant,
    /// The last attempt or answer: the oldest are dropped first when the table is full.
    touched: Instant,
}

impl Record {
    fn new(now: Instant) -> Record {
        Record { failures: 0, last_failure: now, in_flight: 0, next_slot: now, touched: now }
    }

    /// Forgets failures older than `MEMORY`.
    fn refresh(&mut self, now: Instant) {
        if self.failures > 0 && now.saturating_duration_since(self.last_failure) >= MEMORY {
            self.failures = 0;
        }
    }

    /// How long an attempt for this key must wait, if it may not start now.
    fn wait(&self, key: &AttemptKey, now: Instant) -> Option<Duration> {
        let until = |at: Instant| at.checked_duration_since(now).filter(|wait| !wait.is_zero());
        match key {
            AttemptKey::User(_) => {
                if self.failures + self.in_flight < FREE_FAILURES_PER_USER {
                    return None;
                }
                if self.failures < FREE_FAILURES_PER_USER {
                    // The checks in flight may use up the free failures: wait for their answers.
                    return Some(BUSY_WAIT);
                }
                // The failure that uses up the free ones starts the first wait.
                let over = self.failures - FREE_FAILURES_PER_USER;
                let wait = FIRST_WAIT.saturating_mul(2u32.saturating_pow(over.min(16))).min(LONGEST_WAIT);
                until(self.last_failure + wait).or((self.in_flight > 0).then_some(BUSY_WAIT))
            }
            AttemptKey::Address(_) => {
                if self.in_flight >= MAX_IN_FLIGHT_PER_ADDRESS {
                    return Some(BUSY_WAIT);
                }
                // Checks in flight are not counted against the free failures here: many
                // people may log in at once behind one address, and each name has its own
                // limit. Past them, one check at a time, spaced.
                if self.failures < FREE_FAILURES_PER_ADDRESS {
                    return None;
                }
                until(self.next_slot).or((self.in_flight > 0).then_some(BUSY_WAIT))
            }
        }
    }

    /// Whether dropping this record would lose something an attacker wants lost.
    fn is_throttling(&self, key: &AttemptKey, now: Instant) -> bool {
        self.in_flight > 0 || self.wait(key, now).is_some()
    }
}

#[derive(Debug, Default)]
struct Table {
    records: HashMap<AttemptKey, Record>,
}

impl Table {
    /// Makes room for `needed` new records, dropping forgotten records first, then the
    /// oldest that throttle nothing now. Never drops one that is throttling.
    fn make_room(&mut self, needed: usize, now: Instant) -> bool {
        if self.records.len() + needed <= MAX_ENTRIES {
            return true;
        }
        self.records.retain(|key, record| {
            record.refresh(now);
            record.failures > 0 || record.is_throttling(key, now)
        });
        // Down to nine tenths, so that this sort runs once per many new keys.
        let target = (MAX_ENTRIES * 9 / 10).saturating_sub(needed);
        if self.records.len() > target {
            let mut idle: Vec<(Instant, AttemptKey)> = self
                .records
                .iter()
                .filter(|(key, record)| !record.is_throttling(key, now))
                .map(|(key, record)| (record.touched, key.clone()))
                .collect();
            idle.sort_unstable_by_key(|(touched, _)| *touched);
            let excess = self.records.len() - target;
            for (_, key) in idle.into_iter().take(excess) {
                self.records.remove(&key);
            }
        }
        self.records.len() + needed <= MAX_ENTRIES
    }
}

/// The login attempts this server instance has seen (clones share them).
#[derive(Debug, Clone, Default)]
pub struct LoginThrottle {
    table: Arc<Mutex<Table>>,
}

impl LoginThrottle {
    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes a slot for a password check under every one of `keys`, or says how long the
    /// caller must wait (the longest wait of any key). The slot is given back by
    /// [`Attempt::failed`], [`Attempt::succeeded`], or when the attempt is dropped unanswered.
    pub fn begin(&self, keys: Vec<AttemptKey>, now: Instant) -> Result<Attempt, Duration> {
        let mut table = self.table();
        let mut longest = None;
        for key in &keys {
            if let Some(record) = table.records.get_mut(key) {
                record.refresh(now);
                longest = longest.max(record.wait(key, now));
            }
        }
        if let Some(wait) = longest {
            return Err(wait);
        }
        let new = keys.iter().filter(|key| !table.records.contains_key(key)).count();
        if new > 0 && !table.make_room(new, now) {
            return Err(FULL_WAIT);
        }
        for key in &keys {
            let record = table.records.entry(key.clone()).or_insert_with(|| Record::new(now));
            record.in_flight += 1;
            record.touched = now;
            if matches!(key, AttemptKey::Address(_)) && record.failures >= FREE_FAILURES_PER_ADDRESS {
                record.next_slot = now + ADDRESS_SPACING;
            }
        }
        drop(table);
        Ok(Attempt { throttle: self.clone(), keys, settled: false })
    }

    /// Gives back the slots of `keys`, recording a failure on each if `failed`.
    fn settle(&self, keys: &[AttemptKey], outcome: Outcome, now: Instant) {
        let mut table = self.table();
        for key in keys {
            let Some(record) = table.records.get_mut(key) else { continue };
            record.in_flight = record.in_flight.saturating_sub(1);
            record.touched = now;
            match outcome {
                Outcome::Failed => {
                    record.refresh(now);
                    record.failures = record.failures.saturating_add(1);
                    record.last_failure = now;
                    if matches!(key, AttemptKey::Address(_)) && record.failures >= FREE_FAILURES_PER_ADDRESS {
                        record.next_slot = record.next_slot.max(now + ADDRESS_SPACING);
                    }
                }
                // A successful login forgets the user name's failures (not the address's).
                Outcome::Succeeded if matches!(key, AttemptKey::User(_)) => record.failures = 0,
                Outcome::Succeeded | Outcome::Unanswered => {}
            }
            if record.failures == 0 && record.in_flight == 0 && matches!(key, AttemptKey::User(_)) {
                table.records.remove(key);
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Failed,
    Succeeded,
    Unanswered,
}

/// A password check that holds its slots. Dropped without an answer (the database was
/// unreachable, the request was cancelled), it gives them back and counts nothing.
#[derive(Debug)]
#[must_use = "an attempt holds its slots until it is answered or dropped"]
pub struct Attempt {
    throttle: LoginThrottle,
    keys: Vec<AttemptKey>,
    settled: bool,
}

impl Attempt {
    /// The password was wrong (or the name unknown): a failure for every key.
    pub fn failed(mut self, now: Instant) {
        self.settled = true;
        self.throttle.settle(&self.keys, Outcome::Failed, now);
    }

    /// The password was right: the user name's failures are forgotten.
    pub fn succeeded(mut self, now: Instant) {
        self.settled = true;
        self.throttle.settle(&self.keys, Outcome::Succeeded, now);
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if !self.settled {
            self.throttle.settle(&self.keys, Outcome::Unanswered, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(throttle: &LoginThrottle, keys: &[AttemptKey], times: u32, at: Instant) {
        for _ in 0..times {
            throttle.begin(keys.to_vec(), at).expect("allowed").failed(at);
        }
    }

    fn wait(throttle: &LoginThrottle, keys: &[AttemptKey], at: Instant) -> Option<Duration> {
        throttle.begin(keys.to_vec(), at).err()
    }

    #[test]
    fn a_few_mistakes_cost_nothing_then_the_wait_doubles_up_to_a_ceiling() {
        let throttle = LoginThrottle::default();
        let ana = [AttemptKey::user("ana")];
        let start = Instant::now();
        fail(&throttle, &ana, FREE_FAILURES_PER_USER - 1, start);
        assert_eq!(wait(&throttle, &ana, start), None, "a few mistakes do not throttle");
        throttle.begin(ana.to_vec(), start).expect("the fifth try").failed(start);
        assert_eq!(wait(&throttle, &ana, start), Some(FIRST_WAIT));
        throttle.begin(ana.to_vec(), start + FIRST_WAIT).expect("after the wait").failed(start);
        assert_eq!(wait(&throttle, &ana, start), Some(FIRST_WAIT * 2));
        assert_eq!(wait(&throttle, &ana, start + FIRST_WAIT), Some(FIRST_WAIT));
        for _ in 0..50 {
            throttle.begin(ana.to_vec(), start + LONGEST_WAIT).expect("after the wait").failed(start);
        }
        assert_eq!(wait(&throttle, &ana, start), Some(LONGEST_WAIT));
    }

    #[test]
    fn parallel_attempts_count_before_their_answer() {
        let throttle = LoginThrottle::default();
        let ana = [AttemptKey::user("ana")];
        let now = Instant::now();
        let in_flight: Vec<Attempt> = (0..60).filter_map(|_| throttle.begin(ana.to_vec(), now).ok()).collect();
        assert_eq!(in_flight.len(), FREE_FAILURES_PER_USER as usize, "only the free attempts are checked at once");
        for attempt in in_flight {
            attempt.failed(now);
        }
        assert_eq!(wait(&throttle, &ana, now), Some(FIRST_WAIT));
        // When the wait is over, one check at a time.
        let later = now + FIRST_WAIT;
        let one = throttle.begin(ana.to_vec(), later).expect("after the wait");
        assert_eq!(wait(&throttle, &ana, later), Some(BUSY_WAIT));
        drop(one);
        assert_eq!(wait(&throttle, &ana, later), None, "an unanswered attempt gives its slot back");
    }

    #[test]
    fn the_wait_ends_and_old_failures_are_forgotten() {
        let throttle = LoginThrottle::default();
        let ana = [AttemptKey::user("ana")];
        let start = Instant::now();
        fail(&throttle, &ana, FREE_FAILURES_PER_USER, start);
        for _ in 0..60 {
            throttle.begin(ana.to_vec(), start + LONGEST_WAIT).expect("after the wait").failed(start);
        }
        assert_eq!(wait(&throttle, &ana, start + LONGEST_WAIT), None, "never locked out for good");
        fail(&throttle, &ana, 1, start + MEMORY);
        assert_eq!(wait(&throttle, &ana, start + MEMORY), None, "counting starts again after an hour");
    }

    #[test]
    fn names_are_counted_whether_they_exist_or_not_and_in_any_case() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        fail(&throttle, &[AttemptKey::user(" NoSuchUser ")], FREE_FAILURES_PER_USER, now);
        assert!(wait(&throttle, &[AttemptKey::user("nosuchuser")], now).is_some());
        assert_eq!(wait(&throttle, &[AttemptKey::user("ana")], now), None, "other users are not affected");
    }

    #[test]
    fn an_address_slows_down_but_never_locks_the_others_behind_it() {
        let throttle = LoginThrottle::default();
        let office = AttemptKey::address([10, 0, 0, 7].into());
        let now = Instant::now();
        for n in 0..FREE_FAILURES_PER_ADDRESS {
            throttle
                .begin(vec![AttemptKey::user(&format!("guess{n}")), office.clone()], now)
                .expect("free")
                .failed(now);
        }
        let bea = vec![AttemptKey::user("bea"), office.clone()];
        assert_eq!(wait(&throttle, &bea, now), Some(ADDRESS_SPACING), "a short wait, not a lockout");
        for _ in 0..100 {
            let at = now + ADDRESS_SPACING;
            if let Ok(attempt) = throttle.begin(vec![AttemptKey::user("ana"), office.clone()], at) {
                attempt.failed(at);
            }
        }
        let later = now + ADDRESS_SPACING * 2;
        let attempt = throttle.begin(bea, later).expect("bea's turn comes");
        attempt.succeeded(later);
        assert!(wait(&throttle, &[office], later).is_some(), "success clears only the name");
    }

    #[test]
    fn an_address_has_few_checks_in_flight() {
        let throttle = LoginThrottle::default();
        let office = AttemptKey::address([10, 0, 0, 7].into());
        let now = Instant::now();
        let started: Vec<Attempt> = (0..100)
            .filter_map(|n| throttle.begin(vec![AttemptKey::user(&format!("user{n}")), office.clone()], now).ok())
            .collect();
        assert_eq!(started.len(), MAX_IN_FLIGHT_PER_ADDRESS as usize);
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("address");
        let same_network: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().expect("address");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("address");
        assert_eq!(AttemptKey::address(one), AttemptKey::address(same_network));
        assert_ne!(AttemptKey::address(one), AttemptKey::address(other));
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().expect("address");
        assert_eq!(AttemptKey::address(mapped), AttemptKey::Address([10, 0, 0, 7].into()));
    }

    #[test]
    fn a_full_table_never_drops_a_lockout_to_make_room() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let victim = [AttemptKey::user("ana")];
        fail(&throttle, &victim, FREE_FAILURES_PER_USER, now);
        // A flood of made-up names, each failing once, fills the table many times over.
        for n in 0..(MAX_ENTRIES + MAX_ENTRIES / 2) {
            let at = now + Duration::from_millis(1);
            if let Ok(attempt) = throttle.begin(vec![AttemptKey::user(&format!("flood{n}"))], at) {
                attempt.failed(at);
            }
        }
        assert!(throttle.table().records.len() <= MAX_ENTRIES);
        assert!(wait(&throttle, &victim, now + Duration::from_secs(1)).is_some(), "ana's lockout stands");
    }

    #[test]
    fn a_table_full_of_lockouts_refuses_new_names_rather_than_forget_one() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        {
            let mut table = throttle.table();
            for n in 0..MAX_ENTRIES {
                let record = Record { failures: FREE_FAILURES_PER_USER, last_failure: now, ..Record::new(now) };
                table.records.insert(AttemptKey::user(&format!("locked{n}")), record);
            }
        }
        assert_eq!(wait(&throttle, &[AttemptKey::user("newcomer")], now), Some(FULL_WAIT));
        assert!(wait(&throttle, &[AttemptKey::user("locked7")], now).is_some());
        // Once the lockouts are over, their records make room.
        assert_eq!(wait(&throttle, &[AttemptKey::user("newcomer")], now + LONGEST_WAIT), None);
    }
}
