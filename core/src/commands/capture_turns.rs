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

use crate::domain::flow::Holder;
use crate::domain::ReleaseId;
use tokio::sync::{Mutex, MutexGuard};

const STRIPES: usize = 64;

/// A capture this instance made: the release, the version it claimed, who holds the task.
#[derive(Debug)]
struct Won {
    release: ReleaseId,
    version: i64,
    holder: Holder,
}

#[derive(Debug)]
pub(crate) struct CaptureTurns([Mutex<Option<Won>>; STRIPES]);

impl Default for CaptureTurns {
    fn default() -> CaptureTurns {
        CaptureTurns(std::array::from_fn(|_| Mutex::new(None)))
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
        Turn { release, won: self.0[stripe].lock().await }
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
