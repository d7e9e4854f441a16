package dev.lectern.apikeys;

import java.security.Principal;

/**
 * Who an API request acts for: the key's owner (id, name, role) and the key. Its name is the user name,
 * so code that only wants a {@link Principal} treats it like a signed-in user.
 */
public record ApiKeyPrincipal(long userId, String username, String role, long keyId) implements Principal {

    @Override
    public String getName() {
        return username;
    }
}
