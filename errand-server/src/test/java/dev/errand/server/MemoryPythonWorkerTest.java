package dev.errand.server;

class MemoryPythonWorkerTest extends PythonWorkerTest {
  @Override
  protected TestServer startServer() {
    return TestServer.memory();
  }
}
