package dev.lectern.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.test.web.reactive.server.FluxExchangeResult;

import dev.lectern.chat.ChatClient;
import dev.lectern.chat.TestDocuments;
import dev.lectern.security.Role;
import dev.lectern.security.UserRepository;
import dev.lectern.web.FormLogin;
import tools.jackson.databind.JsonNode;

/**
 * The admin data over HTTP: members are refused every admin endpoint and the page; the Prometheus names
 * of issue 18 are exposed and move after a chat; the dashboard joins a cache entry to its document and
 * owner, and counts the user's request.
 */
class AdminApiTest extends AdminAppTest {

    private static final String MEMBER = "admin-api-member";
    private static final String MEMBER_PASSWORD = "member-password-for-admin-tests";
    private static final Duration ANSWER = Duration.ofSeconds(120);
    private static final List<String> METRICS = List.of("lectern_time_to_first_token_seconds",
            "lectern_e2e_request_latency_seconds", "lectern_prompt_tokens_total", "lectern_generation_tokens_total",
            "lectern_prefix_cache_queries_total", "lectern_prefix_cache_hits_total", "lectern_kv_cache_usage_perc",
            "lectern_num_requests_running", "lectern_num_requests_waiting", "lectern_document_encode_seconds");

    @Autowired
    UserRepository users;

    @Autowired
    PasswordEncoder passwords;

    @BeforeEach
    void aMember() {
        users.createIfAbsent(MEMBER, passwords.encode(MEMBER_PASSWORD), Role.MEMBER);
    }

    @Test
    void membersAreRefusedThePageAndEveryAdminEndpoint() {
        String key = "0123456789abcdef0123456789abcdef";
        List<Object[]> endpoints = List.of(
                new Object[] {HttpMethod.GET, "/api/admin/dashboard"},
                new Object[] {HttpMethod.GET, "/api/admin/stream"}, new Object[] {HttpMethod.GET, "/api/admin/traffic"},
                new Object[] {HttpMethod.GET, "/api/admin/usage"}, new Object[] {HttpMethod.GET, "/api/admin/hardware"},
                new Object[] {HttpMethod.GET, "/api/admin/kv"}, new Object[] {HttpMethod.GET, "/api/admin/model"},
                new Object[] {HttpMethod.GET, "/api/admin/cache"}, new Object[] {HttpMethod.GET, "/api/admin/cache/rows"},
                new Object[] {HttpMethod.POST, "/api/admin/cache/" + key + "/pin"},
                new Object[] {HttpMethod.POST, "/api/admin/cache/" + key + "/unpin"},
                new Object[] {HttpMethod.POST, "/api/admin/cache/" + key + "/evict"},
                new Object[] {HttpMethod.POST, "/api/admin/cache/" + key + "/reencode"},
                new Object[] {HttpMethod.DELETE, "/api/admin/cache/" + key},
                new Object[] {HttpMethod.GET, "/actuator/prometheus"});
        for (Object[] endpoint : endpoints) {
            client.method((HttpMethod) endpoint[0]).uri((String) endpoint[1])
                    .headers(h -> h.setBasicAuth(MEMBER, MEMBER_PASSWORD)).exchange()
                    .expectStatus().isForbidden();
        }
        // Signed in through the login page, as in a browser: the page and its data are refused, and no page
        // links to them.
        String member = FormLogin.signIn(client, MEMBER, MEMBER_PASSWORD).sessionCookie();
        client.get().uri("/admin").cookie("SESSION", member).exchange().expectStatus().isForbidden();
        client.get().uri("/api/admin/dashboard").cookie("SESSION", member).exchange().expectStatus().isForbidden();
        client.get().uri("/api/admin/stream").cookie("SESSION", member).exchange().expectStatus().isForbidden();
        for (String page : List.of("/", "/status")) {
            assertThat(client.get().uri(page).cookie("SESSION", member).exchange().expectStatus().isOk()
                    .expectBody(String.class).returnResult().getResponseBody())
                    .contains("data-testid=\"status-link\"").doesNotContain("data-testid=\"admin-link\"");
        }
        String admin = FormLogin.signIn(client, ADMIN, ADMIN_PASSWORD).sessionCookie();
        assertThat(client.get().uri("/").cookie("SESSION", admin).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody()).contains("data-testid=\"admin-link\"");
        assertThat(client.get().uri("/admin").cookie("SESSION", admin).exchange().expectStatus().isOk()
                .expectBody(String.class).returnResult().getResponseBody()).contains("<title>Admin · Lectern</title>");
        // The same endpoints answer an admin (a missing cache entry is a 404, not a refusal).
        for (String path : List.of("/api/admin/dashboard", "/api/admin/traffic", "/api/admin/usage",
                "/api/admin/hardware", "/api/admin/kv", "/api/admin/model", "/api/admin/cache/rows")) {
            client.get().uri(path).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange().expectStatus().isOk();
        }
        client.post().uri("/api/admin/cache/" + key + "/pin").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .exchange().expectStatus().isNotFound();
    }

