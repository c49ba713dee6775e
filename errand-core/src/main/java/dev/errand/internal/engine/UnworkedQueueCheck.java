package dev.errand.internal.engine;

import dev.errand.Config;
import dev.errand.Enqueued;
import dev.errand.NodeInfo;
import dev.errand.spi.Capability;
import dev.errand.spi.NewJob;
import dev.errand.spi.NodeListParams;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns, once per queue on this node, when this node enqueues into a queue that no live node works:
 * such jobs wait, available, with no sign at all, and a queue missing from every node's config is a
 * newcomer's likeliest trap. Likewise once per queue and kind, when no live node that works the
 * queue has a worker for the kind (a node claims only kinds it has workers for).
 *
 * <p>The hot path is one map lookup: a queue, once checked, maps to the kinds checked in it, and a
 * checked answer never changes. A queue and kind this node works itself need no registry. The
 * others are checked off the enqueuing thread, on a virtual thread, so that no enqueue waits for
 * the registry or borrows a second connection while the caller's transaction holds one; one read
 * serves every check due at that moment. A failed read is logged at debug and tried again at the
 * first enqueue one report interval later, not at every enqueue. Nothing here fails an enqueue.
 */
final class UnworkedQueueCheck {
  private static final Logger log = LoggerFactory.getLogger(UnworkedQueueCheck.class);

  /** The most job ids one warning names. */
  private static final int IDS_SHOWN = 10;

  /**
   * The most queues checked on one node: an application that makes a queue per tenant stops being
   * checked past it rather than keep an entry per queue for ever.
   */
  static final int MAX_QUEUES = 1_000;

  /** What is known of one queue: every kind settled (it warned that nobody works it), or these. */
  private record Settled(boolean everyKind, Set<String> kinds) {
    boolean covers(String kind) {
      return everyKind || kinds.contains(kind);
    }
  }

  private record QueueKind(String queue, String kind) {
    @Override
    public String toString() {
      return "queue '" + queue + "' and kind '" + kind + "'";
    }
  }

  /** A check not settled yet, with the ids of the jobs that are waiting on its answer. */
  private static final class Pending {
    final List<Long> ids = new ArrayList<>(IDS_SHOWN);
    int jobs;

    /** Null: due at the next read; else after a failed read, the time to try again. */
    Instant retryAt;

    boolean inFlight;
  }

  private final Config config;
  private final boolean enabled;
  private final Map<String, Settled> settled = new ConcurrentHashMap<>();

  /** Guarded by this. */
  private final Map<QueueKind, Pending> pending = new LinkedHashMap<>();

  /** Whether {@link #MAX_QUEUES} is reached: new queues are no longer checked. */
  private volatile boolean full;

  /** Whether a virtual thread is reading the registry; guarded by this. */
  private boolean reading;

  UnworkedQueueCheck(Config config) {
    this.config = config;
    this.enabled = config.store().capabilities().contains(Capability.NODE_REGISTRY);
  }

  /**
   * Called after every enqueue on this node, with the jobs and what the store made of them. Returns
   * at once; a warning, if any, comes from another thread.
   */
  void enqueued(List<NewJob> jobs, List<Enqueued> result) {
    if (!enabled) {
      return;
    }
    String lastQueue = null;
    String lastKind = null;
    for (NewJob job : jobs) {
      String queue = job.queue();
      String kind = job.kind();
      // A bulk enqueue repeats the same strings: skip the lookup until they change.
      if (queue == lastQueue && kind == lastKind) {
        continue;
      }
      lastQueue = queue;
      lastKind = kind;
      Settled known = settled.get(queue);
      if (known != null ? !known.covers(kind) : !full) {
        try {
          unsettled(jobs, result);
        } catch (RuntimeException e) {
          log.debug("could not check the queues of an enqueue on node {}", config.nodeId(), e);
        }
        return;
      }
    }
  }

  private synchronized void unsettled(List<NewJob> jobs, List<Enqueued> result) {
    Instant now = null;
    boolean due = false;
    for (int i = 0; i < jobs.size(); i++) {
      NewJob job = jobs.get(i);
      Settled known = settled.get(job.queue());
      if (known != null && known.covers(job.kind())) {
        continue;
      }
      if (worksHere(job.queue(), job.kind())) {
        settle(job.queue(), job.kind());
        continue;
      }
      QueueKind key = new QueueKind(job.queue(), job.kind());
      Pending check = pending.get(key);
      if (check == null) {
        if (!settled.containsKey(job.queue()) && settled.size() + pending.size() >= MAX_QUEUES) {
          full = true;
          continue;
        }
        check = new Pending();
        pending.put(key, check);
      }
      check.jobs++;
      if (check.ids.size() < IDS_SHOWN) {
        check.ids.add(result.get(i).id());
      }
      if (check.retryAt != null) {
        now = now != null ? now : config.clock().instant();
        if (!now.isBefore(check.retryAt)) {
          check.retryAt = null;
        }
      }
      due |= check.retryAt == null && !check.inFlight;
    }
    if (due && !reading) {
      reading = true;
      Thread.ofVirtual().name("errand-unworked-queue-check").start(this::read);
    }
  }

