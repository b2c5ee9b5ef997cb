#!/usr/bin/env bash
# Installs, from Debian's packages, the system tools the tests use and `npm test` cannot get from
# npm: redis-server (a throwaway test Redis) and chromium (the browser tests). Does nothing when
# both are there; otherwise one apt-get update, then the missing ones (sudo when not root).
# Used by .ci/run; developers run it as `npm run test:install-services`.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ((${#missing[@]} == 0)); then
  echo "test services: redis-server and chromium are installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
echo "test services: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
