package dev.lectern.documents;

import java.time.Duration;

/**
 * A file Lectern could not turn into text. The message is written for the person who uploaded it: what
 * went wrong and what they can do. {@code mediaType} is what detection found, when it got that far.
 */
final class ExtractionFailedException extends Exception {

    private final String mediaType;

    ExtractionFailedException(String message, String mediaType, Throwable cause) {
        super(message, cause);
        this.mediaType = mediaType;
    }

    /**
     * The one wording of a time-out, whichever part of Lectern noticed it (the content handler, the
     * parent of an extraction process, the watchdog).
     *
     * @param kind what a person calls the file: "PDF", "file", see {@link TikaTextExtractor#describe}
     */
    static ExtractionFailedException timedOut(String kind, Duration timeout, String mediaType, Throwable cause) {
        return new ExtractionFailedException("Extraction timed out after " + describe(timeout) + ": reading this "
                + kind + " took longer than lectern.documents.extraction-timeout allows, so it was stopped and "
                + "nothing was kept. Try a smaller file, or ask the administrator to raise the limit.", mediaType, cause);
    }

    /** "120 s", or "250 ms" for the sub-second limits tests use. */
    static String describe(Duration duration) {
        return duration.toSeconds() >= 1 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    String mediaType() {
        return mediaType;
    }
}
