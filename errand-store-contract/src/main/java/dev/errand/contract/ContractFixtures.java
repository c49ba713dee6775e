package dev.errand.contract;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.AttemptError;
import dev.errand.DependencyFailure;
import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.QueueInfo;
import dev.errand.spi.Capability;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobPruneParams;
import dev.errand.spi.JobRef;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import dev.errand.spi.NewJob;
import dev.errand.spi.Store;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What every area of the {@link StoreContract} shares: a fresh store and clock for each test, and
 * the helpers that insert, fetch and finish jobs. An area is an abstract subclass in a file of its
 * own; {@link StoreContract} runs it as a nested class whose {@link #createStore()} and {@link
 * #openConnection()} are those of the store's test.
 *
 * <p>Every test gets a fresh, empty store and closes it afterwards. The store never reads a clock:
 * every time comes from {@link #clock}, which starts at {@link #T0} and moves only when a test
 * moves it. Features a store may lack are skipped with {@code assumeTrue(capabilities...)}.
 */
public abstract class ContractFixtures {

  /** Where {@link #clock} starts. Whole seconds, so that every backend stores it exactly. */
  protected static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  protected static final String QUEUE = "default";
  protected static final String OWNER = "node-a";
  protected static final String OTHER_OWNER = "node-b";
  protected static final Duration LEASE = Duration.ofSeconds(30);

  /** How long a concurrent test may take at most. */
  static final Duration PATIENCE = Duration.ofSeconds(30);

  /** How long a wake-up may take to arrive. */
  static final Duration WAKE_UP = Duration.ofSeconds(10);

  /** The store under test: new and empty for each test. */
  protected Store store;

  /** The test's time. */
  protected ManualClock clock;

  /**
   * A new, empty store for the next test; in an area of the {@link StoreContract}, the store's
   * test's {@link StoreContract#createStore()}. Closed after each test.
   */
  protected abstract Store createStore();

  /**
   * A new connection to the database of the store {@link #createStore()} made last, for stores that
   * declare {@link Capability#TX_ENQUEUE}; in an area of the {@link StoreContract}, the store's
   * test's {@link StoreContract#openConnection()}. The test closes it.
   */
  protected Connection openConnection() throws SQLException {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " declares TX_ENQUEUE but does not override openConnection()");
  }

  @BeforeEach
  void openStore() {
    clock = new ManualClock(T0);
    store = createStore();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** A new job to insert: kind {@code email}, queue {@link #QUEUE}, due now, 3 attempts. */
  protected static JobSpec job() {
    return new JobSpec();
  }

  /** Builds {@link NewJob} values; a spec is mutable, so build a new one per job. */
  protected static final class JobSpec {
    private String kind = "email";
    private String queue = QUEUE;
    private String argsJson = "{}";
    private int priority = 0;
    private Instant scheduledAt;
    private int maxAttempts = 3;
    private List<String> tags = List.of();
    private Map<String, String> metadata = Map.of();
    private String uniqueKey;
    private Set<JobState> uniqueStates = Set.of();
    private List<Long> dependsOn = List.of();
    private DependencyFailure ifDependencyFails = DependencyFailure.CANCEL;

    public JobSpec dependsOn(long... ids) {
      this.dependsOn = Arrays.stream(ids).boxed().toList();
      return this;
    }

    public JobSpec ifDependencyFails(DependencyFailure policy) {
      this.ifDependencyFails = policy;
      return this;
    }

    public JobSpec kind(String kind) {
      this.kind = kind;
      return this;
    }

    public JobSpec queue(String queue) {
      this.queue = queue;
      return this;
    }

    public JobSpec args(String argsJson) {
      this.argsJson = argsJson;
      return this;
    }

    public JobSpec priority(int priority) {
      this.priority = priority;
      return this;
    }

    /** When it may run; unset means at the insert time. */
    public JobSpec scheduledAt(Instant scheduledAt) {
      this.scheduledAt = scheduledAt;
      return this;
    }

    public JobSpec maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public JobSpec tags(String... tags) {
      this.tags = List.of(tags);
      return this;
    }

    public JobSpec metadata(Map<String, String> metadata) {
      this.metadata = metadata;
      return this;
    }

    /** A unique job with this key (see {@link #key(int)}), held in these states. */
    public JobSpec unique(String key, JobState... states) {
      this.uniqueKey = key;
      this.uniqueStates = Set.of(states);
      return this;
    }

    public NewJob build(Instant now) {
      return new NewJob(
          kind,
          queue,
          argsJson,
          priority,
          scheduledAt == null ? now : scheduledAt,
          maxAttempts,
          tags,
          metadata,
          uniqueKey,
          uniqueStates,
          dependsOn,
          ifDependencyFails);
    }
  }

  /** A unique key: 64 hex digits, distinct for each {@code n}. */
  protected static String key(int n) {
    return String.format("%064x", n);
  }

  /** A copy of a job with some fields changed: the expected state after a transition. */
  protected static Edit edit(JobInfo job) {
    return new Edit(job);
  }

  protected static final class Edit {
    private final JobInfo base;
    private JobState state;
    private int attempt;
    private int maxAttempts;
    private Instant scheduledAt;
    private Instant finalizedAt;
    private String leaseOwner;
    private Instant leaseExpiresAt;
    private Instant heartbeatAt;
    private List<AttemptError> errors;

    private Edit(JobInfo base) {
      this.base = base;
      this.state = base.state();
      this.attempt = base.attempt();
      this.maxAttempts = base.maxAttempts();
      this.scheduledAt = base.scheduledAt();
      this.finalizedAt = base.finalizedAt();
      this.leaseOwner = base.leaseOwner();
      this.leaseExpiresAt = base.leaseExpiresAt();
      this.heartbeatAt = base.heartbeatAt();
      this.errors = base.errors();
    }

    public Edit state(JobState state) {
      this.state = state;
      return this;
    }

    public Edit attempt(int attempt) {
      this.attempt = attempt;
      return this;
    }

    public Edit maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Edit scheduledAt(Instant scheduledAt) {
      this.scheduledAt = scheduledAt;
      return this;
    }

    public Edit finalizedAt(Instant finalizedAt) {
      this.finalizedAt = finalizedAt;
      return this;
    }

    public Edit leaseExpiresAt(Instant leaseExpiresAt) {
      this.leaseExpiresAt = leaseExpiresAt;
      return this;
    }

    public Edit heartbeatAt(Instant heartbeatAt) {
      this.heartbeatAt = heartbeatAt;
      return this;
    }

    /** No lease owner and no lease expiry: the job is not running. */
    public Edit noLease() {
      this.leaseOwner = null;
      this.leaseExpiresAt = null;
      return this;
    }

    /** Appends errors to the job's. */
    public Edit errors(AttemptError... more) {
      List<AttemptError> all = new ArrayList<>(base.errors());
      all.addAll(Arrays.asList(more));
      this.errors = all;
      return this;
    }

    /** Replaces the job's errors. */
    public Edit errors(List<AttemptError> errors) {
      this.errors = errors;
      return this;
    }

    public JobInfo build() {
      return new JobInfo(
          base.id(),
          base.kind(),
          base.queue(),
          state,
          base.argsJson(),
          base.priority(),
          attempt,
          maxAttempts,
          base.createdAt(),
          scheduledAt,
          base.attemptedAt(),
          finalizedAt,
          leaseOwner,
          leaseExpiresAt,
          base.tags(),
          base.metadata(),
          errors,
          base.dependencies(),
          base.uniqueKey(),
          heartbeatAt);
    }
  }

  protected Instant now() {
    return clock.instant();
  }

  /** Deletes a job at the clock's time. */
  protected boolean delete(long id) {
    return store.jobDelete(new JobDeleteParams(id, now()));
  }

  /** {@link #T0} plus {@code seconds}. */
  protected static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  /** Inserts the jobs in one call at the clock's time. */
  protected List<Enqueued> insert(JobSpec... specs) {
    Instant now = now();
    List<NewJob> jobs = Arrays.stream(specs).map(s -> s.build(now)).toList();
    return store.jobInsertMany(new JobInsertManyParams(jobs, now));
  }

  protected long insertOne(JobSpec spec) {
    return insert(spec).get(0).id();
  }

  /** Fetches as {@link #OWNER} at the clock's time with a {@link #LEASE}. */
  protected List<JobInfo> fetch(String queue, int limit) {
    return fetchAs(OWNER, queue, limit);
  }

  protected List<JobInfo> fetchAs(String owner, String queue, int limit) {
    return store.jobFetch(new JobFetchParams(queue, limit, owner, now(), now().plus(LEASE)));
  }

  /** Fetches the just inserted jobs, checking that exactly they were claimed. */
  List<JobInfo> fetch(String queue, int limit, List<Enqueued> inserted) {
    List<JobInfo> jobs = fetch(queue, limit);
    assertThat(ids(jobs)).containsExactlyElementsOf(ids(inserted));
    return jobs;
  }

  /** Fetches one job, checking that it is {@code id}. */
  protected JobInfo fetchOnly(String queue, long id) {
    return fetchOnlyAs(OWNER, queue, id);
  }

  protected JobInfo fetchOnlyAs(String owner, String queue, long id) {
    List<JobInfo> jobs = fetchAs(owner, queue, 1);
    assertThat(ids(jobs)).as("fetched from %s", queue).containsExactly(id);
    return jobs.get(0);
  }

  /** Inserts a job due now and fetches it: {@code RUNNING}, attempt 1, lease until now + LEASE. */
  protected JobInfo running(JobSpec spec) {
    long id = insertOne(spec);
    return fetchOnly(spec.queue, id);
  }

  /** A job completed at the clock's time. */
  protected JobInfo completed(JobSpec spec) {
    JobInfo job = running(spec);
    assertThat(finish(new JobFinish.Completed(ref(job), now()))).containsExactly(job.id());
    return get(job.id());
  }

  /** A job whose first attempt failed at the clock's time, retryable at {@code retryAt}. */
  protected JobInfo retryable(JobSpec spec, Instant retryAt) {
    JobInfo job = running(spec);
    assertThat(finish(new JobFinish.Failed(ref(job), now(), failure(1, now()), retryAt)))
        .containsExactly(job.id());
    return get(job.id());
  }

  /** A job discarded by its first attempt at the clock's time. */
  protected JobInfo discarded(JobSpec spec) {
    JobInfo job = running(spec);
    assertThat(finish(new JobFinish.Failed(ref(job), now(), failure(1, now()), null)))
        .containsExactly(job.id());
    return get(job.id());
  }

  /** An available job cancelled at the clock's time. */
  protected JobInfo cancelled(JobSpec spec) {
    long id = insertOne(spec);
    return store.jobCancel(new JobCancelParams(id, now(), "cancelled by test")).orElseThrow();
  }

  protected JobInfo get(long id) {
    return store.jobGet(id).orElseThrow(() -> new AssertionError("no job " + id));
  }

  protected Set<Long> finish(JobFinish... results) {
    return store.jobFinishMany(new JobFinishManyParams(List.of(results))).applied();
  }

  /** Renews the leases at the clock's time. */
  protected Set<Long> heartbeat(String owner, Instant leaseExpiresAt, JobRef... jobs) {
    return store
        .jobHeartbeat(new JobHeartbeatParams(owner, List.of(jobs), now(), leaseExpiresAt))
        .lost();
  }

  protected JobStageResult stage() {
    return store.jobStage(new JobStageParams(now(), 100_000));
  }

  protected JobRescueResult rescue() {
    return store.jobRescueExpired(new JobRescueParams(now(), 100_000));
  }

  protected int prune(
      Instant completedBefore, Instant discardedBefore, Instant cancelledBefore, int limit) {
    return store.jobPrune(
        new JobPruneParams(completedBefore, discardedBefore, cancelledBefore, limit));
  }

  protected static JobRef ref(JobInfo job) {
    return new JobRef(job.id(), job.attempt());
  }

  /** The error of a failed attempt. */
  protected static AttemptError failure(int attempt, Instant at) {
    return AttemptError.of(attempt, at, "java.lang.IllegalStateException", "boom " + attempt);
  }

  /**
   * {@code error} as a store keeps it once it ends the attempt {@code attempt} (as fetched): with
   * that attempt's start and the lease owner that ran it.
   */
  protected static AttemptError ending(JobInfo attempt, AttemptError error) {
    return error.withRun(attempt.attemptedAt(), attempt.leaseOwner());
  }

  /** Every job matching {@code query}, page by page. */
  protected List<JobInfo> listAll(JobQuery query) {
    List<JobInfo> all = new ArrayList<>();
    JobQuery page = query.withLimit(JobQuery.MAX_LIMIT).withAfterId(0);
    while (true) {
      List<JobInfo> jobs = store.jobList(page);
      assertThat(jobs.size()).isLessThanOrEqualTo(JobQuery.MAX_LIMIT);
      if (jobs.isEmpty()) {
        return all;
      }
      all.addAll(jobs);
      page = page.withAfterId(jobs.get(jobs.size() - 1).id());
    }
  }

  /** A queue's counts per state, from {@link Store#queueList()}; empty if it is not listed. */
  protected Map<JobState, Long> counts(String queue) {
    return store.queueList().stream()
        .filter(q -> q.name().equals(queue))
        .findFirst()
        .map(QueueInfo::counts)
        .orElse(Map.of());
  }

  protected static List<Long> ids(List<?> jobs) {
    List<Long> ids = new ArrayList<>(jobs.size());
    for (Object job : jobs) {
      ids.add(
          switch (job) {
            case JobInfo j -> j.id();
            case Enqueued e -> e.id();
            default -> throw new IllegalArgumentException(job.toString());
          });
    }
    return ids;
  }

  static void assertStrictlyIncreasing(List<Long> ids) {
    for (int i = 1; i < ids.size(); i++) {
      assertThat(ids.get(i)).as("id at %d", i).isGreaterThan(ids.get(i - 1));
    }
  }

  /** A task of one of several threads started together. */
  @FunctionalInterface
  protected interface ThreadTask<T> {
    T run(int thread) throws Exception;
  }

  /** Runs {@code task} on {@code threads} threads released at once; returns their results. */
  protected static <T> List<T> concurrently(int threads, ThreadTask<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>(threads);
      for (int thread : IntStream.range(0, threads).toArray()) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return task.run(thread);
                }));
      }
      start.countDown();
      List<T> results = new ArrayList<>(threads);
      for (Future<T> future : futures) {
        results.add(future.get(PATIENCE.toSeconds(), SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Records the queues it is woken for. */
  static final class Listener implements Consumer<String> {
    final Queue<String> seen = new ConcurrentLinkedQueue<>();
    AutoCloseable subscription;

    @Override
    public void accept(String queue) {
      // Null means "any queue" (after a reconnect, say): allowed, but never in place of the name
      // the tests expect, so it is not recorded.
      if (queue != null) {
        seen.add(queue);
      }
    }
  }
}
