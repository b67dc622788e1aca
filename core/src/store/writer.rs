//! Where write transactions run ([`Db::begin_write`](super::Db::begin_write)).
//!
//! On PostgreSQL each command writes in a transaction of its own from the pool.
//!
//! SQLite takes one writer at a time, and a commit waits for the disk (`synchronous = FULL`:
//! an answered save survives a power cut). Commands that queue for the writer therefore
//! share commits (group commit): the first begins a transaction and writes in it, each
//! after it in a savepoint of it (their *turns*), and the last of those that queued
//! meanwhile commits for all, at most [`MOST_PER_COMMIT`]. A command alone costs the writer
//! `BEGIN IMMEDIATE` and `COMMIT` as before; one in a shared transaction `SAVEPOINT` and
//! `RELEASE` instead, which wait for no disk. (A savepoint left unreleased until the commit
//! makes every later write keep its pages' old contents for it: advances ran a third
//! slower so, BENCHMARKS.md, *The twentieth pass*.)
//!
//! Every command still answers only once its writes are committed: [`WriteTx::commit`]
//! returns after the shared commit, with its outcome. A command that ends without
//! committing (an error, a dropped request) has its writes undone and takes nothing of the
//! others' with it.
//!
//! A turn that ends without committing (most often a refusal: of 200 people capturing one
//! task, 199 are refused) ends the shared transaction too, committing the turns before it.
//! Handed on to the next refused one instead, it kept the winner's commit waiting behind
//! every refused turn, and more of the 200 read the task still free and came to the writer
//! to be refused (BENCHMARKS.md, *The twenty-first pass*).
//!
//! Nobody is left waiting for a commit that no one makes: a turn that ends without
//! committing, and a command that stops queueing, commit the open transaction. A turn's
//! start and end run in tasks of their own, which a dropped request does not stop halfway
//! ([`uncancelled`]).

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{watch, Mutex, OwnedMutexGuard};

/// The most commands one SQLite commit takes: bounds how long the first of them waits.
const MOST_PER_COMMIT: usize = 64;

/// Where write transactions run: PostgreSQL's pool, or SQLite's one writing connection.
#[derive(Debug, Clone)]
pub(super) enum Writer {
    Pool(AnyPool),
    Shared(Arc<Shared>),
}

impl Writer {
    /// SQLite's writer over `pool`, its one connection.
    pub(super) fn shared(pool: AnyPool) -> Writer {
        Writer::Shared(Arc::new(Shared {
            pool,
            state: Arc::new(Mutex::new(State::default())),
            queued: AtomicUsize::new(0),
        }))
    }

    pub(super) fn pool(&self) -> &AnyPool {
        match self {
            Writer::Pool(pool) => pool,
            Writer::Shared(shared) => &shared.pool,
        }
    }

    /// Commands queued for SQLite's writer (tests).
    #[cfg(test)]
    pub(super) fn queued(&self) -> usize {
        match self {
            Writer::Pool(_) => 0,
            Writer::Shared(shared) => shared.queued.load(Ordering::Acquire),
        }
    }

    pub(super) async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        Ok(WriteTx(match self {
            Writer::Pool(pool) => Inner::Own(pool.begin().await?),
            Writer::Shared(shared) => Inner::Turn(uncancelled(Turn::begin(shared.clone())).await?),
        }))
    }
}

/// SQLite's writing connection and the transaction its commands share.
#[derive(Debug)]
pub(super) struct Shared {
    pool: AnyPool,
    state: Arc<Mutex<State>>,
    /// Commands queued for the writer: while there are any, a turn leaves the transaction
    /// open for them.
    queued: AtomicUsize,
}

#[derive(Debug, Default)]
struct State {
    /// The connection, held while a transaction is open.
    conn: Option<PoolConnection<Any>>,
    open: Option<Batch>,
    /// A turn ended without committing: its writes are undone before anything else.
    unfinished: Option<Undo>,
}

/// How a turn's writes are undone: the first of a transaction rolls it back whole (nobody
/// else wrote in it yet), the others roll back to their savepoint.
#[derive(Debug, Clone, Copy)]
enum Undo {
    Transaction,
    Savepoint,
}

/// The open transaction: how many turns it holds, and where they learn how it ended.
#[derive(Debug)]
struct Batch {
    turns: usize,
    outcome: watch::Sender<Option<Outcome>>,
}

/// How a shared commit ended, for each of its commands.
type Outcome = Result<(), String>;

/// A command's write transaction; it derefs to the connection to write on.
pub struct WriteTx(Inner);

enum Inner {
    Own(Transaction<'static, Any>),
    Turn(Turn),
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Inner::Own(_) => "WriteTx(own)",
            Inner::Turn(_) => "WriteTx(turn)",
        })
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.0 {
            Inner::Own(tx) => tx,
            Inner::Turn(turn) => turn.conn(),
        }
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.0 {
            Inner::Own(tx) => tx,
            Inner::Turn(turn) => turn.conn_mut(),
        }
    }
}

