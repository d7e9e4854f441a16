package dev.lectern.web;

import java.security.Principal;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.server.ResponseStatusException;

import dev.lectern.config.BlockingWork;
import dev.lectern.config.LecternProperties;
import dev.lectern.conversations.ConversationService;
import dev.lectern.inference.EngineState;
import dev.lectern.inference.EngineStatus;
import dev.lectern.inference.InferenceService;
import reactor.core.publisher.Mono;

/**
 * The chat, the page the team works in: {@code /} opens a new conversation, {@code /conversations/{id}} an
 * existing one (the page's script loads it; an id that is not the user's shows as not found there). The
 * page gets the engine's state, so without a model it says at once how to configure one.
 */
@Controller
class ChatPageController {

    private final InferenceService inference;
    private final LecternProperties properties;
    private final ConversationService conversations;
    private final BlockingWork blocking;

    ChatPageController(InferenceService inference, LecternProperties properties, ConversationService conversations,
            BlockingWork blocking) {
        this.inference = inference;
        this.properties = properties;
        this.conversations = conversations;
        this.blocking = blocking;
    }

    @GetMapping("/")
    String chat(Principal principal, Model model) {
        return page(principal, model, null);
    }

    /** Another user's conversation is "not found", as one that never existed. */
    @GetMapping("/conversations/{id}")
    Mono<String> conversation(@PathVariable UUID id, Principal principal, Model model) {
        return Mono.fromCallable(() -> conversations.isOwnedBy(principal.getName(), id))
                .subscribeOn(blocking.scheduler())
                .flatMap(owned -> owned ? Mono.just(page(principal, model, id))
                        : Mono.error(new ResponseStatusException(HttpStatus.NOT_FOUND, "There is no such conversation among yours.")));
    }

    private String page(Principal principal, Model model, UUID conversation) {
        EngineStatus engine = inference.status();
        model.addAttribute("username", principal.getName());
        model.addAttribute("conversationId", conversation == null ? "" : conversation.toString());
        model.addAttribute("engineState", engine.state().name());
        model.addAttribute("engineMessage", engineMessage(engine));
        model.addAttribute("contextLength", engine.contextLength());
        model.addAttribute("maxUploadBytes", properties.documents().maxUpload().toBytes());
        model.addAttribute("defaultMaxTokens", properties.chat().reservedAnswerTokens());
        return "chat";
    }

    /** What the chat says while it cannot answer; empty when it can. */
    private static String engineMessage(EngineStatus engine) {
        if (engine.state() == EngineState.READY) {
            return "";
        }
        if (engine.message() != null) {
            return engine.message();
        }
        return switch (engine.state()) {
            case LOADING -> "The model is loading; you can ask in a moment. Uploads work meanwhile.";
            case STOPPED -> "Lectern is shutting down.";
            default -> "The model is not available.";
        };
    }
}
