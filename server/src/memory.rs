//! One allocator for the whole process, which gives memory back. Rust allocates through
//! mimalloc (the global allocator in `main.rs`). SQLite, being C, would use glibc's malloc,
//! which gives each thread that allocates its own arena and keeps what is freed in it:
//! with sqlx's thread per SQLite connection, the glibc heaps held about 60 MB for the 20 MB
//! SQLite was using (BENCHMARKS.md, *Memory*).

use libsqlite3_sys as sqlite;
use std::ffi::{c_int, c_long, c_void};

/// Process-wide settings of the allocator; call first thing in `main`.
pub fn configure() {
    return_freed_memory_soon();
    releasedesk_core::auth::hashing::after_each(give_back_what_this_thread_freed);
    sqlite_allocates_with_mimalloc();
}

/// `mi_option_purge_delay` in mimalloc.h (its number is stable: it was `mi_option_reset_delay`).
const MI_OPTION_PURGE_DELAY: c_int = 15;

/// mimalloc 3 gives freed pages back to the OS a second after they were freed, and only when
/// the allocator next runs: an idle server kept the memory of its last password hashes. 10 ms is
/// mimalloc 2's delay.
fn return_freed_memory_soon() {
    // SAFETY: sets one of mimalloc's options; any delay in milliseconds is valid.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 10) }
}

/// Gives the memory this thread has freed back to the system now, not when the thread next
/// allocates: a password hash's 7 MiB, once it is done.
fn give_back_what_this_thread_freed() {
    // SAFETY: collects the calling thread's own heap; callable from any thread at any time.
    unsafe { mi_collect(true) }
}

// mimalloc's C interface; the `mimalloc` crate links the library in.
unsafe extern "C" {
    fn mi_malloc(size: usize) -> *mut c_void;
    fn mi_realloc(pointer: *mut c_void, size: usize) -> *mut c_void;
    fn mi_free(pointer: *mut c_void);
    fn mi_usable_size(pointer: *const c_void) -> usize;
    fn mi_good_size(size: usize) -> usize;
    fn mi_option_set(option: c_int, value: c_long);
    fn mi_collect(force: bool);
}

// SQLite's allocator methods (https://sqlite.org/c3ref/mem_methods.html). mimalloc aligns
// every block to 16 bytes, more than the 8 SQLite needs, and frees from any thread.
unsafe extern "C" fn allocate(size: c_int) -> *mut c_void {
    unsafe { mi_malloc(usize::try_from(size).unwrap_or(0)) }
}

unsafe extern "C" fn reallocate(pointer: *mut c_void, size: c_int) -> *mut c_void {
    unsafe { mi_realloc(pointer, usize::try_from(size).unwrap_or(0)) }
}

unsafe extern "C" fn free(pointer: *mut c_void) {
    unsafe { mi_free(pointer) }
}

unsafe extern "C" fn size_of(pointer: *mut c_void) -> c_int {
    c_int::try_from(unsafe { mi_usable_size(pointer) }).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn round_up(size: c_int) -> c_int {
    let good = unsafe { mi_good_size(usize::try_from(size).unwrap_or(0)) };
    c_int::try_from(good).unwrap_or(size)
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    sqlite::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

/// Makes SQLite allocate with mimalloc. It must run before the first connection opens,
/// since SQLite takes its allocator when it initializes; later it only logs a warning.
fn sqlite_allocates_with_mimalloc() {
    let methods = sqlite::sqlite3_mem_methods {
        xMalloc: Some(allocate),
        xFree: Some(free),
        xRealloc: Some(reallocate),
        xSize: Some(size_of),
        xRoundup: Some(round_up),
        xInit: Some(init),
        xShutdown: Some(shutdown),
        pAppData: std::ptr::null_mut(),
    };
    // SAFETY: SQLite copies the methods before returning, and each one is a thin wrapper
    // over the matching mimalloc function with the contract SQLite documents.
    let code =
        unsafe { sqlite::sqlite3_config(sqlite::SQLITE_CONFIG_MALLOC, &methods as *const sqlite::sqlite3_mem_methods) };
    if code != sqlite::SQLITE_OK {
        tracing::warn!(code, "SQLite keeps its own allocator");
    }
}
