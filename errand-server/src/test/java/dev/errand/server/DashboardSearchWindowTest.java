package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.RawArgs;
import dev.errand.Stores;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A jobs page reads a window of ids, not the whole table: a filter that few jobs match shows what
 * the window held and offers to search on, window by window, until no job is left.
 */
class DashboardSearchWindowTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private final Errand errand = Errand.create(Config.builder(Stores.inMemory()).build());
  private ErrandDashboard dashboard;
  private Javalin app;

  @AfterEach
  void stop() {
    if (app != null) {
      app.stop();
    }
    if (dashboard != null) {
      dashboard.close();
    }
    errand.stop(Duration.ofSeconds(5));
  }

  @Test
  void aRareValueIsFoundWindowByWindow() throws Exception {
    List<RawArgs> jobs = new ArrayList<>();
    for (int i = 1; i <= 35; i++) {
      jobs.add(new RawArgs("sync", "{\"account\":" + (i == 4 || i == 29 ? 7 : 1) + "}"));
    }
    errand.enqueueAll(jobs);
    String base = startWithWindowsOfTenIds();

    // Oldest first: windows of 10 ids up from the oldest job.
    String first = page(base + "/errand/jobs?where=args.account%3D7&order=oldest");
    assertThat(rows(first)).containsExactly(4L);
    assertThat(first).contains("Searched the jobs up to id 10");
    String second = page(base + searchOn(first));
    assertThat(rows(second)).isEmpty();
    assertThat(second).contains("No job matches among the jobs up to id 20");
    String third = page(base + searchOn(second));
    assertThat(rows(third)).containsExactly(29L);
    String last = page(base + searchOn(third));
    assertThat(rows(last)).isEmpty();
    assertThat(last).contains("No job matches.").doesNotContain("Search on");
    assertThat(searchOn(second)).contains("order=oldest");

    // Newest first, the default: windows of 10 ids down from the newest job (35: 35 to 26).
    String newest = page(base + "/errand/jobs?where=args.account%3D7");
    assertThat(rows(newest)).containsExactly(29L);
    assertThat(newest).contains("Searched the jobs down to id 26");
    assertThat(searchOn(newest)).doesNotContain("order=").contains("after=26");
    String lower = page(base + searchOn(newest));
    assertThat(rows(lower)).isEmpty();
    assertThat(lower).contains("No job matches among the jobs down to id 16");
    String lowest = page(base + searchOn(lower));
    assertThat(rows(lowest)).isEmpty();
    assertThat(lowest).contains("No job matches among the jobs down to id 6");
    String end = page(base + searchOn(lowest));
    assertThat(rows(end)).containsExactly(4L);
    assertThat(end).doesNotContain("Search on");

    // A filter that many jobs match fills its page within the window, and pages on as usual.
    String common = page(base + "/errand/jobs?where=args.account%3D1&order=oldest");
    assertThat(rows(common)).hasSize(9).startsWith(1L, 2L, 3L, 5L);
    String commonNewest = page(base + "/errand/jobs?where=args.account%3D1");
    assertThat(rows(commonNewest)).hasSize(9).startsWith(35L, 34L, 33L, 32L, 31L, 30L, 28L);
  }

  @Test
  void aGapOfPrunedIdsCostsNoWindowNewestFirst() throws Exception {
    List<RawArgs> jobs = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      jobs.add(new RawArgs("sync", "{\"account\":" + (i == 2 ? 7 : 1) + "}"));
    }
    errand.enqueueAll(jobs);
    for (long id = 3; id <= 38; id++) {
      errand.jobs().delete(id);
    }
    String base = startWithWindowsOfTenIds();

    // 40 and 39 fill the first window (40 to 31); past it the next window starts at job 2.
    String first = page(base + "/errand/jobs?where=args.account%3D7");
    assertThat(rows(first)).isEmpty();
    assertThat(first).contains("No job matches among the jobs down to id 31");
    String second = page(base + searchOn(first));
    assertThat(rows(second)).containsExactly(2L);
    assertThat(second).doesNotContain("Search on");
  }

  /** The dashboard at /errand of an application of its own, 10 ids a window; its address. */
  private String startWithWindowsOfTenIds() {
    dashboard = ErrandDashboard.builder(errand, "/errand").searchWindow(10).build();
    app =
        Javalin.create(
                config -> {
                  config.startup.showJavalinBanner = false;
                  dashboard.mount(config);
                })
            .start("127.0.0.1", 0);
    return "http://127.0.0.1:" + app.port();
  }

  private String page(String url) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url).isEqualTo(200);
    return response.body();
  }

  private static String searchOn(String html) {
    Matcher link =
        Pattern.compile("<p id=\"search-on\">.*?href=\"([^\"]+)\">Search on", Pattern.DOTALL)
            .matcher(html);
    assertThat(link.find()).as("a link to search on in %s", html).isTrue();
    return link.group(1).replace("&amp;", "&");
  }

  private static List<Long> rows(String html) {
    Matcher row = Pattern.compile("<tr data-id=\"(\\d+)\">").matcher(html);
    return row.results().map(m -> Long.parseLong(m.group(1))).toList();
  }
}
