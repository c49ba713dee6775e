package dev.errand.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.errand.StoreException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How the SQL stores write a node registry entry's queues and kinds into columns and read them
 * back, so that every such store keeps them alike: the queues as a JSON object of name to
 * concurrency, the kinds as a JSON array of names, each in name order.
 */
public final class NodeColumns {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Integer>> QUEUES = new TypeReference<>() {};
  private static final TypeReference<List<String>> KINDS = new TypeReference<>() {};

  private NodeColumns() {}

  /** The queues as the JSON object that {@link #queues} reads. */
  public static String queuesJson(Map<String, Integer> queues) {
    return JobColumns.json(new TreeMap<>(queues));
  }

  /** The kinds as the JSON array that {@link #kinds} reads. */
  public static String kindsJson(Set<String> kinds) {
    return JobColumns.json(new TreeSet<>(kinds));
  }

  /** Queues stored by {@link #queuesJson}. */
  public static Map<String, Integer> queues(String json) {
    try {
      return JSON.readValue(json, QUEUES);
    } catch (JsonProcessingException e) {
      throw new StoreException("stored node queues are not a JSON object of numbers: " + json, e);
    }
  }

  /** Kinds stored by {@link #kindsJson}. */
  public static Set<String> kinds(String json) {
    try {
      return Set.copyOf(JSON.readValue(json, KINDS));
    } catch (JsonProcessingException e) {
      throw new StoreException("stored node kinds are not a JSON array of strings: " + json, e);
    }
  }
}
