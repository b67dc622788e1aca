//! Captures of one release by this instance take turns, and those who waited learn the
//! outcome from the capture before them instead of asking the database.
//!
//! When a task becomes free, people confirm its capture at once; many read it free before
//! the first capture commits. Each of them used to run its transaction to be refused: a
//! connection held while PostgreSQL made it wait for the winner's row lock, then the
//! statements that name the holder. Now a capture that read the task free takes its turn
//! on the release first. The capture that wins records the version it claimed and who
//! holds the task now; a capture that read that same version has lost to it, which is what
//! the guarded write would have answered, and is told so at once. Anything else (another
//! version, a capture that was refused) leaves no record, and the capture writes as before:
//! the guarded write (`claim_version`) still decides who wins, also between instances.
//!
//! One turn per stripe of release ids, each a fair (first come, first served) mutex: two
//! releases that share a stripe take turns too, which costs one capture's time at most.
//!
//! Before their turns, the captures that come while the release is being read for one of
//! them take that read's answer instead of reading it again ([`CaptureTurns::read`]): a
//! burst of captures reads the row a few times, not once per person. Such a capture sees
//! the release as it was at most one read earlier than it came; whatever it decides from
//! that is checked again by the guarded write, so the worst it can give is the refusal of a
//! write made in that moment ("the release changed"), never a second winner.

use crate::domain::flow::Holder;
use crate::domain::ReleaseId;
use crate::store::releases::LoadedRelease;
use crate::Error;
use std::collections::HashMap;
use std::future::Future;
use tokio::sync::{watch, Mutex, MutexGuard};

const STRIPES: usize = 64;

/// A capture this instance made: the release, the version it claimed, who holds the task.
#[derive(Debug)]
struct Won {
    release: ReleaseId,
    version: i64,
    holder: Holder,
}

/// The reads of releases on their way, each with the answer its waiters receive.
type Reads = std::sync::Mutex<HashMap<ReleaseId, watch::Receiver<Option<LoadedRelease>>>>;

#[derive(Debug)]
pub(crate) struct CaptureTurns {
    turns: [Mutex<Option<Won>>; STRIPES],
    /// The reads of a release on their way, which the captures that come meanwhile share.
    reads: Reads,
}

impl Default for CaptureTurns {
    fn default() -> CaptureTurns {
        CaptureTurns { turns: std::array::from_fn(|_| Mutex::new(None)), reads: Default::default() }
    }
}

/// The read of a release that other captures wait for: forgotten once it ends, answered or
/// not (its sender dropped, they read for themselves).
struct Reading<'a> {
    reads: &'a Reads,
    release: ReleaseId,
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.reads.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.release);
    }
}

/// A capture's turn on a release, held until dropped.
pub(crate) struct Turn<'a> {
    release: ReleaseId,
    won: MutexGuard<'a, Option<Won>>,
}

impl CaptureTurns {
    /// The turn on `release`, once the captures before it have ended theirs.
    pub async fn take(&self, release: ReleaseId) -> Turn<'_> {
        let stripe = release.0.rem_euclid(STRIPES as i64) as usize;
        Turn { release, won: self.turns[stripe].lock().await }
    }

    /// The release as `load` reads it, or as the read of it already on its way answers: when
    /// a task becomes free, its group's captures come at once, and they all read the same
    /// row. A read that fails, or whose capture went away, is not shared: each of its
    /// waiters reads for itself.
    pub async fn read<F>(&self, release: ReleaseId, load: impl FnOnce() -> F) -> Result<LoadedRelease, Error>
    where
        F: Future<Output = Result<LoadedRelease, Error>>,
    {
        let on_its_way = {
            let mut reads = self.reads.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match reads.get(&release) {
                Some(answer) => Err(answer.clone()),
                None => {
                    let (sender, answer) = watch::channel(None);
                    reads.insert(release, answer);
                    Ok(sender)
                }
            }
        };
        match on_its_way {
            Ok(sender) => {
                let _reading = Reading { reads: &self.reads, release };
                let read = load().await?;
                sender.send_replace(Some(read.clone()));
                Ok(read)
            }
            Err(mut answer) => {
                let shared = answer.wait_for(Option::is_some).await.ok().and_then(|read| read.clone());
                match shared {
                    Some(read) => Ok(read),
                    None => load().await,
                }
            }
        }
    }
}

