package dev.errand.internal.engine;

/**
 * What the {@link Completer} tells an attempt's owner, the producer that claimed it, once the
 * attempt's result is written. The completer sees only this, never a producer.
 */
interface ResultWritten {

  /**
   * {@code attempt}'s result was recorded ({@code applied}), or refused because the job is no
   * longer ours. Called by the completer, on its thread (at shutdown, on the stopping one); must
   * not block.
   */
  void resultWritten(HeldAttempt attempt, boolean applied);
}
