package dev.lectern.documents;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;

import org.apache.tika.mime.MediaType;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Turns the XHTML events every Tika parser emits into text written for a language model: a line
 * {@code [Page N]} where a page (PDF), slide (PPTX) or sheet (XLSX) begins, so answers can cite pages;
 * headings as {@code # Title} lines; list items as {@code - item}; paragraphs separated by a blank line;
 * tables as Markdown tables. Everything in {@code <head>}, scripts and styles is dropped.
 *
 * <p>It also enforces the parse's limits from inside the parse: past the deadline, or past the
 * character limit, the next SAX event throws, which stops any parser at its next piece of output.
 */
final class StructuredTextHandler extends DefaultHandler {

    /** The page marker lines this handler writes, for code that reads the text back. */
    static final Pattern PAGE_MARKER = Pattern.compile("(?m)^\\[Page \\d+]$");

    /** Thrown from inside the parse when the text passes the character limit. */
    static final class TextLimitReached extends SAXException {
        TextLimitReached(int limit) {
            super("text limit of " + limit + " characters reached");
        }
    }

    /** Thrown from inside the parse when the deadline has passed (or the thread was interrupted). */
    static final class DeadlinePassed extends SAXException {
        DeadlinePassed() {
            super("extraction deadline passed");
        }
    }

    private static final Set<String> SKIPPED = Set.of("head", "script", "style", "noscript", "template");
    private static final Set<String> BLOCKS = Set.of("p", "div", "pre", "blockquote", "section", "article",
            "header", "footer", "main", "aside", "nav", "dd", "dt", "dl", "figure", "figcaption", "caption",
            "address", "center", "form", "fieldset", "hr");
    /** Tika's per-page containers: PDF and Word pages and Excel sheets ("page"), PowerPoint slides. */
    private static final Set<String> PAGE_CLASSES = Set.of("page", "slide-content");

    /** What a line break in the parser's text means. */
    enum Layout {
        /** Markup (HTML, XML, Office): a line break in the source is just a space. */
        MARKUP,
        /** Plain text and source code: every line break and indentation is kept. */
        LINES,
        /**
         * PDF: Tika reports a line end inside a paragraph as ignorable whitespace; {@link PdfLineJoiner}
         * and {@link Dehyphenator} make running text of the paragraph's lines.
         */
        PDF_LINES;

        /** Plain text and source code keep their line breaks, PDF lines are joined into paragraphs, markup's are spaces. */
        static Layout of(MediaType type) {
            String base = type.getBaseType().toString();
            if (base.equals("application/pdf")) {
                return PDF_LINES;
            }
            boolean lines = (type.getType().equals("text") && !base.equals("text/html") && !base.equals("text/xml"))
                    || base.startsWith("application/x-sh");
            return lines ? LINES : MARKUP;
        }
    }

    private final Layout layout;
    private final boolean keepLineBreaks;
    private final int maxCharacters;
    private final long deadlineNanos;
    private final IntConsumer pageStarted;
    /** False for an embedded document: its pages are not the host's and get no markers. */
    private final boolean markPages;
    private final EmbeddedSections embedded = new EmbeddedSections();
    /** Where each page marker begins in {@link #out}. */
    private final List<Integer> pageStarts = new ArrayList<>();

    private final StringBuilder out = new StringBuilder();
    private final StringBuilder block = new StringBuilder();
    private String blockPrefix = "";
    private int skipDepth;
    private int pages;
    /** One entry per open list: -1 for a bulleted list, else the next number of a numbered one. */
    private final Deque<int[]> lists = new ArrayDeque<>();
    private final Deque<MarkdownTable> tables = new ArrayDeque<>();
    private int events;

    /**
     * @param layout      what a line break in the parser's text means
     * @param pageStarted told the number of each page as it begins, for progress reports
     */
    StructuredTextHandler(Layout layout, int maxCharacters, long deadlineNanos, IntConsumer pageStarted) {
        this(layout, maxCharacters, deadlineNanos, pageStarted, true);
    }

    /** For a file embedded in the document being read: no page markers, no progress. */
    static StructuredTextHandler forEmbedded(Layout layout, int maxCharacters, long deadlineNanos) {
        return new StructuredTextHandler(layout, maxCharacters, deadlineNanos, page -> { }, false);
    }

    private StructuredTextHandler(Layout layout, int maxCharacters, long deadlineNanos, IntConsumer pageStarted,
            boolean markPages) {
        this.markPages = markPages;
        this.layout = layout;
        this.keepLineBreaks = layout != Layout.MARKUP;
        this.maxCharacters = maxCharacters;
        this.deadlineNanos = deadlineNanos;
        this.pageStarted = pageStarted;
    }

    /** The text so far: complete once the parse has ended. */
    String text() {
        flushBlock("\n\n");
        String text = embedded.placeInto(out.toString(), pageStarts).replaceAll("\n{3,}", "\n\n").strip();
        return layout == Layout.PDF_LINES ? Dehyphenator.resolve(text) : text;
    }

    /**
     * Adds the text of a file embedded in this document, as a section after the page that holds it.
     *
     * @param relationshipId the id Tika gave the embedded part (it also marks where the part sits), or null
     */
    void addEmbedded(String relationshipId, String name, String text) throws SAXException {
        embedded.add(relationshipId, pages, name, text);
        checkLimits();
    }

    /** Pages, slides or sheets seen: 0 for formats without them. */
    int pages() {
        return pages;
    }

    @Override
    public void startElement(String uri, String localName, String qName, Attributes attributes) throws SAXException {
        checkLimits();
        String name = elementName(localName, qName);
        if (SKIPPED.contains(name)) {
            skipDepth++;
            return;
        }
        if (skipDepth > 0) {
            return;
        }
        switch (name) {
            case "table" -> {
                if (tables.isEmpty()) {
                    flushBlock("\n\n");
                }
                tables.push(new MarkdownTable());
            }
            case "tr" -> withTable(MarkdownTable::startRow);
            case "td", "th" -> withTable(MarkdownTable::startCell);
            default -> startTextElement(name, attributes);
        }
    }

    private void startTextElement(String name, Attributes attributes) {
        if (inTableCell()) {
            if (BLOCKS.contains(name) || name.equals("br") || name.equals("li") || isHeading(name)) {
                tables.peek().append(" ");
            }
            return;
        }
        if (!tables.isEmpty()) {
            return;
        }
        if (name.equals("div") && PAGE_CLASSES.contains(classOf(attributes))) {
            flushBlock("\n\n");
            if (markPages) {
                pages++;
                ensureBlankLine();
                pageStarts.add(out.length());
                out.append("[Page ").append(pages).append("]\n\n");
                pageStarted.accept(pages);
            }
        } else if (name.equals("div") && classOf(attributes).equals("embedded") && attributes.getValue("id") != null) {
            embedded.markerSeen(attributes.getValue("id"), pages);
        } else if (isHeading(name)) {
            flushBlock("\n\n");
            ensureBlankLine();
            blockPrefix = "#".repeat(name.charAt(1) - '0') + " ";
        } else if (name.equals("ul") || name.equals("ol")) {
            flushBlock(lists.isEmpty() ? "\n\n" : "\n");
            if (lists.isEmpty()) {
                ensureBlankLine();
            }
            lists.push(new int[] {name.equals("ol") ? 1 : -1});
        } else if (name.equals("li")) {
            flushBlock("\n");
            int[] list = lists.peek();
            String indent = "  ".repeat(Math.max(0, lists.size() - 1));
            if (list != null && list[0] > 0) {
                blockPrefix = indent + (list[0]++) + ". ";
            } else {
                blockPrefix = indent + "- ";
            }
        } else if (name.equals("br")) {
            block.append('\n');
        } else if (BLOCKS.contains(name)) {
            flushBlock(lists.isEmpty() ? "\n\n" : "\n");
        }
    }

    @Override
    public void endElement(String uri, String localName, String qName) throws SAXException {
        checkLimits();
        String name = elementName(localName, qName);
        if (SKIPPED.contains(name)) {
            skipDepth--;
            return;
        }
        if (skipDepth > 0) {
            return;
        }
        switch (name) {
            case "table" -> endTable();
            case "tr" -> withTable(MarkdownTable::endRow);
            case "td", "th" -> withTable(MarkdownTable::endCell);
            default -> {
                if (!tables.isEmpty()) {
                    return;
                }
                if (isHeading(name)) {
                    flushBlock("\n\n");
                    blockPrefix = "";
                } else if (name.equals("li")) {
                    flushBlock("\n");
                    blockPrefix = "";
                } else if (name.equals("ul") || name.equals("ol")) {
                    flushBlock("\n");
                    lists.pop();
                    if (lists.isEmpty()) {
                        out.append('\n');
                    }
                } else if (BLOCKS.contains(name)) {
                    flushBlock(lists.isEmpty() ? "\n\n" : "\n");
                }
            }
        }
    }

    @Override
    public void characters(char[] ch, int start, int length) throws SAXException {
        if (skipDepth > 0) {
            return;
        }
        checkLimits();
        if (!tables.isEmpty()) {
            if (tables.peek().isInCell()) {
                tables.peek().append(ch, start, length);
            }
            return;
        }
        block.append(ch, start, length);
    }

    @Override
    public void ignorableWhitespace(char[] ch, int start, int length) {
        // Tika emits a newline after each block as "ignorable", which the block's end already gives; but
        // its PDF parser reports every line end inside a paragraph this way too, and those must not vanish.
        if (layout == Layout.PDF_LINES && skipDepth == 0 && tables.isEmpty()) {
            block.append(ch, start, length);
        }
    }

    private void endTable() {
        MarkdownTable table = tables.pop();
        if (!tables.isEmpty()) {
            MarkdownTable outer = tables.peek();
            if (outer.isInCell()) {
                outer.append(" " + table.toInlineText() + " ");
            }
            return;
        }
        String markdown = table.toMarkdown();
        if (!markdown.isEmpty()) {
            ensureBlankLine();
            out.append(markdown).append('\n');
        }
    }

    private void flushBlock(String separator) {
        String text = keepLineBreaks ? keepLines(block) : block.toString().replaceAll("\\s+", " ").strip();
        if (layout == Layout.PDF_LINES) {
            text = joinPdfLines(text);
        }
        block.setLength(0);
        if (text.isEmpty()) {
            return;
        }
        if (!blockPrefix.isEmpty() && keepLineBreaks) {
            text = text.replace('\n', ' ');
        }
        out.append(blockPrefix).append(text).append(separator);
    }

    /** Plain text and PDF lines keep their line breaks and indentation; only trailing blanks go. */
    private static String keepLines(CharSequence raw) {
        String[] lines = raw.toString().replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        StringBuilder kept = new StringBuilder(raw.length());
        for (String line : lines) {
            kept.append(line.stripTrailing()).append('\n');
        }
        String text = kept.toString().replaceAll("\n{3,}", "\n\n");
        // Leading blank lines go, but not the first line's indentation (code keeps its shape).
        int firstContent = 0;
        while (firstContent < text.length() && text.charAt(firstContent) == '\n') {
            firstContent++;
        }
        return text.substring(firstContent).stripTrailing();
    }

    /** Each run of lines between blank lines is one paragraph for {@link PdfLineJoiner}. */
    private static String joinPdfLines(String text) {
        StringBuilder joined = new StringBuilder(text.length());
        for (String paragraph : text.split("\n{2,}")) {
            if (!joined.isEmpty()) {
                joined.append("\n\n");
            }
            joined.append(PdfLineJoiner.join(paragraph));
        }
        return joined.toString();
    }

    private void ensureBlankLine() {
        int length = out.length();
        if (length == 0) {
            return;
        }
        if (out.charAt(length - 1) != '\n') {
            out.append("\n\n");
        } else if (length < 2 || out.charAt(length - 2) != '\n') {
            out.append('\n');
        }
    }

    private void checkLimits() throws SAXException {
        // Cheap enough per event, but the clock is read only every 64 events.
        if ((++events & 63) == 0 && (System.nanoTime() - deadlineNanos > 0 || Thread.currentThread().isInterrupted())) {
            throw new DeadlinePassed();
        }
        int pending = out.length() + block.length() + embedded.characters();
        for (MarkdownTable table : tables) {
            pending += table.pendingCharacters();
        }
        if (pending > maxCharacters) {
            throw new TextLimitReached(maxCharacters);
        }
    }

    private boolean inTableCell() {
        return !tables.isEmpty() && tables.peek().isInCell();
    }

    private void withTable(java.util.function.Consumer<MarkdownTable> action) {
        if (!tables.isEmpty()) {
            action.accept(tables.peek());
        }
    }

    private static boolean isHeading(String name) {
        return name.length() == 2 && name.charAt(0) == 'h' && name.charAt(1) >= '1' && name.charAt(1) <= '6';
    }

    private static String classOf(Attributes attributes) {
        String value = attributes.getValue("class");
        return value == null ? "" : value.strip();
    }

    private static String elementName(String localName, String qName) {
        String name = localName == null || localName.isEmpty() ? qName : localName;
        return name.toLowerCase(Locale.ROOT);
    }
}
