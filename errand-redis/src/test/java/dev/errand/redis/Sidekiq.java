package dev.errand.redis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.RedisClient;

/**
 * Ruby's Sidekiq (6.4, Debian's {@code ruby-sidekiq}) against the test's Redis and key prefix: runs
 * Ruby snippets with Sidekiq's client and API loaded, and starts real {@code sidekiq} processes
 * with the workers of {@code src/test/resources/sidekiq/workers.rb}. Sidekiq sees the prefix
 * through the {@code redis-namespace} gem, as an application sharing keys with Errand would.
 *
 * <p>{@link #close()} stops every process it started (TERM, then KILL after a grace period): call
 * it from {@code @AfterEach}. Nothing here skips a test: without Ruby's Sidekiq, and when it cannot
 * be installed, the test fails and says why.
 */
final class Sidekiq implements AutoCloseable {
  /** The Debian packages the interop tests need. */
  static final List<String> PACKAGES = List.of("ruby-sidekiq", "ruby-redis-namespace");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RUBY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Path LOGS = Path.of("target", "sidekiq-logs");
  private static volatile boolean installed;

  private final String redisUrl;
  private final String namespace;
  private final List<Started> processes = new ArrayList<>();

  /** A started {@code sidekiq} process and the file its output goes to. */
  record Started(Process process, Path log) {
    long pid() {
      return process.pid();
    }

    String logTail() {
      return tail(log);
    }
  }

  /** Sidekiq on {@code redisUrl} with every key under {@code namespace:} (empty for none). */
  Sidekiq(String redisUrl, String namespace) {
    ensureInstalled();
    this.redisUrl = redisUrl;
    this.namespace = namespace;
  }

  /**
   * Makes sure {@code require "sidekiq"} and {@code require "redis/namespace"} work: when they do
   * not and this runs as root with apt-get, installs {@link #PACKAGES} (and says so loudly);
   * otherwise fails the test with what to do. {@code ./run-tests} installs them first (see
   * scripts/ensure-services.sh); this is the fallback for a test run from the IDE or plain Maven.
   */
  static synchronized void ensureInstalled() {
    if (installed) {
      return;
    }
    Result check = run(List.of("ruby", "-e", "require 'sidekiq'; require 'redis/namespace'"), null);
    if (check.exitCode() == 0) {
      installed = true;
      return;
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    boolean apt = Files.isExecutable(Path.of("/usr/bin/apt-get"));
    if (!root || !apt) {
      fail(
          "Ruby's Sidekiq is not installed ("
              + check.describe()
              + ") and this process cannot install it ("
              + (root ? "no /usr/bin/apt-get" : "not root")
              + "): run `apt-get install "
              + String.join(" ", PACKAGES)
              + "` (./run-tests does it as root); the Sidekiq interop tests need a real Sidekiq");
    }
    System.err.println(
        "*** Sidekiq interop tests: Ruby's Sidekiq is missing ("
            + check.stderr().strip()
            + "); INSTALLING Debian's "
            + String.join(" ", PACKAGES)
            + " with apt-get");
    List<String> command = new ArrayList<>(List.of("apt-get", "install", "-y", "-q"));
    command.addAll(PACKAGES);
    Result install =
        run(command, Map.of("DEBIAN_FRONTEND", "noninteractive"), Duration.ofMinutes(5));
    Result recheck =
        run(List.of("ruby", "-e", "require 'sidekiq'; require 'redis/namespace'"), null);
    if (install.exitCode() != 0 || recheck.exitCode() != 0) {
      fail(
          "Ruby's Sidekiq is not installed and apt-get could not install it: "
              + install.describe()
              + "; after it, require says: "
              + recheck.describe());
    }
    System.err.println("*** Sidekiq interop tests: installed " + String.join(" ", PACKAGES));
    installed = true;
  }

  /**
   * Runs {@code script} with Sidekiq's client and API configured for this Redis and prefix and
   * returns its standard output; fails the test with both outputs when Ruby fails or times out.
   */
  String ruby(String script) {
    Result result =
        run(
            List.of("ruby", "-W0", "-r", resource("config.rb").toString(), "-e", script),
            env(),
            RUBY_TIMEOUT);
    if (result.exitCode() != 0) {
      fail("Ruby failed: " + result.describe() + "\nscript:\n" + script);
    }
    return result.stdout();
  }

  /** Runs {@code script}, whose last line of output is JSON, and returns that JSON. */
  JsonNode rubyJson(String script) {
    String out = ruby(script).strip();
    String last = out.substring(out.lastIndexOf('\n') + 1);
    try {
      return JSON.readTree(last);
    } catch (IOException e) {
      throw new AssertionError("Ruby's last line is not JSON: " + out, e);
    }
  }

  /**
   * Starts {@code sidekiq -r workers.rb -q <queue>... -c <concurrency>} and waits until it has
   * announced itself in Sidekiq's {@code processes} set (its first heartbeat, at start).
   */
  Started start(int concurrency, String... queues) {
    List<String> command = new ArrayList<>();
    command.add("sidekiq");
    command.add("-r");
    command.add(resource("workers.rb").toString());
    for (String queue : queues) {
      command.add("-q");
      command.add(queue);
    }
    command.addAll(List.of("-c", Integer.toString(concurrency), "-t", "3"));
    Started started;
    try {
      Files.createDirectories(LOGS);
      Path log = Files.createTempFile(LOGS, "sidekiq-", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.redirectOutput(log.toFile());
      builder.environment().putAll(env());
      started = new Started(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + String.join(" ", command), e);
    }
    processes.add(started);
    String processesKey = namespace.isEmpty() ? "processes" : namespace + ":processes";
    try (RedisClient redis = RedisClient.create(URI.create(redisUrl))) {
      await("sidekiq (pid " + started.pid() + ") in Sidekiq's processes set")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                if (!started.process().isAlive()) {
                  throw new AssertionError(
                      "sidekiq exited with "
                          + started.process().exitValue()
                          + " at start; its output:\n"
                          + started.logTail());
                }
                return redis.smembers(processesKey).stream()
                    .anyMatch(identity -> identity.contains(":" + started.pid() + ":"));
              });
    }
    return started;
  }

