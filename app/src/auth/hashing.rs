//! Password hashing off the async threads, a few at a time. Each argon2id call takes about
//! 19 MiB and tens of milliseconds of one core: a burst of logins run all at once would
//! hold hundreds of megabytes (and keep them, in the allocator's per-thread arenas), and a
//! login flood could exhaust the server. One hash per core at a time bounds both.

use std::sync::LazyLock;
use tokio::sync::Semaphore;

static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
});

/// Runs `work` (a hash or a verification) on the blocking pool once a core is free for it.
/// `None` if the work could not run (the runtime is shutting down).
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _permit = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}
