//! Live updates: when anyone captures, saves, advances, links or acts on a release, every
//! open page that shows it hears of it within a second, through server-sent events.
//!
//! Every such write appends to the execution log in its transaction, so the log is the one
//! source of change events. On PostgreSQL the append also sends a `NOTIFY` that the
//! database delivers on commit to every server instance; on SQLite (one instance, one
//! writer, ids committed in order) each instance reads the log's new rows.

use serde::{Deserialize, Serialize};

/// Something happened on a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub release: i64,
    pub user: i64,
    pub kind: String,
}

/// The channel of the database's notifications (named again in the PostgreSQL migration
/// `0006_log_notify.sql`, whose trigger sends them).
pub const CHANNEL: &str = "releasedesk_log";

#[cfg(feature = "ssr")]
pub use server::{events, LiveHub};

#[cfg(feature = "ssr")]
mod server {
    use super::{LiveEvent, CHANNEL};
    use crate::auth::session::Session;
    use crate::db::{Backend, Db};
    use axum::extract::Extension;
    use axum::http::StatusCode;
    use axum::response::sse::{Event, KeepAlive, Sse};
    use axum::response::{IntoResponse, Response};
    use sqlx::Row;
    use std::convert::Infallible;
    use std::time::Duration;
    use tokio::sync::broadcast;

    /// How often a SQLite instance looks for new log rows.
    const SQLITE_POLL: Duration = Duration::from_millis(250);

    /// The events of this server instance, fanned out to its open event streams.
    #[derive(Clone)]
    pub struct LiveHub {
        sender: broadcast::Sender<LiveEvent>,
    }

    impl LiveHub {
        /// Starts following the database's changes.
        pub fn start(db: Db) -> LiveHub {
            let (sender, _) = broadcast::channel(1024);
            let hub = LiveHub { sender };
            let follower = hub.clone();
            tokio::spawn(async move {
                match db.backend {
                    Backend::Postgres => follower.listen(&db.url).await,
                    Backend::Sqlite => follower.tail(&db).await,
                }
            });
            hub
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
                match sqlx::query("SELECT COALESCE(MAX(id), 0) AS id FROM execution_log").fetch_one(&db.pool).await {
                    Ok(row) => break row.try_get("id").unwrap_or(0),
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
                for row in rows {
                    let read = (|| -> Result<(i64, LiveEvent), sqlx::Error> {
                        Ok((
                            row.try_get("id")?,
                            LiveEvent {
                                release: row.try_get("release_id")?,
                                user: row.try_get("user_id")?,
                                kind: row.try_get("kind")?,
                            },
                        ))
                    })();
                    if let Ok((id, event)) = read {
                        last_seen = id;
                        self.publish(event);
                    }
                }
            }
        }
    }

    /// `GET /api/events`: the stream of live events, for logged-in users only.
    pub async fn events(session: Session, Extension(hub): Extension<LiveHub>) -> Response {
        if session.user.is_none() {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let receiver = hub.sender.subscribe();
        let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) => {
                        let data = serde_json::to_string(&event).unwrap_or_default();
                        return Some((Ok::<_, Infallible>(Event::default().data(data)), receiver));
                    }
                    // A slow reader missed some: it refreshes on the next one anyway.
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
    }
}

/// Calls `on_event` for every live event while the calling component lives (browser only).
pub fn on_live_event(on_event: impl Fn(LiveEvent) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::{on_cleanup, StoredValue, WithValue};
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        let Ok(source) = web_sys::EventSource::new("/api/events") else { return };
        let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
            if let Some(event) = message.data().as_string().and_then(|data| serde_json::from_str(&data).ok()) {
                on_event(event);
            }
        });
        source.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        // Marks the page as following live events, so that a test (or a curious user in the
        // inspector) can tell the stream is connected.
        let opened = Closure::<dyn Fn()>::new(|| set_live_marker(Some("open")));
        source.set_onopen(Some(opened.as_ref().unchecked_ref()));
        // Kept with the component: the handlers live as long as the stream, all end with it.
        let kept = StoredValue::new_local((source, handler, opened));
        on_cleanup(move || {
            kept.with_value(|(source, _, _)| source.close());
            set_live_marker(None);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = on_event;
}

/// `data-live-events` on the document element: "open" while a stream is connected.
#[cfg(feature = "hydrate")]
fn set_live_marker(state: Option<&str>) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else {
        return;
    };
    let _ = match state {
        Some(state) => root.set_attribute("data-live-events", state),
        None => root.remove_attribute("data-live-events"),
    };
}
