#!/usr/bin/env bash
# Run a command with a throw-away SoftHSM2 token as the key provider, then remove it.
#
#   scripts/with-softhsm.sh COMMAND...
#
# The command sees CREDENCE_KEY_PROVIDER=pkcs11 and the token's settings
# (scripts/softhsm-setup.sh installs softhsm2 with apt-get when it is missing).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
HSMTMP=$(mktemp -d /tmp/credence-hsm.XXXXXX)
trap 'rm -rf "$HSMTMP"' EXIT
eval "$("$HERE/softhsm-setup.sh" "$HSMTMP")"
export CREDENCE_KEY_PROVIDER=pkcs11 CREDENCE_REQUIRE_HSM=1
echo "with-softhsm: master keys in SoftHSM2 token '$CREDENCE_PKCS11_TOKEN' ($HSMTMP)" >&2
"$@"
