package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.AttemptRef;
import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.JobArgs;
import dev.errand.JobInfo;
import dev.errand.JobState;
import dev.errand.Outcome;
import dev.errand.PeriodicJob;
import dev.errand.RawArgs;
import dev.errand.Schedule;
import dev.errand.UniqueOptions;
import dev.errand.spi.NodeReportParams;
import dev.errand.sqlite.SqliteStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's pages over HTTP, on a SQLite store with real jobs: what each page shows, the
 * filters and keyset paging of the jobs list, values that hold markup rendered as text, the headers
 * that keep the pages to themselves, and the token of a server that has one.
 */
class DashboardTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private SqliteStore store;
  private Errand errand;
  private ApiServer server;
  private String base;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (errand != null) {
      errand.stop(Duration.ofSeconds(5));
    }
    if (store != null) {
      store.close();
    }
  }

  private void start(Path dir, String token) {
    start(dir, token, null);
  }

  private void start(Path dir, String token, String readOnlyToken) {
    startWith(dir, ServerOptions.defaults().withToken(token).withReadOnlyToken(readOnlyToken));
  }

  private void startWith(Path dir, ServerOptions options) {
    store = SqliteStore.builder(dir.resolve("errand.db")).build();
    store.migrate();
    errand = Errand.create(Config.builder(store).build());
    server = new ApiServer(errand, options.withPort(0)).start();
    base = "http://127.0.0.1:" + server.port();
  }

  private HttpResponse<String> page(String path) throws Exception {
    return page(path, null);
  }

  private HttpResponse<String> page(String path, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/html");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The text of each cell of a queue's row on the queues page. */
  private static List<String> cells(String html, String queue) {
    Matcher row =
        Pattern.compile("<tr data-queue=\"" + queue + "\">(.*?)</tr>", Pattern.DOTALL)
            .matcher(html);
    assertThat(row.find()).as("a row for " + queue).isTrue();
    return Pattern.compile("<td[^>]*>(.*?)</td>", Pattern.DOTALL)
        .matcher(row.group(1))
        .results()
        .map(cell -> cell.group(1).replaceAll("<form.*?</form>|<[^>]+>", "").trim())
        .toList();
  }

  @Test
  void anEstimatedCountIsRoundedAndSaysItIsOne() {
    assertThat(Dashboard.roughly(1_234_567)).isEqualTo(1_200_000);
    assertThat(Dashboard.roughly(98_765)).isEqualTo(99_000);
    assertThat(Dashboard.roughly(42)).isEqualTo(42);
    Html exact = new Html();
    Dashboard.count(exact, 1_234_567, false);
    assertThat(exact.toString()).isEqualTo("<span class=\"count\">1234567</span>");
    Html estimate = new Html();
    Dashboard.count(estimate, 1_234_567, true);
    assertThat(estimate.toString())
        .startsWith("<span class=\"count estimate\" title=\"an estimate")
        .endsWith(">≈1,200,000</span>");
  }

  private static List<Long> rows(String html) {
    Matcher row = Pattern.compile("<tr data-id=\"(\\d+)\">").matcher(html);
    return row.results().map(m -> Long.parseLong(m.group(1))).toList();
  }

  @Test
  void thePagesShowTheStoresJobsAndQueues(@TempDir Path dir) throws Exception {
    start(dir, null);
    long waiting =
        errand
            .enqueue(
                new RawArgs("send_email", "{\"to\":\"a@example.com\"}"),
                EnqueueOptions.defaults().queue("mail").tags("signup"))
            .id();
    long later =
        errand
            .enqueue(
                new RawArgs("render", "{}"), EnqueueOptions.defaults().runIn(Duration.ofHours(1)))
            .id();
    long failed =
        errand
            .enqueue(new RawArgs("resize", "{\"w\":-3}"), EnqueueOptions.defaults().queue("images"))
            .id();
    FailedAttempts.failNext(
        errand,
        "images",
        "worker-7",
        "ValueError",
        "width must be positive, was -3",
        "Traceback (most recent call last):\n  File \"resize.py\", line 7",
        Duration.ofMinutes(10));
    long running =
        errand
            .enqueue(
                new RawArgs("resize", "{\"w\":5}"),
                EnqueueOptions.defaults().queue("images").unique(UniqueOptions.byKind().byArgs()))
            .id();
    errand.leases().fetch(List.of("images"), Set.of(), 1, "worker-8", Duration.ofMinutes(5));

    HttpResponse<String> jobs = page("/jobs");
    assertThat(jobs.statusCode()).isEqualTo(200);
    assertThat(jobs.headers().firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
    assertThat(jobs.headers().firstValue("Content-Security-Policy"))
        .hasValue(Dashboard.CONTENT_SECURITY_POLICY);
    assertThat(rows(jobs.body())).containsExactly(running, failed, later, waiting);
    assertThat(jobs.body())
        .contains("all <span class=\"count\">4</span>", "retryable <span class=\"count\">1</span>");

    assertThat(rows(page("/jobs?state=retryable").body())).containsExactly(failed);
    assertThat(rows(page("/jobs?state=scheduled").body())).containsExactly(later);
    assertThat(rows(page("/jobs?queue=images").body())).containsExactly(running, failed);
    assertThat(rows(page("/jobs?queue=images&order=oldest").body()))
        .containsExactly(failed, running);
    assertThat(rows(page("/jobs?order=oldest").body()))
        .containsExactly(waiting, later, failed, running);
    assertThat(page("/jobs?order=sideways").statusCode()).isEqualTo(400);
    assertThat(rows(page("/jobs?queue=images&state=running").body())).containsExactly(running);
    assertThat(rows(page("/jobs?kind=send_email").body())).containsExactly(waiting);
    assertThat(page("/jobs?kind=nothing").body()).contains("No job matches.");
    assertThat(rows(page("/jobs?where=args.w%3D-3").body())).containsExactly(failed);
    assertThat(rows(page("/jobs?tag=signup").body())).containsExactly(waiting);
    assertThat(rows(page("/jobs?where=args.to%3Da@example.com&tag=signup&queue=mail").body()))
        .containsExactly(waiting);
    assertThat(rows(page("/jobs?where=args.w%3D-3+and+args.h%3D1").body())).isEmpty();
    HttpResponse<String> badCondition = page("/jobs?where=w%3D5");
    assertThat(badCondition.statusCode()).isEqualTo(400);
    assertThat(badCondition.body()).contains("args.&lt;path&gt;=&lt;value&gt;");

    String failedPage = page("/jobs/" + failed).body();
    assertThat(failedPage)
        .contains(
            "Job " + failed,
            "retryable",
            "ValueError",
            "width must be positive, was -3",
            "<pre class=\"stack-trace\">Traceback (most recent call last):\n  File &quot;resize.py&quot;, line 7</pre>",
            "&quot;w&quot; : -3");
    assertThat(failedPage).contains("<ol id=\"timeline\">", " enqueued</li>");
    // The failed attempt: its node, start, end and duration, then its error in the same item.
    assertThat(failedPage)
        .containsPattern(
            "</time> attempt 1 on worker-7: started, ended [0-9-]+ [0-9:]+, took [0-9.]+ m?s"
                + "<section class=\"attempt-error\"><p><strong class=\"error\">ValueError</strong>"
                + " width must be positive, was -3</p><pre class=\"stack-trace\">Traceback");
    assertThat(failedPage)
        .as("its start is in its item, and its stack trace in one place")
        .doesNotContain("attempt 1 started")
        .containsOnlyOnce("class=\"stack-trace\"");
    String runningPage = page("/jobs/" + running).body();
    assertThat(runningPage)
        .contains(
            "<dt>lease owner</dt><dd>worker-8</dd>",
            "<dt>lease expires</dt>",
            "<dt>last heartbeat</dt><dd>none yet</dd>",
            "<dt>unique key</dt><dd>" + errand.jobs().get(running).orElseThrow().uniqueKey(),
            " attempt 1 started on worker-8</li>",
            " lease expires unless renewed</li>")
        .doesNotContain(" last heartbeat</li>");
    assertThat(
            errand
                .leases()
                .heartbeat("worker-8", List.of(new AttemptRef(running, 1)), Duration.ofMinutes(5)))
        .isEmpty();
    Instant heartbeatAt = errand.jobs().get(running).orElseThrow().heartbeatAt();
    assertThat(heartbeatAt).isNotNull();
    assertThat(page("/jobs/" + running).body())
        .contains(
            "<dt>last heartbeat</dt><dd>" + JobsCommand.UTC.format(heartbeatAt) + "</dd>",
            "</time> last heartbeat</li>");
    assertThat(failedPage).doesNotContain("<dt>unique key</dt>", "<dt>last heartbeat</dt>");
    assertThat(Dashboard.took(Duration.ofMillis(840))).isEqualTo("840 ms");
    assertThat(Dashboard.took(Duration.ofMillis(12_500))).isEqualTo("12.5 s");
    assertThat(Dashboard.took(Duration.ofSeconds(200))).isEqualTo("3 min 20 s");
    assertThat(Dashboard.took(Duration.ofMinutes(125))).isEqualTo("2 h 5 min");
    HttpResponse<String> goTo = page("/jobs?id=" + failed);
    assertThat(goTo.statusCode()).isEqualTo(303);
    assertThat(goTo.headers().firstValue("Location")).hasValue("/jobs/" + failed);
    HttpResponse<String> notAnId = page("/jobs?id=%3Cb%3E");
    assertThat(notAnId.statusCode()).isEqualTo(400);
    assertThat(notAnId.body())
        .contains("id=\"filter-problem\">id must be an integer of ASCII digits, was &#39;&lt;b&gt;")
        .contains("id=\"go-to\"");
    HttpResponse<String> missing = page("/jobs/999999");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).contains("No job 999999");

    String queues = page("/queues").body();
    assertThat(queues)
        .contains(
            "<tr data-queue=\"images\">",
            "<tr data-queue=\"mail\">",
            "<tr data-queue=\"default\">");
    // Two live nodes work "images", 3 and 5 at once: one job runs of the 8 they allow.
    Instant now = Instant.now();
    for (String node : List.of("node-a", "node-b")) {
      store.nodeReport(
          new NodeReportParams(
              node,
              Map.of("images", node.equals("node-a") ? 3 : 5),
              Set.of("resize"),
              now,
              now,
              now.plus(Duration.ofMinutes(1))));
    }
    assertThat(cells(page("/queues").body(), "images"))
        .startsWith("images", "", "8", "13 %", "")
        .endsWith("0", "1", "1", "0", "0", "0", "");
    // No node works "mail": no concurrency, no utilization; its waiting job has been waiting.
    List<String> mail = cells(page("/queues").body(), "mail");
    assertThat(mail).startsWith("mail", "", "no node", "");
    assertThat(mail.get(4)).matches("[0-9.]+ (ms|s)");

    HttpResponse<String> root = page("/");
    assertThat(root.statusCode()).isEqualTo(303);
    assertThat(root.headers().firstValue("Location")).hasValue("/jobs");
    HttpResponse<String> css = page(Dashboard.CSS_FILE);
    assertThat(css.statusCode()).isEqualTo(200);
    assertThat(css.headers().firstValue("Cache-Control"))
        .hasValue("public, max-age=31536000, immutable");
    assertThat(jobs.body())
        .contains("<link rel=\"stylesheet\" href=\"" + Dashboard.CSS_FILE + "\">");
  }

  @Test
  void theJobsListPagesByKeyset(@TempDir Path dir) throws Exception {
    start(dir, null);
    for (int i = 0; i < 120; i++) {
      errand.enqueue(new RawArgs("noop", "{\"n\":" + i + "}"));
    }

    // Newest first by default.
    String first = page("/jobs?queue=default").body();
    assertThat(rows(first)).hasSize(Dashboard.PAGE_SIZE).startsWith(120L).endsWith(71L);
    assertThat(next(first)).isEqualTo("/jobs?queue=default&amp;after=71");
    String second = page("/jobs?queue=default&after=71").body();
    assertThat(rows(second)).hasSize(50).startsWith(70L).endsWith(21L);
    String last = page("/jobs?queue=default&after=21").body();
    assertThat(rows(last)).hasSize(20).startsWith(20L).endsWith(1L);
    assertThat(last).doesNotContain("rel=\"next\"");

    // Oldest first: the switch keeps the filter, and so do the pages, the tabs and the form.
    assertThat(first).contains("href=\"/jobs?queue=default&amp;order=oldest\">oldest first");
    String oldest = page("/jobs?queue=default&order=oldest").body();
    assertThat(rows(oldest)).hasSize(Dashboard.PAGE_SIZE).startsWith(1L).endsWith(50L);
    assertThat(next(oldest)).isEqualTo("/jobs?queue=default&amp;order=oldest&amp;after=50");
    assertThat(oldest)
        .contains(
            "href=\"/jobs?state=available&amp;queue=default&amp;order=oldest\"",
            "<input type=\"hidden\" name=\"order\" value=\"oldest\">",
            "id=\"newest-first\" href=\"/jobs?queue=default\">newest first");
    String second2 = page("/jobs?queue=default&order=oldest&after=50").body();
    assertThat(rows(second2)).hasSize(50).startsWith(51L).endsWith(100L);
    String last2 = page("/jobs?queue=default&order=oldest&after=100").body();
    assertThat(rows(last2)).hasSize(20).startsWith(101L).endsWith(120L);
    assertThat(last2).doesNotContain("rel=\"next\"");
  }

  private static String next(String html) {
    Matcher next = Pattern.compile("<a rel=\"next\" href=\"([^\"]+)\">").matcher(html);
    assertThat(next.find()).as("a next link in %s", html).isTrue();
    return next.group(1);
  }

  @Test
  void markupInAJobRendersAsText(@TempDir Path dir) throws Exception {
    start(dir, null);
    String attack = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>";
    long id =
        errand
            .enqueue(
                new RawArgs("import", "{\"name\":\"" + attack.replace("\"", "\\\"") + "\"}"),
                EnqueueOptions.defaults()
                    .queue("q")
                    .tags("<b>tag</b>")
                    .metadata(Map.of("note", attack)))
            .id();
    FailedAttempts.failNext(
        errand, "q", "<i>node</i>", "<svg onload=alert(3)>", attack, attack, Duration.ofMinutes(1));

    for (String path :
        List.of(
            "/jobs",
            "/jobs?queue=q",
            "/jobs/" + id,
            "/queues",
            "/jobs?kind="
                + java.net.URLEncoder.encode(attack, java.nio.charset.StandardCharsets.UTF_8))) {
      String html = page(path).body();
      assertThat(html)
          .as(path)
          .doesNotContain("<script>alert", "<img src=x", "<svg onload", "<b>tag", "<i>node");
    }
    assertThat(page("/jobs/" + id).body())
        .contains(
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "&lt;svg onload=alert(3)&gt;",
            "&lt;b&gt;tag&lt;/b&gt;");
  }

  private HttpResponse<String> post(String path, String form, String origin) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form));
    if (origin != null) {
      request.header("Origin", origin);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The CSRF token the forms of {@code path}'s page carry. */
  private String csrf(String path) throws Exception {
    Matcher token =
        Pattern.compile("name=\"csrf\" value=\"([A-Za-z0-9_-]+)\"").matcher(page(path).body());
    assertThat(token.find()).as("a form with a CSRF token on " + path).isTrue();
    return token.group(1);
  }

  @Test
  void actionsTakeThePagesFormWithItsCsrfTokenAndNothingElse(@TempDir Path dir) throws Exception {
    start(dir, null);
    errand.enqueue(new RawArgs("noop", "{}"));
    String csrf = csrf("/queues");

    assertThat(post("/queues/default/pause", "", null).statusCode()).isEqualTo(403);
    assertThat(post("/queues/default/pause", "csrf=wrong", null).statusCode()).isEqualTo(403);
    HttpResponse<String> json =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/queues/default/pause"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"csrf\":\"" + csrf + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(json.statusCode()).isEqualTo(415);
    assertThat(post("/queues/default/pause", "csrf=" + csrf, "http://evil.example").statusCode())
        .isEqualTo(403);
    assertThat(errand.queues().get("default").orElseThrow().paused()).isFalse();

    HttpResponse<String> paused = post("/queues/default/pause", "csrf=" + csrf, base);
    assertThat(paused.statusCode()).isEqualTo(303);
    assertThat(paused.headers().firstValue("Location")).hasValue("/queues");
    assertThat(errand.queues().get("default").orElseThrow().paused()).isTrue();
    assertThat(page("/queues").body()).contains("action=\"/queues/default/resume\"");
    assertThat(post("/queues/default/resume", "csrf=" + csrf, null).statusCode()).isEqualTo(303);
    assertThat(errand.queues().get("default").orElseThrow().paused()).isFalse();
  }

  @Test
  void aJobsPageRunsCancelsAndDeletesIt(@TempDir Path dir) throws Exception {
    start(dir, null);
    long retrying =
        errand.enqueue(new RawArgs("noop", "{}"), EnqueueOptions.defaults().queue("q")).id();
    FailedAttempts.failNext(errand, "q", "w", "E", "boom", "", Duration.ofHours(1));
    long later =
        errand
            .enqueue(
                new RawArgs("noop", "{}"), EnqueueOptions.defaults().runIn(Duration.ofHours(1)))
            .id();
    long running =
        errand.enqueue(new RawArgs("noop", "{}"), EnqueueOptions.defaults().queue("r")).id();
    errand.leases().fetch(List.of("r"), Set.of(), 1, "w", Duration.ofMinutes(5));
    String csrf = csrf("/jobs/" + retrying);

    HttpResponse<String> runNow = post("/jobs/" + retrying + "/retry", "csrf=" + csrf, null);
    assertThat(runNow.statusCode()).isEqualTo(303);
    assertThat(runNow.headers().firstValue("Location")).hasValue("/jobs/" + retrying);
    assertThat(errand.jobs().get(retrying).orElseThrow().state()).isEqualTo(JobState.AVAILABLE);
    assertThat(post("/jobs/" + later + "/cancel", "csrf=" + csrf, null).statusCode())
        .isEqualTo(303);
    assertThat(errand.jobs().get(later).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
    HttpResponse<String> deleted = post("/jobs/" + later + "/delete", "csrf=" + csrf, null);
    assertThat(deleted.headers().firstValue("Location")).hasValue("/jobs");
    assertThat(errand.jobs().get(later)).isEmpty();
    assertThat(post("/jobs/" + running + "/delete", "csrf=" + csrf, null).statusCode())
        .isEqualTo(409);
    assertThat(errand.jobs().get(running)).isPresent();
    assertThat(post("/jobs/999999/retry", "csrf=" + csrf, null).statusCode()).isEqualTo(404);
    assertThat(page("/jobs/" + running).body())
        .contains("/jobs/" + running + "/cancel")
        .doesNotContain("/jobs/" + running + "/delete", "/jobs/" + running + "/retry");
  }

  @Test
  void aBulkActionSaysHowManyJobsItTakesThenActsOnExactlyThose(@TempDir Path dir) throws Exception {
    start(dir, null);
    List<Long> failedImages = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      failedImages.add(
          errand
              .enqueue(new RawArgs("resize", "{}"), EnqueueOptions.defaults().queue("images"))
              .id());
      FailedAttempts.failNext(errand, "images", "w", "E", "boom", "", Duration.ofHours(1));
    }
    long failedMail =
        errand.enqueue(new RawArgs("send", "{}"), EnqueueOptions.defaults().queue("mail")).id();
    FailedAttempts.failNext(errand, "mail", "w", "E", "boom", "", Duration.ofHours(1));
    long waitingImage =
        errand.enqueue(new RawArgs("resize", "{}"), EnqueueOptions.defaults().queue("images")).id();
    String csrf = csrf("/jobs");
    assertThat(page("/jobs?state=retryable").body())
        .contains("<form id=\"bulk\"", "name=\"id\" value=\"" + failedMail + "\"");

    // Every retryable job of queue images: the page says how many and names them; nothing moved
    // yet.
    HttpResponse<String> confirm =
        post(
            "/jobs/bulk",
            "csrf=" + csrf + "&state=retryable&queue=images&bulk=retry-matching",
            null);
    assertThat(confirm.statusCode()).isEqualTo(200);
    assertThat(confirm.body()).contains("Run now 3 jobs that match the filter?");
    List<Long> named =
        Pattern.compile("name=\"id\" value=\"(\\d+)\"")
            .matcher(confirm.body())
            .results()
            .map(m -> Long.parseLong(m.group(1)))
            .toList();
    assertThat(named).containsExactlyElementsOf(failedImages);
    for (long id : failedImages) {
      assertThat(errand.jobs().get(id).orElseThrow().state()).isEqualTo(JobState.RETRYABLE);
    }

    StringBuilder form = new StringBuilder("csrf=" + csrf + "&bulk=retry-confirmed");
    named.forEach(id -> form.append("&id=").append(id));
    HttpResponse<String> done = post("/jobs/bulk", form.toString(), null);
    assertThat(done.body()).contains("Made available 3 of 3 jobs.");
    for (long id : failedImages) {
      assertThat(errand.jobs().get(id).orElseThrow().state()).isEqualTo(JobState.AVAILABLE);
    }
    assertThat(errand.jobs().get(failedMail).orElseThrow().state()).isEqualTo(JobState.RETRYABLE);
    assertThat(errand.jobs().get(waitingImage).orElseThrow().state()).isEqualTo(JobState.AVAILABLE);

    // Selected jobs: the same two steps; a job that cannot take the action is reported.
    assertThat(
            post("/jobs/bulk", "csrf=" + csrf + "&id=" + failedMail + "&bulk=cancel-selected", null)
                .body())
        .contains("Cancel 1 job you selected?");
    long running =
        errand
            .leases()
            .fetch(List.of("images"), Set.of(), 1, "w", Duration.ofMinutes(5))
            .get(0)
            .id();
    HttpResponse<String> deleted =
        post(
            "/jobs/bulk",
            "csrf="
                + csrf
                + "&id="
                + running
                + "&id="
                + failedMail
                + "&id=999999&bulk=delete-confirmed",
            null);
    assertThat(deleted.body())
        .contains(
            "Deleted 1 of 3 jobs.",
            "1 was left as they were: running jobs are not deleted",
            "1 no longer existed.");
    assertThat(errand.jobs().get(failedMail)).isEmpty();
    assertThat(errand.jobs().get(running)).isPresent();

    // More than the cap is refused whole; so is a post without the page's CSRF token.
    StringBuilder tooMany = new StringBuilder("csrf=" + csrf + "&bulk=delete-confirmed");
    for (int id = 1; id <= Dashboard.BULK_LIMIT + 1; id++) {
      tooMany.append("&id=").append(id);
    }
    HttpResponse<String> refused = post("/jobs/bulk", tooMany.toString(), null);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("at most 1000 jobs");
    long available = failedImages.get(1);
    assertThat(errand.jobs().get(available)).isPresent();
    assertThat(post("/jobs/bulk", "id=" + available + "&bulk=delete-confirmed", null).statusCode())
        .isEqualTo(403);
    assertThat(errand.jobs().get(available)).isPresent();
  }

  @Test
  void aBulkActionOnAFilterTakesTheFirstThousandAndSaysMoreMatch(@TempDir Path dir)
      throws Exception {
    start(dir, null);
    List<RawArgs> jobs = new java.util.ArrayList<>();
    for (int i = 0; i < Dashboard.BULK_LIMIT + 5; i++) {
      jobs.add(new RawArgs("noop", "{}"));
    }
    errand.enqueueAll(jobs, EnqueueOptions.defaults().runIn(Duration.ofHours(1)));
    String body =
        post("/jobs/bulk", "csrf=" + csrf("/jobs") + "&state=scheduled&bulk=cancel-matching", null)
            .body();
    assertThat(body)
        .contains(
            "Cancel 1000 jobs that match the filter?", "More jobs match: these are the first 1000");
    assertThat(Pattern.compile("name=\"id\" value=").matcher(body).results().count())
        .isEqualTo(Dashboard.BULK_LIMIT);
  }

  private HttpResponse<String> request(String method, String path, String form, String cookie)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/html");
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    if (form != null) {
      request
          .header("Content-Type", "application/x-www-form-urlencoded")
          .method(method, HttpRequest.BodyPublishers.ofString(form));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aServerWithATokenShowsItsPagesAfterALoginWithIt(@TempDir Path dir) throws Exception {
    start(dir, TestServer.TOKEN);
    errand.enqueue(new RawArgs("noop", "{}"));

    for (String path : List.of("/", "/jobs", "/jobs/1", "/queues")) {
      HttpResponse<String> refused = page(path);
      assertThat(refused.statusCode()).as(path).isEqualTo(303);
      assertThat(refused.headers().firstValue("Location")).as(path).hasValue("/login");
    }
    assertThat(page(Dashboard.CSS_FILE).statusCode()).isEqualTo(200);
    assertThat(page("/api/jobs").statusCode()).as("the API, without its token").isEqualTo(401);
    String csrf = csrf("/login");

    HttpResponse<String> wrong = request("POST", "/login", "csrf=" + csrf + "&token=guess", null);
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("That is not this server&#39;s token.");
    assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(request("POST", "/login", "token=" + TestServer.TOKEN, null).statusCode())
        .as("a login without the form's CSRF token")
        .isEqualTo(403);

    HttpResponse<String> login =
        request("POST", "/login", "csrf=" + csrf + "&token=" + TestServer.TOKEN, null);
    assertThat(login.statusCode()).isEqualTo(303);
    assertThat(login.headers().firstValue("Location")).hasValue("/jobs");
    String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie)
        .startsWith(DashboardSessions.COOKIE + "=")
        .contains("; Path=/", "; HttpOnly", "; SameSite=Strict", "; Max-Age=28800");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));

    HttpResponse<String> jobs = request("GET", "/jobs", null, cookie);
    assertThat(jobs.statusCode()).isEqualTo(200);
    assertThat(jobs.body()).contains("action=\"/logout\"");
    assertThat(request("GET", "/api/jobs", null, cookie).statusCode())
        .as("the API takes its token, never the dashboard's cookie")
        .isEqualTo(401);
    assertThat(request("POST", "/queues/default/pause", "csrf=" + csrf, null).statusCode())
        .as("an action without the login")
        .isEqualTo(401);
    assertThat(errand.queues().get("default").orElseThrow().paused()).isFalse();
    assertThat(request("POST", "/queues/default/pause", "csrf=" + csrf, cookie).statusCode())
        .isEqualTo(303);
    assertThat(errand.queues().get("default").orElseThrow().paused()).isTrue();
    assertThat(page("/jobs", TestServer.TOKEN).statusCode())
        .as("the bearer token still opens the pages")
        .isEqualTo(200);

    HttpResponse<String> logout = request("POST", "/logout", "csrf=" + csrf, cookie);
    assertThat(logout.statusCode()).isEqualTo(303);
    assertThat(logout.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
    HttpResponse<String> after = request("GET", "/jobs", null, cookie);
    assertThat(after.statusCode()).isEqualTo(303);
    assertThat(after.headers().firstValue("Location")).hasValue("/login");
  }

  @Test
  void theReadOnlyTokenReadsAndChangesNothing(@TempDir Path dir) throws Exception {
    String reader = "reader-token-0123456789";
    start(dir, TestServer.TOKEN, reader);
    long id =
        errand
            .enqueue(
                new RawArgs("noop", "{}"), EnqueueOptions.defaults().runIn(Duration.ofHours(1)))
            .id();
    String csrf = csrf("/login");
    HttpResponse<String> login =
        request("POST", "/login", "csrf=" + csrf + "&token=" + reader, null);
    assertThat(login.statusCode()).isEqualTo(303);
    String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));

    String queues = request("GET", "/queues", null, cookie).body();
    assertThat(queues)
        .contains("<tr data-queue=\"default\">", "action=\"/logout\"")
        .doesNotContain("/pause");
    String job = request("GET", "/jobs/" + id, null, cookie).body();
    assertThat(job).contains("Job " + id).doesNotContain("/retry", "/cancel", "/delete");
    assertThat(request("POST", "/queues/default/pause", "csrf=" + csrf, cookie).statusCode())
        .isEqualTo(403);
    assertThat(request("POST", "/jobs/" + id + "/cancel", "csrf=" + csrf, cookie).statusCode())
        .isEqualTo(403);
    assertThat(request("GET", "/jobs", null, cookie).body())
        .contains("<tr data-id=\"" + id + "\">")
        .doesNotContain("/jobs/bulk", "type=\"checkbox\"");
    assertThat(
            request(
                    "POST",
                    "/jobs/bulk",
                    "csrf=" + csrf + "&id=" + id + "&bulk=cancel-confirmed",
                    cookie)
                .statusCode())
        .isEqualTo(403);
    assertThat(errand.queues().get("default").orElseThrow().paused()).isFalse();
    assertThat(errand.jobs().get(id).orElseThrow().state()).isEqualTo(JobState.SCHEDULED);

    HttpResponse<String> api =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/jobs"))
                .header("Authorization", "Bearer " + reader)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(api.statusCode()).isEqualTo(200);
    HttpResponse<String> pause =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/queues/default/pause"))
                .header("Authorization", "Bearer " + reader)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(pause.statusCode()).isEqualTo(403);
    assertThat(pause.body()).contains("this token reads only");
    assertThat(errand.queues().get("default").orElseThrow().paused()).isFalse();

    assertThat(request("POST", "/logout", "csrf=" + csrf, cookie).statusCode()).isEqualTo(303);
    assertThat(request("GET", "/jobs", null, cookie).statusCode()).isEqualTo(303);
  }

  @Test
  void aReadOnlyTokenNeedsATokenBesideItAndAnotherValue() {
    assertThatThrownBy(() -> ServerOptions.defaults().withReadOnlyToken("reader-token-0123456789"))
        .hasMessageContaining("read-only-token needs a token beside it");
    assertThatThrownBy(
            () ->
                ServerOptions.defaults()
                    .withToken(TestServer.TOKEN)
                    .withReadOnlyToken(TestServer.TOKEN))
        .hasMessageContaining("must differ");
    assertThatThrownBy(
            () -> ServerOptions.defaults().withToken(TestServer.TOKEN).withReadOnlyToken("short"))
        .hasMessageContaining("at least 16");
  }

  @Test
  void underADashboardPathEveryPageLinkAndActionIsThere(@TempDir Path dir) throws Exception {
    startWith(dir, ServerOptions.defaults().withDashboardPath("/errand"));
    long id = errand.enqueue(new RawArgs("noop", "{}")).id();

    HttpResponse<String> jobs = page("/errand/jobs");
    assertThat(jobs.statusCode()).isEqualTo(200);
    assertThat(rows(jobs.body())).containsExactly(id);
    assertThat(jobs.body())
        .contains(
            "href=\"/errand/jobs/" + id + "\"",
            "href=\"/errand" + Dashboard.CSS_FILE + "\"",
            "action=\"/errand/jobs/bulk\"",
            "<a href=\"/errand/cron\">Cron</a>")
        .doesNotContain("href=\"/jobs", "action=\"/jobs");
    assertThat(page("/errand" + Dashboard.CSS_FILE).statusCode()).isEqualTo(200);
    assertThat(page("/jobs").statusCode()).isEqualTo(404);
    for (String root : List.of("/", "/errand", "/errand/")) {
      HttpResponse<String> home = page(root);
      assertThat(home.statusCode()).as(root).isEqualTo(303);
      assertThat(home.headers().firstValue("Location")).as(root).hasValue("/errand/jobs");
    }
    HttpResponse<String> paused =
        post("/errand/queues/default/pause", "csrf=" + csrf("/errand/queues"), null);
    assertThat(paused.headers().firstValue("Location")).hasValue("/errand/queues");
    assertThat(errand.queues().get("default").orElseThrow().paused()).isTrue();
    assertThat(page("/api/jobs").statusCode()).as("the API stays where it is").isEqualTo(200);

    for (String bad : List.of("errand", "/errand/", "/api", "/api/ui", "/a b")) {
      assertThatThrownBy(() -> ServerOptions.defaults().withDashboardPath(bad))
          .as(bad)
          .hasMessageContaining("dashboard-path");
    }
  }

  @Test
  void underADashboardPathTheLoginAndItsCookieStayThere(@TempDir Path dir) throws Exception {
    startWith(
        dir, ServerOptions.defaults().withToken(TestServer.TOKEN).withDashboardPath("/ops/errand"));
    HttpResponse<String> toLogin = page("/ops/errand/jobs");
    assertThat(toLogin.statusCode()).isEqualTo(303);
    assertThat(toLogin.headers().firstValue("Location")).hasValue("/ops/errand/login");
    String csrf = csrf("/ops/errand/login");
    HttpResponse<String> login =
        request("POST", "/ops/errand/login", "csrf=" + csrf + "&token=" + TestServer.TOKEN, null);
    assertThat(login.headers().firstValue("Location")).hasValue("/ops/errand/jobs");
    String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).contains("; Path=/ops/errand;");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    assertThat(request("GET", "/ops/errand/jobs", null, cookie).statusCode()).isEqualTo(200);
    assertThat(request("POST", "/ops/errand/logout", "csrf=" + csrf, cookie).statusCode())
        .isEqualTo(303);
  }

  @Test
  void theOverviewLoadsItsChartsFromThisServerOnlyAndReadsTheHistory(@TempDir Path dir)
      throws Exception {
    start(dir, null);
    errand.enqueue(new RawArgs("noop", "{}"), EnqueueOptions.defaults().queue("mail"));

    HttpResponse<String> overview = page("/overview");
    assertThat(overview.statusCode()).isEqualTo(200);
    assertThat(overview.headers().firstValue("Content-Security-Policy"))
        .hasValue(Dashboard.CONTENT_SECURITY_POLICY);
    assertThat(Dashboard.CONTENT_SECURITY_POLICY)
        .contains("script-src 'self'")
        .doesNotContain("unsafe-inline", "unsafe-eval");
    assertThat(overview.body())
        .contains(
            "data-source=\"/overview/data\"",
            "<option value=\"mail\">mail</option>",
            "<script src=\"" + Dashboard.UPLOT_JS_FILE + "\" defer></script>",
            "<script src=\"" + Dashboard.OVERVIEW_JS_FILE + "\" defer></script>",
            "id=\"overview-pause\"")
        .doesNotContain("<script>", " style=\"", "onclick");
    for (String asset :
        List.of(Dashboard.OVERVIEW_JS_FILE, Dashboard.UPLOT_JS_FILE, Dashboard.UPLOT_CSS_FILE)) {
      HttpResponse<String> file = page(asset);
      assertThat(file.statusCode()).as(asset).isEqualTo(200);
      assertThat(file.headers().firstValue("Cache-Control"))
          .as(asset)
          .hasValue("public, max-age=31536000, immutable");
    }
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> page("/overview/data").body().contains("\"mail\":{"));
    com.fasterxml.jackson.databind.JsonNode data =
        Body.MAPPER.readTree(page("/overview/data").body());
    com.fasterxml.jackson.databind.JsonNode available =
        data.get("queues").get("mail").get("available");
    assertThat(available.get(available.size() - 1).asLong()).isEqualTo(1);
    assertThat(data.get("t").size()).isEqualTo(available.size());
  }

  /** Three tickets in queue "tickets", then send_tickets. */
  private dev.errand.BatchEnqueued ticketsBatch() {
    return errand
        .batch()
        .addAll(
            List.of(
                new RawArgs("ticket", "{\"n\":1}"),
                new RawArgs("ticket", "{\"n\":2}"),
                new RawArgs("ticket", "{\"n\":3}")),
            EnqueueOptions.defaults().queue("tickets"))
        .onFinish(new RawArgs("send_tickets", "{}"))
        .enqueue();
  }

  @Test
  void theBatchesPageShowsEachBatchsProgressAndItsCallback(@TempDir Path dir) throws Exception {
    start(dir, null);
    dev.errand.BatchEnqueued batch = ticketsBatch();
    long callback = batch.callback().id();
    assertThat(errand.jobs().get(callback).orElseThrow().metadata())
        .containsEntry(dev.errand.Batch.METADATA_KEY, dev.errand.Batch.CALLBACK);
    errand.enqueue(new RawArgs("unrelated", "{}"));
    JobInfo first =
        errand.leases().fetch(List.of("tickets"), Set.of(), 1, "w", Duration.ofMinutes(5)).get(0);
    assertThat(errand.leases().complete(new dev.errand.AttemptRef(first.id(), first.attempt())))
        .isTrue();

    String batches = page("/batches").body();
    assertThat(Pattern.compile("<tr data-batch=\"(\\d+)\">").matcher(batches).results().count())
        .as("the callback is the batch; its members and other jobs are not listed")
        .isEqualTo(1);
    assertThat(batches)
        .contains(
            "<tr data-batch=\"" + callback + "\">",
            "<progress max=\"3\" value=\"1\"></progress> 1 of 3",
            "<td class=\"state state-pending\">pending</td>");
  }

  @Test
  void aBatchsCallbackLinksItsMembersAndEachMemberLinksTheCallback(@TempDir Path dir)
      throws Exception {
    start(dir, null);
    dev.errand.BatchEnqueued batch = ticketsBatch();
    long callback = batch.callback().id();
    List<Long> members = batch.memberIds();
    JobInfo first =
        errand.leases().fetch(List.of("tickets"), Set.of(), 1, "w", Duration.ofMinutes(5)).get(0);
    assertThat(errand.leases().complete(new dev.errand.AttemptRef(first.id(), first.attempt())))
        .isTrue();

    String callbackPage = page("/jobs/" + callback).body();
    assertThat(callbackPage)
        .contains(
            "<section id=\"dependencies\"><h2>Dependencies</h2>",
            "The callback of a batch of 3 members: 2 waiting, 1 completed, 0 discarded, 0"
                + " cancelled. The callback is pending",
            "<h3>Members not finished yet</h3>");
    for (long member : members) {
      if (member != first.id()) {
        assertThat(callbackPage)
            .contains("<a href=\"/jobs/" + member + "\">job " + member + "</a>");
      }
    }
    assertThat(callbackPage)
        .as("a member that finished is counted, no longer listed")
        .doesNotContain("<a href=\"/jobs/" + first.id() + "\">");

    for (long member : members.stream().filter(m -> m != first.id()).toList()) {
      assertThat(page("/jobs/" + member).body())
          .contains(
              "<h3>Waiting on this job</h3>",
              "<a href=\"/jobs/"
                  + callback
                  + "\">job "
                  + callback
                  + "</a> the callback of this job's batch, send_tickets, pending");
    }
    assertThat(page("/jobs/" + errand.enqueue(new RawArgs("alone", "{}")).id()).body())
        .doesNotContain("id=\"dependencies\"");
  }

  record Tick() implements JobArgs {
    @Override
    public String kind() {
      return "tick";
    }
  }

  @Test
  void theCronPageListsTheLiveNodesPeriodicJobsWithTheirLastSlots(@TempDir Path dir)
      throws Exception {
    start(dir, null);
    Errand node =
        Errand.create(
                Config.builder(store)
                    .nodeId("cron-node")
                    .queue("default", 2)
                    .worker("tick", Tick.class, job -> Outcome.complete())
                    .periodic(
                        PeriodicJob.of(Schedule.every(Duration.ofSeconds(1)), new Tick())
                            .named("heartbeat-tick"))
                    .periodic(
                        PeriodicJob.of(Schedule.cron("0 3 * * *"), new Tick())
                            .named("nightly-report"))
                    .build())
            .start();
    try {
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> page("/cron").body().contains("completed</a>"));
      String cron = page("/cron").body();
      assertThat(cron)
          .contains(
              "<tr data-cron=\"heartbeat-tick\"><td>heartbeat-tick</td><td>every 1 second<br>"
                  + "<code>every 1s</code>",
              "<tr data-cron=\"nightly-report\"><td>nightly-report</td><td>"
                  + Html.escape(Schedule.inWords("0 3 * * *"))
                  + "<br><code>0 3 * * *</code>",
              "<td>cron-node</td>",
              "all its jobs");
      // Its slot jobs carry the schedule's name; the page links to them through that metadata.
      long slot =
          Long.parseLong(
              Pattern.compile("<a href=\"/jobs/(\\d+)\" class=\"state state-completed\">")
                  .matcher(cron)
                  .results()
                  .findFirst()
                  .orElseThrow()
                  .group(1));
      assertThat(errand.jobs().get(slot).orElseThrow().metadata())
          .containsEntry(PeriodicJob.METADATA_KEY, "heartbeat-tick");
      assertThat(rows(page("/jobs?where=metadata.errand.periodic%3Dheartbeat-tick").body()))
          .contains(slot);
    } finally {
      node.stop(Duration.ofSeconds(5));
    }
    assertThat(page("/cron").body()).contains("No live node has periodic jobs.");
  }

  record Mail() implements JobArgs {
    @Override
    public String kind() {
      return "send_email";
    }
  }

  @Test
  void theNodesPageListsTheNodesThatReportWithTheJobsEachRuns(@TempDir Path dir) throws Exception {
    start(dir, null);
    CountDownLatch release = new CountDownLatch(1);
    Errand worker =
        Errand.create(
                Config.builder(store)
                    .nodeId("worker-a")
                    .queue("mail", 3)
                    .worker(
                        "send_email",
                        Mail.class,
                        job -> {
                          release.await();
                          return Outcome.complete();
                        })
                    .build())
            .start();
    try {
      errand.enqueue(new RawArgs("send_email", "{}"), EnqueueOptions.defaults().queue("mail"));
      errand.enqueue(new RawArgs("send_email", "{}"), EnqueueOptions.defaults().queue("mail"));
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                // Running jobs as the store has them; the lead as the node last reported it.
                String body = page("/nodes").body();
                return body.contains("<td class=\"num\">2</td>")
                    && body.contains("<td class=\"leader\">leader</td>");
              });

      String nodes = page("/nodes").body();
      assertThat(nodes)
          .as("the one started node leads")
          .contains(
              "<tr data-node=\"worker-a\"><td>worker-a</td><td class=\"leader\">leader</td>"
                  + "<td>mail ×3</td>");
    } finally {
      release.countDown();
      worker.stop(Duration.ofSeconds(5));
    }
    assertThat(page("/nodes").body()).contains("No node reports to this store now.");
  }
}
