-- Webhooks (Administración > Webhooks), kept in step with migrations/postgres/0014_webhooks.sql.
-- A webhook is a URL, the secret its deliveries are signed with (HMAC-SHA256), and the events
-- it receives (webhook_events, one row per event code of model::webhooks::WebhookEvent).
CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    url        TEXT    NOT NULL,
    secret     TEXT    NOT NULL,
    active     BIGINT  NOT NULL DEFAULT 1,
    created_by BIGINT  NOT NULL REFERENCES users (id),
    created_at BIGINT  NOT NULL
);

CREATE TABLE webhook_events (
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event      TEXT   NOT NULL,
    PRIMARY KEY (event, webhook_id)
);

-- The outbox: one row per (webhook, execution log entry), inserted in the transaction that
-- appends the entry, so a delivery is queued if and only if its event commits. Times of the
-- worker (next_attempt_ms, locked_until_ms) in Unix milliseconds; the others in seconds.
-- status: pending, delivered or failed (given up after a day of retries).
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id       BIGINT  NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    log_entry_id     BIGINT  NOT NULL,
    release_id       BIGINT  NOT NULL,
    event            TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'pending',
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_ms  BIGINT  NOT NULL,
    locked_until_ms  BIGINT  NOT NULL DEFAULT 0,
    last_status_code BIGINT,
    last_error       TEXT,
    created_at       BIGINT  NOT NULL,
    delivered_at     BIGINT
);
-- The worker's claim: the oldest pending delivery of each (webhook, release).
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (webhook_id, release_id, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_ms) WHERE status = 'pending';
-- The page: a webhook's newest deliveries.
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (webhook_id, id);
