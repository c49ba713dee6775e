package dev.errand.server;

class SqliteApiTest extends ApiTest {
  @Override
  protected TestServer startServer() {
    return TestServer.sqlite();
  }
}
