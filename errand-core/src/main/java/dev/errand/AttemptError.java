package dev.errand;

import dev.errand.internal.engine.StoredText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Objects;

/**
 * Why one attempt of a job did not complete: kept on the job for every failed attempt.
 *
 * <p>The store fills in {@code startedAt} and {@code node} from the job's own record when it writes
 * the result of an attempt (a failure, a timeout, a cancellation by the worker) or rescues an
 * attempt whose lease expired: the attempt is the one the job still runs, so its start and its
 * lease owner are the run that this error ended. They are null for an error that ended no run (a
 * job cancelled from outside, or by a failed dependency), for an imported job's history unless its
 * source kept them, and for errors written before the stores kept them.
 *
 * @param attempt the attempt number, starting at 1
 * @param at when the attempt ended
 * @param errorClass the exception's class name, or a short tag such as {@code "timeout"}
 * @param message the exception's message (may be empty, never null)
 * @param stackTrace the stack trace, cut to {@link #MAX_STACK_TRACE_CHARS} characters
 * @param startedAt when the attempt started (the job's {@link JobInfo#attemptedAt()} then), or null
 *     if unknown
 * @param node the node or worker that held the attempt's lease (the job's {@link
 *     JobInfo#leaseOwner()} then), or null if unknown
 */
public record AttemptError(
    int attempt,
    Instant at,
    String errorClass,
    String message,
    String stackTrace,
    Instant startedAt,
    String node) {

  /** Stack traces are cut to this many characters so a deep recursion cannot bloat the row. */
  public static final int MAX_STACK_TRACE_CHARS = 8_192;

  /** Messages are cut to this many characters. */
  public static final int MAX_MESSAGE_CHARS = 2_048;

  public AttemptError {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(errorClass, "errorClass");
    message = truncate(message == null ? "" : message, MAX_MESSAGE_CHARS);
    stackTrace = truncate(stackTrace == null ? "" : stackTrace, MAX_STACK_TRACE_CHARS);
  }

  /** An error without its run; a store fills that in when the error ends an attempt it writes. */
  public AttemptError(
      int attempt, Instant at, String errorClass, String message, String stackTrace) {
    this(attempt, at, errorClass, message, stackTrace, null, null);
  }

  /**
   * The error of attempt {@code attempt} that ended with {@code error} at {@code at}. A NUL
   * character or unpaired surrogate in the class name, message or stack trace, which no store
   * keeps, is replaced by U+FFFD: refusing it would fail the write of every result in the batch
   * that carries it.
   */
  public static AttemptError of(int attempt, Instant at, Throwable error) {
    StringWriter trace = new StringWriter();
    error.printStackTrace(new PrintWriter(trace));
    return new AttemptError(
        attempt,
        at,
        StoredText.sanitize(error.getClass().getName()),
        StoredText.sanitize(error.getMessage()),
        StoredText.sanitize(trace.toString()));
  }

  /** An error that has no exception behind it, such as an expired lease. */
  public static AttemptError of(int attempt, Instant at, String errorClass, String message) {
    return new AttemptError(attempt, at, errorClass, message, "");
  }

  /** This error as the end of the run that started at {@code startedAt} on {@code node}. */
  public AttemptError withRun(Instant startedAt, String node) {
    return new AttemptError(attempt, at, errorClass, message, stackTrace, startedAt, node);
  }

  private static String truncate(String text, int max) {
    if (text.length() <= max) {
      return text;
    }
    int end = max - 1;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--; // never half a surrogate pair: no store keeps that
    }
    return text.substring(0, end) + "…";
  }
}
