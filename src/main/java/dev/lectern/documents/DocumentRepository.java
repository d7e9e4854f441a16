package dev.lectern.documents;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Documents in PostgreSQL. Blocking JDBC: reactive callers run it on a bounded scheduler. Status changes
 * name the status they expect to leave, so a late result (a parse that finished after its time-out, or
 * after the document was deleted) changes nothing.
 */
@Repository
class DocumentRepository {

    private static final String COLUMNS = """
            id, owner_id, filename, media_type, size_bytes, sha256, title, author, language, page_count,
            token_count, text_chars, status, error, note, created_at, updated_at, extracted_at, prefix_key, shared, pages_known,
            (SELECT username FROM users WHERE users.id = documents.owner_id) AS owner_name""";

    private final JdbcClient jdbc;

    DocumentRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void setShared(UUID id, boolean shared) {
        jdbc.sql("UPDATE documents SET shared = ?, updated_at = now() WHERE id = ?").params(shared, id).update();
    }

    /** Inserts a new {@code uploaded} document unless the owner already has these bytes; true if inserted. */
    boolean insertIfAbsent(UUID id, long ownerId, String filename, long sizeBytes, String sha256) {
        return jdbc.sql("""
                        INSERT INTO documents (id, owner_id, filename, size_bytes, sha256, status)
                        VALUES (?, ?, ?, ?, ?, 'uploaded')
                        ON CONFLICT (owner_id, sha256) DO NOTHING""")
                .params(id, ownerId, filename, sizeBytes, sha256)
                .update() == 1;
    }

