package dev.lectern.documents;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.NumberFormat;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.tika.detect.EncodingDetector;
import org.apache.tika.exception.EncryptedDocumentException;
import org.apache.tika.exception.UnsupportedFormatException;
import org.apache.tika.exception.ZeroByteFileException;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.Office;
import org.apache.tika.metadata.PagedText;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.parser.AutoDetectParser;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.parser.ocr.TesseractOCRConfig;
import org.apache.tika.parser.pdf.PDFParserConfig;

/**
 * Reads a stored file with Tika's AutoDetectParser (the type comes from the bytes; the filename only
 * refines it, e.g. CSV versus plain text) and returns the text the model will read. Embedded files
 * (a workbook in a slide, a PDF's attachments) are read by {@link EmbeddedDocumentReader} into marked
 * sections after their page; pictures are skipped. AutoDetectParser wraps the handler in Tika's SecureContentHandler, which stops archives that
 * expand far beyond their size (zip bombs); {@link StructuredTextHandler} adds the deadline and the
 * character limit. Pages without a text layer, and pictures, are read afterwards by {@link ScanReader}
 * (Tesseract, when lectern.documents.ocr allows and it is installed); OCR is kept out of the parse
 * itself so that each page reports progress and has its own time limit.
 * Thread-safe: one instance serves every extraction thread.
 */
final class TikaTextExtractor implements TextExtractor {

    private static final String OCTET_STREAM = "application/octet-stream";
    /** Text and HTML parsers take their encoding detector from the ParseContext; stateless, so shared. */
    private static final EncodingDetector ENCODINGS = new Utf8PreferringEncodingDetector();

    /** Pictures read by OCR as a whole; Tesseract (leptonica) opens each of them. */
    private static final Set<String> PICTURES = Set.of("image/png", "image/jpeg", "image/tiff", "image/bmp",
            "image/gif", "image/webp");

    /** Word files whose page starts {@link DocxPageBreaks} can mark. */
    private static final Set<String> WORD = Set.of("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-word.document.macroenabled.12");

    private static final String RTF = "application/rtf";
    /** The marks {@link DocxPageBreaks} and {@link RtfTableMarks} put into copies: U+E000, one of U+E001–U+E005, U+E000. */
    private static final Pattern SENTINEL = Pattern.compile("\uE000[\uE001-\uE005]\uE000");

    private final AutoDetectParser parser = new AutoDetectParser();
    private final int maxCharacters;
    private final TesseractOcr ocr;
    private final ScanReader scans;

    /** Without OCR: a scan fails as having no text. */
    TikaTextExtractor(int maxCharacters) {
        this(maxCharacters, OcrSettings.off());
    }

    TikaTextExtractor(int maxCharacters, OcrSettings ocrSettings) {
        this.maxCharacters = maxCharacters;
        this.ocr = new TesseractOcr(ocrSettings);
        this.scans = new ScanReader(ocr);
    }

