//! The e-mail outbox in the database. [`queue`] renders and inserts the mail of new
//! notifications in their transaction (so a mail exists if and only if they commit), for
//! the users who chose their topic, and only while the process sends mail
//! (`crate::mail::queueing`): without `SMTP_URL` nothing piles up. The worker
//! (`crate::mail::Worker`) claims due mail with a lease ([`claim`]), as the webhooks' worker.

use crate::mail::{render, Language};
use crate::store::notifications::NewNotification;
use crate::store::Db;
use sqlx::{AnyConnection, FromRow};

/// Queues the mail of the notifications for the recipients who want them one by one.
pub async fn queue(conn: &mut AnyConnection, notifications: &[NewNotification]) -> Result<(), sqlx::Error> {
    let Some(queueing) = crate::mail::queueing() else { return Ok(()) };
    for note in notifications {
        #[derive(FromRow)]
        struct Recipient {
            email: String,
            language: Option<String>,
        }
        let recipient: Option<Recipient> =
            sqlx::query_as("SELECT email, language FROM users WHERE id = $1 AND active = 1")
                .bind(note.user.0)
                .fetch_optional(&mut *conn)
                .await?;
        let Some(recipient) = recipient.filter(|r| !r.email.trim().is_empty()) else { continue };
        let preferences = crate::store::notifications::preferences(conn, note.user).await?;
        if preferences.digest || !preferences.wants(note.kind.topic()) {
            continue;
        }
        let title: String = sqlx::query_scalar("SELECT title FROM releases WHERE id = $1")
            .bind(note.release.0)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or_default();
        let actor: Option<String> = match note.actor {
            Some(actor) => {
                sqlx::query_scalar("SELECT full_name FROM users WHERE id = $1")
                    .bind(actor.0)
                    .fetch_optional(&mut *conn)
                    .await?
            }
            None => None,
        };
        let language = Language::of(recipient.language.as_deref());
        let (subject, body) = render(language, note.kind, note.release, &title, actor.as_deref(), &queueing.public_url);
        insert(conn, note.user.0, recipient.email.trim(), &subject, &body, note.at).await?;
    }
    Ok(())
}

async fn insert(
    conn: &mut AnyConnection,
    user: i64,
    recipient: &str,
    subject: &str,
    body: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_outbox (user_id, recipient, subject, body, next_attempt_ms, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user)
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .bind(at.saturating_mul(1000))
    .bind(at)
    .execute(&mut *conn)
    .await?;
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
        insert(&mut tx, *user, email.trim(), &subject, &body, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}
