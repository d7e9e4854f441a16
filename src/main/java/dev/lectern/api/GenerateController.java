package dev.lectern.api;

import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebInputException;

import dev.lectern.config.BlockingWork;
import dev.lectern.documents.DocumentLibrary;
import dev.lectern.engine.chat.ChatMessage;
import dev.lectern.engine.generation.GenerationFailure;
import dev.lectern.engine.generation.GenerationStats;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.inference.EngineUnavailableException;
import dev.lectern.inference.GenerationEvent;
import dev.lectern.inference.GenerationStream;
import dev.lectern.inference.InferenceService;
import dev.lectern.inference.PromptRequest;
import dev.lectern.quotas.QuotaExceeded;
import dev.lectern.quotas.QuotaGate;
import dev.lectern.quotas.QuotaTicket;
import dev.lectern.security.UserAccount;
import dev.lectern.security.UserRepository;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/generate}: drives the engine directly, before and beside the chat UI. The answer
 * streams as Server-Sent Events: {@code accepted}, {@code started}, {@code progress} while the prompt is
 * encoded, {@code token} per piece of text, and one {@code done} (with statistics) or {@code error}.
 * Refusals that come before any token (no model, a full queue, a prompt too long) are plain JSON errors
 * with an HTTP status. Closing the connection cancels the request at the engine's next step.
 */
@RestController
class GenerateController {

    private static final Logger log = LoggerFactory.getLogger(GenerateController.class);
    static final int MAX_PROMPT_CHARACTERS = 4_000_000;

    private final InferenceService inference;
    private final DocumentLibrary library;
    private final QuotaGate quotas;
    private final UserRepository users;
    private final BlockingWork blocking;

    GenerateController(InferenceService inference, DocumentLibrary library, QuotaGate quotas, UserRepository users,
            BlockingWork blocking) {
        this.inference = inference;
        this.library = library;
        this.quotas = quotas;
        this.users = users;
        this.blocking = blocking;
    }

    record ApiError(String error, String message) {
    }

    @PostMapping(path = "/api/generate", consumes = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<Flux<ServerSentEvent<Object>>>> generate(@RequestBody GenerateRequest body, Principal principal) {
        SamplingParameters parameters = parameters(body);
        // Tokenizing a long prompt, and reading documents, take a while: off the event loop.
        return Mono.fromCallable(() -> {
            int[] prompt = prompt(body, principal.getName());
            long userId = users.findByUsername(principal.getName()).map(UserAccount::id).orElseThrow(() ->
                    new IllegalStateException("signed-in user " + principal.getName() + " has no account row"));
            QuotaTicket ticket = quotas.admit(userId);
            GenerationStream stream;
            try {
                stream = ticket.track(inference.submit(PromptRequest.interactive(prompt, parameters)));
            } catch (RuntimeException refused) {
                ticket.release();
                throw refused;
            }
            log.debug("Request {} accepted: {} prompt tokens, {} ahead in the queue", stream.requestId(), prompt.length,
                    stream.queuePosition());
            Flux<ServerSentEvent<Object>> events = Flux.concat(
                    Flux.just(event("accepted", fields("requestId", stream.requestId(),
                            "queuePosition", stream.queuePosition()))),
                    stream.events().map(GenerateController::event))
                    // Also when the client leaves before the first event, when the events are not yet subscribed.
                    .doOnCancel(stream::cancel);
            return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                    .header(HttpHeaders.CACHE_CONTROL, "no-cache").body(events);
        }).subscribeOn(blocking.scheduler());
    }

    private int[] prompt(GenerateRequest body, String username) {
        boolean thinking = Boolean.TRUE.equals(body.thinking());
        if (body.documents() != null && !body.documents().isEmpty()) {
            if (Boolean.TRUE.equals(body.raw())) {
                throw new BadRequest("\"raw\" and \"documents\" do not go together: documents are asked about in a chat.");
            }
            List<String> segments = library.systemSegments(library.forPrompt(username, body.documents()));
            return inference.chatTokens().system(segments).user(body.prompt(), thinking).ids();
        }
        return Boolean.TRUE.equals(body.raw()) ? inference.encodeText(body.prompt())
                : inference.encodeChat(List.of(ChatMessage.user(body.prompt())), thinking);
    }

    private static SamplingParameters parameters(GenerateRequest body) {
        if (body.prompt() == null || body.prompt().isEmpty()) {
            throw new BadRequest("Send a non-empty \"prompt\".");
        }
        if (body.prompt().length() > MAX_PROMPT_CHARACTERS) {
            throw new BadRequest("The prompt has " + body.prompt().length() + " characters; the most is "
                    + MAX_PROMPT_CHARACTERS + ".");
        }
        SamplingParameters parameters = SamplingParameters.defaults();
        try {
            if (body.temperature() != null) {
                parameters = body.temperature() == 0 ? SamplingParameters.greedy() : parameters.withTemperature(body.temperature());
            }
            if (body.topP() != null) {
                parameters = parameters.withTopP(body.topP());
            }
            if (body.maxTokens() != null) {
                parameters = parameters.withMaxTokens(body.maxTokens());
            }
            if (body.seed() != null) {
                parameters = parameters.withSeed(body.seed());
            }
        } catch (IllegalArgumentException invalid) {
            throw new BadRequest(invalid.getMessage());
        }
        return parameters;
    }

    private static ServerSentEvent<Object> event(GenerationEvent event) {
        return switch (event) {
            case GenerationEvent.Started started -> event("started", fields("cachedTokens", started.cachedTokens()));
            case GenerationEvent.Progress progress -> event("progress", fields("done", progress.done(),
                    "total", progress.total(), "etaSeconds", Math.round(progress.etaSeconds() * 10) / 10.0));
            case GenerationEvent.Token token -> event("token", fields("text", token.text(), "tokenId", token.tokenId()));
            case GenerationEvent.Done done -> event("done", fields("finishReason", done.finishReason(),
                    "stats", stats(done.stats())));
            case GenerationEvent.Failed failed -> event("error", fields("code", failed.code(),
                    "message", failed.message()));
        };
    }

    /** A JSON object whose fields keep the order given (Map.of's order changes from run to run). */
    private static Map<String, Object> fields(Object... namesAndValues) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return fields;
    }