impl Turn<'_> {
    /// Who took the task from a capture that read the release at `version`: that version's
    /// winner, when it was a capture of this instance.
    pub fn lost_to(&self, version: i64) -> Option<Holder> {
        let won = self.won.as_ref()?;
        (won.release == self.release && won.version == version).then(|| won.holder.clone())
    }

    /// This capture claimed `version` and now holds the task.
    pub fn won(&mut self, version: i64, holder: Holder) {
        *self.won = Some(Won { release: self.release, version, holder });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    use std::sync::Arc;
    use tokio::task::JoinHandle;

    fn ana() -> Holder {
        Holder { user: UserId(1), name: "Ana".into() }
    }

    #[tokio::test]
    async fn a_capture_that_read_the_version_won_learns_the_winner_and_no_other_does() {
        let turns = CaptureTurns::default();
        let mut first = turns.take(ReleaseId(7)).await;
        assert_eq!(first.lost_to(3), None, "no capture before");
        first.won(3, ana());
        drop(first);
        let second = turns.take(ReleaseId(7)).await;
        assert_eq!(second.lost_to(3), Some(ana()), "the same version was won");
        assert_eq!(second.lost_to(4), None, "a later version was not");
        drop(second);
        // Release 71 shares release 7's stripe, not its capture.
        assert_eq!(turns.take(ReleaseId(7 + STRIPES as i64)).await.lost_to(3), None);
    }

    fn release(version: i64) -> LoadedRelease {
        use crate::domain::flow::ReleaseState;
        use crate::domain::{GroupId, Status};
        LoadedRelease {
            id: ReleaseId(7),
            flow_id: 1,
            executor_group: GroupId(2),
            requester: UserId(3),
            state: ReleaseState { status: Status::Approved, row_version: version, task: None },
            captured_at: None,
        }
    }

    type Answer = Result<LoadedRelease, Error>;

    /// A capture of release 7 reading it through `turns`, on a task of its own.
    fn spawn_read<F>(turns: &Arc<CaptureTurns>, load: impl FnOnce() -> F + Send + 'static) -> JoinHandle<Answer>
    where
        F: Future<Output = Answer> + Send + 'static,
    {
        let turns = turns.clone();
        tokio::spawn(async move { turns.read(ReleaseId(7), load).await })
    }

    /// What a spawned read answered, within 30 s.
    async fn answered(read: JoinHandle<Answer>) -> Answer {
        tokio::time::timeout(std::time::Duration::from_secs(30), read).await.expect("answered").expect("the task")
    }

    #[tokio::test]
    async fn captures_that_come_while_the_release_is_read_share_that_read() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let turns = Arc::new(CaptureTurns::default());
        let reads = Arc::new(AtomicUsize::new(0));
        let (answer, answered_at) = tokio::sync::oneshot::channel::<()>();
        let first = spawn_read(&turns, {
            let reads = reads.clone();
            || async move {
                reads.fetch_add(1, Ordering::SeqCst);
                answered_at.await.map_err(|_| Error::Internal)?;
                Ok(release(4))
            }
        });
        // The second comes once the first's read is on its way.
        while reads.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let second = spawn_read(&turns, {
            let reads = reads.clone();
            || async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(release(5))
            }
        });
        tokio::task::yield_now().await;
        answer.send(()).expect("the first read waits");
        let first = answered(first).await.expect("read");
        let second = answered(second).await.expect("read");
        assert_eq!((first.state.row_version, second.state.row_version), (4, 4), "one answer for both");
        assert_eq!(reads.load(Ordering::SeqCst), 1, "one read");

        // Once it has ended, the next capture reads again.
        let again = turns.read(ReleaseId(7), || async { Ok(release(6)) }).await.expect("read");
        assert_eq!(again.state.row_version, 6);
    }

    #[tokio::test]
    async fn a_read_that_fails_is_not_shared() {
        let turns = Arc::new(CaptureTurns::default());
        let (fail, failed) = tokio::sync::oneshot::channel::<()>();
        let (started, on_its_way) = tokio::sync::oneshot::channel::<()>();
        let first = spawn_read(&turns, || async move {
            let _ = started.send(());
            let _ = failed.await;
            Err(Error::Internal)
        });
        on_its_way.await.expect("the first read started");
        let second = spawn_read(&turns, || async { Ok(release(5)) });
        tokio::task::yield_now().await;
        fail.send(()).expect("the first read waits");
        assert!(answered(first).await.is_err());
        assert_eq!(answered(second).await.expect("its own read").state.row_version, 5);
    }

    #[tokio::test]
    async fn the_next_turn_waits_for_the_one_before() {
        let turns = Arc::new(CaptureTurns::default());
        let mut first = turns.take(ReleaseId(7)).await;
        let waiting = tokio::spawn({
            let turns = turns.clone();
            async move { turns.take(ReleaseId(7)).await.lost_to(3) }
        });
        let another = tokio::time::timeout(std::time::Duration::from_secs(30), turns.take(ReleaseId(8))).await;
        assert!(another.is_ok(), "another release does not wait");
        drop(another);
        first.won(3, ana());
        drop(first);
        let learned = tokio::time::timeout(std::time::Duration::from_secs(30), waiting)
            .await
            .expect("the next turn comes once the first ends")
            .expect("the waiting task");
        assert_eq!(learned, Some(ana()), "what the first one won");
    }
}
