package dev.lectern.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.chat.ChatMessage;
import dev.lectern.engine.generation.Cancellation;
import dev.lectern.engine.generation.GenerationListener;
import dev.lectern.engine.generation.GenerationResult;
import dev.lectern.engine.kv.KvDataType;
import dev.lectern.engine.model.Qwen3Model;
import dev.lectern.engine.sampling.SamplingParameters;
import dev.lectern.engine.sched.Generator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Generates text from a prompt or a chat message, streaming it to stdout and timings to stderr. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with a Qwen3 GGUF model; text goes to stdout, progress and timings to stderr.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "the GGUF file")
    private Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Input input;

    static final class Input {
        @Option(names = "--prompt", paramLabel = "STR", description = "raw text to continue (special tokens parsed)")
        String prompt;

        @Option(names = "--chat", paramLabel = "STR", description = "a user message, wrapped in the chat template")
        String chat;
    }

    @Option(names = "--max-tokens", defaultValue = "128", paramLabel = "N",
            description = "most tokens to generate (default: ${DEFAULT-VALUE})")
    private int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "0 for greedy (default: 0)")
    private double temperature;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "0 = off (default)")
    private int topK;

    @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "1 = off (default)")
    private double topP;

    @Option(names = "--seed", paramLabel = "S", description = "random seed for sampling (default: random, printed)")
    private Long seed;

    @Option(names = "--thinking", description = "let a hybrid Qwen3 model think before answering (with --chat)")
    private boolean thinking;

    @Option(names = "--context", defaultValue = "4096", paramLabel = "N",
            description = "context length in tokens (default: ${DEFAULT-VALUE})")
    private int contextLength;

    @Option(names = "--threads", paramLabel = "N", description = "CPU threads (default: one per core)")
    private Integer threads;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "NAME",
            description = "cpu (Vector API) or reference (scalar, for checking) (default: ${DEFAULT-VALUE})")
    private String backendName;

    @Option(names = "--ids", description = "print the generated token ids as a JSON array on the last line")
    private boolean printIds;

    @Override
    public Integer call() throws Exception {
        SamplingParameters parameters = (temperature == 0 ? SamplingParameters.greedy()
                : SamplingParameters.defaults().withTemperature(temperature).withTopK(topK).withTopP(topP).withMinP(0))
                .withMaxTokens(maxTokens);
        if (seed != null) {
            parameters = parameters.withSeed(seed);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        long loadStart = System.nanoTime();
        try (Qwen3Model qwen = Qwen3Model.load(model); Backends.Handle backend = Backends.create(backendName, threads)) {
            System.err.printf("loaded %s in %.2f s (%d layers, %s); backend %s%n", model.getFileName(),
                    (System.nanoTime() - loadStart) / 1e9, qwen.config().blockCount(),
                    qwen.chatTemplate().thinkingMode().name().toLowerCase(java.util.Locale.ROOT) + " thinking",
                    backend.backend().name());
            try (Generator generator = new Generator(qwen, backend.backend(), contextLength, KvDataType.F16)) {
                GenerationListener listener = new GenerationListener() {
                    @Override
                    public void onPrefillProgress(int done, int total) {
                        System.err.printf("encoding prompt: %d/%d tokens%n", done, total);
                    }

                    @Override
                    public void onToken(int token, String text, long elapsedNanos) {
                        out.print(text);
                    }
                };
                GenerationResult result = input.chat != null
                        ? generator.chat(List.of(ChatMessage.user(input.chat)), thinking, parameters, listener, new Cancellation())
                        : generator.generate(qwen.tokenizer().encode(input.prompt, true), parameters, listener, new Cancellation());
                out.println();
                if (printIds) {
                    out.println(Arrays.stream(result.tokens()).mapToObj(Integer::toString)
                            .collect(Collectors.joining(",", "[", "]")));
                }
                System.err.println(result.stats().describe() + (seed == null && temperature != 0
                        ? " (seed " + result.stats().seed() + ")" : ""));
            }
        }
        return 0;
    }
}
