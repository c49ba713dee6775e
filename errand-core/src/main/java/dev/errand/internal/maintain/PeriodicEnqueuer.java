package dev.errand.internal.maintain;

import dev.errand.Config;
import dev.errand.Enqueued;
import dev.errand.PeriodicJob;
import dev.errand.internal.engine.JobEncoder;
import dev.errand.internal.engine.Service;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.NewJob;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Run by the maintenance leader only. Enqueues each {@link PeriodicJob}'s slots as they come, all
 * due slots of all schedules in one insert. Exactly once per slot rests on the store, not on this
 * node's memory: every slot job carries a unique key made of the schedule's name and the slot, so a
 * new leader that enqueues a slot its predecessor already enqueued gets a duplicate back, and
 * nothing is stored.
 */
public final class PeriodicEnqueuer extends Service {
  /** Slots enqueued per schedule and pass, when one catches up on many. */
  static final int CATCH_UP_BATCH = 1_000;

  /** How often a node that does not lead checks again, and the longest sleep of a leader. */
  private static final Duration IDLE = Duration.ofSeconds(1);

  private final Config config;
  private final JobEncoder encoder;
  private final BooleanSupplier isLeader;

  /**
   * The last slot this node enqueued (or found enqueued) per schedule, while it leads: saves
   * inserting a duplicate on every pass. Forgotten on losing the leadership, since another node may
   * enqueue in between.
   */
  private final Map<String, Instant> lastSlot = new HashMap<>();

  public PeriodicEnqueuer(Config config, JobEncoder encoder, BooleanSupplier isLeader) {
    super("periodic-enqueuer");
    this.config = config;
    this.encoder = encoder;
    this.isLeader = isLeader;
  }

  @Override
  protected Duration runOnce() {
    if (!isLeader.getAsBoolean()) {
      lastSlot.clear();
      return IDLE;
    }
    Instant now = config.clock().instant();
    List<NewJob> jobs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<Instant> slots = new ArrayList<>();
    boolean moreDue = false;
    for (PeriodicJob periodic : config.periodicJobs()) {
      List<Instant> due = dueSlots(periodic, now);
      moreDue |= due.size() == CATCH_UP_BATCH;
      for (Instant slot : due) {
        jobs.add(encoder.encodeSlot(periodic, slot, now));
        names.add(periodic.name());
        slots.add(slot);
      }
    }
    if (!jobs.isEmpty()) {
      List<Enqueued> results = config.store().jobInsertMany(new JobInsertManyParams(jobs, now));
      for (int i = 0; i < results.size(); i++) {
        lastSlot.merge(names.get(i), slots.get(i), (a, b) -> a.isAfter(b) ? a : b);
        if (!results.get(i).duplicate()) {
          log.info(
              "enqueued periodic job '{}' for slot {}: job {}",
              names.get(i),
              slots.get(i),
              results.get(i).id());
        }
      }
    }
    return moreDue ? Duration.ZERO : untilNextSlot(now);
  }

  /**
   * The slots of {@code periodic} to enqueue now, oldest first: the latest slot if it is within the
   * grace period, or with catch-up every slot of the window; never one enqueued already.
   */
  private List<Instant> dueSlots(PeriodicJob periodic, Instant now) {
    Instant after = lastSlot.get(periodic.name());
    Duration window =
        periodic.catchUpWindow() != null ? periodic.catchUpWindow() : config.periodicGrace();
    Instant windowStart = now.minus(window);
    List<Instant> due = new ArrayList<>();
    if (periodic.catchUpWindow() == null) {
      Optional<Instant> latest = periodic.schedule().latest(now);
      if (latest.isPresent()
          && !latest.get().isBefore(windowStart)
          && (after == null || latest.get().isAfter(after))) {
        due.add(latest.get());
      }
      return due;
    }
    Instant cursor = after != null && after.isAfter(windowStart) ? after : windowStart;
    Optional<Instant> next = periodic.schedule().next(cursor);
    while (next.isPresent() && !next.get().isAfter(now) && due.size() < CATCH_UP_BATCH) {
      due.add(next.get());
      next = periodic.schedule().next(next.get());
    }
    return due;
  }

  private Duration untilNextSlot(Instant now) {
    Duration sleep = IDLE;
    for (PeriodicJob periodic : config.periodicJobs()) {
      Optional<Instant> next = periodic.schedule().next(now);
      if (next.isPresent()) {
        Duration until = Duration.between(now, next.get());
        if (until.compareTo(sleep) < 0) {
          sleep = until;
        }
      }
    }
    return sleep;
  }
}
