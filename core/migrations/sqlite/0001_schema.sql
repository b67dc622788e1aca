-- ReleaseDesk schema (SQLite). Kept in step with migrations/postgres/0001_schema.sql:
-- same tables, columns and constraints; only the dialect differs.
-- Times are Unix seconds (BIGINT): portable through sqlx's Any driver and cheap to sort.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    full_name     TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE user_groups (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT    NOT NULL UNIQUE
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES user_groups (id),
    user_id  BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

-- What a group may do on the release flow.
CREATE TABLE group_permissions (
    group_id   BIGINT NOT NULL REFERENCES user_groups (id),
    permission TEXT   NOT NULL CHECK (permission IN
        ('create', 'execute', 'delegate', 'suspend', 'reactivate', 'reopen', 'cancel')),
    PRIMARY KEY (group_id, permission)
);

-- A flow definition as loaded from flows/*.toml. A release keeps the version it started with.
CREATE TABLE flows (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    code        TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    definition  TEXT    NOT NULL,
    loaded_at   BIGINT  NOT NULL,
    UNIQUE (code, version)
);

-- The steps of each flow version, denormalised from the definition so lists can join names.
CREATE TABLE flow_steps (
    flow_id BIGINT NOT NULL REFERENCES flows (id),
    code    TEXT   NOT NULL,
    name_es TEXT   NOT NULL,
    name_pt TEXT   NOT NULL,
    PRIMARY KEY (flow_id, code)
);

CREATE TABLE solution_categories (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    code     TEXT    NOT NULL UNIQUE,
    name_es  TEXT    NOT NULL,
    name_pt  TEXT    NOT NULL,
    position BIGINT  NOT NULL DEFAULT 0,
    active   BIGINT  NOT NULL DEFAULT 1
);

CREATE TABLE releases (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT, -- the release number users see
    title              TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    search_text        TEXT    NOT NULL,                  -- title folded: lower case, no accents
    requester_id       BIGINT  NOT NULL REFERENCES users (id),
    executor_group_id  BIGINT  NOT NULL REFERENCES user_groups (id),
    release_type       TEXT    NOT NULL CHECK (release_type IN ('normal', 'standard', 'emergency')),
    risk               TEXT    NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
    impact             BIGINT  NOT NULL CHECK (impact BETWEEN 1 AND 3),
    urgency            BIGINT  NOT NULL CHECK (urgency BETWEEN 1 AND 3),
    priority           BIGINT  NOT NULL CHECK (priority BETWEEN 1 AND 5),
    planned_start      BIGINT  NOT NULL,
    planned_end        BIGINT  NOT NULL,
    version_label      TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('registered', 'approved', 'in_execution',
                           'resolved', 'not_resolved', 'suspended', 'cancelled', 'closed')),
    flow_id            BIGINT  NOT NULL REFERENCES flows (id),
    current_step       TEXT,             -- NULL once the flow has ended
    current_task_id    BIGINT,           -- NULL once the flow has ended
    suspended_since    BIGINT,
    suspended_seconds  BIGINT  NOT NULL DEFAULT 0,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL,
    row_version        BIGINT  NOT NULL DEFAULT 1,       -- optimistic concurrency
    CHECK (planned_start < planned_end)
);
CREATE INDEX releases_by_created ON releases (created_at DESC, id DESC);
CREATE INDEX releases_by_status ON releases (status, created_at DESC, id DESC);
CREATE INDEX releases_by_group ON releases (executor_group_id, created_at DESC, id DESC);

-- One row per visit of a flow step.
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    release_id  BIGINT  NOT NULL REFERENCES releases (id),
    step_code   TEXT    NOT NULL,
    group_id    BIGINT  NOT NULL REFERENCES user_groups (id),
    assignee_id BIGINT  REFERENCES users (id),
    created_at  BIGINT  NOT NULL,
    captured_at BIGINT,
    finished_at BIGINT,
    finished_by BIGINT  REFERENCES users (id),
    outcome     TEXT
);
-- A release never has two open tasks.
CREATE UNIQUE INDEX tasks_one_open_per_release ON tasks (release_id) WHERE finished_at IS NULL;
CREATE INDEX tasks_by_release ON tasks (release_id, id);
CREATE INDEX tasks_open_by_assignee ON tasks (assignee_id) WHERE finished_at IS NULL;
CREATE INDEX tasks_open_by_group ON tasks (group_id) WHERE finished_at IS NULL;

CREATE TABLE closures (
    release_id           BIGINT PRIMARY KEY REFERENCES releases (id),
    outcome              TEXT   CHECK (outcome IN ('resolved', 'not_resolved')),
    solution_category_id BIGINT REFERENCES solution_categories (id),
    useful_information   TEXT   NOT NULL DEFAULT '',
    release_date         BIGINT,
    recorded_by          BIGINT NOT NULL REFERENCES users (id),
    recorded_at          BIGINT NOT NULL
);

-- Catalogues that a release can be linked to.
CREATE TABLE problems (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL,
    search_text TEXT    NOT NULL,
    status      TEXT    NOT NULL
);
CREATE TABLE knowledge_articles (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL,
    search_text TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    body        TEXT    NOT NULL
);
CREATE TABLE media_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    search_text TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    location    TEXT    NOT NULL,
    sha256      TEXT    NOT NULL
);
CREATE TABLE changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT    NOT NULL,
    search_text TEXT    NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('registered', 'approved', 'in_progress',
                    'implemented', 'closed', 'cancelled'))
);

-- Links: the primary keys make linking twice impossible, also under concurrency.
CREATE TABLE release_problems (
    release_id BIGINT NOT NULL REFERENCES releases (id),
    problem_id BIGINT NOT NULL REFERENCES problems (id),
    linked_by  BIGINT NOT NULL REFERENCES users (id),
    linked_at  BIGINT NOT NULL,
    PRIMARY KEY (release_id, problem_id)
);
CREATE TABLE release_knowledge (
    release_id BIGINT NOT NULL REFERENCES releases (id),
    article_id BIGINT NOT NULL REFERENCES knowledge_articles (id),
    linked_by  BIGINT NOT NULL REFERENCES users (id),
    linked_at  BIGINT NOT NULL,
    PRIMARY KEY (release_id, article_id)
);
CREATE TABLE release_media (
    release_id BIGINT NOT NULL REFERENCES releases (id),
    media_id   BIGINT NOT NULL REFERENCES media_items (id),
    linked_by  BIGINT NOT NULL REFERENCES users (id),
    linked_at  BIGINT NOT NULL,
    PRIMARY KEY (release_id, media_id)
);
CREATE TABLE release_changes (
    release_id BIGINT NOT NULL REFERENCES releases (id),
    change_id  BIGINT NOT NULL REFERENCES changes (id),
    linked_by  BIGINT NOT NULL REFERENCES users (id),
    linked_at  BIGINT NOT NULL,
    PRIMARY KEY (release_id, change_id)
);
CREATE TABLE release_roles (
    release_id     BIGINT NOT NULL REFERENCES releases (id),
    user_id        BIGINT NOT NULL REFERENCES users (id),
    responsibility TEXT   NOT NULL,
    linked_by      BIGINT NOT NULL REFERENCES users (id),
    linked_at      BIGINT NOT NULL,
    PRIMARY KEY (release_id, user_id)
);

-- The execution log: append-only. The triggers below refuse any update or delete.
CREATE TABLE execution_log (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    release_id         BIGINT  NOT NULL REFERENCES releases (id),
    occurred_at        BIGINT  NOT NULL,
    user_id            BIGINT  NOT NULL REFERENCES users (id),
    kind               TEXT    NOT NULL,
    step_code          TEXT,
    time_spent_minutes BIGINT,
    details            TEXT    NOT NULL DEFAULT '{}',  -- JSON, kind-specific
    snapshot           TEXT                           -- JSON of the release after an advance
);
CREATE INDEX execution_log_by_release ON execution_log (release_id, id DESC);

CREATE TRIGGER execution_log_no_update BEFORE UPDATE ON execution_log
BEGIN
    SELECT RAISE(ABORT, 'execution_log is append-only');
END;
CREATE TRIGGER execution_log_no_delete BEFORE DELETE ON execution_log
BEGIN
    SELECT RAISE(ABORT, 'execution_log is append-only');
END;
