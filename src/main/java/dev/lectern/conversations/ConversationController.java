package dev.lectern.conversations;

import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.lectern.config.BlockingWork;
import dev.lectern.documents.DocumentCatalog;
import reactor.core.publisher.Mono;

/**
 * {@code /api/conversations}: list, create, show (with messages), rename, delete. Questions are asked on
 * the chat socket ({@code /ws/chat}), which also creates a conversation at its first question.
 */
@RestController
@RequestMapping("/api/conversations")
class ConversationController {

    record CreateRequest(String title, List<UUID> documentIds) {
    }

    record RenameRequest(String title) {
    }

    private final ConversationService conversations;
    private final DocumentCatalog documents;
    private final LiveAnswers live;
    private final BlockingWork blocking;

    ConversationController(ConversationService conversations, DocumentCatalog documents, LiveAnswers live,
            BlockingWork blocking) {
        this.conversations = conversations;
        this.documents = documents;
        this.live = live;
        this.blocking = blocking;
    }

    @GetMapping
    Mono<List<ConversationView.Summary>> list(Principal principal) {
        return blocking.call(() -> conversations.list(conversations.ownerId(principal.getName())).stream()
                .map(ConversationView.Summary::of).toList());
    }

    @PostMapping
    Mono<ResponseEntity<ConversationView>> create(@RequestBody CreateRequest body, Principal principal) {
        return blocking.call(() -> {
            long owner = conversations.ownerId(principal.getName());
            Conversation created = conversations.create(owner, body.title(), body.documentIds());
            return ResponseEntity.status(HttpStatus.CREATED).body(view(owner, created));
        });
    }

    @GetMapping("/{id}")
    Mono<ConversationView> show(@PathVariable UUID id, Principal principal) {
        return blocking.call(() -> {
            long owner = conversations.ownerId(principal.getName());
            return view(owner, conversations.owned(owner, id));
        });
    }

    @PatchMapping("/{id}")
    Mono<ConversationView.Summary> rename(@PathVariable UUID id, @RequestBody RenameRequest body, Principal principal) {
        return blocking.call(() -> ConversationView.Summary.of(
                conversations.rename(conversations.ownerId(principal.getName()), id, body.title())));
    }

    @DeleteMapping("/{id}")
    Mono<ResponseEntity<Void>> delete(@PathVariable UUID id, Principal principal) {
        return blocking.call(() -> {
            long owner = conversations.ownerId(principal.getName());
            conversations.owned(owner, id);
            live.cancelConversation(id, "its conversation was deleted");
            conversations.delete(owner, id);
            return ResponseEntity.noContent().<Void>build();
        });
    }

    private ConversationView view(long owner, Conversation conversation) {
        List<ConversationView.MessageView> messages = new ArrayList<>();
        for (Message m : conversations.messages(conversation.id())) {
            String content = m.content();
            String requestId = null;
            if (m.status() == MessageStatus.STREAMING) {
                var answer = live.find(m.id());
                if (answer.isPresent()) {
                    content = answer.get().content();
                    requestId = answer.get().requestId();
                }
            }
            messages.add(new ConversationView.MessageView(m.id(), m.role(), content, m.status(), m.finishReason(),
                    m.error(), m.stats(), requestId, m.createdAt()));
        }
        return new ConversationView(conversation.id(), conversation.title(),
                documents.readableBy(owner, conversation.documentIds()).stream().map(ConversationView.DocumentRef::of).toList(),
                conversation.documentsIntact(), conversation.createdAt(), conversation.updatedAt(), messages);
    }
}
