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
