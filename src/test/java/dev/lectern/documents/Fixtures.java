package dev.lectern.documents;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.util.List;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSInteger;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDStream;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.apache.poi.xslf.usermodel.XMLSlideShow;
import org.apache.poi.xslf.usermodel.XSLFTextBox;
import org.apache.poi.xssf.usermodel.XSSFRow;
import org.apache.poi.xssf.usermodel.XSSFSheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.apache.poi.xwpf.usermodel.BreakType;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFParagraph;
import org.apache.poi.xwpf.usermodel.XWPFRun;
import org.apache.poi.xwpf.usermodel.XWPFTable;

/** Test documents generated on the spot with PDFBox and POI (which Tika brings), so no test needs a file. */
final class Fixtures {

    static final List<List<String>> TABLE = List.of(
            List.of("Pollutant", "Air (kg/year)", "Water | land"),
            List.of("Methane", "100 000", "-"),
            List.of("Mercury", "10", "1"));

    private Fixtures() {
    }

    /** One line of text per page: "This is page N of the report." */
    static byte[] pdf(int pages) throws IOException {
        try (PDDocument document = new PDDocument()) {
            for (int page = 1; page <= pages; page++) {
                addTextPage(document, "This is page " + page + " of the report.");
            }
            return save(document);
        }
    }

