package dev.lectern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

/**
 * The README promises an environment variable for every setting; these bind application.yml plus a
 * fake environment exactly as Spring does at start-up.
 */
class LecternPropertiesBindingTest {

    @Test
    void defaultsComeFromApplicationYml() throws IOException {
        LecternProperties properties = bind(Map.of());
        assertThat(properties.dataDir().toAbsolutePath().normalize()).isEqualTo(Path.of("data").toAbsolutePath());
        assertThat(properties.model().isConfigured()).isFalse();
        assertThat(properties.model().contextLength()).isEqualTo(32768);
        assertThat(properties.engine().threads()).isZero();
        assertThat(properties.engine().effectiveThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(properties.cache().ramBytes()).as("empty: sized from the machine at start-up").isNull();
        assertThat(properties.engine().kvType()).isEqualTo(dev.lectern.engine.kv.KvDataType.F16);
        assertThat(properties.engine().maxRunning()).isEqualTo(16);
        assertThat(properties.engine().maxQueued()).isEqualTo(256);
        assertThat(properties.engine().prefillChunk()).isEqualTo(256);
        assertThat(properties.engine().prefillChunkWhileDecoding()).isEqualTo(64);
        assertThat(properties.engine().decodeGapFactor()).isEqualTo(2.0);
        assertThat(properties.engine().kvWaitTimeout()).isEqualTo(java.time.Duration.ofSeconds(60));
        assertThat(properties.documents().maxUpload()).isEqualTo(DataSize.ofMegabytes(200));
        assertThat(properties.documents().extractionTimeout()).isEqualTo(java.time.Duration.ofSeconds(120));
        assertThat(properties.chat().reservedAnswerTokens()).isEqualTo(2048);
        assertThat(properties.chat().systemPrompt()).contains("[p. 3]");
        assertThat(properties.chat().detachedAnswerGrace()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(properties.chat().socketBuffer()).isEqualTo(1024);
        assertThat(properties.chat().maxMessageSize()).isEqualTo(DataSize.ofKilobytes(256));
        assertThat(properties.chat().allowedOrigins()).isEmpty();
        assertThat(properties.db().isExternal()).isFalse();
        assertThat(properties.security().adminPassword()).isEmpty();
    }

    @Test
    void everySettingHasAnEnvironmentVariable() throws IOException {
        Map<String, Object> env = new HashMap<>();
        env.put("LECTERN_DATA_DIR", "/srv/lectern");
        env.put("LECTERN_MODEL_PATH", "/models/qwen3-4b-q4_k_m.gguf");
        env.put("LECTERN_MODEL_CONTEXT_LENGTH", "8192");
        env.put("LECTERN_ENGINE_THREADS", "6");
        env.put("LECTERN_CACHE_RAM_BYTES", "12GB");
        env.put("LECTERN_ENGINE_KV_TYPE", "Q8_0");
        env.put("LECTERN_ENGINE_MAX_RUNNING", "8");
        env.put("LECTERN_ENGINE_MAX_QUEUED", "20");
        env.put("LECTERN_ENGINE_PREFILL_CHUNK", "512");
        env.put("LECTERN_ENGINE_PREFILL_CHUNK_WHILE_DECODING", "16");
        env.put("LECTERN_ENGINE_DECODE_GAP_FACTOR", "4");
        env.put("LECTERN_ENGINE_KV_WAIT_TIMEOUT", "5s");
        env.put("LECTERN_DOCUMENTS_MAX_UPLOAD", "50MB");
        env.put("LECTERN_DOCUMENTS_EXTRACTION_TIMEOUT", "30s");
        env.put("LECTERN_CHAT_RESERVED_ANSWER_TOKENS", "1024");
        env.put("LECTERN_CHAT_DETACHED_ANSWER_GRACE", "2m");
        env.put("LECTERN_CHAT_SOCKET_BUFFER", "64");
        env.put("LECTERN_CHAT_MAX_MESSAGE_SIZE", "1MB");
        env.put("LECTERN_CHAT_ALLOWED_ORIGINS", "https://lectern.example.org,https://other.example.org");
        env.put("LECTERN_DB_URL", "jdbc:postgresql://db:5432/lectern");
        env.put("LECTERN_DB_USERNAME", "app");
        env.put("LECTERN_DB_PASSWORD", "secret");
        env.put("LECTERN_ADMIN_PASSWORD", "first-admin-pw");

        LecternProperties properties = bind(env);

        assertThat(properties.dataDir()).isEqualTo(Path.of("/srv/lectern"));
        assertThat(properties.model().path()).isEqualTo(Path.of("/models/qwen3-4b-q4_k_m.gguf"));
        assertThat(properties.model().contextLength()).isEqualTo(8192);
        assertThat(properties.engine().effectiveThreads()).isEqualTo(6);
        assertThat(properties.cache().ramBytes()).isEqualTo(DataSize.ofGigabytes(12));
        assertThat(properties.engine().kvType()).isEqualTo(dev.lectern.engine.kv.KvDataType.Q8_0);
        assertThat(properties.engine().maxRunning()).isEqualTo(8);
        assertThat(properties.engine().maxQueued()).isEqualTo(20);
        assertThat(properties.engine().prefillChunk()).isEqualTo(512);
        assertThat(properties.engine().prefillChunkWhileDecoding()).isEqualTo(16);
        assertThat(properties.engine().decodeGapFactor()).isEqualTo(4.0);
        assertThat(properties.engine().kvWaitTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(properties.documents().maxUpload()).isEqualTo(DataSize.ofMegabytes(50));
        assertThat(properties.documents().extractionTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(properties.chat().reservedAnswerTokens()).isEqualTo(1024);
        assertThat(properties.chat().detachedAnswerGrace()).isEqualTo(java.time.Duration.ofMinutes(2));
        assertThat(properties.chat().socketBuffer()).isEqualTo(64);
        assertThat(properties.chat().maxMessageSize()).isEqualTo(DataSize.ofMegabytes(1));
        assertThat(properties.chat().allowedOrigins()).containsExactly("https://lectern.example.org",
                "https://other.example.org");
        assertThat(properties.db().isExternal()).isTrue();
        assertThat(properties.db().url()).isEqualTo("jdbc:postgresql://db:5432/lectern");
        assertThat(properties.db().username()).isEqualTo("app");
        assertThat(properties.db().password()).isEqualTo("secret");
        assertThat(properties.security().adminPassword()).isEqualTo("first-admin-pw");
    }

    @Test
    void springDatasourceUrlAlsoSelectsAnExternalDatabase() throws IOException {
        LecternProperties properties = bind(Map.of("SPRING_DATASOURCE_URL", "jdbc:postgresql://other/lectern"));
        assertThat(properties.db().url()).isEqualTo("jdbc:postgresql://other/lectern");
    }

    @Test
    void anImpossibleContextLengthIsRejectedWithTheSettingNamed() {
        assertThatThrownBy(() -> bind(Map.of("LECTERN_MODEL_CONTEXT_LENGTH", "100")))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("lectern");
    }

    private static LecternProperties bind(Map<String, Object> environmentVariables) throws IOException {
        StandardEnvironment environment = new StandardEnvironment();
        var sources = environment.getPropertySources();
        sources.remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        sources.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        sources.addFirst(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, environmentVariables));
        new YamlPropertySourceLoader().load("application.yml", new ClassPathResource("application.yml"))
                .forEach(sources::addLast);
        ConfigurationPropertySources.attach(environment);
        try (LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean()) {
            validator.afterPropertiesSet();
            return Binder.get(environment)
                    .bind("lectern", Bindable.of(LecternProperties.class), new ValidationBindHandler(validator))
                    .get();
        }
    }
}
