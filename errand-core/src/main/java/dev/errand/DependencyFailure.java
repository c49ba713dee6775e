package dev.errand;

/**
 * What becomes of a job waiting on others ({@link EnqueueOptions#dependsOn}) when one of them is
 * discarded, cancelled or deleted instead of completing.
 */
public enum DependencyFailure {
  /** Cancel the waiting job at once (the default): its input will never be complete. */
  CANCEL,
  /**
   * Run it anyway once every dependency has finished, whatever the outcome; its worker reads the
   * outcomes from {@link Job#dependencies()}. A batch's callback runs this way.
   */
  RUN
}
