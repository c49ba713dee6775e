package dev.errand.server;

class RedisBadRequestsTest extends BadRequestsTest {
  @Override
  protected TestServer startServer() {
    return TestServer.redis();
  }
}
