package dev.lectern.admin;

import java.time.Instant;

/**
 * A user on the admin page: requests answered (or cancelled) and failed, prompt tokens (of them, cached)
 * and tokens generated, documents uploaded, and when they last asked or uploaded (null: never).
 */
public record UserRow(long id, String username, String role, long requests, long failedRequests, long promptTokens,
                      long cachedTokens, long generationTokens, long documents, Instant lastActive) {
}
