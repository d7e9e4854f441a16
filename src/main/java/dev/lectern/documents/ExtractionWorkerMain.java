package dev.lectern.documents;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;

/**
 * The entry point of an extraction process: a JVM of its own, started by {@link ExtractionChild} with a
 * small heap, that parses one document after another with {@link TikaTextExtractor} (content handler
 * included, so only the finished text crosses back) and answers in {@link ExtractionProtocol} frames.
 * Whatever a parser does here (run out of memory, crash the JVM, loop forever) ends this process, not
 * the server. It reads requests from stdin until the server closes it, then exits.
 *
 * <p>Arguments: the character limit (lectern.documents.max-characters), then the OCR settings
 * ({@link OcrSettings#toArguments}).
 */
public final class ExtractionWorkerMain {

    private ExtractionWorkerMain() {
    }

    public static void main(String[] args) throws IOException {
        // stdout carries the protocol: anything else that prints (libraries, stack traces) goes to stderr.
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16));
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        quietLogging();
        // A server killed outright cannot close our stdin while a parser hangs: follow it out instead.
        ProcessHandle.current().parent().ifPresent(server -> server.onExit().thenRun(() -> Runtime.getRuntime().halt(4)));
        if (args.length != 5) {
            System.err.println("usage: ExtractionWorkerMain <max-characters> <ocr auto|off> <ocr-languages> "
                    + "<ocr-page-timeout-ms> <tesseract-folder or ->");
            System.exit(2);
        }
        OcrSettings ocr = OcrSettings.fromArguments(args, 1);
        TikaTextExtractor extractor = new TikaTextExtractor(Integer.parseInt(args[0]), ocr);
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in));
        out.writeByte(ExtractionProtocol.READY);
        out.writeInt(ExtractionProtocol.VERSION);
        out.flush();
        for (int tag; (tag = in.read()) >= 0; ) {
            if (tag != ExtractionProtocol.EXTRACT) {
                System.err.println("extraction process: unknown request tag " + tag + "; stopping");
                System.exit(2);
            }
            Path file = Path.of(ExtractionProtocol.readString(in));
            String filename = ExtractionProtocol.readString(in);
            Duration timeout = Duration.ofMillis(in.readLong());
            try {
                ExtractedDocument document = extractor.extract(file, filename, timeout,
                        new FrameWriter(out, ocr.pageAllowance()));
                ExtractionProtocol.writeDocument(out, document);
            } catch (ExtractionFailedException failure) {
                out.writeByte(ExtractionProtocol.FAILED);
                ExtractionProtocol.writeString(out, failure.getMessage());
                ExtractionProtocol.writeString(out, failure.mediaType());
            }
            out.flush();
        }
    }

    /** Tika's parsers log at DEBUG by default without a logging configuration; the server wants warnings only. */
    private static void quietLogging() {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(Level.WARN);
        }
    }

    /** Progress frames, flushed at once so the server can report pages while the parse runs. */
    private record FrameWriter(DataOutputStream out, Duration ocrPageAllowance) implements ExtractionListener {

        @Override
        public void ocrPage(int page, int pages) {
            try {
                out.writeByte(ExtractionProtocol.OCR_PAGE);
                out.writeInt(page);
                out.writeInt(pages);
                out.writeLong(ocrPageAllowance.toMillis());
                out.flush();
            } catch (IOException serverGone) {
                throw new UncheckedIOException(serverGone);
            }
        }

        @Override
        public void pageStarted(int page) {
            try {
                out.writeByte(ExtractionProtocol.PAGE);
                out.writeInt(page);
                out.flush();
            } catch (IOException serverGone) {
                throw new UncheckedIOException(serverGone);
            }
        }

        @Override
        public void mediaTypeDetected(String mediaType) {
            try {
                out.writeByte(ExtractionProtocol.MEDIA_TYPE);
                ExtractionProtocol.writeString(out, mediaType);
                out.flush();
            } catch (IOException serverGone) {
                throw new UncheckedIOException(serverGone);
            }
        }
    }
}
