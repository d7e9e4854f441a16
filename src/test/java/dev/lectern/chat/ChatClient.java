package dev.lectern.chat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import dev.lectern.testing.ThreadDump;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A chat socket as a script would use it (the JDK's WebSocket client): send JSON, read messages in order. */
public final class ChatClient implements WebSocket.Listener, AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A handshake the server refused, with its HTTP status. */
    static final class Refused extends RuntimeException {
        final int status;

        Refused(int status) {
            super("handshake refused with " + status);
            this.status = status;
        }
    }

    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final List<JsonNode> all = java.util.Collections.synchronizedList(new ArrayList<>());
    private final StringBuilder partial = new StringBuilder();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private WebSocket socket;

    public static Map<String, String> basic(String user, String password) {
        return Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    public static ChatClient connect(int port, Map<String, String> headers) {
        ChatClient client = new ChatClient();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(20));
        headers.forEach(builder::header);
        try {
            client.socket = builder.buildAsync(URI.create("ws://localhost:" + port + "/ws/chat"), client).join();
        } catch (CompletionException failure) {
            if (failure.getCause() instanceof WebSocketHandshakeException refused) {
                throw new Refused(refused.getResponse().statusCode());
            }
            throw failure;
        }
        return client;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            JsonNode message = JSON.readTree(partial.toString());
            partial.setLength(0);
            all.add(message);
            received.add(message);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
    }

    void sendRaw(String text) {
        socket.sendText(text, true).join();
    }

    void send(Object message) {
        sendRaw(JSON.writeValueAsString(message));
    }

    /** {"type":"ask"} in a new conversation about {@code documents}, or a follow-up when {@code conversation} is set. */
    public void ask(String conversation, List<String> documents, String text, int maxTokens) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("type", "ask");
        message.put("conversationId", conversation);
        message.put("documentIds", documents);
        message.put("text", text);
        message.put("params", Map.of("maxTokens", maxTokens, "temperature", 0));
        send(message);
    }

    public JsonNode next(Duration timeout) throws InterruptedException {
        JsonNode message = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
            throw new AssertionError("no message within " + timeout + "; so far: " + all + ThreadDump.now());
        }
        return message;
    }

    /** Reads until a message matches, returning every message read (the match last). */
    public List<JsonNode> until(Predicate<JsonNode> last, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonNode> messages = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no matching message within " + timeout + "; read: " + messages);
            }
            JsonNode message = next(Duration.ofNanos(left));
            messages.add(message);
            if (last.test(message)) {
                return messages;
            }
        }
    }

    public static Predicate<JsonNode> type(String type) {
        return message -> type.equals(message.path("type").asString());
    }

    /** Every message received so far, in order. */
    List<JsonNode> all() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    /** The close status the server sent, waiting for it. */
    int awaitClose(Duration timeout) throws Exception {
        return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Drops the connection without a closing handshake, like a tab that is killed. */
    void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
        }
        socket.abort();
    }

    static String text(List<JsonNode> messages) {
        StringBuilder text = new StringBuilder();
        for (JsonNode message : messages) {
            if ("token".equals(message.path("type").asString())) {
                text.append(message.get("text").asString());
            }
        }
        return text.toString();
    }
}
