package dev.errand;

/**
 * Where a job is in its life. One state machine for every store:
 *
 * <pre>
 *   SCHEDULED ──(run time reached)──▶ AVAILABLE ──(fetched)──▶ RUNNING ──▶ COMPLETED
 *                                        ▲                        │
 *                                        │                        ├─(failed, attempts left)──▶ RETRYABLE ──(retry time)──┐
 *                                        └────────────────────────┼────────────────────────────────────────────────────┘
 *                                                                 ├─(failed, last attempt, or discarded)──▶ DISCARDED
 *                                                                 ├─(snoozed)──▶ SCHEDULED (the attempt is not counted)
 *                                                                 └─(lease expired)──▶ RETRYABLE or DISCARDED (the attempt counts)
 *   PENDING ──(every dependency finished)──▶ AVAILABLE, or SCHEDULED if its run time is later
 *   PENDING ──(a dependency discarded, cancelled or deleted; policy CANCEL)──▶ CANCELLED
 *   any non-final state ──(cancel)──▶ CANCELLED
 *   DISCARDED, CANCELLED, COMPLETED, RETRYABLE, SCHEDULED ──(manual retry)──▶ AVAILABLE
 * </pre>
 *
 * <p>A job enqueued with {@link EnqueueOptions#dependsOn dependencies} starts {@link #PENDING}
 * unless all of them have already finished.
 *
 * <p>{@link #COMPLETED}, {@link #DISCARDED} and {@link #CANCELLED} are final: the engine never
 * moves a job out of them, only a manual retry does.
 */
public enum JobState {
  /** Waiting for the jobs it depends on to finish ({@link EnqueueOptions#dependsOn}). */
  PENDING,
  /** Waiting for its run time (a delayed job, or a snoozed one). */
  SCHEDULED,
  /** Ready to be fetched by a worker. */
  AVAILABLE,
  /** Held by a worker under a lease. */
  RUNNING,
  /** Failed an attempt and waits for its backoff to pass. */
  RETRYABLE,
  /** Finished successfully. Final. */
  COMPLETED,
  /** Failed its last attempt, or was discarded by its worker. Final. */
  DISCARDED,
  /** Cancelled by a user or its worker. Final. */
  CANCELLED;

  /** Whether the engine will never move a job out of this state on its own. */
  public boolean isFinal() {
    return this == COMPLETED || this == DISCARDED || this == CANCELLED;
  }
}
