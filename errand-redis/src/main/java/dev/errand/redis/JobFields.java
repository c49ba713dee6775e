package dev.errand.redis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.errand.DependencyCounts;
import dev.errand.JobInfo;
import dev.errand.spi.JobColumns;
import dev.errand.spi.NewJob;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's record as the scripts return it (its errand:data entry, then its errand:job:<id> hash;
 * see lib.lua), read into a {@link JobInfo}. Times are integer microseconds since the epoch; an
 * absent or empty field is null, but for what a job leaves out while it has it as most jobs do:
 * attempt 0, no errors, no tags, no metadata.
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

  /**
   * The job in {@code flat}, as lib.lua's {@code fields} returns it: field, value, field, value...
   * with {@code made}, its errand:data entry, before what changed since.
   */
  static JobInfo read(long id, List<?> flat) {
    Map<String, String> f = new HashMap<>(32);
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      String field = (String) flat.get(i);
      String value = (String) flat.get(i + 1);
      if (field.equals("made")) {
        readMadeWith(value, f);
      } else {
        f.put(field, value);
      }
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
        JobColumns.tags(nonEmpty(f.get("tags"), "[]")),
        JobColumns.metadata(nonEmpty(f.get("metadata"), "{}")),
        JobColumns.errors(nonEmpty(f.get("errors"), "[]")),
        dependencies(f.get("deps")),
        emptyAsNull(f.get("uk")),
        instant(f.get("heartbeat_at")));
  }

  /**
   * What a new job is made with, as errand:data keeps it after its state and run time: a JSON
   * object of strings, its empty ones left out. Written here for the jobs that {@code
   * insert_common} stores as they come (lib.lua writes the others' with cjson).
   */
  static String madeWith(NewJob job, String createdAt) {
    StringBuilder json = new StringBuilder(96 + job.argsJson().length());
    json.append('{');
    field(json, "kind", job.kind());
    field(json, "queue", job.queue());
    field(json, "args", job.argsJson());
    field(json, "priority", Integer.toString(job.priority()));
    field(json, "max_attempts", Integer.toString(job.maxAttempts()));
    if (!job.tags().isEmpty()) {
      field(json, "tags", JobColumns.json(job.tags()));
    }
    if (!job.metadata().isEmpty()) {
      field(json, "metadata", JobColumns.json(job.metadata()));
    }
    field(json, "created_at", createdAt);
    json.setCharAt(json.length() - 1, '}');
    return json.toString();
  }

  private static void field(StringBuilder json, String name, String value) {
    json.append('"').append(name).append("\":\"");
    json.append(ENCODER.quoteAsString(value)).append("\",");
  }

  private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * An errand:data entry into {@code f}: "state:run time (18 digits)", a JSON object of strings, a
   * newline, then the job's Sidekiq JSON, which a job's fields do not need.
   */
  private static void readMadeWith(String entry, Map<String, String> f) {
    int colon = entry.indexOf(':');
    int json = entry.indexOf('{', colon);
    int end = entry.indexOf('\n', json);
    f.put("state", entry.substring(0, colon));
    f.put("scheduled_at", Long.toString(Long.parseLong(entry.substring(colon + 1, json))));
    try (JsonParser parser = JSON.createParser(entry.substring(json, end))) {
      parser.nextToken();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        parser.nextToken();
        f.put(name, parser.getText());
      }
    } catch (IOException e) {
      throw new IllegalStateException("a job's errand:data entry is not as lib.lua writes it", e);
    }
  }

  private static String nonEmpty(String value, String otherwise) {
    return value == null || value.isEmpty() ? otherwise : value;
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
