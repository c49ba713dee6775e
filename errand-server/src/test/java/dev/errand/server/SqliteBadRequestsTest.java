package dev.errand.server;

class SqliteBadRequestsTest extends BadRequestsTest {
  @Override
  protected TestServer startServer() {
    return TestServer.sqlite();
  }
}
