//! The server's background jobs: the webhooks' delivery worker
//! (`releasedesk_core::webhooks`), the mail worker (`releasedesk_core::mail`), the
//! deadline scheduler (`commands::notifications::remind_deadlines`) and the daily merge
//! of SQLite's titles' search index (`store::title_index`). Each runs every poll,
//! step after step while a step finds work, each step a job step that a graceful shutdown
//! lets finish; once stopping begins none starts. What a SIGKILL cuts off is taken up again:
//! a delivery or mail when its lease ends, a reminder at the next step (given only once).

use crate::shutdown::Shutdown;
use releasedesk_core::commands::Desk;
use releasedesk_core::store::Db;
use releasedesk_core::webhooks::{Settings, Worker};
use std::future::Future;
use std::time::Duration;

/// Runs `step` after `first`, then every `poll`, again at once while it answers that it
/// did something.
fn spawn_job<F, Fut>(what: &'static str, first: Duration, poll: Duration, shutdown: Shutdown, step: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = Result<usize, releasedesk_core::Error>> + Send,
{
    tokio::spawn(async move {
        let mut wait = first;
        loop {
            tokio::select! {
                _ = shutdown.stopping() => break,
                () = tokio::time::sleep(wait) => {}
            }
            wait = poll;
            while !shutdown.is_stopping() {
                match shutdown.job_step(step()).await {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "background job failed: {what}");
                        break;
                    }
                }
            }
        }
    });
}

/// Starts the webhooks' worker on `db`.
pub fn spawn(db: Db, settings: Settings, shutdown: Shutdown) -> Result<(), String> {
    let worker = Worker::new(db, settings)?;
    let poll = worker.settings().poll;
    spawn_job("deliver the webhooks' events", poll, poll, shutdown, move || {
        let worker = worker.clone();
        async move { worker.deliver_due().await }
    });
    Ok(())
}

/// With `SMTP_URL`: queues the notifications' mail from now on and starts the mail worker.
pub fn spawn_mail(db: Db, public_url: String, shutdown: Shutdown) -> Result<bool, String> {
    use releasedesk_core::mail;
    let Some(settings) = mail::Settings::from_env()? else { return Ok(false) };
    let worker = mail::Worker::new(db, settings)?;
    mail::start_queueing(mail::Queueing { public_url });
    let poll = worker.poll();
    spawn_job("send the notifications' mail", poll, poll, shutdown, move || {
        let worker = worker.clone();
        async move { worker.send_due().await }
    });
    Ok(true)
}

/// Starts the deadline scheduler: every `DEADLINE_POLL_MS` (a minute) it gives the
/// reminders due and queues the day's digests (each once, whichever instance gets there
/// first).
pub fn spawn_reminders(desk: Desk, shutdown: Shutdown) -> Result<(), String> {
    let poll = releasedesk_core::outbox::env_number("DEADLINE_POLL_MS")?.unwrap_or(60_000).max(10);
    let poll = Duration::from_millis(poll);
    spawn_job("remind of deadlines", poll, poll, shutdown, move || {
        let desk = desk.clone();
        async move {
            use releasedesk_core::commands::notifications::{queue_digests, remind_deadlines};
            let now = releasedesk_core::store::now();
            remind_deadlines(&desk, now).await?;
            if let Some(queueing) = releasedesk_core::mail::queueing() {
                queue_digests(&desk, now, queueing).await?;
            }
            // One round a poll: the next comes with the clock.
            Ok(0)
        }
    });
    Ok(())
}

/// Merges the titles' search index into one segment a minute after start-up and then once
/// a day, a step at a time ([`releasedesk_core::store::title_index`]; on PostgreSQL a
/// step finds nothing to merge).
pub fn spawn_title_index_merge(db: Db, shutdown: Shutdown) {
    const DAY: Duration = Duration::from_secs(86_400);
    spawn_job("merge the titles' search index", Duration::from_secs(60), DAY, shutdown, move || {
        let db = db.clone();
        async move { Ok(usize::from(releasedesk_core::store::title_index::merge_step(&db).await?)) }
    });
}
