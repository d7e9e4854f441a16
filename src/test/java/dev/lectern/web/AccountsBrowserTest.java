package dev.lectern.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import dev.lectern.LecternIntegrationTest;

/**
 * The accounts pages in a real browser: the admin adds a person on /users and reads the one-time password
 * off the page; that person signs in, is sent to choose their own password, and then reaches the chat;
 * a member gets no Users link and a 403 on /users; the admin disables them and their open page is
 * signed out at the next request.
 */
class AccountsBrowserTest extends LecternIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private Browser admin;
    private Browser member;

    @BeforeEach
    void startBrowsers() throws IOException {
        admin = Browser.start();
        member = Browser.start();
    }

    @AfterEach
    void stopBrowsers() {
        if (admin != null) {
            admin.close();
        }
        if (member != null) {
            member.close();
        }
    }

    @Test
    void anAdminAddsAPersonWhoChoosesTheirOwnPasswordAndCanBeDisabled() throws IOException {
        admin.signIn(baseUrl(), ADMIN, ADMIN_PASSWORD);
        var page = admin.driver;
        page.findElement(By.cssSelector("[data-testid=users-link]")).click();
        admin.waiting(WAIT).until(ExpectedConditions.urlToBe(baseUrl() + "/users"));
        admin.waiting(WAIT).until(d -> !d.findElements(By.cssSelector("[data-testid=user-row]")).isEmpty());

        WebElement form = page.findElement(By.cssSelector("[data-testid=new-user-form]"));
        form.findElement(By.name("username")).sendKeys("greta");
        form.findElement(By.cssSelector("button[type=submit]")).click();
        WebElement issued = admin.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[data-testid=issued-password]")));
        String temporary = issued.findElement(By.cssSelector("[data-testid=issued-password-value]")).getText();
        assertThat(temporary).hasSizeGreaterThanOrEqualTo(16);
        assertThat(issued.getText()).contains("Added greta");
        admin.waiting(WAIT).until(d -> row(d, "greta") != null);
        assertThat(row(page, "greta").findElement(By.cssSelector("[data-testid=state]")).getText()).isEqualTo("must change password");
        admin.screenshot("accounts-01-users.png");

        // Greta signs in with the one-time password and is sent to choose her own.
        var own = member.driver;
        own.get(baseUrl() + "/login");
        own.findElement(By.name("username")).sendKeys("greta");
        own.findElement(By.name("password")).sendKeys(temporary);
        own.findElement(By.cssSelector("button[type=submit]")).click();
        member.waiting(WAIT).until(ExpectedConditions.urlToBe(baseUrl() + "/account?required"));
        assertThat(own.findElement(By.cssSelector("[data-testid=password-required]")).getText()).contains("Choose your own");
        own.get(baseUrl() + "/");
        member.waiting(WAIT).until(ExpectedConditions.urlToBe(baseUrl() + "/account?required"));

        WebElement change = own.findElement(By.cssSelector("[data-testid=password-form]"));
        change.findElement(By.name("currentPassword")).sendKeys(temporary);
        change.findElement(By.name("newPassword")).sendKeys("greta123456");
        change.findElement(By.name("repeat")).sendKeys("greta123456");
        change.findElement(By.cssSelector("button[type=submit]")).click();
        WebElement problem = member.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("[data-testid=password-problem]")));
        assertThat(problem.getText()).contains("user name");
        member.screenshot("accounts-02-choose-password-refused.png");

        change.findElement(By.name("newPassword")).clear();
        change.findElement(By.name("repeat")).clear();
        change.findElement(By.name("newPassword")).sendKeys("copper kettle morning");
        change.findElement(By.name("repeat")).sendKeys("copper kettle morning");
        change.findElement(By.cssSelector("button[type=submit]")).click();
        member.waiting(WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-testid=password-changed]")));
        member.screenshot("accounts-03-password-changed.png");

        own.get(baseUrl() + "/");
        member.waiting(WAIT).until(ExpectedConditions.urlToBe(baseUrl() + "/"));
        assertThat(own.findElements(By.cssSelector("[data-testid=users-link]"))).as("no Users link for members").isEmpty();
        own.get(baseUrl() + "/users");
        assertThat(own.findElement(By.cssSelector("[data-testid=error-status]")).getText()).startsWith("403");
        member.screenshot("accounts-03b-member-on-users-page.png");

        // The admin disables her: her next request signs her out.
        page.navigate().refresh();
        admin.waiting(WAIT).until(d -> row(d, "greta") != null);
        row(page, "greta").findElement(By.cssSelector("[data-testid=disable]")).click();
        admin.waiting(WAIT).until(d -> row(d, "greta").findElement(By.cssSelector("[data-testid=state]")).getText().equals("disabled"));
        admin.screenshot("accounts-04-disabled.png");
        own.get(baseUrl() + "/");
        member.waiting(WAIT).until(ExpectedConditions.urlContains("/login"));
        assertThat(own.findElement(By.cssSelector("[data-testid=login-disabled]")).getText()).contains("disabled");
        member.screenshot("accounts-05-signed-out-disabled.png");

        // Resetting asks first, then shows the new one-time password.
        row(page, "greta").findElement(By.cssSelector("[data-testid=reset]")).click();
        Alert confirm = admin.waiting(WAIT).until(ExpectedConditions.alertIsPresent());
        assertThat(confirm.getText()).contains("Reset the password of greta");
        confirm.accept();
        admin.waiting(WAIT).until(d -> d.findElement(By.cssSelector("[data-testid=issued-password]")).getText()
                .contains("New one-time password for greta"));

        admin.phone();
        admin.screenshot("accounts-06-users-phone.png");
        admin.colorScheme("dark");
        admin.desktop();
        page.get(baseUrl() + "/account");
        admin.screenshot("accounts-07-account-dark.png");
    }

    private static WebElement row(org.openqa.selenium.WebDriver driver, String username) {
        return driver.findElements(By.cssSelector("[data-testid=user-row]")).stream()
                .filter(r -> username.equals(r.getAttribute("data-username"))).findFirst().orElse(null);
    }
}
