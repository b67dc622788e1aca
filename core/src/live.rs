//! The desk's change events, server side. Every write appends to the execution log in its
//! transaction, so the log is the one source of change events. On PostgreSQL the append
//! also sends a `NOTIFY` that the database delivers on commit to every server instance; on
//! SQLite (one instance, one writer, ids committed in order) each instance reads the log's
//! new rows.

use crate::model::live::{LiveEvent, CHANNEL};
use crate::store::kept::CHANGES_CHANNEL;
use crate::store::{Backend, Db};
use sqlx::FromRow;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// A log row, as the live events tell it.
#[derive(FromRow)]
struct NewEntry {
    id: i64,
    release_id: i64,
    user_id: i64,
    kind: String,
}

/// How often a SQLite instance looks for new log rows.
const SQLITE_POLL: Duration = Duration::from_millis(250);

/// The events of this server instance, fanned out to its open event streams.
#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<LiveEvent>,
    /// Set once, when the server stops: every open stream ends (see [`LiveHub::close`]).
    closing: Arc<watch::Sender<bool>>,
}

impl LiveHub {
    /// Starts following the database's changes.
    pub fn start(db: Db) -> LiveHub {
        let (sender, _) = broadcast::channel(1024);
        let hub = LiveHub { sender, closing: Arc::new(watch::Sender::new(false)) };
        let follower = hub.clone();
        tokio::spawn(async move {
            match db.backend {
                Backend::Postgres => follower.listen(&db).await,
                Backend::Sqlite => follower.tail(&db).await,
            }
        });
        hub
    }

    /// Every event from now on, for one stream.
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.sender.subscribe()
    }

    /// Ends every open stream, and every stream opened from now on: the server is stopping.
    /// Event streams never end by themselves, and a graceful shutdown waits for every open
    /// response, so without this the shutdown would wait its whole grace period.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Whether [`LiveHub::close`] was called.
    pub fn is_closed(&self) -> bool {
        *self.closing.borrow()
    }

    /// Completes when [`LiveHub::close`] is called (at once if it was).
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            // An error means the hub is gone: nothing will close it any more.
            if closing.wait_for(|closed| *closed).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }

    fn publish(&self, event: LiveEvent) {
        // No open stream means nobody to tell: not an error.
        let _ = self.sender.send(event);
    }

    /// Follows the log's notifications and the changes to what is kept, on PostgreSQL.
    /// While it is not connected, notifications are lost: users, groups and webhooks are
    /// then read afresh every time ([`crate::store::kept`]) until it listens again.
    async fn listen(&self, db: &Db) {
        let kept = db.kept();
        loop {
            match sqlx::postgres::PgListener::connect(&db.url).await {
                Ok(mut listener) => match listener.listen_all([CHANNEL, CHANGES_CHANNEL]).await {
                    Ok(()) => {
                        kept.listening(true);
                        loop {
                            match listener.try_recv().await {
                                Ok(Some(note)) if note.channel() == CHANGES_CHANNEL => kept.changed(),
                                Ok(Some(note)) => match serde_json::from_str(note.payload()) {
                                    Ok(event) => self.publish(event),
                                    Err(error) => tracing::warn!(%error, "unreadable live event"),
                                },
                                // The connection was lost, and what was sent meanwhile with it.
                                Ok(None) => {
                                    tracing::warn!("live updates interrupted: the connection was lost");
                                    break;
                                }
                                Err(error) => {
                                    tracing::warn!(%error, "live updates interrupted");
                                    break;
                                }
                            }
                        }
                        kept.listening(false);
                    }
                    Err(error) => tracing::warn!(%error, "cannot listen for live updates"),
                },
                Err(error) => tracing::warn!(%error, "cannot connect for live updates"),
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }

    async fn tail(&self, db: &Db) {
        let mut last_seen: i64 = loop {
            match sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) AS id FROM execution_log").fetch_one(&db.pool).await {
                Ok(id) => break id,
                // Read, but not as a number: from the start.
                Err(sqlx::Error::ColumnDecode { .. }) => break 0,
                Err(error) => tracing::warn!(%error, "cannot read the log for live updates"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        let mut user_changes = None;
        loop {
            tokio::time::sleep(SQLITE_POLL).await;
            user_changes = Self::count_changes(db, user_changes).await;
            let rows = sqlx::query(
                "SELECT id, release_id, user_id, kind FROM execution_log WHERE id > $1 ORDER BY id LIMIT 500",
            )
            .bind(last_seen)
            .fetch_all(&db.pool)
            .await;
            let Ok(rows) = rows else { continue };
            // Each row is read on its own: one that cannot be read is passed over.
            for row in &rows {
                if let Ok(entry) = NewEntry::from_row(row) {
                    last_seen = entry.id;
                    self.publish(LiveEvent { release: entry.release_id, user: entry.user_id, kind: entry.kind });
                }
            }
        }
    }

    /// Reads how many changes what is kept has seen (`user_changes`, counted by triggers on
    /// users, groups and webhooks), given the count read last time (`None`: unknown). A
    /// different count is a change made by another process: this instance forgets what it
    /// keeps. While the count cannot be read, it keeps nothing, since it would not see such
    /// a change.
    async fn count_changes(db: &Db, last: Option<i64>) -> Option<i64> {
        let kept = db.kept();
        match sqlx::query_scalar::<_, i64>("SELECT changes FROM user_changes WHERE id = 1").fetch_one(&db.pool).await {
            Ok(count) if last == Some(count) => last,
            Ok(count) => {
                if last.is_some() {
                    kept.changed();
                } else {
                    kept.listening(true);
                }
                Some(count)
            }
            Err(error) => {
                if last.is_some() {
                    tracing::warn!(%error, "cannot read the count of changes to users");
                }
                kept.listening(false);
                None
            }
        }
    }
}
