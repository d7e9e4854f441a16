package dev.lectern.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Qwen3's tokenizer: byte-level BPE after the qwen2 pre-tokenizer, producing exactly llama.cpp's ids for
 * the same vocabulary (llama-vocab.cpp, {@code llm_tokenizer_bpe_session}). Encoding runs in four steps:
 * special tokens written in the text are cut out ({@link SpecialTokenSplitter}); the rest is split into
 * pieces ({@link Qwen2PreTokenizer}); each piece's UTF-8 bytes start as one symbol per byte; adjacent
 * symbols merge, lowest merge rank first and leftmost first among equals, until no pair has a merge.
 * No BOS token is added: Qwen3's GGUF files say {@code add_bos_token = false}.
 * <p>
 * Text is not normalized (llama.cpp does not; Hugging Face applies NFC first), so decomposed accents keep
 * their own tokens. Thread-safe: one instance serves every request.
 */
public final class BpeTokenizer {

    /** The {@code tokenizer.ggml.pre} names llama.cpp reads as its qwen2 pre-tokenizer. */
    private static final Set<String> QWEN2_PRE_TOKENIZER_NAMES = Set.of("qwen2", "qwen2.5", "qwen-2.5", "deepseek-r1-qwen");

    /**
     * Pieces repeat (words, indentation, punctuation runs), so their BPE results are cached. The bound keeps
     * a long document of unique strings from growing it without end; when full it is simply emptied, which
     * costs one re-warm rather than bookkeeping on every hit.
     */
    private static final int CACHE_LIMIT = 1 << 17;

    /** Pieces longer than this bypass the cache: they rarely repeat and would pin a lot of memory. */
    private static final int CACHE_MAX_PIECE = 64;

    private static final int DEAD = -1;

