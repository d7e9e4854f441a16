package dev.lectern.engine.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.sampling.StopCondition;
import dev.lectern.testing.NodeScript;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The reference that counts: llama.cpp itself (node-llama-cpp's prebuilt build, installed by the Maven
 * build), tokenizing the same texts with the vocabulary of a GGUF file the generator wrote, with special
 * tokens parsed and not. No normalization anywhere: llama.cpp takes text as written, and so must we.
 */
class LlamaCppTokenizerParityTest {

    /** Cases the generated corpus may not reach: Unicode whitespace edges, decomposed accents, token text. */
    private static final List<String> EDGE_CASES = List.of(
            "a\u0085.b", "a\uFEFF.b", "a\u3000b\u00A0c\u2028d", "cafe\u0301 A\u030Angstro\u0308m",
            "<think>\nreasoning\n</think>\n\nanswer", "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
            "<|endoftext|><|fim_prefix|>x<|fim_suffix|>", "<tool_call>{}</tool_call>", "<|im_start", "|>",
            "   leading", "trailing   ", "\n\n\n", "\r\n\r\n", "\t\t x", "", " ", "1234567890 3.14159 -42 1e10",
            "👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇯🇵", "😀😃😄", "x\u200Dy\u200Cz", "\uD83D\uDE00", "ﬁ ﬂ ǅ Ⅻ ①②③ ²³",
            "don't DON'T it's IT'S we'll WE'LL they've I'd I'm", "'s 'S 're 'RE 've 'll 'd 'm",
            // Texts llama.cpp reads as control tokens by their spelling (LlamaCppTokenTexts): </s> is an ordinary
            // BPE token of the Qwen3 vocabulary that llama.cpp makes a control token and an end of generation.
            "x </s> y", "</s>", "a</s>b</s>c", "<s>x</s>", "</s></s>", "< /s>", "</S>", "<unk> <s> </s>",
            "<|fim_pad|>a<|repo_name|>b<|file_sep|>c<|fim_middle|>", "<PRE> <SUF> <MID> <PAD> [PAD] <REPO>",
            "<eos> [EOS] [EOT] <EOT> _<EOT> <end_of_turn> <|eot_id|> <|end|> <|eom_id|> <|return|> <|call|>",
            "<turn|> <|tool_response> <end_of_utterance> <|end_of_text|> <\uFF5Cend\u2581of\u2581sentence\uFF5C>");

    @Test
    void idsMatchLlamaCppOnAMultilingualCorpusOfOver200KB(@TempDir Path dir) throws Exception {
        Path model = TestModelGenerator.write(dir.resolve("tiny.gguf"),
                TestModelSpec.of(ShapePreset.TINY, WeightFormat.Q8_0, 1), RealQwen3Tokenizer.vocabulary(), p -> { })
                .file();
        List<String> corpus = new ArrayList<>(MultilingualCorpus.SAMPLES);
        corpus.addAll(EDGE_CASES);
        corpus.addAll(MultilingualCorpus.generated(2025, 220_000));
        int bytes = MultilingualCorpus.utf8Bytes(corpus);
        assertThat(bytes).isGreaterThanOrEqualTo(200_000);

        JsonMapper json = JsonMapper.builder().build();
        Path texts = dir.resolve("texts.json");
        Path out = dir.resolve("llama.json");
        json.writeValue(texts.toFile(), corpus);
        NodeScript.run("llama-cpp-probe.mjs", Map.of(), 300, NodeScript.NODE_MODULES, model, texts, out);
        JsonNode reference = json.readTree(Files.readString(out)).get("tokens");

        BpeTokenizer ours;
        try (GgufFile gguf = GgufFile.open(model)) {
            ours = GgufTokenizers.fromGguf(gguf);
        }
        assertThat(StopCondition.chatStopTokenIds(ours.vocabulary()))
                .as("the ids generation stops at: llama.cpp's end-of-generation tokens")
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(ids(json.readTree(Files.readString(out))
                        .get("endOfGeneration"))).boxed().toList());
        List<String> mismatches = new ArrayList<>();
        long tokens = 0;
        for (int i = 0; i < corpus.size(); i++) {
            String text = corpus.get(i);
            for (String mode : List.of("special", "plain")) {
                int[] ids = ours.encode(text, mode.equals("special"));
                int[] expected = ids(reference.get(mode).get(i));
                tokens += ids.length;
                if (!Arrays.equals(ids, expected)) {
                    mismatches.add(mode + " text " + i + " " + json.writeValueAsString(text) + "\n  ours:      "
                            + Arrays.toString(ids) + "\n  llama.cpp: " + Arrays.toString(expected));
                }
            }
            assertThat(new String(ours.decode(ours.encode(text, true)), StandardCharsets.UTF_8))
                    .as("decode(encode(text)) for text %d", i).isEqualTo(text);
        }
        System.out.printf("tokenizer parity with llama.cpp: %d texts, %d UTF-8 bytes, %d tokens in two modes,"
                + " %d mismatches%n", corpus.size(), bytes, tokens, mismatches.size());
        mismatches.stream().limit(5).forEach(System.out::println);
        assertThat(mismatches).as("texts whose ids differ from llama.cpp's").isEmpty();
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
    }
}
