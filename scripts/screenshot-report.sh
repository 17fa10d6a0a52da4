#!/usr/bin/env bash
# Renders a cardrank report.html in headless Chromium, checks that the page
# loads without console errors and looks complete, and saves a screenshot.
#
#   scripts/screenshot-report.sh REPORT_DIR/report.html [OUT.png] [WIDTHxHEIGHT]
#
# Needs Debian's `chromium` (apt-get install chromium). Exit code 0 when the
# page rendered cleanly, 1 on console errors or a page that is missing its
# sections, 2 on bad usage. The browser runs with no network use of its own
# (the page itself has no external resources), in a throwaway profile.
#
# To regenerate the README's picture (adult, 48,842 rows):
#   cargo build --release -p cardrank-cli
#   ./target/release/cardrank report ../shared/data/adult.csv.gz --target income --out /tmp/adult-report
#   scripts/screenshot-report.sh /tmp/adult-report/report.html docs/report.png 1280x2000
#   # docs/report.png is kept small: the script recompresses it when `convert` (imagemagick) exists.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 3 ]]; then
    sed -n '2,9p' "$0" >&2
    exit 2
fi
html=$(realpath "$1")
out=${2:-report.png}
size=${3:-1280x2000}
if [[ ! -f "$html" ]]; then
    echo "error: $1 is not a file" >&2
    exit 2
fi
if [[ ! "$size" =~ ^[0-9]+x[0-9]+$ ]]; then
    echo "error: size must be WIDTHxHEIGHT, e.g. 1280x2000" >&2
    exit 2
fi
chrome=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$chrome" ]]; then
    echo "error: chromium not found (Debian: apt-get install chromium)" >&2
    exit 2
fi

profile=$(mktemp -d)
log=$(mktemp)
dom=$(mktemp)
trap 'rm -rf "$profile" "$log" "$dom"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars
    --user-data-dir="$profile" --enable-logging=stderr --v=0)

# 1. The DOM after load: every section of the report must be there.
"$chrome" "${flags[@]}" --dump-dom "file://$html" >"$dom" 2>>"$log"
missing=()
for id in summary flags ranking redundancy columns notes; do
    grep -q "id=\"$id\"" "$dom" || missing+=("$id")
done
if ! grep -q "</html>" "$dom"; then
    missing+=("</html>")
fi

# 2. The screenshot.
"$chrome" "${flags[@]}" --window-size="${size/x/,}" --screenshot="$(realpath -m "$out")" \
    "file://$html" 2>>"$log"
if command -v convert >/dev/null && convert -version 2>/dev/null | grep -q ImageMagick; then
    # Fewer colours: the page is flat, so 64 keep it readable at a tenth of the size.
    convert "$out" -colors 64 -define png:compression-level=9 "$out"
fi

# 3. Console errors (JavaScript exceptions, failed loads, CSP or SVG errors).
errors=$(grep -E "ERROR:CONSOLE|Uncaught|Failed to load resource|Refused to|net::ERR_" "$log" || true)
status=0
if [[ -n "$errors" ]]; then
    echo "console errors:" >&2
    echo "$errors" >&2
    status=1
fi
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "the rendered page lacks: ${missing[*]}" >&2
    status=1
fi
if [[ $status -eq 0 ]]; then
    echo "ok: $html rendered without console errors; screenshot $out ($(du -h "$out" | cut -f1))"
fi
exit $status
