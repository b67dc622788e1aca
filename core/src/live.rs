//! The desk's change events, server side. Every write appends to the execution log in its
//! transaction, so the log is the one source of change events. On PostgreSQL the append
//! also sends a `NOTIFY` that the database delivers on commit to every server instance; on
//! SQLite (one instance, one writer, ids committed in order) each instance reads the log's
//! new rows.

use crate::model::live::{LiveEvent, CHANNEL};
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
                Backend::Postgres => follower.listen(&db.url).await,
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

    async fn listen(&self, url: &str) {
        loop {
            match sqlx::postgres::PgListener::connect(url).await {
                Ok(mut listener) => {
                    if let Err(error) = listener.listen(CHANNEL).await {
                        tracing::warn!(%error, "cannot listen for live updates");
                    } else {
                        // recv() reconnects by itself after a lost connection.
                        loop {
                            match listener.recv().await {
                                Ok(note) => match serde_json::from_str(note.payload()) {
                                    Ok(event) => self.publish(event),
                                    Err(error) => tracing::warn!(%error, "unreadable live event"),
                                },
                                Err(error) => {
                                    tracing::warn!(%error, "live updates interrupted");
                                    tokio::time::sleep(Duration::from_secs(1)).await;
                                }
                            }
                        }
                    }
                }
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
        loop {
            tokio::time::sleep(SQLITE_POLL).await;
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
}
