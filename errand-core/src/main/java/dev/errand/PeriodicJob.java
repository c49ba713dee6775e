package dev.errand;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A job enqueued on a {@link Schedule}, declared in the {@link Config}:
 *
 * <pre>{@code
 * Config.builder(store)
 *     .periodic(PeriodicJob.of(Schedule.cron("0 3 * * *", ZoneId.of("Europe/Paris")), new NightlyReport())
 *         .options(EnqueueOptions.defaults().queue("reports")))
 * }</pre>
 *
 * <p>The maintenance leader enqueues one job per slot, with the slot as its run time (the worker
 * reads it as {@code job.scheduledAt()}). Each slot is enqueued at most once however many nodes run
 * and however often the leadership changes: the store refuses a second job for the same name and
 * slot, in every state, until the job is pruned. A slot is still enqueued when it was missed by
 * less than the {@linkplain Config#periodicGrace() grace period} (a leadership handover, a
 * restart); slots missed for longer, during downtime, are skipped unless the job asks to {@link
 * #catchUp(Duration) catch up}.
 *
 * <p>Immutable: each {@code with} method returns a new instance.
 */
public final class PeriodicJob {
  private final String name;
  private final Schedule schedule;
  private final JobArgs args;
  private final EnqueueOptions options;
  private final Duration catchUp;

  private PeriodicJob(
      String name, Schedule schedule, JobArgs args, EnqueueOptions options, Duration catchUp) {
    this.name = name;
    this.schedule = schedule;
    this.args = args;
    this.options = options;
    this.catchUp = catchUp;
  }

  /**
   * Enqueues {@code args} at every slot of {@code schedule}, under the name {@code args.kind()}.
   *
   * @throws IllegalArgumentException if the kind is not a valid name
   */
  public static PeriodicJob of(Schedule schedule, JobArgs args) {
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(args, "args");
    return new PeriodicJob(args.kind(), schedule, args, EnqueueOptions.defaults(), null)
        .named(args.kind());
  }

  /**
   * The name that identifies this schedule across nodes and restarts; needed when one kind has
   * several schedules. Renaming a schedule makes its current slot enqueue again.
   *
   * @throws IllegalArgumentException unless 1 to 128 characters of letters, digits, {@code _ . : -}
   */
  public PeriodicJob named(String name) {
    try {
      Config.checkKind(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "periodic job name" + e.getMessage().substring("job kind".length()), e);
    }
    return new PeriodicJob(name, schedule, args, options, catchUp);
  }

  /**
   * Queue, priority, attempts, tags and metadata of every enqueued job.
   *
   * @throws IllegalArgumentException if the options set a run time (the slot is the run time) or
   *     uniqueness (each slot's job is unique by schedule name and slot already)
   */
  public PeriodicJob options(EnqueueOptions options) {
    Objects.requireNonNull(options, "options");
    if (options.unique() != null) {
      throw new IllegalArgumentException(
          "periodic job '"
              + name
              + "': options must not set unique; each slot's job is already unique by schedule"
              + " name and slot");
    }
    if (options.runAt() != null || options.runIn() != null) {
      throw new IllegalArgumentException(
          "periodic job '"
              + name
              + "': options must not set runAt or runIn; the slot is the run"
              + " time");
    }
    return new PeriodicJob(name, schedule, args, options, catchUp);
  }

  /**
   * After downtime, enqueues every slot missed within {@code window} (oldest first, at most 1,000
   * at a time) instead of skipping them. A leader cannot tell a first start from a restart, so the
   * first start catches up on the window too. The window may not exceed {@link
   * Config#completedRetention()}: a slot's job must still be stored for the store to tell that it
   * already ran.
   *
   * @throws IllegalArgumentException if the window is not positive
   */
  public PeriodicJob catchUp(Duration window) {
    Objects.requireNonNull(window, "window");
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException(
          "periodic job '" + name + "': catch-up window must be positive, was " + window);
    }
    return new PeriodicJob(name, schedule, args, options, window);
  }

  public String name() {
    return name;
  }

  public Schedule schedule() {
    return schedule;
  }

  public JobArgs args() {
    return args;
  }

  public EnqueueOptions options() {
    return options;
  }

  /** The catch-up window, or null when missed slots are skipped. */
  public Duration catchUpWindow() {
    return catchUp;
  }

  @Override
  public String toString() {
    return "PeriodicJob[" + name + ", " + schedule + ", kind " + args.kind() + "]";
  }

  /**
   * The metadata key its slot jobs carry, naming it: the dashboard finds a schedule's last slots by
   * it.
   */
  public static final String METADATA_KEY = "errand.periodic";

  /** This periodic job as {@link Errand#cron()} lists it, its next slot after {@code now}. */
  public PeriodicJobInfo info(Instant now) {
    return new PeriodicJobInfo(
        name(),
        args().kind(),
        options().queue() != null ? options().queue() : Config.DEFAULT_QUEUE,
        schedule().toString(),
        schedule().next(now).orElse(null),
        catchUpWindow() != null);
  }
}
