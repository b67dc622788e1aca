-- Access tokens for /api/v1 ("Mi cuenta" > "Tokens de acceso", `releasedesk api-token create`).
-- Only the SHA-256 of a token is stored (the token is a random 32-byte secret, shown once):
-- a copy of the database gives nobody a usable token. A token acts as its user, with the
-- user's groups and permissions at the time of each request.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT  NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, created_at);
