#!/usr/bin/env bash
# Install what Patchwright's Java support needs: JUnit 4, Hamcrest, Ant and JaCoCo from
# Debian (jars in /usr/share/java). JDK 17 (javac) is expected to be there already; it is
# installed too when missing. Idempotent: apt runs only when something is missing.
# Needs root (apt).
set -euo pipefail
say() { echo "java-setup: $*" >&2; }
need=()
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
[ -f /usr/share/java/junit4.jar ] || need+=(junit4)
[ -f /usr/share/java/hamcrest-core.jar ] || [ -f /usr/share/java/hamcrest.jar ] || need+=(libhamcrest-java)
command -v ant >/dev/null 2>&1 || need+=(ant)
[ -f /usr/share/java/org.jacoco.agent.jar ] || [ -f /usr/share/java/jacocoagent.jar ] \
    || ls /usr/share/java/org.jacoco.agent*.jar >/dev/null 2>&1 || need+=(libjacoco-java)
if [ "${#need[@]}" -eq 0 ]; then
    exit 0
fi
say "installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
