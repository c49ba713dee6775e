package dev.errand.spi;

/**
 * @param id the job
 * @param limit how many ids to return at most in each direction, from 1 to {@link #MAX_LIMIT}; a
 *     store reads one more to tell whether more exist
 */
public record JobEdgesParams(long id, int limit) {

  /** The largest limit: a page of a job's edges, not an export of a huge batch. */
  public static final int MAX_LIMIT = 1000;

  public JobEdgesParams {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
    }
  }
}
