package dev.errand;

import java.time.Instant;

/**
 * A periodic job as {@link Errand#cron()} lists it.
 *
 * @param name the schedule's name
 * @param kind the kind of the jobs it enqueues
 * @param queue the queue they go to
 * @param schedule the schedule, as written ({@code 0 3 * * * (Europe/Paris)}, {@code every 15m})
 * @param nextRunAt the next slot after now, or null if the schedule has no more
 * @param catchesUp whether missed slots are enqueued after downtime
 */
public record PeriodicJobInfo(
    String name,
    String kind,
    String queue,
    String schedule,
    Instant nextRunAt,
    boolean catchesUp) {}
