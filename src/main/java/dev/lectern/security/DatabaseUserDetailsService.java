package dev.lectern.security;

import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.stereotype.Service;

import dev.lectern.config.BlockingWork;
import reactor.core.publisher.Mono;

/** Looks accounts up for form login and HTTP Basic, off the Netty event loop. */
@Service
class DatabaseUserDetailsService implements ReactiveUserDetailsService {

    private final UserRepository users;
    private final BlockingWork blocking;

    DatabaseUserDetailsService(UserRepository users, BlockingWork blocking) {
        this.users = users;
        this.blocking = blocking;
    }

    @Override
    public Mono<UserDetails> findByUsername(String username) {
        return Mono.fromCallable(() -> users.findByUsername(username))
                .subscribeOn(blocking.scheduler())
                .flatMap(account -> Mono.justOrEmpty(account.map(DatabaseUserDetailsService::toUserDetails)));
    }

    private static UserDetails toUserDetails(UserAccount account) {
        return User.withUsername(account.username())
                .password(account.passwordHash())
                .roles(account.role().name())
                .disabled(!account.enabled())
                .build();
    }
}