    @Test
    void theMetricsAreExposedAndMoveAfterAChat() throws Exception {
        String document = upload("metrics-" + UUID.randomUUID() + ".pdf",
                TestDocuments.manual("metrics " + UUID.randomUUID())).get("id").asString();
        engineIdle();
        Map<String, Double> before = scrape();
        assertThat(before.keySet()).as("every name of issue 18").containsAll(METRICS.stream()
                .map(name -> name.endsWith("_seconds") ? name + "_count" : name).toList());
        assertThat(before.get("lectern_document_encode_seconds_count")).as("the upload was encoded").isPositive();
        assertThat(before.get("lectern_kv_cache_usage_perc")).as("its pinned prefix holds blocks").isPositive();
        assertThat(scrapeText()).contains("lectern_time_to_first_token_seconds_bucket{le=\"0.1\"}");

        try (ChatClient chat = connect()) {
            chat.ask(null, List.of(document), "How fast does the pump run?", 12);
            chat.until(ChatClient.type("done"), ANSWER);
        }
        Map<String, Double> after = waitFor(now -> now.get("lectern_e2e_request_latency_seconds_count")
                > before.get("lectern_e2e_request_latency_seconds_count"));
        for (String moved : List.of("lectern_time_to_first_token_seconds_count", "lectern_e2e_request_latency_seconds_count",
                "lectern_prompt_tokens_total", "lectern_generation_tokens_total", "lectern_prefix_cache_queries_total",
                "lectern_prefix_cache_hits_total")) {
            assertThat(after.get(moved)).as(moved).isGreaterThan(before.get(moved));
        }
        assertThat(after.get("lectern_prefix_cache_hits_total") - before.get("lectern_prefix_cache_hits_total"))
                .as("the question started from the document's cached prefix").isGreaterThanOrEqualTo(64);
    }

