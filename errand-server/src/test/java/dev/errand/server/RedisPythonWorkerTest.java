package dev.errand.server;

class RedisPythonWorkerTest extends PythonWorkerTest {
  @Override
  protected TestServer startServer() {
    return TestServer.redis();
  }
}
