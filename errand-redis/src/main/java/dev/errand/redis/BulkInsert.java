package dev.errand.redis;

import static dev.errand.redis.JobFields.micros;

import dev.errand.Enqueued;
import dev.errand.JobState;
import dev.errand.StoreException;
import dev.errand.redis.RedisScripts.Script;
import dev.errand.spi.JobColumns;
import dev.errand.spi.NewJob;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractTransaction;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Many ordinary jobs (no unique key, no dependencies) inserted as one {@code MULTI ... EXEC} of
 * plain commands that the client builds whole, rather than by insert.lua: the same keys and values
 * insert.lua writes (see lib.lua's {@code insert_common}), for less than half of the server's time.
 * A script's arguments are copied into Lua strings and back into Redis values, and its per-job Lua
 * work costs more than the commands themselves: 12 µs of server time per job through insert.lua
 * against 5 µs here, measured from {@code INFO commandstats} with 100 calls of 1,000 jobs.
 *
 * <p>The ids come first, from one {@code INCRBY}, as each job's Sidekiq JSON holds its id. A
 * transaction is atomic as a script is: another client sees all of it or nothing, and an
 * append-only file keeps it whole. The jobs go to the back of their list, as Sidekiq's push puts
 * them, which is their place in fetch order unless one of them comes before a job waiting there (a
 * run time in the past): the transaction also counts, per list, the waiting jobs past the first
 * pushed, and when that says so {@code place.lua} moves them to their places right after. Until
 * then a claim may take a job ahead of one that was due before it; nothing is lost or claimed
 * twice.
 *
 * <p>One server only: a cluster client does not send transactions, so there the store uses
 * insert.lua for every insert.
 */
final class BulkInsert {
  private static final Logger log = LoggerFactory.getLogger(BulkInsert.class);

  /** Fewer jobs than this go through insert.lua: one round trip rather than two. */
  static final int MIN_JOBS = 2;

  /** Jobs per command: a bound on one command's arguments, as lib.lua's {@code later} keeps. */
  private static final int PER_COMMAND = 1000;

  private final UnifiedJedis redis;
  private final String prefix;
  private final RedisScripts scripts;

  BulkInsert(UnifiedJedis redis, String prefix, RedisScripts scripts) {
    this.redis = redis;
    this.prefix = prefix;
    this.scripts = scripts;
  }

  /** Whether {@code jobs} can go in this way: enough of them, all ordinary. */
  static boolean takes(List<NewJob> jobs) {
    if (jobs.size() < MIN_JOBS) {
      return false;
    }
    for (NewJob job : jobs) {
      if (job.uniqueKey() != null || !job.dependsOn().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** One list's job: id, fetch-order key and Sidekiq JSON; sorted by the key before they go out. */
  private record Placed(String id, String order, String member) {}

  private record ListOf(String queue, int priority) {}

  /** A list's jobs as pushed, and the reply that says whether they all went to their place. */
  private record Pushed(List<Placed> jobs, Response<Long> waitingPastFirst) {}

  /** Inserts {@code jobs} (see {@link #takes}) as of {@code now}; the id and state of each. */
  List<Enqueued> insert(List<NewJob> jobs, Instant now) {
    int n = jobs.size();
    long first;
    try {
      first = redis.incrBy(prefix + "errand:ids", n) - n + 1;
    } catch (JedisException e) {
      throw new StoreException("Redis failed: " + e.getMessage(), e);
    }
    Values values = new Values(n, now);
    for (int i = 0; i < n; i++) {
      values.add(jobs.get(i), first + i);
    }
    List<Object> replies;
    List<Pushed> pushed;
    try (AbstractTransaction tx = redis.multi()) {
      pushed = values.send(tx);
      replies = tx.exec();
    } catch (JedisException e) {
      throw new StoreException("Redis failed: " + e.getMessage(), e);
    }
    for (Object reply : replies) {
      // A transaction has no rollback: a command refused at run time (none of these should be)
      // leaves the others done. Said loudly rather than passed over.
      if (reply instanceof Exception e) {
        throw new StoreException(
            "a bulk insert of " + n + " jobs was partly refused by Redis: " + e.getMessage(), e);
      }
    }
    for (Pushed list : pushed) {
      // Their keys are in the list's order set: past the first, the others, and nothing more
      // unless a job waiting goes after one of them.
      if (list.waitingPastFirst().get() != list.jobs().size() - 1) {
        place(list.jobs());
      }
    }
    return values.enqueued;
  }

  /**
   * Moves jobs of one list to their places in fetch order. The jobs are stored whatever becomes of
   * this: a failure here is logged, not thrown, lest the caller take the insert for failed and
   * enqueue them again.
   */
  private void place(List<Placed> jobs) {
    List<String> ids = new ArrayList<>(jobs.size());
    for (Placed job : jobs) {
      ids.add(job.id());
    }
    try {
      scripts.run(Script.PLACE, ids);
    } catch (RuntimeException e) {
      log.warn(
          "{} jobs were enqueued but not moved to their places in fetch order (a run time in the"
              + " past): they wait behind the jobs enqueued before them; {}",
          jobs.size(),
          e.getMessage());
    }
  }

  /**
   * What one insert writes, built job by job: the arguments of its commands. Its own class, with
   * the work per job in {@link #add}, a method small enough for the JIT to compile on its own and
   * early rather than as part of one large loop, recompiled while a benchmark measures.
   */
  private final class Values {
    private final String nowMicros;
    private final long nowUs;
    private final String stamp;
    private final List<Enqueued> enqueued;
    private final List<String> data;
    private final List<String> available = new ArrayList<>();
    private final List<String> scheduled = new ArrayList<>();
    private final List<String> schedule = new ArrayList<>();
    private final Map<ListOf, List<Placed>> lists = new LinkedHashMap<>();
    private final Map<String, Map<JobState, Integer>> counts = new TreeMap<>();

    Values(int n, Instant now) {
      this.nowMicros = micros(now);
      this.nowUs = Long.parseLong(nowMicros);
      this.stamp = SidekiqJobs.stamp(now);
      this.enqueued = new ArrayList<>(n);
      this.data = new ArrayList<>(2 * n);
    }

    void add(NewJob job, long idNumber) {
      String id = Long.toString(idNumber);
      String runMicros = micros(job.scheduledAt());
      long runUs = Long.parseLong(runMicros);
      String runAt = pad(runMicros, 18);
      boolean due = runUs <= nowUs;
      String sk = SidekiqJobs.openJson(job, stamp);
      String member = sk + ",\"errand_id\":" + id + "}";
      JobState state = due ? JobState.AVAILABLE : JobState.SCHEDULED;
      data.add(id);
      data.add(
          (due ? "available:" : "scheduled:")
              + runAt
              + JobFields.madeWith(job, nowMicros)
              + "\n"
              + sk);
      if (due) {
        lists
            .computeIfAbsent(new ListOf(job.queue(), job.priority()), list -> new ArrayList<>())
            .add(new Placed(id, runAt + pad(id, 19), member));
        available.add(id);
        available.add(id);
      } else {
        schedule.add(SidekiqJobs.seconds(runUs).toPlainString());
        schedule.add(member);
        scheduled.add(id);
        scheduled.add(id);
      }
      counts.computeIfAbsent(job.queue(), q -> new TreeMap<>()).merge(state, 1, Integer::sum);
      enqueued.add(new Enqueued(idNumber, state, false));
    }

    /** The commands, into the open transaction {@code tx}; what each list was pushed. */
    List<Pushed> send(AbstractTransaction tx) {
      List<Pushed> pushed = new ArrayList<>(lists.size());
      BulkInsert.send(tx, Command.HSET, prefix + "errand:data", data, 2);
      for (Map.Entry<ListOf, List<Placed>> list : lists.entrySet()) {
        pushed.add(push(tx, list.getKey(), list.getValue()));
      }
      BulkInsert.send(tx, Command.ZADD, prefix + "schedule", schedule, 2);
      BulkInsert.send(tx, Command.ZADD, prefix + "errand:state:available", available, 2);
      BulkInsert.send(tx, Command.ZADD, prefix + "errand:state:scheduled", scheduled, 2);
      BulkInsert.send(tx, Command.SADD, prefix + "queues", new ArrayList<>(counts.keySet()), 1);
      for (Map.Entry<String, Map<JobState, Integer>> queue : counts.entrySet()) {
        for (Map.Entry<JobState, Integer> count : queue.getValue().entrySet()) {
          tx.hincrBy(
              prefix + "errand:counts:" + queue.getKey(),
              JobColumns.stateName(count.getKey()),
              count.getValue());
        }
      }
      lists.keySet().stream()
          .map(ListOf::queue)
          .distinct()
          .forEach(queue -> tx.publish(prefix + "errand:available", queue));
      return pushed;
    }
  }

  /**
   * A list's jobs, in fetch order, and their fetch-order keys; then the count of keys in the set
   * past the first of them.
   */
  private Pushed push(AbstractTransaction tx, ListOf of, List<Placed> placed) {
    placed.sort((a, b) -> a.order().compareTo(b.order()));
    String list =
        of.priority() == 0
            ? prefix + "queue:" + of.queue()
            : prefix + "errand:queue:" + of.queue() + ":" + of.priority();
    List<String> members = new ArrayList<>(placed.size());
    List<String> orders = new ArrayList<>(2 * placed.size());
    for (Placed job : placed) {
      // LPUSH puts each in front of the one before: the first one sent is fetched first.
      members.add(job.member());
      orders.add("0");
      orders.add(job.order());
    }
    send(tx, Command.LPUSH, list, members, 1);
    String orderSet = prefix + "errand:order:" + of.queue() + ":" + of.priority();
    send(tx, Command.ZADD, orderSet, orders, 2);
    return new Pushed(placed, tx.zlexcount(orderSet, "(" + placed.get(0).order(), "+"));
  }

  /**
   * {@code command key values...}, {@link #PER_COMMAND} jobs ({@code width} values each) a time.
   */
  private static void send(
      AbstractTransaction tx, Command command, String key, List<String> values, int width) {
    int step = PER_COMMAND * width;
    for (int from = 0; from < values.size(); from += step) {
      List<String> chunk = values.subList(from, Math.min(values.size(), from + step));
      String[] args = new String[chunk.size() + 1];
      args[0] = key;
      for (int i = 0; i < chunk.size(); i++) {
        args[i + 1] = chunk.get(i);
      }
      tx.sendCommand(command, args);
    }
  }

  /** Digits left-padded with zeros to {@code width}, as lib.lua's {@code pad}. */
  private static String pad(String digits, int width) {
    return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
  }
}
