#!/usr/bin/env bash
# Refresh the web interface's catalogs after changing translatable strings.
# Msgids are English ({{ _("Sign in") }} in templates, gettext in code); this extracts them
# with pybabel and merges them into locale/{vi,en}/LC_MESSAGES/messages.po. Then write the
# Vietnamese msgstr of every new entry in locale/vi (tests/web/test_i18n.py fails until every
# msgid has one). The .po files are compiled in memory at start-up: no .mo is committed.
set -euo pipefail
cd "$(dirname "$0")/../src/sokhoe/web"
template="$(mktemp --suffix=.pot)"
trap 'rm -f "$template"' EXIT
uv run pybabel extract --mapping-file=babel.cfg --no-location --sort-output \
  --project="Sổ Khỏe" --msgid-bugs-address="" --width=100 --output-file="$template" .
for locale in vi en; do
  if [ -f "locale/$locale/LC_MESSAGES/messages.po" ]; then
    uv run pybabel update --input-file="$template" --output-dir=locale --locale="$locale" \
      --no-fuzzy-matching --ignore-obsolete --width=100
  else
    uv run pybabel init --input-file="$template" --output-dir=locale --locale="$locale"
  fi
done
