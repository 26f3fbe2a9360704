#!/usr/bin/env bash
# Install Debian's Chromium and a CJK font for the browser tests (tests/browser) if missing.
# Needs only the Debian package mirror; uses sudo when not run as root.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Without a CJK font the Chinese pages' screenshots show boxes instead of characters.
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "browser-setup: installing ${missing[*]} with apt-get" >&2
SUDO=()
[ "$(id -u)" = 0 ] || SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
