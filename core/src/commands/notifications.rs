//! "Notificaciones": the user's notifications (the header's bell counts the unread ones),
//! marking them read, and what they receive by e-mail ("Mi cuenta"). Every user sees and
//! marks only their own. Notifications themselves are written by the execution log's
//! appends (`store::notifications::record`) and by the deadline scheduler
//! ([`remind_deadlines`]).

use super::{Ctx, Desk};
use crate::domain::ReleaseId;
use crate::model::list::DUE_SOON_SECONDS;
use crate::model::notifications::{MailPreferences, NotificationKind, NotificationPage, NOTIFICATIONS_SHOWN};
use crate::store::notifications as store;
use crate::Error;

/// The user's newest notifications and their unread count.
pub async fn notifications(ctx: &Ctx) -> Result<NotificationPage, Error> {
    Ok(store::page(&ctx.db, ctx.actor.user, NOTIFICATIONS_SHOWN).await?)
}

/// How many of the user's notifications are unread, up to `UNREAD_COUNTED`: the bell's
/// number.
pub async fn unread(ctx: &Ctx) -> Result<i64, Error> {
    Ok(store::unread(&ctx.db, ctx.actor.user).await?)
}

/// "Marcar como leída": one of the user's notifications. Another's (or none) is left as
/// it is, with the same answer, so that nobody learns which notifications exist. Answers
/// the unread count.
pub async fn mark_read(ctx: &Ctx, id: i64) -> Result<i64, Error> {
    let mut tx = ctx.db.begin_write().await?;
    store::mark_read(&mut tx, ctx.actor.user, id, ctx.now).await?;
    tx.commit().await?;
    unread(ctx).await
}

/// "Marcar todas como leídas". Answers the unread count (none, unless one came meanwhile).
pub async fn mark_all_read(ctx: &Ctx) -> Result<i64, Error> {
    let mut tx = ctx.db.begin_write().await?;
    store::mark_all_read(&mut tx, ctx.actor.user, ctx.now).await?;
    tx.commit().await?;
    unread(ctx).await
}

/// What the user receives by e-mail.
pub async fn mail_preferences(ctx: &Ctx) -> Result<MailPreferences, Error> {
    let mut conn = ctx.db.pool.acquire().await?;
    Ok(store::preferences(&mut conn, ctx.actor.user).await?)
}

/// Sets what the user receives by e-mail.
pub async fn set_mail_preferences(ctx: &Ctx, preferences: &MailPreferences) -> Result<MailPreferences, Error> {
    let mut tx = ctx.db.begin_write().await?;
    store::set_preferences(&mut tx, ctx.actor.user, preferences).await?;
    tx.commit().await?;
    Ok(*preferences)
}

/// The deadline scheduler's step at `now`: reminds the groups of each running release
/// that is due within a day, or overdue, once per release and threshold, whichever
/// instance runs it and however often. Answers how many reminders it gave.
pub async fn remind_deadlines(desk: &Desk, now: i64) -> Result<usize, Error> {
    let mut given = 0;
    for (release, threshold) in store::due_reminders(&desk.db, now, DUE_SOON_SECONDS).await? {
        let kind = match NotificationKind::from_code(&threshold) {
            Some(kind @ (NotificationKind::DueSoon | NotificationKind::Overdue)) => kind,
            _ => continue,
        };
        if store::remind(&desk.db, ReleaseId(release), kind, now).await? {
            given += 1;
        }
    }
    Ok(given)
}

/// The daily digests' step at `now`: each user who chose the digest gets, once, one mail
/// with their notifications of the previous UTC day (none: no mail). The server runs it
/// while it sends mail, with its `queueing`. Answers how many digests it handled.
pub async fn queue_digests(desk: &Desk, now: i64, queueing: &crate::mail::Queueing) -> Result<usize, Error> {
    let today = now - now.rem_euclid(86_400);
    let yesterday = today - 86_400;
    let day = chrono::DateTime::from_timestamp(yesterday, 0).unwrap_or_default().format("%Y-%m-%d").to_string();
    let mut handled = 0;
    for recipient in crate::store::mail::digest_recipients(&desk.db).await? {
        let window = (yesterday, today);
        if crate::store::mail::queue_digest(&desk.db, &recipient, &day, window, now, &queueing.public_url).await? {
            handled += 1;
        }
    }
    Ok(handled)
}
