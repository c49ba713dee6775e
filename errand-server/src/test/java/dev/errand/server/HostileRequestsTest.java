package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.JobQuery;
import dev.errand.QueueInfo;
import dev.errand.RawArgs;
import dev.errand.server.RawHttp.Answer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The default server (loopback, no token) as a hostile web page or a broken client meets it:
 * requests a browser can be made to send cross-origin, DNS rebinding, and errors that Jetty answers
 * before the API sees the request. Sent byte by byte, since {@code java.net.http} refuses to forge
 * most of these.
 */
class HostileRequestsTest {
  private Errand errand;
  private ApiServer server;
  private RawHttp http;

  @BeforeEach
  void start() {
    errand = Errand.create(Config.builder(dev.errand.Stores.inMemory()).build()).start();
    errand.enqueue(new RawArgs("seed", "{}"));
    server = new ApiServer(errand, ServerOptions.defaults().withPort(0)).start();
    http = new RawHttp(server.port());
  }

  @AfterEach
  void stop() {
    server.close();
    errand.close();
  }

  // ---- cross-site requests ----

  @Test
  void aFormPostFromAnotherSiteDoesNotPauseAQueue() {
    Answer answer =
        http.request(
            "POST",
            "/api/queues/default/pause",
            "Origin: http://evil.example\nContent-Type: application/x-www-form-urlencoded",
            "");

    assertThat(answer.status()).isEqualTo(403);
    assertJsonError(answer, "cross-origin requests are refused", "Origin");
    assertThat(paused("default")).isFalse();
  }

  @Test
  void aFormOrTextPostWithoutOriginIsRefusedForItsMediaTypeWithOrWithoutABody() {
    for (String type :
        new String[] {
          "application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"
        }) {
      for (String body : new String[] {"", "a=1"}) {
        Answer answer =
            http.request("POST", "/api/queues/default/pause", "Content-Type: " + type, body);

        assertThat(answer.status()).as(type + " with body '" + body + "'").isEqualTo(415);
        assertJsonError(answer, "Content-Type must be application/json", "Content-Type");
      }
    }
    Answer noType = http.request("POST", "/api/jobs/1/cancel", "", null);
    assertThat(noType.status()).as("no media type, no body (curl -X POST)").isEqualTo(200);
    assertThat(paused("default")).isFalse();
  }

  @Test
  void aBrowserMarkedCrossSiteIsRefusedOnEveryRouteEvenReads() {
    for (String site : new String[] {"cross-site", "same-site"}) {
      Answer answer = http.request("GET", "/api/jobs", "Sec-Fetch-Site: " + site, null);

      assertThat(answer.status()).isEqualTo(403);
      assertJsonError(answer, "cross-origin requests are refused", "Sec-Fetch-Site");
    }
    assertThat(http.request("GET", "/api/jobs", "Sec-Fetch-Site: same-origin", null).status())
        .isEqualTo(200);
  }

  @Test
  void theServersOwnOriginIsServedAndEveryOtherOriginRefused() {
    String own = "http://127.0.0.1:" + server.port();
    assertThat(
            http.request(
                    "POST",
                    "/api/queues/default/pause",
                    "Origin: " + own + "\nContent-Type: application/json",
                    null)
                .status())
        .isEqualTo(200);
    assertThat(paused("default")).isTrue();

    for (String origin :
        new String[] {
          "null",
          "http://127.0.0.1:" + (server.port() + 1),
          "http://localhost:" + server.port(),
          "https://evil.example",
          "file://"
        }) {
      Answer answer = http.request("POST", "/api/queues/default/resume", "Origin: " + origin, null);
      assertThat(answer.status()).as(origin).isEqualTo(403);
    }
    assertThat(paused("default")).isTrue();
  }

  // ---- DNS rebinding ----

  @Test
  void aRequestForAnotherHostNameIsRefusedBeforeAnythingIsRead() {
    Answer answer =
        http.send(
            "GET /api/jobs HTTP/1.1\nHost: attacker.example:"
                + server.port()
                + "\nConnection: close",
            new byte[0]);

    assertThat(answer.status()).isEqualTo(421);
    assertJsonError(answer, "this server does not answer for host 'attacker.example:", "Host");
    assertThat(answer.body()).doesNotContain("seed");
  }

  @Test
  void loopbackNamesAreServed() {
    for (String host :
        new String[] {
          "localhost", "localhost:" + server.port(), "127.0.0.1", "127.0.0.2:80", "[::1]:8080"
        }) {
      Answer answer =
          http.send("GET /api/jobs HTTP/1.1\nHost: " + host + "\nConnection: close", new byte[0]);
      assertThat(answer.status()).as(host).isEqualTo(200);
    }
  }