impl WriteTx {
    /// Commits the command's writes; on SQLite, returns once the commit they share is done.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Inner::Own(tx) => tx.commit().await,
            Inner::Turn(turn) => uncancelled(turn.commit()).await,
        }
    }

    /// Undoes the command's writes; on SQLite, the others' in the shared transaction stay.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.0 {
            Inner::Own(tx) => tx.rollback().await,
            Inner::Turn(turn) => uncancelled(turn.rollback()).await,
        }
    }
}

/// A command's part of SQLite's shared transaction; holds the writer until it ends.
struct Turn {
    shared: Arc<Shared>,
    /// Both present until the turn ends (`commit`, or `drop`).
    held: Option<(OwnedMutexGuard<State>, PoolConnection<Any>)>,
    undo: Undo,
}

const HELD: &str = "a turn holds the writer until it ends";

impl Turn {
    async fn begin(shared: Arc<Shared>) -> Result<Turn, sqlx::Error> {
        let queued = Queued::new(&shared);
        let mut state = tokio::time::timeout(super::ACQUIRE_TIMEOUT, shared.state.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        queued.arrived();
        let conn = match state.conn.take() {
            Some(conn) => conn,
            None => shared.pool.acquire().await?,
        };
        let conn = settle(&mut state, conn).await?;
        let (conn, undo) = if state.open.is_none() {
            let conn = step(&mut state, conn, "BEGIN IMMEDIATE").await?;
            state.open = Some(Batch { turns: 0, outcome: watch::Sender::new(None) });
            (conn, Undo::Transaction)
        } else {
            (step(&mut state, conn, "SAVEPOINT turn").await?, Undo::Savepoint)
        };
        Ok(Turn { shared, held: Some((state, conn)), undo })
    }

    fn conn(&self) -> &AnyConnection {
        self.held.as_ref().map(|(_, conn)| &**conn).expect(HELD)
    }

    fn conn_mut(&mut self) -> &mut AnyConnection {
        self.held.as_mut().map(|(_, conn)| &mut **conn).expect(HELD)
    }

    async fn commit(mut self) -> Result<(), sqlx::Error> {
        let (mut state, mut conn) = self.held.take().expect(HELD);
        if matches!(self.undo, Undo::Savepoint) {
            conn = step(&mut state, conn, "RELEASE turn").await?;
        }
        let Some(batch) = state.open.as_mut() else {
            return Err(sqlx::Error::Protocol("the shared transaction ended during a turn".into()));
        };
        batch.turns += 1;
        if batch.turns >= MOST_PER_COMMIT || self.shared.queued.load(Ordering::Acquire) == 0 {
            return finish(&mut state, conn).await;
        }
        // The next command in the queue writes in the same transaction; one of those after
        // it commits.
        let mut outcome = batch.outcome.subscribe();
        state.conn = Some(conn);
        drop(state);
        let ended = outcome.wait_for(Option::is_some).await;
        match ended.as_deref() {
            Ok(Some(Ok(()))) => Ok(()),
            Ok(Some(Err(error))) => Err(sqlx::Error::Protocol(error.clone())),
            Ok(None) | Err(_) => Err(sqlx::Error::Protocol("the shared transaction ended uncommitted".into())),
        }
    }

    async fn rollback(mut self) -> Result<(), sqlx::Error> {
        let (mut state, conn) = self.held.take().expect(HELD);
        state.unfinished = Some(self.undo);
        let conn = settle(&mut state, conn).await?;
        commit_for_others(&mut state, conn).await;
        Ok(())
    }
}

impl Drop for Turn {
    /// A turn that ends without committing: its writes are undone, and the transaction
    /// committed for the turns before it.
    fn drop(&mut self) {
        if let Some((mut state, conn)) = self.held.take() {
            state.unfinished = Some(self.undo);
            state.conn = Some(conn);
            hand_on(self.shared.clone(), Some(state));
        }
    }
}

/// Counts a command queued for the writer until it has it; one that stops queueing (its
/// request dropped, or tired of waiting) may leave an open transaction to nobody.
struct Queued<'a> {
    shared: &'a Arc<Shared>,
    waiting: bool,
}

