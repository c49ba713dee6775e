package dev.errand;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.internal.engine.JacksonCodec;

/**
 * Turns job args into JSON and back. The default uses Jackson; pass your own {@link ObjectMapper}
 * to {@link #jackson(ObjectMapper)} to register modules (for example for {@code java.time}).
 * Implementations must be thread-safe.
 */
public interface JsonCodec {

  /**
   * The JSON of {@code value}.
   *
   * @throws JobArgsException naming the field that could not be written
   */
  String encode(JobArgs value);

  /**
   * The value of {@code type} that {@code json} describes.
   *
   * @throws JobArgsException naming the field that could not be read
   */
  <T extends JobArgs> T decode(String json, Class<T> type);

  /**
   * A codec on a new, default Jackson {@link ObjectMapper} whose buffers are pooled across threads:
   * Jackson's default keeps them per thread, and every job runs on a new virtual thread.
   */
  static JsonCodec jackson() {
    return new JacksonCodec(
        new ObjectMapper(
            JsonFactory.builder()
                .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                .build()));
  }

  /**
   * A codec on {@code mapper}, which must not be reconfigured afterwards. Give its factory a shared
   * recycler pool ({@code JsonRecyclerPools.sharedConcurrentDequePool()}) when queues run on
   * virtual threads.
   */
  static JsonCodec jackson(ObjectMapper mapper) {
    return new JacksonCodec(mapper);
  }
}
