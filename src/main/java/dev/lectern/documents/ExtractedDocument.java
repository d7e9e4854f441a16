package dev.lectern.documents;

/**
 * What Tika made of a file: the structured text the model will read (page markers, headings, lists,
 * Markdown tables) and the metadata worth showing. Fields other than {@code text} and {@code mediaType}
 * may be null when the file does not say. {@code pagesKnown}: the text has {@code [Page N]} markers that
 * match the file's pages, so answers may cite pages (false for a Word file that records no page starts,
 * for plain text, HTML and the like).
 */
record ExtractedDocument(String mediaType, String text, String title, String author, String language,
        Integer pageCount, boolean pagesKnown) {

    /** Pages are known where the text marks them. */
    ExtractedDocument(String mediaType, String text, String title, String author, String language, Integer pageCount) {
        this(mediaType, text, title, author, language, pageCount,
                StructuredTextHandler.PAGE_MARKER.matcher(text).find());
    }
}
