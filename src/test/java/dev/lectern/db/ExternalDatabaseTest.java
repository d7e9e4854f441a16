package dev.lectern.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.lectern.LecternApplication;
import dev.lectern.LecternIntegrationTest;
import dev.lectern.system.SystemStatusService;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** With LECTERN_DB_URL set, Lectern uses that server, migrates it, and starts no PostgreSQL of its own. */
class ExternalDatabaseTest {

    @Test
    void configuredUrlIsUsedInsteadOfTheEmbeddedServer() throws Exception {
        Path dataDir = LecternIntegrationTest.freshDataDirectory();
        try (EmbeddedPostgres external = EmbeddedPostgres.builder().start();
             ConfigurableApplicationContext app = new SpringApplicationBuilder(LecternApplication.class).run(
                     "--server.port=0",
                     "--lectern.data-dir=" + dataDir,
                     "--lectern.security.admin-password=external-admin-pw",
                     "--lectern.db.url=" + "jdbc:postgresql://localhost:" + external.getPort() + "/postgres",
                     "--lectern.db.username=postgres",
                     "--lectern.db.password=")) {

            assertThat(app.getBeanProvider(EmbeddedPostgresServer.class).getIfAvailable()).isNull();
            assertThat(dataDir.resolve("postgres")).doesNotExist();
            assertThat(app.getBean(SystemStatusService.class).current().database().mode()).isEqualTo("external");

            JdbcClient externalDb = JdbcClient.create(external.getPostgresDatabase());
            assertThat(externalDb.sql("SELECT count(*) FROM users WHERE username = 'admin'")
                    .query(Long.class).single()).isEqualTo(1L);
        }
    }
}
