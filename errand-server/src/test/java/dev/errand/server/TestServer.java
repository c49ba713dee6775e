package dev.errand.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.JobQuery;
import dev.errand.server.OpenApiCheck.Scope;
import dev.errand.spi.Store;
import dev.errand.sqlite.SqliteStore;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
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

  /** The request headers the proxy passes on: those the API reads. */
  private static final Set<String> FORWARDED = Set.of("authorization", "content-type", "accept");

  final Errand errand;
  final ApiServer server;
  final String base;
  private final Closeable resources;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String token;
  private final List<AssertionError> proxyFailures = new CopyOnWriteArrayList<>();
  private HttpServer proxy;

  /** The response of one request. */
  record Response(int status, JsonNode json, String text) {}

  TestServer(Store store, Closeable resources, String token) {
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
    return new TestServer(dev.errand.Stores.inMemory(), null, TOKEN);
  }

  /** On a new PostgreSQL schema, dropped on close. */
  static TestServer postgres() {
    TestPostgres pg = new TestPostgres();
    return new TestServer(pg.store, pg, TOKEN);
  }

  /** Under a new Redis key prefix, whose keys are deleted on close. */
  static TestServer redis() {
    TestRedis redis = new TestRedis();
    return new TestServer(redis.store, redis, TOKEN);
  }

  /** On a new SQLite file in a temporary directory, deleted on close. */
  static TestServer sqlite() {
    try {
      Path dir = Files.createTempDirectory("errand-server-sqlite");
      SqliteStore store = SqliteStore.builder(dir.resolve("errand.db")).build();
      store.migrate();
      Closeable cleanUp =
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

  /**
   * The base URL of a proxy to this server for clients outside this JVM (the Python worker), which
   * checks each of their exchanges against the document. A mismatch answers 502 with the report to
   * the client, and fails {@link #close}.
   */
  synchronized String checkedBase() {
    if (proxy == null) {
      try {
        proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      proxy.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      proxy.createContext("/", this::forward);
      proxy.start();
    }
    return "http://127.0.0.1:" + proxy.getAddress().getPort();
  }

  private void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(base + exchange.getRequestURI()));
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> {
                if (FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                  values.forEach(value -> request.header(name, value));
                }
              });
      request.method(
          exchange.getRequestMethod(),
          body.length == 0
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      HttpResponse<String> response;
      try {
        response = exchange(request.build(), Scope.EXCHANGE);
      } catch (AssertionError e) {
        proxyFailures.add(e);
        byte[] report = e.getMessage().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(502, report.length);
        exchange.getResponseBody().write(report);
        return;
      }
      response
          .headers()
          .firstValue("Content-Type")
          .ifPresent(type -> exchange.getResponseHeaders().add("Content-Type", type));
      byte[] answer = response.body().getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
      exchange.getResponseBody().write(answer);
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
  public void close() throws IOException {
    if (proxy != null) {
      proxy.stop(0);
    }
    server.close();
    errand.close();
    if (resources != null) {
      resources.close();
    }
    if (!proxyFailures.isEmpty()) {
      throw proxyFailures.get(0);
    }
  }
}
