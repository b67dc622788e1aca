//! Runs the webhooks' delivery worker (`releasedesk_core::webhooks`) beside the server:
//! every `WEBHOOK_POLL_MS` it sends what is due, batch after batch, each batch a job step
//! that a graceful shutdown lets finish; once stopping begins it starts no new one. A
//! delivery cut off (a SIGKILL, a crash) is sent again when its lease ends.

use crate::shutdown::Shutdown;
use releasedesk_core::store::Db;
use releasedesk_core::webhooks::{Settings, Worker};

/// Starts the worker on `db`.
pub fn spawn(db: Db, settings: Settings, shutdown: Shutdown) -> Result<(), String> {
    let worker = Worker::new(db, settings)?;
    tokio::spawn(async move {
        let poll = worker.settings().poll;
        loop {
            tokio::select! {
                _ = shutdown.stopping() => break,
                () = tokio::time::sleep(poll) => {}
            }
            while !shutdown.is_stopping() {
                match shutdown.job_step(worker.deliver_due()).await {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "cannot deliver the webhooks' events");
                        break;
                    }
                }
            }
        }
    });
    Ok(())
}
