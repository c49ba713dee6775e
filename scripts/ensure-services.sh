# Sourced by ./run-tests: makes sure the services the integration tests need are there, and says
# what it did. A server that is installed but stopped is started; one that is missing is not
# installed here: the PostgreSQL tests then start an embedded server from Maven Central instead.

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-
}

ensure_postgres() {
  if [ -n "${ERRAND_TEST_PG_URL:-}" ]; then
    echo "run-tests: PostgreSQL: using ERRAND_TEST_PG_URL"
    return 0
  fi
  if port_open 5432; then
    echo "run-tests: PostgreSQL: found a server on 127.0.0.1:5432"
    return 0
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "run-tests: PostgreSQL: starting the installed cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
      port_open 5432 && return 0
      sleep 1
    done
    echo "run-tests: PostgreSQL: the local cluster did not come up; the tests will start an embedded server"
    return 0
  fi
  echo "run-tests: PostgreSQL: none installed; the tests will start an embedded server (binaries from Maven Central)"
}
