package dev.lectern.api.openai;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.lectern.apikeys.ApiKeyPrincipal;
import dev.lectern.config.BlockingWork;
import dev.lectern.config.LecternProperties;
import dev.lectern.documents.DocumentLibrary;
import dev.lectern.engine.generation.GenerationFailure;
import dev.lectern.engine.generation.GenerationStats;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.inference.EngineStatus;
import dev.lectern.inference.EngineUnavailableException;
import dev.lectern.inference.GenerationEvent;
import dev.lectern.inference.GenerationStream;
import dev.lectern.inference.InferenceService;
import dev.lectern.inference.PromptRequest;
import dev.lectern.quotas.QuotaExceeded;
import dev.lectern.quotas.QuotaGate;
import dev.lectern.quotas.QuotaTicket;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAI-compatible API: {@code GET /v1/models} and {@code POST /v1/chat/completions}, so the
 * {@code openai} clients, LangChain, Open WebUI and the like can use Lectern as they use OpenAI. Callers
 * are API keys' owners ({@link ApiKeyPrincipal}); their quota applies as in the chat. A streamed answer is
 * Server-Sent Events of {@code chat.completion.chunk} objects ending with {@code data: [DONE]}; a client
 * that closes its connection cancels its request at the engine's next step, streamed or not.
 */
@RestController
class OpenAiController {

    private static final Logger log = LoggerFactory.getLogger(OpenAiController.class);
    /** A request may carry a whole document in a message (Open WebUI's full-context mode): allow large bodies. */
    static final int MAX_BODY_BYTES = 32 * 1024 * 1024;
    private static final Duration BUSY_RETRY = Duration.ofSeconds(5);

    private final InferenceService inference;
    private final DocumentLibrary library;
    private final QuotaGate quotas;
    private final SamplingParameters defaults;
    private final BlockingWork blocking;

    OpenAiController(InferenceService inference, DocumentLibrary library, QuotaGate quotas, LecternProperties properties,
            BlockingWork blocking) {
        this.inference = inference;
        this.library = library;
        this.quotas = quotas;
        this.defaults = SamplingParameters.defaults().withMaxTokens(properties.chat().reservedAnswerTokens());
        this.blocking = blocking;
    }

    @GetMapping("/v1/models")
    ResponseEntity<Object> models() {
        EngineStatus status = inference.status();
        List<Object> data = status.ready() ? List.of(model(status)) : List.of();
        return json(HttpStatus.OK, Map.of("object", "list", "data", data));
    }

    @GetMapping("/v1/models/{id}")
    ResponseEntity<Object> model(@PathVariable String id) {
        EngineStatus status = inference.status();
        if (!status.ready() || !modelId(status).equalsIgnoreCase(id)) {
            throw modelNotFound(id, status);
        }
        return json(HttpStatus.OK, model(status));
    }

    @PostMapping("/v1/chat/completions")
    Mono<ResponseEntity<Object>> completions(@RequestBody(required = false) Flux<DataBuffer> body,
            Authentication authentication) {
        ApiKeyPrincipal caller = (ApiKeyPrincipal) authentication.getPrincipal();
        Flux<DataBuffer> content = body != null ? body : Flux.empty();
        return DataBufferUtils.join(content, MAX_BODY_BYTES)
                .onErrorMap(DataBufferLimitException.class, tooLarge -> new OpenAiException(HttpStatus.PAYLOAD_TOO_LARGE,
                        "invalid_request_error", null, "request_too_large", "The request is larger than "
                        + MAX_BODY_BYTES / (1024 * 1024) + " MB. Upload long documents and attach them by id in"
                        + " \"documents\" instead.", null))
                .map(OpenAiController::readJson)
                .switchIfEmpty(Mono.error(() -> OpenAiException.invalid(null, "The request has no body; send JSON"
                        + " such as {\"model\": \"...\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}.")))
                // Reading documents, tokenizing and the quota's database check block: off the event loop.
                .publishOn(blocking.scheduler())
                .map(json -> start(caller, json))
                .flatMap(started -> started.request().stream() ? Mono.just(streamed(started)) : whole(started));
    }

    /** A request accepted by the engine, its response's identity, and its place in the caller's quota. */
    private record Started(ChatCompletionRequest request, GenerationStream stream, CompletionJson json) {
    }

