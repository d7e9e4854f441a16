package dev.lectern.documents;

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

    String mediaType() {
        return mediaType;
    }
}
