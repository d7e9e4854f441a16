package dev.lectern.documents;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Extracted text cut at its {@code [Page N]} markers, so that pages without a text layer can be found
 * and given the text OCR read from their picture, in their place. Working on the finished text rather
 * than inside the parse keeps OCR out of Tika's PDF handler: it runs afterwards, page by page, with its
 * own progress and time limit per page.
 */
final class TextPages {

    /** A page with fewer letters or digits than this has no real text layer (a page number at most). */
    private static final int FEWEST_CHARACTERS = 10;

    private final String beforeFirstPage;
    private final List<Integer> numbers = new ArrayList<>();
    private final List<String> bodies = new ArrayList<>();

    private TextPages(String text) {
        Matcher marker = StructuredTextHandler.PAGE_MARKER.matcher(text);
        int bodyStart = -1;
        String before = text;
        while (marker.find()) {
            if (bodyStart < 0) {
                before = text.substring(0, marker.start());
            } else {
                bodies.add(text.substring(bodyStart, marker.start()));
            }
            String line = marker.group();
            numbers.add(Integer.parseInt(line.substring("[Page ".length(), line.length() - 1)));
            bodyStart = marker.end();
        }
        if (bodyStart >= 0) {
            bodies.add(text.substring(bodyStart));
        }
        this.beforeFirstPage = before;
    }

    static TextPages of(String text) {
        return new TextPages(text);
    }

    /** Pages whose text is too thin to be a text layer, by number, in order. */
    List<Integer> pagesWithoutText() {
        List<Integer> empty = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            if (bodies.get(i).codePoints().filter(Character::isLetterOrDigit).count() < FEWEST_CHARACTERS) {
                empty.add(numbers.get(i));
            }
        }
        return empty;
    }

    int pages() {
        return numbers.size();
    }

    /** The text with each page in {@code read} given that text after whatever little it had. */
    String withPages(Map<Integer, String> read) {
        StringBuilder out = new StringBuilder(beforeFirstPage);
        for (int i = 0; i < numbers.size(); i++) {
            String body = bodies.get(i).strip();
            String added = read.get(numbers.get(i));
            out.append("[Page ").append(numbers.get(i)).append("]\n\n");
            if (!body.isEmpty()) {
                out.append(body).append("\n\n");
            }
            if (added != null && !added.isBlank()) {
                out.append(added.strip()).append("\n\n");
            }
        }
        return out.toString().strip();
    }
}
