package dev.lectern.conversations;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Conversations, their document sets and their messages in PostgreSQL. Blocking JDBC: reactive callers run
 * it on a bounded scheduler. Token ids are stored as {@code integer[]}.
 */
@Repository
class ConversationRepository {

    private static final String CONVERSATION_COLUMNS = """
            c.id, c.owner_id, c.title, c.document_count, c.created_at, c.updated_at,
            ARRAY(SELECT cd.document_id FROM conversation_documents cd WHERE cd.conversation_id = c.id
                  ORDER BY cd.position) AS document_ids""";
    private static final String MESSAGE_COLUMNS = """
            id, conversation_id, role, content, token_ids, status, finish_reason, error, prompt_tokens,
            cached_tokens, completion_tokens, time_to_first_token_ms, decode_tokens_per_second, created_at""";

    private final JdbcClient jdbc;

    ConversationRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(UUID id, long ownerId, String title, List<UUID> documentIds) {
        jdbc.sql("INSERT INTO conversations (id, owner_id, title, document_count) VALUES (?, ?, ?, ?)")
                .params(id, ownerId, title, documentIds.size())
                .update();
        for (int i = 0; i < documentIds.size(); i++) {
            jdbc.sql("INSERT INTO conversation_documents (conversation_id, document_id, position) VALUES (?, ?, ?)")
                    .params(id, documentIds.get(i), i)
                    .update();
        }
    }

    Optional<Conversation> find(UUID id) {
        return jdbc.sql("SELECT " + CONVERSATION_COLUMNS + " FROM conversations c WHERE c.id = ?")
                .param(id)
                .query(ConversationRepository::conversation)
                .optional();
    }

    /** The owner's conversations, the most recently active first. */
    List<Conversation> findByOwner(long ownerId) {
        return jdbc.sql("SELECT " + CONVERSATION_COLUMNS
                        + " FROM conversations c WHERE c.owner_id = ? ORDER BY c.updated_at DESC, c.id")
                .param(ownerId)
                .query(ConversationRepository::conversation)
                .list();
    }

    boolean rename(UUID id, String title) {
        return jdbc.sql("UPDATE conversations SET title = ?, updated_at = now() WHERE id = ?")
                .params(title, id)
                .update() == 1;
    }

    boolean delete(UUID id) {
        return jdbc.sql("DELETE FROM conversations WHERE id = ?").param(id).update() == 1;
    }

    void touch(UUID id) {
        jdbc.sql("UPDATE conversations SET updated_at = now() WHERE id = ?").param(id).update();
    }

    long insertMessage(UUID conversationId, MessageRole role, String content, int[] tokenIds, MessageStatus status) {
        return jdbc.sql("""
                        INSERT INTO messages (conversation_id, role, content, token_ids, status)
                        VALUES (?, ?, ?, ?, ?) RETURNING id""")
                .params(conversationId, role.code(), content, tokenIds, status.code())
                .query(Long.class)
                .single();
    }

    /** Every message of the conversation, in the order written. */
    List<Message> messages(UUID conversationId) {
        return jdbc.sql("SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = ? ORDER BY id")
                .param(conversationId)
                .query(ConversationRepository::message)
                .list();
    }

    Optional<Message> message(long id) {
        return jdbc.sql("SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE id = ?")
                .param(id)
                .query(ConversationRepository::message)
                .optional();
    }

    /** Ends a streaming answer; false when it had already ended (or was deleted with its conversation). */
    boolean finishAnswer(long id, String content, int[] tokenIds, MessageStatus status, String finishReason,
            String error, AnswerStats stats) {
        return jdbc.sql("""
                        UPDATE messages SET content = ?, token_ids = ?, status = ?, finish_reason = ?, error = ?,
                            prompt_tokens = ?, cached_tokens = ?, completion_tokens = ?, time_to_first_token_ms = ?,
                            decode_tokens_per_second = ?, updated_at = now()
                        WHERE id = ? AND status = 'streaming'""")
                .params(content, tokenIds, status.code(), finishReason, error, stats.promptTokens(),
                        stats.cachedTokens(), stats.completionTokens(),
                        stats.timeToFirstTokenMs() == null ? null : Math.toIntExact(stats.timeToFirstTokenMs()),
                        stats.decodeTokensPerSecond() == null ? null : stats.decodeTokensPerSecond().floatValue(), id)
                .update() == 1;
    }

    /** Deletes messages with ids from {@code fromId} on (the last exchange, before it is asked again). */
    int deleteFrom(UUID conversationId, long fromId) {
        return jdbc.sql("DELETE FROM messages WHERE conversation_id = ? AND id >= ?")
                .params(conversationId, fromId)
                .update();
    }

    /** Answers a stopped server left streaming: failed, with the reason. */
    int failStreaming(String error) {
        return jdbc.sql("UPDATE messages SET status = 'failed', error = ?, updated_at = now() WHERE status = 'streaming'")
                .param(error)
                .update();
    }

    private static Conversation conversation(ResultSet row, int n) throws SQLException {
        List<UUID> documents = new ArrayList<>();
        Array array = row.getArray("document_ids");
        if (array != null) {
            for (Object id : (Object[]) array.getArray()) {
                documents.add((UUID) id);
            }
        }
        return new Conversation(row.getObject("id", UUID.class), row.getLong("owner_id"), row.getString("title"),
                documents, row.getInt("document_count"), instant(row.getTimestamp("created_at")),
                instant(row.getTimestamp("updated_at")));
    }

    private static Message message(ResultSet row, int n) throws SQLException {
        Array array = row.getArray("token_ids");
        int[] ids = null;
        if (array != null) {
            Object[] values = (Object[]) array.getArray();
            ids = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                ids[i] = (Integer) values[i];
            }
        }
        MessageRole role = MessageRole.fromCode(row.getString("role"));
        AnswerStats stats = role == MessageRole.ASSISTANT ? new AnswerStats(
                (Integer) row.getObject("prompt_tokens"), (Integer) row.getObject("cached_tokens"),
                (Integer) row.getObject("completion_tokens"),
                row.getObject("time_to_first_token_ms") == null ? null : row.getLong("time_to_first_token_ms"),
                row.getObject("decode_tokens_per_second") == null ? null
                        : Math.round(row.getDouble("decode_tokens_per_second") * 100) / 100.0)
                : null;
        return new Message(row.getLong("id"), row.getObject("conversation_id", UUID.class), role,
                row.getString("content"), ids, MessageStatus.fromCode(row.getString("status")),
                row.getString("finish_reason"), row.getString("error"), stats, instant(row.getTimestamp("created_at")));
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
