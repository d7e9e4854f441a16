package dev.lectern.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.password.PasswordEncoder;

import dev.lectern.LecternApplication;
import dev.lectern.LecternIntegrationTest;
import dev.lectern.security.Role;
import dev.lectern.security.UserRepository;

/** Two starts of the app on one data directory: what the first wrote, the second still has. */
@ExtendWith(OutputCaptureExtension.class)
class RestartTest {

    private static final Pattern GENERATED_PASSWORD = Pattern.compile("generated password: (\\S+)");

    @Test
    void dataAndTheGeneratedAdminPasswordSurviveARestart(CapturedOutput output) {
        Path dataDir = LecternIntegrationTest.freshDataDirectory();

        String generatedPassword;
        try (ConfigurableApplicationContext first = start(dataDir)) {
            Matcher logged = GENERATED_PASSWORD.matcher(output.getAll());
            assertThat(logged.find()).as("the first start logs the generated admin password").isTrue();
            generatedPassword = logged.group(1);
            UserRepository users = first.getBean(UserRepository.class);
            PasswordEncoder encoder = first.getBean(PasswordEncoder.class);
            assertThat(users.createIfAbsent("survivor", encoder.encode("pw-of-survivor"), Role.MEMBER)).isTrue();
        }
        int outputBeforeSecondStart = output.getAll().length();

        try (ConfigurableApplicationContext second = start(dataDir)) {
            UserRepository users = second.getBean(UserRepository.class);
            PasswordEncoder encoder = second.getBean(PasswordEncoder.class);
            assertThat(users.findByUsername("survivor")).isPresent();
            assertThat(encoder.matches(generatedPassword, users.findByUsername("admin").orElseThrow().passwordHash()))
                    .as("the admin password generated at the first start still signs in").isTrue();
            assertThat(output.getAll().substring(outputBeforeSecondStart))
                    .doesNotContain("generated password")
                    .doesNotContain("from an earlier run")
                    .contains("Embedded PostgreSQL started in");
        }
    }

    private static ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(LecternApplication.class)
                .run("--server.port=0",
                        "--lectern.data-dir=" + dataDir,
                        "--lectern.security.admin-password=",
                        "--lectern.db.url=");
    }
}
