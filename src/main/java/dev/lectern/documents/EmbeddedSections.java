package dev.lectern.documents;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text of files embedded in a document (a workbook in a slide, a file attached to a PDF page), each
 * as a marked section after the page or slide that holds it. Tika reports an Office document's embedded
 * parts only after its last slide, but marks where each one sits ({@code <div class="embedded"
 * id="slide2_rId6">}) and names the same id when the part arrives; a PDF's attachments arrive while
 * their page is open. The embedded text has no page markers of its own, so it never continues the
 * host's page numbers: a citation of page 11 of a 10-slide deck would point nowhere.
 */
final class EmbeddedSections {

    private final Map<String, Integer> pageOfMarker = new HashMap<>();
    /** By the page that holds them; {@link #AT_THE_END} for a document without pages. */
    private final TreeMap<Integer, StringBuilder> sectionsAfterPage = new TreeMap<>();
    private int characters;

    private static final int AT_THE_END = Integer.MAX_VALUE;

    /** An embedded object's place, on a page (0 before any page). The first place an id is seen counts. */
    void markerSeen(String id, int page) {
        pageOfMarker.putIfAbsent(id, page);
    }

    /**
     * @param relationshipId the id Tika gives the embedded part, or null
     * @param currentPage    the page open when it arrived, where it goes without a marker
     */
    void add(String relationshipId, int currentPage, String name, String text) {
        if (text.isBlank()) {
            return;
        }
        int page = relationshipId == null ? currentPage : pageOfMarker.getOrDefault(relationshipId, currentPage);
        if (page < 1) {
            page = AT_THE_END;
        }
        String section = "[Embedded file: " + name + "]\n\n" + text.strip() + "\n\n[End of embedded file: " + name + "]";
        StringBuilder sections = sectionsAfterPage.computeIfAbsent(page, p -> new StringBuilder());
        sections.append("\n\n").append(section).append("\n\n");
        characters += section.length() + 4;
    }

    /** The characters the sections add, for the text limit. */
    int characters() {
        return characters;
    }

    /**
     * The document's text with each page's sections at the end of that page.
     *
     * @param pageStarts where each page's marker begins in {@code text}: index 0 holds page 1
     */
    String placeInto(String text, List<Integer> pageStarts) {
        if (sectionsAfterPage.isEmpty()) {
            return text;
        }
        StringBuilder placed = new StringBuilder(text.length() + characters);
        int copied = 0;
        for (Map.Entry<Integer, StringBuilder> entry : sectionsAfterPage.entrySet()) {
            int page = entry.getKey();
            // The page ends where the next one starts; the last page, and a document without pages, at the end.
            int end = page < pageStarts.size() ? pageStarts.get(page) : text.length();
            placed.append(text, copied, end).append(entry.getValue());
            copied = end;
        }
        return placed.append(text, copied, text.length()).toString();
    }
}
