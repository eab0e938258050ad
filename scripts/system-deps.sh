#!/usr/bin/env bash
# Installs what pip cannot: a CJK font for Chinese chart labels, for browser tests Chromium, and for the
# storage tests on PostgreSQL its server programs (initdb, pg_ctl; the suite starts a throwaway server itself).
# Usage: scripts/system-deps.sh [font] [browser] [postgres]. Needs root (apt-get) only when something is missing.
set -euo pipefail
want_font=0; want_browser=0; want_postgres=0
for arg in "$@"; do
  case "$arg" in font) want_font=1 ;; browser) want_browser=1 ;; postgres) want_postgres=1 ;; esac
done
missing=()
if [ "$want_font" = 1 ] && ! fc-list 2>/dev/null | grep -qiE "wqy|Noto Sans CJK|Source Han Sans"; then
  missing+=(fonts-wqy-microhei fontconfig)
fi
if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium chromium-driver)
fi
has_initdb() {
  command -v initdb >/dev/null && return 0
  command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
if [ "$want_postgres" = 1 ] && ! has_initdb; then
  missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "warning: please install ${missing[*]} (needs root and apt-get); continuing without" >&2
  exit 0
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
