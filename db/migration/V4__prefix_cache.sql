-- The prefix cache (issue 13). A cache entry is the encoded prefix (KV cache) of a prompt that starts
-- conversations: today the system turn of one document. Its key is the SHA-256 of the KV fingerprint
-- (model, layout, engine version) and the prefix's token ids, so two users' copies of one PDF share it.
-- The blocks live in RAM (the engine's pool) and in a file under <data-dir>/kv-cache named by the key.
-- V1 sketched a cache_entries table that nothing ever wrote (no code used it): it is replaced by this one,
-- keyed the way the engine finds prefixes.
DROP TABLE IF EXISTS cache_entries;
CREATE TABLE cache_entries (
    prefix_key    TEXT PRIMARY KEY,
    fingerprint   TEXT        NOT NULL,
    label         TEXT        NOT NULL,
    tokens        INTEGER     NOT NULL CHECK (tokens > 0),
    cached_tokens INTEGER     NOT NULL CHECK (cached_tokens >= 0),
    disk_bytes    BIGINT      CHECK (disk_bytes >= 0),
    pinned        BOOLEAN     NOT NULL DEFAULT TRUE,
    hits          BIGINT      NOT NULL DEFAULT 0,
    tokens_saved  BIGINT      NOT NULL DEFAULT 0,
    last_hit_at   TIMESTAMPTZ,
    encode_ms     BIGINT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A ready document names its entry; several documents (the same file uploaded by several users) may name
-- one. No foreign key: an entry deleted or invalidated (its file damaged, the model changed) leaves the
-- document to be encoded again, not deleted.
ALTER TABLE documents ADD COLUMN prefix_key TEXT;
CREATE INDEX documents_prefix_key ON documents (prefix_key) WHERE prefix_key IS NOT NULL;

ALTER TABLE documents DROP CONSTRAINT documents_status_known;
ALTER TABLE documents ADD CONSTRAINT documents_status_known
    CHECK (status IN ('uploaded', 'extracting', 'tokenizing', 'extracted', 'too_long', 'failed', 'encoding', 'ready'));

DROP INDEX documents_unfinished;
CREATE INDEX documents_unfinished ON documents (status)
    WHERE status IN ('uploaded', 'extracting', 'tokenizing', 'encoding');
