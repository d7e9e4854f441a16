package dev.lectern.documents;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import org.apache.tika.exception.TikaConfigException;
import org.apache.tika.exception.TikaException;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.parser.ocr.TesseractOCRConfig;
import org.apache.tika.parser.ocr.TesseractOCRParser;
import org.apache.tika.sax.BodyContentHandler;
import org.xml.sax.SAXException;

/**
 * One page image in, its text out: Tika's {@link TesseractOCRParser} running the tesseract program with
 * the configured languages and a time limit per page. Whether tesseract is installed is found once, when
 * this is made (Tika runs {@code tesseract --version}), so a server without it works normally and a scan
 * fails with a message that says what to install.
 */
final class TesseractOcr {

    /** Why one page could not be read; the document may go on without it. */
    static final class PageFailed extends Exception {
        private final boolean timedOut;

        PageFailed(String message, boolean timedOut, Throwable cause) {
            super(message, cause);
            this.timedOut = timedOut;
        }

        boolean timedOut() {
            return timedOut;
        }
    }

    /** A language that is not installed fails every page alike: the document fails with it. */
    static final class LanguageMissing extends Exception {
        LanguageMissing(String message) {
            super(message);
        }
    }

    private final OcrSettings settings;
    private final TesseractOCRParser parser = new TesseractOCRParser();
    private final boolean installed;

    TesseractOcr(OcrSettings settings) {
        this.settings = settings;
        boolean found;
        try {
            if (!settings.tesseractPath().isEmpty()) {
                // Tika joins the folder and the program's name as strings.
                parser.setTesseractPath(settings.tesseractPath().endsWith("/") ? settings.tesseractPath()
                        : settings.tesseractPath() + "/");
            }
            parser.initialize(Map.of());
            found = parser.hasTesseract();
        } catch (TikaConfigException notThere) {
            found = false;
        }
        this.installed = settings.enabled() && found;
    }

    /** OCR is turned on (lectern.documents.ocr=auto). */
    boolean enabled() {
        return settings.enabled();
    }

    /** Turned on and the tesseract program runs. */
    boolean installed() {
        return installed;
    }

    OcrSettings settings() {
        return settings;
    }

    /** The text tesseract reads in an image file (PNG, JPEG, TIFF: whatever leptonica opens). */
    String read(Path image) throws PageFailed, LanguageMissing {
        TesseractOCRConfig config = new TesseractOCRConfig();
        config.setLanguage(settings.languages());
        config.setTimeoutSeconds((int) Math.max(1, settings.pageTimeout().toSeconds()));
        ParseContext context = new ParseContext();
        context.set(TesseractOCRConfig.class, config);
        BodyContentHandler text = new BodyContentHandler(-1);
        try (InputStream in = TikaInputStream.get(image)) {
            parser.parse(in, text, new Metadata(), context);
            return text.toString();
        } catch (TikaException failed) {
            String message = String.valueOf(failed.getMessage());
            if (message.contains("Failed loading language") || message.contains("Error opening data file")) {
                throw new LanguageMissing("Tesseract has no data for the OCR language(s) \"" + settings.languages()
                        + "\" (lectern.documents.ocr-languages): install their packages, e.g. tesseract-ocr-"
                        + settings.languages().split("\\+")[0].toLowerCase(Locale.ROOT).replace('_', '-')
                        + ", or change the setting.");
            }
            boolean timedOut = message.contains("timeout");
            throw new PageFailed(timedOut ? "OCR took longer than " + ExtractionFailedException.describe(
                    settings.pageTimeout()) + " (lectern.documents.ocr-page-timeout)" : "OCR failed (" + message + ")",
                    timedOut, failed);
        } catch (IOException | SAXException failed) {
            throw new PageFailed("OCR failed (" + failed.getMessage() + ")", false, failed);
        }
    }

    Duration pageTimeout() {
        return settings.pageTimeout();
    }
}
