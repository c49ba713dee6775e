package dev.errand.postgres;

import static dev.errand.JobState.AVAILABLE;

import dev.errand.JobState;
import dev.errand.QueueInfo;
import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.JobColumns;
import dev.errand.spi.QueueListParams;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What an operator does to queues ({@code errand.queues()}): pause, resume, list with counts. */
final class QueueAdmin {
  private final StoreContext ctx;

  QueueAdmin(StoreContext ctx) {
    this.ctx = ctx;
  }

  void queuePause(String queue) {
    setPaused("pause queue '" + queue + "'", "QueuePause", queue);
  }

  void queueResume(String queue) {
    setPaused("resume queue '" + queue + "'", "QueueResume", queue);
    ctx.jdbc.run(
        "wake queue '" + queue + "'",
        c -> {
          ctx.wake(c, Set.of(queue));
          return null;
        });
  }

  private void setPaused(String what, String statement, String queue) {
    ctx.jdbc.run(
        what,
        c -> {
          try (Binder b = ctx.prepare(c, statement)) {
            b.setString("name", queue);
            return b.executeUpdate();
          }
        });
  }

  List<QueueInfo> queueList() {
    Map<String, Map<JobState, Long>> counts = new TreeMap<>();
    Set<String> paused = new HashSet<>();
    ctx.jdbc.run(
        "count queues",
        c -> {
          try (Binder b = ctx.prepare(c, "QueueCounts");
              ResultSet rs = b.executeQuery()) {
            while (rs.next()) {
              counts
                  .computeIfAbsent(rs.getString(1), q -> new EnumMap<>(JobState.class))
                  .put(JobColumns.state(rs.getString(2)), rs.getLong(3));
            }
          }
          readPaused(c, paused, counts);
          return null;
        });
    List<QueueInfo> queues = new ArrayList<>(counts.size());
    counts.forEach(
        (name, byState) -> queues.add(new QueueInfo(name, paused.contains(name), byState)));
    return queues;
  }

  /**
   * The queues with counts that read at most {@code exactUpTo + 1} jobs per queue's available jobs
   * and per group of other states (see QueueCountSample), whatever the table holds; past that, the
   * planner's estimates (QueueCountEstimates), never below what was read.
   */
  List<QueueInfo> queueList(QueueListParams params) {
    long limit = Math.min(params.exactUpTo(), Long.MAX_VALUE - 1) + 1;
    Map<String, Map<JobState, Long>> counts = new TreeMap<>();
    Map<String, Set<JobState>> estimated = new HashMap<>();
    Set<JobState> cutShort = EnumSet.noneOf(JobState.class);
    Set<String> paused = new HashSet<>();
    ctx.jdbc.run(
        "count queues up to " + params.exactUpTo() + " jobs per state",
        c -> {
          // Planned at each run: a generic plan made for some other :limit, or while the table
          // was small, could scan where the bound lets the planner stop early.
          try (Binder b = ctx.planEachTime(c, "QueueCountAvailable")) {
            b.setLong("limit", limit);
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                String queue = rs.getString(1);
                long read = rs.getLong(2);
                counts
                    .computeIfAbsent(queue, q -> new EnumMap<>(JobState.class))
                    .put(AVAILABLE, read);
                if (read == limit) {
                  estimated
                      .computeIfAbsent(queue, q -> EnumSet.noneOf(JobState.class))
                      .add(AVAILABLE);
                }
              }
            }
          }
          Map<String, Long> readPerGroup = new HashMap<>();
          try (Binder b = ctx.planEachTime(c, "QueueCountSample")) {
            b.setLong("limit", limit);
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                String group = rs.getString(1);
                JobState state = JobColumns.state(rs.getString(3));
                long read = rs.getLong(4);
                counts
                    .computeIfAbsent(rs.getString(2), q -> new EnumMap<>(JobState.class))
                    .put(state, read);
                readPerGroup.merge(group, read, Long::sum);
              }
            }
          }
          readPerGroup.forEach(
              (group, read) -> {
                if (read == limit) {
                  cutShort.addAll(GROUPS.get(group));
                }
              });
          if (!cutShort.isEmpty() || !estimated.isEmpty()) {
            try (Binder b = ctx.prepare(c, "QueueCountEstimates");
                ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                String queue = rs.getString(1);
                JobState state = JobColumns.state(rs.getString(2));
                long estimate = rs.getLong(3);
                boolean wanted =
                    cutShort.contains(state)
                        || estimated.getOrDefault(queue, Set.of()).contains(state);
                if (wanted && estimate > 0) {
                  // Never below what was read: the statistics may be older than the jobs.
                  counts
                      .computeIfAbsent(queue, q -> new EnumMap<>(JobState.class))
                      .merge(state, estimate, Math::max);
                }
              }
            }
          }
          readPaused(c, paused, counts);
          return null;
        });
    List<QueueInfo> queues = new ArrayList<>(counts.size());
    counts.forEach(
        (name, byState) -> {
          Set<JobState> marked = EnumSet.copyOf(cutShort);
          marked.addAll(estimated.getOrDefault(name, Set.of()));
          queues.add(new QueueInfo(name, paused.contains(name), byState, marked));
        });
    return queues;
  }

  /** The paused queues into {@code paused}, each listed in {@code counts}, with no jobs or some. */
  private void readPaused(Connection c, Set<String> paused, Map<String, Map<JobState, Long>> counts)
      throws SQLException {
    try (Binder b = ctx.prepare(c, "QueuePaused");
        ResultSet rs = b.executeQuery()) {
      while (rs.next()) {
        paused.add(rs.getString(1));
        counts.computeIfAbsent(rs.getString(1), q -> new EnumMap<>(JobState.class));
      }
    }
  }

  /** QueueCountSample's groups: the states each one reads through one partial index. */
  private static final Map<String, Set<JobState>> GROUPS =
      Map.of(
          "running", EnumSet.of(JobState.RUNNING),
          "waiting", EnumSet.of(JobState.SCHEDULED, JobState.RETRYABLE),
          "finalized", EnumSet.of(JobState.COMPLETED, JobState.DISCARDED, JobState.CANCELLED),
          "pending", EnumSet.of(JobState.PENDING));
}
