#!/usr/bin/env bash
# Set up (first time) and start the dashboard; an empty database gets the demo company.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
exec .venv/bin/python app.py
