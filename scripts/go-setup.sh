#!/usr/bin/env bash
# Install Debian's Go and golang.org/x/mod for the stock tlog client test
# (tests/e2e/test_tlog_tiles_client.py) if missing. Needs only the Debian package mirror;
# uses sudo when not run as root.
set -euo pipefail
missing=()
command -v go >/dev/null 2>&1 || missing+=(golang-go)
[ -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ] || missing+=(golang-golang-x-mod-dev)
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "go-setup: installing ${missing[*]} with apt-get" >&2
SUDO=()
[ "$(id -u)" = 0 ] || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
