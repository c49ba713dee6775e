package dev.errand;

import java.util.Objects;

/**
 * Args given as JSON text instead of a Java record, for jobs enqueued on behalf of code that is not
 * Java (the HTTP API) or whose worker runs elsewhere. The JSON is stored as it is, after the same
 * kind and size checks as any args; it must be one JSON value, which the caller checks.
 *
 * <pre>{@code
 * errand.enqueue(new RawArgs("resize_image", "{\"path\":\"a.png\",\"width\":200}"));
 * }</pre>
 *
 * @param kind the job kind
 * @param json the args as JSON
 */
public record RawArgs(String kind, String json) implements JobArgs {
  public RawArgs {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(json, "json");
  }
}