    /** The chat protocol's statistics, plus the prefill rate and the time queued. */
    static Map<String, Object> stats(GenerationStats stats) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("promptTokens", stats.promptTokens());
        values.put("cachedTokens", stats.cachedTokens());
        values.put("completionTokens", stats.generatedTokens());
        values.put("timeToFirstTokenMs", Math.round(stats.timeToFirstTokenNanos() / 1e6));
        values.put("decodeTokensPerSecond", Math.round(stats.decodeTokensPerSecond() * 100) / 100.0);
        values.put("prefillTokensPerSecond", Math.round(stats.prefillTokensPerSecond() * 10) / 10.0);
        values.put("queueMs", Math.round(stats.queueNanos() / 1e6));
        return values;
    }

    private static ServerSentEvent<Object> event(String name, Object data) {
        return ServerSentEvent.builder(data).event(name).build();
    }

    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    @ExceptionHandler(BadRequest.class)
    ResponseEntity<ApiError> badRequest(BadRequest problem) {
        return error(HttpStatus.BAD_REQUEST, "BAD_REQUEST", problem.getMessage());
    }

    @ExceptionHandler(ServerWebInputException.class)
    ResponseEntity<ApiError> unreadable(ServerWebInputException problem) {
        return error(HttpStatus.BAD_REQUEST, "BAD_REQUEST", "The request could not be read: " + problem.getReason()
                + ". Send JSON such as {\"prompt\": \"...\", \"max_tokens\": 256}.");
    }

    @ExceptionHandler(DocumentLibrary.DocumentUnavailable.class)
    ResponseEntity<ApiError> document(DocumentLibrary.DocumentUnavailable problem) {
        return error(problem.code().equals("NOT_FOUND") ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT, problem.code(),
                problem.getMessage());
    }

    @ExceptionHandler(QuotaExceeded.class)
    ResponseEntity<ApiError> quota(QuotaExceeded exceeded) {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(exceeded.retryAfterSeconds()))
                .contentType(MediaType.APPLICATION_JSON).body(new ApiError("QUOTA_EXCEEDED", exceeded.getMessage()));
    }

    @ExceptionHandler(EngineUnavailableException.class)
    ResponseEntity<ApiError> unavailable(EngineUnavailableException problem) {
        return error(HttpStatus.SERVICE_UNAVAILABLE, "MODEL_NOT_LOADED", problem.getMessage());
    }

    @ExceptionHandler(GenerationFailure.class)
    ResponseEntity<ApiError> refused(GenerationFailure failure) {
        HttpStatus status = switch (failure.code()) {
            case QUEUE_FULL -> HttpStatus.TOO_MANY_REQUESTS;
            case PROMPT_TOO_LONG -> HttpStatus.BAD_REQUEST;
            case KV_MEMORY_FULL, ENGINE_STOPPED -> HttpStatus.SERVICE_UNAVAILABLE;
            case ENGINE_ERROR -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
        ResponseEntity<ApiError> response = error(status, failure.code().name(), failure.getMessage());
        if (failure.code() == GenerationFailure.Code.QUEUE_FULL) {
            return ResponseEntity.status(status).header(HttpHeaders.RETRY_AFTER, "5")
                    .contentType(MediaType.APPLICATION_JSON).body(response.getBody());
        }
        return response;
    }

    private static ResponseEntity<ApiError> error(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(new ApiError(code, message));
    }
}
