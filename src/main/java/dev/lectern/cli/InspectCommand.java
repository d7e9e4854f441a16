package dev.lectern.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import dev.lectern.engine.chat.ChatTemplate;
import dev.lectern.engine.gguf.GgmlType;
import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.gguf.GgufTensorInfo;
import dev.lectern.engine.model.Qwen3Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints what a GGUF model is: architecture, shapes, tensor types and counts, vocabulary, chat template. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a Qwen3 GGUF model's architecture, shapes, tensor types, vocabulary and chat template.")
final class InspectCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "the GGUF file")
    private Path model;

    @Option(names = "--tensors", description = "also list every tensor with its type and shape")
    private boolean listTensors;

    @Override
    public Integer call() throws Exception {
        try (GgufFile file = GgufFile.open(model)) {
            print(file, System.out);
        }
        return 0;
    }

    private void print(GgufFile file, PrintStream out) {
        Qwen3Config config = Qwen3Config.from(file);
        var metadata = file.metadata();
        out.printf("file            %s (%,d bytes, GGUF v%d)%n", file.path(), file.size(), file.version());
        out.printf("architecture    qwen3%s%n", metadata.findString("general.name").map(n -> " (" + n + ")").orElse(""));
        out.printf("layers          %d%n", config.blockCount());
        out.printf("embedding       %d%n", config.embeddingLength());
        out.printf("feed-forward    %d%n", config.feedForwardLength());
        out.printf("attention       %d query heads, %d key/value heads, head size %d (query width %d, KV width %d)%n",
                config.headCount(), config.headCountKv(), config.keyLength(), config.queryWidth(), config.kvWidth());
        out.printf("rope            base %s, scaling %s%n", config.ropeFreqBase(),
                config.ropeScaling().kind().name().toLowerCase(java.util.Locale.ROOT));
        out.printf("context length  %d tokens (trained)%n", config.contextLength());
        out.printf("norm epsilon    %s%n", config.rmsNormEpsilon());
        out.printf("vocabulary      %d tokens, %d merges, pre-tokenizer %s%n", config.vocabularySize(),
                metadata.findStringArray("tokenizer.ggml.merges").map(java.util.List::size).orElse(0),
                metadata.findString("tokenizer.ggml.pre").orElse("(none)"));
        out.printf("chat template   %s%n", ChatTemplate.fromJinja(metadata.findString("tokenizer.chat_template")
                .orElse(null)).thinkingMode().name().toLowerCase(java.util.Locale.ROOT) + " thinking");
        out.printf("output head     %s%n", config.tiedEmbeddings() ? "tied to token_embd.weight" : "output.weight");
        out.printf("KV cache        %,d bytes per token in F16%n", config.kvBytesPerToken(2));
        Map<GgmlType, Long> counts = file.tensors().stream()
                .collect(Collectors.groupingBy(GgufTensorInfo::type, TreeMap::new, Collectors.counting()));
        long parameters = file.tensors().stream().mapToLong(GgufTensorInfo::elementCount).sum();
        out.printf("tensors         %d (%,d parameters): %s%n", file.tensors().size(), parameters,
                counts.entrySet().stream().map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.joining(", ")));
        if (listTensors) {
            for (GgufTensorInfo tensor : file.tensors()) {
                out.printf("  %-32s %-5s %-16s %,d bytes%n", tensor.name(), tensor.type(),
                        java.util.Arrays.toString(tensor.shape()), tensor.byteSize());
            }
        }
    }
}
