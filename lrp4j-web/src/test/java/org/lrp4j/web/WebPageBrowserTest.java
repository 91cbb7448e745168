package org.lrp4j.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The real page in headless Chromium (Debian's chromium and chromium-driver, which .ci/run installs): pick a sample,
 * choose two methods, wait for the heatmaps, check the images and the top class; upload a PNG; upload a non-image
 * and read the error. Skipped with a notice when chromedriver is absent. The screenshot lands in
 * target/web-page.png (docs/web.png in the README is one of these).
 */
class WebPageBrowserTest {

    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path dir;
    WebServer server;
    WebDriver driver;

    @BeforeEach
    void setUp() throws Exception {
        boolean present = Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM);
        if (!present) {
            System.err.println("NOTICE: browser test skipped: apt-get install chromium chromium-driver");
        }
        Assumptions.assumeTrue(present);
        server = TestServers.start(Limits.defaults());
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toString());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--user-data-dir=" + dir.resolve("chrome-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, o);
    }

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(driver, Duration.ofSeconds(60));
    }

    private boolean rendered(WebElement img) {
        Object w = ((JavascriptExecutor) driver).executeScript("return arguments[0].complete &&"
                + " arguments[0].naturalWidth", img);
        return w instanceof Number n && n.intValue() > 0;
    }

    @Test
    void pickASampleTwoMethodsUploadAnImageAndSeeAnErrorForANonImage() throws Exception {
        driver.get(server.url());
        WebDriverWait wait = waiting();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#samples button.sample"), 4));
        wait.until(d -> d.findElements(By.cssSelector("input[name=method]")).size() > 5);

        driver.findElements(By.cssSelector("#samples button.sample")).get(2).click();
        // the first method (lrp:epsilon-plus-flat) is checked; add gradient
        driver.findElement(By.cssSelector("input[name=method][value='gradient']")).click();
        driver.findElement(By.id("explain")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#results .result"), 2));
        wait.until(d -> d.findElement(By.id("progress")).getText().equals("done"));
        List<WebElement> maps = driver.findElements(By.cssSelector("#results img.heatmap"));
        assertThat(maps).hasSize(2);
        for (WebElement img : maps) {
            wait.until(d -> rendered(img));
        }
        assertThat(driver.findElements(By.cssSelector("#results .result")).get(0).getAttribute("data-method"))
                .isEqualTo("lrp:epsilon-plus-flat");
        String topRow = driver.findElement(By.cssSelector("#top tbody tr")).getText();
        assertThat(TestServers.CLASSES.stream().anyMatch(topRow::contains)).as(topRow).isTrue();
        assertThat(driver.findElements(By.cssSelector("#results svg.curve"))).hasSize(2);
        assertThat(driver.findElements(By.cssSelector("#results .bars .bar-row"))).isNotEmpty();
        Path shot = Path.of("target/web-page.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));

        // several classes: a grid of three heatmaps per method
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("target"))).selectByValue("top3");
        driver.findElement(By.id("explain")).click();
        wait.until(d -> d.findElement(By.id("progress")).getText().equals("done"));
        List<WebElement> grids = driver.findElements(By.cssSelector("#results .result.grid"));
        assertThat(grids).hasSize(2);
        for (WebElement g : grids) {
            assertThat(g.findElements(By.cssSelector("figure img.heatmap"))).hasSize(3);
        }
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("target"))).selectByValue("pred");

        // upload a PNG
        Path png = dir.resolve("upload.png");
        Files.write(png, TestServers.png(42));
        driver.findElement(By.id("upload-image")).sendKeys(png.toString());
        wait.until(d -> d.findElement(By.id("chosen")).getText().contains("uploaded upload.png"));
        driver.findElement(By.id("explain")).click();
        wait.until(d -> d.findElement(By.id("progress")).getText().equals("done"));
        assertThat(driver.findElements(By.cssSelector("#results .result"))).hasSize(2);
        assertThat(driver.findElement(By.id("error")).isDisplayed()).isFalse();

        // a non-image named like an image: a clear message on the page
        Path fake = dir.resolve("notes.png");
        Files.writeString(fake, "these are notes, not pixels");
        driver.findElement(By.id("upload-image")).sendKeys(fake.toString());
        wait.until(d -> d.findElement(By.id("chosen")).getText().contains("notes.png"));
        driver.findElement(By.id("explain")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertThat(driver.findElement(By.id("error")).getText()).contains("not an image");
    }
}
