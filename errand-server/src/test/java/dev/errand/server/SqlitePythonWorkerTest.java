package dev.errand.server;

class SqlitePythonWorkerTest extends PythonWorkerTest {
  @Override
  protected TestServer startServer() {
    return TestServer.sqlite();
  }
}