impl<'a> Queued<'a> {
    fn new(shared: &'a Arc<Shared>) -> Queued<'a> {
        shared.queued.fetch_add(1, Ordering::AcqRel);
        Queued { shared, waiting: true }
    }

    fn arrived(mut self) {
        self.shared.queued.fetch_sub(1, Ordering::AcqRel);
        self.waiting = false;
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        if self.waiting {
            self.shared.queued.fetch_sub(1, Ordering::AcqRel);
            hand_on(self.shared.clone(), None);
        }
    }
}

/// Sees to an open transaction that its last turn may have left to nobody: rolls back an
/// unfinished turn, then commits for the turns before it, unless the next turn has already
/// taken the writer (and ends the transaction itself).
fn hand_on(shared: Arc<Shared>, state: Option<OwnedMutexGuard<State>>) {
    // Without a runtime (the server stopping), the connection closes with the transaction
    // and SQLite rolls it back; nobody is left to wait for it.
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    runtime.spawn(async move {
        let mut state = match state {
            Some(state) => state,
            None => shared.state.clone().lock_owned().await,
        };
        let Some(conn) = state.conn.take() else { return };
        // A failure has rolled the transaction back and told its turns.
        if let Ok(conn) = settle(&mut state, conn).await {
            commit_for_others(&mut state, conn).await;
        }
    });
}

/// After a turn that wrote nothing of its own: commits the open transaction for the turns
/// before it, which wait for it.
async fn commit_for_others(state: &mut State, conn: PoolConnection<Any>) {
    if let Err(error) = finish(state, conn).await {
        tracing::warn!(%error, "cannot commit the writes of the commands that shared a commit");
    }
}

/// Runs the writer's own steps (a turn's start and end) in a task of their own: a request
/// dropped while one runs (its client gone) must not stop it between a statement and the
/// record of what that statement did. Whatever the task gives back when nobody awaits it
/// any more is dropped: a turn nobody took ends as a dropped one.
async fn uncancelled<T: Send + 'static>(
    step: impl std::future::Future<Output = Result<T, sqlx::Error>> + Send + 'static,
) -> Result<T, sqlx::Error> {
    tokio::spawn(step).await.map_err(|error| sqlx::Error::Protocol(format!("the writer's step failed: {error}")))?
}

async fn execute(conn: &mut AnyConnection, statement: &str) -> Result<(), sqlx::Error> {
    sqlx::query(statement).execute(conn).await.map(|_| ())
}

/// Runs one of the writer's own statements; one that fails gives up the open transaction
/// ([`fail`]), since SQLite may have ended it.
async fn step(
    state: &mut State,
    mut conn: PoolConnection<Any>,
    statement: &str,
) -> Result<PoolConnection<Any>, sqlx::Error> {
    match execute(&mut conn, statement).await {
        Ok(()) => Ok(conn),
        Err(error) => {
            fail(state, conn, &error).await;
            Err(error)
        }
    }
}

/// Undoes the writes of a turn that ended without committing.
async fn settle(state: &mut State, conn: PoolConnection<Any>) -> Result<PoolConnection<Any>, sqlx::Error> {
    match state.unfinished.take() {
        None => Ok(conn),
        Some(Undo::Savepoint) => {
            let conn = step(state, conn, "ROLLBACK TO turn").await?;
            step(state, conn, "RELEASE turn").await
        }
        Some(Undo::Transaction) => {
            let conn = step(state, conn, "ROLLBACK").await?;
            // It held no other turn: nobody waits for its outcome.
            state.open = None;
            Ok(conn)
        }
    }
}

/// Commits the open transaction and tells its turns; the connection goes back to its pool.
async fn finish(state: &mut State, mut conn: PoolConnection<Any>) -> Result<(), sqlx::Error> {
    if state.open.is_none() {
        return Ok(());
    }
    let committed = execute(&mut conn, "COMMIT").await;
    if committed.is_err() {
        // Whatever SQLite kept of the transaction goes; the turns learn of the failure.
        roll_back(&mut conn).await;
    }
    if let Some(batch) = state.open.take() {
        batch.outcome.send_replace(Some(committed.as_ref().map(|_| ()).map_err(ToString::to_string)));
    }
    committed
}

/// Gives up the open transaction after an error that may have broken it: rolls it back
/// and tells its turns.
async fn fail(state: &mut State, mut conn: PoolConnection<Any>, error: &sqlx::Error) {
    state.unfinished = None;
    if let Some(batch) = state.open.take() {
        roll_back(&mut conn).await;
        batch.outcome.send_replace(Some(Err(error.to_string())));
    }
}

