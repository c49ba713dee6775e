package dev.errand.internal.engine;

import dev.errand.Config;
import dev.errand.Config.WorkerRegistration;
import dev.errand.EnqueueOptions;
import dev.errand.JobArgs;
import dev.errand.JobArgsException;
import dev.errand.JobState;
import dev.errand.PeriodicJob;
import dev.errand.RawArgs;
import dev.errand.UniqueOptions;
import dev.errand.spi.Capability;
import dev.errand.spi.NewJob;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns args and options into a validated, encoded {@link NewJob}: the one place where enqueue
 * rules live, for direct enqueues and for follow-ups written with a completion alike.
 */
public final class JobEncoder {
  private final Config config;
  private final Map<Class<?>, String> kindByArgsType = new HashMap<>();
  private final boolean storeHasUniqueJobs;

  public JobEncoder(Config config) {
    this.config = config;
    this.storeHasUniqueJobs = config.store().capabilities().contains(Capability.UNIQUE_JOBS);
    for (WorkerRegistration<?> registration : config.workers().values()) {
      kindByArgsType.put(registration.argsType(), registration.kind());
    }
  }

  /**
   * The job to store for {@code args}.
   *
   * @throws JobArgsException if the kind is invalid, disagrees with its registration, or the args
   *     cannot be written, are too large, hold text no store keeps ({@link StoredText}), or lack a
   *     field their uniqueness names
   * @throws UnsupportedOperationException if the job is unique or has dependencies and the store
   *     cannot enforce that
   * @throws IllegalArgumentException if the job is both unique and waits on other jobs
   */
  public NewJob encode(JobArgs args, EnqueueOptions options, Instant now) {
    NewJob job = encodePlain(args, options, now);
    UniqueOptions unique = options.unique() != null ? options.unique() : workerUnique(job.kind());
    if (unique == null) {
      return job;
    }
    requireUniqueJobs(job.kind());
    if (!job.dependsOn().isEmpty()) {
      throw new IllegalArgumentException(
          "a job of kind '"
              + job.kind()
              + "' cannot be both unique and wait on other jobs (dependsOn): choose one");
    }
    return withUniqueKey(
        job,
        UniqueKeys.of(unique, job.kind(), job.argsJson(), job.queue(), job.scheduledAt()),
        unique.states());
  }

  private NewJob encodePlain(JobArgs args, EnqueueOptions options, Instant now) {
    Objects.requireNonNull(args, "args");
    if (!options.dependsOn().isEmpty()
        && !config.store().capabilities().contains(Capability.DEPENDENCIES)) {
      throw new UnsupportedOperationException(
          config.store().getClass().getSimpleName()
              + " has no job dependencies (Capability.DEPENDENCIES), so no dependsOn");
    }
    String kind = args.kind();
    try {
      Config.checkKind(kind);
    } catch (IllegalArgumentException e) {
      throw new JobArgsException(args.getClass().getName() + ": " + e.getMessage());
    }
    String registered = kindByArgsType.get(args.getClass());
    if (registered != null && !registered.equals(kind)) {
      throw new JobArgsException(
          args.getClass().getName()
              + " says its kind is '"
              + kind
              + "' but its worker is registered for kind '"
              + registered
              + "'");
    }
    String json = args instanceof RawArgs raw ? raw.json() : config.codec().encode(args);
    int size = json.length() * 3 <= config.maxArgsBytes() ? json.length() : utf8Length(json);
    if (size > config.maxArgsBytes()) {
      throw new JobArgsException(
          "args of kind '"
              + kind
              + "' are "
              + size
              + " bytes of JSON, more than maxArgsBytes ("
              + config.maxArgsBytes()
              + "); keep large data in your own tables and pass its id");
    }
    StoredText.checkArgsJson(kind, json);
    // Given times are cut to the microsecond, which every store keeps: PostgreSQL would round a
    // finer one and SQLite cut it, so the same enqueue would run at different times.
    Instant runAt = now;
    if (options.runAt() != null) {
      runAt = options.runAt().truncatedTo(ChronoUnit.MICROS);
    } else if (options.runIn() != null) {
      runAt = now.plus(options.runIn().truncatedTo(ChronoUnit.MICROS));
    }
    return new NewJob(
        kind,
        options.queue() != null ? options.queue() : Config.DEFAULT_QUEUE,
        json,
        options.priority() != null ? options.priority() : EnqueueOptions.MIN_PRIORITY,
        runAt,
        maxAttempts(kind, options),
        options.tags(),
        options.metadata(),
        null,
        Set.of(),
        options.dependsOn(),
        options.ifDependencyFails());
  }

  /**
   * The job of one slot of {@code periodic}: its args and options, run at the slot.
   *
   * @throws JobArgsException as {@link #encode}
   */
  public NewJob encodeSlot(PeriodicJob periodic, Instant slot, Instant now) {
    EnqueueOptions options = periodic.options().runAt(slot);
    Map<String, String> metadata = new java.util.LinkedHashMap<>(options.metadata());
    metadata.put(PeriodicJob.METADATA_KEY, periodic.name());
    NewJob job = encodePlain(periodic.args(), options.metadata(metadata), now);
    requireUniqueJobs(job.kind());
    return withUniqueKey(
        job, UniqueKeys.ofSlot(periodic.name(), slot), EnumSet.allOf(JobState.class));
  }

  private UniqueOptions workerUnique(String kind) {
    WorkerRegistration<?> registration = config.workers().get(kind);
    return registration != null ? registration.worker().unique() : null;
  }

  private void requireUniqueJobs(String kind) {
    if (!storeHasUniqueJobs) {
      throw new UnsupportedOperationException(
          "job of kind '"
              + kind
              + "' is unique, but "
              + config.store().getClass().getSimpleName()
              + " cannot enforce uniqueness (no UNIQUE_JOBS capability)");
    }
  }

  private static NewJob withUniqueKey(NewJob job, String key, Set<JobState> states) {
    return new NewJob(
        job.kind(),
        job.queue(),
        job.argsJson(),
        job.priority(),
        job.scheduledAt(),
        job.maxAttempts(),
        job.tags(),
        job.metadata(),
        key,
        states,
        job.dependsOn(),
        job.ifDependencyFails());
  }

  private int maxAttempts(String kind, EnqueueOptions options) {
    if (options.maxAttempts() != null) {
      return options.maxAttempts();
    }
    WorkerRegistration<?> registration = config.workers().get(kind);
    if (registration != null && registration.worker().maxAttempts() > 0) {
      return registration.worker().maxAttempts();
    }
    return config.defaultMaxAttempts();
  }

  private static int utf8Length(String json) {
    return json.getBytes(StandardCharsets.UTF_8).length;
  }
}
