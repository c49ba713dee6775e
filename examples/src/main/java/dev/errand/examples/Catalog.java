package dev.errand.examples;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The demo's stand-in for the table an import writes to. Keyed by item id, so that importing an
 * item twice (a job runs at least once, not exactly once) stores it once. Thread-safe.
 */
final class Catalog {

  private final Set<String> items = ConcurrentHashMap.newKeySet();

  /** Stores item {@code itemId} of import {@code importId}; a repeat is a no-op. */
  void upsert(String importId, int itemId) {
    items.add(importId + "/" + itemId);
  }

  /** How many distinct items are stored. */
  int size() {
    return items.size();
  }
}
