#!/usr/bin/env bash
# The documentation site (MkDocs with Material), from docs/ and mkdocs.yml, into build/site:
#   scripts/docs.sh          build it, strictly: a broken link, a missing page or a stale reference fails
#   scripts/docs.sh serve    preview it at http://127.0.0.1:8000/ while you edit
# Its packages are the "docs" extra (not the kiosk's); scripts/setup.sh makes the venv first.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x .venv/bin/python ]] || scripts/setup.sh
.venv/bin/python -m pip install --quiet -e ".[docs]"
.venv/bin/python scripts/docs_reference.py --check
if [[ ${1:-build} == serve ]]; then
    NO_MKDOCS_2_WARNING=1 exec .venv/bin/mkdocs serve
fi
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --clean
echo "docs: build/site/index.html"
