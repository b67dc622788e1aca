//! The desk's change events, server side. Every write appends to the execution log in its
//! transaction, so the log is the one source of change events; every notification is a
//! row of its own table, so that table is the one source of "you have new notifications".
//! On PostgreSQL each append (and each batch of notifications) also sends a `NOTIFY` that
//! the database delivers on commit to every server instance; on SQLite (one instance, one
//! writer, ids committed in order) each instance reads the new rows.

use crate::model::live::{LiveEvent, CHANNEL, NOTIFIED_CHANNEL, NOTIFIED_EVERYONE};
use crate::store::kept::{CHANGES_CHANNEL, TITLE_WORDS_CHANGED};
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

/// What the hub passes to the open event streams.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    /// Something happened on a release: every stream tells it. The [`LiveEvent`] as JSON,
    /// written once for all the streams.
    Release(Arc<str>),
    /// New notifications: only the streams of these users tell it, and their bells count
    /// again.
    Notified(Recipients),
}

/// Whom a batch of new notifications concerns.
#[derive(Debug, Clone, PartialEq)]
pub enum Recipients {
    /// These users, sorted, each once.
    Users(Arc<[i64]>),
    /// Too many to name in one database notification: everyone.
    Everyone,
}

impl Recipients {
    pub fn of(users: impl IntoIterator<Item = i64>) -> Recipients {
        let mut users: Vec<i64> = users.into_iter().collect();
        users.sort_unstable();
        users.dedup();
        Recipients::Users(users.into())
    }

    pub fn includes(&self, user: i64) -> bool {
        match self {
            Recipients::Users(users) => users.binary_search(&user).is_ok(),
            Recipients::Everyone => true,
        }
    }

    /// Reads the payload of [`NOTIFIED_CHANNEL`]: ids separated by commas, or
    /// [`NOTIFIED_EVERYONE`]. `None` when it is neither.
    fn parse(payload: &str) -> Option<Recipients> {
        if payload == NOTIFIED_EVERYONE {
            return Some(Recipients::Everyone);
        }
        let users: Result<Vec<i64>, _> = payload.split(',').map(|id| id.trim().parse()).collect();
        users.ok().map(Recipients::of)
    }
}

/// Where a SQLite instance has read the log and the notifications up to.
#[derive(FromRow)]
struct Read {
    log: i64,
    notifications: i64,
}

/// How many changes what a SQLite instance keeps has seen (`user_changes`).
#[derive(FromRow, Clone, Copy, PartialEq, Eq)]
struct Changes {
    /// To the configuration: users, groups, memberships, webhooks, categories.
    changes: i64,
    /// New title words.
    title_words: i64,
}

/// How often a SQLite instance looks for new log rows.
const SQLITE_POLL: Duration = Duration::from_millis(250);

