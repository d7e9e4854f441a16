package dev.lectern.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.result.method.RequestMappingInfo;
import org.springframework.web.reactive.result.method.RequestMappingInfoHandlerMapping;
import org.springframework.web.util.pattern.PathPattern;

import dev.lectern.LecternIntegrationTest;
import dev.lectern.web.FormLogin;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every route the app maps, read from Spring's handler mappings (so a route added later is tested too),
 * is refused without sign-in; an admin route is refused to a member; a route about one resource answers
 * a member 404 for another user's resource (never 403, which would say that it exists). A route with an
 * id that no rule below knows fails the test until someone decides who may use it.
 */
class RouteAuthorizationTest extends LecternIntegrationTest {

    private static final String MEMBER = "route-member";
    private static final String MEMBER_PASSWORD = "route member password";
    private static final Pattern VARIABLE = Pattern.compile("\\{\\*?(\\w+)}");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Reachable by anyone: the sign-in page and the health probe. */
    private static final Set<String> PUBLIC = Set.of("GET /login", "GET /actuator/health", "GET /actuator/health/{*path}");

    /** Routes whose variable names something every caller may see (the loaded model). */
    private static final List<String> NOT_OWNED = List.of("/v1/models/");

    /** Routes for admins only, by prefix. */
    private static final List<String> ADMIN_ONLY = List.of("/api/admin/", "/users", "/admin", "/actuator/");

    /** Where a route's {id} names another user's resource: which resource, by path prefix. */
    private static final Map<String, String> OWNED_BY_PREFIX = Map.of(
            "/api/keys/", "key",
            "/api/documents/", "document",
            "/api/conversations/", "conversation",
            "/conversations/", "conversation");

    @Autowired
    private ApplicationContext context;

    @Autowired
    private UserRepository users;

    @Autowired
    private PasswordEncoder encoder;

    private WebTestClient client;

    @BeforeEach
    void setUp() {
        client = WebTestClient.bindToServer().baseUrl(baseUrl()).responseTimeout(Duration.ofSeconds(30)).build();
        users.createIfAbsent(MEMBER, encoder.encode(MEMBER_PASSWORD), Role.MEMBER);
    }

    record Route(HttpMethod method, String pattern) {
        @Override
        public String toString() {
            return method.name() + " " + pattern;
        }
    }

    @Test
    void everyRouteChecksSignInRoleAndOwnership() throws InterruptedException {
        String document = adminDocument();
        Map<String, String> othersResources = Map.of("document", document, "conversation", adminConversation(document),
                "key", adminKey());
        List<Route> routes = routes();
        assertThat(routes).as("the enumeration found the app's routes").hasSizeGreaterThan(15)
                .contains(new Route(HttpMethod.GET, "/ws/chat"), new Route(HttpMethod.DELETE, "/api/documents/{id}"));

        List<String> problems = new ArrayList<>();
        for (Route route : routes) {
            if (PUBLIC.contains(route.toString())) {
                continue;
            }
            String resource = OWNED_BY_PREFIX.entrySet().stream().filter(e -> route.pattern().startsWith(e.getKey()))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
            boolean adminOnly = ADMIN_ONLY.stream().anyMatch(route.pattern()::startsWith);
            boolean notOwned = NOT_OWNED.stream().anyMatch(route.pattern()::startsWith);
            if (route.pattern().contains("{") && resource == null && !adminOnly && !notOwned) {
                problems.add(route + ": has a path variable but no ownership rule in this test; add one");
                continue;
            }
            String path = expand(route.pattern(), resource == null ? "1" : othersResources.get(resource));

            int anonymous = call(route.method(), path, false);
            // 401 asks for credentials; 403 is CSRF refusing an unsigned write before sign-in is even asked.
            if (!(anonymous == 401 || anonymous == 403 || (anonymous == 302 && !route.pattern().startsWith("/api/")))) {
                problems.add(route + " without sign-in answered " + anonymous);
            }
            int member = call(route.method(), path, true);
            if (adminOnly && member != 403) {
                problems.add(route + " as a member answered " + member + ", not 403");
            } else if (resource != null && member != 404) {
                problems.add(route + " as a member, for another user's " + resource + ", answered " + member + ", not 404");
            }
        }
        assertThat(problems).isEmpty();
    }

