-- Document processing (issue 5): the statuses a document moves through, a note for a successful
-- extraction that still lacks something (no model configured, so no token count), when the text was
-- extracted, and the page count Tika reports. The stored file is named by sha256 under the data
-- directory, so no path is kept: moving the data directory must not break rows.

ALTER TABLE documents
    ADD COLUMN note         TEXT,
    ADD COLUMN text_chars   INTEGER CHECK (text_chars >= 0),
    ADD COLUMN extracted_at TIMESTAMPTZ,
    ADD CONSTRAINT documents_status_known
        CHECK (status IN ('uploaded', 'extracting', 'tokenizing', 'extracted', 'too_long', 'failed'));

CREATE INDEX documents_owner_created ON documents (owner_id, created_at, id);

-- Work left unfinished by a stopped server is found by status at start-up.
CREATE INDEX documents_unfinished ON documents (status)
    WHERE status IN ('uploaded', 'extracting', 'tokenizing');
