"""Write Vietnamese translations into the catalog, after refreshing it from the sources.

Usage: ``uv run python scripts/add_translations.py FILE.json`` where the file maps English
msgids to their Vietnamese msgstr. It runs ``extract_messages.sh`` and then fills those
entries of ``locale/vi``, under a lock so that several people working in one tree at once do
not write the catalog over each other. A msgid the sources do not use is reported, not added.
"""

import fcntl
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "src/sokhoe/web/locale/vi/LC_MESSAGES/messages.po"


def main() -> None:
    translations: dict[str, str] = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    with open("/tmp/sokhoe-po.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        extracted = subprocess.run(
            ["bash", str(ROOT / "scripts/extract_messages.sh")], capture_output=True, text=True
        )
        if extracted.returncode:
            sys.exit(extracted.stderr)
        with CATALOG.open("rb") as file:
            catalog = read_po(file, locale="vi")
        unused = []
        for msgid, msgstr in translations.items():
            if msgid in catalog:
                catalog[msgid].string = msgstr
            else:
                unused.append(msgid)
        with CATALOG.open("wb") as file:
            write_po(file, catalog, width=100, omit_header=False)
    for msgid in unused:
        sys.stderr.write(f"not in the sources: {msgid!r}\n")


if __name__ == "__main__":
    main()