/// Rolls the open transaction back; a connection that cannot is closed rather than
/// handed on with a transaction in it.
async fn roll_back(conn: &mut PoolConnection<Any>) {
    if execute(conn, "ROLLBACK").await.is_err() {
        conn.close_on_drop();
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Db;
    use tokio::sync::oneshot;

    /// A fresh SQLite desk in a file of its own, with a table `t` to write to; its directory
    /// is removed when the first part is dropped.
    async fn desk(name: &str) -> (tempfile::TempDir, Db) {
        let dir = tempfile::Builder::new()
            .prefix(&format!("releasedesk-writer-{name}-"))
            .tempdir()
            .expect("a temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("desk.db").display());
        let db = crate::store::connect(&url).await.expect("a SQLite desk");
        sqlx::query("CREATE TABLE t (x BIGINT NOT NULL)").execute(&db.pool).await.expect("a table");
        (dir, db)
    }

    async fn written(db: &Db) -> Vec<i64> {
        sqlx::query_scalar("SELECT x FROM t ORDER BY x").fetch_all(&db.pool).await.expect("the rows")
    }

    async fn insert(tx: &mut super::WriteTx, x: i64) {
        sqlx::query("INSERT INTO t (x) VALUES ($1)").bind(x).execute(&mut **tx).await.expect("an insert");
    }

    /// Returns once a command waits for the writer.
    async fn until_one_queues(db: &Db) {
        while db.writer.queued() == 0 {
            tokio::task::yield_now().await;
        }
    }

    enum End {
        Commit,
        RollBack,
    }

    /// A command that takes its turn, writes `x`, says so on the receiver, and ends its
    /// turn as `end` says once the sender tells it to.
    fn told_when_to_end(
        db: &Db,
        x: i64,
        end: End,
    ) -> (tokio::task::JoinHandle<()>, oneshot::Receiver<()>, oneshot::Sender<()>) {
        let (took, turn_taken) = oneshot::channel();
        let (tell, told) = oneshot::channel();
        let db = db.clone();
        let command = tokio::spawn(async move {
            let mut tx = db.begin_write().await.expect("a turn");
            insert(&mut tx, x).await;
            let _ = took.send(());
            let _ = told.await;
            match end {
                End::Commit => tx.commit().await.expect("a commit"),
                End::RollBack => tx.rollback().await.expect("a rollback"),
            }
        });
        (command, turn_taken, tell)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn commands_at_once_keep_exactly_the_writes_they_committed() {
        let (_dir, db) = desk("at-once").await;
        let commands = (0..48).map(|x| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut tx = db.begin_write().await.expect("a turn");
                insert(&mut tx, x).await;
                match x % 3 {
                    0 => tx.commit().await.map(|()| Some(x)),
                    1 => tx.rollback().await.map(|()| None),
                    _ => Ok(None), // dropped: as a command that returns an error
                }
            })
        });
        let mut committed = Vec::new();
        for command in commands.collect::<Vec<_>>() {
            if let Some(x) = command.await.expect("the command ran").expect("its commit") {
                committed.push(x);
            }
        }
        committed.sort_unstable();
        assert_eq!(committed.len(), 16);
        assert_eq!(written(&db).await, committed);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_turn_dropped_after_others_left_the_commit_to_it_still_commits_theirs() {
        let (_dir, db) = desk("dropped").await;
        let mut first = db.begin_write().await.expect("a turn");
        insert(&mut first, 1).await;
        // The second queues while the first writes, takes its turn once the first ends it,
        // writes, and is then dropped (its request gone) before it is told to commit.
        let (second, turn_taken, _never_told) = told_when_to_end(&db, 2, End::Commit);
        until_one_queues(&db).await;
        // The second is queued: the first leaves the transaction open for it.
        let committing = tokio::spawn(first.commit());
        turn_taken.await.expect("the second took its turn");
        assert!(!committing.is_finished(), "the first answered before its writes were committed");
        second.abort();
        committing.await.expect("the first ran").expect("the first's writes committed");
        assert_eq!(written(&db).await, vec![1]);
        // The writer serves the next command as before.
        let mut third = db.begin_write().await.expect("a turn");
        insert(&mut third, 3).await;
        third.commit().await.expect("a commit");
        assert_eq!(written(&db).await, vec![1, 3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_turn_rolled_back_commits_the_turns_before_it_without_waiting_for_the_next() {
        let (_dir, db) = desk("refused").await;
        let mut first = db.begin_write().await.expect("a turn");
        insert(&mut first, 1).await;
        // The second (a refused capture) writes and rolls back when told.
        let (second, second_turn, refuse) = told_when_to_end(&db, 2, End::RollBack);
        until_one_queues(&db).await;
        let committing = tokio::spawn(first.commit());
        second_turn.await.expect("the second took its turn");
        // The third queues behind the second and holds its turn until told to commit.
        let (third, third_turn, go) = told_when_to_end(&db, 3, End::Commit);
        until_one_queues(&db).await;
        let _ = refuse.send(());
        second.await.expect("the second ran");
        third_turn.await.expect("the third took its turn");
        // The first's writes are committed while the third still writes.
        tokio::time::timeout(std::time::Duration::from_secs(30), committing)
            .await
            .expect("the first's commit waited for the third's turn")
            .expect("the first ran")
            .expect("the first's writes committed");
        let _ = go.send(());
        third.await.expect("the third ran");
        assert_eq!(written(&db).await, vec![1, 3]);
    }
}
