package dev.errand.server;

import java.util.Map;

class MemoryDemoTest extends DemoTest {
  @Override
  protected Map<String, String> storeFlags() {
    return Map.of(Settings.STORE, "memory");
  }
}
