package dev.lectern.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.lectern.LecternIntegrationTest;

/** A real browser signs in through the login form and lands on the home page. */
class BrowserLoginTest extends LecternIntegrationTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private WebDriver browser;
    private Path profile;

    @BeforeEach
    void startBrowser() throws IOException {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && System.getenv("CI") == null) {
            // Outside CI a developer may not have installed it; .ci/run always does, and CI must run this.
            Assumptions.abort("browser tests need Debian's chromium and chromium-driver (apt-get install"
                    + " chromium chromium-driver)");
        }
        assertThat(installed).as("/usr/bin/chromium and /usr/bin/chromedriver are installed").isTrue();
        profile = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "chromium-profile-");
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--no-first-run", "--window-size=1200,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void signsInAndSeesTheHomePage() throws IOException {
        browser.get(baseUrl() + "/");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.until(ExpectedConditions.urlToBe(baseUrl() + "/login"));

        browser.findElement(By.name("username")).sendKeys(ADMIN);
        browser.findElement(By.name("password")).sendKeys(ADMIN_PASSWORD);
        browser.findElement(By.cssSelector("button[type=submit]")).click();

        wait.until(ExpectedConditions.urlToBe(baseUrl() + "/"));
        assertThat(browser.getTitle()).isEqualTo("Chat · Lectern");
        assertThat(browser.findElement(By.cssSelector("[data-testid=current-user]")).getText()).isEqualTo(ADMIN);
        browser.get(baseUrl() + "/status");
        assertThat(browser.getTitle()).isEqualTo("Status · Lectern");
        assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Status");
        keepScreenshot("status.png");
    }

    /** What a person would see, kept under target/screenshots for reviewers of a change to the pages. */
    private void keepScreenshot(String name) throws IOException {
        Path directory = Files.createDirectories(Path.of("target", "screenshots"));
        Files.write(directory.resolve(name), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void wrongPasswordKeepsTheVisitorOnTheLoginPageWithAnError() {
        browser.get(baseUrl() + "/login");
        browser.findElement(By.name("username")).sendKeys(ADMIN);
        browser.findElement(By.name("password")).sendKeys("guess");
        browser.findElement(By.cssSelector("button[type=submit]")).click();

        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.until(ExpectedConditions.urlToBe(baseUrl() + "/login?error"));
        assertThat(browser.findElement(By.cssSelector("[data-testid=login-error]")).getText())
                .isEqualTo("Wrong user name or password.");
    }
}
