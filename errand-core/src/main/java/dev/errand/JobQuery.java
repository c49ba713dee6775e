package dev.errand;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A filter and page for listing jobs by id, oldest first unless {@link #withOrder} says otherwise.
 * Build it from {@link #all()} with the {@code with} methods; a null or empty field means "any".
 * Every condition given must hold (AND).
 *
 * <p>The page is a keyset, read in the listing's {@link #order()}: {@code afterId} is where the
 * previous page ended and {@code upToId} where a window of ids ends, both "in the direction of
 * travel". Oldest first, a page holds ids greater than {@code afterId} and at most {@code upToId};
 * newest first, ids less than {@code afterId} and at least {@code upToId}. In both orders {@code
 * afterId} 0 is the first page and the next page's {@code afterId} is the last id of this one
 * ({@link JobPage#nextAfterId()}), so paging reads the same; {@code upToId} bounds nothing at
 * {@link JobOrder#unboundedUpToId()}: {@link Long#MAX_VALUE} oldest first, 0 newest first. {@link
 * #minId()} and {@link #maxId()} give the resulting range of ids.
 *
 * @param states the states to include; empty means all
 * @param queue only this queue, or null
 * @param kind only this kind, or null
 * @param tag only jobs that carry this tag, or null
 * @param args conditions on the args: a path of object keys (letters, digits, {@code _} and {@code
 *     -}, not digits alone) joined by dots ({@code address.city}) to the value it must have,
 *     compared as text: a string's contents, a number or {@code true}/{@code false} as written in
 *     the JSON; a path that leads nowhere, or to {@code null}, an object or an array, does not
 *     match
 * @param metadata conditions on the metadata: a key to the value it must have
 * @param order oldest or newest first
 * @param afterId only ids past this one in the order (the previous page's {@link
 *     JobPage#nextAfterId()}): greater oldest first, less newest first; 0 for the first page
 * @param upToId only ids up to this one in the order: at most it oldest first ({@link
 *     Long#MAX_VALUE} for no bound), at least it newest first (0 for no bound): what bounds the ids
 *     a store reads for a page when the conditions match few jobs (see {@link #withIdsUpTo})
 * @param limit most jobs on the page, 1 to {@link #MAX_LIMIT}
 */
public record JobQuery(
    Set<JobState> states,
    String queue,
    String kind,
    String tag,
    Map<String, String> args,
    Map<String, String> metadata,
    JobOrder order,
    long afterId,
    long upToId,
    int limit) {

  /** The default page size. */
  public static final int DEFAULT_LIMIT = 50;

  /** The largest page. */
  public static final int MAX_LIMIT = 1_000;

  /** The most conditions on args and on metadata, each. */
  public static final int MAX_CONDITIONS = 8;

  /**
   * One key of an args path: what every store can address without quoting, and not all digits,
   * which one store would take for an array's index.
   */
  private static final Pattern PATH_KEY = Pattern.compile("(?![0-9]+$)[A-Za-z0-9_-]{1,128}");

  public JobQuery {
    states = Set.copyOf(states);
    Objects.requireNonNull(order, "order");
    args = conditions("args", args);
    metadata = conditions("metadata", metadata);
    for (String path : args.keySet()) {
      for (String key : path.split("\\.", -1)) {
        if (!PATH_KEY.matcher(key).matches()) {
          throw new IllegalArgumentException(
              "an args path is object keys of letters, digits, '_' and '-' (not digits alone)"
                  + " joined by dots, was '"
                  + path
                  + "'");
        }
      }
    }
    for (String key : metadata.keySet()) {
      if (key.isEmpty()) {
        throw new IllegalArgumentException("a metadata key is not empty");
      }
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
    }
  }

  /** A query oldest first. */
  public JobQuery(
      Set<JobState> states,
      String queue,
      String kind,
      String tag,
      Map<String, String> args,
      Map<String, String> metadata,
      long afterId,
      long upToId,
      int limit) {
    this(states, queue, kind, tag, args, metadata, JobOrder.OLDEST_FIRST, afterId, upToId, limit);
  }

  /** A query oldest first with no upper bound on the ids. */
  public JobQuery(
      Set<JobState> states,
      String queue,
      String kind,
      String tag,
      Map<String, String> args,
      Map<String, String> metadata,
      long afterId,
      int limit) {
    this(states, queue, kind, tag, args, metadata, afterId, Long.MAX_VALUE, limit);
  }

  /** A query by state, queue and kind alone. */
  public JobQuery(Set<JobState> states, String queue, String kind, long afterId, int limit) {
    this(states, queue, kind, null, Map.of(), Map.of(), afterId, limit);
  }

  private static Map<String, String> conditions(String what, Map<String, String> given) {
    Map<String, String> copy = new TreeMap<>(given);
    if (copy.size() > MAX_CONDITIONS) {
      throw new IllegalArgumentException(
          "at most " + MAX_CONDITIONS + " conditions on the " + what + ", was " + copy.size());
    }
    copy.values().forEach(value -> Objects.requireNonNull(value, what + " value"));
    return Collections.unmodifiableSortedMap((TreeMap<String, String>) copy);
  }

  /** Every job, first page. */
  public static JobQuery all() {
    return new JobQuery(Set.of(), null, null, 0, DEFAULT_LIMIT);
  }

  public JobQuery withStates(JobState... states) {
    return new JobQuery(
        Set.of(states), queue, kind, tag, args, metadata, order, afterId, upToId, limit);
  }

  public JobQuery withQueue(String queue) {
    return new JobQuery(states, queue, kind, tag, args, metadata, order, afterId, upToId, limit);
  }

  public JobQuery withKind(String kind) {
    return new JobQuery(states, queue, kind, tag, args, metadata, order, afterId, upToId, limit);
  }

  /** Only jobs that carry {@code tag}. */
  public JobQuery withTag(String tag) {
    return new JobQuery(states, queue, kind, tag, args, metadata, order, afterId, upToId, limit);
  }

  /**
   * Only jobs whose args hold {@code value} at {@code path} (object keys joined by dots, as {@code
   * address.city}), besides the conditions already given.
   */
  public JobQuery withArg(String path, String value) {
    Map<String, String> more = new TreeMap<>(args);
    more.put(path, value);
    return new JobQuery(states, queue, kind, tag, more, metadata, order, afterId, upToId, limit);
  }

  /** Only jobs whose metadata maps {@code key} to {@code value}, besides those already given. */
  public JobQuery withMetadata(String key, String value) {
    Map<String, String> more = new TreeMap<>(metadata);
    more.put(key, value);
    return new JobQuery(states, queue, kind, tag, args, more, order, afterId, upToId, limit);
  }

  /**
   * Lists in {@code order}. A change of order starts a new listing: the first page ({@code afterId}
   * 0) with no window ({@link JobOrder#unboundedUpToId()}), since a keyset read in one order means
   * nothing in the other; set those after this. The same order changes nothing.
   */
  public JobQuery withOrder(JobOrder order) {
    if (order == this.order) {
      return this;
    }
    return new JobQuery(
        states, queue, kind, tag, args, metadata, order, 0, order.unboundedUpToId(), limit);
  }

  public JobQuery withAfterId(long afterId) {
    return new JobQuery(states, queue, kind, tag, args, metadata, order, afterId, upToId, limit);
  }

  /**
   * Only ids up to {@code upToId} in the order (at most it oldest first, at least it newest first):
   * with {@link #withAfterId} a window of ids, which bounds what a store reads for one page when
   * its conditions match few jobs (a rare args value), since no index serves them: the dashboard
   * searches a big table window by window.
   */
  public JobQuery withIdsUpTo(long upToId) {
    return new JobQuery(states, queue, kind, tag, args, metadata, order, afterId, upToId, limit);
  }

  public JobQuery withLimit(int limit) {
    return new JobQuery(states, queue, kind, tag, args, metadata, order, afterId, upToId, limit);
  }

  /**
   * The least id this page may hold, from {@code afterId} oldest first and {@code upToId} newest
   * first: with {@link #maxId()} the inclusive range of ids a store reads, in the order; none when
   * it is greater than {@code maxId()}.
   */
  public long minId() {
    if (order == JobOrder.NEWEST_FIRST) {
      return Math.max(0, upToId);
    }
    return afterId == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, afterId + 1);
  }

  /**
   * The greatest id this page may hold, from {@code upToId} oldest first and {@code afterId} newest
   * first (where 0 bounds nothing): see {@link #minId()}.
   */
  public long maxId() {
    if (order == JobOrder.OLDEST_FIRST) {
      return upToId;
    }
    return afterId == 0 ? Long.MAX_VALUE : afterId - 1;
  }

  /**
   * Whether {@code job} matches every condition but the page's (after id, limit): what a store that
   * filters in memory applies.
   */
  public boolean matches(JobInfo job) {
    return (states.isEmpty() || states.contains(job.state()))
        && (queue == null || queue.equals(job.queue()))
        && (kind == null || kind.equals(job.kind()))
        && (tag == null || job.tags().contains(tag))
        && metadata.entrySet().stream()
            .allMatch(c -> c.getValue().equals(job.metadata().get(c.getKey())))
        && (args.isEmpty() || ArgsPaths.matchAll(job.argsJson(), args));
  }
}
