package dev.lectern.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.crypto.password.PasswordEncoder;

import dev.lectern.admin.AdminAppTest;
import dev.lectern.chat.ChatClient;
import dev.lectern.chat.TestDocuments;
import dev.lectern.security.Role;
import dev.lectern.security.UserRepository;

/**
 * The admin dashboard in headless Chromium, as an operator uses it after ten questions on two documents:
 * each document's cache row, its hits rising as questions arrive, the charts filling, evict and pin acting
 * and showing; and a member who sees no link and is refused the page. Screenshots (desktop light and dark,
 * a phone) go to target/screenshots/admin-*.png.
 */
class AdminBrowserTest extends AdminAppTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String MEMBER = "admin-browser-member";
    private static final String MEMBER_PASSWORD = "member-password-admin-browser";

    @Autowired
    UserRepository users;

    @Autowired
    PasswordEncoder passwords;

    private Browser browser;

    @BeforeEach
    void startBrowser() throws IOException {
        users.createIfAbsent(MEMBER, passwords.encode(MEMBER_PASSWORD), Role.MEMBER);
        browser = Browser.start();
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void cacheRowsHitsChartsAndActionsAfterTenQuestionsOnTwoDocuments() throws Exception {
        String manualName = "pump manual " + UUID.randomUUID().toString().substring(0, 8);
        String reportName = "valve manual " + UUID.randomUUID().toString().substring(0, 8);
        String manual = upload("pump-manual.pdf", TestDocuments.manual(manualName)).get("id").asString();
        String report = upload("valve-manual.pdf", TestDocuments.manual(reportName)).get("id").asString();
        String manualKey = prefixKey(manual);
        String reportKey = prefixKey(report);

        var driver = browser.driver;
        browser.signIn(baseUrl(), ADMIN, ADMIN_PASSWORD);
        driver.findElement(By.cssSelector("[data-testid=admin-link]")).click();
        browser.waiting(WAIT).until(ExpectedConditions.titleIs("Admin · Lectern"));
        WebElement row = cacheRow(manualKey);
        assertThat(row.findElement(By.cssSelector("[data-testid=cache-owner]")).getText()).isEqualTo(ADMIN);
        assertThat(row.findElement(By.cssSelector("[data-testid=cache-tier]")).getText()).isEqualTo("RAM + disk");
        assertThat(row.findElement(By.cssSelector("[data-testid=cache-pinned]")).getText()).isEqualTo("pinned");
        long manualHits = hits(manualKey);
        long reportHits = hits(reportKey);

        // Ten questions, five on each document, two at a time, as a small team would ask them.
        try (ChatClient first = connect(); ChatClient second = connect()) {
            for (int round = 0; round < 5; round++) {
                first.ask(null, List.of(manual), "How fast does the pump run? (" + round + ")", 24);
                second.ask(null, List.of(report), "How often is the valve serviced? (" + round + ")", 24);
                first.until(ChatClient.type("done"), WAIT);
                second.until(ChatClient.type("done"), WAIT);
            }
        }
        browser.waiting(WAIT).until(d -> hits(manualKey) == manualHits + 5 && hits(reportKey) == reportHits + 5);
        assertThat(cacheRow(manualKey).findElement(By.cssSelector("[data-testid=cache-lastHit]")).getText())
                .endsWith("s ago");
        WebElement adminRow = browser.waiting(WAIT).until(d -> d.findElements(By.cssSelector(
                "[data-testid=user-row][data-username=" + ADMIN + "]")).stream().findFirst().orElse(null));
        assertThat(adminRow.getText()).contains("admin");
        assertThat(driver.findElement(By.cssSelector("[data-testid=gpu-note]")).getText())
                .as("this machine has no NVIDIA driver: the CPU panel").contains("No GPU panel");
        assertThat(driver.findElement(By.cssSelector("[data-testid=cpu-kernels]")).getText()).isNotBlank();
        assertThat(driver.findElement(By.cssSelector("[data-testid=model-state]")).getText()).isEqualTo("ready");
        // The charts are drawn (uPlot canvases) and the tokens-per-second series has had a non-zero second.
        assertThat(driver.findElements(By.cssSelector(".chart canvas"))).hasSize(4);
        browser.screenshot("admin-01-after-ten-questions.png");
        fullPage("admin-02-full-light.png");

        // Evict the manual from RAM: it stays on disk, and the row says so.
        cacheRow(manualKey).findElement(By.cssSelector("[data-testid=cache-evict]")).click();
        browser.waiting(WAIT).until(d -> tier(manualKey).equals("disk"));
        assertThat(driver.findElement(By.cssSelector("[data-testid=cache-flash]")).getText())
                .startsWith("Evicted from RAM");
        assertThat(cacheRow(manualKey).findElement(By.cssSelector("[data-testid=cache-evict]")).isEnabled()).isFalse();
        // Unpin, then pin again.
        cacheRow(reportKey).findElement(By.cssSelector("[data-testid=cache-pin]")).click();
        browser.waiting(Duration.ofSeconds(20)).withMessage(() -> describe(reportKey)).until(d -> pinned(reportKey).equals("—")
                && cacheRow(reportKey).findElement(By.cssSelector("[data-testid=cache-pin]")).getText().equals("Pin"));
        browser.screenshot("admin-03-evicted-and-unpinned.png");
        cacheRow(reportKey).findElement(By.cssSelector("[data-testid=cache-pin]")).click();
        browser.waiting(WAIT).until(d -> pinned(reportKey).equals("pinned"));
        // The next question about the evicted manual reads it back from disk and counts a hit.
        try (ChatClient chat = connect()) {
            chat.ask(null, List.of(manual), "And the torque?", 8);
            chat.until(ChatClient.type("done"), WAIT);
        }
        browser.waiting(WAIT).until(d -> hits(manualKey) == manualHits + 6 && tier(manualKey).equals("RAM + disk"));

        browser.colorScheme("dark");
        Thread.sleep(1500);
        fullPage("admin-04-full-dark.png");
        browser.phone();
        Thread.sleep(1500);
        browser.screenshot("admin-05-phone-dark.png");
        browser.colorScheme("light");
        Thread.sleep(1500);
        browser.screenshot("admin-06-phone-light.png");
        Long overflow = (Long) driver.executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
        assertThat(overflow).as("nothing wider than the phone but the tables' own scroll boxes").isLessThanOrEqualTo(0);
        assertThat(driver.findElement(By.cssSelector("[data-testid=admin-link]")).isDisplayed())
                .as("on a phone the top bar's links fold into the account menu").isFalse();
        driver.findElement(By.cssSelector("[data-testid=account-toggle]")).click();
        assertThat(driver.findElement(By.cssSelector("[data-testid=admin-link]")).isDisplayed()).isTrue();
        assertThat(driver.findElement(By.cssSelector("[data-testid=current-user]")).getText()).isEqualTo(ADMIN);
        browser.screenshot("admin-08-phone-menu.png");
        driver.findElement(By.tagName("body")).sendKeys(Keys.ESCAPE);
        browser.waiting(WAIT).until(d -> !d.findElement(By.cssSelector("[data-testid=admin-link]")).isDisplayed());
        browser.desktop();
    }

    @Test
    void aMemberSeesNoLinkAndIsRefusedThePage() throws Exception {
        var driver = browser.driver;
        browser.signIn(baseUrl(), MEMBER, MEMBER_PASSWORD);
        assertThat(driver.findElements(By.cssSelector("[data-testid=status-link]"))).hasSize(1);
        assertThat(driver.findElements(By.cssSelector("[data-testid=admin-link]"))).isEmpty();
        driver.get(baseUrl() + "/admin");
        assertThat(driver.findElements(By.cssSelector("[data-testid=cache-panel]"))).isEmpty();
        Object status = driver.executeScript("""
                const response = await fetch('/admin');
                return response.status;""");
        assertThat(status).isEqualTo(403L);
        Object stream = driver.executeScript("""
                const response = await fetch('/api/admin/stream');
                return response.status;""");
        assertThat(stream).isEqualTo(403L);
        browser.screenshot("admin-07-member-refused.png");
    }

    private String describe(String key) {
        return cacheRow(key).getAttribute("outerHTML") + "\nflash: "
                + browser.driver.findElement(By.cssSelector("[data-testid=cache-flash]")).getText();
    }

    private String prefixKey(String documentId) {
        return jdbc.sql("SELECT prefix_key FROM documents WHERE id = ?").param(UUID.fromString(documentId))
                .query(String.class).single();
    }

    private WebElement cacheRow(String key) {
        return browser.waiting(WAIT).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("[data-testid=cache-row][data-key='" + key + "']")));
    }

    private long hits(String key) {
        return Long.parseLong(cacheRow(key).findElement(By.cssSelector("[data-testid=cache-hits]")).getText()
                .replace(",", ""));
    }

    private String tier(String key) {
        return cacheRow(key).findElement(By.cssSelector("[data-testid=cache-tier]")).getText();
    }

    private String pinned(String key) {
        return cacheRow(key).findElement(By.cssSelector("[data-testid=cache-pinned]")).getText();
    }

    /** The whole page, however long: the window grows to it for the picture, then back. */
    private void fullPage(String name) throws IOException {
        Long height = (Long) browser.driver.executeScript("return document.documentElement.scrollHeight");
        browser.driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", 1280,
                "height", height.intValue(), "deviceScaleFactor", 1, "mobile", false));
        try {
            Thread.sleep(700);
            browser.screenshot(name);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } finally {
            browser.desktop();
        }
    }
}
