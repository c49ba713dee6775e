package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.errand.server.OpenApiCheck.Scope;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The check every API test's exchanges go through reports what disagrees with openapi.yaml: here
 * against a fake server whose canned answers are right or wrong on purpose.
 */
class OpenApiCheckTest {
  private static final String JOB =
      """
      {"id": 1, "kind": "a", "queue": "default", "state": "available", "args": {}, "priority": 0,
       "attempt": 0, "maxAttempts": 25, "createdAt": "2030-01-01T00:00:00Z",
       "scheduledAt": "2030-01-01T00:00:00.123456Z", "attemptedAt": null, "finalizedAt": null,
       "leaseOwner": null, "leaseExpiresAt": null, "heartbeatAt": null, "uniqueKey": null,
       "tags": [], "metadata": {}, "errors": []}""";

  /** Canned answers by request path: status, Content-Type, body. */
  private static final Map<String, Answer> ANSWERS =
      Map.of(
          "/api/jobs/1", new Answer(200, "application/json", JOB),
          "/api/jobs/2", new Answer(200, "application/json", JOB.replace("\"id\": 1, ", "")),
          "/api/jobs/3", new Answer(418, "application/json", "{\"error\": \"a teapot\"}"),
          "/api/jobs/4", new Answer(404, "application/json", "{\"error\": \"no job 4\"}"),
          "/api/jobs/5", new Answer(404, "application/json", "{\"message\": \"no job 5\"}"),
          "/api/jobs/6", new Answer(404, null, "{\"error\": \"no job 6\"}"),
          "/api/jobs", new Answer(400, "application/json", "{\"error\": \"bad\"}"),
          "/api/nothing", new Answer(404, "text/html", "<h1>Not found</h1>"),
          "/api/elsewhere", new Answer(404, "application/json", "{\"error\": \"no route\"}"));

  private record Answer(int status, String contentType, String body) {}

  private final HttpClient http = HttpClient.newHttpClient();
  private HttpServer fake;
  private String base;

  @BeforeEach
  void start() throws IOException {
    fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    fake.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          Answer answer = ANSWERS.get(exchange.getRequestURI().getPath());
          if (answer.contentType() != null) {
            exchange.getResponseHeaders().add("Content-Type", answer.contentType());
          }
          byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(answer.status(), body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    fake.start();
    base = "http://127.0.0.1:" + fake.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    fake.stop(0);
  }

  @Test
  void aJobAsDocumentedPasses() {
    assertThatCode(() -> check(get("/api/jobs/1"), Scope.EXCHANGE)).doesNotThrowAnyException();
    assertThatCode(() -> check(get("/api/jobs/4"), Scope.EXCHANGE)).doesNotThrowAnyException();
  }

  @Test
  void aJobWithoutItsIdIsReported() {
    assertThatThrownBy(() -> check(get("/api/jobs/2"), Scope.EXCHANGE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("GET /api/jobs/2 answered 200")
        .hasMessageContaining("Object has missing required properties ([\"id\"])");
  }

  @Test
  void anUndocumentedStatusIsReportedEvenForADeliberatelyBadRequest() {
    assertThatThrownBy(() -> check(get("/api/jobs/3"), Scope.RESPONSE))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Response status 418 not defined for path '/api/jobs/{id}'");
  }

  @Test
  void anErrorOfAnotherShapeOrWithoutItsContentTypeIsReported() {
    assertThatThrownBy(() -> check(get("/api/jobs/5"), Scope.RESPONSE))
        .hasMessageContaining("Object has missing required properties ([\"error\"])");
    assertThatThrownBy(() -> check(get("/api/jobs/6"), Scope.RESPONSE))
        .hasMessageContaining("a response body without a Content-Type");
  }

  @Test
  void aRequestOutsideTheDocumentIsReportedUnlessOnlyTheResponseIsChecked() {
    HttpRequest.Builder unknownField =
        request("/api/jobs")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"kind\": \"a\", \"colour\": \"red\"}"));
    assertThatThrownBy(() -> check(unknownField, Scope.EXCHANGE))
        .hasMessageContaining("Object instance has properties which are not allowed by the schema")
        .hasMessageContaining("colour");
    assertThatCode(() -> check(unknownField, Scope.RESPONSE)).doesNotThrowAnyException();
  }

  @Test
  void aPathThatIsNoRouteMustStillAnswerTheJsonError() {
    assertThatThrownBy(() -> check(get("/api/nothing"), Scope.RESPONSE))
        .hasMessageContaining("Content-Type 'text/html' instead of the JSON error's");
    assertThatCode(() -> check(get("/api/elsewhere"), Scope.RESPONSE)).doesNotThrowAnyException();
    assertThatThrownBy(() -> check(get("/api/elsewhere"), Scope.EXCHANGE))
        .hasMessageContaining("No API path found that matches request '/api/elsewhere'");
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path));
  }

  private HttpRequest.Builder get(String path) {
    return request(path).GET();
  }

  /** Sends {@code request} and checks the exchange as {@link TestServer#send} does. */
  private void check(HttpRequest.Builder request, Scope scope) throws Exception {
    HttpRequest built = request.build();
    HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
    OpenApiCheck.check(built, response, scope);
  }
}
