package dev.lectern.apikeys;

import java.net.URI;
import java.security.Principal;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.lectern.config.BlockingWork;
import dev.lectern.security.UserAccount;
import dev.lectern.security.UserRepository;
import reactor.core.publisher.Mono;

/**
 * A signed-in user's API keys: {@code POST /api/keys} makes one (the answer is the only time the key is
 * shown), {@code GET} lists them (name, first characters, when made and last used), {@code DELETE
 * /api/keys/{id}} revokes one at once. Someone else's key id answers 404, like a key that does not exist.
 */
@RestController
class ApiKeyController {

    private final ApiKeys keys;
    private final UserRepository users;
    private final BlockingWork blocking;

    ApiKeyController(ApiKeys keys, UserRepository users, BlockingWork blocking) {
        this.keys = keys;
        this.users = users;
        this.blocking = blocking;
    }

    record CreateKey(String name) {
    }

    /** The new key's row and, once, the key itself. */
    record CreatedKeyResponse(long id, String name, String hint, java.time.OffsetDateTime createdAt, String key) {
    }

    @PostMapping("/api/keys")
    Mono<ResponseEntity<Object>> create(@RequestBody(required = false) CreateKey body, Principal principal) {
        String name = body == null || body.name() == null || body.name().isBlank() ? "API key" : body.name().strip();
        if (name.length() > ApiKeys.MAX_NAME_LENGTH) {
            return Mono.just(ResponseEntity.badRequest().body(Map.of("error", "BAD_REQUEST", "message",
                    "A key's name may have at most " + ApiKeys.MAX_NAME_LENGTH + " characters.")));
        }
        return Mono.fromCallable(() -> {
            ApiKeys.CreatedKey created = keys.create(userId(principal), name);
            ApiKeyView view = created.view();
            return ResponseEntity.created(URI.create("/api/keys/" + view.id()))
                    .<Object>body(new CreatedKeyResponse(view.id(), view.name(), view.hint(), view.createdAt(), created.key()));
        }).subscribeOn(blocking.scheduler());
    }

    @GetMapping("/api/keys")
    Mono<List<ApiKeyView>> list(Principal principal) {
        return Mono.fromCallable(() -> keys.list(userId(principal))).subscribeOn(blocking.scheduler());
    }

    @DeleteMapping("/api/keys/{id}")
    Mono<ResponseEntity<Object>> revoke(@PathVariable long id, Principal principal) {
        return Mono.fromCallable(() -> keys.revoke(userId(principal), id)
                        ? ResponseEntity.noContent().build()
                        : ResponseEntity.status(HttpStatus.NOT_FOUND).<Object>body(Map.of("error", "NOT_FOUND",
                        "message", "You have no API key " + id + ".")))
                .subscribeOn(blocking.scheduler());
    }

    private long userId(Principal principal) {
        return users.findByUsername(principal.getName()).map(UserAccount::id)
                .orElseThrow(() -> new IllegalStateException("signed-in user " + principal.getName() + " has no account row"));
    }
}
