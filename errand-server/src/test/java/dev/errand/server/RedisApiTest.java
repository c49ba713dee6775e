package dev.errand.server;

class RedisApiTest extends ApiTest {
  @Override
  protected TestServer startServer() {
    return TestServer.redis();
  }
}
