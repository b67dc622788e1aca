-- Notifications (the header's bell, "Notificaciones"), their e-mail and the deadline
-- reminders; kept in step with migrations/postgres/0016_notifications.sql.
-- A notification tells one user of something that happened on a release: written in the
-- transaction of the execution-log entry that caused it (log_entry_id), or by the deadline
-- scheduler (log_entry_id NULL). kind: a code of model::notifications::NotificationKind.
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT  NOT NULL REFERENCES users (id),
    release_id   BIGINT  NOT NULL REFERENCES releases (id),
    kind         TEXT    NOT NULL,
    actor_id     BIGINT  REFERENCES users (id),
    log_entry_id BIGINT,
    created_at   BIGINT  NOT NULL,
    read_at      BIGINT
);
-- The page (a user's newest first) and the bell (a user's unread ones).
CREATE INDEX notifications_by_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- The deadline reminders already given: one row per release and threshold (due_soon,
-- overdue). The scheduler inserts the row and its notifications in one transaction; the
-- primary key lets only one instance, once, do so.
CREATE TABLE deadline_reminders (
    release_id BIGINT NOT NULL REFERENCES releases (id),
    threshold  TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (release_id, threshold)
);

-- Which notifications a user wants by e-mail ("Mi cuenta"): per topic, or one daily
-- digest of them all. No row: none.
CREATE TABLE mail_preferences (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id),
    new_work    BIGINT NOT NULL DEFAULT 0,
    my_releases BIGINT NOT NULL DEFAULT 0,
    deadlines   BIGINT NOT NULL DEFAULT 0,
    digest      BIGINT NOT NULL DEFAULT 0
);

-- The e-mail outbox: one row per mail, inserted in the transaction of the notification(s)
-- it tells of, so a mail is queued if and only if they commit; only while the server has
-- SMTP_URL. Rendered when queued (address, language, subject, body), sent by the mail
-- worker (crate::mail) with the webhooks' claims, leases and backoff. Times of the worker
-- in Unix milliseconds, the others in seconds. status: pending, sent or failed.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         BIGINT  NOT NULL REFERENCES users (id),
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT  NOT NULL,
    locked_until_ms BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      BIGINT  NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_ms) WHERE status = 'pending';

-- The daily digests already queued: one per user and day (UTC date, YYYY-MM-DD).
CREATE TABLE mail_digests (
    user_id BIGINT NOT NULL REFERENCES users (id),
    day     TEXT   NOT NULL,
    PRIMARY KEY (user_id, day)
);