    /**
     * A page set in two columns, each a block of lines at a fixed leading, written column by column as
     * typesetters do: the lines of each column are drawn one under the other, with nothing marking
     * where a paragraph's line ends but the position of the next line.
     */
    static byte[] twoColumnPdf(List<String> left, List<String> right) throws IOException {
        try (PDDocument document = new PDDocument()) {
            PDPage page = new PDPage();
            document.addPage(page);
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                drawColumn(content, left, 56);
                drawColumn(content, right, 316);
            }
            return save(document);
        }
    }

    private static void drawColumn(PDPageContentStream content, List<String> lines, float x) throws IOException {
        content.beginText();
        content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 10);
        content.setLeading(12);
        content.newLineAtOffset(x, 720);
        for (String line : lines) {
            content.showText(line);
            content.newLine();
        }
        content.endText();
    }

    /**
     * "This is page N of the report." on each page, and on page {@code attachedTo} two attached files, as
     * a PDF viewer's paper-clip annotations: a text file and a picture.
     */
    static byte[] pdfWithAttachments(int pages, int attachedTo, String textName, String text) throws IOException {
        try (PDDocument document = new PDDocument()) {
            for (int page = 1; page <= pages; page++) {
                addTextPage(document, "This is page " + page + " of the report.");
            }
            PDPage page = document.getPage(attachedTo - 1);
            page.getAnnotations().add(attachment(document, textName, text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "text/plain", 100));
            BufferedImage image = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            javax.imageio.ImageIO.write(image, "png", png);
            page.getAnnotations().add(attachment(document, "photo.png", png.toByteArray(), "image/png", 200));
            return save(document);
        }
    }

    private static org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationFileAttachment attachment(
            PDDocument document, String name, byte[] bytes, String type, float x) throws IOException {
        org.apache.pdfbox.pdmodel.common.filespecification.PDEmbeddedFile file =
                new org.apache.pdfbox.pdmodel.common.filespecification.PDEmbeddedFile(document,
                        new java.io.ByteArrayInputStream(bytes));
        file.setSubtype(type);
        file.setSize(bytes.length);
        org.apache.pdfbox.pdmodel.common.filespecification.PDComplexFileSpecification spec =
                new org.apache.pdfbox.pdmodel.common.filespecification.PDComplexFileSpecification();
        spec.setFile(name);
        spec.setFileUnicode(name);
        spec.setEmbeddedFile(file);
        spec.setEmbeddedFileUnicode(file);
        org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationFileAttachment annotation =
                new org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationFileAttachment();
        annotation.setFile(spec);
        annotation.setRectangle(new org.apache.pdfbox.pdmodel.common.PDRectangle(x, 100, 20, 20));
        return annotation;
    }

    static byte[] encryptedPdf(String userPassword) throws IOException {
        try (PDDocument document = new PDDocument()) {
            addTextPage(document, "Secret text.");
            StandardProtectionPolicy policy = new StandardProtectionPolicy("owner-" + userPassword, userPassword,
                    new AccessPermission());
            policy.setEncryptionKeyLength(256);
            document.protect(policy);
            return save(document);
        }
    }

    /** A page that holds only a picture of text, as a scanner makes it. */
    static byte[] imageOnlyPdf() throws IOException {
        try (PDDocument document = new PDDocument()) {
            PDPage page = new PDPage();
            document.addPage(page);
            BufferedImage image = new BufferedImage(200, 60, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, 200, 60);
            g.setColor(Color.BLACK);
            g.drawString("Happy New Year", 20, 30);
            g.dispose();
            PDImageXObject picture = LosslessFactory.createFromImage(document, image);
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                content.drawImage(picture, 100, 500);
            }
            return save(document);
        }
    }

    static byte[] docxWithTable() throws IOException {
        try (XWPFDocument document = new XWPFDocument()) {
            document.createParagraph().createRun().setText("Thresholds by medium.");
            XWPFTable table = document.createTable(TABLE.size(), TABLE.getFirst().size());
            for (int r = 0; r < TABLE.size(); r++) {
                for (int c = 0; c < TABLE.get(r).size(); c++) {
                    table.getRow(r).getCell(c).setText(TABLE.get(r).get(c));
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.write(out);
            return out.toByteArray();
        }
    }

    /**
     * A valid DOCX whose document part is replaced by {@code expandedBytes} of paragraph text: deflate
     * shrinks the repetition about a thousandfold, the shape of a zip bomb.
     */
    static byte[] zipBombDocx(long expandedBytes) throws IOException {
        byte[] original = docxWithTable();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(original));
             java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out)) {
            for (java.util.zip.ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                byte[] content = in.readAllBytes();
                zip.putNextEntry(new java.util.zip.ZipEntry(entry.getName()));
                if (entry.getName().equals("word/document.xml")) {
                    String xml = new String(content, java.nio.charset.StandardCharsets.UTF_8);
                    String head = xml.substring(0, xml.indexOf("<w:body>") + "<w:body>".length());
                    zip.write((head + "<w:p><w:r><w:t>").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    byte[] chunk = "lectern ".repeat(8192).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    for (long written = 0; written < expandedBytes; written += chunk.length) {
                        zip.write(chunk);
                    }
                    zip.write("</w:t></w:r></w:p></w:body></w:document>".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } else {
                    zip.write(content);
                }
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** One text box per slide: "This is slide N of the deck." */
    static byte[] pptx(int slides) throws IOException {
        try (XMLSlideShow show = new XMLSlideShow()) {
            for (int slide = 1; slide <= slides; slide++) {
                XSLFTextBox box = show.createSlide().createTextBox();
                box.setAnchor(new Rectangle(50, 50, 500, 100));
                box.setText("This is slide " + slide + " of the deck.");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            show.write(out);
            return out.toByteArray();
        }
    }

    /**
     * Four paragraphs separated by each way Word marks a page: a hard page break inside a run
     * ({@code <w:br w:type="page"/>}), the break Word records where it last laid out a new page
     * ({@code <w:lastRenderedPageBreak/>}) and "page break before" on a paragraph.
     */
    static byte[] docxWithPageBreaks() throws IOException {
        try (XWPFDocument document = new XWPFDocument()) {
            document.createParagraph().createRun().setText("Text on page one.");
            XWPFRun hardBreak = document.createParagraph().createRun();
            hardBreak.addBreak(BreakType.PAGE);
            hardBreak.setText("Page two, after a hard page break.");
            XWPFRun rendered = document.createParagraph().createRun();
            rendered.getCTR().addNewLastRenderedPageBreak();
            rendered.setText("Page three, after a rendered page break.");
            XWPFParagraph before = document.createParagraph();
            before.setPageBreak(true);
            before.createRun().setText("Page four, after page break before.");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.write(out);
            return out.toByteArray();
        }
    }

    static byte[] xlsxWithTable() throws IOException {
        try (XSSFWorkbook workbook = new XSSFWorkbook()) {
            XSSFSheet sheet = workbook.createSheet("Thresholds");
            for (int r = 0; r < TABLE.size(); r++) {
                XSSFRow row = sheet.createRow(r);
                for (int c = 0; c < TABLE.get(r).size(); c++) {
                    row.createCell(c).setCellValue(TABLE.get(r).get(c));
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            workbook.write(out);
            return out.toByteArray();
        }
    }

    static String htmlWithTable() {
        StringBuilder html = new StringBuilder("""
                <!DOCTYPE html><html><head><title>Thresholds</title><style>td { color: red }</style></head>
                <body><h1>E-PRTR thresholds</h1><p>Reported per
                medium.</p><ul><li>first point</li><li>second point</li></ul><table>""");
        for (int r = 0; r < TABLE.size(); r++) {
            html.append("<tr>");
            for (String cell : TABLE.get(r)) {
                String tag = r == 0 ? "th" : "td";
                html.append('<').append(tag).append('>').append(cell.replace("&", "&amp;")).append("</").append(tag).append('>');
            }
            html.append("</tr>");
        }
        return html.append("</table><script>var hidden = 1;</script></body></html>").toString();
    }

    /**
     * Pages of Chinese set the way XiaoBiaoSong.pdf (pdf.js's test corpus) sets them: a TrueType font that
     * is not embedded, declared as WinAnsiEncoding with no ToUnicode map, and the text written as GBK
     * bytes. A viewer with the font installed shows Chinese; a text extractor can only read each byte
     * through WinAnsi, so every character comes out as a pair of Latin-1 symbols ("Ä¿" for 目). Then
     * {@code englishPages} pages of readable text, "This is page N of the report.".
     */
    static byte[] pdfInGbkFontWithoutUnicodeMap(List<String> chinesePages, int englishPages) throws IOException {
        try (PDDocument document = new PDDocument()) {
            COSDictionary font = new COSDictionary();
            font.setItem(COSName.TYPE, COSName.FONT);
            font.setItem(COSName.SUBTYPE, COSName.TRUE_TYPE);
            font.setName(COSName.BASE_FONT, "SimSun");
            font.setItem(COSName.ENCODING, COSName.WIN_ANSI_ENCODING);
            font.setInt(COSName.FIRST_CHAR, 0);
            font.setInt(COSName.LAST_CHAR, 255);
            COSArray widths = new COSArray();
            for (int code = 0; code <= 255; code++) {
                widths.add(COSInteger.get(500));
            }
            font.setItem(COSName.WIDTHS, widths);
            for (String text : chinesePages) {
                PDPage page = new PDPage();
                document.addPage(page);
                COSDictionary fonts = new COSDictionary();
                fonts.setItem(COSName.getPDFName("TT0"), font);
                page.getCOSObject().setItem(COSName.RESOURCES, new COSDictionary());
                page.getResources().getCOSObject().setItem(COSName.FONT, fonts);
                StringBuilder content = new StringBuilder("BT\n/TT0 12 Tf\n72 720 Td\n14 TL\n");
                for (int start = 0; start < text.length(); start += 30) {
                    String line = text.substring(start, Math.min(text.length(), start + 30));
                    content.append('<').append(java.util.HexFormat.of().formatHex(line.getBytes(Charset.forName("GBK"))))
                            .append("> Tj\nT*\n");
                }
                content.append("ET\n");
                PDStream stream = new PDStream(document,
                        new java.io.ByteArrayInputStream(content.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
                page.setContents(stream);
            }
            for (int page = 1; page <= englishPages; page++) {
                addTextPage(document, "This is page " + (chinesePages.size() + page) + " of the report.");
            }
            return save(document);
        }
    }

    static byte[] encode(String text, String charset) {
        return text.getBytes(Charset.forName(charset));
    }

    private static void addTextPage(PDDocument document, String text) throws IOException {
        PDPage page = new PDPage();
        document.addPage(page);
        try (PDPageContentStream content = new PDPageContentStream(document, page)) {
            content.beginText();
            content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
            content.newLineAtOffset(72, 700);
            content.showText(text);
            content.endText();
        }
    }

    private static byte[] save(PDDocument document) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        document.save(out);
        return out.toByteArray();
    }
}
