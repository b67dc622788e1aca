//! The e-mail outbox in the database. [`queue`] renders and inserts the mail of new
//! notifications in their transaction (so a mail exists if and only if they commit), for
//! the users who chose their topic, and only while the process sends mail
//! (`crate::mail::queueing`): without `SMTP_URL` nothing piles up. The worker
//! (`crate::mail::Worker`) claims due mail with a lease ([`claim`]), as the webhooks' worker.

use crate::mail::{render, Language};
use crate::store::notifications::{NewNotification, PreferencesRow};
use crate::store::{numbered, Db};
use sqlx::{Any, AnyConnection, FromRow, QueryBuilder};
use std::collections::HashMap;

/// Queues the mail of the notifications (of one action, or one reminder) for the recipients
/// who want them. One statement reads the recipients who chose any mail; only when one of
/// them wants these, the release's title and the actor's name are read, and one statement
/// inserts the mails. The notifications of a whole group cost the writer's turn a statement,
/// not four per member.
pub async fn queue(conn: &mut AnyConnection, notifications: &[NewNotification]) -> Result<(), sqlx::Error> {
    let Some(queueing) = crate::mail::queueing() else { return Ok(()) };
    let recipients = recipients(conn, notifications).await?;
    let mut names = Names::default();
    let mut mails = Vec::new();
    for note in notifications {
        let Some(recipient) = recipients.get(&note.user.0) else { continue };
        let preferences = recipient.preferences.preferences();
        if preferences.digest || !preferences.wants(note.kind.topic()) {
            continue;
        }
        let title =
            names.read(conn, "SELECT title FROM releases WHERE id = $1", note.release.0).await?.unwrap_or_default();
        let actor = match note.actor {
            Some(actor) => names.read(conn, "SELECT full_name FROM users WHERE id = $1", actor.0).await?,
            None => None,
        };
        let language = Language::of(recipient.language.as_deref());
        let (subject, body) = render(language, note.kind, note.release, &title, actor.as_deref(), &queueing.public_url);
        mails.push(Queued { user: note.user.0, recipient: recipient.email.trim(), subject, body, at: note.at });
    }
    insert(conn, &mails).await
}

/// A recipient of mail: an active user with an address who chose some mail.
#[derive(FromRow)]
struct Recipient {
    id: i64,
    email: String,
    language: Option<String>,
    #[sqlx(flatten)]
    preferences: PreferencesRow,
}

/// Users per statement: one parameter each, well under every database's limit.
const READ_AT_ONCE: usize = 1_000;

