-- Lectern's first schema: accounts, uploaded documents, conversations about them, and the index of
-- encoded document prefixes (KV cache entries) kept in RAM and on disk. Later issues evolve it by
-- new migrations, never by editing this one.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      VARCHAR(64)  NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    role          VARCHAR(16)  NOT NULL CHECK (role IN ('ADMIN', 'USER')),
    enabled       BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now()
);

-- One row per owner and content: the same bytes uploaded twice by one user are one document, and the
-- stored file (named by sha256) is shared by every owner who uploaded it.
CREATE TABLE documents (
    id             UUID PRIMARY KEY,
    owner_id       BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filename       TEXT        NOT NULL,
    media_type     VARCHAR(255),
    size_bytes     BIGINT      NOT NULL CHECK (size_bytes >= 0),
    sha256         CHAR(64)    NOT NULL,
    title          TEXT,
    author         TEXT,
    language       VARCHAR(32),
    page_count     INTEGER,
    extracted_text TEXT,
    token_count    INTEGER,
    status         VARCHAR(16) NOT NULL,
    error          TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (owner_id, sha256)
);
CREATE INDEX documents_sha256 ON documents (sha256);

CREATE TABLE conversations (
    id         UUID PRIMARY KEY,
    owner_id   BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX conversations_owner ON conversations (owner_id, updated_at DESC);

-- The documents a conversation asks about, in prompt order: the order fixes the token prefix.
CREATE TABLE conversation_documents (
    conversation_id UUID    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    document_id     UUID    NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, document_id),
    UNIQUE (conversation_id, position)
);

CREATE TABLE messages (
    id                       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id          UUID        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role                     VARCHAR(16) NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content                  TEXT        NOT NULL,
    prompt_tokens            INTEGER,
    cached_tokens            INTEGER,
    completion_tokens        INTEGER,
    time_to_first_token_ms   INTEGER,
    decode_tokens_per_second REAL,
    created_at               TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);

-- An encoded prefix: its chained content hash, the model it belongs to, where its KV blocks live.
CREATE TABLE cache_entries (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prefix_hash       CHAR(64)    NOT NULL UNIQUE,
    model_fingerprint CHAR(64)    NOT NULL,
    document_id       UUID        REFERENCES documents (id) ON DELETE SET NULL,
    token_count       INTEGER     NOT NULL CHECK (token_count >= 0),
    kv_bytes          BIGINT      NOT NULL CHECK (kv_bytes >= 0),
    tier              VARCHAR(8)  NOT NULL CHECK (tier IN ('ram', 'disk')),
    file_path         TEXT,
    pinned            BOOLEAN     NOT NULL DEFAULT FALSE,
    hits              BIGINT      NOT NULL DEFAULT 0,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX cache_entries_document ON cache_entries (document_id);
