package dev.lectern.security;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;

/**
 * The team's accounts as an admin manages them (create, disable, re-enable, change role, reset the
 * password) and as each person keeps their own (change the password). A password an admin created or
 * reset is shown to the admin once and must be replaced at its first use. The last enabled admin can be
 * neither disabled nor demoted, so the team can never lock itself out. Blocking: call off the event loop.
 */
@Service
public class AccountService {

    private static final Logger log = LoggerFactory.getLogger(AccountService.class);
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

    /** An account as the admin page shows it: never the password hash. */
    public record AccountView(long id, String username, Role role, boolean enabled, boolean mustChangePassword,
                              Instant createdAt, Instant lastSignInAt) {

        static AccountView of(UserAccount account) {
            return new AccountView(account.id(), account.username(), account.role(), account.enabled(),
                    account.mustChangePassword(), account.createdAt(), account.lastSignInAt());
        }
    }

    /** A password generated for someone else, shown to the admin once. */
    public record IssuedPassword(AccountView account, String temporaryPassword) {
    }

    private final UserRepository users;
    private final PasswordEncoder encoder;
    private final PasswordPolicy policy;
    private final AccountGate gate;
    private final SecureRandom random = new SecureRandom();

    AccountService(UserRepository users, PasswordEncoder encoder, PasswordPolicy policy, AccountGate gate) {
        this.users = users;
        this.encoder = encoder;
        this.policy = policy;
        this.gate = gate;
    }

    public List<AccountView> list() {
        return users.findAll().stream().map(AccountView::of).toList();
    }

    public IssuedPassword create(String admin, String username, Role role) {
        String name = username == null ? "" : username.strip();
        if (!USERNAME.matcher(name).matches()) {
            throw new AccountProblem(HttpStatus.BAD_REQUEST, "BAD_USERNAME", "A user name has 1 to 64 characters:"
                    + " letters, digits and . _ @ -, starting with a letter or digit.");
        }
        String password = temporaryPassword();
        if (!users.createIfAbsent(name, encoder.encode(password), role == null ? Role.MEMBER : role, true)) {
            throw new AccountProblem(HttpStatus.CONFLICT, "USERNAME_TAKEN", "There is already an account named '" + name + "'.");
        }
        UserAccount created = users.findByUsername(name).orElseThrow();
        log.info("{} created the account '{}' ({})", admin, name, created.role());
        return new IssuedPassword(AccountView.of(created), password);
    }

    public AccountView setEnabled(String admin, long id, boolean enabled) {
        UserAccount account = users.findById(id).orElseThrow(AccountProblem::notFound);
        if (!enabled && account.role() == Role.ADMIN && account.enabled() && users.countEnabledAdmins() <= 1) {
            throw lastAdmin("disabled");
        }
        if (!enabled && account.username().equals(admin)) {
            throw new AccountProblem(HttpStatus.CONFLICT, "OWN_ACCOUNT", "You cannot disable your own account.");
        }
        users.setEnabled(id, enabled);
        gate.forget(account.username());
        log.info("{} {} the account '{}'", admin, enabled ? "re-enabled" : "disabled", account.username());
        return AccountView.of(users.findById(id).orElseThrow());
    }

    public AccountView setRole(String admin, long id, Role role) {
        UserAccount account = users.findById(id).orElseThrow(AccountProblem::notFound);
        if (role != Role.ADMIN && account.role() == Role.ADMIN && account.enabled() && users.countEnabledAdmins() <= 1) {
            throw lastAdmin("made a member");
        }
        users.setRole(id, role);
        gate.forget(account.username());
        log.info("{} made '{}' {}", admin, account.username(), role);
        return AccountView.of(users.findById(id).orElseThrow());
    }

    public IssuedPassword resetPassword(String admin, long id) {
        UserAccount account = users.findById(id).orElseThrow(AccountProblem::notFound);
        String password = temporaryPassword();
        users.setPassword(id, encoder.encode(password), true);
        gate.forget(account.username());
        log.info("{} reset the password of '{}'", admin, account.username());
        return new IssuedPassword(AccountView.of(users.findById(id).orElseThrow()), password);
    }

    public void changeOwnPassword(String username, String currentPassword, String newPassword) {
        UserAccount account = users.findByUsername(username).orElseThrow(AccountProblem::notFound);
        if (currentPassword == null || !encoder.matches(currentPassword, account.passwordHash())) {
            throw new AccountProblem(HttpStatus.BAD_REQUEST, "WRONG_PASSWORD", "The current password is not right.");
        }
        if (newPassword != null && newPassword.equals(currentPassword)) {
            throw new AccountProblem(HttpStatus.BAD_REQUEST, "WEAK_PASSWORD", "The new password must differ from the current one.");
        }
        policy.problem(username, newPassword).ifPresent(problem -> {
            throw new AccountProblem(HttpStatus.BAD_REQUEST, "WEAK_PASSWORD", problem);
        });
        users.setPassword(account.id(), encoder.encode(newPassword), false);
        gate.forget(username);
        log.info("'{}' changed their password", username);
    }

    public int minPasswordLength() {
        return policy.minLength();
    }

    private String temporaryPassword() {
        byte[] bytes = new byte[15];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static AccountProblem lastAdmin(String what) {
        return new AccountProblem(HttpStatus.CONFLICT, "LAST_ADMIN",
                "This is the last enabled admin account; it cannot be " + what + ". Make another account admin first.");
    }
}
