package dev.lectern.engine.tokenizer;

/**
 * What a vocabulary entry is, numbered as GGUF's {@code tokenizer.ggml.token_type} array numbers it
 * (llama.h's {@code llama_token_type}). The type decides how a token is matched and printed: normal
 * tokens come out of BPE and are spelled in the byte-level alphabet; control and user-defined tokens are
 * literal text matched before BPE; unused ones (the padding rows up to the model's embedding size) are
 * never produced.
 */
public enum TokenType {
    UNDEFINED(0),
    NORMAL(1),
    UNKNOWN(2),
    CONTROL(3),
    USER_DEFINED(4),
    UNUSED(5),
    BYTE(6);

    private final int ggufCode;

    TokenType(int ggufCode) {
        this.ggufCode = ggufCode;
    }

    public int ggufCode() {
        return ggufCode;
    }

    /** Codes outside the table read as {@link #UNDEFINED}, as llama.cpp reads them. */
    public static TokenType fromGgufCode(int code) {
        for (TokenType type : values()) {
            if (type.ggufCode == code) {
                return type;
            }
        }
        return UNDEFINED;
    }

    /**
     * The type llama.cpp's converter ({@code convert_hf_to_gguf.py}) gives a Hugging Face added token:
     * control when the tokenizer marks it special or it is spelled like one ({@code <|...|>}),
     * user-defined otherwise. For Qwen3 that makes {@code <think>} and {@code <tool_call>} user-defined,
     * which matters: llama.cpp matches user-defined tokens in text even when special tokens are not parsed.
     * Whoever writes a GGUF from a tokenizer.json must use this to get the same ids as llama.cpp.
     */
    public static TokenType forAddedToken(String content, boolean markedSpecial) {
        boolean looksSpecial = content.equals("<pad>") || content.equals("<mask>") || content.equals("<2mass>")
                || content.equals("[@BOS@]")
                || (content.startsWith("<|") && content.endsWith("|>"))
                || (content.startsWith("<\uFF5C") && content.endsWith("\uFF5C>"))
                || (content.startsWith("<unused") && content.endsWith(">"));
        return markedSpecial || looksSpecial ? CONTROL : USER_DEFINED;
    }

    /** Matched as literal text before BPE; {@code parsingSpecial} says whether special tokens are wanted. */
    boolean matchedBeforeBpe(boolean parsingSpecial) {
        return switch (this) {
            case USER_DEFINED -> true;
            case CONTROL, UNKNOWN -> parsingSpecial;
            default -> false;
        };
    }
}
