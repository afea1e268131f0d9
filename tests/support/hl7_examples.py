"""HL7's published FHIR R4 (4.0.1) example resources, from the npm package
``hl7.fhir.r4.examples`` (the registry CI reaches for packages): downloaded once into the
user's cache (``$XDG_CACHE_HOME/sokhoe``, else ``~/.cache/sokhoe``), checked against the
registry's sha512 integrity before every use, and read straight from the tarball.

Without the package the tests that need it fail, saying how to fetch it: they must not pass
without having looked at an example.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tarfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PACKAGE = "hl7.fhir.r4.examples-4.0.1.tgz"
URL = f"https://registry.npmjs.org/hl7.fhir.r4.examples/-/{PACKAGE}"
#: The registry's ``dist.integrity`` of the package.
INTEGRITY = "sha512-DXBdIZOeQaSKIgCU7w6HOC7sw/6BzylmipLkBW4f//pT+Bc94x+8LImwTdvaNThPJoOzpBzvxAzNqjeu3X/zLw=="


@dataclass(frozen=True, slots=True)
class Example:
    #: The file's name in the package (``Encounter-example.json``).
    name: str
    resource: dict[str, Any]


def examples(*resource_types: str) -> Iterator[Example]:
    """The examples of these resource types, in the package's order.

    The package names each file ``<resourceType>-<id>.json``: only the files of the types
    asked for are parsed (the whole package is 5,307 files, some of 35 MB).
    """
    prefixes = tuple(f"package/{kind}-" for kind in resource_types)
    with tarfile.open(package()) as archive:
        for member in archive:
            if not (member.isfile() and member.name.startswith(prefixes)):
                continue
            data = archive.extractfile(member)
            assert data is not None
            resource = json.load(data)
            name = member.name.removeprefix("package/")
            assert name.startswith(f"{resource['resourceType']}-"), name
            yield Example(name, resource)


def package() -> Path:
    """The package's tarball in the cache, downloaded if missing, its integrity checked."""
    path = cache_dir() / PACKAGE
    if not path.exists():
        _download(path)
    if (found := _integrity(path)) != INTEGRITY:
        pytest.fail(f"{path} is not the published package ({found}): delete it", pytrace=False)
    return path


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sokhoe"


def _download(path: Path) -> None:
    """Fetch into a ``.part`` file of this process, renamed once whole and checked: an
    interrupted download leaves no tarball that looks cached, and test workers downloading
    at the same time do not write into one file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        with urllib.request.urlopen(URL, timeout=60) as answer, partial.open("wb") as out:
            while chunk := answer.read(1 << 20):
                out.write(chunk)
    except OSError as error:
        partial.unlink(missing_ok=True)
        pytest.fail(
            f"the HL7 R4 examples could not be downloaded ({error}); fetch {URL} "
            f"into {path} (or run `npm pack hl7.fhir.r4.examples@4.0.1` there)",
            pytrace=False,
        )
    if (found := _integrity(partial)) != INTEGRITY:
        pytest.fail(f"{URL} gave a different file ({found}), left in {partial}", pytrace=False)
    partial.replace(path)


def _integrity(path: Path) -> str:
    """A file's integrity as npm writes it: ``sha512-`` and the base64 digest."""
    digest = hashlib.sha512()
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return "sha512-" + base64.b64encode(digest.digest()).decode()
