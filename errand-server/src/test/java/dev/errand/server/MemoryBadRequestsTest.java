package dev.errand.server;

class MemoryBadRequestsTest extends BadRequestsTest {
  @Override
  protected TestServer startServer() {
    return TestServer.memory();
  }
}
