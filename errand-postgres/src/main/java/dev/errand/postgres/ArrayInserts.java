package dev.errand.postgres;

import dev.errand.Enqueued;
import dev.errand.StoreException;
import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.JobColumns;
import dev.errand.spi.NewJob;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the inserts that send their jobs as column arrays share (JobInsertMany, JobInsertUnique,
 * JobInsertWithDependencies): the arrays of the eight columns every job has, and the reading of the
 * ids they return.
 */
final class ArrayInserts {
  private ArrayInserts() {}

  /**
   * Binds the eight column arrays of {@code jobs} by name ({@code :queues, :kinds, :args,
   * :priorities, :maxAttempts, :scheduledAt, :tags, :metadata}).
   */
  static void bindColumns(Connection c, Binder b, List<NewJob> jobs) throws SQLException {
    int n = jobs.size();
    String[] queues = new String[n];
    String[] kinds = new String[n];
    String[] args = new String[n];
    Short[] priorities = new Short[n];
    Short[] maxAttempts = new Short[n];
    String[] scheduledAt = new String[n];
    String[] tags = new String[n];
    String[] metadata = new String[n];
    for (int i = 0; i < n; i++) {
      NewJob job = jobs.get(i);
      queues[i] = job.queue();
      kinds[i] = job.kind();
      args[i] = job.argsJson();
      priorities[i] = (short) job.priority();
      maxAttempts[i] = (short) job.maxAttempts();
      scheduledAt[i] = job.scheduledAt().toString();
      tags[i] = job.tags().isEmpty() ? "[]" : JobColumns.json(job.tags());
      metadata[i] = job.metadata().isEmpty() ? "{}" : JobColumns.json(job.metadata());
    }
    b.setArray("queues", c.createArrayOf("text", queues))
        .setArray("kinds", c.createArrayOf("text", kinds))
        .setArray("args", c.createArrayOf("text", args))
        .setArray("priorities", c.createArrayOf("int2", priorities))
        .setArray("maxAttempts", c.createArrayOf("int2", maxAttempts))
        .setArray("scheduledAt", c.createArrayOf("text", scheduledAt))
        .setArray("tags", c.createArrayOf("text", tags))
        .setArray("metadata", c.createArrayOf("text", metadata));
  }

  /**
   * Runs an insert of {@code n} jobs that returns (id, state) in the jobs' order, and reads them;
   * fails if it did not insert them all.
   */
  static List<Enqueued> readInserted(Binder b, int n) throws SQLException {
    List<Enqueued> result = new ArrayList<>(n);
    try (ResultSet rs = b.executeQuery()) {
      while (rs.next()) {
        result.add(new Enqueued(rs.getLong(1), JobColumns.state(rs.getString(2)), false));
      }
    }
    if (result.size() != n) {
      throw new StoreException("inserted " + result.size() + " jobs of " + n);
    }
    return result;
  }
}
