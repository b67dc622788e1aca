//! Notifications in the database. [`record`] writes those an execution-log entry causes,
//! in the entry's transaction (the log's appends call it, as they queue webhooks), and
//! queues their e-mail (`store::mail`); [`remind`] writes a deadline reminder once per
//! release and threshold. The rest reads and marks them for their user.

use crate::domain::{GroupId, ReleaseId, UserId};
use crate::model::notifications::{
    of_entry, Audience, MailPreferences, Notification, NotificationKind, NotificationPage, UNREAD_COUNTED,
};
use crate::store::kept::{Lookup, Members};
use crate::store::log::{LogKind, NewEntry};
use crate::store::{numbered, parse_code, Db};
use sqlx::{Any, AnyConnection, FromRow, QueryBuilder};

/// A notification to write: to whom, of what, on which release, caused by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub user: UserId,
    pub release: ReleaseId,
    pub kind: NotificationKind,
    pub actor: Option<UserId>,
    pub log_entry: Option<i64>,
    pub at: i64,
}

/// The active members of a group, kept between actions (`store::kept`): new work at a
/// step tells its group, on nearly every advance.
async fn members(db: &Db, conn: &mut AnyConnection, group: i64) -> Result<Members, sqlx::Error> {
    let ticket = match db.kept().lookup_members(group) {
        Lookup::Kept(members) => return Ok(members),
        Lookup::Read(ticket) => ticket,
    };
    let read: Vec<i64> = sqlx::query_scalar(
        "SELECT m.user_id FROM group_members m JOIN users u ON u.id = m.user_id
          WHERE m.group_id = $1 AND u.active = 1 ORDER BY m.user_id",
    )
    .bind(group)
    .fetch_all(&mut *conn)
    .await?;
    let members = Members::from(read);
    db.kept().keep_members(ticket, group, &members);
    Ok(members)
}

/// Whom an action on a release can tell, as the release is after it: the requester, the
/// open task's assignee, and, while no one holds the task, its group's active members.
/// The command that acted knows them ([`People::after`]) or they are read in its
/// transaction, once per action.
#[derive(Debug)]
pub struct People {
    requester: Option<i64>,
    /// The open task's group and assignee.
    open_task: Option<(i64, Option<i64>)>,
}

impl People {
    /// As the command knows the release after its action: who registered it, and the group
    /// and the holder of its open task (none once its flow has ended).
    pub fn after(requester: UserId, open_task: Option<(GroupId, Option<UserId>)>) -> People {
        People {
            requester: Some(requester.0),
            open_task: open_task.map(|(group, assignee)| (group.0, assignee.map(|user| user.0))),
        }
    }

    async fn read(conn: &mut AnyConnection, release: ReleaseId) -> Result<People, sqlx::Error> {
        #[derive(FromRow)]
        struct Row {
            requester_id: i64,
            group_id: Option<i64>,
            assignee_id: Option<i64>,
        }
        let row: Option<Row> = sqlx::query_as(
            "SELECT r.requester_id, t.group_id, t.assignee_id
               FROM releases r LEFT JOIN tasks t ON t.release_id = r.id AND t.finished_at IS NULL
              WHERE r.id = $1",
        )
        .bind(release.0)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(People {
            requester: row.as_ref().map(|row| row.requester_id),
            open_task: row.and_then(|row| Some((row.group_id?, row.assignee_id))),
        })
    }

    /// The open task's people: its assignee, or its group while no one holds it.
    async fn open_task(&self, db: &Db, conn: &mut AnyConnection) -> Result<Vec<i64>, sqlx::Error> {
        Ok(match self.open_task {
            Some((_, Some(assignee))) => vec![assignee],
            Some((group, None)) => members(db, conn, group).await?.to_vec(),
            None => Vec::new(),
        })
    }

    /// The requester and whoever holds the open task.
    fn stakeholders(&self) -> Vec<i64> {
        self.requester.into_iter().chain(self.open_task.and_then(|(_, assignee)| assignee)).collect()
    }
}

/// The release's [`People`], read on first need.
async fn people_of<'a>(
    conn: &mut AnyConnection,
    people: &'a mut Option<People>,
    release: ReleaseId,
) -> Result<&'a People, sqlx::Error> {
    Ok(match people {
        Some(people) => people,
        None => people.insert(People::read(conn, release).await?),
    })
}

/// Who `audience` is for the entry; `people` are its release's, once read.
async fn audience(
    db: &Db,
    conn: &mut AnyConnection,
    people: &mut Option<People>,
    entry: &NewEntry,
    audience: Audience,
) -> Result<Vec<i64>, sqlx::Error> {
    Ok(match audience {
        Audience::OpenTask => people_of(conn, people, entry.release).await?.open_task(db, conn).await?,
        Audience::Stakeholders => people_of(conn, people, entry.release).await?.stakeholders(),
        Audience::Delegated => match &entry.details {
            crate::store::log::LogDetails::Delegated { to_user: Some(user), .. } => vec![user.0],
            crate::store::log::LogDetails::Delegated { to_group: Some(group), .. } => {
                members(db, conn, group.0).await?.to_vec()
            }
            _ => Vec::new(),
        },
    })
}

