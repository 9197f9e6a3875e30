#!/usr/bin/env bash
# The Debian packages this product needs, installed only when missing (idempotent).
#
#   scripts/system-packages.sh          what the app needs to run: Pango for WeasyPrint
#                                        (letters) and fonts for every script families in
#                                        England write in (the Dockerfile)
#   scripts/system-packages.sh --run    also a Python that can make the venv (`make run`)
#   scripts/system-packages.sh --ci     also what the tests need: PostgreSQL, Redis,
#                                        Chromium, poppler-utils, make (`.ci/run`)
#
# Used by `make run`, `.ci/run` and the Dockerfile, so the three never drift apart.
# Runs apt-get (with sudo when not root) only for what `dpkg -s` says is missing; exits
# non-zero with a message saying what to install when it cannot install it itself.
set -euo pipefail

# WeasyPrint lays letters out with Pango/HarfBuzz. Fonts (Debian's Noto, "no tofu"):
#   fonts-noto-core  Latin with every diacritic (Polish, Czech, Romanian, Turkish,
#                    Vietnamese...), Greek, Cyrillic, Arabic (Naskh and Nastaliq Urdu),
#                    Hebrew, Bengali, Devanagari, Gurmukhi, Gujarati, Tamil, Telugu,
#                    Kannada, Malayalam, Sinhala, Thai, Ethiopic, Armenian, Georgian...
#   fonts-noto-cjk   Chinese (simplified and traditional), Japanese, Korean
#   fonts-dejavu-core  the fallback for symbols and the monospace of the wording editor
RUNTIME=(
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig
    fonts-dejavu-core fonts-noto-core fonts-noto-cjk
)
# `make run`: a Python that can make a venv.
RUN=(python3 python3-venv)
# Tests: throw-away PostgreSQL and Redis, the browser tests' Chromium, pdftoppm/pdftotext
# to look at rendered letters, and make.
CI=(postgresql redis-server chromium poppler-utils make)

packages=("${RUNTIME[@]}")
case "${1:-}" in
    --run) packages+=("${RUN[@]}") ;;
    --ci) packages+=("${RUN[@]}" "${CI[@]}") ;;
    "") ;;
    *) echo "usage: $0 [--run | --ci]" >&2; exit 2 ;;
esac

if ! command -v dpkg >/dev/null 2>&1; then
    echo "system-packages: this is not a Debian-like system (no dpkg)." >&2
    echo "Install by hand: Pango 1.44+, HarfBuzz, fontconfig and Noto fonts (core and CJK)." >&2
    exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# Debian's python3 cannot make a venv without ensurepip, even when python3-venv is "installed"
# for another minor version.
if [[ " ${packages[*]} " == *" python3-venv "* ]] && command -v python3 >/dev/null 2>&1 \
    && ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    [[ " ${missing[*]} " == *" python3-venv "* ]] || missing+=(python3-venv)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all present"
    exit 0
fi

echo "system packages: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "system-packages: not root and no sudo. As root, run:" >&2
        echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get update -q || ! "${sudo[@]}" apt-get install -y -q \
    --no-install-recommends "${missing[@]}" </dev/null; then
    echo "system-packages: could not install ${missing[*]}; install them and run this again." >&2
    exit 1
fi
