package dev.lectern.documents;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.rendering.ImageType;
import org.apache.pdfbox.rendering.PDFRenderer;

/**
 * Reads scanned pages with {@link TesseractOcr}, one page at a time, telling the listener before each
 * ({@code ocr} stage, page n of N) so that the server can show progress and give each page its own time
 * limit. PDF pages are rendered by PDFBox (the version Tika parses with) in grey at 300 dpi, the
 * resolution Tesseract is trained for; a page gets fewer dots where its picture would take more than a
 * sixteenth of the heap (PDFBox draws through an RGB image four times the size of the grey one), so that
 * a poster-sized page, or a small extraction heap, is read less sharply rather than killing the process. A TIFF's pages are read one by one; other pictures are one page,
 * handed to tesseract as they are.
 */
final class ScanReader {

    private static final float DPI = 300;
    /** At most 40 megapixels (an A4 page at 300 dpi is 8.7), and a sixteenth of the heap at a byte a pixel. */
    private static final double MOST_PIXELS = Math.min(40e6, Runtime.getRuntime().maxMemory() / 16.0);

    /**
     * What OCR made of the pages, by page number: their text, or for a page it could not read a line
     * saying so, so that the model (and a reader of the text) knows the page was not read.
     * {@code failures} holds why, for the pages it could not read.
     */
    record Pages(Map<Integer, String> texts, Map<Integer, String> failures) {

        /** Every page failed: there is nothing to show but the notes. */
        boolean noneRead() {
            return !texts.isEmpty() && failures.size() == texts.size();
        }

        /** The first failure, for a message about the whole document. */
        String firstFailure() {
            return failures.entrySet().iterator().next().getValue();
        }

        List<String> inOrder() {
            return List.copyOf(texts.values());
        }
    }

    private final TesseractOcr ocr;

    ScanReader(TesseractOcr ocr) {
        this.ocr = ocr;
    }

    /** The given pages of a PDF (numbers from 1). */
    Pages readPdfPages(Path pdf, List<Integer> pages, ExtractionListener listener)
            throws IOException, TesseractOcr.LanguageMissing, InterruptedException {
        Pages read = new Pages(new LinkedHashMap<>(), new LinkedHashMap<>());
        try (PDDocument document = Loader.loadPDF(pdf.toFile())) {
            PDFRenderer renderer = new PDFRenderer(document);
            int done = 0;
            for (int page : pages) {
                listener.ocrPage(++done, pages.size());
                checkInterrupted();
                PDRectangle box = document.getPage(page - 1).getCropBox();
                BufferedImage image = renderer.renderImageWithDPI(page - 1, dpiFor(box), ImageType.GRAY);
                readImage(image, page, read);
            }
        }
        return read;
    }

    /** The pages of a picture file: one for PNG or JPEG, each page of a TIFF. */
    Pages readPictures(Path file, String mediaType, ExtractionListener listener)
            throws IOException, TesseractOcr.LanguageMissing, InterruptedException {
        if (mediaType.equals("image/tiff")) {
            Pages tiffPages = readTiffPages(file, listener);
            if (tiffPages != null) {
                return tiffPages;
            }
        }
        listener.ocrPage(1, 1);
        Pages read = new Pages(new LinkedHashMap<>(), new LinkedHashMap<>());
        readFile(file, 1, read);
        return read;
    }

    /** Each page of a TIFF, or null when Java's TIFF reader cannot open it (then tesseract reads the file). */
    private Pages readTiffPages(Path file, ExtractionListener listener)
            throws IOException, TesseractOcr.LanguageMissing, InterruptedException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                int count = reader.getNumImages(true);
                Pages read = new Pages(new LinkedHashMap<>(), new LinkedHashMap<>());
                for (int index = 0; index < count; index++) {
                    listener.ocrPage(index + 1, count);
                    checkInterrupted();
                    readImage(reader.read(index), index + 1, read);
                }
                return read;
            } catch (IOException | RuntimeException unreadable) {
                return null;
            } finally {
                reader.dispose();
            }
        }
    }

    private void readImage(BufferedImage image, int page, Pages read) throws IOException, TesseractOcr.LanguageMissing {
        Path png = Files.createTempFile("lectern-ocr-", ".png");
        try {
            ImageIO.write(image, "png", png.toFile());
            readFile(png, page, read);
        } finally {
            Files.deleteIfExists(png);
        }
    }

    private void readFile(Path image, int page, Pages read) throws TesseractOcr.LanguageMissing {
        try {
            read.texts().put(page, tidy(ocr.read(image)));
        } catch (TesseractOcr.PageFailed failed) {
            read.failures().put(page, failed.getMessage());
            read.texts().put(page, "(Page " + page + " could not be read: " + failed.getMessage() + ".)");
        }
    }

    /**
     * Tesseract writes one line per printed line and a blank line between blocks, like a PDF's text
     * layer: the same joiner makes paragraphs of them (hyphenated line ends are settled with the rest
     * of the document's). The form feed ends its page.
     */
    static String tidy(String ocrText) {
        StringBuilder text = new StringBuilder();
        for (String paragraph : ocrText.replace('\f', '\n').strip().split("\n\\s*\n")) {
            String joined = PdfLineJoiner.join(paragraph.strip());
            if (!joined.isEmpty()) {
                text.append(joined).append("\n\n");
            }
        }
        return text.toString().strip();
    }

    private static float dpiFor(PDRectangle box) {
        double squareInches = (box.getWidth() / 72.0) * (box.getHeight() / 72.0);
        if (squareInches <= 0) {
            return DPI;
        }
        return (float) Math.min(DPI, Math.sqrt(MOST_PIXELS / squareInches));
    }

    /** The in-process watchdog interrupts the thread past the time limit; stop between pages. */
    private static void checkInterrupted() throws InterruptedException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("extraction stopped");
        }
    }
}
