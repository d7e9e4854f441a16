package dev.lectern.db;

/** The embedded PostgreSQL could not be started; the message says why and what the operator can do. */
public final class EmbeddedDatabaseException extends RuntimeException {

    public EmbeddedDatabaseException(String message, Throwable cause) {
        super(message, cause);
    }
}
