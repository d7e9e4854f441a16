package dev.lectern.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns generated tokens into text as they arrive. A byte-level token can end in the middle of a UTF-8
 * character (an emoji or a Chinese character is often split over two or three tokens), so the bytes of an
 * unfinished character wait here until the tokens that complete it arrive; what is handed out is always
 * whole characters. Bytes that can never form a character come out as U+FFFD, as a whole-text decode
 * would print them. One decoder per generated sequence; not thread-safe.
 */
public final class StreamingDecoder {

    private final BpeTokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int pendingLength;

    StreamingDecoder(BpeTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one token; returns the characters it completes, possibly none (""). */
    public String accept(int id) {
        byte[] piece = tokenizer.piece(id);
        if (pendingLength + piece.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + piece.length));
        }
        System.arraycopy(piece, 0, pending, pendingLength, piece.length);
        pendingLength += piece.length;
        return take(completeLength());
    }

    /** Ends the sequence: whatever is still waiting, with an unfinished character as U+FFFD. */
    public String flush() {
        return take(pendingLength);
    }

    /** Whether bytes of an unfinished character are waiting. */
    public boolean hasPending() {
        return pendingLength > 0;
    }

    /**
     * How many leading bytes form whole characters: everything but a trailing lead byte that still lacks
     * some of the continuation bytes it announces. Only the last three bytes can belong to such a character.
     */
    private int completeLength() {
        for (int back = 1; back <= Math.min(3, pendingLength); back++) {
            int b = pending[pendingLength - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue;
            }
            int length = b >= 0xF8 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return length > back ? pendingLength - back : pendingLength;
        }
        return pendingLength;
    }

    private String take(int length) {
        if (length == 0) {
            return "";
        }
        String text = new String(pending, 0, length, StandardCharsets.UTF_8);
        System.arraycopy(pending, length, pending, 0, pendingLength - length);
        pendingLength -= length;
        return text;
    }
}
