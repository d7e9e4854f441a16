package dev.lectern.documents;

import java.time.Duration;
import java.util.List;

import dev.lectern.config.LecternProperties;

/**
 * How scans are read (lectern.documents.ocr*), in a form that crosses to an extraction process as
 * command-line arguments: the child has no Spring context to read the settings from.
 *
 * @param enabled        false: never OCR (lectern.documents.ocr=off)
 * @param languages      Tesseract's language codes joined by '+'
 * @param pageTimeout    the longest OCR of one page
 * @param tesseractPath  the folder holding the tesseract program; empty: the PATH
 */
record OcrSettings(boolean enabled, String languages, Duration pageTimeout, String tesseractPath) {

    OcrSettings {
        languages = languages == null || languages.isBlank() ? "eng" : languages.strip();
        tesseractPath = tesseractPath == null ? "" : tesseractPath.strip();
    }

    /**
     * How long one page may take from the moment it is announced: tesseract's own limit plus time to
     * render the page and hand it over, which no tesseract limit covers. Whoever watches an extraction
     * from outside (the parent of an extraction process, the in-process watchdog) waits this long.
     */
    Duration pageAllowance() {
        return pageTimeout.plusSeconds(30);
    }

    static OcrSettings off() {
        return new OcrSettings(false, "eng", Duration.ofSeconds(60), "");
    }

    static OcrSettings of(LecternProperties.Documents documents) {
        return new OcrSettings(documents.ocr() == LecternProperties.Documents.Ocr.AUTO, documents.ocrLanguages(),
                documents.ocrPageTimeout(), documents.ocrTesseractPath());
    }

    /** Four arguments, in the order {@link #fromArguments} reads them. */
    List<String> toArguments() {
        return List.of(enabled ? "auto" : "off", languages, Long.toString(pageTimeout.toMillis()),
                tesseractPath.isEmpty() ? "-" : tesseractPath);
    }

    static OcrSettings fromArguments(String[] args, int from) {
        return new OcrSettings(args[from].equals("auto"), args[from + 1], Duration.ofMillis(Long.parseLong(args[from + 2])),
                args[from + 3].equals("-") ? "" : args[from + 3]);
    }
}