/// The events of this server instance, fanned out to its open event streams.
#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<Heard>,
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
    pub fn subscribe(&self) -> broadcast::Receiver<Heard> {
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

    fn publish(&self, heard: Heard) {
        // No open stream means nobody to tell: not an error.
        let _ = self.sender.send(heard);
    }

    fn publish_event(&self, event: &LiveEvent) {
        match serde_json::to_string(event) {
            Ok(json) => self.publish(Heard::Release(json.into())),
            Err(error) => tracing::warn!(%error, "unwritable live event"),
        }
    }

    /// Follows the log's notifications and the changes to what is kept, on PostgreSQL.
    /// While it is not connected, notifications are lost: users, groups and webhooks are
    /// then read afresh every time ([`crate::store::kept`]) until it listens again.
    async fn listen(&self, db: &Db) {
        let kept = db.kept();
        loop {
            match sqlx::postgres::PgListener::connect(&db.url).await {
                Ok(mut listener) => match listener.listen_all([CHANNEL, CHANGES_CHANNEL, NOTIFIED_CHANNEL]).await {
                    Ok(()) => {
                        kept.listening(true);
                        loop {
                            match listener.try_recv().await {
                                Ok(Some(note)) if note.channel() == CHANGES_CHANNEL => {
                                    if note.payload() == TITLE_WORDS_CHANGED {
                                        kept.title_words_changed();
                                    } else {
                                        kept.changed();
                                    }
                                }
                                Ok(Some(note)) if note.channel() == NOTIFIED_CHANNEL => {
                                    match Recipients::parse(note.payload()) {
                                        Some(users) => self.publish(Heard::Notified(users)),
                                        None => tracing::warn!(payload = note.payload(), "unreadable notified users"),
                                    }
                                }
                                Ok(Some(note)) => match serde_json::from_str::<LiveEvent>(note.payload()) {
                                    Ok(event) => self.publish_event(&event),
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
        let mut read: Read = loop {
            let newest = sqlx::query_as(
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM execution_log) AS log,
                        (SELECT COALESCE(MAX(id), 0) FROM notifications) AS notifications",
            );
            match newest.fetch_one(&db.pool).await {
                Ok(read) => break read,
                // Read, but not as numbers: from the start.
                Err(sqlx::Error::ColumnDecode { .. }) => break Read { log: 0, notifications: 0 },
                Err(error) => tracing::warn!(%error, "cannot read the log for live updates"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        };
        let mut changes = None;
        loop {
            tokio::time::sleep(SQLITE_POLL).await;
            changes = Self::count_changes(db, changes).await;
            let rows = sqlx::query(
                "SELECT id, release_id, user_id, kind FROM execution_log WHERE id > $1 ORDER BY id LIMIT 500",
            )
            .bind(read.log)
            .fetch_all(&db.pool)
            .await;
            // Each row is read on its own: one that cannot be read is passed over.
            for row in rows.iter().flatten() {
                if let Ok(entry) = NewEntry::from_row(row) {
                    read.log = entry.id;
                    self.publish_event(&LiveEvent { release: entry.release_id, user: entry.user_id, kind: entry.kind });
                }
            }
            // After the log entries that caused them, as on PostgreSQL.
            let notified = sqlx::query_as::<_, (i64, i64)>(
                "SELECT id, user_id FROM notifications WHERE id > $1 ORDER BY id LIMIT 1000",
            )
            .bind(read.notifications)
            .fetch_all(&db.pool)
            .await;
            if let Some(&(last, _)) = notified.as_ref().ok().and_then(|rows| rows.last()) {
                read.notifications = last;
                let users = notified.into_iter().flatten().map(|(_, user)| user);
                self.publish(Heard::Notified(Recipients::of(users)));
            }
        }
    }

    /// Reads how many changes what is kept has seen (`user_changes`, counted by triggers:
    /// the configuration's, and the new title words'), given the counts read last time
    /// (`None`: unknown). A different count is a change made by another process: this
    /// instance forgets what it changed. While the counts cannot be read, it keeps nothing,
    /// since it would not see such a change.
    async fn count_changes(db: &Db, last: Option<Changes>) -> Option<Changes> {
        let kept = db.kept();
        let counted = sqlx::query_as::<_, Changes>("SELECT changes, title_words FROM user_changes WHERE id = 1");
        match counted.fetch_one(&db.pool).await {
            Ok(count) if last == Some(count) => last,
            Ok(count) => {
                match last {
                    Some(last) if last.changes != count.changes => kept.changed(),
                    Some(_) => kept.title_words_changed(),
                    None => kept.listening(true),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notified_users_are_read_from_their_payload() {
        let users = Recipients::parse("7,3,7,12").expect("ids");
        assert_eq!(users, Recipients::Users(vec![3, 7, 12].into()));
        assert!(users.includes(3) && users.includes(12));
        assert!(!users.includes(4));
        assert_eq!(Recipients::parse(NOTIFIED_EVERYONE), Some(Recipients::Everyone));
        assert!(Recipients::Everyone.includes(4));
        assert_eq!(Recipients::parse("3,ana"), None);
        assert_eq!(Recipients::parse(""), None);
    }
}
