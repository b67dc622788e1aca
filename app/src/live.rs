//! Live updates: when anyone captures, saves, advances, links or acts on a release, every
//! open page that shows it hears of it within a second, through server-sent events; and
//! the pages of the users a notification is for, and theirs only, hear that their bells
//! count again.
//!
//! Every such write appends to the execution log in its transaction, so the log is the one
//! source of change events. On PostgreSQL the append also sends a `NOTIFY` that the
//! database delivers on commit to every server instance; on SQLite (one instance, one
//! writer, ids committed in order) each instance reads the log's new rows.

pub use releasedesk_core::model::live::LiveEvent;

#[cfg(feature = "hydrate")]
use leptos::prelude::{on_cleanup, set_timeout_with_handle, StoredValue, TimeoutHandle, UpdateValue, WithValue};

#[cfg(feature = "ssr")]
pub use server::events;

#[cfg(feature = "ssr")]
mod server {
    use crate::session::Session;
    use axum::extract::Extension;
    use axum::http::StatusCode;
    use axum::response::sse::{Event, KeepAlive, Sse};
    use axum::response::{IntoResponse, Response};
    use futures_util::Stream;
    use releasedesk_core::auth::watch::SessionWatch;
    use releasedesk_core::live::{Heard, LiveHub};
    use releasedesk_core::model::live::NOTIFIED_EVENT;
    use std::convert::Infallible;
    use tokio::sync::broadcast;

    /// `GET /api/events`: the stream of live events, for logged-in users only. It ends
    /// within seconds of its session's end (logout, a password change, expiry, the user's
    /// removal; all the open streams' sessions are checked together), with an `ended` event
    /// so that the page does not reconnect.
    pub async fn events(
        session: Session,
        Extension(hub): Extension<LiveHub>,
        Extension(sessions): Extension<SessionWatch>,
    ) -> Response {
        let (Some(user), Some(id)) = (session.user.clone(), session.session.id()) else {
            return StatusCode::UNAUTHORIZED.into_response();
        };
        // A temporary password opens nothing but its own change.
        if user.must_change_password {
            return StatusCode::FORBIDDEN.into_response();
        }
        let me = user.actor.user.0;
        let state = (hub.subscribe(), sessions.watch(id, &user), false);
        let stream = futures_util::stream::unfold(state, move |(mut receiver, mut watching, ended)| async move {
            if ended {
                return None;
            }
            loop {
                tokio::select! {
                    received = receiver.recv() => match received {
                        Ok(Heard::Release(event)) => {
                            let event = Event::default().data(&*event);
                            return Some((Ok::<_, Infallible>(event), (receiver, watching, false)));
                        }
                        Ok(Heard::Notified(users)) if users.includes(me) => {
                            return Some((Ok(notified()), (receiver, watching, false)));
                        }
                        // Somebody else's notifications.
                        Ok(Heard::Notified(_)) => continue,
                        // A slow reader missed some: its pages refresh on the next release
                        // event anyway, and its bell counts again now, in case.
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            return Some((Ok(notified()), (receiver, watching, false)));
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    () = watching.ended() => {
                        let event = Event::default().event("ended").data("session");
                        return Some((Ok(event), (receiver, watching, true)));
                    },
                }
            }
        });
        Sse::new(until_shutdown(hub, stream)).keep_alive(KeepAlive::default()).into_response()
    }

    /// The user has new notifications: their bell counts again.
    fn notified() -> Event {
        Event::default().event(NOTIFIED_EVENT).data(NOTIFIED_EVENT)
    }

    /// `events` until the server stops (the hub is closed), then a last `reconnect` event and
    /// the end of the stream. The event's `retry` tells the browser how long to wait before it
    /// connects again, spread between one and three seconds so that the browsers of a
    /// stopping instance do not all arrive at once at the instances that remain.
    fn until_shutdown<S>(hub: LiveHub, events: S) -> impl Stream<Item = Result<Event, Infallible>>
    where
        S: Stream<Item = Result<Event, Infallible>>,
    {
        use futures_util::StreamExt;
        use releasedesk_core::model::live::{RECONNECT_EVENT, RECONNECT_REASON_SHUTDOWN};
        use std::hash::BuildHasher;
        let closed = hub.closed();
        // Only a stream ended by the shutdown says goodbye: one ended for another reason
        // (its session, say) just ends.
        let goodbye = futures_util::stream::once(async move {
            let spread = std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now()) % 2000;
            let retry = std::time::Duration::from_millis(1000 + spread);
            hub.is_closed()
                .then(|| Ok(Event::default().event(RECONNECT_EVENT).retry(retry).data(RECONNECT_REASON_SHUTDOWN)))
        })
        .filter_map(std::future::ready);
        events.take_until(closed).chain(goodbye)
    }
}

