//! Stopping gracefully on SIGTERM or Ctrl-C (SIGINT): the listener stops accepting, the
//! requests in flight run to their answers, the live-event streams end with a last event
//! that sends the browser elsewhere, the background job steps under way finish; all within
//! the grace period (`SHUTDOWN_GRACE`), after which the process exits anyway.
//!
//! [`Shutdown`] is the one handle on it: cheap to clone, it tells whoever asks whether the
//! server is stopping (readiness answers 503 from the first moment) and lets them wait for it.

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// The grace period when `SHUTDOWN_GRACE` does not set one.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(20);

/// Whether the server is stopping, shared by everything that needs to know.
#[derive(Clone)]
pub struct Shutdown {
    stopping: CancellationToken,
    /// How many job steps are under way.
    steps: Arc<watch::Sender<usize>>,
}

impl Default for Shutdown {
    fn default() -> Shutdown {
        Shutdown { stopping: CancellationToken::new(), steps: Arc::new(watch::Sender::new(0)) }
    }
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// Starts stopping (what a SIGTERM does). Calling it again changes nothing.
    pub fn begin(&self) {
        if !self.stopping.is_cancelled() {
            tracing::info!("stopping: no new connections; open requests and job steps may finish");
        }
        self.stopping.cancel();
    }

    /// Whether stopping has begun.
    pub fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    /// Completes when stopping begins (at once if it has).
    pub fn stopping(&self) -> WaitForCancellationFutureOwned {
        self.stopping.clone().cancelled_owned()
    }

    /// Runs one step of a background job (one batch of mails, one webhook delivery) so that
    /// the shutdown waits for it, within the grace period, instead of cutting it halfway.
    /// A job loop checks [`Shutdown::stopping`] between its steps and starts no new one once
    /// stopping has begun:
    ///
    /// ```ignore
    /// loop {
    ///     tokio::select! { _ = shutdown.stopping() => break, _ = interval.tick() => {} }
    ///     shutdown.job_step(deliver_next_batch(&db)).await;
    /// }
    /// ```
    pub fn job_step<F: Future>(&self, step: F) -> impl Future<Output = F::Output> {
        let steps = Arc::clone(&self.steps);
        async move {
            steps.send_modify(|n| *n += 1);
            // Counted down however the step ends, dropped halfway included.
            let _under_way = StepUnderWay(steps);
            step.await
        }
    }

    /// Begins stopping on the first SIGTERM or SIGINT (Ctrl-C); a second one exits at once.
    /// The handlers are installed before this returns: a signal that comes after is never
    /// the default "terminate now".
    pub fn begin_on_signals(&self) -> Result<(), String> {
        let mut signals = StopSignals::install()?;
        let shutdown = self.clone();
        tokio::spawn(async move {
            let name = signals.next().await;
            tracing::info!(signal = name, "stop requested");
            shutdown.begin();
            let name = signals.next().await;
            tracing::warn!(signal = name, "second stop request: exiting without waiting");
            std::process::exit(1);
        });
        Ok(())
    }

    /// Serves until stopping begins and then until every connection has closed, or the
    /// grace period has passed since stopping began, whichever is first; then waits for the
    /// job steps under way with what is left of the grace. `serving` is axum's server with
    /// [`Shutdown::stopping`] as its graceful-shutdown signal.
    pub async fn serve<S>(&self, serving: S, grace: Duration) -> std::io::Result<()>
    where
        S: IntoFuture<Output = std::io::Result<()>>,
    {
        let serving = serving.into_future();
        tokio::pin!(serving);
        let cut_at = tokio::select! {
            served = &mut serving => {
                served?;
                Instant::now() + grace
            }
            _ = self.stopping() => {
                let cut_at = Instant::now() + grace;
                tokio::select! {
                    served = &mut serving => served?,
                    () = tokio::time::sleep_until(cut_at) => {
                        let seconds = grace.as_secs_f64();
                        tracing::warn!(grace_seconds = seconds, "requests still open at the end of the grace period: cut");
                    }
                }
                cut_at
            }
        };
        let mut steps = self.steps.subscribe();
        tokio::select! {
            _ = steps.wait_for(|n| *n == 0) => {}
            () = tokio::time::sleep_until(cut_at) => {
                tracing::warn!("background job steps still running at the end of the grace period: cut");
            }
        }
        tracing::info!("stopped");
        Ok(())
    }
}

struct StepUnderWay(Arc<watch::Sender<usize>>);

impl Drop for StepUnderWay {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// The signals that stop the server, listened for from the moment they are installed.
struct StopSignals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> Result<StopSignals, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let install = |kind, name| signal(kind).map_err(|e| format!("cannot listen for {name}: {e}"));
            Ok(StopSignals {
                terminate: install(SignalKind::terminate(), "SIGTERM")?,
                interrupt: install(SignalKind::interrupt(), "SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// The name of the next signal received.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn a_job_step_under_way_finishes_before_the_server_stops() {
        let shutdown = Shutdown::new();
        let finished = Arc::new(AtomicBool::new(false));
        let (started, step_started) = tokio::sync::oneshot::channel();
        let step = {
            let (shutdown, finished) = (shutdown.clone(), finished.clone());
            tokio::spawn(async move {
                shutdown
                    .job_step(async {
                        let _ = started.send(());
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        finished.store(true, Ordering::SeqCst);
                    })
                    .await
            })
        };
        step_started.await.expect("the step started");
        shutdown.begin();
        let began = Instant::now();
        shutdown.serve(async { Ok(()) }, Duration::from_secs(10)).await.expect("served");
        assert!(finished.load(Ordering::SeqCst), "the server stopped before the job step finished");
        assert!(began.elapsed() < Duration::from_secs(10));
        step.await.expect("the step's task");
    }

    #[tokio::test]
    async fn open_requests_and_job_steps_are_cut_when_the_grace_period_ends() {
        let shutdown = Shutdown::new();
        let (started, step_started) = tokio::sync::oneshot::channel();
        let _step = {
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                shutdown
                    .job_step(async {
                        let _ = started.send(());
                        std::future::pending::<()>().await
                    })
                    .await
            })
        };
        step_started.await.expect("the step started");
        shutdown.begin();
        let began = Instant::now();
        let never_done = std::future::pending::<std::io::Result<()>>();
        shutdown.serve(never_done, Duration::from_millis(500)).await.expect("served");
        let took = began.elapsed();
        // One grace period for both: the job steps get what the requests left of it.
        assert!(took >= Duration::from_millis(500) && took < Duration::from_secs(5), "stopped after {took:?}");
    }
}
