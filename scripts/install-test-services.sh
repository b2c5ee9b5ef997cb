#!/usr/bin/env bash
# Installs, from Debian's packages, the system tools the tests use and `npm test` cannot get from
# npm: redis-server (a throwaway test Redis), chromium (the browser tests) and promtool (from the
# prometheus package: `promtool check metrics` on /metrics). Does nothing when all are there;
# otherwise one apt-get update, then the missing ones (sudo when not root).
# Used by .ci/run; developers run it as `npm run test:install-services`.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# promtool comes with the server: its recommended extras (node exporter, ...) are not wanted.
lean=()
command -v promtool >/dev/null 2>&1 || lean+=(prometheus)
if ((${#missing[@]} + ${#lean[@]} == 0)); then
  echo "test services: redis-server, chromium and promtool are installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "test services: installing ${missing[*]} ${lean[*]}"
"${sudo[@]}" apt-get update -qq
if ((${#missing[@]} > 0)); then
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
if ((${#lean[@]} > 0)); then
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${lean[@]}"
fi
