package dev.lectern.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import dev.lectern.chat.ChatIntegrationTest;
import dev.lectern.chat.TestDocuments;

/**
 * The chat page in headless Chromium, as the lab team uses it: upload a PDF and see it become ready, ask
 * and read the streamed answer with its statistics, open a cited page, stop a long answer, reload and find
 * the history, and a file name that is HTML shown as text. Screenshots of each state (desktop, a 390 px
 * phone, light and dark) go to target/screenshots/.
 */
class ChatBrowserTest extends ChatIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private Browser browser;

    @BeforeEach
    void startBrowser() throws IOException {
        browser = Browser.start();
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /**
     * Keeps the page's WebSockets reachable from the test, and lets it play a lost network: while
     * {@code __offline} is set, new sockets go to a closed port and fail as they would with the server gone.
     */
    private static final String SOCKET_HOOK = """
            window.__sockets = [];
            window.__offline = false;
            const Native = window.WebSocket;
            window.WebSocket = class extends Native {
                constructor(url, protocols) {
                    super(window.__offline ? 'ws://127.0.0.1:9/' : url, protocols);
                    window.__sockets.push(this);
                }
            };
            """;

    @Test
    void uploadAskStreamCiteStopReloadAndAnHtmlFileName() throws Exception {
        var driver = browser.driver;
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", SOCKET_HOOK));
        browser.signIn(baseUrl(), ADMIN, ADMIN_PASSWORD);
        assertThat(driver.getTitle()).isEqualTo("Chat · Lectern");
        browser.screenshot("chat-01-empty.png");

        Path uploads = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "uploads-");
        Path pdf = Files.write(uploads.resolve("pump-manual.pdf"), TestDocuments.manual("pump"));
        Path report = Files.write(uploads.resolve("service-report.pdf"), longReport(60));
        // Two files at once, each with its own progress through the stages; a slow network shows them.
        browser.slowNetwork(true);
        driver.findElement(By.cssSelector("[data-testid=file-input]")).sendKeys(pdf + "\n" + report);
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=upload-stage]")).stream()
                .anyMatch(e -> e.getText().matches("uploading [1-9]\\d*%")));
        browser.screenshot("chat-01b-uploading.png");
        browser.slowNetwork(false);
        WebElement manual = browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=document]")).stream()
                .filter(e -> e.getText().contains("pump-manual.pdf")
                        && e.findElement(By.cssSelector("[data-testid=document-status]")).getText().equals("ready"))
                .findFirst().orElse(null));
        assertThat(manual.getText()).contains("3 pages", "tokens", "of context");
        assertThat(manual.findElement(By.cssSelector("input[type=checkbox]")).isSelected())
                .as("a new ready document is ticked").isTrue();
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=document]")).stream()
                .anyMatch(e -> e.getText().contains("service-report.pdf") && e.getText().contains("60 pages")
                        && e.findElement(By.cssSelector("input[type=checkbox]")).isSelected()));
        browser.screenshot("chat-02-document-ready.png");
        // Only the manual is asked about: untick the report, which its upload ticked too.
        driver.findElements(By.cssSelector("[data-testid=document]")).stream()
                .filter(e -> e.getText().contains("service-report.pdf")).findFirst().orElseThrow()
                .findElement(By.cssSelector("input[type=checkbox]")).click();

        WebElement box = driver.findElement(By.cssSelector("[data-testid=question]"));
        driver.executeScript("arguments[0].value = arguments[1]", box,
                beyondContext("Explain the torque table once more in great detail. "));
        box.sendKeys(Keys.ENTER);
        WebElement problem = browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[data-testid=ask-problem]")));
        assertThat(problem.getText()).contains("Too long for the model's context", "tokens over");
        assertThat(box.getAttribute("value")).as("the refused question is back in the box").startsWith("Explain the torque");
        assertThat(driver.findElements(By.cssSelector("[data-testid=user-message]"))).as("nothing was asked").isEmpty();
        browser.screenshot("chat-02b-error-context-full.png");
        driver.executeScript("arguments[0].value = ''", box);

        WebElement question = driver.findElement(By.cssSelector("[data-testid=question]"));
        question.sendKeys("How fast does the pump run?", Keys.ENTER);
        browser.waiting(WAIT).until(ExpectedConditions.invisibilityOfElementLocated(By.cssSelector("[data-testid=ask-problem]")));
        WebElement answer = browser.waiting(WAIT).until(d -> {
            List<WebElement> texts = d.findElements(By.cssSelector("[data-testid=answer-text]"));
            return !texts.isEmpty() && !texts.getFirst().getText().isBlank() ? texts.getFirst() : null;
        });
        browser.screenshot("chat-03-streaming.png");
        WebElement stats = browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[data-testid=stats]")));
        assertThat(stats.getText()).contains("tokens/s").containsPattern("\\d+ of [\\d,]+ prompt tokens from cache");
        assertThat(answer.getText()).isNotBlank();
        assertThat(driver.getCurrentUrl()).matches(".*/conversations/[0-9a-f-]{36}");
        UUID conversation = UUID.fromString(driver.getCurrentUrl().replaceAll(".*/conversations/", ""));
        browser.screenshot("chat-04-answered.png");

        // The tiny model's random weights cannot be made to cite; a stored answer that cites page 2, as a
        // real model is asked to, stands for one. It is read back through the same page code as any answer.
        long asked = jdbc.sql("INSERT INTO messages (conversation_id, role, content, token_ids, status) VALUES (?, 'user', ?,"
                        + " '{1,2,3}', 'complete') RETURNING id").params(conversation, "Where is the pump speed given?")
                .query(Long.class).single();
        assertThat(asked).isPositive();
        jdbc.sql("INSERT INTO messages (conversation_id, role, content, token_ids, status, finish_reason, prompt_tokens,"
                        + " cached_tokens, completion_tokens, time_to_first_token_ms, decode_tokens_per_second) VALUES (?,"
                        + " 'assistant', ?, '{4,5}', 'complete', 'stop', 120, 96, 12, 85, 31.5)")
                .params(conversation, "The pump runs at **1450 rpm** [p. 2].\n\n| part | value |\n|---|---|\n| pump | 1450 rpm |")
                .update();
        driver.navigate().refresh();
        WebElement cite = browser.waiting(WAIT).until(ExpectedConditions.elementToBeClickable(By.cssSelector("a.cite")));
        assertThat(cite.getText()).isEqualTo("2");
        assertThat(cite.getAttribute("href")).endsWith("/file/pump-manual.pdf#page=2");
        assertThat(driver.findElements(By.cssSelector(".markdown table"))).as("Markdown tables render").isNotEmpty();
        assertThat(driver.findElements(By.cssSelector("[data-testid=stats]")).getLast().getText())
                .contains("96 of 120 prompt tokens from cache");
        browser.screenshot("chat-05-citation.png");
        String chat = driver.getWindowHandle();
        cite.click();
        browser.waiting(WAIT).until(d -> d.getWindowHandles().size() == 2);
        for (String window : driver.getWindowHandles()) {
            if (!window.equals(chat)) {
                driver.switchTo().window(window);
            }
        }
        browser.waiting(WAIT).until(ExpectedConditions.urlMatches(".*/api/documents/[0-9a-f-]{36}/file/pump-manual.pdf#page=2$"));
        Thread.sleep(1500);
        browser.screenshot("chat-06-cited-page-in-pdf-viewer.png");
        driver.close();
        driver.switchTo().window(chat);

        // A document whose pages are not known (as a Word file that records none) gets no page links: the
        // number would point nowhere. Its citation stays as text; with pages known again, the link is back.
        jdbc.sql("UPDATE documents SET pages_known = false WHERE filename = 'pump-manual.pdf'").update();
        driver.navigate().refresh();
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=answer-text]")).stream()
                .anyMatch(e -> e.getText().contains("1450 rpm [p. 2]")));
        assertThat(driver.findElements(By.cssSelector("a.cite"))).as("no page links without known pages").isEmpty();
        jdbc.sql("UPDATE documents SET pages_known = true WHERE filename = 'pump-manual.pdf'").update();
        driver.navigate().refresh();
        browser.waiting(WAIT).until(ExpectedConditions.elementToBeClickable(By.cssSelector("a.cite")));
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=document]")).stream()
                .anyMatch(e -> e.getText().contains("pump-manual.pdf")));

        driver.findElements(By.cssSelector("[data-testid=document]")).stream()
                .filter(e -> e.getText().contains("pump-manual.pdf")).findFirst().orElseThrow()
                .findElement(By.cssSelector("[data-testid=view-text]")).click();
        WebElement viewer = browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[data-testid=viewer]")));
        browser.waiting(WAIT).until(d -> viewer.getText().contains("[Page 2]"));
        assertThat(viewer.getText()).contains("[Page 1]", "[Page 3]", "1450 rpm");
        browser.screenshot("chat-07-view-text.png");
        driver.findElement(By.id("viewer-close")).click();

        // The page asks for the server's default answer length (2,048 tokens), which the tiny model writes
        // before the test can press stop: this answer may use most of the context instead.
        driver.executeScript("document.body.dataset.defaultMaxTokens = arguments[0]", String.valueOf(CONTEXT - 1024));
        question = driver.findElement(By.cssSelector("[data-testid=question]"));
        question.sendKeys("Write a very long essay about the pump.", Keys.ENTER);
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=answer-text]")).getLast()
                .getText().length() > 20);
        assertThat(driver.findElement(By.cssSelector("[data-testid=stop]")).isDisplayed()).isTrue();
        driver.findElement(By.tagName("body")).sendKeys(Keys.ESCAPE);
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=stats]")).size() == 3
                && d.findElements(By.cssSelector("[data-testid=stats]")).getLast().getText().startsWith("Stopped."));
        assertThat(driver.findElement(By.cssSelector("[data-testid=send]")).isDisplayed()).isTrue();
        browser.screenshot("chat-08-stopped.png");

        driver.navigate().refresh();
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=answer]")).size() == 3);
        assertThat(driver.findElements(By.cssSelector("[data-testid=user-message]"))).extracting(WebElement::getText)
                .anySatisfy(text -> assertThat(text).contains("How fast does the pump run?"))
                .anySatisfy(text -> assertThat(text).contains("Write a very long essay about the pump."));
        assertThat(driver.findElements(By.cssSelector("[data-testid=stats]")).getLast().getText()).startsWith("Stopped.");
        assertThat(driver.findElements(By.cssSelector("[data-testid=conversation]"))).hasSize(1);
        browser.screenshot("chat-09-history-after-reload.png");

        // The network goes away: the page says so, keeps a question it cannot send, and recovers.
        driver.executeScript("window.__offline = true; window.__sockets.at(-1).close();");
        WebElement lost = browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[data-testid=connection-notice]")));
        assertThat(lost.getText()).contains("Connection to the server lost", "Reconnecting");
        question = driver.findElement(By.cssSelector("[data-testid=question]"));
        question.sendKeys("Are you still there?", Keys.ENTER);
        WebElement notSent = browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[data-testid=ask-problem]")));
        assertThat(notSent.getText()).contains("Not connected");
        assertThat(question.getAttribute("value")).isEqualTo("Are you still there?");
        browser.screenshot("chat-09b-error-disconnected.png");
        driver.executeScript("window.__offline = false;");
        lost.findElement(By.tagName("button")).click();
        browser.waiting(WAIT).until(ExpectedConditions.invisibilityOf(lost));
        driver.executeScript("arguments[0].value = ''", question);

        String htmlName = "<img src=x onerror=alert(1)>.pdf";
        Path hostile = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "uploads-").resolve(htmlName);
        Files.write(hostile, TestDocuments.manual("hostile"));
        driver.findElement(By.cssSelector("[data-testid=file-input]")).sendKeys(hostile.toString());
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=document] .document-name")).stream()
                .anyMatch(e -> e.getText().equals(htmlName)));
        Thread.sleep(500);
        try {
            driver.switchTo().alert();
            throw new AssertionError("the file name ran as HTML: an alert opened");
        } catch (NoAlertPresentException expected) {
            // the name is text
        }
        assertThat(driver.findElements(By.cssSelector("#document-list img, #upload-list img"))).isEmpty();
        browser.screenshot("chat-10-html-file-name-as-text.png");

        // A document too long for the context: its upload and its badge say by how much.
        Path tooLong = Files.write(uploads.resolve("plant-log.txt"), beyondContext("The pump log entry number one records normal running. ")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        driver.findElement(By.cssSelector("[data-testid=file-input]")).sendKeys(tooLong.toString());
        WebElement refusedUpload = browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=upload].failed"))
                .stream().filter(e -> e.getText().contains("plant-log.txt")).findFirst().orElse(null));
        assertThat(refusedUpload.getText()).containsPattern("too long by [\\d,]+ tokens").contains("tokens over");
        browser.screenshot("chat-10b-error-document-too-long.png");

        browser.colorScheme("dark");
        browser.screenshot("chat-11-desktop-dark.png");
        browser.phone();
        Thread.sleep(300);
        browser.screenshot("chat-12-phone-dark.png");
        browser.colorScheme("light");
        browser.screenshot("chat-13-phone-light.png");
        driver.findElement(By.cssSelector("[data-testid=menu-toggle]")).click();
        Thread.sleep(400);
        browser.screenshot("chat-14-phone-drawer.png");
        browser.desktop();
    }

    /** The same page at a phone's width: empty, uploading, an answer streaming, and a refused question. */
    @Test
    void onAPhone() throws Exception {
        var driver = browser.driver;
        browser.phone();
        browser.signIn(baseUrl(), ADMIN, ADMIN_PASSWORD);
        browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-testid=menu-toggle]")));
        assertThat(driver.findElement(By.id("sidebar")).isDisplayed()).as("the sidebar is a closed drawer").isFalse();
        browser.screenshot("phone-01-empty.png");

        Path uploads = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "uploads-");
        Path manual = Files.write(uploads.resolve("fan-manual.pdf"), TestDocuments.manual("fan"));
        Path report = Files.write(uploads.resolve("fan-service-report.pdf"), longReport(70));
        driver.findElement(By.cssSelector("[data-testid=menu-toggle]")).click();
        browser.slowNetwork(true);
        driver.findElement(By.cssSelector("[data-testid=file-input]")).sendKeys(manual + "\n" + report);
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=upload-stage]")).stream()
                .anyMatch(e -> e.getText().matches("uploading [1-9]\\d*%")));
        browser.screenshot("phone-02-uploading.png");
        browser.slowNetwork(false);
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=document]")).stream()
                .filter(e -> e.getText().contains("fan-service-report.pdf") || e.getText().contains("fan-manual.pdf"))
                .filter(e -> e.findElement(By.cssSelector("input[type=checkbox]")).isSelected()).count() == 2);
        driver.findElements(By.cssSelector("[data-testid=document]")).stream()
                .filter(e -> e.getText().contains("fan-service-report.pdf")).findFirst().orElseThrow()
                .findElement(By.cssSelector("input[type=checkbox]")).click();
        driver.findElement(By.tagName("body")).sendKeys(Keys.ESCAPE);
        browser.waiting(WAIT).until(ExpectedConditions.invisibilityOfElementLocated(By.id("sidebar")));

        WebElement box = driver.findElement(By.cssSelector("[data-testid=question]"));
        box.sendKeys("Write a very long essay about the fan.", Keys.ENTER);
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=answer-text]")).getLast()
                .getText().length() > 200);
        browser.screenshot("phone-03-streaming.png");
        // Stopped, or (random weights) ended by itself meanwhile.
        driver.findElement(By.tagName("body")).sendKeys(Keys.ESCAPE);
        browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector("[data-testid=stats]")).size() == 1);

        driver.executeScript("arguments[0].value = arguments[1]", box,
                beyondContext("Explain the fan's torque table once more in great detail. "));
        box.sendKeys(Keys.ENTER);
        WebElement problem = browser.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[data-testid=ask-problem]")));
        assertThat(problem.getText()).contains("Too long for the model's context");
        browser.screenshot("phone-04-error.png");
        problem.findElement(By.cssSelector("button")).click();
        assertThat(problem.isDisplayed()).isFalse();
    }

    /** A PDF report of {@code pages} pages, long enough that its upload shows its stages. */
    private static byte[] longReport(int pages) throws IOException {
        String[] lines = new String[pages];
        for (int i = 0; i < pages; i++) {
            lines[i] = "Service report, inspection " + (i + 1) + ": the bearings were checked and found in order.";
        }
        return TestDocuments.pdf(lines);
    }
}
