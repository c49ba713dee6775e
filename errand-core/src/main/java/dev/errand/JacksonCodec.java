package dev.errand;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The default {@link JsonCodec}: Jackson, with errors that name the kind and the field. Beside its
 * interface, which creates it, so that the public package depends on no internal one for it.
 *
 * <p>Besides an object, it reads a record from a JSON array of its components in order, because
 * Sidekiq writes args that way ({@code [42, "a@example.com"]}) and a job pushed from Ruby must
 * reach a worker whose args are a record.
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

  /**
   * For a record, the JSON names of its components in component order, under the mapper's renames
   * ({@code @JsonProperty}, a naming strategy): a positional array is rewritten to the object with
   * these names, so that each element is read exactly as the field it stands for. Empty for a class
   * that is not a record, and for a record that Jackson itself reads from an array ({@code
   * JsonFormat.Shape.ARRAY}), whose arrays go to Jackson as before.
   */
  private final ClassValue<Optional<List<String>>> positionalNames =
      new ClassValue<>() {
        @Override
        protected Optional<List<String>> computeValue(Class<?> type) {
          if (!type.isRecord()) {
            return Optional.empty();
          }
          BeanDescription description =
              mapper.getDeserializationConfig().introspect(mapper.constructType(type));
          if (description.findExpectedFormat().getShape() == JsonFormat.Shape.ARRAY) {
            return Optional.empty();
          }
          Map<String, String> jsonNames =
              description.findProperties().stream()
                  .collect(
                      Collectors.toMap(
                          BeanPropertyDefinition::getInternalName,
                          BeanPropertyDefinition::getName,
                          (first, second) -> first));
          return Optional.of(
              Arrays.stream(type.getRecordComponents())
                  .map(c -> jsonNames.getOrDefault(c.getName(), c.getName()))
                  .toList());
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
    boolean array = startsWithArray(json);
    try {
      if (array) {
        Optional<List<String>> names = positionalNames.get(type);
        if (names.isPresent()) {
          return readObject(positionalAsObject(json, type, names.get()), type);
        }
      }
      return readers.get(type).readValue(json);
    } catch (JsonProcessingException e) {
      if (array
          && !type.isRecord()
          && e instanceof MismatchedInputException m
          && m.getPath().isEmpty()) {
        throw new JobArgsException(
            "cannot read stored args as "
                + type.getName()
                + ": they are a JSON array, which fills only a record's components, in order, and "
                + type.getSimpleName()
                + " is not a record: "
                + e.getOriginalMessage(),
            e);
      }
      throw new JobArgsException(
          "cannot read stored args as " + type.getName() + field(e) + ": " + e.getOriginalMessage(),
          e);
    }
  }

  /**
   * The object that {@code json}, an array of {@code type}'s components in order, stands for: each
   * element under the JSON name of its component. Tokens are copied as they are (a number keeps its
   * digits), so the reader meets what it would in the object.
   *
   * @throws JobArgsException if the array's length is not the number of components
   */
  private TokenBuffer positionalAsObject(String json, Class<?> type, List<String> names)
      throws JsonProcessingException {
    try (JsonParser parser = mapper.createParser(json)) {
      parser.nextToken(); // the array's start
      TokenBuffer object = new TokenBuffer(parser);
      object.writeStartObject();
      int length = 0;
      for (JsonToken token = parser.nextToken();
          token != JsonToken.END_ARRAY;
          token = parser.nextToken()) {
        if (length < names.size()) {
          object.writeFieldName(names.get(length));
          object.copyCurrentStructure(parser);
        } else {
          parser.skipChildren(); // read on only to report the length
        }
        length++;
      }
      object.writeEndObject();
      if (length != names.size()) {
        throw new JobArgsException(
            "cannot read stored args as "
                + type.getName()
                + ": a JSON array fills the record's "
                + names.size()
                + " components in order ("
                + Arrays.stream(type.getRecordComponents())
                    .map(RecordComponent::getName)
                    .collect(Collectors.joining(", "))
                + "), but it has "
                + length
                + (length == 1 ? " element" : " elements"));
      }
      return object;
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a String does no I/O
    }
  }

  private <T> T readObject(TokenBuffer object, Class<T> type) throws JsonProcessingException {
    try (JsonParser parser = object.asParser()) {
      return readers.get(type).readValue(parser);
    } catch (JsonProcessingException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a buffer does no I/O
    }
  }

  /** Whether {@code json}'s first token opens an array, told without parsing the rest. */
  private static boolean startsWithArray(String json) {
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return c == '[';
      }
    }
    return false;
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
