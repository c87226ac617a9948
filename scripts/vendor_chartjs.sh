#!/usr/bin/env bash
# Chart.js for the statistics page, served from the app's own static/ (no CDN: the CSP allows 'self' only).
# Fetched once from the npm registry with `npm pack` at a pinned version, checked against the pinned sha512
# integrity of the registry's tarball (`npm view chart.js@$VERSION dist.integrity`), and the UMD build extracted to
# static/vendor/chartjs/ (git-ignored). Runs again only when the version changes. The tarball is kept in
# .cache/npm/ so that a second checkout or a `make clean` does not download it again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VERSION=4.5.0
INTEGRITY=sha512-aYeC/jDgSEx8SHWZvANYMioYMZ2KX02W6f6uVfyteuCGcadDLcYVHdfdygsTQkQ4TKn5lghoojAsPj5pu0SnvQ==
DEST=static/vendor/chartjs
CACHE=.cache/npm
TARBALL="$CACHE/chart.js-$VERSION.tgz"

if [ -f "$DEST/chart.umd.min.js" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi

integrity_of() {
  echo "sha512-$(openssl dgst -sha512 -binary "$1" | base64 -w0)"
}

mkdir -p "$CACHE" "$DEST"
if [ ! -f "$TARBALL" ] || [ "$(integrity_of "$TARBALL")" != "$INTEGRITY" ]; then
  if ! command -v npm >/dev/null; then
    echo "Thiếu npm: cần npm (Node.js 18 trở lên) để tải Chart.js $VERSION cho trang Thống kê." >&2
    exit 1
  fi
  echo "Tải Chart.js $VERSION từ kho npm"
  rm -f "$TARBALL"
  npm pack "chart.js@$VERSION" --pack-destination "$CACHE" --silent >/dev/null
fi
actual=$(integrity_of "$TARBALL")
if [ "$actual" != "$INTEGRITY" ]; then
  echo "Tệp chart.js-$VERSION.tgz không khớp mã kiểm tra đã ghi: $actual" >&2
  rm -f "$TARBALL"
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$TARBALL" -C "$tmp" package/dist/chart.umd.min.js package/LICENSE.md
cp "$tmp/package/dist/chart.umd.min.js" "$DEST/chart.umd.min.js"
cp "$tmp/package/LICENSE.md" "$DEST/LICENSE.md"
echo "$VERSION" > "$DEST/VERSION"
echo "Chart.js $VERSION: $DEST/chart.umd.min.js"
