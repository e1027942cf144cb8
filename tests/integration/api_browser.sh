#!/usr/bin/env bash
# The web UI in headless Chromium: see tests/browser/run.sh (kept there with
# its package.json; this wrapper puts it in the integration run).
exec bash "$(dirname "$0")/../browser/run.sh"
