#!/usr/bin/env bash
# Install what the dashboard's end-to-end browser test needs, idempotently:
#   - Debian's chromium (/usr/bin/chromium) and a CJK font (so Chinese labels render in screenshots),
#   - the Python `playwright` package in the project venv (driver only; `playwright install` is NOT run:
#     the test drives the system chromium through executable_path).
# Usage: scripts/setup_browser.sh [path/to/python]   (default: .venv/bin/python, else python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${1:-}"
if [[ -z "$PY" ]]; then
  if [[ -x "$ROOT/.venv/bin/python" ]]; then PY="$ROOT/.venv/bin/python"; else PY="python3"; fi
fi
PLAYWRIGHT_VERSION="${PLAYWRIGHT_VERSION:-1.65.2}"

need_apt=()
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
if command -v fc-list >/dev/null 2>&1; then
  [[ -n "$(fc-list :lang=zh 2>/dev/null | head -n1)" ]] || need_apt+=(fonts-wqy-microhei)
else
  need_apt+=(fonts-wqy-microhei)
fi

if ((${#need_apt[@]})); then
  SUDO=""
  if [[ "$(id -u)" != "0" ]]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "setup_browser: need root (or sudo) to apt-get install ${need_apt[*]}" >&2; exit 1
    fi
  fi
  echo "setup_browser: installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
else
  echo "setup_browser: chromium and a CJK font already installed"
fi

if "$PY" -c "import playwright, importlib.metadata as m, sys; sys.exit(0 if m.version('playwright') == '$PLAYWRIGHT_VERSION' else 1)" 2>/dev/null; then
  echo "setup_browser: playwright $PLAYWRIGHT_VERSION already installed"
else
  "$PY" -m pip install -q "playwright==$PLAYWRIGHT_VERSION"
fi
/usr/bin/chromium --version 2>/dev/null || true
