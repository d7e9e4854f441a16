package dev.lectern.db;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a failed embedded-database start into Spring Boot's short "what happened / what to do" report. */
final class EmbeddedDatabaseFailureAnalyzer extends AbstractFailureAnalyzer<EmbeddedDatabaseException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, EmbeddedDatabaseException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Run Lectern as a normal user, free or fix the data directory (lectern.data-dir,"
                        + " LECTERN_DATA_DIR), or point LECTERN_DB_URL at a PostgreSQL server.",
                cause);
    }
}