    private Started start(ApiKeyPrincipal caller, JsonNode body) {
        ChatCompletionRequest request = ChatCompletionRequest.parse(body, defaults);
        EngineStatus status = inference.status();
        if (!status.ready()) {
            throw unavailable(status.message() != null ? status.message() : "The model is " + switch (status.state()) {
                case LOADING -> "still loading; try again in a moment.";
                case STOPPED -> "stopped: Lectern is shutting down.";
                default -> "not available (" + status.state() + ").";
            });
        }
        String modelId = modelId(status);
        if (!modelId.equalsIgnoreCase(request.model())) {
            throw modelNotFound(request.model(), status);
        }
        int[] prompt;
        try {
            List<String> documentSegments = request.documents().isEmpty() ? null
                    : library.systemSegments(library.forPrompt(caller.username(), request.documents()));
            prompt = OpenAiPrompt.build(inference.chatTokens(), documentSegments, request.messages(), inference::encodeText);
        } catch (DocumentLibrary.DocumentUnavailable problem) {
            boolean missing = problem.code().equals("NOT_FOUND");
            throw new OpenAiException(missing ? HttpStatus.NOT_FOUND : HttpStatus.BAD_REQUEST, "invalid_request_error",
                    "documents", missing ? "document_not_found" : "document_not_ready", problem.getMessage(), null);
        } catch (EngineUnavailableException stopped) {
            throw unavailable(stopped.getMessage());
        }
        int room = status.contextLength() - prompt.length;
        if (room < 1) {
            throw OpenAiException.invalid("messages", "context_length_exceeded", "This model's context holds "
                    + status.contextLength() + " tokens; the messages" + (request.documents().isEmpty() ? "" : " and documents")
                    + " take " + prompt.length + ", which leaves no room for an answer. Send fewer or shorter messages.");
        }
        // A limit beyond the context is cut to what fits, rather than refused: clients often send a fixed large one.
        int maxTokens = Math.min(request.maxTokens() != null ? request.maxTokens() : room, room);
        SamplingParameters parameters = request.parameters().withMaxTokens(maxTokens);
        QuotaTicket ticket;
        try {
            ticket = quotas.admit(caller.userId());
        } catch (QuotaExceeded exceeded) {
            throw new OpenAiException(HttpStatus.TOO_MANY_REQUESTS, exceeded.limit() == QuotaExceeded.Limit.TOKENS_PER_DAY
                    ? "tokens" : "requests", null, "rate_limit_exceeded", exceeded.getMessage(), exceeded.retryAfter());
        }
        GenerationStream stream;
        try {
            stream = ticket.track(inference.submit(PromptRequest.interactive(prompt, parameters)));
        } catch (GenerationFailure refused) {
            ticket.release();
            throw failure(refused.code().name(), refused.getMessage());
        } catch (EngineUnavailableException stopped) {
            ticket.release();
            throw unavailable(stopped.getMessage());
        } catch (RuntimeException other) {
            ticket.release();
            throw other;
        }
        log.debug("API request {} from {} (key {}): {} prompt tokens, {} documents, {} ahead in the queue",
                stream.requestId(), caller.username(), caller.keyId(), prompt.length, request.documents().size(),
                stream.queuePosition());
        return new Started(request, stream, new CompletionJson("chatcmpl-" + stream.requestId(),
                Instant.now().getEpochSecond(), modelId));
    }

    private ResponseEntity<Object> streamed(Started started) {
        CompletionJson json = started.json();
        boolean usage = started.request().includeUsage();
        GenerationStream stream = started.stream();
        Flux<ServerSentEvent<String>> events = Flux.concat(
                        Mono.fromSupplier(() -> data(json.chunk(CompletionJson.delta("assistant", ""), null, usage))),
                        stream.events().concatMap(event -> switch (event) {
                            case GenerationEvent.Token token when !token.text().isEmpty() ->
                                    Flux.just(data(json.chunk(CompletionJson.delta(null, token.text()), null, usage)));
                            case GenerationEvent.Done done -> {
                                ServerSentEvent<String> last = data(json.chunk(Map.of(), done.finishReason(), usage));
                                yield usage ? Flux.just(last, data(json.usageChunk(done.stats()))) : Flux.just(last);
                            }
                            case GenerationEvent.Failed failed -> Flux.just(data(CompletionJson.JSON.writeValueAsString(
                                    failure(failed.code(), failed.message()).body())));
                            default -> Flux.empty();
                        }),
                        Mono.fromSupplier(() -> data("[DONE]")))
                // Also when the client leaves before the first event, while the events are not yet subscribed.
                .doOnCancel(stream::cancel);
        return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                .header(HttpHeaders.CACHE_CONTROL, "no-cache").body(events);
    }

