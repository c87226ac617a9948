#!/usr/bin/env bash
# Debian packages the app and its tests need. `app`: WeasyPrint's font subsetting and the
# Times-metric serifs with full Vietnamese coverage that decisions and certificates name.
# `test` (the default) adds poppler-utils (PDF checks), libzbar0 (reading printed QR codes back),
# Chromium (browser tests), wrk (load checks) and LibreOffice Writer (opens the Word exports in the
# tests, and is the office's mail-merge floor in the certificate bench) and nginx (the two-instance
# deployment test runs deploy/nginx/dvkheo.conf; the package does not start it).
# Installs only what is missing, so a second run costs one dpkg query per package.
set -euo pipefail

PACKAGES=(libharfbuzz-subset0 fonts-liberation2 fonts-croscore)
if [ "${1:-test}" != "app" ]; then
  PACKAGES+=(poppler-utils libzbar0 chromium wrk libreoffice-writer-nogui nginx)
fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Cài gói hệ thống còn thiếu: ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
