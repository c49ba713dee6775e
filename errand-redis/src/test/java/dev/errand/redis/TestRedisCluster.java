package dev.errand.redis;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A Redis Cluster of three masters (no replicas), started from the {@code redis-server} binary on
 * free ports in a directory under {@code target/}, and stopped on close: the nodes, then their
 * files are left for a failure's reading.
 */
final class TestRedisCluster implements AutoCloseable {
  private static final int MASTERS = 3;

  private final Path dir;
  private final List<Integer> ports = new ArrayList<>();
  private final List<Process> nodes = new ArrayList<>();

  TestRedisCluster() {
    dir = Path.of("target", "redis-cluster", UUID.randomUUID().toString()).toAbsolutePath();
    try {
      Files.createDirectories(dir);
      for (int i = 0; i < MASTERS; i++) {
        int port = freePort();
        ports.add(port);
        nodes.add(
            new ProcessBuilder(
                    "redis-server",
                    "--port",
                    Integer.toString(port),
                    "--bind",
                    "127.0.0.1",
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes-" + port + ".conf",
                    "--dir",
                    dir.toString(),
                    "--save",
                    "",
                    "--appendonly",
                    "no")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
                .start());
      }
      for (int port : ports) {
        await("cluster node on port " + port)
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> "PONG".equals(node(port, Jedis::ping)));
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      ports.forEach(port -> create.add("127.0.0.1:" + port));
      create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
      Process creating =
          new ProcessBuilder(create)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("create.log").toFile())
              .start();
      if (!creating.waitFor(60, TimeUnit.SECONDS) || creating.exitValue() != 0) {
        throw new IllegalStateException(
            "redis-cli --cluster create failed: " + Files.readString(dir.resolve("create.log")));
      }
      for (int port : ports) {
        await("cluster state ok on port " + port)
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> node(port, Jedis::clusterInfo).contains("cluster_state:ok"));
      }
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(
          "could not start a Redis Cluster (is redis-server installed?)", e);
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The cluster's URL, every master listed. */
  String url() {
    return RedisStore.CLUSTER_SCHEME
        + ports.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
  }

  /** One of its nodes. */
  HostAndPort seed() {
    return new HostAndPort("127.0.0.1", ports.get(0));
  }

  private static <T> T node(int port, Function<Jedis, T> call) {
    try (Jedis node = new Jedis("127.0.0.1", port)) {
      return call.apply(node);
    }
  }

  /** A port free now whose cluster bus port (10,000 above) is free too. */
  private static int freePort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket socket = new ServerSocket(0)) {
        int port = socket.getLocalPort();
        if (port + 10_000 > 65_535) {
          continue;
        }
        if (isFree(port + 10_000)) {
          return port;
        }
      }
    }
    throw new IOException("no free port with a free cluster bus port");
  }

  private static boolean isFree(int port) {
    try {
      new ServerSocket(port).close();
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  @Override
  public void close() {
    for (Process node : nodes) {
      node.destroyForcibly();
    }
    for (Process node : nodes) {
      try {
        node.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
