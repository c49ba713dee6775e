package dev.errand.sqlite;

import dev.errand.JobState;
import dev.errand.QueueInfo;
import dev.errand.spi.JobColumns;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What an operator does to queues ({@code errand.queues()}): pause, resume (which wakes the queue's
 * producers, rather than leave it to their next poll), list with counts. The list reads on a reader
 * connection, so a dashboard never waits for the writer.
 */
final class QueueAdmin {
  private final StoreContext ctx;

  QueueAdmin(StoreContext ctx) {
    this.ctx = ctx;
  }

  void queuePause(String queue) {
    ctx.writeOne("pause queue '" + queue + "'", "QueuePause", "queue", queue);
  }

  void queueResume(String queue) {
    ctx.writeOne("resume queue '" + queue + "'", "QueueResume", "queue", queue);
    ctx.notifier.wake(Set.of(queue));
  }

  List<QueueInfo> queueList() {
    return ctx.read(
        "count queues",
        c -> {
          Map<String, Map<JobState, Long>> counts = new TreeMap<>();
          Set<String> paused = new HashSet<>();
          try (ResultSet rs = c.prepare(ctx.sql.get("QueueCounts")).executeQuery()) {
            while (rs.next()) {
              counts
                  .computeIfAbsent(rs.getString(1), q -> new EnumMap<>(JobState.class))
                  .put(JobColumns.state(rs.getString(2)), rs.getLong(3));
            }
          }
          try (ResultSet rs = c.prepare(ctx.sql.get("QueuePaused")).executeQuery()) {
            while (rs.next()) {
              paused.add(rs.getString(1));
              counts.computeIfAbsent(rs.getString(1), q -> new EnumMap<>(JobState.class));
            }
          }
          List<QueueInfo> queues = new ArrayList<>(counts.size());
          counts.forEach(
              (name, byState) -> queues.add(new QueueInfo(name, paused.contains(name), byState)));
          return queues;
        });
  }
}
