package dev.lectern.conversations;

/**
 * What one answer cost, as the chat shows it under the answer: prompt tokens and how many of them came from
 * the KV cache, tokens generated, time to the first token and the decode rate. Null fields: not known (an
 * answer that failed before it started).
 */
public record AnswerStats(Integer promptTokens, Integer cachedTokens, Integer completionTokens,
                          Long timeToFirstTokenMs, Double decodeTokensPerSecond) {
}
