package dev.errand.server;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.OpenApiInteractionValidator.SpecSource;
import com.atlassian.oai.validator.interaction.ApiOperationResolver;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.Response;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.MessageResolver;
import com.atlassian.oai.validator.report.SimpleValidationReportFormat;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.schema.SchemaValidator;
import com.atlassian.oai.validator.util.OpenApiLoader;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Checks HTTP exchanges against {@code openapi.yaml}, so that the document cannot drift from the
 * server: {@link TestServer} passes every exchange of the API tests through {@link #check}.
 */
final class OpenApiCheck {
  /** How much of an exchange must match the document. */
  enum Scope {
    /** The request and the response: the test sends what the document allows. */
    EXCHANGE,
    /**
     * The response only: the request is deliberately outside the document (a bad body, a missing
     * token, a path that is no route), and the answer must still be one the document gives for the
     * operation, or its JSON error for a path or method the document does not have.
     */
    RESPONSE
  }

  /** The validator's keys for a request that matches no operation of the document. */
  private static final Set<String> NO_OPERATION =
      Set.of("validation.request.path.missing", "validation.request.operation.notAllowed");

  private static final OpenAPI API = load();

  private static final LevelResolver LEVELS =
      LevelResolver.create()
          // The validator lets unknown query parameters through by default; the server refuses
          // them, so the document must list every parameter a test sends.
          .withLevel("validation.request.parameter.query.unexpected", ValidationReport.Level.ERROR)
          // Otherwise the validator adds additionalProperties: false to every object schema,
          // which hides from these tests what other tools make of the document as it is written
          // (a oneOf whose shapes both match, for one).
          .withLevel(SchemaValidator.ADDITIONAL_PROPERTIES_KEY, ValidationReport.Level.IGNORE)
          .build();

  private static final OpenApiInteractionValidator VALIDATOR =
      OpenApiInteractionValidator.createFor(API).withLevelResolver(LEVELS).build();

  private static final SchemaValidator SCHEMAS =
      new SchemaValidator(API, new MessageResolver(LEVELS));

  private static final ApiOperationResolver OPERATIONS = new ApiOperationResolver(API, null, false);

  private OpenApiCheck() {}

  /**
   * Fails with the validator's report when {@code response} to {@code request} is not what the
   * document says, as far as {@code scope} asks.
   */
  static void check(HttpRequest request, HttpResponse<String> response, Scope scope) {
    List<String> problems = problems(request(request, scope), response(response), scope);
    if (!problems.isEmpty()) {
      throw new AssertionError(
          request.method()
              + " "
              + request.uri().getRawPath()
              + (request.uri().getRawQuery() == null ? "" : "?" + request.uri().getRawQuery())
              + " answered "
              + response.statusCode()
              + " "
              + response.body()
              + "\nwhich disagrees with openapi.yaml:\n"
              + String.join("\n", problems));
    }
  }

  /** What in the exchange disagrees with the document; empty if nothing does. */
  static List<String> problems(Request request, Response response, Scope scope) {
    List<String> problems = new ArrayList<>();
    boolean hasBody = response.getResponseBody().map(b -> b.hasBody()).orElse(false);
    if (hasBody && response.getContentType().isEmpty()) {
      // The validator checks a body only by its Content-Type, and would pass this one unread.
      problems.add("a response body without a Content-Type");
    }
    ValidationReport found =
        VALIDATOR.validateResponse(request.getPath(), request.getMethod(), response);
    if (found.getMessages().stream().anyMatch(m -> NO_OPERATION.contains(m.getKey()))) {
      if (scope == Scope.EXCHANGE) {
        problems.add(format(found));
      }
      problems.addAll(noOperation(response));
      return problems;
    }
    ValidationReport report =
        scope == Scope.EXCHANGE ? VALIDATOR.validate(request, response) : found;
    if (report.hasErrors()) {
      problems.add(format(report));
    }
    if (scope == Scope.EXCHANGE
        && request.getHeaderValue("Authorization").isEmpty()
        && response.getStatus() != 401
        && !anonymous(request)) {
      problems.add(
          "the server served a request without a token that the document's security refuses");
    }
    return problems;
  }

  /**
   * Whether the document lets {@code request}'s operation be called without a token. The validator
   * reads only an operation's own security, not the document's, which applies to the others.
   */
  private static boolean anonymous(Request request) {
    Operation operation =
        OPERATIONS
            .findApiOperation(request.getPath(), request.getMethod())
            .getApiOperation()
            .getOperation();
    List<SecurityRequirement> security =
        operation.getSecurity() != null ? operation.getSecurity() : API.getSecurity();
    return security == null || security.isEmpty() || security.stream().anyMatch(Map::isEmpty);
  }

  /** The answer to a path or method the document does not have: its JSON error, and Allow. */
  private static List<String> noOperation(Response response) {
    List<String> problems = new ArrayList<>();
    if (response.getStatus() < 400) {
      problems.add("status " + response.getStatus() + " for a path or method that is no route");
    }
    String type = response.getContentType().orElse("");
    if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      problems.add("Content-Type '" + type + "' instead of the JSON error's application/json");
      return problems;
    }
    if (response.getStatus() == 405 && response.getHeaderValues("Allow").isEmpty()) {
      problems.add("405 without an Allow header");
    }
    Schema<?> error = API.getComponents().getSchemas().get("Error");
    ValidationReport report =
        SCHEMAS.validate(
            () -> response.getResponseBody().orElseThrow().toJsonNode(), error, "response.body");
    if (report.hasErrors()) {
      problems.add(format(report));
    }
    return problems;
  }

  private static String format(ValidationReport report) {
    return SimpleValidationReportFormat.getInstance().apply(report);
  }

  /** {@code request} for the validator; its body only when the request is to be checked. */
  static Request request(HttpRequest request, Scope scope) {
    URI uri = request.uri();
    SimpleRequest.Builder builder = new SimpleRequest.Builder(request.method(), uri.getRawPath());
    request.headers().map().forEach(builder::withHeader);
    query(uri.getRawQuery()).forEach(builder::withQueryParam);
    if (scope == Scope.EXCHANGE) {
      byte[] body = request.bodyPublisher().map(OpenApiCheck::bytes).orElse(new byte[0]);
      if (body.length > 0) {
        builder.withBody(body);
      }
    }
    return builder.build();
  }

  static Response response(HttpResponse<String> response) {
    SimpleResponse.Builder builder = new SimpleResponse.Builder(response.statusCode());
    response.headers().map().forEach(builder::withHeader);
    if (response.body() != null && !response.body().isEmpty()) {
      builder.withBody(response.body());
    }
    return builder.build();
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> query = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      String name = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    return query;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  /**
   * What {@code publisher} sends. The JDK's publishers of strings and byte arrays send the same
   * bytes to every subscriber, so reading them here does not take them from the HTTP client.
   */
  private static byte[] bytes(HttpRequest.BodyPublisher publisher) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CompletableFuture<byte[]> done = new CompletableFuture<>();
    publisher.subscribe(
        new Flow.Subscriber<ByteBuffer>() {
          @Override
          public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(ByteBuffer buffer) {
            byte[] chunk = new byte[buffer.remaining()];
            buffer.get(chunk);
            out.writeBytes(chunk);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }

          @Override
          public void onComplete() {
            done.complete(out.toByteArray());
          }
        });
    return done.join();
  }

  private static OpenAPI load() {
    String yaml;
    try (InputStream in = ApiServer.class.getResourceAsStream("openapi.yaml")) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ParseOptions options = new ParseOptions();
    // The validator's own defaults. Above all, combinators stay as written: merging an allOf into
    // one schema drops what stood beside it (a required, an additionalProperties: false, a not).
    options.setResolve(true);
    options.setResolveFully(true);
    options.setResolveCombinators(false);
    // Throws on any message of the parser, so the document must be valid OpenAPI as well.
    return new OpenApiLoader().loadApi(SpecSource.inline(yaml), List.of(), options);
  }
}
