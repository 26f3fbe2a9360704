#!/usr/bin/env bash
# A throw-away SoftHSM2 token for tests and local runs, everything under DIR.
#
#   eval "$(scripts/softhsm-setup.sh DIR)"
#
# Installs softhsm2 (apt-get) when softhsm2-util is missing, writes DIR/softhsm2.conf
# with its tokens in DIR/tokens, initialises a token labelled "credence" once, and
# prints the export lines a caller evals. Running it again changes nothing.
#
# The PINs below are for TESTS ONLY (SO PIN 0000, user PIN 1234): a real HSM's PINs
# come from its operators and reach Credence through CREDENCE_PKCS11_PIN_FILE.
# Progress goes to stderr, so stdout holds only the export lines.
set -euo pipefail

if [ "$#" -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi

TOKEN_LABEL=credence
SO_PIN=0000
USER_PIN=1234

mkdir -p "$1"
DIR=$(cd "$1" && pwd)

if ! command -v softhsm2-util >/dev/null 2>&1; then
    echo "softhsm2-util not found: installing softhsm2" >&2
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO=sudo
    fi
    # apt-get's chatter would land in the caller's eval: send it to stderr. A machine
    # whose package lists were never fetched needs one update first.
    if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y softhsm2 >&2; then
        $SUDO apt-get update >&2
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y softhsm2 >&2
    fi
fi

mkdir -p "$DIR/tokens"
chmod 700 "$DIR/tokens"
CONF="$DIR/softhsm2.conf"
cat >"$CONF" <<CONF
# Written by scripts/softhsm-setup.sh: a test token store, nothing of value.
directories.tokendir = $DIR/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF="$CONF"

# Initialised tokens are listed with their label; an uninitialised slot has none.
if ! softhsm2-util --show-slots 2>/dev/null | grep -Eq "^[[:space:]]*Label:[[:space:]]+$TOKEN_LABEL[[:space:]]*$"; then
    softhsm2-util --init-token --free --label "$TOKEN_LABEL" \
        --so-pin "$SO_PIN" --pin "$USER_PIN" >&2
fi

printf 'export SOFTHSM2_CONF=%q; export CREDENCE_PKCS11_TOKEN=%s; export CREDENCE_PKCS11_PIN=%s\n' \
    "$CONF" "$TOKEN_LABEL" "$USER_PIN"
