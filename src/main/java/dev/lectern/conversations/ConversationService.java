package dev.lectern.conversations;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lectern.documents.Document;
import dev.lectern.documents.DocumentCatalog;
import dev.lectern.security.UserAccount;
import dev.lectern.security.UserRepository;

/**
 * Conversations and their messages, always within one owner's: another owner's conversation answers
 * exactly like one that does not exist. Blocking (JDBC); reactive callers run it on a bounded scheduler.
 */
@Service
public class ConversationService {

    private static final Logger log = LoggerFactory.getLogger(ConversationService.class);
    /** A conversation is about at most this many documents (each must also fit the context together). */
    public static final int MAX_DOCUMENTS = 32;
    static final int MAX_TITLE_LENGTH = 200;
    private static final int DERIVED_TITLE_LENGTH = 60;

    /** A question stored with the answer that is being written for it. */
    public record Exchange(Conversation conversation, long questionId, long answerId) {
    }

    private final ConversationRepository conversations;
    private final DocumentCatalog documents;
    private final UserRepository users;
    private final TransactionTemplate transactions;

    ConversationService(ConversationRepository conversations, DocumentCatalog documents, UserRepository users,
            TransactionTemplate transactions) {
        this.conversations = conversations;
        this.documents = documents;
        this.users = users;
        this.transactions = transactions;
    }

    public long ownerId(String username) {
        return users.findByUsername(username).map(UserAccount::id)
                .orElseThrow(() -> new IllegalStateException("signed-in user " + username + " has no account row"));
    }

    public List<Conversation> list(long ownerId) {
        return conversations.findByOwner(ownerId);
    }

    /** Whether {@code username} has the conversation {@code id} (blocking). */
    public boolean isOwnedBy(String username, UUID id) {
        long owner = ownerId(username);
        return conversations.find(id).filter(c -> c.ownerId() == owner).isPresent();
    }

    public Conversation owned(long ownerId, UUID id) {
        return conversations.find(id).filter(c -> c.ownerId() == ownerId).orElseThrow(ConversationProblem::notFound);
    }

    public List<Message> messages(UUID conversationId) {
        return conversations.messages(conversationId);
    }

    /**
     * The owner's documents of {@code ids}, each once, in the order given; refuses an empty set, too many, and
     * ids that are not the owner's documents.
     */
    public List<Document> documentSet(long ownerId, List<UUID> ids) {
        if (ids == null || ids.isEmpty()) {
            throw new ConversationProblem(HttpStatus.BAD_REQUEST, "NO_DOCUMENTS",
                    "Choose at least one document to ask about.");
        }
        List<UUID> distinct = List.copyOf(new LinkedHashSet<>(ids));
        if (distinct.size() > MAX_DOCUMENTS) {
            throw new ConversationProblem(HttpStatus.BAD_REQUEST, "TOO_MANY_DOCUMENTS", "A conversation can be about at"
                    + " most " + MAX_DOCUMENTS + " documents; " + distinct.size() + " were chosen.");
        }
        List<Document> found = documents.readableBy(ownerId, distinct);
        if (found.size() != distinct.size()) {
            throw new ConversationProblem(HttpStatus.BAD_REQUEST, "UNKNOWN_DOCUMENT",
                    "One of the chosen documents is not among yours (it may have been deleted); reload the page.");
        }
        return found;
    }

    public Conversation create(long ownerId, String title, List<UUID> documentIds) {
        List<Document> set = documentSet(ownerId, documentIds);
        UUID id = UUID.randomUUID();
        String name = title == null || title.isBlank() ? defaultTitle(set) : cleanTitle(title);
        transactions.executeWithoutResult(status -> conversations.insert(id, ownerId, name,
                set.stream().map(Document::id).toList()));
        return conversations.find(id).orElseThrow();
    }

    public Conversation rename(long ownerId, UUID id, String title) {
        owned(ownerId, id);
        if (title == null || title.isBlank()) {
            throw new ConversationProblem(HttpStatus.BAD_REQUEST, "BAD_TITLE", "Give the conversation a title.");
        }
        conversations.rename(id, cleanTitle(title));
        return owned(ownerId, id);
    }

    public void delete(long ownerId, UUID id) {
        owned(ownerId, id);
        conversations.delete(id);
    }

    /**
     * Stores a question and an empty streaming answer, in one transaction: in a new conversation about
     * {@code documentIds} when {@code existing} is null (titled after the question), else in
     * {@code existing}, after deleting its messages from {@code replaceFrom} on when that is given (the last
     * exchange, asked again).
     */
    public Exchange beginExchange(long ownerId, Conversation existing, List<UUID> documentIds, String question,
            int[] userTurnIds, Long replaceFrom) {
        return transactions.execute(status -> {
            UUID id;
            if (existing == null) {
                id = UUID.randomUUID();
                conversations.insert(id, ownerId, titleFrom(question), documentIds);
            } else {
                id = existing.id();
                if (replaceFrom != null) {
                    conversations.deleteFrom(id, replaceFrom);
                }
                conversations.touch(id);
            }
            long questionId = conversations.insertMessage(id, MessageRole.USER, question, userTurnIds,
                    MessageStatus.COMPLETE);
            long answerId = conversations.insertMessage(id, MessageRole.ASSISTANT, "", null, MessageStatus.STREAMING);
            return new Exchange(conversations.find(id).orElseThrow(), questionId, answerId);
        });
    }

    /** Ends a streaming answer with its text, generated ids and statistics; false if it had ended already. */
    public boolean finishAnswer(long answerId, String content, int[] tokenIds, MessageStatus status,
            String finishReason, String error, AnswerStats stats) {
        return conversations.finishAnswer(answerId, content, tokenIds, status, finishReason, error, stats);
    }

    /** Answers that were streaming when the server stopped can never finish: they are marked failed. */
    @EventListener(ApplicationReadyEvent.class)
    void failAnswersLeftStreaming() {
        int failed = conversations.failStreaming("The server stopped while this answer was being written; ask again.");
        if (failed > 0) {
            log.info("{} answer(s) were being written when the server last stopped; marked failed", failed);
        }
    }

    static String titleFrom(String question) {
        String line = question.strip().replaceAll("\\s+", " ");
        if (line.isEmpty()) {
            return "New conversation";
        }
        return line.length() <= DERIVED_TITLE_LENGTH ? line
                : line.substring(0, line.lastIndexOf(' ', DERIVED_TITLE_LENGTH) > 20
                        ? line.lastIndexOf(' ', DERIVED_TITLE_LENGTH) : DERIVED_TITLE_LENGTH) + "…";
    }

    private static String defaultTitle(List<Document> set) {
        return cleanTitle(set.size() == 1 ? set.getFirst().filename()
                : set.getFirst().filename() + " and " + (set.size() - 1) + " more");
    }

    private static String cleanTitle(String title) {
        String clean = title.strip().replaceAll("\\s+", " ");
        return clean.length() <= MAX_TITLE_LENGTH ? clean : clean.substring(0, MAX_TITLE_LENGTH);
    }
}
