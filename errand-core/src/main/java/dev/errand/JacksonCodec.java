package dev.errand;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.util.stream.Collectors;

/**
 * The default {@link JsonCodec}: Jackson, with errors that name the kind and the field. Beside its
 * interface, which creates it, so that the public package depends on no internal one for it.
 */
final class JacksonCodec implements JsonCodec {

  private final ObjectMapper mapper;

  /**
   * A reader and a writer per args class, made once: {@code mapper.readValue(json, type)} resolves
   * the type and looks up its deserializer at every call, which was a fifth of the engine's time
   * decoding no-op jobs in a burn-down.
   */
  private final ClassValue<ObjectReader> readers =
      new ClassValue<>() {
        @Override
        protected ObjectReader computeValue(Class<?> type) {
          return mapper.readerFor(type);
        }
      };

  private final ClassValue<ObjectWriter> writers =
      new ClassValue<>() {
        @Override
        protected ObjectWriter computeValue(Class<?> type) {
          return mapper.writerFor(type);
        }
      };

  JacksonCodec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  @Override
  public String encode(JobArgs value) {
    try {
      return writers.get(value.getClass()).writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new JobArgsException(
          "cannot write args of kind '"
              + safeKind(value)
              + "' ("
              + value.getClass().getName()
              + ") as JSON"
              + field(e)
              + ": "
              + e.getOriginalMessage(),
          e);
    }
  }

  @Override
  public <T extends JobArgs> T decode(String json, Class<T> type) {
    try {
      return readers.get(type).readValue(json);
    } catch (JsonProcessingException e) {
      throw new JobArgsException(
          "cannot read stored args as " + type.getName() + field(e) + ": " + e.getOriginalMessage(),
          e);
    }
  }

  private static String field(JsonProcessingException e) {
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      return " at field '"
          + m.getPath().stream()
              .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
              .collect(Collectors.joining("."))
          + "'";
    }
    return "";
  }

  private static String safeKind(JobArgs value) {
    try {
      return value.kind();
    } catch (RuntimeException e) {
      return "?";
    }
  }
}
