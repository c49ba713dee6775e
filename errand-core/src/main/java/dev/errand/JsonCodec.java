package dev.errand;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * Turns job args into JSON and back. The default, {@link #jackson()}, uses Jackson with {@code
 * java.time} support; {@link #jackson(ObjectMapper)} uses a mapper of yours (start from {@link
 * #defaultMapper()} to keep what the default does), and {@link Config.Builder#codec} takes any
 * other implementation. Implementations must be thread-safe.
 */
public interface JsonCodec {

  /**
   * The JSON of {@code value}.
   *
   * @throws JobArgsException naming the field that could not be written
   */
  String encode(JobArgs value);

  /**
   * The value of {@code type} that {@code json} describes. The default codec also reads a record
   * from a JSON array of its components in order, as Sidekiq writes args ({@code [42,
   * "a@example.com"]}), so that jobs pushed from Ruby reach workers whose args are records.
   *
   * @throws JobArgsException naming the field that could not be read
   */
  <T extends JobArgs> T decode(String json, Class<T> type);

  /** A codec on a new {@link #defaultMapper()}: the codec a {@link Config} uses unless told. */
  static JsonCodec jackson() {
    return new JacksonCodec(defaultMapper());
  }

  /**
   * A codec on {@code mapper}, which must not be reconfigured afterwards. Give its factory a shared
   * recycler pool ({@code JsonRecyclerPools.sharedConcurrentDequePool()}) when queues run on
   * virtual threads, and register {@link JavaTimeModule} if args hold {@code java.time} values, or
   * start from {@link #defaultMapper()}, which does both.
   */
  static JsonCodec jackson(ObjectMapper mapper) {
    return new JacksonCodec(mapper);
  }

  /**
   * A new mapper set up as {@link #jackson()}'s, to register modules or change features on before
   * passing it to {@link #jackson(ObjectMapper)}:
   *
   * <ul>
   *   <li>Its buffers are pooled across threads: Jackson's default keeps them per thread, and every
   *       job runs on a new virtual thread.
   *   <li>{@code java.time} values are ISO-8601 strings ({@code "2025-03-01"}, {@code
   *       "2025-03-01T09:30:00Z"}, {@code "PT30S"}), not numbers: readable in the job table and by
   *       workers in other languages. A {@code ZonedDateTime} keeps its region ({@code
   *       "2025-03-01T10:30:00+01:00[Europe/Paris]"}), and offsets and zones are read back as
   *       written rather than moved to UTC, so a worker receives the value that was enqueued.
   * </ul>
   */
  static ObjectMapper defaultMapper() {
    return JsonMapper.builder(
            JsonFactory.builder()
                .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                .build())
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
        .enable(SerializationFeature.WRITE_DATES_WITH_ZONE_ID)
        .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
        .build();
  }
}