    private final Vocabulary vocabulary;
    private final BpeMerges merges;
    private final SpecialTokenSplitter specialTokens;
    private final byte[][] pieces;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    private BpeTokenizer(Vocabulary vocabulary, List<String> merges) {
        this.vocabulary = vocabulary;
        this.merges = new BpeMerges(vocabulary, merges);
        this.specialTokens = new SpecialTokenSplitter(vocabulary);
        this.pieces = new byte[vocabulary.size()][];
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = pieceOf(vocabulary.text(id), vocabulary.type(id));
        }
    }

    /**
     * @param vocabulary   {@code tokenizer.ggml.tokens} and {@code tokenizer.ggml.token_type}
     * @param merges       {@code tokenizer.ggml.merges}
     * @param preTokenizer {@code tokenizer.ggml.pre}; only the qwen2 family is implemented
     */
    public static BpeTokenizer create(Vocabulary vocabulary, List<String> merges, String preTokenizer) {
        Objects.requireNonNull(vocabulary, "vocabulary");
        Objects.requireNonNull(merges, "merges");
        if (!QWEN2_PRE_TOKENIZER_NAMES.contains(preTokenizer)) {
            throw new IllegalArgumentException("the model's tokenizer.ggml.pre is \"" + preTokenizer + "\", but Lectern"
                    + " implements only the qwen2 pre-tokenizer " + QWEN2_PRE_TOKENIZER_NAMES + " that Qwen3 models use;"
                    + " use a Qwen3 GGUF file");
        }
        return new BpeTokenizer(vocabulary, merges);
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /**
     * @param parseSpecial whether control tokens written in the text ({@code <|im_start|>}) become their ids;
     *                     false treats them as plain characters, which is what untrusted text (a document, a
     *                     user's message) needs. User-defined tokens such as {@code <think>} are matched either
     *                     way, as llama.cpp matches them.
     */
    public int[] encode(String text, boolean parseSpecial) {
        IntList fragments = new IntList(12);
        specialTokens.partition(text, parseSpecial, fragments);
        IntList out = new IntList(text.length() / 3 + 16);
        for (int f = 0; f < fragments.size(); f += 3) {
            int start = fragments.get(f);
            int end = fragments.get(f + 1);
            int token = fragments.get(f + 2);
            if (token != SpecialTokenSplitter.TEXT) {
                out.add(token);
                continue;
            }
            int pos = start;
            while (pos < end) {
                int pieceEnd = Qwen2PreTokenizer.pieceEnd(text, pos, end);
                encodePiece(text, pos, pieceEnd, out);
                pos = pieceEnd;
            }
        }
        return out.toArray();
    }

    /** The bytes the tokens stand for; control and user-defined tokens come out as their text. */
    public byte[] decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            out.writeBytes(piece(id));
        }
        return out.toByteArray();
    }

    /** A decoder for generated tokens that hands out only whole characters. */
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this);
    }

    /** The bytes of one token, shared: callers must not change them. */
    byte[] piece(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (pieces.length - 1) + ")");
        }
        return pieces[id];
    }

    private void encodePiece(String text, int start, int end, IntList out) {
        if (end - start == 1 && text.charAt(start) < 0x80) {
            // Digits and lone punctuation: one byte, one symbol, nothing to merge or cache.
            appendSymbol(merges.symbolOfByte(text.charAt(start)), out);
            return;
        }
        if (end - start > CACHE_MAX_PIECE) {
            out.addAll(bytePairEncode(text, start, end));
            return;
        }
        String piece = text.substring(start, end);
        int[] ids = cache.get(piece);
        if (ids == null) {
            ids = bytePairEncode(piece, 0, piece.length());
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            cache.put(piece, ids);
        }
        out.addAll(ids);
    }

    /**
     * BPE over one piece. Symbols form a linked list over arrays; candidate merges wait in a min-heap keyed
     * by (rank, left position), the same order llama.cpp's priority queue pops them in. A popped candidate is
     * stale when its left symbol died or its pair changed since it was pushed; then the pair's current merge
     * (if any) has been pushed separately, so it is simply dropped.
     */
    private int[] bytePairEncode(String text, int start, int end) {
        int[] symbols = utf8Symbols(text, start, end);
        int n = symbols.length;
        if (n > 1) {
            int[] next = new int[n];
            int[] prev = new int[n];
            for (int i = 0; i < n; i++) {
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
            }
            MergeQueue queue = new MergeQueue(3 * n);
            for (int i = 0; i + 1 < n; i++) {
                offer(queue, symbols, i, i + 1);
            }
            while (!queue.isEmpty()) {
                long candidate = queue.poll();
                int rank = (int) (candidate >>> 32);
                int left = (int) candidate;
                int right = next[left];
                if (symbols[left] == DEAD || right < 0) {
                    continue;
                }
                int slot = merges.slot(symbols[left], symbols[right]);
                if (slot < 0 || merges.rankAt(slot) != rank) {
                    continue;
                }
                symbols[left] = merges.resultAt(slot);
                symbols[right] = DEAD;
                next[left] = next[right];
                if (next[left] >= 0) {
                    prev[next[left]] = left;
                    offer(queue, symbols, left, next[left]);
                }
                if (prev[left] >= 0) {
                    offer(queue, symbols, prev[left], left);
                }
            }
        }
        IntList out = new IntList(n);
        for (int symbol : symbols) {
            if (symbol != DEAD) {
                appendSymbol(symbol, out);
            }
        }
        return out.toArray();
    }

    private void offer(MergeQueue queue, int[] symbols, int left, int right) {
        int slot = merges.slot(symbols[left], symbols[right]);
        if (slot >= 0) {
            queue.add(((long) merges.rankAt(slot) << 32) | left);
        }
    }

    /**
     * A final symbol that is not a token (possible only in vocabularies with gaps) falls back as llama.cpp
     * falls back: each byte of its text that is itself a token text, and nothing for the others.
     */
    private void appendSymbol(int symbol, IntList out) {
        if (!merges.isVirtual(symbol)) {
            out.add(symbol);
            return;
        }
        for (byte b : merges.virtualText(symbol).getBytes(StandardCharsets.UTF_8)) {
            int id = b >= 0 ? vocabulary.idOrMinusOne(String.valueOf((char) b)) : -1;
            if (id >= 0) {
                out.add(id);
            }
        }
    }

    /** One starting symbol per UTF-8 byte; unpaired surrogates become U+FFFD, as invalid input does in llama.cpp. */
    private int[] utf8Symbols(String text, int start, int end) {
        IntList symbols = new IntList((end - start) * 3);
        int i = start;
        while (i < end) {
            int cp = text.charAt(i++);
            if (Character.isHighSurrogate((char) cp) && i < end && Character.isLowSurrogate(text.charAt(i))) {
                cp = Character.toCodePoint((char) cp, text.charAt(i++));
            } else if (Character.isSurrogate((char) cp)) {
                cp = 0xFFFD;
            }
            if (cp < 0x80) {
                symbols.add(merges.symbolOfByte(cp));
            } else if (cp < 0x800) {
                symbols.add(merges.symbolOfByte(0xC0 | (cp >>> 6)));
                symbols.add(merges.symbolOfByte(0x80 | (cp & 0x3F)));
            } else if (cp < 0x10000) {
                symbols.add(merges.symbolOfByte(0xE0 | (cp >>> 12)));
                symbols.add(merges.symbolOfByte(0x80 | ((cp >>> 6) & 0x3F)));
                symbols.add(merges.symbolOfByte(0x80 | (cp & 0x3F)));
            } else {
                symbols.add(merges.symbolOfByte(0xF0 | (cp >>> 18)));
                symbols.add(merges.symbolOfByte(0x80 | ((cp >>> 12) & 0x3F)));
                symbols.add(merges.symbolOfByte(0x80 | ((cp >>> 6) & 0x3F)));
                symbols.add(merges.symbolOfByte(0x80 | (cp & 0x3F)));
            }
        }
        return symbols.toArray();
    }

    /**
     * What a token prints as, following llama.cpp's {@code token_to_piece} with special tokens rendered:
     * normal tokens map back through the byte-level alphabet, control, user-defined and unknown tokens are
     * their text, unused ones nothing. Two cases llama.cpp garbles are kept readable instead: a normal token
     * with a character outside the alphabet prints that character, and a byte token {@code <0xNN>} prints
     * its byte.
     */
    private static byte[] pieceOf(String text, TokenType type) {
        return switch (type) {
            case NORMAL -> {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
                for (int i = 0; i < text.length(); i++) {
                    int b = ByteLevel.byteOf(text.charAt(i));
                    if (b >= 0) {
                        bytes.write(b);
                    } else {
                        bytes.writeBytes(String.valueOf(text.charAt(i)).getBytes(StandardCharsets.UTF_8));
                    }
                }
                yield bytes.toByteArray();
            }
            case CONTROL, USER_DEFINED, UNKNOWN -> text.getBytes(StandardCharsets.UTF_8);
            case BYTE -> text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")
                    && Character.digit(text.charAt(3), 16) >= 0 && Character.digit(text.charAt(4), 16) >= 0
                    ? new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)}
                    : text.getBytes(StandardCharsets.UTF_8);
            case UNUSED, UNDEFINED -> new byte[0];
        };
    }
}
