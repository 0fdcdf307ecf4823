#!/usr/bin/env bash
# Serves the demo page (web/index.html, with the package scripts/build-web.sh made in
# web/pkg/) on 127.0.0.1, port PORT (default 8000): open http://127.0.0.1:8000/ in a
# browser with WebGPU. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-8000}"
if [ ! -f web/pkg/wgpu_sigmoid.js ]; then
  echo "serve-web: web/pkg is missing: run scripts/build-web.sh first" >&2
  exit 1
fi
echo "serve-web: http://127.0.0.1:$port/ (Chromium on Linux needs --enable-unsafe-webgpu)"
exec python3 -m http.server --bind 127.0.0.1 --directory web "$port"
