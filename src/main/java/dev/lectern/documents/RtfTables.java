package dev.lectern.documents;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rebuilds the tables of an RTF file from the sentinels {@link RtfTableMarks} put at each cell and row
 * end: Tika gives each cell as a paragraph of its own, which read as a column of unrelated lines
 * ({@code Row 1 Col 1}, {@code Row 1 Col 2}, …). A paragraph that ends a cell joins the current row, a row
 * sentinel closes the row, and the first paragraph outside a row ends the table, which is written as a
 * Markdown table like every other format's. Paragraphs of a cell before the one that ends it are that
 * cell's text too: RTF marks them as in a table ({@code \intbl}), which tells the first paragraph of a
 * row's first cell from a paragraph after the table.
 */
final class RtfTables {

    private RtfTables() {
    }

    private static final Pattern TOKEN = Pattern.compile(Pattern.quote(RtfTableMarks.CELL) + "|"
            + Pattern.quote(RtfTableMarks.ROW) + "|" + Pattern.quote(RtfTableMarks.IN_TABLE) + "|\n{2,}");

    static String apply(String text) {
        if (!text.contains(RtfTableMarks.CELL) && !text.contains(RtfTableMarks.ROW)) {
            return text.replace(RtfTableMarks.IN_TABLE, "");
        }
        StringBuilder out = new StringBuilder(text.length());
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        // In a table paragraph: from a \intbl, or a cell end, to the row's end. Word puts the \row inside a
        // paragraph marked \intbl, and text after it in that paragraph is outside the table again.
        boolean inTable = false;
        Matcher token = TOKEN.matcher(text);
        int from = 0;
        while (from <= text.length()) {
            boolean found = token.find(from);
            String chunk = text.substring(from, found ? token.start() : text.length()).strip();
            if (!chunk.isEmpty()) {
                if (inTable || !row.isEmpty() || !cell.isEmpty()) {
                    cell.append(cell.isEmpty() ? "" : " ").append(chunk);
                } else {
                    writeTable(out, rows);
                    rows = new ArrayList<>();
                    append(out, chunk);
                }
            }
            if (!found) {
                break;
            }
            String kind = token.group();
            if (kind.equals(RtfTableMarks.CELL)) {
                row.add(cell.toString());
                cell.setLength(0);
                inTable = true;
            } else if (kind.equals(RtfTableMarks.ROW)) {
                if (!cell.isEmpty()) {
                    row.add(cell.toString());
                    cell.setLength(0);
                }
                if (!row.isEmpty()) {
                    rows.add(row);
                    row = new ArrayList<>();
                }
                inTable = false;
            } else if (kind.equals(RtfTableMarks.IN_TABLE)) {
                inTable = true;
            }
            from = token.end();
        }
        if (!row.isEmpty()) {
            rows.add(row);
        }
        writeTable(out, rows);
        append(out, cell.toString());
        return out.toString().strip();
    }

    private static void writeTable(StringBuilder out, List<List<String>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        MarkdownTable table = new MarkdownTable();
        for (List<String> cells : rows) {
            table.startRow();
            for (String text : cells) {
                table.startCell();
                table.append(text);
                table.endCell();
            }
            table.endRow();
        }
        append(out, table.toMarkdown().strip());
    }

    private static void append(StringBuilder out, String paragraph) {
        if (!paragraph.isBlank()) {
            out.append(paragraph.strip()).append("\n\n");
        }
    }
}