  /** Reads the registry for every due check, until none is due. */
  private void read() {
    while (true) {
      List<QueueKind> keys = new ArrayList<>();
      synchronized (this) {
        pending.forEach(
            (key, check) -> {
              if (check.retryAt == null && !check.inFlight) {
                check.inFlight = true;
                keys.add(key);
              }
            });
        if (keys.isEmpty()) {
          reading = false;
          return;
        }
      }
      Instant now = config.clock().instant();
      try {
        List<NodeInfo> nodes = config.store().nodeList(new NodeListParams(now));
        for (QueueKind key : keys) {
          decide(key, nodes);
        }
      } catch (RuntimeException e) {
        Instant retryAt = now.plus(config.nodeReportInterval());
        log.debug(
            "node {} could not read the node registry to check {}; trying again at the first"
                + " enqueue after {}",
            config.nodeId(),
            keys,
            retryAt,
            e);
        synchronized (this) {
          for (QueueKind key : keys) {
            Pending check = pending.get(key); // null if decided before the failure
            if (check != null) {
              check.inFlight = false;
              check.retryAt = retryAt;
            }
          }
        }
      }
    }
  }

  /**
   * Settles one check on what the registry said and warns if nobody works its jobs. The answer is
   * recorded and the check removed in one step, so that no enqueue in between starts a second
   * check, and a second warning, of the same queue and kind.
   */
  private void decide(QueueKind key, List<NodeInfo> nodes) {
    String queue = key.queue();
    String kind = key.kind();
    List<String> workers = new ArrayList<>();
    boolean kindWorked = worksHere(queue, kind);
    for (NodeInfo node : nodes) {
      if (node.works(queue)) {
        workers.add(node.id());
        kindWorked |= node.kinds().contains(kind);
      }
    }
    boolean queueWorked = !workers.isEmpty() || config.queues().containsKey(queue);
    Pending check;
    boolean news;
    synchronized (this) {
      check = pending.remove(key);
      Settled known = settled.get(queue);
      news = known == null || !known.covers(kind);
      if (!queueWorked) {
        settled.put(queue, new Settled(true, Set.of()));
      } else {
        settle(queue, kind);
      }
    }
    if (!news) {
      return; // a check of another kind found this queue unworked, and said so
    }
    if (!queueWorked) {
      log.warn(
          "{} enqueued into queue '{}' will wait: no live node works queue '{}'. This node ({})"
              + " works queues {}; the live nodes work {}. Declare it with"
              + " Config.Builder.queue(\"{}\", n) on a node that has workers for its kinds, or"
              + " enqueue into a queue a node works. (Workers outside Errand that fetch through"
              + " errand.leases() are not counted; said once per queue on this node.)",
          jobs(check),
          queue,
          queue,
          config.nodeId(),
          config.queues().keySet(),
          liveQueues(nodes),
          queue);
    } else if (!kindWorked) {
      log.warn(
          "{} of kind '{}' enqueued into queue '{}' will wait: no live node that works queue"
              + " '{}' ({}) has a worker for kind '{}'. This node ({}) works queues {} with"
              + " workers for {}. Register a worker for '{}' (Config.Builder.worker) on a node"
              + " that works queue '{}', or enqueue it into a queue whose nodes have one. (Workers"
              + " outside Errand that fetch through errand.leases() are not counted; said once"
              + " per queue and kind on this node.)",
          jobs(check),
          kind,
          queue,
          queue,
          workers.isEmpty() ? "this node" : String.join(", ", workers),
          kind,
          config.nodeId(),
          config.queues().keySet(),
          new TreeSet<>(config.workers().keySet()),
          kind,
          queue);
    } else {
      log.debug(
          "node {} checked queue '{}' and kind '{}': worked by {}",
          config.nodeId(),
          queue,
          kind,
          workers.isEmpty() ? "this node" : workers);
    }
  }

  private boolean worksHere(String queue, String kind) {
    return config.queues().containsKey(queue) && config.workers().containsKey(kind);
  }

  private synchronized void settle(String queue, String kind) {
    Settled known = settled.get(queue);
    if (known == null) {
      settled.put(queue, new Settled(false, Set.of(kind)));
    } else if (!known.covers(kind)) {
      Set<String> kinds = new TreeSet<>(known.kinds());
      kinds.add(kind);
      settled.put(queue, new Settled(false, Set.copyOf(kinds)));
    }
  }

  private static String jobs(Pending check) {
    if (check.jobs == 1) {
      return "job " + check.ids.get(0);
    }
    String ids = check.ids.toString();
    return check.jobs > check.ids.size()
        ? "jobs " + ids.substring(0, ids.length() - 1) + ", … (" + check.jobs + " in all)]"
        : "jobs " + ids;
  }

  private static Set<String> liveQueues(List<NodeInfo> nodes) {
    Set<String> queues = new TreeSet<>();
    for (NodeInfo node : nodes) {
      queues.addAll(node.queues().keySet());
    }
    return queues;
  }
}
