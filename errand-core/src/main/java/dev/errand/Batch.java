package dev.errand;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A group of jobs with a callback job that runs exactly once, when every member has finished
 * (completed, discarded or cancelled), on whichever node finishes the last member. The callback's
 * worker reads how the members ended from {@link Job#dependencies()}. Built by {@link
 * Errand#batch()}; not thread-safe; enqueue it once.
 *
 * <pre>{@code
 * errand.batch()
 *     .addAll(orders.stream().map(GenerateTicket::new).toList())
 *     .onFinish(new SendTickets(eventId))
 *     .enqueue();
 * }</pre>
 */
public final class Batch {
  /**
   * The metadata key a batch's callback carries, with the value {@link #CALLBACK}: the jobs that
   * have it are the batches ({@code JobQuery.withMetadata(Batch.METADATA_KEY, Batch.CALLBACK)}).
   */
  public static final String METADATA_KEY = "errand.batch";

  /** The value of {@link #METADATA_KEY} on a batch's callback. */
  public static final String CALLBACK = "callback";

  private final Errand errand;
  private final List<JobArgs> memberArgs = new ArrayList<>();
  private final List<EnqueueOptions> memberOptions = new ArrayList<>();
  private JobArgs callbackArgs;
  private EnqueueOptions callbackOptions = EnqueueOptions.defaults();

  Batch(Errand errand) {
    this.errand = errand;
  }

  /** Adds a member with default options. */
  public Batch add(JobArgs args) {
    return add(args, EnqueueOptions.defaults());
  }

  /** Adds a member; it may have dependencies of its own. */
  public Batch add(JobArgs args, EnqueueOptions options) {
    memberArgs.add(Objects.requireNonNull(args, "args"));
    memberOptions.add(Objects.requireNonNull(options, "options"));
    return this;
  }

  /** Adds members with default options. */
  public Batch addAll(Collection<? extends JobArgs> args) {
    return addAll(args, EnqueueOptions.defaults());
  }

  /** Adds members, all with {@code options}. */
  public Batch addAll(Collection<? extends JobArgs> args, EnqueueOptions options) {
    for (JobArgs a : args) {
      add(a, options);
    }
    return this;
  }

  /** The callback, with default options. */
  public Batch onFinish(JobArgs args) {
    return onFinish(args, EnqueueOptions.defaults());
  }

  /**
   * The callback. Its options' {@link EnqueueOptions#dependsOn dependencies} are replaced by the
   * members, and it runs whatever becomes of them ({@link DependencyFailure#RUN}).
   */
  public Batch onFinish(JobArgs args, EnqueueOptions options) {
    this.callbackArgs = Objects.requireNonNull(args, "args");
    this.callbackOptions = Objects.requireNonNull(options, "options");
    return this;
  }

  /**
   * Stores the members and the callback, all or none.
   *
   * @throws IllegalStateException if the batch has no member or no callback
   * @throws UnsupportedOperationException if the store has no {@link
   *     dev.errand.spi.Capability#DEPENDENCIES}
   * @throws JobArgsException if some args cannot be written
   * @throws UnknownDependencyException if a member depends on a job that does not exist
   */
  public BatchEnqueued enqueue() {
    check();
    return errand.insertBatch(null, memberArgs, memberOptions, callbackArgs, callbackOptions);
  }

  /**
   * {@link #enqueue()} inside the caller's open transaction on {@code connection}: nothing exists
   * unless the caller commits.
   */
  public BatchEnqueued enqueue(Connection connection) {
    Objects.requireNonNull(connection, "connection");
    check();
    return errand.insertBatch(connection, memberArgs, memberOptions, callbackArgs, callbackOptions);
  }

  private void check() {
    if (memberArgs.isEmpty()) {
      throw new IllegalStateException("a batch needs at least one member: call add(args)");
    }
    if (callbackArgs == null) {
      throw new IllegalStateException("a batch needs a callback: call onFinish(args)");
    }
  }
}
