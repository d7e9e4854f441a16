package dev.lectern.security;

import java.security.SecureRandom;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

import dev.lectern.config.LecternProperties;

/**
 * Makes sure a fresh install can be signed into: at the first start (no account named {@code admin}
 * yet) it creates one with LECTERN_ADMIN_PASSWORD, or with a random password that is logged once and
 * must be changed at the first sign-in.
 * Runs after the schema migration and before the server accepts requests.
 */
@Component
class AdminAccountInitializer implements SmartInitializingSingleton {

    static final String ADMIN_USERNAME = "admin";
    private static final Logger log = LoggerFactory.getLogger(AdminAccountInitializer.class);

    private final UserRepository users;
    private final PasswordEncoder passwordEncoder;
    private final LecternProperties properties;

    AdminAccountInitializer(UserRepository users, PasswordEncoder passwordEncoder, LecternProperties properties) {
        this.users = users;
        this.passwordEncoder = passwordEncoder;
        this.properties = properties;
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (users.findByUsername(ADMIN_USERNAME).isPresent()) {
            return;
        }
        String configured = properties.security().adminPassword();
        boolean generated = !StringUtils.hasText(configured);
        String password = generated ? randomPassword() : configured;
        // A generated password has been in the log, where others may read it: it must be replaced at once.
        if (!users.createIfAbsent(ADMIN_USERNAME, passwordEncoder.encode(password), Role.ADMIN, generated)) {
            return; // another instance on the same database created it a moment ago
        }
        if (generated) {
            log.warn("Created the administrator account '{}' with the generated password: {}"
                    + "  (shown only this once, and to be changed at the first sign-in; set LECTERN_ADMIN_PASSWORD"
                    + " before the first start to choose it)",
                    ADMIN_USERNAME, password);
        } else {
            log.info("Created the administrator account '{}' with the password from LECTERN_ADMIN_PASSWORD",
                    ADMIN_USERNAME);
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
