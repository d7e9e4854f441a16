package dev.lectern.web;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;

/** Signs in the way a browser does: load the login page, post the form with its CSRF token, keep the cookie. */
public final class FormLogin {

    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");

    public record Result(HttpStatus status, String location, String sessionCookie) {
    }

    private FormLogin() {
    }

    public static Result signIn(WebTestClient client, String username, String password) {
        EntityExchangeResult<String> page = client.get().uri("/login").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).returnResult();
        String sessionCookie = sessionCookie(page);
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("username", username);
        form.add("password", password);
        form.add("_csrf", csrfToken(page.getResponseBody()));
        EntityExchangeResult<Void> posted = client.post().uri("/login")
                .cookie("SESSION", sessionCookie)
                .body(BodyInserters.fromFormData(form))
                .exchange()
                .expectBody().isEmpty();
        String renewed = posted.getResponseCookies().containsKey("SESSION") ? sessionCookie(posted) : sessionCookie;
        return new Result(HttpStatus.valueOf(posted.getStatus().value()),
                posted.getResponseHeaders().getFirst("Location"), renewed);
    }

    static String csrfToken(String html) {
        Matcher matcher = CSRF_FIELD.matcher(html);
        if (!matcher.find()) {
            throw new AssertionError("no CSRF field in the page:\n" + html);
        }
        return matcher.group(1);
    }

    private static String sessionCookie(EntityExchangeResult<?> result) {
        ResponseCookie cookie = result.getResponseCookies().getFirst("SESSION");
        if (cookie == null) {
            throw new AssertionError("no SESSION cookie in the response to " + result.getUrl());
        }
        return cookie.getValue();
    }
}
