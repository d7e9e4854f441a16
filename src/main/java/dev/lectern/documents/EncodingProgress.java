package dev.lectern.documents;

/**
 * How far a document's prefix is encoded: {@code done} of {@code total} prompt tokens (system prompt and
 * document), as a percentage, and the engine's estimate of the seconds left (-1 while it has none).
 */
public record EncodingProgress(int done, int total, int percent, double etaSeconds) {

    static EncodingProgress of(int done, int total, double etaSeconds) {
        int percent = total == 0 ? 100 : (int) Math.floor(100.0 * done / total);
        return new EncodingProgress(done, total, percent, etaSeconds < 0 ? -1 : Math.round(etaSeconds * 10) / 10.0);
    }
}
