package dev.errand.server;

class PostgresPythonWorkerTest extends PythonWorkerTest {
  @Override
  protected TestServer startServer() {
    return TestServer.postgres();
  }
}
