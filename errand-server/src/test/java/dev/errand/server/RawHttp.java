package dev.errand.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written by hand, for what {@code java.net.http} will not send: any {@code Host}, a
 * {@code Content-Length} the body does not have, a malformed request line, oversized headers. Each
 * request is one connection, closed after the answer.
 */
final class RawHttp {
  /** How long to wait for an answer: long enough for a loaded CI machine, short of any timeout. */
  private static final int READ_TIMEOUT_MS = 15_000;

  private final int port;

  /** An answer: status, headers by lower-case name, and the body as text. */
  record Answer(int status, Map<String, String> headers, String body) {
    JsonNode json() {
      try {
        return Body.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + body, e);
      }
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  RawHttp(int port) {
    this.port = port;
  }

  /** {@code head} (request line and headers, lines without CRLF) then {@code body} as given. */
  Answer send(String head, byte[] body) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(READ_TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      out.write(head.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write("\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      return read(socket.getInputStream());
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no answer within " + READ_TIMEOUT_MS + " ms to: " + head, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A request with {@code Host: 127.0.0.1:<port>} and {@code Connection: close} added. */
  Answer request(String method, String target, String headers, String body) {
    String head =
        method
            + " "
            + target
            + " HTTP/1.1\nHost: 127.0.0.1:"
            + port
            + "\nConnection: close"
            + (headers.isEmpty() ? "" : "\n" + headers)
            + (body == null
                ? ""
                : "\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length);
    return send(head, body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8));
  }

  private static Answer read(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int n;
    try {
      while ((n = in.read(buffer)) >= 0) {
        all.write(buffer, 0, n);
      }
    } catch (java.net.SocketException e) {
      // The server may reset after answering a request whose body it did not read.
      if (all.size() == 0) {
        throw e;
      }
    }
    String text = all.toString(StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new AssertionError("no complete HTTP answer: " + text);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    // Still one char per byte here, so chunk sizes count right; UTF-8 is decoded after.
    String raw = text.substring(end + 4);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      raw = unchunk(raw);
    }
    String body = new String(raw.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    return new Answer(status, headers, body);
  }

  private static String unchunk(String chunked) {
    StringBuilder body = new StringBuilder();
    int at = 0;
    while (true) {
      int lineEnd = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, lineEnd).trim(), 16);
      if (size == 0) {
        return body.toString();
      }
      body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }
}