/// The notified users who may receive mail, with their choices, by id.
async fn recipients(
    conn: &mut AnyConnection,
    notifications: &[NewNotification],
) -> Result<HashMap<i64, Recipient>, sqlx::Error> {
    let mut users: Vec<i64> = notifications.iter().map(|note| note.user.0).collect();
    users.sort_unstable();
    users.dedup();
    let mut recipients = HashMap::new();
    for chunk in users.chunks(READ_AT_ONCE) {
        let mut sql = QueryBuilder::<Any>::new(
            "SELECT u.id, u.email, u.language, p.new_work, p.my_releases, p.deadlines, p.digest
               FROM users u JOIN mail_preferences p ON p.user_id = u.id
              WHERE u.active = 1 AND u.id IN (",
        );
        let mut ids = sql.separated(", ");
        for user in chunk {
            ids.push_bind(*user);
        }
        sql.push(")");
        let (sql, arguments) = numbered(&mut sql);
        let rows: Vec<Recipient> = sqlx::query_as_with(&sql, arguments).fetch_all(&mut *conn).await?;
        recipients.extend(rows.into_iter().filter(|r| !r.email.trim().is_empty()).map(|r| (r.id, r)));
    }
    Ok(recipients)
}

/// The texts the mails show (the release's title, the actor's name), each read once.
#[derive(Default)]
struct Names(Vec<(&'static str, i64, Option<String>)>);

impl Names {
    /// What `sql` reads for `id`, its one parameter.
    async fn read(
        &mut self,
        conn: &mut AnyConnection,
        sql: &'static str,
        id: i64,
    ) -> Result<Option<String>, sqlx::Error> {
        if let Some((_, _, text)) = self.0.iter().find(|(read, of, _)| *read == sql && *of == id) {
            return Ok(text.clone());
        }
        let text: Option<String> = sqlx::query_scalar(sql).bind(id).fetch_optional(&mut *conn).await?;
        self.0.push((sql, id, text.clone()));
        Ok(text)
    }
}

/// A mail to insert into the outbox.
struct Queued<'a> {
    user: i64,
    recipient: &'a str,
    subject: String,
    body: String,
    /// Unix seconds: when its notification was made.
    at: i64,
}

/// Mails per INSERT: six parameters each, well under every database's limit.
const INSERTED_AT_ONCE: usize = 1_000;

async fn insert(conn: &mut AnyConnection, mails: &[Queued<'_>]) -> Result<(), sqlx::Error> {
    for chunk in mails.chunks(INSERTED_AT_ONCE) {
        let mut sql = QueryBuilder::<Any>::new(
            "INSERT INTO mail_outbox (user_id, recipient, subject, body, next_attempt_ms, created_at) ",
        );
        sql.push_values(chunk, |mut row, mail| {
            row.push_bind(mail.user)
                .push_bind(mail.recipient)
                .push_bind(mail.subject.as_str())
                .push_bind(mail.body.as_str())
                .push_bind(mail.at.saturating_mul(1000))
                .push_bind(mail.at);
        });
        let (sql, arguments) = numbered(&mut sql);
        sqlx::query_with(&sql, arguments).execute(&mut *conn).await?;
    }
    Ok(())
}

/// A mail the worker holds until its lease ends.
#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// Including this one.
    pub attempts: i64,
    /// Unix seconds: when it was queued.
    pub created_at: i64,
}

/// Claims up to `limit` due mails, oldest first, until `now_ms + lease_ms` and counts the
/// attempt; two instances never claim one mail ([`crate::store::outbox::claim`]).
pub async fn claim(db: &Db, now_ms: i64, lease_ms: i64, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let pick = "SELECT m.id FROM mail_outbox m
                 WHERE m.status = 'pending' AND m.next_attempt_ms <= $2 AND m.locked_until_ms <= $2
                 ORDER BY m.id";
    let returning = "id, recipient, subject, body, attempts, created_at";
    let mut claimed: Vec<Claimed> =
        crate::store::outbox::claim(db, ("mail_outbox", "m", pick), returning, (now_ms, lease_ms, limit)).await?;
    claimed.sort_by_key(|mail| mail.id);
    Ok(claimed)
}

/// Whether a mail is due: one read, so that an idle worker does not take SQLite's writer.
pub async fn anything_due(db: &Db, now_ms: i64) -> Result<bool, sqlx::Error> {
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_ms <= $1 AND locked_until_ms <= $1
          LIMIT 1",
    )
    .bind(now_ms)
    .fetch_optional(&db.pool)
    .await?;
    Ok(due.is_some())
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The mail server accepted it.
    Sent { at: i64 },
    /// Try again at `next_attempt_ms`.
    Retry { error: String, next_attempt_ms: i64 },
    /// The retries are over.
    GiveUp { error: String },
}

/// Records the attempt of a claimed mail and releases its lease.
pub async fn record(db: &Db, mail: i64, attempt: &Attempt) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let query = match attempt {
        Attempt::Sent { at } => sqlx::query(
            "UPDATE mail_outbox SET status = 'sent', sent_at = $1, last_error = NULL, locked_until_ms = 0
              WHERE id = $2",
        )
        .bind(*at),
        Attempt::Retry { error, next_attempt_ms } => sqlx::query(
            "UPDATE mail_outbox SET last_error = $1, next_attempt_ms = $2, locked_until_ms = 0
              WHERE id = $3 AND status = 'pending'",
        )
        .bind(error.clone())
        .bind(*next_attempt_ms),
        Attempt::GiveUp { error } => sqlx::query(
            "UPDATE mail_outbox SET status = 'failed', last_error = $1, locked_until_ms = 0
              WHERE id = $2 AND status = 'pending'",
        )
        .bind(error.clone()),
    };
    query.bind(mail).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The users who chose the daily digest and have an address: (id, address, language).
pub async fn digest_recipients(db: &Db) -> Result<Vec<(i64, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.language FROM users u JOIN mail_preferences p ON p.user_id = u.id
          WHERE p.digest = 1 AND u.active = 1 AND u.email <> '' ORDER BY u.id",
    )
    .fetch_all(&db.pool)
    .await
}

/// Queues the user's digest of `day` (their notifications written in `window`, from its
/// start to before its end, of the topics they chose; none: no mail) once: false when it
/// was done already, here or by another instance.
pub async fn queue_digest(
    db: &Db,
    (user, email, language): &(i64, String, Option<String>),
    day: &str,
    window: (i64, i64),
    now: i64,
    public_url: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query("INSERT INTO mail_digests (user_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(*user)
        .bind(day)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let user_id = crate::domain::UserId(*user);
    let preferences = crate::store::notifications::preferences(&mut tx, user_id).await?;
    let items: Vec<crate::model::notifications::Notification> =
        crate::store::notifications::written_in(&mut tx, user_id, window)
            .await?
            .into_iter()
            .filter(|note| preferences.wants(note.kind.topic()))
            .collect();
    if !items.is_empty() {
        let (subject, body) = crate::mail::render_digest(Language::of(language.as_deref()), &items, public_url);
        insert(&mut tx, &[Queued { user: *user, recipient: email.trim(), subject, body, at: now }]).await?;
    }
    tx.commit().await?;
    Ok(true)
}
