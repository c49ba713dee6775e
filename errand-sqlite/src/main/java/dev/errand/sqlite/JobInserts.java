package dev.errand.sqlite;

import dev.errand.DependencyFailure;
import dev.errand.Enqueued;
import dev.errand.JobState;
import dev.errand.StoreException;
import dev.errand.jdbc.internal.Binder;
import dev.errand.jdbc.internal.Query;
import dev.errand.spi.ImportedJob;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobImportParams;
import dev.errand.spi.JobInsertBatchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobRules;
import dev.errand.spi.NewJob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Inserts jobs: ordinary ones in multi-row statements of up to {@link #INSERT_CHUNK} jobs, unique
 * ones after a look for the holder of their key, and batches with a callback; jobs that wait on
 * others go to {@link JobDependencies}. Each call is one write transaction, and {@link #insert}
 * also serves writes that insert jobs inside theirs (a completion's follow-ups). It owns the
 * multi-row insert statements, built once for a full chunk.
 */
final class JobInserts {
  /**
   * Jobs per insert statement: 768 bind parameters, under the 999 of SQLite builds with the oldest
   * default limit; more rows per statement gain little.
   */
  private static final int INSERT_CHUNK = 64;

  private final StoreContext ctx;
  private final JobDependencies dependencies;

  /**
   * The insert of n rows at index n, built on first use: building one parses and repeats the row's
   * SQL, which for a single enqueue cost more than the insert itself. Only the write turn inserts,
   * so the array is touched by one thread at a time.
   */
  private final Query[] insertQueries = new Query[INSERT_CHUNK + 1];

  JobInserts(StoreContext ctx, JobDependencies dependencies) {
    this.ctx = ctx;
    this.dependencies = dependencies;
    insertQuery(INSERT_CHUNK); // fails at build time if a block is missing, as before
  }

  List<Enqueued> jobInsertMany(JobInsertManyParams params) {
    if (params.jobs().isEmpty()) {
      return List.of();
    }
    Set<String> woken = new LinkedHashSet<>();
    List<Enqueued> result =
        ctx.write(
            "insert " + params.jobs().size() + " jobs",
            c -> insert(c, params.jobs(), params.now(), woken));
    ctx.notifier.wake(woken);
    return result;
  }

  List<Enqueued> jobInsertBatch(JobInsertBatchParams params) {
    Set<String> woken = new LinkedHashSet<>();
    List<Enqueued> result =
        ctx.write(
            "insert a batch of " + params.members().size() + " jobs",
            c -> {
              List<Enqueued> inserted = new ArrayList<>(params.members().size() + 1);
              inserted.addAll(insert(c, params.members(), params.now(), woken));
              List<Long> memberIds = inserted.stream().map(Enqueued::id).toList();
              NewJob callback =
                  params.callback().withDependencies(memberIds, DependencyFailure.RUN);
              inserted.addAll(insert(c, List.of(callback), params.now(), woken));
              return inserted;
            });
    ctx.notifier.wake(woken);
    return result;
  }

  /** Inserts the jobs as unique jobs, then writes the history of those stored, in one commit. */
  List<Enqueued> jobImport(JobImportParams params) {
    if (params.jobs().isEmpty()) {
      return List.of();
    }
    List<NewJob> jobs = params.jobs().stream().map(ImportedJob::job).toList();
    Set<String> woken = new LinkedHashSet<>();
    List<Enqueued> result =
        ctx.write(
            "import " + jobs.size() + " jobs",
            c -> {
              List<Enqueued> enqueued = insert(c, jobs, params.now(), woken);
              List<Enqueued> imported = new ArrayList<>(enqueued.size());
              for (int i = 0; i < enqueued.size(); i++) {
                Enqueued e = enqueued.get(i);
                ImportedJob job = params.jobs().get(i);
                if (!e.duplicate()
                    && (job.retrying() || job.attempt() > 0 || !job.errors().isEmpty())) {
                  ctx.prepare(c, "JobImportHistory")
                      .setLong("id", e.id())
                      .setInt("attempt", job.attempt())
                      .setString("errors", JobColumns.errorsJson(job.errors()))
                      .setInt("retrying", job.retrying() ? 1 : 0)
                      .executeUpdate();
                  e = job.retrying() ? new Enqueued(e.id(), JobState.RETRYABLE, false) : e;
                }
                imported.add(e);
              }
              return imported;
            });
    ctx.notifier.wake(woken);
    return result;
  }

  /**
   * Inserts {@code jobs} inside the caller's write transaction; adds the queues of the jobs made
   * available to {@code woken}.
   */
  List<Enqueued> insert(
      SqliteConnections.Session c, List<NewJob> jobs, Instant now, Set<String> woken)
      throws SQLException {
    List<Enqueued> result = new ArrayList<>(jobs.size());
    if (jobs.stream().allMatch(JobInserts::isOrdinary)) {
      for (int from = 0; from < jobs.size(); from += INSERT_CHUNK) {
        List<NewJob> chunk = jobs.subList(from, Math.min(jobs.size(), from + INSERT_CHUNK));
        result.addAll(insertChunk(c, chunk, now));
      }
    } else {
      // One at a time, each unique job after a look for its holder: an earlier job of this call
      // may be that holder; each job with dependencies after a look at their states. The write
      // transaction keeps any other write from coming between.
      for (NewJob job : jobs) {
        if (!job.dependsOn().isEmpty()) {
          result.add(dependencies.insertWithDependencies(c, job, now));
          continue;
        }
        Optional<Enqueued> holder =
            job.isUnique() ? uniqueHolder(c, job.uniqueKey()) : Optional.empty();
        result.add(holder.isPresent() ? holder.get() : insertChunk(c, List.of(job), now).get(0));
      }
    }
    for (int i = 0; i < jobs.size(); i++) {
      Enqueued e = result.get(i);
      if (!e.duplicate() && e.state() == JobState.AVAILABLE) {
        woken.add(jobs.get(i).queue());
      }
    }
    return result;
  }

  private static boolean isOrdinary(NewJob job) {
    return !job.isUnique() && job.dependsOn().isEmpty();
  }

  private Optional<Enqueued> uniqueHolder(SqliteConnections.Session c, String uniqueKey)
      throws SQLException {
    Binder holder = ctx.prepare(c, "JobUniqueHolder").setString("uniqueKey", uniqueKey);
    try (ResultSet rs = holder.statement().executeQuery()) {
      return rs.next()
          ? Optional.of(new Enqueued(rs.getLong(1), JobColumns.state(rs.getString(2)), true))
          : Optional.empty();
    }
  }

  private List<Enqueued> insertChunk(SqliteConnections.Session c, List<NewJob> chunk, Instant now)
      throws SQLException {
    int n = chunk.size();
    JobState[] states = new JobState[n];
    long[] ids = new long[n];
    long createdAt = JobRows.micros(now);
    Query query = insertQuery(n);
    Binder insert = query.bind(c.prepare(query.sql()));
    for (int i = 0; i < n; i++) {
      NewJob job = chunk.get(i);
      states[i] = JobRules.runnableState(job.scheduledAt(), now);
      Binder row =
          insert
              .row(i)
              .setString("state", JobColumns.stateName(states[i]))
              .setString("queue", job.queue())
              .setString("kind", job.kind())
              .setString("args", job.argsJson())
              .setInt("priority", job.priority())
              .setInt("maxAttempts", job.maxAttempts())
              .setLong("createdAt", createdAt)
              .setLong("scheduledAt", JobRows.micros(job.scheduledAt()))
              .setString("tags", job.tags().isEmpty() ? "[]" : JobColumns.json(job.tags()))
              .setString(
                  "metadata", job.metadata().isEmpty() ? "{}" : JobColumns.json(job.metadata()));
      if (job.isUnique()) {
        row.setString("uniqueKey", job.uniqueKey())
            .setInt("uniqueStates", JobColumns.uniqueStateBits(job.uniqueStates()));
      } else {
        row.setNull("uniqueKey", Types.VARCHAR).setNull("uniqueStates", Types.INTEGER);
      }
    }
    int returned = 0;
    try (ResultSet rs = insert.statement().executeQuery()) {
      while (rs.next() && returned < n) {
        ids[returned++] = rs.getLong(1);
      }
    }
    if (returned != n) {
      throw new StoreException("inserted " + returned + " jobs of " + n);
    }
    // RETURNING follows no promised order, but the ids grow in the order of the VALUES list.
    Arrays.sort(ids);
    List<Enqueued> result = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      result.add(new Enqueued(ids[i], states[i], false));
    }
    return result;
  }

  /** The insert of {@code rows} jobs: JobInsert with JobInsertRow once per job. */
  private Query insertQuery(int rows) {
    Query query = insertQueries[rows];
    if (query == null) {
      query = ctx.sql.query("JobInsert").repeat("{rows}", ctx.sql.query("JobInsertRow"), rows);
      insertQueries[rows] = query;
    }
    return query;
  }
}
