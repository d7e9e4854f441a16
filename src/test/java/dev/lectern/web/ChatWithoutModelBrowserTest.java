package dev.lectern.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import dev.lectern.LecternIntegrationTest;

/** What a first-time user sees with no model set: the chat says how to set one, and asking is disabled. */
class ChatWithoutModelBrowserTest extends LecternIntegrationTest {

    @Test
    void theChatSaysHowToSetAModelAndAskingIsDisabled() throws Exception {
        try (Browser browser = Browser.start()) {
            browser.signIn(baseUrl(), ADMIN, ADMIN_PASSWORD);
            WebElement notice = browser.waiting(Duration.ofSeconds(30)).until(
                    ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-testid=engine-notice]")));
            assertThat(notice.getText()).contains("Asking is disabled", "LECTERN_MODEL_PATH");
            assertThat(browser.driver.findElement(By.cssSelector("[data-testid=question]")).isEnabled()).isFalse();
            assertThat(browser.driver.findElement(By.cssSelector("[data-testid=send]")).isEnabled()).isFalse();
            browser.screenshot("chat-00-no-model.png");
            browser.phone();
            Thread.sleep(300);
            browser.screenshot("chat-00-no-model-phone.png");
        }
    }
}
