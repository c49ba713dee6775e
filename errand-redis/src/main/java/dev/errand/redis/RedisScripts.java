package dev.errand.redis;

import dev.errand.DuplicateJobException;
import dev.errand.StoreException;
import dev.errand.UnknownDependencyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The store's Lua scripts, one file each under {@code dev/errand/redis/lua/}, each with {@code
 * lib.lua} in front, run by SHA ({@code EVALSHA}): a script the server does not know yet (first
 * use, or a server restarted without it) is loaded and run again. Every script gets the store's key
 * prefix as {@code ARGV[1]}.
 */
final class RedisScripts {
  /** The scripts, by the name of their file. */
  enum Script {
    INSERT("insert"),
    IMPORT("import"),
    FETCH("fetch"),
    FINISH("finish"),
    HEARTBEAT("heartbeat"),
    RESCUE("rescue"),
    STAGE("stage"),
    PRUNE("prune"),
    GET("get"),
    EDGES("edges"),
    LIST("list"),
    CANCEL("cancel"),
    RETRY("retry"),
    DELETE("delete"),
    QUEUES("queues"),
    LEADER_ELECT("leader_elect"),
    LEADER_RESIGN("leader_resign"),
    TIME("time"),
    NODE_REPORT("node_report"),
    NODE_REMOVE("node_remove"),
    NODE_LIST("node_list"),
    NODE_PRUNE("node_prune"),
    PLACE("place");

    private final String file;

    Script(String file) {
      this.file = file;
    }
  }

  private record Loaded(String text, String sha) {}

  private final UnifiedJedis redis;
  private final String prefix;
  private final Loaded[] scripts = new Loaded[Script.values().length];

  /**
   * The one key each script declares, of the store's slot: a cluster client sends the script to the
   * node that holds it, and the node runs it there; the script reaches every other key of the store
   * through the prefix, which on a cluster is a hash tag of that same slot (see RedisStore).
   */
  private final List<String> routingKey;

  RedisScripts(UnifiedJedis redis, String prefix) {
    this.redis = redis;
    this.prefix = prefix;
    this.routingKey = List.of(prefix + "errand:ids");
    String lib = read("lib");
    for (Script script : Script.values()) {
      String text = lib + "\n" + read(script.file);
      scripts[script.ordinal()] = new Loaded(text, sha1(text));
    }
  }

  /** Runs {@code script} with {@code args} after the prefix; its reply as Jedis gives it. */
  Object run(Script script, List<String> args) {
    Loaded loaded = scripts[script.ordinal()];
    List<String> argv = new ArrayList<>(args.size() + 1);
    argv.add(prefix);
    argv.addAll(args);
    try {
      try {
        return redis.evalsha(loaded.sha(), routingKey, argv);
      } catch (JedisNoScriptException e) {
        redis.scriptLoad(loaded.text(), routingKey.get(0));
        return redis.evalsha(loaded.sha(), routingKey, argv);
      }
    } catch (JedisDataException e) {
      throw refused(script, e);
    } catch (JedisException e) {
      throw new StoreException("Redis script " + script.file + ".lua failed: " + e.getMessage(), e);
    }
  }

  /**
   * What a script answers instead of writing anything: an error reply the API turns into its own
   * exception ({@code ERRAND_UNKNOWN_DEPENDENCY <id>}, {@code ERRAND_DUPLICATE <id> <holder>}), or
   * a script failure.
   */
  private static RuntimeException refused(Script script, JedisDataException e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    String[] words = message.split(" ");
    if (words[0].equals("ERRAND_UNKNOWN_DEPENDENCY") && words.length == 2) {
      return new UnknownDependencyException(Long.parseLong(words[1]));
    }
    if (words[0].equals("ERRAND_DUPLICATE") && words.length == 3) {
      return new DuplicateJobException(Long.parseLong(words[1]), Long.parseLong(words[2]));
    }
    return new StoreException("Redis script " + script.file + ".lua failed: " + message, e);
  }

  private static String read(String name) {
    String path = "lua/" + name + ".lua";
    try (InputStream in = RedisScripts.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing script " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }
}
