//! Password hashes: argon2id with the lightest of OWASP's equally strong settings, computed
//! off the async threads a few at a time.
//!
//! Each argon2id call holds its whole memory cost for tens of milliseconds of one core. A
//! burst of logins run all at once would hold hundreds of megabytes, and a login flood could
//! exhaust the server: one hash per core at a time bounds both.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::{LazyLock, OnceLock};
use tokio::sync::Semaphore;

/// m = 7 MiB, t = 5, p = 1: the OWASP Password Storage Cheat Sheet lists it among the
/// argon2id settings of equal strength, beside its first one (19 MiB, t = 2, the argon2
/// crate's default, which ReleaseDesk used before). Both cost about the same CPU time; this
/// one holds 12 MiB less per login in flight. Hashes record their parameters, so hashes
/// made with the earlier setting still verify.
const PARAMS: Params = match Params::new(7 * 1024, 5, 1, None) {
    Ok(params) => params,
    Err(_) => panic!("invalid argon2 parameters"),
};

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
}

/// A new salted argon2id hash of `password`, in PHC string form. Fails only if the
/// operating system gives no random salt.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches `hash`, with the parameters `hash` records. A malformed hash
/// matches nothing.
pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
}

static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)));

/// What runs on a hash's thread once the hash is done ([`after_each`]).
static AFTER_EACH: OnceLock<fn()> = OnceLock::new();

/// Sets what runs on a hash's thread once the hash is done, once per process: the server
/// gives the hash's freed memory back to the system there. Its allocator would give it back
/// only when that thread next allocates, and a thread of the blocking pool may stay idle
/// for a while: a burst of logins left one or two hashes' 7 MiB resident, or none, from run
/// to run (BENCHMARKS.md, *The thirty-second pass*).
pub fn after_each(hook: fn()) {
    let _ = AFTER_EACH.set(hook);
}

/// Runs `work` (a hash or a verification) on the blocking pool once a core is free for it.
/// `None` if the work could not run (the runtime is shutting down).
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _permit = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(move || {
        let done = work();
        if let Some(hook) = AFTER_EACH.get() {
            hook();
        }
        done
    })
    .await
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("demo1234").expect("hash");
        assert!(stored.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{stored}");
        assert!(verify("demo1234", &stored));
        assert!(!verify("demo1235", &stored));
        assert!(!verify("demo1234", "not a hash"));
    }

    #[test]
    fn hashes_of_the_earlier_setting_still_verify() {
        let earlier =
            Argon2::default().hash_password(b"demo1234", &SaltString::generate(&mut OsRng)).expect("hash").to_string();
        assert!(earlier.contains("$m=19456,t=2,p=1$"), "{earlier}");
        assert!(verify("demo1234", &earlier));
        assert!(!verify("wrong", &earlier));
    }

    thread_local! {
        /// Whether this thread ran the test's work.
        static WORKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Each thread the hook of [`after_each`] ran on, and whether the test's work had run
    /// there before it. Other tests' hashes run the hook too, on their threads.
    static HOOKED: std::sync::Mutex<Vec<(std::thread::ThreadId, bool)>> = std::sync::Mutex::new(Vec::new());

    fn note_thread() {
        HOOKED.lock().expect("hooked").push((std::thread::current().id(), WORKED.get()));
    }

    #[tokio::test]
    async fn what_runs_after_each_hash_runs_on_its_thread_once_it_is_done() {
        after_each(note_thread);
        let worked_on = run(|| {
            WORKED.set(true);
            std::thread::current().id()
        })
        .await
        .expect("ran");
        let hooked = HOOKED.lock().expect("hooked").clone();
        assert!(hooked.contains(&(worked_on, true)), "{hooked:?}");
    }

    #[test]
    fn the_same_password_gets_a_new_salt_each_time() {
        assert_ne!(hash("demo1234").expect("hash"), hash("demo1234").expect("hash"));
    }
}
