package io.connectreactive.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real headless Chromium driven through Selenium, for the dashboard's browser tests: Debian's
 * {@code chromium} and {@code chromium-driver} packages ({@code .ci/run} installs them), never a
 * download (no Selenium Manager). A missing browser fails the test. Each instance gets a new, empty
 * profile directory; {@link #close()} quits the browser and its driver.
 */
public final class Chromium implements AutoCloseable {

    private static final String BINARY = System.getProperty("test.chromium", "/usr/bin/chromium");
    private static final String DRIVER = System.getProperty("test.chromedriver", "/usr/bin/chromedriver");

    private final ChromeDriver driver;

    private Chromium(ChromeDriver driver) {
        this.driver = driver;
    }

    /** Starts Chromium with a {@code width}×{@code height} window and its profile in {@code dir}. */
    public static Chromium start(Path dir, int width, int height) {
        assertThat(Path.of(BINARY)).as("Chromium (Debian package chromium, installed by .ci/run)").isExecutable();
        assertThat(Path.of(DRIVER)).as("ChromeDriver (Debian package chromium-driver, installed by .ci/run)").isExecutable();
        System.setProperty("webdriver.chrome.driver", DRIVER);
        Path profile;
        try {
            profile = Files.createTempDirectory(dir, "chromium-profile");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(DRIVER).toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions()
                .setBinary(BINARY)
                .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        // without these, Chromium's own background connections are refused by closed networks
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
                        "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        // the tests' HTTPS listeners have self-signed certificates
        options.setAcceptInsecureCerts(true);
        return new Chromium(new ChromeDriver(service, options));
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** An explicit wait of at most {@code timeout}, polling every 100 ms. */
    public WebDriverWait waiting(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(driver, timeout);
        wait.pollingEvery(Duration.ofMillis(100));
        return wait;
    }

    /** Saves what the window shows as a PNG. */
    public void screenshot(Path png) {
        byte[] bytes = driver.getScreenshotAs(OutputType.BYTES);
        try {
            Files.createDirectories(png.toAbsolutePath().getParent());
            Files.write(png, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
    }
}
