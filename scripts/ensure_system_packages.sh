#!/usr/bin/env bash
# Debian packages the test suite needs: WeasyPrint's font subsetting and fonts (PDFs),
# poppler-utils (PDF checks), Chromium (browser tests) and wrk (load checks).
# Installs only what is missing, so a second run costs one dpkg query per package.
set -euo pipefail

PACKAGES=(libharfbuzz-subset0 fonts-liberation2 fonts-croscore poppler-utils chromium wrk)

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
