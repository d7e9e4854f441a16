package dev.lectern.documents;

/**
 * What Tika made of a file: the structured text the model will read (page markers, headings, lists,
 * Markdown tables) and the metadata worth showing. Fields other than {@code text} and {@code mediaType}
 * may be null when the file does not say.
 */
record ExtractedDocument(String mediaType, String text, String title, String author, String language,
        Integer pageCount) {
}
