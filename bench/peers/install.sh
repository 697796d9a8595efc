#!/usr/bin/env bash
# Install the benchmark peers with the system's package manager (Debian and derivatives):
# Gforth (gforth-fast) and GNU Smalltalk (gst). Neither is needed to build or test Bedrock;
# `npm run bench` reports a peer that is missing and goes on.
#
# gforth is in Debian's current release. GNU Smalltalk left Debian after bullseye (11), so when
# the current release has no gnu-smalltalk package, this adds bullseye's main archive with a
# low pin priority (100: nothing else is taken from it unless asked) and installs
# gnu-smalltalk 3.2.5 from there (`-t bullseye`), with the few old libraries it needs
# (libffi7, libsigsegv2, libgst7) beside the current ones.
#
# Usage: bench/peers/install.sh   (as root, or with sudo available)
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then exec sudo -E "$0" "$@"; fi
  echo "install.sh: needs root (or sudo) to run apt-get" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "install.sh: no apt-get here; install gforth and GNU Smalltalk (gst) with your package manager" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q

if command -v gforth-fast >/dev/null; then
  echo "gforth-fast: already installed ($(gforth-fast --version 2>&1 | head -n1))"
else
  apt-get install -y -q gforth
fi

if command -v gst >/dev/null; then
  echo "gst: already installed ($(gst --version | head -n1))"
elif apt-cache show gnu-smalltalk >/dev/null 2>&1 && [ -n "$(apt-cache policy gnu-smalltalk | sed -n 's/^ *Candidate: //p' | grep -v none)" ]; then
  apt-get install -y -q gnu-smalltalk
else
  echo "gst: not in this release; taking gnu-smalltalk from Debian bullseye (pinned low)"
  echo 'deb http://deb.debian.org/debian bullseye main' > /etc/apt/sources.list.d/bedrock-peers-bullseye.list
  printf 'Package: *\nPin: release n=bullseye\nPin-Priority: 100\n' > /etc/apt/preferences.d/bedrock-peers-bullseye
  apt-get update -q
  apt-get install -y -q -t bullseye gnu-smalltalk
fi

echo
echo "peers:"
echo "  gforth-fast: $(gforth-fast --version 2>&1 | head -n1)"
echo "  gst:         $(gst --version | head -n1)"
