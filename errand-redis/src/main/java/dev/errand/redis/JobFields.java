package dev.errand.redis;

import dev.errand.DependencyCounts;
import dev.errand.JobInfo;
import dev.errand.spi.JobColumns;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's hash ({@code errand:job:<id>}) as the scripts return it, field and value in turn, read
 * into a {@link JobInfo}. Times are integer microseconds since the epoch; an absent or empty field
 * is null, but for what a new job's hash leaves out because every new job has it: attempt 0, no
 * errors, no tags, no metadata.
 */
final class JobFields {
  private JobFields() {}

  /** Microseconds since the epoch, as the scripts take and write times. */
  static String micros(Instant at) {
    long seconds = at.getEpochSecond();
    return Long.toString(
        Math.addExact(Math.multiplyExact(seconds, 1_000_000L), at.getNano() / 1_000));
  }

  static Instant instant(String micros) {
    if (micros == null || micros.isEmpty()) {
      return null;
    }
    long us = Long.parseLong(micros);
    return Instant.ofEpochSecond(
        Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1_000L);
  }

  /** The job in {@code flat}, a reply of HGETALL: field, value, field, value... */
  static JobInfo read(long id, List<?> flat) {
    Map<String, String> f = new HashMap<>(flat.size());
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      f.put((String) flat.get(i), (String) flat.get(i + 1));
    }
    return new JobInfo(
        id,
        f.get("kind"),
        f.get("queue"),
        JobColumns.state(f.get("state")),
        f.get("args"),
        Integer.parseInt(f.get("priority")),
        Integer.parseInt(f.getOrDefault("attempt", "0")),
        Integer.parseInt(f.get("max_attempts")),
        instant(f.get("created_at")),
        instant(f.get("scheduled_at")),
        instant(f.get("attempted_at")),
        instant(f.get("finalized_at")),
        emptyAsNull(f.get("lease_owner")),
        instant(f.get("lease_expires_at")),
        JobColumns.tags(f.getOrDefault("tags", "[]")),
        JobColumns.metadata(f.getOrDefault("metadata", "{}")),
        JobColumns.errors(f.getOrDefault("errors", "[]")),
        dependencies(f.get("deps")));
  }

  /** A job's dependency counts, "waiting,completed,discarded,cancelled"; none when absent. */
  private static DependencyCounts dependencies(String deps) {
    if (deps == null || deps.isEmpty()) {
      return DependencyCounts.NONE;
    }
    String[] counts = deps.split(",");
    return JobColumns.dependencies(
        Integer.parseInt(counts[0]),
        Integer.parseInt(counts[1]),
        Integer.parseInt(counts[2]),
        Integer.parseInt(counts[3]));
  }

  /** A field the scripts cleared is empty rather than deleted (one HSET instead of an HDEL too). */
  private static String emptyAsNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  /**
   * The fields of {@code JOB_FIELDS} in lib.lua, in its order: what the scripts return per job
   * where the field names would double the reply (a fetch).
   */
  private static final List<String> ROW =
      List.of(
          "id",
          "kind",
          "queue",
          "state",
          "args",
          "priority",
          "attempt",
          "max_attempts",
          "created_at",
          "scheduled_at",
          "attempted_at",
          "finalized_at",
          "lease_owner",
          "lease_expires_at",
          "tags",
          "metadata",
          "errors",
          "deps");

  /** The job in {@code row}, its fields in {@link #ROW} order, a missing one null. */
  static JobInfo readRow(List<?> row) {
    List<Object> flat = new ArrayList<>(ROW.size() * 2);
    for (int i = 0; i < ROW.size(); i++) {
      Object value = i < row.size() ? row.get(i) : null;
      if (value != null) {
        flat.add(ROW.get(i));
        flat.add(value);
      }
    }
    return read(Long.parseLong((String) row.get(0)), flat);
  }

  /** The id in a job's flat fields: the scripts return {@code id} among them. */
  static long id(List<?> flat) {
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      if ("id".equals(flat.get(i))) {
        return Long.parseLong((String) flat.get(i + 1));
      }
    }
    throw new IllegalStateException("a job's fields without its id: " + flat);
  }
}