    @Test
    void theDashboardJoinsEntriesToDocumentsAndCountsTheUsersRequests() throws Exception {
        String name = "dashboard-" + UUID.randomUUID();
        JsonNode uploaded = upload(name + ".pdf", TestDocuments.manual(name));
        String key = jdbc.sql("SELECT prefix_key FROM documents WHERE id = ?").param(UUID.fromString(uploaded.get("id")
                .asString())).query(String.class).single();
        JsonNode dashboard = dashboard();
        JsonNode row = find(dashboard.at("/cache/rows"), r -> r.at("/entry/key").asString().equals(key));
        assertThat(row.at("/documents/0/owner").asString()).isEqualTo(ADMIN);
        assertThat(row.at("/documents/0/title").asString()).contains(name);
        assertThat(row.at("/entry/tier").asString()).isEqualTo("both");
        assertThat(row.at("/entry/encodeMillis").asLong()).isPositive();
        long hits = row.at("/entry/hits").asLong();
        long requests = find(dashboard.get("users"), u -> u.get("username").asString().equals(ADMIN)).get("requests").asLong();

        try (ChatClient chat = connect()) {
            chat.ask(null, List.of(uploaded.get("id").asString()), "How often is it serviced?", 8);
            chat.until(ChatClient.type("done"), ANSWER);
        }
        JsonNode later = dashboard();
        for (int attempt = 0; attempt < 100 && find(later.get("users"), u -> u.get("username").asString().equals(ADMIN))
                .get("requests").asLong() == requests; attempt++) {
            Thread.sleep(50);
            later = dashboard();
        }
        JsonNode admin = find(later.get("users"), u -> u.get("username").asString().equals(ADMIN));
        assertThat(admin.get("requests").asLong()).isEqualTo(requests + 1);
        assertThat(admin.get("generationTokens").asLong()).isPositive();
        assertThat(admin.get("documents").asLong()).isPositive();
        assertThat(admin.get("lastActive").isNull()).isFalse();
        assertThat(find(later.at("/cache/rows"), r -> r.at("/entry/key").asString().equals(key)).at("/entry/hits").asLong())
                .isEqualTo(hits + 1);
        assertThat(later.at("/model/architecture").asString()).isEqualTo("qwen3");
        assertThat(later.at("/kv/pool/capacityBlocks").asInt()).isPositive();
        assertThat(later.at("/hardware/cpu/heapUsedBytes").asLong()).isPositive();
        assertThat(later.at("/traffic/time").asLong()).isPositive();
    }

    @Test
    void theStreamSendsTheHourThenTheDashboardEverySecond() {
        FluxExchangeResult<String> result = client.get().uri("/api/admin/stream").accept(MediaType.TEXT_EVENT_STREAM)
                .headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD)).exchange().expectStatus().isOk()
                .returnResult(String.class);
        long started = System.nanoTime();
        List<String> events = result.getResponseBody().take(3).collectList().block(Duration.ofSeconds(30));
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(events).hasSize(3);
        assertThat(JSON.readTree(events.get(0)).isArray()).as("the history").isTrue();
        assertThat(JSON.readTree(events.get(1)).has("cache")).as("a dashboard").isTrue();
        assertThat(JSON.readTree(events.get(2)).get("time").asLong())
                .isGreaterThan(JSON.readTree(events.get(1)).get("time").asLong());
        assertThat(seconds).as("pushed every second, not all at once").isGreaterThan(0.8);
    }

    private JsonNode dashboard() {
        byte[] body = client.get().uri("/api/admin/dashboard").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return JSON.readTree(body);
    }

    private static JsonNode find(JsonNode array, java.util.function.Predicate<JsonNode> match) {
        for (JsonNode node : array) {
            if (match.test(node)) {
                return node;
            }
        }
        throw new AssertionError("no match in " + array);
    }

    private String scrapeText() {
        byte[] body = client.get().uri("/actuator/prometheus").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .exchange().expectStatus().isOk().expectBody().returnResult().getResponseBody();
        return new String(body);
    }

    /** Every unlabelled lectern_ sample, by name. */
    private Map<String, Double> scrape() {
        Map<String, Double> values = new HashMap<>();
        Matcher sample = Pattern.compile("(?m)^(lectern_\\w+)(?:\\{[^}]*})? (\\S+)$").matcher(scrapeText());
        while (sample.find()) {
            values.putIfAbsent(sample.group(1), Double.parseDouble(sample.group(2)));
        }
        return values;
    }

    private Map<String, Double> waitFor(java.util.function.Predicate<Map<String, Double>> ready) throws InterruptedException {
        Map<String, Double> now = scrape();
        for (int attempt = 0; attempt < 100 && !ready.test(now); attempt++) {
            Thread.sleep(50);
            now = scrape();
        }
        return now;
    }
}
