package dev.lectern.quotas;

import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Every user's limits unless an administrator sets others for them ({@code PUT /api/admin/users/{id}/quota}):
 * {@code maxConcurrentRequests} answers being written at once (chat and API together), and
 * {@code tokensPerDay} tokens the engine computes for them per UTC day (prompt tokens not taken from the
 * cache, plus generated tokens; 0 means no daily limit). Both are generous by default: they stop a runaway
 * script, not a person.
 */
@Validated
@ConfigurationProperties("lectern.quotas")
public record QuotaProperties(@Min(1) int maxConcurrentRequests, @Min(0) long tokensPerDay) {
}