  /** Stops {@code started}: TERM (Sidekiq's graceful stop), then KILL if it is still there. */
  void stop(Started started) {
    Process process = started.process();
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        System.err.println(
            "sidekiq (pid " + started.pid() + ") ignored TERM for " + STOP_GRACE + "; killing it");
        process.destroyForcibly().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops every process this started. */
  @Override
  public void close() {
    processes.forEach(this::stop);
  }

  private Map<String, String> env() {
    return Map.of(
        "REDIS_URL", redisUrl,
        "SIDEKIQ_NAMESPACE", namespace,
        // redis-rb 4.8 warns about Sidekiq 6.4's calls on every heartbeat and fetch.
        "RUBYOPT", "-W0");
  }

  static Path resource(String name) {
    try {
      var url = Sidekiq.class.getResource("/sidekiq/" + name);
      if (url == null) {
        throw new IllegalStateException("no test resource sidekiq/" + name);
      }
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(could not read " + log + ": " + e + ")";
    }
  }

  /** What a finished command printed. */
  record Result(List<String> command, int exitCode, String stdout, String stderr) {
    String describe() {
      return String.join(" ", command.subList(0, Math.min(3, command.size())))
          + " ... exited with "
          + exitCode
          + (stdout.isBlank() ? "" : "\nstdout:\n" + stdout.strip())
          + (stderr.isBlank() ? "" : "\nstderr:\n" + stderr.strip());
    }
  }

  private static Result run(List<String> command, Map<String, String> env) {
    return run(command, env, RUBY_TIMEOUT);
  }

  private static Result run(List<String> command, Map<String, String> env, Duration timeout) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("errand-ruby-", ".out");
      err = Files.createTempFile("errand-ruby-", ".err");
      ProcessBuilder builder = new ProcessBuilder(command);
      if (env != null) {
        builder.environment().putAll(env);
      }
      builder.redirectOutput(out.toFile()).redirectError(err.toFile());
      Process process;
      try {
        process = builder.start();
      } catch (IOException e) {
        return new Result(command, -1, "", "could not start: " + e.getMessage());
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        return new Result(
            command,
            -1,
            Files.readString(out),
            Files.readString(err) + "\n(killed after " + timeout + ")");
      }
      return new Result(command, process.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + command, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // A temporary file left behind is harmless.
      }
    }
  }
}
