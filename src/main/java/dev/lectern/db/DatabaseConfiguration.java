package dev.lectern.db;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.lectern.config.LecternProperties;

/**
 * The connection pool, to an external PostgreSQL when {@code lectern.db.url} (LECTERN_DB_URL) is set,
 * otherwise to the embedded one. Flyway migrates whichever it is at start-up.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DatabaseConfiguration.class);

    @Bean(destroyMethod = "close")
    @Conditional(EmbeddedDatabaseCondition.class)
    EmbeddedPostgresServer embeddedPostgresServer(LecternProperties properties) {
        return EmbeddedPostgresServer.start(properties.dataDir().resolve("postgres"));
    }

    /** Depends on the embedded server where there is one, so the pool closes before the server stops. */
    @Bean(destroyMethod = "close")
    DataSource dataSource(LecternProperties properties, ObjectProvider<EmbeddedPostgresServer> embedded) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("lectern-db");
        config.setMaximumPoolSize(10);
        EmbeddedPostgresServer server = embedded.getIfAvailable();
        if (server != null) {
            config.setJdbcUrl(server.jdbcUrl());
            config.setUsername(server.username());
            config.setPassword(server.password());
        } else {
            LecternProperties.Database db = properties.db();
            log.info("Using the PostgreSQL server at {}", db.url());
            config.setJdbcUrl(db.url());
            config.setUsername(db.username());
            config.setPassword(db.password());
        }
        return new HikariDataSource(config);
    }
}
