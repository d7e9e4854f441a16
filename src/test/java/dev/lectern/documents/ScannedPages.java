package dev.lectern.documents;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;

/**
 * Test files as a scanner makes them: text drawn into a picture with Java2D (no text layer anywhere),
 * as a PNG or as the whole of a PDF page, at 200 dpi like an office scanner's default.
 */
final class ScannedPages {

    private static final int DPI = 200;

    private ScannedPages() {
    }

    /** A letter-size page at 200 dpi with the lines in 12 pt serif type. */
    static BufferedImage page(List<String> lines) {
        int width = (int) (8.5 * DPI);
        int height = 11 * DPI;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SERIF, Font.PLAIN, 12 * DPI / 72));
        int y = DPI;
        for (String line : lines) {
            g.drawString(line, DPI, y);
            y += 20 * DPI / 72;
        }
        g.dispose();
        return image;
    }

    /** A multi-page TIFF, as a document scanner writes one: a page per entry, deflate-compressed. */
    static byte[] tiff(List<List<String>> pages) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("tiff").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionType("Deflate");
            writer.prepareWriteSequence(null);
            for (List<String> lines : pages) {
                writer.writeToSequence(new IIOImage(page(lines), null, null), param);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    static byte[] png(List<String> lines) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(page(lines), "png", out);
        return out.toByteArray();
    }

    /**
     * A PDF with one page per entry: a {@code null} entry is a page with a real text layer (its text is
     * {@code textLayer}), any other is a scanned page holding only the picture of those lines.
     */
    static byte[] pdf(List<List<String>> pages, String textLayer) throws IOException {
        try (PDDocument document = new PDDocument()) {
            for (List<String> lines : pages) {
                PDPage page = new PDPage(PDRectangle.LETTER);
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    if (lines == null) {
                        content.beginText();
                        content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                        content.newLineAtOffset(72, 700);
                        content.showText(textLayer);
                        content.endText();
                    } else {
                        PDImageXObject picture = LosslessFactory.createFromImage(document, page(lines));
                        content.drawImage(picture, 0, 0, PDRectangle.LETTER.getWidth(), PDRectangle.LETTER.getHeight());
                    }
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.save(out);
            return out.toByteArray();
        }
    }
}