  @Test
  void aConfiguredHostIsServedAndOnlyThatOne() {
    server.close();
    server =
        new ApiServer(
                errand,
                ServerOptions.defaults().withPort(0).withAllowedHosts(Set.of("Jobs.Internal")))
            .start();
    http = new RawHttp(server.port());

    assertThat(
            http.send(
                    "GET /api/jobs HTTP/1.1\nHost: jobs.internal:9\nConnection: close", new byte[0])
                .status())
        .isEqualTo(200);
    assertThat(
            http.send("GET /api/jobs HTTP/1.1\nHost: jobs.external\nConnection: close", new byte[0])
                .status())
        .isEqualTo(421);
  }

  // ---- sizes ----

  @Test
  void aContentLengthOfTwoGibibytesOrMoreIsRefusedAtOnce() {
    for (String length : new String[] {"2147483648", "9223372036854775807"}) {
      Answer answer =
          http.send(
              "POST /api/jobs HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n"
                  + "Content-Type: application/json\nContent-Length: "
                  + length,
              "{\"kind\"".getBytes(StandardCharsets.UTF_8));

      assertThat(answer.status()).as(length).isEqualTo(413);
      assertJsonError(answer, "the request body is " + length + " bytes", null);
    }
    Answer overflowing =
        http.send(
            "POST /api/jobs HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n"
                + "Content-Type: application/json\nContent-Length: 99999999999999999999",
            new byte[0]);
    assertThat(overflowing.status()).isEqualTo(400);
    assertJsonError(overflowing, "Bad Request", null);
    assertThat(errand.jobs().list(JobQuery.all()).jobs()).hasSize(1);
  }

  // ---- errors Jetty answers itself ----

  @Test
  void aMalformedRequestLineIsAnsweredInJson() {
    Answer answer = http.send("GARBAGE\nHost: 127.0.0.1", new byte[0]);

    assertThat(answer.status()).isEqualTo(400);
    assertJsonError(answer, "Bad Request", null);
  }

  @Test
  void aUriTooLongIsAnsweredInJson() {
    Answer answer =
        http.send(
            "GET /api/jobs?kind=" + "k".repeat(20_000) + " HTTP/1.1\nHost: 127.0.0.1", new byte[0]);

    assertThat(answer.status()).isIn(414, 431);
    assertThat(answer.header("Content-Type")).startsWith("application/json");
    assertThat(answer.json().get("error").asText()).isNotBlank();
  }

  @Test
  void headersTooLargeAreAnsweredInJson() {
    Answer answer =
        http.send(
            "GET /api/jobs HTTP/1.1\nHost: 127.0.0.1\nX-Big: " + "b".repeat(20_000), new byte[0]);

    assertThat(answer.status()).isEqualTo(431);
    assertJsonError(answer, "Request Header Fields Too Large", null);
  }

  @Test
  void aBodyThatStopsArrivingIsAnswered408InJson() {
    server.close();
    server = new ApiServer(errand, ServerOptions.defaults().withPort(0), Duration.ofMillis(500));
    server.start();
    http = new RawHttp(server.port());

    Answer answer =
        http.send(
            "POST /api/jobs HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n"
                + "Content-Length: 20",
            "{\"kind\"".getBytes(StandardCharsets.UTF_8));

    assertThat(answer.status()).isEqualTo(408);
    assertJsonError(answer, "the request body did not arrive within", null);
    assertThat(errand.jobs().list(JobQuery.all()).jobs()).hasSize(1);
  }

  @Test
  void anUnknownMethodOnAKnownPathIs405WithTheAllowedMethods() {
    Answer answer = http.request("PUT", "/api/jobs/1", "Content-Type: application/json", "{}");

    assertThat(answer.status()).isEqualTo(405);
    assertJsonError(answer, "method PUT is not allowed on /api/jobs/1; allowed: DELETE, GET", null);
    assertThat(answer.header("Allow")).isEqualTo("DELETE, GET");
  }

  private boolean paused(String queue) {
    return errand.queues().list().stream()
        .filter(q -> q.name().equals(queue))
        .findFirst()
        .map(QueueInfo::paused)
        .orElse(false);
  }

  private static void assertJsonError(Answer answer, String message, String field) {
    assertThat(answer.header("Content-Type")).as(answer.body()).startsWith("application/json");
    assertThat(answer.json().get("error").asText()).startsWith(message);
    if (field == null) {
      assertThat(answer.json().has("field")).as(answer.body()).isFalse();
    } else {
      assertThat(answer.json().get("field").asText()).isEqualTo(field);
    }
  }
}
