package dev.errand.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors that Jetty answers itself, before a request reaches the API (a malformed request line, a
 * URI or headers too large, a body that never arrives), in the API's own JSON shape {@code
 * {"error": …}} instead of Jetty's HTML page. Jetty's reason is kept; nothing else (no stack, no
 * server version) is shown.
 */
final class JsonErrorHandler extends ErrorHandler {

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(body(code, message)), callback);
  }

  // Jetty marks this method for removal; moving the JSON body of unparsable requests to its
  // replacement is a change of the server's error handling, left to its own commit.
  @SuppressWarnings("removal")
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, "application/json");
    return ByteBuffer.wrap(body(status, reason));
  }

  static byte[] body(int status, String reason) {
    String standard = HttpStatus.getMessage(status);
    String message =
        reason == null || reason.isBlank() || reason.equals(standard)
            ? standard
            : standard + ": " + reason;
    ObjectNode node = Body.MAPPER.createObjectNode();
    node.put("error", message == null ? "HTTP error " + status : message);
    try {
      return Body.MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
