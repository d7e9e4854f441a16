package dev.lectern.documents;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;

import javax.xml.namespace.QName;
import javax.xml.stream.XMLEventFactory;
import javax.xml.stream.XMLEventReader;
import javax.xml.stream.XMLEventWriter;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.events.Attribute;
import javax.xml.stream.events.StartElement;
import javax.xml.stream.events.XMLEvent;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.io.input.BoundedInputStream;

/**
 * Makes a copy of a DOCX in which every place Word recorded a page start carries a sentinel text,
 * so that it rides through Tika's Word parser (which reports no page breaks at all) to its exact place in
 * the text, where {@link DocxPageMarkers} turns it into {@code [Page N]}. Two kinds are marked:
 * {@code w:lastRenderedPageBreak}, where a page began when Word last laid the document out, and the
 * explicit breaks (a {@code w:br w:type="page"}, a paragraph with {@code w:pageBreakBefore}).
 *
 * <p>Only {@code word/document.xml} is rewritten (streamed through StAX); every other part is copied
 * still compressed. A document part that expands far beyond its compressed size is not rewritten:
 * Tika's own zip-bomb check then refuses the original as before.
 */
final class DocxPageBreaks {

    /** Private-use characters: XML carries them, Tika passes them through, no font draws them in text. */
    static final String RENDERED = "\uE000\uE001\uE000";
    static final String EXPLICIT = "\uE000\uE002\uE000";

    private static final String W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    private static final String DOCUMENT_PART = "word/document.xml";
    private static final long MOST_EXPANSION = 100;
    private static final long ALWAYS_ALLOWED = 64L << 20;

    private DocxPageBreaks() {
    }

    /**
     * The marked copy (a temporary file the caller deletes), or null when the file records no page start
     * or cannot be rewritten: a damaged file is then read, and judged, as it is.
     */
    static Path markedCopy(Path docx) {
        try {
            return copyWithSentinels(docx);
        } catch (IOException | RuntimeException notRewritable) {
            return null;
        }
    }

    private static Path copyWithSentinels(Path docx) throws IOException {
        Path copy = Files.createTempFile("lectern-docx-pages-", ".docx");
        boolean keep = false;
        try (ZipFile zip = ZipFile.builder().setPath(docx).get();
             ZipArchiveOutputStream out = new ZipArchiveOutputStream(copy)) {
            ZipArchiveEntry document = zip.getEntry(DOCUMENT_PART);
            if (document == null) {
                return null;
            }
            long allowed = Math.max(ALWAYS_ALLOWED, MOST_EXPANSION * Math.max(1, document.getCompressedSize()));
            for (Enumeration<ZipArchiveEntry> entries = zip.getEntriesInPhysicalOrder(); entries.hasMoreElements(); ) {
                ZipArchiveEntry entry = entries.nextElement();
                if (entry.getName().equals(DOCUMENT_PART)) {
                    out.putArchiveEntry(new ZipArchiveEntry(DOCUMENT_PART));
                    InputStream in = BoundedInputStream.builder().setInputStream(zip.getInputStream(entry))
                            .setMaxCount(allowed).setPropagateClose(true).get();
                    boolean marked = mark(in, out, allowed);
                    out.closeArchiveEntry();
                    if (!marked) {
                        return null;
                    }
                } else {
                    try (InputStream raw = zip.getRawInputStream(entry)) {
                        out.addRawArchiveEntry(entry, raw);
                    }
                }
            }
            out.finish();
            keep = true;
            return copy;
        } catch (XMLStreamException notRewritable) {
            // Damaged or unusual XML: Tika reads the original and says what is wrong with it, if anything.
            return null;
        } finally {
            if (!keep) {
                Files.deleteIfExists(copy);
            }
        }
    }

    /** Streams the document part with sentinels added; false when it records no page start or is too large. */
    private static boolean mark(InputStream in, OutputStream out, long allowed) throws XMLStreamException, IOException {
        XMLInputFactory inputs = XMLInputFactory.newFactory();
        inputs.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        inputs.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        XMLEventReader reader = inputs.createXMLEventReader(in);
        XMLEventWriter writer = XMLOutputFactory.newFactory().createXMLEventWriter(out, "UTF-8");
        XMLEventFactory events = XMLEventFactory.newFactory();
        boolean found = false;
        boolean breakBefore = false;
        try {
            while (reader.hasNext()) {
                XMLEvent event = reader.nextEvent();
                if (event.isStartElement() && isW(event.asStartElement().getName())) {
                    StartElement start = event.asStartElement();
                    String name = start.getName().getLocalPart();
                    String sentinel = name.equals("lastRenderedPageBreak") ? RENDERED
                            : name.equals("br") && "page".equals(attribute(start, "type")) ? EXPLICIT : null;
                    if (sentinel != null) {
                        // The break stays (Tika makes a line break of a w:br); the sentinel follows it.
                        found = true;
                        writer.add(event);
                        copyToEnd(reader, writer);
                        writeText(writer, events, sentinel);
                        continue;
                    }
                    if (name.equals("pageBreakBefore") && !"0".equals(attribute(start, "val"))
                            && !"false".equals(attribute(start, "val"))) {
                        breakBefore = true;
                    }
                }
                writer.add(event);
                if (event.isEndElement() && isW(event.asEndElement().getName())
                        && event.asEndElement().getName().getLocalPart().equals("pPr") && breakBefore) {
                    // The paragraph's first run, right after its properties.
                    breakBefore = false;
                    found = true;
                    writer.add(events.createStartElement("w", W, "r"));
                    writeText(writer, events, EXPLICIT);
                    writer.add(events.createEndElement("w", W, "r"));
                }
            }
            writer.flush();
        } catch (XMLStreamException tooLargeOrDamaged) {
            return false;
        }
        return found;
    }

    /** A {@code w:t} inside the current run: a run may hold several, a break element sat among them. */
    private static void writeText(XMLEventWriter writer, XMLEventFactory events, String text) throws XMLStreamException {
        writer.add(events.createStartElement("w", W, "t"));
        writer.add(events.createCharacters(text));
        writer.add(events.createEndElement("w", W, "t"));
    }

    private static void copyToEnd(XMLEventReader reader, XMLEventWriter writer) throws XMLStreamException {
        int depth = 1;
        while (depth > 0 && reader.hasNext()) {
            XMLEvent next = reader.nextEvent();
            writer.add(next);
            if (next.isStartElement()) {
                depth++;
            } else if (next.isEndElement()) {
                depth--;
            }
        }
    }

    private static String attribute(StartElement element, String localName) {
        Attribute value = element.getAttributeByName(new QName(W, localName));
        return value == null ? null : value.getValue();
    }

    private static boolean isW(QName name) {
        return W.equals(name.getNamespaceURI());
    }
}
