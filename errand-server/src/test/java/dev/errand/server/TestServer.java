package dev.errand.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.JobQuery;
import dev.errand.server.OpenApiCheck.Scope;
import dev.errand.spi.Store;
import dev.errand.sqlite.SqliteStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An Errand started without queues (so it rescues and stages, as {@code errand server} does) behind
 * an {@link ApiServer} on a free port, and an HTTP client for it that checks every exchange against
 * openapi.yaml ({@link OpenApiCheck}).
 */
final class TestServer implements AutoCloseable {
  static final String TOKEN = "test-token-0123456789";
  static final int MAX_ARGS_BYTES = 1024;
  static final long MAX_BODY_BYTES = 64 * 1024;

  final Errand errand;
  final ApiServer server;
  final String base;
  private final AutoCloseable resources;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String token;

  /** The response of one request. */
  record Response(int status, JsonNode json, String text) {}

  TestServer(Store store, AutoCloseable resources, String token) {
    this.resources = resources;
    this.token = token;
    errand =
        Errand.create(
                Config.builder(store)
                    .maxArgsBytes(MAX_ARGS_BYTES)
                    .stageInterval(Duration.ofMillis(50))
                    .rescueInterval(Duration.ofMillis(100))
                    .leaderLease(Duration.ofSeconds(2))
                    .build())
            .start();
    server =
        new ApiServer(
                errand,
                ServerOptions.defaults()
                    .withPort(0)
                    .withToken(token)
                    .withMaxBodyBytes(MAX_BODY_BYTES)
                    .withQueues(Set.of("default", "mail")))
            .start();
    base = "http://127.0.0.1:" + server.port();
  }

  /** On a new in-memory store. */
  static TestServer memory() {
    return new TestServer(Store.inMemory(), null, TOKEN);
  }

  /** On a new PostgreSQL schema, dropped on close. */
  static TestServer postgres() {
    TestPostgres pg = new TestPostgres();
    return new TestServer(pg.store, pg, TOKEN);
  }

  /** On a new SQLite file in a temporary directory, deleted on close. */
  static TestServer sqlite() {
    try {
      Path dir = Files.createTempDirectory("errand-server-sqlite");
      SqliteStore store = SqliteStore.builder(dir.resolve("errand.db")).build();
      store.migrate();
      AutoCloseable cleanUp =
          () -> {
            store.close();
            try (Stream<Path> files = Files.walk(dir)) {
              for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
              }
            }
          };
      return new TestServer(store, cleanUp, TOKEN);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Response get(String path) {
    return send(request(path).GET());
  }

  Response delete(String path) {
    return send(request(path).DELETE());
  }

  Response post(String path, String json) {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  /** Sends {@code request}, which the document allows, and checks the exchange against it. */
  Response send(HttpRequest.Builder request) {
    return send(request, Scope.EXCHANGE);
  }

  /** Sends {@code request} and checks as much of the exchange as {@code scope} says. */
  Response send(HttpRequest.Builder request, Scope scope) {
    HttpResponse<String> response = exchange(request.build(), scope);
    try {
      JsonNode json = null;
      if (response.body() != null && response.body().startsWith("{")) {
        json = Body.MAPPER.readTree(response.body());
      }
      return new Response(response.statusCode(), json, response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpResponse<String> exchange(HttpRequest request, Scope scope) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      OpenApiCheck.check(request, response, scope);
      return response;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path));
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }

  /** Every job and queue as the store holds them now, to compare before and after a request. */
  List<Object> snapshot() {
    return List.of(
        errand.jobs().list(JobQuery.all().withLimit(JobQuery.MAX_LIMIT)).jobs(),
        errand.queues().list());
  }

  @Override
  public void close() throws Exception {
    server.close();
    errand.close();
    if (resources != null) {
      resources.close();
    }
  }
}
