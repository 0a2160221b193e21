#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine: the Go toolchain
# and the Go libraries of the interop tests (HashiCorp's, and quic-go for the
# memberlist-quic ones) and Chromium (the agent dashboard's browser test,
# driven by puppeteer-core) from apt, and the npm packages from the lock file. Safe to run again; it skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(golang-go golang-github-hashicorp-memberlist-dev golang-github-hashicorp-raft-dev golang-github-hashicorp-raft-boltdb-dev golang-github-lucas-clemente-quic-go-dev chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing apt packages ${missing[*]} (the interop tests and the dashboard test need them); install them as root" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
