package dev.errand.redis.process;

import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.redis.RedisStore;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.RedisClient;

/**
 * One Errand node in a JVM of its own, on a {@link RedisStore}, for the multi-process tests. Each
 * {@link Work} job's run is recorded in the Redis list {@code <prefix>:test:runs} as {@code
 * id|attempt|node|start|<server time in us>}, then {@code ...|end|...} when it finishes, so that
 * the test can tell whether two runs of one job overlapped, in the server's time.
 *
 * <p>Arguments, {@code --name=value}: {@code url}, {@code prefix}, {@code node}, {@code
 * concurrency}, {@code lease-ms}, {@code heartbeat-ms}, {@code work-ms} (how long each job runs),
 * optional {@code record} ({@code false}: runs are not recorded, for tests whose Redis goes down).
 * Prints {@code READY <node>} once working; stops gracefully when its standard input closes.
 */
public final class RedisWorkerNode {
  private RedisWorkerNode() {}

  /** The args of every job in these tests. */
  public record Work(int n) implements JobArgs {
    @Override
    public String kind() {
      return "mp_work";
    }
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (String arg : argv) {
      int eq = arg.indexOf('=');
      args.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    String node = args.get("node");
    String runs = args.get("prefix") + ":test:runs";
    long workMs = Long.parseLong(args.get("work-ms"));
    boolean record = !"false".equals(args.get("record"));
    Duration lease = Duration.ofMillis(Long.parseLong(args.get("lease-ms")));
    try (RedisStore store = RedisStore.builder(args.get("url")).prefix(args.get("prefix")).build();
        RedisClient recorder = RedisClient.create(URI.create(args.get("url")))) {
      Errand errand =
          Errand.create(
                  Config.builder(store)
                      .nodeId(node)
                      .queue("mp", Integer.parseInt(args.get("concurrency")))
                      .leaseDuration(lease)
                      .leaderLease(lease)
                      .heartbeatInterval(
                          Duration.ofMillis(Long.parseLong(args.get("heartbeat-ms"))))
                      .rescueInterval(Duration.ofMillis(200))
                      .stageInterval(Duration.ofMillis(100))
                      .shutdownTimeout(Duration.ofSeconds(5))
                      .worker(
                          "mp_work",
                          Work.class,
                          job -> {
                            String run = job.id() + "|" + job.attempt() + "|" + node + "|";
                            if (record) {
                              recorder.rpush(runs, run + "start|" + serverMicros(recorder));
                            }
                            Thread.sleep(workMs);
                            if (record) {
                              recorder.rpush(runs, run + "end|" + serverMicros(recorder));
                            }
                            return Outcome.complete();
                          })
                      .build())
              .start();
      System.out.println("READY " + node);
      System.out.flush();
      System.in.transferTo(OutputStream.nullOutputStream());
      errand.close();
    }
  }

  /** The Redis server's clock, the one time line every node's records share. */
  static long serverMicros(RedisClient redis) {
    List<?> time = (List<?>) redis.eval("return redis.call('TIME')");
    return Long.parseLong(time.get(0).toString()) * 1_000_000L
        + Long.parseLong(time.get(1).toString());
  }
}