/// What a page's stream tells its listeners.
#[cfg(feature = "hydrate")]
enum Heard {
    Release(LiveEvent),
    Notified,
}

/// Calls `on_event` for every live event while the calling component lives (browser only).
/// Every component of a page shares one stream, opened by the first that asks and kept
/// while the page lives.
pub fn on_live_event(on_event: impl Fn(LiveEvent) + 'static) {
    #[cfg(feature = "hydrate")]
    listen_while_alive(move |heard| {
        if let Heard::Release(event) = heard {
            on_event(event.clone());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = on_event;
}

/// Calls `on_notified` whenever the user has new notifications, while the calling
/// component lives (browser only): the header's bell. Only the user's own pages hear it.
pub fn on_notified(on_notified: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    listen_while_alive(move |heard| {
        if let Heard::Notified = heard {
            on_notified();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = on_notified;
}

/// How often, at most, a page asks the server again for what live events changed.
pub const REFRESH_GAP: std::time::Duration = std::time::Duration::from_millis(500);

/// `refresh`, for a page to call on each live event that concerns it: the first of a burst
/// refreshes at once, the rest at most once every [`REFRESH_GAP`], the last of the burst
/// always included. A page thus shows the latest state, and a pipeline changing fifty
/// releases a second costs each open tab two requests a second, not fifty.
#[cfg(feature = "hydrate")]
pub fn throttled(refresh: impl Fn() + Copy + 'static) -> impl Fn() + Copy + 'static {
    let state = StoredValue::new(Throttle::default());
    on_cleanup(move || {
        if let Some(Some(handle)) = state.try_with_value(|throttle| throttle.timer) {
            handle.clear();
        }
    });
    move || {
        let cooling = state.try_update_value(|throttle| {
            throttle.pending = throttle.timer.is_some();
            throttle.pending
        });
        if cooling == Some(false) {
            refresh_and_cool(state, refresh);
        }
    }
}

/// On the server no event arrives: `refresh` as it is.
#[cfg(not(feature = "hydrate"))]
pub fn throttled(refresh: impl Fn() + Copy + 'static) -> impl Fn() + Copy + 'static {
    refresh
}

/// A [`throttled`] refresh's state: the timer of its gap, while one runs, and whether an
/// event came during it.
#[cfg(feature = "hydrate")]
#[derive(Default)]
struct Throttle {
    timer: Option<TimeoutHandle>,
    pending: bool,
}

#[cfg(feature = "hydrate")]
fn refresh_and_cool(state: StoredValue<Throttle>, refresh: impl Fn() + Copy + 'static) {
    refresh();
    let timer = set_timeout_with_handle(
        move || {
            let again = state.try_update_value(|throttle| {
                throttle.timer = None;
                std::mem::take(&mut throttle.pending)
            });
            if again == Some(true) {
                refresh_and_cool(state, refresh);
            }
        },
        REFRESH_GAP,
    );
    // Without a timer (no window), every event refreshes.
    state.update_value(|throttle| throttle.timer = timer.ok());
}

#[cfg(feature = "hydrate")]
fn listen_while_alive(listener: impl Fn(&Heard) + 'static) {
    let id = shared::listen(std::rc::Rc::new(listener));
    on_cleanup(move || shared::forget(id));
}

/// The page's one stream and the listeners it calls.
#[cfg(feature = "hydrate")]
mod shared {
    use super::{set_live_marker, Heard, LiveEvent};
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    type Listener = Rc<dyn Fn(&Heard)>;

    /// The stream and its handlers, which live as long as it does.
    struct Stream {
        _source: web_sys::EventSource,
        _handlers: Vec<Closure<dyn Fn()>>,
        _message: Closure<dyn Fn(web_sys::MessageEvent)>,
    }

    fn tell(heard: &Heard) {
        // Called outside the borrow: a listener may add or remove listeners.
        let listeners: Vec<Listener> =
            LISTENERS.with_borrow(|listeners| listeners.iter().map(|(_, l)| l.clone()).collect());
        for listener in listeners {
            listener(heard);
        }
    }

    thread_local! {
        static LISTENERS: RefCell<Vec<(u64, Listener)>> = const { RefCell::new(Vec::new()) };
        static NEXT: RefCell<u64> = const { RefCell::new(0) };
        static STREAM: RefCell<Option<Stream>> = const { RefCell::new(None) };
    }

    pub fn listen(listener: Listener) -> u64 {
        let id = NEXT.with_borrow_mut(|next| {
            *next += 1;
            *next
        });
        LISTENERS.with_borrow_mut(|listeners| listeners.push((id, listener)));
        STREAM.with_borrow_mut(|stream| {
            if stream.is_none() {
                *stream = open();
            }
        });
        id
    }

    pub fn forget(id: u64) {
        LISTENERS.with_borrow_mut(|listeners| listeners.retain(|(other, _)| *other != id));
    }

    fn open() -> Option<Stream> {
        let source = web_sys::EventSource::new("/api/events").ok()?;
        let message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
            if let Some(event) =
                message.data().as_string().and_then(|data| serde_json::from_str::<LiveEvent>(&data).ok())
            {
                tell(&Heard::Release(event));
            }
        });
        // New notifications for this user: the bell counts again.
        let notified = Closure::<dyn Fn()>::new(|| tell(&Heard::Notified));
        let event = releasedesk_core::model::live::NOTIFIED_EVENT;
        let _ = source.add_event_listener_with_callback(event, notified.as_ref().unchecked_ref());
        source.set_onmessage(Some(message.as_ref().unchecked_ref()));
        // Marks the page as following live events, so that a test (or a curious user in the
        // inspector) can tell the stream is connected.
        let opened = Closure::<dyn Fn()>::new(|| set_live_marker(Some("open")));
        source.set_onopen(Some(opened.as_ref().unchecked_ref()));
        // The session ended (logout elsewhere, password change, expiry): no reconnecting.
        let ended = Closure::<dyn Fn()>::new({
            let source = source.clone();
            move || {
                source.close();
                set_live_marker(Some("ended"));
            }
        });
        let _ = source.add_event_listener_with_callback("ended", ended.as_ref().unchecked_ref());
        // The server is stopping: the stream ends after this event and the browser connects
        // again by itself after the pause the event set (behind a proxy, to an instance that
        // still serves), with no error shown. `onopen` marks the new stream "open".
        let reconnecting = Closure::<dyn Fn()>::new(|| set_live_marker(Some("reconnecting")));
        let event = releasedesk_core::model::live::RECONNECT_EVENT;
        let _ = source.add_event_listener_with_callback(event, reconnecting.as_ref().unchecked_ref());
        Some(Stream { _source: source, _handlers: vec![opened, ended, reconnecting, notified], _message: message })
    }
}

/// `data-live-events` on the document element: "open" while a stream is connected, "ended"
/// once the server ended it with its session, "reconnecting" once the server said it is
/// stopping, until the next stream opens.
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
