package dev.lectern.documents;

/**
 * Told what an extraction finds while it runs, for progress reports: each page (PDF page, slide, sheet)
 * as the parser reaches it, the media type once detection has settled it, and each page OCR reads. A lambda covers the
 * common case of following pages only.
 */
@FunctionalInterface
interface ExtractionListener {

    void pageStarted(int page);

    /** The detected type, before parsing starts; a failure later on can still name it. */
    default void mediaTypeDetected(String mediaType) {
    }

    /**
     * OCR is about to read the {@code page}-th of the {@code pages} pages that have no text layer. Each
     * page has its own time limit (lectern.documents.ocr-page-timeout), counted from here.
     */
    default void ocrPage(int page, int pages) {
    }
}
