package dev.errand.redis.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The Redis servers of the multi-process tests: the shared one ({@code ERRAND_TEST_REDIS_URL}, else
 * 127.0.0.1:6379), and private ones started from the {@code redis-server} binary with an
 * append-only file, for the tests that restart or kill the server.
 */
final class RedisServers {
  private RedisServers() {}

  static String url() {
    String url = System.getenv("ERRAND_TEST_REDIS_URL");
    return url == null || url.isBlank() ? "redis://127.0.0.1:6379" : url;
  }

  /** Deletes every key under {@code prefix:}. */
  static void dropPrefix(RedisClient redis, String prefix) {
    String cursor = ScanParams.SCAN_POINTER_START;
    ScanParams match = new ScanParams().match(prefix + ":*").count(1_000);
    do {
      ScanResult<String> page = redis.scan(cursor, match);
      if (!page.getResult().isEmpty()) {
        redis.unlink(page.getResult().toArray(String[]::new));
      }
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
  }

  /**
   * A redis-server of the test's own on a free port, writing an append-only file synced at every
   * write into {@code dir}: what it acknowledged survives a SIGKILL.
   */
  static final class Private implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    Private(Path dir) {
      this.dir = dir;
      try (ServerSocket socket = new ServerSocket(0)) {
        this.port = socket.getLocalPort();
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      start();
    }

    String url() {
      return "redis://127.0.0.1:" + port;
    }

    /** Starts it (again) on the same port and files, and waits until it answers. */
    void start() {
      try {
        process =
            new ProcessBuilder(
                    List.of(
                        "redis-server",
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        dir.toAbsolutePath().toString(),
                        "--appendonly",
                        "yes",
                        "--appendfsync",
                        "always",
                        "--save",
                        ""))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException("could not start redis-server (is it installed?)", e);
      }
      org.awaitility.Awaitility.await("redis-server on port " + port)
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(
              () -> {
                try (RedisClient client = RedisClient.create(URI.create(url()))) {
                  return "PONG".equals(client.ping());
                }
              });
    }

    /** SIGKILL: the server writes nothing more; what it fsynced is all it keeps. */
    void kill() throws InterruptedException {
      process.destroyForcibly();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("redis-server did not die on SIGKILL");
      }
    }

    @Override
    public void close() {
      if (process != null && process.isAlive()) {
        process.destroyForcibly();
        try {
          process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
