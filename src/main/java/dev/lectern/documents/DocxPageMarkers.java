package dev.lectern.documents;

import java.util.regex.Pattern;

/**
 * Turns the sentinels {@link DocxPageBreaks} put where a Word document's pages begin into {@code [Page N]}
 * lines, and says whether the page numbers can be trusted. Where Word recorded its last layout
 * ({@code w:lastRenderedPageBreak}), those marks are the pages, explicit breaks included. Without them, the
 * explicit breaks only delimit pages if no page between two of them ran over onto the next: that holds when
 * the page count the file declares (docProps/app.xml, which Word and LibreOffice write) is the number of pages
 * the breaks make, or when it declares none. Otherwise the numbers would be wrong, and a wrong citation is worse
 * than none: no markers, and the document says its pages are not known.
 *
 * <p>A break inside a table cell is moved to the end of the table, so that a Markdown table is not cut.
 */
final class DocxPageMarkers {

    /** The text with page markers, the number of pages they make, and whether they are there at all. */
    record Result(String text, boolean pagesKnown, Integer pageCount) {
    }

    private static final Pattern ANY_SENTINEL = Pattern.compile(
            Pattern.quote(DocxPageBreaks.RENDERED) + "|" + Pattern.quote(DocxPageBreaks.EXPLICIT));

    private static final Pattern PREFIX_ONLY = Pattern.compile("\\s*(#{1,6}|-|\\d+\\.)\\s*");

    private DocxPageMarkers() {
    }

    /** @param declaredPages the page count the file's properties declare, or null */
    static Result apply(String text, Integer declaredPages) {
        boolean rendered = text.contains(DocxPageBreaks.RENDERED);
        String kept = rendered ? DocxPageBreaks.RENDERED : DocxPageBreaks.EXPLICIT;
        String dropped = rendered ? DocxPageBreaks.EXPLICIT : DocxPageBreaks.RENDERED;
        String marked = text.replace(dropped, "");
        int breaks = count(marked, kept);
        if (breaks == 0 || (!rendered && declaredPages != null && declaredPages != breaks + 1)) {
            return new Result(ANY_SENTINEL.matcher(text).replaceAll(""), false, declaredPages);
        }
        StringBuilder out = new StringBuilder("[Page 1]\n\n");
        int page = 1;
        int pendingAfterTable = 0;
        for (String line : marked.split("\n", -1)) {
            boolean tableRow = line.startsWith("|");
            if (tableRow) {
                pendingAfterTable += count(line, kept);
                out.append(line.replace(kept, "")).append('\n');
                continue;
            }
            for (; pendingAfterTable > 0; pendingAfterTable--) {
                out.append("\n[Page ").append(++page).append("]\n\n");
            }
            String[] parts = line.split(Pattern.quote(kept), -1);
            // A heading or list item whose page starts with it keeps its "# " or "- " after the marker.
            String prefix = "";
            if (parts.length > 1 && PREFIX_ONLY.matcher(parts[0]).matches()) {
                prefix = parts[0].strip() + " ";
                parts[0] = "";
            }
            out.append(parts[0].stripTrailing());
            for (int i = 1; i < parts.length; i++) {
                out.append("\n\n[Page ").append(++page).append("]\n\n").append(i == 1 ? prefix : "").append(parts[i].strip());
            }
            out.append('\n');
        }
        for (; pendingAfterTable > 0; pendingAfterTable--) {
            out.append("\n[Page ").append(++page).append("]\n");
        }
        String result = out.toString().replaceAll("(?m)^[ \\t]+(?=\\[Page \\d+]$)", "").replaceAll("\n{3,}", "\n\n").strip();
        return new Result(result, true, page);
    }

    private static int count(String text, String sentinel) {
        int n = 0;
        for (int at = text.indexOf(sentinel); at >= 0; at = text.indexOf(sentinel, at + sentinel.length())) {
            n++;
        }
        return n;
    }
}
