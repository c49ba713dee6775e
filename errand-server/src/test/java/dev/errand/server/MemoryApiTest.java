package dev.errand.server;

class MemoryApiTest extends ApiTest {
  @Override
  protected TestServer startServer() {
    return TestServer.memory();
  }
}
