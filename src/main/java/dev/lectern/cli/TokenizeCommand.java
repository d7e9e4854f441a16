package dev.lectern.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import dev.lectern.engine.gguf.GgufFile;
import dev.lectern.engine.tokenizer.BpeTokenizer;
import dev.lectern.engine.tokenizer.GgufTokenizers;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the token ids of a text as one JSON array, exactly as the model will see them. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text as a JSON array, using the model's own tokenizer.")
final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "the GGUF file")
    private Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Input input;

    @Option(names = "--no-special", description = "treat special-token text such as <|im_start|> as plain text")
    private boolean noSpecial;

    static final class Input {
        @Option(names = "--text", paramLabel = "STR", description = "the text to tokenize")
        String text;

        @Option(names = "--file", paramLabel = "PATH", description = "a UTF-8 file to tokenize")
        Path file;
    }

    @Override
    public Integer call() throws Exception {
        String text = input.text != null ? input.text : Files.readString(input.file, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        int[] ids;
        try (GgufFile file = GgufFile.open(model)) {
            BpeTokenizer tokenizer = GgufTokenizers.fromGguf(file);
            ids = tokenizer.encode(text, !noSpecial);
        }
        System.out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]")));
        System.err.printf("%,d characters -> %,d tokens (%.0f ms including loading the vocabulary)%n",
                text.length(), ids.length, (System.nanoTime() - start) / 1e6);
        return 0;
    }
}
