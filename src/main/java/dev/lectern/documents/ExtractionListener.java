package dev.lectern.documents;

/**
 * Told what an extraction finds while it runs, for progress reports: each page (PDF page, slide, sheet)
 * as the parser reaches it, and the media type once detection has settled it. A lambda covers the
 * common case of following pages only.
 */
@FunctionalInterface
interface ExtractionListener {

    void pageStarted(int page);

    /** The detected type, before parsing starts; a failure later on can still name it. */
    default void mediaTypeDetected(String mediaType) {
    }
}
