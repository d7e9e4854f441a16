-- Issue 17: keys for the OpenAI-compatible API, and per-user quotas.
-- A key is shown once, when it is made; only its SHA-256 is kept (the key is 256 random bits, so a plain
-- hash cannot be reversed by guessing, and a lookup by hash needs no per-row salt). The hint (the key's
-- first characters) lets its owner tell keys apart. Revoking a key deletes its row: the next request
-- with it finds nothing.
CREATE TABLE api_keys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT        NOT NULL,
    key_hash     CHAR(64)    NOT NULL UNIQUE,
    key_hint     VARCHAR(16) NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_keys_user ON api_keys (user_id, id);

-- An administrator's override of lectern.quotas.* for one user; a null column keeps the default.
CREATE TABLE user_quotas (
    user_id                 BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    max_concurrent_requests INTEGER CHECK (max_concurrent_requests >= 0),
    tokens_per_day          BIGINT  CHECK (tokens_per_day >= 0),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Tokens the engine computed for a user per UTC day (prompt tokens not taken from the cache, plus the
-- tokens generated), summed as each answer ends.
CREATE TABLE token_usage (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day     DATE   NOT NULL,
    tokens  BIGINT NOT NULL DEFAULT 0 CHECK (tokens >= 0),
    PRIMARY KEY (user_id, day)
);
