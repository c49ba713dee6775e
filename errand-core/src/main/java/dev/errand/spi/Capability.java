package dev.errand.spi;

/**
 * What a store can do beyond the required {@link Store} contract. Core decides by capability, never
 * by a store's name.
 */
public enum Capability {
  /** {@link Store#notifier()} delivers wake-ups when jobs become available. */
  LISTEN_NOTIFY,
  /** Jobs can be enqueued inside the caller's own database transaction. */
  TX_ENQUEUE,
  /** Jobs survive a restart of the process. */
  DURABLE,
  /** Several processes may share the store at once. */
  MULTI_PROCESS,
  /**
   * {@link NewJob#uniqueKey()} is honoured: the store itself refuses a second job with a key held
   * in one of its unique states, atomically, however many threads and processes insert at once.
   */
  UNIQUE_JOBS,
  /**
   * Jobs may wait on other jobs ({@link NewJob#dependsOn()}), and batches can be inserted ({@link
   * Store#jobInsertBatch}).
   */
  DEPENDENCIES,
  /**
   * The store keeps a registry of nodes ({@link Store#nodeReport} and the other {@code node}
   * methods) that every node sharing the store reads: what each live node works, for the warning on
   * an enqueue into a queue no node works, and for {@code Errand.nodes()}.
   */
  NODE_REGISTRY
}
