-- Chat (issue 14): what a conversation needs beyond V1's tables. A conversation's document set is fixed
-- when it is created, so its system turn never changes; document_count remembers how many it started
-- with, so a conversation that lost a document (deleted by its owner) is seen to have changed and is
-- closed to new questions rather than silently answered from fewer documents.
--
-- A message keeps the token ids of its turn: the user turn as the template wrapped it, the assistant turn
-- exactly as generated. The next question's prompt is built from these ids, never from re-tokenized text,
-- so it begins with the previous prompt token for token and the prefix cache reuses all of it.

ALTER TABLE conversations
    ADD COLUMN document_count INTEGER NOT NULL DEFAULT 0 CHECK (document_count >= 0);

ALTER TABLE messages
    ADD COLUMN token_ids     INTEGER[],
    ADD COLUMN status        VARCHAR(16) NOT NULL DEFAULT 'complete'
        CHECK (status IN ('streaming', 'complete', 'cancelled', 'failed')),
    ADD COLUMN finish_reason VARCHAR(16),
    ADD COLUMN error         TEXT,
    ADD COLUMN updated_at    TIMESTAMPTZ NOT NULL DEFAULT now();

-- Answers a stopped server left half written are found by status at start-up.
CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';