    private Mono<ResponseEntity<Object>> whole(Started started) {
        GenerationStream stream = started.stream();
        return stream.events().collectList()
                .doOnCancel(stream::cancel)
                .map(events -> {
                    StringBuilder text = new StringBuilder();
                    for (GenerationEvent event : events) {
                        switch (event) {
                            case GenerationEvent.Token token -> text.append(token.text());
                            case GenerationEvent.Failed failed -> throw failure(failed.code(), failed.message());
                            case GenerationEvent.Done done -> {
                                return json(HttpStatus.OK, started.json().completion(text.toString(), done.finishReason(),
                                        done.stats()));
                            }
                            default -> {
                            }
                        }
                    }
                    throw new IllegalStateException("request " + stream.requestId() + " ended without a result");
                });
    }

    /**
     * One SSE event of {@code data: <json>}. The leading space puts one after the colon, as OpenAI writes it:
     * clients that match {@code "data: "} literally read it too.
     */
    private static ServerSentEvent<String> data(String json) {
        return ServerSentEvent.builder(" " + json).build();
    }

    private static JsonNode readJson(DataBuffer buffer) {
        try (InputStream in = buffer.asInputStream(true)) {
            return CompletionJson.JSON.readTree(in);
        } catch (JacksonException | IOException unreadable) {
            throw OpenAiException.invalid(null, "invalid_json", "The request body is not valid JSON: "
                    + unreadable.getMessage().lines().findFirst().orElse("") + ".");
        }
    }

    private static Map<String, Object> model(EngineStatus status) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("id", modelId(status));
        model.put("object", "model");
        model.put("created", created(status));
        model.put("owned_by", "lectern");
        return model;
    }

    /** The model's file name without {@code .gguf}, e.g. {@code Qwen3-4B-Instruct-2507-Q4_K_M}. */
    static String modelId(EngineStatus status) {
        String name = Path.of(status.modelFile()).getFileName().toString();
        return name.toLowerCase().endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }

    private static long created(EngineStatus status) {
        try {
            return Files.getLastModifiedTime(Path.of(status.modelFile())).toInstant().getEpochSecond();
        } catch (IOException | RuntimeException unknown) {
            return 0;
        }
    }

    private static OpenAiException modelNotFound(String requested, EngineStatus status) {
        return new OpenAiException(HttpStatus.NOT_FOUND, "invalid_request_error", "model", "model_not_found",
                "The model '" + requested + "' does not exist here. " + (status.ready()
                        ? "This Lectern serves '" + modelId(status) + "' (GET /v1/models)." : "No model is loaded yet."), null);
    }

    private static OpenAiException unavailable(String message) {
        return new OpenAiException(HttpStatus.SERVICE_UNAVAILABLE, "server_error", null, "model_not_loaded", message,
                BUSY_RETRY);
    }

    /** An engine failure ({@code GenerationFailure.Code} name, or MODEL_NOT_LOADED) as OpenAI would report it. */
    private static OpenAiException failure(String code, String message) {
        return switch (code) {
            case "QUEUE_FULL" -> new OpenAiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", null,
                    "server_busy", message, BUSY_RETRY);
            case "PROMPT_TOO_LONG" -> OpenAiException.invalid("messages", "context_length_exceeded", message);
            case "KV_MEMORY_FULL", "ENGINE_STOPPED", "MODEL_NOT_LOADED" -> new OpenAiException(
                    HttpStatus.SERVICE_UNAVAILABLE, "server_error", null, code.toLowerCase(), message, BUSY_RETRY);
            default -> new OpenAiException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", null,
                    code.toLowerCase(), message, null);
        };
    }

    @ExceptionHandler(OpenAiException.class)
    ResponseEntity<Object> refused(OpenAiException problem) {
        ResponseEntity<Object> response = json(problem.status(), problem.body());
        if (problem.retryAfter() != null) {
            return ResponseEntity.status(problem.status()).headers(response.getHeaders())
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (problem.retryAfter().toMillis() + 999) / 1000)))
                    .body(response.getBody());
        }
        return response;
    }

    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<Object> unexpected(RuntimeException failure) {
        log.error("OpenAI-compatible request failed", failure);
        return json(HttpStatus.INTERNAL_SERVER_ERROR, OpenAiException.body("Something went wrong on the server: "
                + failure.getMessage(), "server_error", null, "internal_error"));
    }

    private static ResponseEntity<Object> json(HttpStatus status, Object body) {
        String text = body instanceof String s ? s : CompletionJson.JSON.writeValueAsString(body);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(text);
    }
}
