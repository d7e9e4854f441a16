package dev.lectern.security;

import java.security.Principal;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.lectern.config.BlockingWork;
import dev.lectern.security.AccountService.AccountView;
import dev.lectern.security.AccountService.IssuedPassword;
import reactor.core.publisher.Mono;

/**
 * Accounts over REST: {@code POST /api/me/password} for everyone; the team's accounts under
 * {@code /api/admin/users} for admins (the security configuration keeps members out of {@code /api/admin}).
 */
@RestController
class AccountController {

    record PasswordChange(String currentPassword, String newPassword) {
    }

    record NewAccount(String username, Role role) {
    }

    record AccountChange(Boolean enabled, Role role) {
    }

    private final AccountService accounts;
    private final BlockingWork blocking;

    AccountController(AccountService accounts, BlockingWork blocking) {
        this.accounts = accounts;
        this.blocking = blocking;
    }

    @PostMapping("/api/me/password")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    Mono<Void> changePassword(Principal principal, @RequestBody PasswordChange change) {
        return Mono.<Void>fromRunnable(() -> accounts.changeOwnPassword(principal.getName(), change.currentPassword(),
                change.newPassword())).subscribeOn(blocking.scheduler());
    }

    @GetMapping("/api/admin/users")
    Mono<List<AccountView>> list() {
        return Mono.fromCallable(accounts::list).subscribeOn(blocking.scheduler());
    }

    @PostMapping("/api/admin/users")
    @ResponseStatus(HttpStatus.CREATED)
    Mono<IssuedPassword> create(Principal admin, @RequestBody NewAccount account) {
        return Mono.fromCallable(() -> accounts.create(admin.getName(), account.username(), account.role()))
                .subscribeOn(blocking.scheduler());
    }

    @PatchMapping("/api/admin/users/{id}")
    Mono<AccountView> change(Principal admin, @PathVariable long id, @RequestBody AccountChange change) {
        return Mono.fromCallable(() -> {
            AccountView changed = null;
            if (change.role() != null) {
                changed = accounts.setRole(admin.getName(), id, change.role());
            }
            if (change.enabled() != null) {
                changed = accounts.setEnabled(admin.getName(), id, change.enabled());
            }
            if (changed == null) {
                throw new AccountProblem(HttpStatus.BAD_REQUEST, "NOTHING_TO_CHANGE", "Send \"enabled\" or \"role\".");
            }
            return changed;
        }).subscribeOn(blocking.scheduler());
    }

    @PostMapping("/api/admin/users/{id}/password")
    Mono<IssuedPassword> resetPassword(Principal admin, @PathVariable long id) {
        return Mono.fromCallable(() -> accounts.resetPassword(admin.getName(), id)).subscribeOn(blocking.scheduler());
    }
}
