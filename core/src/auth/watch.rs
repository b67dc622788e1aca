//! The sessions of what outlives its request (the live-event streams), checked together:
//! every few seconds one statement asks which of them still stand, whatever the number of
//! open streams, instead of one statement per stream.

use super::sessions::{SessionUser, Sessions, Users};
use axum_login::{AuthUser, AuthnBackend};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::oneshot;
use tower_sessions::session::Id;

/// How often the watched sessions are checked: a stream ends within this of its session.
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// The open streams' sessions, checked every [`CHECK_EVERY`] by one task for this instance.
#[derive(Clone)]
pub struct SessionWatch {
    inner: Arc<Inner>,
}

struct Inner {
    sessions: Sessions,
    users: Users,
    watched: Mutex<HashMap<u64, Watched>>,
    next: AtomicU64,
}

/// A session watched: its user and the password it was opened with (the session's auth
/// hash), and how to tell its stream that it ended.
struct Watched {
    session: Id,
    user: i64,
    auth: Arc<[u8]>,
    ended: oneshot::Sender<()>,
}

/// One stream's watch of its session: [`Watching::ended`] completes when the session ends.
/// Dropped with its stream, it is watched no more.
pub struct Watching {
    id: u64,
    /// `None` once it told.
    ended: Option<oneshot::Receiver<()>>,
    inner: Weak<Inner>,
}

impl Watching {
    /// Completes once the session was logged out, expired, or its user's password changed
    /// or the user was removed. A check that fails (the database is away) ends nothing.
    /// Completes once; after that, and when the watch itself is gone (the server is
    /// stopping), it never completes.
    pub async fn ended(&mut self) {
        if let Some(receiver) = &mut self.ended {
            let told = receiver.await;
            self.ended = None;
            if told.is_ok() {
                return;
            }
        }
        std::future::pending::<()>().await;
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            inner.watched().remove(&self.id);
        }
    }
}

impl Inner {
    fn watched(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Watched>> {
        // A panic while the map was held leaves it whole: every change is one call.
        self.watched.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One round: which of the watched sessions ended. `None` when that cannot be told.
    async fn check(&self) -> Option<Vec<u64>> {
        let watched: Vec<(u64, Id, i64, Arc<[u8]>)> =
            self.watched().iter().map(|(id, w)| (*id, w.session, w.user, w.auth.clone())).collect();
        if watched.is_empty() {
            return Some(Vec::new());
        }
        let mut ids: Vec<Id> = watched.iter().map(|(_, session, _, _)| *session).collect();
        ids.sort_unstable_by_key(|id| id.0);
        ids.dedup();
        let standing = match self.sessions.standing(&ids).await {
            Ok(standing) => standing,
            Err(error) => {
                tracing::warn!(%error, "cannot check the event streams' sessions");
                return None;
            }
        };
        // Each user once (kept in memory between requests, see `store::kept`). A user who
        // cannot be read ends nothing this round.
        let mut users: Vec<i64> = watched.iter().map(|(_, _, user, _)| *user).collect();
        users.sort_unstable();
        users.dedup();
        let mut current: HashMap<i64, Option<Option<SessionUser>>> = HashMap::new();
        for id in users {
            current.insert(id, self.users.get_user(&id).await.ok());
        }
        let ended = watched
            .into_iter()
            .filter(|(_, session, user, auth)| {
                let password_kept = match current.get(user) {
                    Some(Some(Some(now))) => now.session_auth_hash() == &auth[..],
                    Some(Some(None)) => false,
                    _ => true,
                };
                !standing.contains(session) || !password_kept
            })
            .map(|(id, _, _, _)| id)
            .collect();
        Some(ended)
    }
}

impl SessionWatch {
    /// Starts the task that checks the watched sessions; it stops once every clone of the
    /// watch is gone.
    pub fn start(sessions: Sessions, users: Users) -> SessionWatch {
        let inner = Arc::new(Inner { sessions, users, watched: Mutex::default(), next: AtomicU64::new(0) });
        let weak = Arc::downgrade(&inner);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(CHECK_EVERY);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                if let Some(ended) = inner.check().await {
                    let mut watched = inner.watched();
                    for id in ended {
                        if let Some(watched) = watched.remove(&id) {
                            // Its stream may have closed meanwhile: nobody to tell.
                            let _ = watched.ended.send(());
                        }
                    }
                }
            }
        });
        SessionWatch { inner }
    }

    /// Watches the session `session`, opened by `user`, until the answer is dropped.
    pub fn watch(&self, session: Id, user: &SessionUser) -> Watching {
        let id = self.inner.next.fetch_add(1, Ordering::Relaxed);
        let (ended, receiver) = oneshot::channel();
        let watched = Watched { session, user: user.id(), auth: user.session_auth_hash().into(), ended };
        self.inner.watched().insert(id, watched);
        Watching { id, ended: Some(receiver), inner: Arc::downgrade(&self.inner) }
    }
}
