package dev.errand.server;

class PostgresBadRequestsTest extends BadRequestsTest {
  @Override
  protected TestServer startServer() {
    return TestServer.postgres();
  }
}
