package dev.lectern.chat;

import java.nio.file.Path;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lectern.LecternIntegrationTest;

/** The context the chat's socket, REST and browser tests share: one app, one database, one tiny model. */
public abstract class ChatIntegrationTest extends ChatAppTest {

    protected static final Path DATA_DIR = LecternIntegrationTest.freshDataDirectory();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        chatApp(registry, DATA_DIR);
    }
}
