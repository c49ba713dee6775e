package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.JobArgs;
import dev.errand.JobState;
import dev.errand.Outcome;
import dev.errand.PeriodicJob;
import dev.errand.RawArgs;
import dev.errand.Schedule;
import dev.errand.spi.Store;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real browser: Debian's headless Chromium, driven through its chromedriver,
 * against a server on SQLite ({@link SqliteDashboardBrowserTest}) and on PostgreSQL ({@link
 * PostgresDashboardBrowserTest}) with real jobs. Each page renders what the store holds, the state
 * tabs and the filter form narrow the list, a job's page shows its error and stack trace, a bulk
 * action on a filter or on selected jobs acts on exactly those, and a job whose values hold markup
 * runs nothing. Screenshots of every page go to {@code target/dashboard-screenshots/<store>/} for
 * review.
 *
 * <p>Needs {@code /usr/bin/chromium} and {@code /usr/bin/chromedriver} ({@code ./run-tests}
 * installs Debian's {@code chromium} and {@code chromium-driver} as root); without them it fails,
 * saying so, rather than skip.
 */
abstract class DashboardBrowserTest {
  /** The store the server runs on, migrated. */
  abstract Store openStore(Path dir);

  abstract void closeStore();

  /** The store's name, for the screenshots' folder. */
  abstract String storeName();

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private Path screenshots;

  private Errand errand;
  private ApiServer server;
  private String base;
  private ChromeDriver browser;

  @BeforeEach
  void start(@TempDir Path dir) throws IOException {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      fail(
          "the dashboard's browser test needs Debian's chromium and chromium-driver ("
              + CHROMIUM
              + ", "
              + CHROMEDRIVER
              + "): apt-get install chromium chromium-driver (./run-tests does it as root)");
    }
    errand = Errand.create(Config.builder(openStore(dir)).build());
    server = new ApiServer(errand, ServerOptions.defaults().withPort(0)).start();
    base = "http://127.0.0.1:" + server.port();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    // As the machine's notes say Chromium runs here: no sandbox as root, and none of the
    // background connections that a closed network refuses.
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
    screenshots = Files.createDirectories(Path.of("target", "dashboard-screenshots", storeName()));
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
    if (errand != null) {
      errand.stop(Duration.ofSeconds(5));
    }
    closeStore();
  }

  private void screenshot(String name) throws IOException {
    Files.write(screenshots.resolve(name + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }

  /** Waits until the page at a URL that contains {@code inUrl} has loaded, titled {@code title}. */
  private void awaitTitle(String title, String inUrl) {
    await("the page " + inUrl)
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                browser.getCurrentUrl().contains(inUrl)
                    && title.equals(browser.getTitle())
                    && "complete"
                        .equals(
                            ((JavascriptExecutor) browser)
                                .executeScript("return document.readyState")));
  }

  /**
   * Reloads the page until {@code shown} holds: for what the store changes behind a page that does
   * not refresh itself.
   */
  private void awaitAfterReloads(String what, java.util.concurrent.Callable<Boolean> shown) {
    await(what)
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              browser.navigate().refresh();
              return shown.call();
            });
  }

  /** Waits until the element {@code by} finds shows {@code text}, on whatever page loads. */
  private void awaitText(By by, String text) {
    await("'" + text + "' at " + by)
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(() -> browser.findElement(by).getText().equals(text));
  }

  private List<String> rowIds() {
    return browser.findElements(By.cssSelector("#jobs tbody tr")).stream()
        .map(row -> row.getAttribute("data-id"))
        .toList();
  }

  @Test
  void everyPageRendersTheStoresJobsAndTheFiltersNarrowThem() throws Exception {
    long email =
        errand
            .enqueue(
                new RawArgs("send_email", "{\"to\":\"a@example.com\",\"template\":\"welcome\"}"),
                EnqueueOptions.defaults().queue("mail").tags("signup"))
            .id();
    long ticket =
        errand
            .enqueue(
                new RawArgs("render_ticket", "{\"order\":1001}"),
                EnqueueOptions.defaults().runIn(Duration.ofHours(1)))
            .id();
    long resize =
        errand
            .enqueue(
                new RawArgs("resize_image", "{\"path\":\"a.png\",\"width\":-3}"),
                EnqueueOptions.defaults().queue("images").metadata(Map.of("request", "r-42")))
            .id();
    FailedAttempts.failNext(
        errand,
        "images",
        "worker-7",
        "ValueError",
        "width must be positive, was -3",
        "Traceback (most recent call last):\n  File \"resize.py\", line 7, in resize",
        Duration.ofMinutes(10));

    browser.get(base + "/");
    assertThat(browser.getCurrentUrl()).isEqualTo(base + "/jobs");
    assertThat(browser.getTitle()).isEqualTo("Jobs · Errand");
    // Newest first by default; the switch lists them oldest first.
    assertThat(rowIds())
        .containsExactly(Long.toString(resize), Long.toString(ticket), Long.toString(email));
    screenshot("jobs");
    browser.findElement(By.id("oldest-first")).click();
    awaitTitle("Jobs · Errand", "order=oldest");
    assertThat(rowIds())
        .containsExactly(Long.toString(email), Long.toString(ticket), Long.toString(resize));
    browser.findElement(By.id("newest-first")).click();
    await("the list newest first")
        .atMost(Duration.ofSeconds(10))
        .until(() -> browser.getCurrentUrl().equals(base + "/jobs"));
    awaitTitle("Jobs · Errand", "/jobs");

    // A click that loads a page returns before that page has loaded: each waits for its page.
    browser.findElement(By.cssSelector(".tabs a[href='/jobs?state=retryable']")).click();
    awaitTitle("Jobs · Errand", "state=retryable");
    assertThat(rowIds()).containsExactly(Long.toString(resize));
    assertThat(browser.findElement(By.cssSelector(".tabs a[aria-current]")).getText())
        .isEqualTo("retryable 1");

    browser.get(base + "/jobs");
    WebElement where = browser.findElement(By.name("where"));
    where.sendKeys("args.width=-3 and args.path=a.png");
    where.submit();
    awaitTitle("Jobs · Errand", "where=");
    assertThat(rowIds()).containsExactly(Long.toString(resize));
    screenshot("jobs-by-args");

    browser.get(base + "/jobs");
    WebElement queue = browser.findElement(By.name("queue"));
    queue.sendKeys("mail");
    queue.submit();
    awaitTitle("Jobs · Errand", "queue=mail");
    assertThat(rowIds()).containsExactly(Long.toString(email));
    screenshot("jobs-filtered");

    browser.findElement(By.linkText(Long.toString(email))).click();
    awaitTitle("Job " + email + " · Errand", "/jobs/" + email);
    assertThat(browser.findElement(By.id("args")).getText()).contains("\"template\" : \"welcome\"");

    browser.get(base + "/jobs/" + resize);
    assertThat(browser.findElement(By.cssSelector(".attempt-error")).getText())
        .contains("ValueError", "width must be positive, was -3");
    assertThat(browser.findElement(By.cssSelector(".stack-trace")).getText())
        .contains("File \"resize.py\", line 7, in resize");
    assertThat(browser.findElement(By.id("metadata")).getText()).contains("r-42");
    screenshot("job");

    browser.findElement(By.xpath("//button[text()='Run now']")).click();
    awaitText(By.cssSelector("h1 .state"), "available");
    assertThat(errand.jobs().get(resize).orElseThrow().state()).isEqualTo(JobState.AVAILABLE);

    browser.findElement(By.linkText("Queues")).click();
    awaitTitle("Queues · Errand", "/queues");
    browser.findElement(By.cssSelector("tr[data-queue='mail'] button")).click();
    awaitText(By.cssSelector("tr[data-queue='mail'] button"), "Resume");
    assertThat(errand.queues().get("mail").orElseThrow().paused()).isTrue();
    assertThat(
            browser.findElements(By.cssSelector("#queues tbody tr")).stream()
                .map(row -> row.getAttribute("data-queue"))
                .toList())
        .containsExactlyInAnyOrder("default", "images", "mail");
    screenshot("queues");

    // The overview draws its charts from this server's history, and pauses on request.
    browser.findElement(By.linkText("Overview")).click();
    awaitTitle("Overview · Errand", "/overview");
    await("the overview's three charts")
        .atMost(Duration.ofSeconds(20))
        .until(() -> browser.findElements(By.cssSelector(".chart canvas")).size() >= 3);
    awaitText(By.id("overview-status"), "live, every 2 s");
    assertThat(browser.findElement(By.id("now-available")).getText())
        .as("the mail job and the resize job run now")
        .isEqualTo("2");
    browser.findElement(By.id("overview-pause")).click();
    awaitText(By.id("overview-status"), "paused");
    assertThat(browser.findElement(By.id("overview-pause")).getText()).isEqualTo("Resume");
    screenshot("overview");

    // A node with a periodic job: the cron page shows its slots, the nodes page that it leads.
    Errand cronNode =
        Errand.create(
                Config.builder(errand.config().store())
                    .nodeId("cron-node")
                    .queue("default", 1)
                    .worker("tick", Tick.class, job -> Outcome.complete())
                    .periodic(
                        PeriodicJob.of(Schedule.every(Duration.ofSeconds(1)), new Tick())
                            .named("heartbeat-tick"))
                    .build())
            .start();
    try {
      browser.findElement(By.linkText("Cron")).click();
      awaitTitle("Cron · Errand", "/cron");
      awaitAfterReloads(
          "a completed slot on the cron page",
          () ->
              !browser
                  .findElements(By.cssSelector("tr[data-cron='heartbeat-tick'] a.state-completed"))
                  .isEmpty());
      assertThat(browser.findElement(By.cssSelector("tr[data-cron='heartbeat-tick']")).getText())
          .contains("every 1 second", "every 1s", "tick", "cron-node");
      screenshot("cron");

      browser.findElement(By.linkText("Nodes")).click();
      awaitTitle("Nodes · Errand", "/nodes");
      awaitAfterReloads(
          "the node's lead on the nodes page",
          () ->
              browser
                  .findElement(By.cssSelector("tr[data-node='cron-node'] .leader"))
                  .getText()
                  .equals("leader"));
      screenshot("nodes");
    } finally {
      cronNode.stop(Duration.ofSeconds(5));
    }
  }

  @Test
  void theBatchesPageShowsEachBatchsProgress() throws Exception {
    long callback =
        errand
            .batch()
            .addAll(
                List.of(
                    new RawArgs("render_ticket", "{\"order\":1}"),
                    new RawArgs("render_ticket", "{\"order\":2}")),
                EnqueueOptions.defaults().queue("tickets"))
            .onFinish(new RawArgs("send_tickets", "{}"))
            .enqueue()
            .callback()
            .id();
    dev.errand.JobInfo member =
        errand
            .leases()
            .fetch(List.of("tickets"), java.util.Set.of(), 1, "w", Duration.ofMinutes(5))
            .get(0);
    errand.leases().complete(new dev.errand.AttemptRef(member.id(), member.attempt()));

    browser.get(base + "/jobs");
    browser.findElement(By.linkText("Batches")).click();
    awaitTitle("Batches · Errand", "/batches");
    WebElement row = browser.findElement(By.cssSelector("tr[data-batch='" + callback + "']"));
    assertThat(row.getText()).contains("send_tickets", "1 of 2", "pending");
    assertThat(row.findElement(By.tagName("progress")).getAttribute("value")).isEqualTo("1");
    screenshot("batches");
  }

  record Tick() implements JobArgs {
    @Override
    public String kind() {
      return "tick";
    }
  }

  @Test
  void aBulkRetryOfAFilterChangesExactlyThoseJobs() throws Exception {
    List<Long> images = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      images.add(
          errand
              .enqueue(new RawArgs("resize_image", "{}"), EnqueueOptions.defaults().queue("images"))
              .id());
      FailedAttempts.failNext(errand, "images", "w", "E", "boom", "", Duration.ofHours(1));
    }
    long mail =
        errand
            .enqueue(new RawArgs("send_email", "{}"), EnqueueOptions.defaults().queue("mail"))
            .id();
    FailedAttempts.failNext(errand, "mail", "w", "E", "boom", "", Duration.ofHours(1));

    browser.get(base + "/jobs?state=retryable&queue=images");
    browser.findElement(By.xpath("//button[text()='Run now all that match']")).click();
    awaitTitle("Run now? · Errand", "/jobs/bulk");
    assertThat(browser.findElement(By.id("bulk-confirm")).getText())
        .isEqualTo("Run now 3 jobs that match the filter?");
    screenshot("bulk-confirm");
    assertThat(errand.jobs().get(images.get(0)).orElseThrow().state())
        .isEqualTo(JobState.RETRYABLE);
    browser.findElement(By.xpath("//button[text()='Run now 3 jobs']")).click();
    awaitText(By.id("bulk-result"), "Made available 3 of 3 jobs.");
    for (long id : images) {
      assertThat(errand.jobs().get(id).orElseThrow().state()).isEqualTo(JobState.AVAILABLE);
    }
    assertThat(errand.jobs().get(mail).orElseThrow().state()).isEqualTo(JobState.RETRYABLE);

    // The boxes: one selected job, cancelled alone.
    browser.get(base + "/jobs");
    browser.findElement(By.cssSelector("tr[data-id='" + mail + "'] input[type=checkbox]")).click();
    browser.findElement(By.xpath("//button[text()='Cancel selected']")).click();
    awaitTitle("Cancel? · Errand", "/jobs/bulk");
    assertThat(browser.findElement(By.id("bulk-confirm")).getText())
        .isEqualTo("Cancel 1 job you selected?");
    browser.findElement(By.xpath("//button[text()='Cancel 1 job']")).click();
    awaitText(By.id("bulk-result"), "Cancelled 1 of 1 jobs.");
    assertThat(errand.jobs().get(mail).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
    for (long id : images) {
      assertThat(errand.jobs().get(id).orElseThrow().state()).isEqualTo(JobState.AVAILABLE);
    }
  }

  @Test
  void aServerWithATokenOpensItsPagesToALoginWithIt() throws Exception {
    server.close();
    server =
        new ApiServer(errand, ServerOptions.defaults().withPort(0).withToken(TestServer.TOKEN))
            .start();
    base = "http://127.0.0.1:" + server.port();
    long id = errand.enqueue(new RawArgs("noop", "{}")).id();

    browser.get(base + "/jobs");
    awaitTitle("Log in · Errand", "/login");
    WebElement token = browser.findElement(By.name("token"));
    token.sendKeys("not the token");
    token.submit();
    awaitText(By.id("login-problem"), "That is not this server's token.");
    screenshot("login");
    browser.findElement(By.name("token")).sendKeys(TestServer.TOKEN);
    browser.findElement(By.name("token")).submit();
    awaitTitle("Jobs · Errand", "/jobs");
    assertThat(rowIds()).containsExactly(Long.toString(id));
    assertThat(browser.manage().getCookieNamed(DashboardSessions.COOKIE).isHttpOnly()).isTrue();

    browser.findElement(By.xpath("//button[text()='Log out']")).click();
    awaitTitle("Log in · Errand", "/login");
    browser.get(base + "/queues");
    awaitTitle("Log in · Errand", "/login");
  }

  @Test
  void aJobWhoseValuesHoldMarkupRunsNothingInTheBrowser() throws Exception {
    String attack = "<script>window.pwned=1</script>\"><img src=x onerror=\"window.pwned=2\">";
    long id =
        errand
            .enqueue(
                new RawArgs("import", "{\"name\":\"" + attack.replace("\"", "\\\"") + "\"}"),
                EnqueueOptions.defaults().queue("q").metadata(Map.of("note", attack)))
            .id();
    FailedAttempts.failNext(
        errand,
        "q",
        "node",
        "<svg onload=\"window.pwned=3\">",
        attack,
        attack,
        Duration.ofMinutes(1));

    for (String path : List.of("/jobs", "/jobs/" + id, "/queues")) {
      browser.get(base + path);
      JavascriptExecutor js = browser;
      assertThat(js.executeScript("return typeof window.pwned")).as(path).isEqualTo("undefined");
      assertThat(js.executeScript("return document.querySelectorAll('script, img, svg').length"))
          .as(path)
          .isEqualTo(0L);
      try {
        browser.switchTo().alert();
        fail("an alert opened on " + path);
      } catch (NoAlertPresentException expected) {
        // nothing ran
      }
    }
    browser.get(base + "/jobs/" + id);
    assertThat(browser.findElement(By.cssSelector(".attempt-error strong")).getText())
        .isEqualTo("<svg onload=\"window.pwned=3\">");
    screenshot("job-with-markup");
  }
}
