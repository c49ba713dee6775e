# Sourced by ./errand and ./run-tests: exports JAVA_HOME pointing at a JDK 21 or newer.
# Errand targets Java 21, while many machines still default to an older `java`, so the
# scripts look for a suitable JDK themselves instead of trusting PATH.

jdk_major() {
  local home=$1 version
  [ -x "$home/bin/javac" ] || return 1
  if [ -f "$home/release" ]; then
    version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
  fi
  if [ -z "$version" ]; then
    version=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
  fi
  version=${version#1.}
  echo "${version%%[.+-]*}"
}

find_jdk() {
  local candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(jdk_major "$JAVA_HOME") || major=0
    if [ "${major:-0}" -ge 21 ]; then
      return 0
    fi
    echo "JAVA_HOME=$JAVA_HOME is not a JDK 21+; looking under /usr/lib/jvm" >&2
  fi
  for candidate in /usr/lib/jvm/*; do
    [ -d "$candidate" ] || continue
    major=$(jdk_major "$candidate") || continue
    if [ "${major:-0}" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best=$candidate
      best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "Errand needs a JDK 21 or newer: set JAVA_HOME or install one (apt-get install openjdk-21-jdk-headless)." >&2
    return 1
  fi
  export JAVA_HOME=$best
}
