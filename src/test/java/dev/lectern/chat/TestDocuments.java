package dev.lectern.chat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/** Documents for the chat's tests, made on the spot with PDFBox (which Tika brings). */
public final class TestDocuments {

    private TestDocuments() {
    }

    /** A PDF with one line per page: {@code lines[i]} on page i + 1. */
    public static byte[] pdf(String... lines) throws IOException {
        try (PDDocument document = new PDDocument()) {
            for (String line : lines) {
                PDPage page = new PDPage();
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    content.beginText();
                    content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 14);
                    content.newLineAtOffset(72, 700);
                    content.showText(line);
                    content.endText();
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.save(out);
            return out.toByteArray();
        }
    }

    /** A three-page manual whose pages say different things, so a citation can point at one. */
    public static byte[] manual(String name) throws IOException {
        return pdf("Torque for the M8 bolts of the " + name + " is 25 Nm.", "The " + name + " pump runs at 1450 rpm.",
                "Service the " + name + " every 500 hours.");
    }
}
