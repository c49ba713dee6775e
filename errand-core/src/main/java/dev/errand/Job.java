package dev.errand;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * One attempt of a job, as its {@link Worker} sees it: the decoded args, the attempt number, and a
 * way to enqueue follow-up jobs.
 *
 * @param <A> the args type
 */
public final class Job<A extends JobArgs> {

  private final JobInfo info;
  private final A args;
  private final Enqueuer enqueuer;
  private final BooleanSupplier cancelled;
  private final BiConsumer<JobArgs, EnqueueOptions> onCompletion;

  private Job(
      JobInfo info,
      A args,
      Enqueuer enqueuer,
      BooleanSupplier cancelled,
      BiConsumer<JobArgs, EnqueueOptions> onCompletion) {
    this.info = Objects.requireNonNull(info, "info");
    this.args = Objects.requireNonNull(args, "args");
    this.enqueuer = Objects.requireNonNull(enqueuer, "enqueuer");
    this.cancelled = Objects.requireNonNull(cancelled, "cancelled");
    this.onCompletion = Objects.requireNonNull(onCompletion, "onCompletion");
  }

  /**
   * An attempt of a job, to call a worker directly in a test: {@code worker.work(Job.of(info, args,
   * errand))}. It is never cancelled, and the follow-up jobs of both {@link #enqueue} and {@link
   * #enqueueOnCompletion} go to {@code enqueuer} at once, since no completion follows; use {@link
   * #of(JobInfo, JobArgs, Enqueuer, BooleanSupplier, BiConsumer)} to tell them apart or to cancel
   * the job while it runs.
   *
   * @param info the stored job: its id, kind, queue, attempt number, errors …; {@code
   *     info.argsJson()} is not read
   * @param args its args, as the worker receives them
   * @param enqueuer where follow-up jobs are enqueued: an {@link Errand}, or a test's own {@link
   *     Enqueuer} that records them
   */
  public static <A extends JobArgs> Job<A> of(JobInfo info, A args, Enqueuer enqueuer) {
    Objects.requireNonNull(enqueuer, "enqueuer");
    return new Job<>(info, args, enqueuer, () -> false, enqueuer::enqueue);
  }

  /**
   * An attempt of a job, with every part given: what the engine builds for each attempt it runs,
   * and what a test uses to cancel a job while its worker runs or to collect the jobs it enqueues
   * on completion.
   *
   * @param info the stored job
   * @param args its decoded args
   * @param enqueuer where follow-up jobs are enqueued at once: the {@link Errand} that runs the job
   * @param cancelled tells whether the job was cancelled while it runs; read from the worker's
   *     thread
   * @param onCompletion receives the jobs of {@link #enqueueOnCompletion}, on the worker's thread;
   *     the engine's validates and encodes them at once, throwing {@link JobArgsException} for bad
   *     args
   */
  public static <A extends JobArgs> Job<A> of(
      JobInfo info,
      A args,
      Enqueuer enqueuer,
      BooleanSupplier cancelled,
      BiConsumer<JobArgs, EnqueueOptions> onCompletion) {
    return new Job<>(info, args, enqueuer, cancelled, onCompletion);
  }

  public long id() {
    return info.id();
  }

  public String kind() {
    return info.kind();
  }

  public String queue() {
    return info.queue();
  }

  public A args() {
    return args;
  }

  /** This attempt's number: 1 for the first. */
  public int attempt() {
    return info.attempt();
  }

  public int maxAttempts() {
    return info.maxAttempts();
  }

  /** Whether this is the last attempt: failing it discards the job. */
  public boolean isLastAttempt() {
    return info.attempt() >= info.maxAttempts();
  }

  public int priority() {
    return info.priority();
  }

  public Instant createdAt() {
    return info.createdAt();
  }

  public Instant scheduledAt() {
    return info.scheduledAt();
  }

  public List<String> tags() {
    return info.tags();
  }

  public Map<String, String> metadata() {
    return info.metadata();
  }

  /** The errors of earlier attempts, oldest first. */
  public List<AttemptError> errors() {
    return info.errors();
  }

  /**
   * How the jobs this one depends on ended, as of when this attempt was fetched: for a batch's
   * callback, how many members completed, were discarded and were cancelled.
   */
  public DependencyCounts dependencies() {
    return info.dependencies();
  }

  /** The stored job as it was fetched for this attempt. */
  public JobInfo info() {
    return info;
  }

  /**
   * Whether the job was cancelled while it runs. A long worker may check this between steps; the
   * engine also interrupts its thread, and ignores whatever it returns.
   */
  public boolean isCancelled() {
    return cancelled.getAsBoolean();
  }

  /**
   * Enqueues a follow-up job together with this job's completion, in the same atomic write (on
   * PostgreSQL, the same transaction): it is stored only if this attempt completes and its result
   * is accepted. If the attempt fails, is snoozed or cancelled, nothing is enqueued, so a retried
   * job does not enqueue its follow-ups twice.
   *
   * @throws JobArgsException at once if the args cannot be written
   * @throws UnknownDependencyException at once if its options depend on a job that does not exist
   */
  public void enqueueOnCompletion(JobArgs args) {
    onCompletion.accept(args, EnqueueOptions.defaults());
  }

  /** {@link #enqueueOnCompletion(JobArgs)} with options. */
  public void enqueueOnCompletion(JobArgs args, EnqueueOptions options) {
    onCompletion.accept(args, options);
  }

  /** Enqueues a follow-up job now, whatever becomes of this attempt. */
  public Enqueued enqueue(JobArgs args) {
    return enqueuer.enqueue(args);
  }

  /** Enqueues a follow-up job now, with options. */
  public Enqueued enqueue(JobArgs args, EnqueueOptions options) {
    return enqueuer.enqueue(args, options);
  }

  /** Enqueues many follow-up jobs now, with default options, in one batch. */
  public List<Enqueued> enqueueAll(Collection<? extends JobArgs> args) {
    return enqueuer.enqueueAll(args);
  }

  /** Enqueues many follow-up jobs now in one batch. */
  public List<Enqueued> enqueueAll(Collection<? extends JobArgs> args, EnqueueOptions options) {
    return enqueuer.enqueueAll(args, options);
  }

  /** Enqueues follow-up jobs now, each with its own options, in one batch. */
  public List<Enqueued> enqueueMany(List<EnqueueRequest> requests) {
    return enqueuer.enqueueMany(requests);
  }

  @Override
  public String toString() {
    return "Job[id="
        + id()
        + ", kind="
        + kind()
        + ", queue="
        + queue()
        + ", attempt="
        + attempt()
        + "]";
  }
}
