package dev.errand.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The command line's settings, each from the first source that has it: a flag, else an {@code
 * ERRAND_*} environment variable ({@code pool-size} → {@code ERRAND_POOL_SIZE}), else the {@code
 * --config} properties file, else the command's default ({@link #withDefault}). Every error names
 * the setting and where its value came from.
 */
final class Settings {
  static final String STORE = "store";
  static final String URL = "url";
  static final String SCHEMA = "schema";
  static final String PREFIX = "prefix";
  static final String POOL_SIZE = "pool-size";
  static final String HOST = "host";
  static final String PORT = "port";
  static final String TOKEN = "token";
  static final String READ_ONLY_TOKEN = "read-only-token";
  static final String ALLOWED_HOSTS = "allowed-hosts";
  static final String DASHBOARD_PATH = "dashboard-path";
  static final String QUEUES = "queues";
  static final String MAX_BODY_BYTES = "max-body-bytes";
  static final String MAX_ARGS_BYTES = "max-args-bytes";

  private final Map<String, String> flags;
  private final Map<String, String> env;
  private final Map<String, String> file;
  private final Path filePath;
  private final Map<String, String> defaults;

  private Settings(
      Map<String, String> flags,
      Map<String, String> env,
      Map<String, String> file,
      Path filePath,
      Map<String, String> defaults) {
    this.flags = flags;
    this.env = env;
    this.file = file;
    this.filePath = filePath;
    this.defaults = defaults;
  }

  /**
   * Settings from {@code flags} (null values are absent), {@code env}, and the properties file
   * {@code configFile} (null for none).
   */
  static Settings load(Map<String, String> flags, Map<String, String> env, Path configFile) {
    Map<String, String> given = new LinkedHashMap<>();
    flags.forEach(
        (k, v) -> {
          if (v != null) {
            given.put(k, v);
          }
        });
    Map<String, String> fromFile = new LinkedHashMap<>();
    if (configFile != null) {
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(configFile)) {
        properties.load(reader);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("config file " + configFile + " does not exist");
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read config file " + configFile + ": " + e);
      }
      properties
          .stringPropertyNames()
          .forEach(k -> fromFile.put(k, properties.getProperty(k).trim()));
    }
    return new Settings(given, env, fromFile, configFile, Map.of());
  }

  /** These settings, with {@code value} for {@code key} when no source gives one. */
  Settings withDefault(String key, String value) {
    Map<String, String> more = new LinkedHashMap<>(defaults);
    more.put(key, value);
    return new Settings(flags, env, file, filePath, more);
  }

  String get(String key, String fallback) {
    String value = find(key);
    return value == null ? fallback : value;
  }

  String get(String key) {
    return find(key);
  }

  String require(String key, String why) {
    String value = find(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          why + ": give --" + key + ", " + envName(key) + " or '" + key + "' in the config file");
    }
    return value;
  }

  int getInt(String key, int fallback, int min, int max) {
    String value = find(key);
    if (value == null) {
      return fallback;
    }
    long parsed;
    try {
      parsed = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          key + " must be an integer, was '" + value + "' (from " + source(key) + ")");
    }
    if (parsed < min || parsed > max) {
      throw new IllegalArgumentException(
          key
              + " must be between "
              + min
              + " and "
              + max
              + ", was "
              + parsed
              + " (from "
              + source(key)
              + ")");
    }
    return (int) parsed;
  }

  /** Where the value of {@code key} comes from, for error messages. */
  String source(String key) {
    if (flags.containsKey(key)) {
      return "--" + key;
    }
    if (env.containsKey(envName(key))) {
      return envName(key);
    }
    if (file.containsKey(key)) {
      return filePath.toString();
    }
    return "the default";
  }

  static String envName(String key) {
    return "ERRAND_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private String find(String key) {
    if (flags.containsKey(key)) {
      return flags.get(key);
    }
    String fromEnv = env.get(envName(key));
    if (fromEnv != null) {
      return fromEnv;
    }
    String fromFile = file.get(key);
    return fromFile != null ? fromFile : defaults.get(key);
  }
}