    Optional<Document> findByOwnerAndSha256(long ownerId, String sha256) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM documents WHERE owner_id = ? AND sha256 = ?")
                .params(ownerId, sha256)
                .query(DocumentRepository::document)
                .optional();
    }

    Optional<Document> findById(UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM documents WHERE id = ?")
                .param(id)
                .query(DocumentRepository::document)
                .optional();
    }

    /** What {@code userId} may read: their own documents and those the team shares, in upload order. */
    List<Document> findReadableBy(long userId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM documents WHERE owner_id = ? OR shared ORDER BY created_at, id")
                .param(userId)
                .query(DocumentRepository::document)
                .list();
    }

    Optional<String> findText(UUID id) {
        return jdbc.sql("SELECT extracted_text FROM documents WHERE id = ?")
                .param(id)
                .query((row, n) -> Optional.ofNullable(row.getString(1)))
                .optional()
                .flatMap(text -> text);
    }

    /** Documents a stopped server left half done (encoding ones are resumed apart), oldest first. */
    List<UUID> findUnfinished() {
        return jdbc.sql("""
                        SELECT id FROM documents WHERE status IN ('uploaded', 'extracting', 'tokenizing')
                        ORDER BY created_at, id""")
                .query((row, n) -> row.getObject(1, UUID.class))
                .list();
    }

    /** Documents to encode (again): left encoding by a stopped server, or ready with a prefix that is gone. */
    /**
     * Documents to check against the model that just became ready: extracted ones it has not seen (counted
     * without a model, so no token count; or counted while it was not ready, so not encoded: no note, as a note
     * says why a document was left unencoded on purpose), and those too long for the last one (the context may
     * have grown since, as their message suggests).
     */
    List<Document> findWaitingForModel() {
        return jdbc.sql("SELECT " + COLUMNS + """
                         FROM documents WHERE (status = 'extracted' AND (token_count IS NULL OR note IS NULL))
                            OR status = 'too_long'
                        ORDER BY created_at, id""")
                .query(DocumentRepository::document)
                .list();
    }

    List<Document> findEncodingOrReady() {
        return jdbc.sql("SELECT " + COLUMNS + " FROM documents WHERE status IN ('encoding', 'ready') ORDER BY created_at, id")
                .query(DocumentRepository::document)
                .list();
    }

    /** {@code extracted} or {@code ready} (a prefix to encode again) to {@code encoding}, naming its entry. */
    boolean startEncoding(UUID id, String prefixKey) {
        return jdbc.sql("""
                        UPDATE documents SET status = 'encoding', prefix_key = ?, note = NULL, updated_at = now()
                        WHERE id = ? AND status IN ('extracted', 'ready', 'encoding')""")
                .params(prefixKey, id)
                .update() == 1;
    }

    /** Straight from counting tokens to encoding, so no reader sees a passing {@code extracted}. */
    boolean startEncodingCounted(UUID id, int tokenCount, String prefixKey) {
        return jdbc.sql("""
                        UPDATE documents SET status = 'encoding', token_count = ?, prefix_key = ?, error = NULL,
                            note = NULL, updated_at = now()
                        WHERE id = ? AND status = 'tokenizing'""")
                .params(tokenCount, prefixKey, id)
                .update() == 1;
    }

    boolean finishEncoding(UUID id, String prefixKey) {
        return jdbc.sql("""
                        UPDATE documents SET status = 'ready', prefix_key = ?, note = NULL, updated_at = now()
                        WHERE id = ? AND status = 'encoding'""")
                .params(prefixKey, id)
                .update() == 1;
    }

    /** Encoding failed: back to {@code extracted}, with the reason as the note. */
    boolean encodingFailed(UUID id, String note) {
        return jdbc.sql("""
                        UPDATE documents SET status = 'extracted', note = ?, updated_at = now()
                        WHERE id = ? AND status = 'encoding'""")
                .params(note, id)
                .update() == 1;
    }

    List<Document> findByPrefixKey(String prefixKey) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM documents WHERE prefix_key = ? ORDER BY created_at, id")
                .param(prefixKey)
                .query(DocumentRepository::document)
                .list();
    }

    /** A ready document whose prefix is gone goes back to {@code extracted}, with the reason as its note. */
    boolean forgetPrefix(UUID id, String note) {
        return jdbc.sql("""
                        UPDATE documents SET status = 'extracted', prefix_key = NULL, note = ?, updated_at = now()
                        WHERE id = ? AND status IN ('ready', 'encoding')""")
                .params(note, id)
                .update() == 1;
    }

    boolean isPrefixReferenced(String prefixKey) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM documents WHERE prefix_key = ?)")
                .param(prefixKey)
                .query(Boolean.class)
                .single();
    }

    boolean delete(UUID id) {
        return jdbc.sql("DELETE FROM documents WHERE id = ?").param(id).update() == 1;
    }

    boolean isStoredFileReferenced(String sha256) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM documents WHERE sha256 = ?)")
                .param(sha256)
                .query(Boolean.class)
                .single();
    }

    /** Moves the document from {@code from} to {@code to}; false when it was elsewhere (or deleted). */
    boolean changeStatus(UUID id, DocumentStatus from, DocumentStatus to) {
        return jdbc.sql("UPDATE documents SET status = ?, error = NULL, updated_at = now() WHERE id = ? AND status = ?")
                .params(to.code(), id, from.code())
                .update() == 1;
    }

    /** Back to {@code uploaded}, for work a stopped server left unfinished. */
    void restart(UUID id) {
        jdbc.sql("""
                        UPDATE documents SET status = 'uploaded', error = NULL, note = NULL, updated_at = now()
                        WHERE id = ? AND status IN ('extracting', 'tokenizing')""")
                .param(id)
                .update();
    }

    boolean saveExtraction(UUID id, ExtractedDocument extracted) {
        return jdbc.sql("""
                        UPDATE documents SET status = 'tokenizing', media_type = ?, title = ?, author = ?,
                            language = ?, page_count = ?, extracted_text = ?, text_chars = ?, pages_known = ?,
                            extracted_at = now(), updated_at = now()
                        WHERE id = ? AND status = 'extracting'""")
                .params(extracted.mediaType(), extracted.title(), extracted.author(), extracted.language(),
                        extracted.pageCount(), extracted.text(), extracted.text().length(), extracted.pagesKnown(), id)
                .update() == 1;
    }

    /** The final status after counting tokens: {@code extracted} or {@code too_long}. */
    boolean finishTokenizing(UUID id, DocumentStatus status, Integer tokenCount, String error, String note) {
        return jdbc.sql("""
                        UPDATE documents SET status = ?, token_count = ?, error = ?, note = ?, updated_at = now()
                        WHERE id = ? AND status = 'tokenizing'""")
                .params(status.code(), tokenCount, error, note, id)
                .update() == 1;
    }

    /** Marks the document failed from whichever working status it is in; keeps a media type if known. */
    boolean fail(UUID id, String mediaType, String error) {
        return jdbc.sql("""
                        UPDATE documents SET status = 'failed', error = ?, media_type = COALESCE(?, media_type),
                            updated_at = now()
                        WHERE id = ? AND status IN ('uploaded', 'extracting', 'tokenizing')""")
                .params(error, mediaType, id)
                .update() == 1;
    }

    /** Fails a document still being extracted (the watchdog's time-out); false if it moved on meanwhile. */
    boolean failWhileExtracting(UUID id, String error) {
        return jdbc.sql("UPDATE documents SET status = 'failed', error = ?, updated_at = now() WHERE id = ? AND status = 'extracting'")
                .params(error, id)
                .update() == 1;
    }

    private static Document document(ResultSet row, int n) throws SQLException {
        return new Document(
                row.getObject("id", UUID.class),
                row.getLong("owner_id"),
                row.getString("filename"),
                row.getString("media_type"),
                row.getLong("size_bytes"),
                row.getString("sha256"),
                row.getString("title"),
                row.getString("author"),
                row.getString("language"),
                (Integer) row.getObject("page_count"),
                (Integer) row.getObject("token_count"),
                (Integer) row.getObject("text_chars"),
                DocumentStatus.fromCode(row.getString("status")),
                row.getString("error"),
                row.getString("note"),
                instant(row.getTimestamp("created_at")),
                instant(row.getTimestamp("updated_at")),
                instant(row.getTimestamp("extracted_at")),
                row.getString("prefix_key"),
                row.getBoolean("shared"),
                row.getString("owner_name"),
                row.getBoolean("pages_known"));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