    /** Every (method, pattern) of the annotated controllers, the actuator and the URL-mapped handlers (the chat socket). */
    private List<Route> routes() {
        Set<String> seen = new TreeSet<>();
        List<Route> routes = new ArrayList<>();
        for (RequestMappingInfoHandlerMapping mapping : context.getBeansOfType(RequestMappingInfoHandlerMapping.class).values()) {
            for (RequestMappingInfo info : mapping.getHandlerMethods().keySet()) {
                Set<org.springframework.web.bind.annotation.RequestMethod> methods = info.getMethodsCondition().getMethods();
                for (PathPattern pattern : info.getPatternsCondition().getPatterns()) {
                    if (methods.isEmpty()) {
                        add(routes, seen, HttpMethod.GET, pattern.getPatternString());
                    }
                    methods.forEach(m -> add(routes, seen, m.asHttpMethod(), pattern.getPatternString()));
                }
            }
        }
        for (SimpleUrlHandlerMapping mapping : context.getBeansOfType(SimpleUrlHandlerMapping.class).values()) {
            mapping.getUrlMap().keySet().stream().filter(url -> !url.contains("*"))
                    .forEach(url -> add(routes, seen, HttpMethod.GET, url));
        }
        return routes;
    }

    private static void add(List<Route> routes, Set<String> seen, HttpMethod method, String pattern) {
        if (seen.add(method + " " + pattern)) {
            routes.add(new Route(method, pattern));
        }
    }

    private static String expand(String pattern, String id) {
        Matcher variables = VARIABLE.matcher(pattern.replace("/**", "/x"));
        StringBuilder path = new StringBuilder();
        while (variables.find()) {
            variables.appendReplacement(path, variables.group(1).equals("id") || variables.group(1).equals("key") ? id : "x");
        }
        variables.appendTail(path);
        return path.toString();
    }

    /** A member calls the API with HTTP Basic and opens pages in a signed-in browser session. */
    private int call(HttpMethod method, String path, boolean asMember) {
        boolean page = !path.startsWith("/api/") && !path.startsWith("/ws/") && !path.startsWith("/actuator/");
        return client.method(method).uri(path)
                .headers(h -> {
                    if (asMember && page) {
                        h.add(HttpHeaders.COOKIE, memberSession());
                    } else if (asMember) {
                        h.setBasicAuth(MEMBER, MEMBER_PASSWORD);
                    }
                })
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(method == HttpMethod.GET || method == HttpMethod.DELETE ? "" : "{}")
                .exchange().returnResult(byte[].class).getStatus().value();
    }

    private String memberSession;

    private String memberSession() {
        if (memberSession == null) {
            memberSession = "SESSION=" + FormLogin.signIn(client, MEMBER, MEMBER_PASSWORD).sessionCookie();
        }
        return memberSession;
    }

    private String adminDocument() throws InterruptedException {
        MultipartBodyBuilder form = new MultipartBodyBuilder();
        form.part("file", new ByteArrayResource("The admin's private notes about the pump.".getBytes()))
                .filename("admin-notes.txt");
        byte[] body = client.post().uri("/api/documents").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.MULTIPART_FORM_DATA).body(BodyInserters.fromMultipartData(form.build()))
                .exchange().expectBody().returnResult().getResponseBody();
        String id = JSON.readTree(body).get("id").asString();
        for (int attempt = 0; attempt < 300; attempt++) {
            String status = JSON.readTree(client.get().uri("/api/documents/" + id).headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                    .exchange().expectBody().returnResult().getResponseBody()).get("status").asString();
            if (!status.equals("uploaded") && !status.equals("extracting")) {
                return id;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the admin's document was not extracted");
    }

    private String adminKey() {
        byte[] body = client.post().uri("/api/keys").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "admin's script"))
                .exchange().expectBody().returnResult().getResponseBody();
        return Long.toString(JSON.readTree(body).get("id").asLong());
    }

    private String adminConversation(String document) {
        byte[] body = client.post().uri("/api/conversations").headers(h -> h.setBasicAuth(ADMIN, ADMIN_PASSWORD))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("title", "Admin's conversation", "documentIds", List.of(document)))
                .exchange().expectBody().returnResult().getResponseBody();
        return JSON.readTree(body).get("id").asString();
    }
}
