package dev.errand.server;

class PostgresApiTest extends ApiTest {
  @Override
  protected TestServer startServer() {
    return TestServer.postgres();
  }
}
