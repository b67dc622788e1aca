//! Server-rendered pages run to their end, even when the browser leaves first.
//!
//! Leptos releases a page's reactive tree in the last step of its HTML stream. A `Suspense`
//! on the page resolves in a task of its own, which renders its children again when its data
//! arrives. If the client goes away first, hyper drops the stream, the tree goes with it,
//! and that task runs the page's components without their contexts: it panics ("I18n
//! context is missing", "already disposed"), and a panic with `RUST_BACKTRACE` set keeps
//! tens of megabytes of symbol tables for the rest of the process (BENCHMARKS.md,
//! *Memory*). Rendering in a task of its own, fed to the client through a channel, lets
//! every page end the way a completed one does.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

/// Chunks of a page in flight to a slow client: leptos sends a page in a few chunks.
const BUFFERED_CHUNKS: usize = 8;

/// Middleware: renders a page in its own task and streams it to the client through a
/// channel. Server functions, live events and static files pass straight through.
pub async fn finish_page_renders(request: Request, next: Next) -> Response {
    if !renders_a_page(&request) {
        return next.run(request).await;
    }
    let (head_sender, head) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (parts, body) = next.run(request).await.into_parts();
        let (chunk_sender, mut chunks) = tokio::sync::mpsc::channel::<Result<Bytes, axum::Error>>(BUFFERED_CHUNKS);
        let to_client = Body::from_stream(futures_util::stream::poll_fn(move |cx| chunks.poll_recv(cx)));
        let mut client = head_sender.send(Response::from_parts(parts, to_client)).is_ok().then_some(chunk_sender);
        let mut body = body.into_data_stream();
        // Read to the end even once the client has gone: the last chunk releases the page.
        while let Some(chunk) = body.next().await {
            if let Some(sender) = &client {
                if sender.send(chunk).await.is_err() {
                    client = None;
                }
            }
        }
    });
    // The task only ends without a response if rendering panicked.
    head.await.unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn renders_a_page(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::GET && !path.starts_with("/api/") && !path.starts_with("/pkg/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use axum::Router;
    use http_body_util::BodyExt;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;
    use tower::ServiceExt;

    /// A router whose page streams three chunks and raises `finished` with the last, as
    /// Leptos releases a page's tree with its last chunk.
    fn site(finished: Arc<AtomicBool>) -> Router {
        let page = move || {
            let finished = finished.clone();
            async move {
                let chunks = futures_util::stream::iter(0..3).then(move |n| {
                    let finished = finished.clone();
                    async move {
                        tokio::task::yield_now().await;
                        if n == 2 {
                            finished.store(true, Ordering::SeqCst);
                        }
                        Ok::<_, std::convert::Infallible>(Bytes::from(format!("chunk {n};")))
                    }
                });
                Body::from_stream(chunks)
            }
        };
        Router::new().route("/releases", get(page)).layer(axum::middleware::from_fn(finish_page_renders))
    }

    fn get_page() -> Request {
        Request::get("/releases").body(Body::empty()).expect("request")
    }

    #[tokio::test]
    async fn a_client_that_stays_gets_the_whole_page() {
        let response = site(Arc::default()).oneshot(get_page()).await.expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.expect("body").to_bytes();
        assert_eq!(body, "chunk 0;chunk 1;chunk 2;");
    }

    #[tokio::test]
    async fn a_page_is_read_to_its_end_after_the_client_has_left() {
        let finished = Arc::new(AtomicBool::new(false));
        let response = site(finished.clone()).oneshot(get_page()).await.expect("response");
        // The client leaves with the head, before reading any of the page.
        drop(response);
        let render_ends = async {
            while !finished.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        assert!(
            tokio::time::timeout(Duration::from_secs(5), render_ends).await.is_ok(),
            "the page's last chunk never ran"
        );
    }
}
