package dev.lectern.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import dev.lectern.LecternIntegrationTest;

/**
 * The API keys page in headless Chromium: a key is made, shown once, listed by its first characters, works
 * on /v1, and stops working when revoked from the page. Screenshots (light, dark, phone) under
 * target/screenshots/.
 */
class KeysPageBrowserTest extends LecternIntegrationTest {

    private Browser browser;

    @BeforeEach
    void start() throws Exception {
        browser = Browser.start();
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void aKeyIsMadeShownOnceListedAndRevokedFromThePage() throws Exception {
        browser.signIn(baseUrl(), ADMIN, ADMIN_PASSWORD);
        browser.driver.findElement(By.cssSelector("[data-testid=keys-link]")).click();
        browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.titleIs("API keys · Lectern"));
        assertThat(browser.driver.findElement(By.cssSelector("[data-testid=base-url]")).getText())
                .isEqualTo(baseUrl() + "/v1");

        browser.driver.findElement(By.cssSelector("[data-testid=key-name]")).sendKeys("notebook on the lab PC");
        browser.driver.findElement(By.cssSelector("[data-testid=create-key]")).click();
        WebElement shown = browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[data-testid=new-key-value]")));
        String key = shown.getText();
        assertThat(key).startsWith("lk-").hasSize(46);
        List<WebElement> rows = browser.waiting(Duration.ofSeconds(20)).until(
                ExpectedConditions.numberOfElementsToBe(By.cssSelector("[data-testid=key-row]"), 1));
        assertThat(rows.getFirst().getText()).contains("notebook on the lab PC", key.substring(0, 10)).doesNotContain(key)
                .contains("never");
        browser.screenshot("keys-light.png");
        browser.driver.executeScript("document.getElementById('usage-heading').scrollIntoView()");
        assertThat(browser.driver.findElement(By.cssSelector("pre.snippet")).getText())
                .contains("base_url=\"" + baseUrl() + "/v1\"", "extra_body={\"documents\": [\"DOCUMENT-ID\"]}");
        browser.screenshot("keys-usage.png");
        browser.colorScheme("dark");
        browser.screenshot("keys-dark.png");
        browser.colorScheme("light");
        browser.phone();
        browser.driver.navigate().refresh();
        browser.waiting(Duration.ofSeconds(20)).until(
                ExpectedConditions.numberOfElementsToBe(By.cssSelector("[data-testid=key-row]"), 1));
        assertThat(browser.driver.findElement(By.cssSelector("[data-testid=new-key]")).isDisplayed())
                .as("after a reload the key is no longer shown").isFalse();
        browser.screenshot("keys-phone.png");
        browser.desktop();

        assertThat(status(key)).as("the key opens /v1").isEqualTo(200);
        browser.driver.findElement(By.cssSelector("[data-testid=revoke-key]")).click();
        browser.waiting(Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).accept();
        browser.waiting(Duration.ofSeconds(20)).until(
                ExpectedConditions.numberOfElementsToBe(By.cssSelector("[data-testid=key-row]"), 0));
        assertThat(status(key)).as("revoked from the page, it fails at once").isEqualTo(401);
    }

    private int status(String key) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/models"))
                    .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }
}