/// Writes the notifications of the entries (`(id, entry)`, appended in this transaction,
/// of one action on one release): each user is told once of one action, never of their own.
/// `people` are the release's after the action, when its command knows them; read otherwise.
pub async fn record(
    db: &Db,
    conn: &mut AnyConnection,
    entries: &[(i64, &NewEntry)],
    mut people: Option<People>,
) -> Result<(), sqlx::Error> {
    debug_assert!(entries.windows(2).all(|pair| pair[0].1.release == pair[1].1.release), "one release's entries");
    let batch: Vec<LogKind> = entries.iter().map(|(_, entry)| entry.details.kind()).collect();
    let mut told: Vec<i64> = Vec::new();
    let mut notifications = Vec::new();
    for (id, entry) in entries {
        for (kind, who) in of_entry(&entry.details, &batch) {
            for user in audience(db, conn, &mut people, entry, who).await? {
                if user == entry.user.0 || told.contains(&user) {
                    continue;
                }
                told.push(user);
                notifications.push(NewNotification {
                    user: UserId(user),
                    release: entry.release,
                    kind,
                    actor: Some(entry.user),
                    log_entry: Some(*id),
                    at: entry.at,
                });
            }
        }
    }
    insert(conn, &notifications).await
}

/// Notifications per INSERT: six parameters each, well under every database's limit.
const INSERTED_AT_ONCE: usize = 1_000;

/// Inserts the notifications, a thousand per statement, and queues their e-mail.
pub async fn insert(conn: &mut AnyConnection, notifications: &[NewNotification]) -> Result<(), sqlx::Error> {
    for chunk in notifications.chunks(INSERTED_AT_ONCE) {
        let mut sql = QueryBuilder::<Any>::new(
            "INSERT INTO notifications (user_id, release_id, kind, actor_id, log_entry_id, created_at) ",
        );
        sql.push_values(chunk, |mut row, note| {
            row.push_bind(note.user.0)
                .push_bind(note.release.0)
                .push_bind(note.kind.code())
                .push_bind(note.actor.map(|a| a.0))
                .push_bind(note.log_entry)
                .push_bind(note.at);
        });
        let (sql, arguments) = numbered(&mut sql);
        sqlx::query_with(&sql, arguments).execute(&mut *conn).await?;
    }
    crate::store::mail::queue(conn, notifications).await
}

/// The running releases whose deadline comes before `$2`, with the threshold each has
/// reached at `$1` (now), less those already reminded of it; `$columns` chooses among `id`,
/// `threshold` and the parameters. Only releases whose clock runs (not suspended, not
/// waiting for review, not finished): their deadline is the planned end moved by the time
/// that no longer counts.
macro_rules! unreminded {
    ($columns:literal) => {
        concat!(
            "SELECT ",
            $columns,
            " FROM (
                SELECT r.id, CASE WHEN r.planned_end + r.suspended_seconds <= $1 THEN 'overdue'
                                  ELSE 'due_soon' END AS threshold
                  FROM releases r
                 WHERE r.status NOT IN ('closed', 'cancelled', 'suspended') AND r.clock_stopped_at IS NULL
                   AND r.suspended_since IS NULL AND r.planned_end + r.suspended_seconds < $2) due
          WHERE NOT EXISTS (SELECT 1 FROM deadline_reminders d WHERE d.release_id = due.id AND d.threshold = due.threshold)"
        )
    };
}

/// Which deadline threshold a running release has reached at `now`, and has not been
/// reminded of: `(release, threshold)`.
pub async fn due_reminders(db: &Db, now: i64, due_soon_seconds: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(concat!(unreminded!("id, threshold"), " ORDER BY id"))
        .bind(now)
        .bind(now.saturating_add(due_soon_seconds))
        .fetch_all(&db.pool)
        .await
}

/// Records every threshold reached at `now` as reminded, telling no one: for a history
/// loaded in bulk (`seed::bulk`), whose reminders a desk in service would have given as
/// each came due. Without it the scheduler's first round would tell every group of every
/// late release at once: 7 million notifications for the benchmark's 100,000 releases.
pub async fn mark_reached_as_reminded(
    conn: &mut AnyConnection,
    now: i64,
    due_soon_seconds: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(concat!(
        "INSERT INTO deadline_reminders (release_id, threshold, created_at) ",
        unreminded!("id, threshold, $1")
    ))
    .bind(now)
    .bind(now.saturating_add(due_soon_seconds))
    .execute(conn)
    .await?;
    Ok(())
}

