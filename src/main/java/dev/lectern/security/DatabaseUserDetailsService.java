package dev.lectern.security;

import org.springframework.security.core.userdetails.ReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.stereotype.Service;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Looks accounts up for form login and HTTP Basic, off the Netty event loop. */
@Service
class DatabaseUserDetailsService implements ReactiveUserDetailsService {

    private final UserRepository users;

    DatabaseUserDetailsService(UserRepository users) {
        this.users = users;
    }

    @Override
    public Mono<UserDetails> findByUsername(String username) {
        return Mono.fromCallable(() -> users.findByUsername(username))
                .subscribeOn(Schedulers.boundedElastic())
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
