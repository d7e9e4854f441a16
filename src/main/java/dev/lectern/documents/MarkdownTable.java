package dev.lectern.documents;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the cells of one table from Tika's {@code <tr>}/{@code <td>} events and writes it as a
 * Markdown table, the layout models read best: the first row is the header, every row has as many cells
 * as the widest one, a cell's line breaks become spaces and its {@code |} is escaped, so one row stays
 * one line.
 */
final class MarkdownTable {

    private final List<List<String>> rows = new ArrayList<>();
    private List<String> row;
    private StringBuilder cell;
    private int characters;

    void startRow() {
        endRow();
        row = new ArrayList<>();
    }

    void endRow() {
        endCell();
        if (row != null) {
            rows.add(row);
            row = null;
        }
    }

    void startCell() {
        endCell();
        if (row == null) {
            row = new ArrayList<>();
        }
        cell = new StringBuilder();
    }

    void endCell() {
        if (cell != null) {
            row.add(cellText(cell));
            cell = null;
        }
    }

    boolean isInCell() {
        return cell != null;
    }

    void append(CharSequence text) {
        cell.append(text);
        characters += text.length();
    }

    void append(char[] text, int start, int length) {
        cell.append(text, start, length);
        characters += length;
    }

    /** Characters gathered in this table so far, to keep the whole document within its limit. */
    int pendingCharacters() {
        return characters;
    }

    /** The table as Markdown, ending in a newline; empty when it had no text at all. */
    String toMarkdown() {
        endRow();
        int columns = rows.stream().mapToInt(List::size).max().orElse(0);
        boolean anyText = rows.stream().flatMap(List::stream).anyMatch(c -> !c.isEmpty());
        if (columns == 0 || !anyText) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        writeRow(out, rows.getFirst(), columns);
        out.append('|');
        out.append(" --- |".repeat(columns));
        out.append('\n');
        for (List<String> r : rows.subList(1, rows.size())) {
            writeRow(out, r, columns);
        }
        return out.toString();
    }

    /** A table inside a table cell cannot be a Markdown table: its cells become text of the outer cell. */
    String toInlineText() {
        endRow();
        List<String> parts = new ArrayList<>();
        for (List<String> r : rows) {
            String line = String.join(" ; ", r.stream().filter(c -> !c.isEmpty()).toList());
            if (!line.isEmpty()) {
                parts.add(line);
            }
        }
        return String.join(" / ", parts);
    }

    private static void writeRow(StringBuilder out, List<String> cells, int columns) {
        out.append('|');
        for (int c = 0; c < columns; c++) {
            String text = c < cells.size() ? cells.get(c) : "";
            out.append(' ').append(text).append(text.isEmpty() ? "|" : " |");
        }
        out.append('\n');
    }

    static String cellText(CharSequence raw) {
        String flat = raw.toString().replaceAll("\\s+", " ").strip();
        return flat.replace("|", "\\|");
    }
}