/// Reminds the release's groups of its `threshold` once: false when it was done already
/// (by this instance or another). The reminder's row and its notifications commit together.
pub async fn remind(db: &Db, release: ReleaseId, kind: NotificationKind, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let done = sqlx::query(
        "INSERT INTO deadline_reminders (release_id, threshold, created_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(release.0)
    .bind(kind.code())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let group: Option<i64> = sqlx::query_scalar("SELECT executor_group_id FROM releases WHERE id = $1")
        .bind(release.0)
        .fetch_optional(&mut *tx)
        .await?;
    let mut users = match group {
        Some(group) => members(db, &mut tx, group).await?.to_vec(),
        None => Vec::new(),
    };
    if let Some((_, Some(assignee))) = People::read(&mut tx, release).await?.open_task {
        users.push(assignee);
    }
    users.sort_unstable();
    users.dedup();
    let notifications: Vec<NewNotification> = users
        .into_iter()
        .map(|user| NewNotification { user: UserId(user), release, kind, actor: None, log_entry: None, at: now })
        .collect();
    insert(&mut tx, &notifications).await?;
    tx.commit().await?;
    Ok(true)
}

#[derive(FromRow)]
struct Row {
    id: i64,
    kind: String,
    release_id: i64,
    title: String,
    actor: Option<String>,
    created_at: i64,
    read_at: Option<i64>,
}

impl Row {
    fn notification(self) -> Result<Notification, sqlx::Error> {
        Ok(Notification {
            id: self.id,
            kind: parse_code(&self.kind, "notifications.kind", NotificationKind::from_code)?,
            release: ReleaseId(self.release_id),
            title: self.title,
            actor: self.actor,
            created_at: self.created_at,
            read: self.read_at.is_some(),
        })
    }
}

/// The columns of a [`Row`], of notifications `n`.
const ROW: &str = "SELECT n.id, n.kind, n.release_id, r.title, a.full_name AS actor, n.created_at, n.read_at
           FROM notifications n JOIN releases r ON r.id = n.release_id LEFT JOIN users a ON a.id = n.actor_id";

/// The user's `limit` newest notifications and their unread count.
pub async fn page(db: &Db, user: UserId, limit: i64) -> Result<NotificationPage, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{ROW} WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2"))
        .bind(user.0)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    let notifications = rows.into_iter().map(Row::notification).collect::<Result<_, sqlx::Error>>()?;
    Ok(NotificationPage { notifications, unread: unread(db, user).await? })
}

/// The user's notifications written from `window.0` to before `window.1`, oldest first (a
/// digest's).
pub async fn written_in(
    conn: &mut AnyConnection,
    user: UserId,
    (from, until): (i64, i64),
) -> Result<Vec<Notification>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{ROW} WHERE n.user_id = $1 AND n.created_at >= $2 AND n.created_at < $3 ORDER BY n.id"
    ))
    .bind(user.0)
    .bind(from)
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(Row::notification).collect()
}

/// How many of the user's notifications are unread, up to [`UNREAD_COUNTED`].
pub async fn unread(db: &Db, user: UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = $1 AND read_at IS NULL LIMIT $2) unread",
    )
    .bind(user.0)
    .bind(UNREAD_COUNTED)
    .fetch_one(&db.pool)
    .await
}

/// Marks one of the user's notifications read; false when they have no such notification.
pub async fn mark_read(conn: &mut AnyConnection, user: UserId, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3")
        .bind(now)
        .bind(id)
        .bind(user.0)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks every notification of the user read.
pub async fn mark_all_read(conn: &mut AnyConnection, user: UserId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now)
        .bind(user.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(FromRow, Clone, Copy)]
pub(crate) struct PreferencesRow {
    new_work: i64,
    my_releases: i64,
    deadlines: i64,
    digest: i64,
}

impl PreferencesRow {
    pub(crate) fn preferences(self) -> MailPreferences {
        MailPreferences {
            new_work: self.new_work != 0,
            my_releases: self.my_releases != 0,
            deadlines: self.deadlines != 0,
            digest: self.digest != 0,
        }
    }
}

/// What the user receives by e-mail (nothing until they choose).
pub async fn preferences(conn: &mut AnyConnection, user: UserId) -> Result<MailPreferences, sqlx::Error> {
    let row: Option<PreferencesRow> =
        sqlx::query_as("SELECT new_work, my_releases, deadlines, digest FROM mail_preferences WHERE user_id = $1")
            .bind(user.0)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(PreferencesRow::preferences).unwrap_or_default())
}

pub async fn set_preferences(
    conn: &mut AnyConnection,
    user: UserId,
    preferences: &MailPreferences,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_preferences (user_id, new_work, my_releases, deadlines, digest) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET new_work = excluded.new_work, my_releases = excluded.my_releases,
                deadlines = excluded.deadlines, digest = excluded.digest",
    )
    .bind(user.0)
    .bind(i64::from(preferences.new_work))
    .bind(i64::from(preferences.my_releases))
    .bind(i64::from(preferences.deadlines))
    .bind(i64::from(preferences.digest))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
