//! Webhooks in the database: the webhooks and their events, and the outbox of their
//! deliveries. A delivery is inserted by [`enqueue`], which the execution log's appends
//! call in their transaction: it exists if and only if its event committed. The worker
//! (`crate::webhooks`) claims due deliveries with a lease ([`claim`]): on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so two instances never hold one delivery at once.

use crate::domain::{ReleaseId, UserId};
use crate::model::webhooks::{
    DeliveryStatus, DeliverySummary, PayloadUser, WebhookEvent, WebhookPayload, WebhookSummary,
};
use crate::store::kept::{Lookup, Subscriptions};
use crate::store::log::NewEntry;
use crate::store::{numbered, parse_code, Db};
use sqlx::{Any, AnyConnection, FromRow, QueryBuilder};
use std::collections::HashMap;

/// The active webhooks' events, kept by the instance between appends
/// ([`super::kept`]): read from the database after a change only.
async fn subscriptions(db: &Db, conn: &mut AnyConnection) -> Result<Subscriptions, sqlx::Error> {
    #[derive(FromRow)]
    struct Subscription {
        webhook_id: i64,
        event: String,
    }
    let ticket = match db.kept().lookup_subscriptions() {
        Lookup::Kept(subscriptions) => return Ok(subscriptions),
        Lookup::Read(ticket) => ticket,
    };
    let rows: Vec<Subscription> = sqlx::query_as(
        "SELECT e.webhook_id, e.event FROM webhook_events e JOIN webhooks w ON w.id = e.webhook_id
          WHERE w.active = 1 ORDER BY e.webhook_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let subscriptions: Subscriptions = rows
        .into_iter()
        .map(|row| Ok((row.webhook_id, parse_code(&row.event, "webhook_events.event", WebhookEvent::from_code)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    db.kept().keep_subscriptions(ticket, &subscriptions);
    Ok(subscriptions)
}

/// Queues a delivery of each entry (`(id, entry)`, appended in this transaction) for every
/// active webhook subscribed to its event. With no webhook, nothing to do once the instance
/// knows it.
pub async fn enqueue(db: &Db, conn: &mut AnyConnection, entries: &[(i64, &NewEntry)]) -> Result<(), sqlx::Error> {
    let subscriptions = subscriptions(db, conn).await?;
    if subscriptions.is_empty() {
        return Ok(());
    }
    let mut deliveries = Vec::new();
    let mut usernames: HashMap<i64, String> = HashMap::new();
    for (id, entry) in entries {
        let event = WebhookEvent::of(entry.details.kind());
        let webhooks: Vec<i64> =
            subscriptions.iter().filter(|(_, subscribed)| *subscribed == event).map(|(webhook, _)| *webhook).collect();
        if webhooks.is_empty() {
            continue;
        }
        let username = match usernames.get(&entry.user.0) {
            Some(name) => name.clone(),
            None => {
                let name: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
                    .bind(entry.user.0)
                    .fetch_optional(&mut *conn)
                    .await?
                    .unwrap_or_default();
                usernames.insert(entry.user.0, name.clone());
                name
            }
        };
        let payload = WebhookPayload {
            event,
            entry: *id,
            release: entry.release,
            occurred_at: rfc3339(entry.at),
            user: PayloadUser { id: entry.user, username },
            details: entry.details.clone(),
        };
        let body = serde_json::to_string(&payload).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        deliveries.extend(webhooks.into_iter().map(|webhook| (webhook, *id, entry, event, body.clone())));
    }
    if deliveries.is_empty() {
        return Ok(());
    }
    // One statement for the action's deliveries (a few per webhook).
    let mut sql = QueryBuilder::<Any>::new(
        "INSERT INTO webhook_deliveries (webhook_id, log_entry_id, release_id, event, payload, next_attempt_ms, created_at) ",
    );
    sql.push_values(deliveries, |mut row, (webhook, id, entry, event, body)| {
        row.push_bind(webhook)
            .push_bind(id)
            .push_bind(entry.release.0)
            .push_bind(event.code())
            .push_bind(body)
            .push_bind(entry.at.saturating_mul(1000))
            .push_bind(entry.at);
    });
    let (sql, arguments) = numbered(&mut sql);
    sqlx::query_with(&sql, arguments).execute(&mut *conn).await?;
    Ok(())
}

/// Unix seconds as RFC 3339 in UTC.
fn rfc3339(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Stores a webhook with its events; answers its id.
pub async fn insert_webhook(
    conn: &mut AnyConnection,
    url: &str,
    secret: &str,
    events: &[WebhookEvent],
    created_by: UserId,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (url, secret, active, created_by, created_at) VALUES ($1, $2, 1, $3, $4) RETURNING id",
    )
    .bind(url)
    .bind(secret)
    .bind(created_by.0)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    set_events(conn, id, events).await?;
    Ok(id)
}

/// Replaces the webhook's events.
pub async fn set_events(conn: &mut AnyConnection, id: i64, events: &[WebhookEvent]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM webhook_events WHERE webhook_id = $1").bind(id).execute(&mut *conn).await?;
    for event in events {
        sqlx::query("INSERT INTO webhook_events (webhook_id, event) VALUES ($1, $2)")
            .bind(id)
            .bind(event.code())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Turns the webhook on or off.
pub async fn set_active(conn: &mut AnyConnection, id: i64, active: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE webhooks SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A webhook as its commands and the administration log name it: never its secret.
#[derive(Debug)]
pub struct Registered {
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub active: bool,
}

/// The webhook `id`, if there is one.
pub async fn registered(conn: &mut AnyConnection, id: i64) -> Result<Option<Registered>, sqlx::Error> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT url, active FROM webhooks WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    let Some((url, active)) = row else { return Ok(None) };
    Ok(Some(Registered { url, events: events_of(&mut *conn, id).await?, active: active != 0 }))
}

/// The webhook's events, in their order.
async fn events_of<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    id: i64,
) -> Result<Vec<WebhookEvent>, sqlx::Error> {
    let codes: Vec<String> = sqlx::query_scalar("SELECT event FROM webhook_events WHERE webhook_id = $1")
        .bind(id)
        .fetch_all(executor)
        .await?;
    let mut events = codes
        .iter()
        .map(|code| parse_code(code, "webhook_events.event", WebhookEvent::from_code))
        .collect::<Result<Vec<_>, _>>()?;
    events.sort();
    Ok(events)
}

/// Deletes the webhook, its events and its deliveries.
pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM webhook_events WHERE webhook_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(())
}

#[derive(FromRow)]
struct WebhookRow {
    id: i64,
    url: String,
    active: i64,
    created_at: i64,
}

#[derive(FromRow)]
struct DeliveryRow {
    id: i64,
    event: String,
    release_id: i64,
    status: String,
    attempts: i64,
    last_status_code: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    delivered_at: Option<i64>,
}

impl DeliveryRow {
    fn summary(self) -> Result<DeliverySummary, sqlx::Error> {
        Ok(DeliverySummary {
            id: self.id,
            event: parse_code(&self.event, "webhook_deliveries.event", WebhookEvent::from_code)?,
            release: ReleaseId(self.release_id),
            status: parse_code(&self.status, "webhook_deliveries.status", DeliveryStatus::from_code)?,
            attempts: self.attempts,
            last_status_code: self.last_status_code,
            last_error: self.last_error,
            created_at: self.created_at,
            delivered_at: self.delivered_at,
        })
    }
}

/// Every webhook, oldest first, with its events and its `shown` newest deliveries.
pub async fn webhooks(db: &Db, shown: usize) -> Result<Vec<WebhookSummary>, sqlx::Error> {
    let rows: Vec<WebhookRow> =
        sqlx::query_as("SELECT id, url, active, created_at FROM webhooks ORDER BY id").fetch_all(&db.pool).await?;
    let mut webhooks = Vec::with_capacity(rows.len());
    for row in rows {
        let events = events_of(&db.pool, row.id).await?;
        let deliveries: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT id, event, release_id, status, attempts, last_status_code, last_error, created_at, delivered_at
               FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(row.id)
        .bind(i64::try_from(shown).unwrap_or(i64::MAX))
        .fetch_all(&db.pool)
        .await?;
        webhooks.push(WebhookSummary {
            id: row.id,
            url: row.url,
            events,
            active: row.active != 0,
            created_at: row.created_at,
            deliveries: deliveries.into_iter().map(DeliveryRow::summary).collect::<Result<_, _>>()?,
        });
    }
    Ok(webhooks)
}

/// Queues the delivery again, now, with a fresh day of retries; false when there is no
/// such delivery.
pub async fn send_again(conn: &mut AnyConnection, delivery: i64, now_ms: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries
            SET status = 'pending', attempts = 0, next_attempt_ms = $1, locked_until_ms = 0,
                created_at = $2, delivered_at = NULL
          WHERE id = $3",
    )
    .bind(now_ms)
    .bind(now_ms / 1000)
    .bind(delivery)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A delivery the worker holds until its lease ends.
#[derive(Debug, Clone, FromRow)]
pub struct Claimed {
    pub id: i64,
    pub url: String,
    pub secret: String,
    pub event: String,
    pub payload: String,
    /// Including this one.
    pub attempts: i64,
    /// Unix seconds: when it was queued (or sent again).
    pub created_at: i64,
}

/// Claims up to `limit` due deliveries, each the oldest pending one of its webhook and
/// release (so that a release's events arrive in order), until `now_ms + lease_ms`, and
/// counts the attempt. Two instances never claim one delivery ([`crate::store::outbox::claim`]).
pub async fn claim(db: &Db, now_ms: i64, lease_ms: i64, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let pick = "SELECT d.id FROM webhook_deliveries d
                 WHERE d.status = 'pending' AND d.next_attempt_ms <= $2 AND d.locked_until_ms <= $2
                   AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                                    WHERE e.status = 'pending' AND e.webhook_id = d.webhook_id
                                      AND e.release_id = d.release_id AND e.id < d.id)
                 ORDER BY d.id";
    let leased: Vec<(i64,)> =
        crate::store::outbox::claim(db, ("webhook_deliveries", "d", pick), "id", (now_ms, lease_ms, limit)).await?;
    let mut ids: Vec<i64> = leased.into_iter().map(|(id,)| id).collect();
    ids.sort_unstable();
    // Leased: read with their webhooks' URL and secret.
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        let row: Option<Claimed> = sqlx::query_as(
            "SELECT d.id, w.url, w.secret, d.event, d.payload, d.attempts, d.created_at
               FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
              WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
        claimed.extend(row);
    }
    Ok(claimed)
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The webhook answered 2xx.
    Delivered { status_code: i64, at: i64 },
    /// Another answer, or none: try again at `next_attempt_ms`.
    Retry { status_code: Option<i64>, error: String, next_attempt_ms: i64 },
    /// Another answer, or none, and the day of retries is over.
    GiveUp { status_code: Option<i64>, error: String },
}

/// Records the attempt of a claimed delivery and releases its lease.
pub async fn record(db: &Db, delivery: i64, attempt: &Attempt) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let query = match attempt {
        Attempt::Delivered { status_code, at } => sqlx::query(
            "UPDATE webhook_deliveries
                SET status = 'delivered', last_status_code = $1, last_error = NULL, delivered_at = $2,
                    locked_until_ms = 0
              WHERE id = $3",
        )
        .bind(*status_code)
        .bind(*at),
        Attempt::Retry { status_code, error, next_attempt_ms } => sqlx::query(
            "UPDATE webhook_deliveries
                SET last_status_code = $1, last_error = $2, next_attempt_ms = $3, locked_until_ms = 0
              WHERE id = $4 AND status = 'pending'",
        )
        .bind(*status_code)
        .bind(error.clone())
        .bind(*next_attempt_ms),
        Attempt::GiveUp { status_code, error } => sqlx::query(
            "UPDATE webhook_deliveries
                SET status = 'failed', last_status_code = $1, last_error = $2, locked_until_ms = 0
              WHERE id = $3 AND status = 'pending'",
        )
        .bind(*status_code)
        .bind(error.clone()),
    };
    query.bind(delivery).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}