    /** The timeout is checked at every piece of parser output; a parser that goes silent is not stopped here. */
    @Override
    public ExtractedDocument extract(Path file, String filename, Duration timeout, ExtractionListener listener)
            throws ExtractionFailedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Metadata metadata = new Metadata();
        metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, filename);
        String mediaType = null;
        try (TikaInputStream in = TikaInputStream.get(file)) {
            if (Files.size(file) == 0) {
                throw new ExtractionFailedException("The file is empty (0 bytes): there is nothing to read.", null, null);
            }
            MediaType detected = parser.getDetector().detect(in, metadata);
            mediaType = detected.getBaseType().toString();
            listener.mediaTypeDetected(mediaType);
            if (mediaType.equals(OCTET_STREAM)) {
                throw unsupported(describe(mediaType), null);
            }
            if (PICTURES.contains(mediaType)) {
                return readPicture(file, mediaType, listener);
            }
            StructuredTextHandler handler = new StructuredTextHandler(StructuredTextHandler.Layout.of(detected), maxCharacters,
                    deadline, listener::pageStarted);
            ParseContext context = new EmbeddedDocumentReader(parser, handler, maxCharacters, deadline).install(parseContext());
            // Word's page starts and RTF's table cells and rows, marked in a copy of the file: Tika reports neither.
            boolean word = WORD.contains(mediaType);
            boolean rtf = mediaType.equals(RTF);
            Path withMarks = word ? DocxPageBreaks.markedCopy(file) : rtf ? RtfTableMarks.markedCopy(file) : null;
            try (TikaInputStream marked = withMarks == null ? null : TikaInputStream.get(withMarks)) {
                parser.parse(marked != null ? marked : in, handler, metadata, context);
            } finally {
                if (withMarks != null) {
                    Files.deleteIfExists(withMarks);
                }
            }
            String reported = metadata.get(Metadata.CONTENT_TYPE);
            if (reported != null) {
                mediaType = reported;
            }
            if (parsedOnlyByEmptyParser(metadata)) {
                throw unsupported(describe(mediaType), null);
            }
            String text = handler.text();
            Integer pages = pageCount(metadata, handler.pages());
            boolean pagesKnown = StructuredTextHandler.PAGE_MARKER.matcher(text).find();
            if (rtf) {
                text = RtfTables.apply(text);
            }
            if (word) {
                DocxPageMarkers.Result marked = DocxPageMarkers.apply(text, pages);
                text = marked.text();
                pages = marked.pageCount();
                pagesKnown = marked.pagesKnown();
            }
            // Whatever a marked copy left unplaced (an embedded file's text, say) must not reach the model.
            text = SENTINEL.matcher(text).replaceAll("");
            if (mediaType.startsWith("application/pdf") && ocr.installed()) {
                text = withScannedPages(file, text, mediaType, listener);
            }
            if (StructuredTextHandler.PAGE_MARKER.matcher(text).replaceAll("").isBlank()) {
                throw noText(mediaType, pages);
            }
            TextQualityCheck.Verdict quality = TextQualityCheck.of(text);
            if (!quality.readable()) {
                throw undecodable(mediaType, quality);
            }
            return new ExtractedDocument(mediaType, text, clean(metadata.get(TikaCoreProperties.TITLE)),
                    joined(metadata.getValues(TikaCoreProperties.CREATOR)),
                    clean(metadata.get(TikaCoreProperties.LANGUAGE)), pages, pagesKnown);
        } catch (ExtractionFailedException failure) {
            throw failure;
        } catch (TesseractOcr.LanguageMissing missing) {
            throw new ExtractionFailedException(missing.getMessage(), mediaType, missing);
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt();
            throw ExtractionFailedException.timedOut(describe(mediaType), timeout, mediaType, stopped);
        } catch (Exception | StackOverflowError | OutOfMemoryError problem) {
            throw explain(problem, mediaType, timeout);
        }
    }

    /** Pages with (almost) no text get the text OCR reads in their picture; a failure of one page is noted on it. */
    private String withScannedPages(Path file, String text, String mediaType, ExtractionListener listener)
            throws IOException, TesseractOcr.LanguageMissing, InterruptedException, ExtractionFailedException {
        TextPages paged = TextPages.of(text);
        List<Integer> scanned = paged.pagesWithoutText();
        if (scanned.isEmpty()) {
            return text;
        }
        ScanReader.Pages read = scans.readPdfPages(file, scanned, listener);
        if (read.noneRead() && scanned.size() == paged.pages()) {
            throw unreadScan(mediaType, read);
        }
        return Dehyphenator.resolve(paged.withPages(read.texts()));
    }

    /** Nothing but notes of pages OCR could not read is no document: say why instead. */
    private static ExtractionFailedException unreadScan(String mediaType, ScanReader.Pages read) {
        return new ExtractionFailedException("This " + describe(mediaType) + " is a scan, and OCR could not read "
                + (read.failures().size() == 1 ? "its page" : "any of its " + read.failures().size() + " pages")
                + ": " + read.firstFailure() + ".", mediaType, null);
    }

    /** A PNG, JPEG or TIFF upload: its text is whatever OCR reads in it, a TIFF's pages marked like a PDF's. */
    private ExtractedDocument readPicture(Path file, String mediaType, ExtractionListener listener)
            throws ExtractionFailedException, IOException, TesseractOcr.LanguageMissing, InterruptedException {
        String kind = "picture (" + mediaType + ")";
        if (!ocr.enabled()) {
            throw new ExtractionFailedException("This is a " + kind + ": Lectern reads the text in pictures only with "
                    + "OCR, which is turned off on this server (lectern.documents.ocr=off).", mediaType, null);
        }
        if (!ocr.installed()) {
            throw new ExtractionFailedException("No text found in this " + kind + ": this document is a scan and OCR "
                    + "is not installed: install tesseract-ocr on the server, then upload it again.", mediaType, null);
        }
        ScanReader.Pages read = scans.readPictures(file, mediaType, listener);
        if (read.noneRead()) {
            throw unreadScan(mediaType, read);
        }
        List<String> pages = read.inOrder();
        StringBuilder text = new StringBuilder();
        for (int page = 1; page <= pages.size(); page++) {
            if (pages.size() > 1) {
                text.append("[Page ").append(page).append("]\n\n");
            }
            text.append(pages.get(page - 1)).append("\n\n");
        }
        String resolved = Dehyphenator.resolve(text.toString().strip());
        if (StructuredTextHandler.PAGE_MARKER.matcher(resolved).replaceAll("").isBlank()) {
            throw new ExtractionFailedException("No text found: OCR read no text in this " + kind + ".", mediaType, null);
        }
        return new ExtractedDocument(mediaType, resolved, null, null, null, pages.size() > 1 ? pages.size() : null);
    }

    private static ParseContext parseContext() {
        ParseContext context = new ParseContext();
        PDFParserConfig pdf = new PDFParserConfig();
        // OCR runs after the parse (ScanReader), page by page; inside the parse it would have neither.
        pdf.setOcrStrategy(PDFParserConfig.OCR_STRATEGY.NO_OCR);
        pdf.setExtractInlineImages(false);
        context.set(PDFParserConfig.class, pdf);
        TesseractOCRConfig noOcrInsideTheParse = new TesseractOCRConfig();
        noOcrInsideTheParse.setSkipOcr(true);
        context.set(TesseractOCRConfig.class, noOcrInsideTheParse);
        context.set(EncodingDetector.class, ENCODINGS);
        return context;
    }

    private boolean parsedOnlyByEmptyParser(Metadata metadata) {
        String[] parsers = metadata.getValues(TikaCoreProperties.TIKA_PARSED_BY);
        return parsers.length > 0 && Arrays.stream(parsers)
                .allMatch(p -> p.endsWith(".DefaultParser") || p.endsWith(".EmptyParser") || p.endsWith(".AutoDetectParser"));
    }

    private static Integer pageCount(Metadata metadata, int pagesSeen) {
        Integer pages = metadata.getInt(PagedText.N_PAGES);
        if (pages == null) {
            pages = metadata.getInt(Office.PAGE_COUNT);
        }
        if (pages == null && pagesSeen > 0) {
            pages = pagesSeen;
        }
        return pages;
    }

    private ExtractionFailedException explain(Throwable problem, String mediaType, Duration timeout) {
        String type = describe(mediaType);
        for (Throwable cause = problem; cause != null; cause = cause.getCause()) {
            if (cause instanceof StructuredTextHandler.DeadlinePassed) {
                return ExtractionFailedException.timedOut(type, timeout, mediaType, problem);
            }
            if (cause instanceof StructuredTextHandler.TextLimitReached) {
                return new ExtractionFailedException("This file yields more than "
                        + NumberFormat.getIntegerInstance(Locale.ROOT).format(maxCharacters)
                        + " characters of text (lectern.documents.max-characters), far more than any model's "
                        + "context could hold. Split it into smaller documents.", mediaType, problem);
            }
            if (cause instanceof EncryptedDocumentException) {
                return new ExtractionFailedException("This " + type + " is password-protected (encrypted), so "
                        + "Lectern cannot read it. Save or export a copy without a password and upload that.",
                        mediaType, problem);
            }
            if (cause instanceof ZeroByteFileException) {
                return new ExtractionFailedException("The file is empty: it has no content to read.", mediaType, problem);
            }
            if (cause instanceof UnsupportedFormatException) {
                return unsupported(type, problem);
            }
            String message = cause.getMessage();
            if (message != null && message.toLowerCase(Locale.ROOT).contains("zip bomb")) {
                return new ExtractionFailedException("This " + type + " expands to far more data than its size "
                        + "(it looks like a \"zip bomb\"), so Lectern refused to unpack it.", mediaType, problem);
            }
        }
        if (problem instanceof OutOfMemoryError || problem instanceof StackOverflowError) {
            return new ExtractionFailedException("Reading this " + type + " needed more memory than Lectern can "
                    + "give one document; it may be damaged or unusually complex.", mediaType, problem);
        }
        return new ExtractionFailedException("This " + type + " could not be read: it looks damaged or incomplete"
                + " (" + rootMessage(problem) + "). Open it in its own application to check it, re-save it, "
                + "and upload it again.", mediaType, problem);
    }

    /** "PDF", "Word document": what a person calls the file, for messages; the media type otherwise. */
    static String describe(String mediaType) {
        if (mediaType == null) {
            return "file";
        }
        String base = mediaType.split(";")[0].strip();
        return switch (base) {
            case "application/pdf" -> "PDF";
            case "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/msword",
                 "application/x-tika-ooxml-protected", "application/x-tika-msoffice" -> "Office document";
            case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.ms-excel" ->
                    "spreadsheet";
            case "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 "application/vnd.ms-powerpoint" -> "presentation";
            case "application/zip" -> "ZIP archive";
            default -> "file (" + base + ")";
        };
    }

    private static ExtractionFailedException unsupported(String kind, Throwable cause) {
        return new ExtractionFailedException("Lectern cannot read this " + kind + ". Supported are "
                + "PDF, Word, PowerPoint, Excel, OpenDocument, RTF, HTML, EPUB, Markdown, CSV and plain text.",
                null, cause);
    }

    private ExtractionFailedException noText(String mediaType, Integer pages) {
        if (mediaType.startsWith("application/pdf")) {
            String pageWord = pages == null ? "its pages" : pages == 1 ? "its page" : "its " + pages + " pages";
            String noLayer = "No text found: this PDF has no text layer on " + pageWord;
            if (ocr.installed()) {
                return new ExtractionFailedException(noLayer + ", and OCR read no text in its pictures either.",
                        mediaType, null);
            }
            if (ocr.enabled()) {
                return new ExtractionFailedException(noLayer + ": this document is a scan and OCR is not installed: "
                        + "install tesseract-ocr on the server, then upload it again.", mediaType, null);
            }
            return new ExtractionFailedException(noLayer + ", so it is probably scanned images. OCR is turned off on "
                    + "this server (lectern.documents.ocr=off), so the model could not read it; run it through OCR "
                    + "elsewhere and upload the result.", mediaType, null);
        }
        return new ExtractionFailedException("No text found in this " + describe(mediaType) + ": there is nothing for the "
                + "model to read (images are not read: Lectern has no OCR).", mediaType, null);
    }

    /**
     * Text that came out as garbage. For a PDF the usual cause is fonts without a Unicode mapping, which
     * no re-encoding fixes; for other files it is a character encoding that detection got wrong.
     */
    private static ExtractionFailedException undecodable(String mediaType, TextQualityCheck.Verdict quality) {
        String seen = quality.sample().isEmpty() ? "" : " (it reads like \"" + quality.sample() + "\")";
        if (mediaType.startsWith("application/pdf")) {
            return new ExtractionFailedException("The text in this PDF could not be decoded: " + quality.percent()
                    + " of its characters come out as garbage" + seen + ", because its fonts carry no Unicode "
                    + "mapping (common in older Chinese, Japanese and Korean PDFs made with fonts that are not "
                    + "embedded). The model could not read it. Lectern has no OCR; re-create the PDF with its fonts "
                    + "embedded (for example by printing it to PDF from a viewer that shows it correctly), or run it "
                    + "through OCR elsewhere, and upload the result.", mediaType, null);
        }
        return new ExtractionFailedException("The text in this " + describe(mediaType) + " could not be decoded: "
                + quality.percent() + " of its characters come out as garbage" + seen + ", so the model could not "
                + "read it. The file may use a character encoding Lectern did not recognise; save it as UTF-8 "
                + "and upload it again.", mediaType, null);
    }

    private static String rootMessage(Throwable problem) {
        Throwable root = problem;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        message = message.replaceAll("\\s+", " ").strip();
        return message.length() > 200 ? message.substring(0, 200) + "…" : message;
    }

    private static String clean(String value) {
        if (value == null) {
            return null;
        }
        String stripped = value.replaceAll("\\s+", " ").strip();
        return stripped.isEmpty() ? null : stripped;
    }

    private static String joined(String[] values) {
        List<String> kept = Arrays.stream(values).map(TikaTextExtractor::clean).filter(v -> v != null).distinct().toList();
        return kept.isEmpty() ? null : kept.stream().collect(Collectors.joining(", "));
    }

}
