package dev.lectern.admin;

import java.nio.file.Path;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.lectern.LecternIntegrationTest;
import dev.lectern.chat.ChatAppTest;

/**
 * The context the admin page's tests share: the chat app with the tiny model, in a data directory of its
 * own, so the conversations their questions leave do not show in the chat tests' sidebar.
 */
public abstract class AdminAppTest extends ChatAppTest {

    protected static final Path DATA_DIR = LecternIntegrationTest.freshDataDirectory();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        chatApp(registry, DATA_DIR);
    }
}
