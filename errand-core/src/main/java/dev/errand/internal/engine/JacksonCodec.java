package dev.errand.internal.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.JobArgs;
import dev.errand.JobArgsException;
import dev.errand.JsonCodec;
import java.util.stream.Collectors;

/** The default {@link JsonCodec}: Jackson, with errors that name the kind and the field. */
public final class JacksonCodec implements JsonCodec {

  private final ObjectMapper mapper;

  public JacksonCodec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  @Override
  public String encode(JobArgs value) {
    try {
      return mapper.writeValueAsString(value);
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
      return mapper.readValue(json, type);
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
