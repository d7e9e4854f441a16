package dev.lectern.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.testing.NodeScript;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Compares ids with an independent implementation: Hugging Face's tokenizer as transformers.js runs it
 * (the npm package that also supplies the vocabulary), driven by a small Node script. The two are meant
 * to agree except where Hugging Face normalizes text to NFC first and llama.cpp does not, so the corpus
 * is compared in NFC; {@link #theOnlyIntendedDifferenceIsThatHuggingFaceNormalizesToNfc} pins that down.
 * Two more differences belong to transformers.js alone, so the corpus leaves out their characters: it runs
 * the pattern as a JavaScript regex, whose {@code \s} omits U+0085 (NEL) and includes U+FEFF (BOM), the
 * reverse of the Unicode White_Space property that llama.cpp's {@code \s} (and Lectern's) follows.
 */
class TokenizerParityTest {

    private static final Path MODULE = RealQwen3Tokenizer.PACKAGE_DIR.resolve("dist/main.mjs");

    private final BpeTokenizer qwen3 = RealQwen3Tokenizer.tokenizer();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void idsMatchTheHuggingFaceTokenizerOnAMultilingualCorpusOfOver200KB(@TempDir Path dir) throws Exception {
        List<String> corpus = new ArrayList<>(MultilingualCorpus.SAMPLES);
        corpus.addAll(MultilingualCorpus.generated(2024, 220_000));
        corpus.replaceAll(text -> Normalizer.normalize(text, Normalizer.Form.NFC));
        int bytes = MultilingualCorpus.utf8Bytes(corpus);
        assertThat(bytes).isGreaterThanOrEqualTo(200_000);

        List<int[]> reference = huggingFace(corpus, dir);
        List<String> mismatches = new ArrayList<>();
        long tokens = 0;
        for (int i = 0; i < corpus.size(); i++) {
            int[] ours = qwen3.encode(corpus.get(i), true);
            tokens += ours.length;
            if (!Arrays.equals(ours, reference.get(i))) {
                mismatches.add("text " + i + ": " + json.writeValueAsString(corpus.get(i)) + "\n  ours: "
                        + Arrays.toString(ours) + "\n  hf:   " + Arrays.toString(reference.get(i)));
            }
        }
        System.out.printf("tokenizer parity with transformers.js: %d texts, %d UTF-8 bytes, %d tokens, %d mismatching texts%n",
                corpus.size(), bytes, tokens, mismatches.size());
        mismatches.stream().limit(5).forEach(System.out::println);
        assertThat(mismatches).as("texts whose ids differ from Hugging Face's").isEmpty();
    }

    @Test
    void theOnlyIntendedDifferenceIsThatHuggingFaceNormalizesToNfc(@TempDir Path dir) throws Exception {
        String decomposed = "cafe\u0301 A\u030Angstro\u0308m";
        String composed = Normalizer.normalize(decomposed, Normalizer.Form.NFC);
        List<int[]> reference = huggingFace(List.of(decomposed, composed), dir);

        assertThat(reference.get(0)).as("Hugging Face composes the accents first").containsExactly(reference.get(1));
        assertThat(qwen3.encode(composed, true)).containsExactly(reference.get(1));
        assertThat(qwen3.encode(decomposed, true)).as("llama.cpp and Lectern keep the text as written")
                .isNotEqualTo(reference.get(0));
        assertThat(new String(qwen3.decode(qwen3.encode(decomposed, true)), StandardCharsets.UTF_8)).isEqualTo(decomposed);
    }

    private List<int[]> huggingFace(List<String> texts, Path dir) throws IOException, InterruptedException {
        assertThat(MODULE).as("the npm package, installed by the Maven build into frontend/node_modules").isRegularFile();
        Path in = dir.resolve("texts.json");
        Path out = dir.resolve("ids.json");
        json.writeValue(in.toFile(), texts);
        NodeScript.run("hugging-face-encode.mjs", Map.of(), 120, MODULE, in, out);
        List<int[]> ids = new ArrayList<>();
        for (JsonNode text : json.readTree(Files.readString(out))) {
            int[] row = new int[text.size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = text.get(i).asInt();
            }
            ids.add(row);
        }
        assertThat(ids).hasSameSizeAs(texts);
        return ids;
    }
}
