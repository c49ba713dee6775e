package dev.errand.postgres;

import dev.errand.JobState;
import dev.errand.QueueInfo;
import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.JobColumns;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.EnumMap;
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
          try (Binder b = ctx.prepare(c, "QueuePaused");
              ResultSet rs = b.executeQuery()) {
            while (rs.next()) {
              paused.add(rs.getString(1));
              counts.computeIfAbsent(rs.getString(1), q -> new EnumMap<>(JobState.class));
            }
          }
          return null;
        });
    List<QueueInfo> queues = new ArrayList<>(counts.size());
    counts.forEach(
        (name, byState) -> queues.add(new QueueInfo(name, paused.contains(name), byState)));
    return queues;
  }
}
