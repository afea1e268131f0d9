"""The entries of a FHIR bundle once each resource is validated, and what the records made of
them need from one another: references resolved inside the bundle, the patient, the facility.

A record is made of several entries (an ``Encounter`` with its ``Condition`` resources and
the ``Patient``, a ``Coverage`` giving the card): it is stored whole or not at all, so a
record whose patient or diagnosis entry has a problem is refused too, naming that entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.reference import Reference

from sokhoe.records.clinical import ClinicalRecord, Patient
from sokhoe.records.fhir_codes import FACILITY_SYSTEM
from sokhoe.records.problems import RecordProblem
from sokhoe.vietnam_time import VIETNAM_TIME

#: Longest values the book stores (its columns).
KEY_LIMIT = 100
#: How much of a refused value a problem repeats (a sender's megabyte string is not echoed).
SHOWN_LIMIT = 100


@dataclass(slots=True)
class ParsedEntry:
    """One ``Bundle.entry``: its validated resource (``None`` when it failed), its problems
    and, once read, the record it is or the entry whose record carries it."""

    index: int
    source: str
    full_url: str | None
    resource_type: str | None
    resource_id: str | None
    resource: DomainResource | None = None
    problems: list[RecordProblem] = field(default_factory=list)
    record: ClinicalRecord | None = None
    part_of: int | None = None
    #: For a ``Patient`` entry, the person as read (``None`` until read, or when unusable).
    patient: Patient | None = None

    @property
    def path(self) -> str:
        return f"Bundle.entry[{self.index}]"

    @property
    def usable(self) -> bool:
        return self.resource is not None and not self.problems

    def problem(self, field: str | None, code: str, **params: object) -> None:
        """Note a problem at ``field``, a path inside the resource (``period.start``)."""
        where = f"{self.path}.resource.{field}" if field else None
        shown = {name: shorten(value) for name, value in params.items()}
        self.problems.append(RecordProblem(self.source, self.path, where, code, shown))


def shorten(value: object) -> object:
    """A problem's parameter as it is repeated: a string cut to :data:`SHOWN_LIMIT`."""
    return value[:SHOWN_LIMIT] if isinstance(value, str) else value


class Bundle:
    """The entries, found by the references between them, and the sender's facility."""

    def __init__(self, entries: Sequence[ParsedEntry], *, facility: str | None) -> None:
        self.entries = entries
        self.facility = facility
        self._by_reference: dict[str, ParsedEntry] = {}
        for entry in entries:
            if entry.full_url:
                self._by_reference[entry.full_url] = entry
            if entry.resource_type and entry.resource_id:
                relative = f"{entry.resource_type}/{entry.resource_id}"
                self._by_reference.setdefault(relative, entry)

    def find(self, reference: Reference | None, *types: str) -> ParsedEntry | None:
        """The entry a reference points to (``urn:uuid:…`` full URL, ``Patient/12``, an
        absolute URL), if it is in the bundle and of one of ``types``."""
        if reference is None or not reference.reference:
            return None
        text = reference.reference.split("/_history/", 1)[0]
        entry = self._by_reference.get(text)
        if entry is None and "://" in text:
            entry = self._by_reference.get("/".join(text.rsplit("/", 2)[-2:]))
        if entry is None or entry.resource_type not in types:
            return None
        return entry

    def depends_on(self, entry: ParsedEntry, other: ParsedEntry) -> bool:
        """Whether ``other`` is usable; if not, ``entry`` is refused along with it."""
        if other.usable:
            return True
        entry.problem(None, "depends_on_refused", value=other.path)
        return False

    def patient(self, entry: ParsedEntry, reference: Reference | None, at: str) -> Patient | None:
        """The person a record is about: a ``Patient`` entry of this bundle."""
        if reference is None or not (reference.reference or reference.identifier):
            entry.problem(at, "required")
            return None
        target = self.find(reference, "Patient")
        if target is None:
            shown = reference.reference or _identifier_text(reference.identifier)
            entry.problem(at, "unresolved_reference", value=shown)
            return None
        if not self.depends_on(entry, target):
            return None
        return target.patient

    def facility_of(
        self, entry: ParsedEntry, candidates: Sequence[tuple[str, Reference | None]]
    ) -> str | None:
        """The facility of a record: the one its references name, else the sender's."""
        named = self._first_named(candidates)
        if named is not None:
            return _checked_facility(entry, *named)
        if self.facility is None:
            entry.problem(None, "no_facility")
        return self.facility

    def named_facility(
        self, entry: ParsedEntry, candidates: Sequence[tuple[str, Reference | None]]
    ) -> str | None:
        """The facility some references name, or ``None`` (a referral's destination)."""
        named = self._first_named(candidates)
        return _checked_facility(entry, *named) if named is not None else None

    def _first_named(
        self, candidates: Sequence[tuple[str, Reference | None]]
    ) -> tuple[str, str] | None:
        """The first ``(path, code)`` of some ``(path, reference)`` candidates that name a
        facility: an ``Organization`` with a ``MA_CSKCB`` identifier, in the bundle or as a
        logical reference, or reached through a ``Location``, ``HealthcareService`` or
        ``PractitionerRole`` in the bundle."""
        for at, reference in candidates:
            code = self._facility_code(reference, hops=3)
            if code is not None:
                return at, code
        return None

    def _facility_code(self, reference: Reference | None, *, hops: int) -> str | None:
        if reference is None or hops == 0:
            return None
        if reference.identifier is not None and reference.identifier.system == FACILITY_SYSTEM:
            return (reference.identifier.value or "").strip() or None
        target = self.find(
            reference, "Organization", "Location", "HealthcareService", "PractitionerRole"
        )
        resource = target.resource if target is not None else None
        if isinstance(resource, Organization):
            for identifier in resource.identifier or ():
                if identifier.system == FACILITY_SYSTEM and identifier.value:
                    return identifier.value.strip()
            return None
        if isinstance(resource, Location):
            return self._facility_code(resource.managingOrganization, hops=hops - 1)
        if isinstance(resource, HealthcareService):
            return self._facility_code(resource.providedBy, hops=hops - 1)
        if isinstance(resource, PractitionerRole):
            return self._facility_code(resource.organization, hops=hops - 1)
        return None


def _checked_facility(entry: ParsedEntry, at: str, code: str) -> str | None:
    if len(code) != 5 or not code.isalnum():
        entry.problem(at, "bad_facility_code", value=code)
        return None
    return code.upper()


def record_key(entry: ParsedEntry, identifiers: Sequence[Identifier] | None) -> str | None:
    """The record's key at its facility: the visit number of the VN core IG if given, else
    the official identifier, else the first one with a value."""
    candidates = [
        (position, identifier)
        for position, identifier in enumerate(identifiers or ())
        if (identifier.value or "").strip()
    ]
    if not candidates:
        entry.problem("identifier", "required")
        return None
    position, chosen = min(candidates, key=lambda candidate: _key_preference(candidate[1]))
    key = (chosen.value or "").strip()
    if len(key) > KEY_LIMIT:
        entry.problem(f"identifier[{position}].value", "too_long", limit=KEY_LIMIT)
        return None
    return key


def _key_preference(identifier: Identifier) -> int:
    system = identifier.system or ""
    codes = {coding.code for coding in (identifier.type.coding or ())} if identifier.type else set()
    if system.endswith("/VisitNumber") or "VN" in codes:
        return 0
    return 1 if identifier.use == "official" else 2


def _identifier_text(identifier: Identifier | None) -> str:
    if identifier is None:
        return ""
    return f"{identifier.system or ''}|{identifier.value or ''}"


def instant(entry: ParsedEntry, value: object, at: str) -> dt.datetime | None:
    """A FHIR dateTime as an aware instant: a date alone is its midnight in Vietnam."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), VIETNAM_TIME)
    if value is None:
        entry.problem(at, "required")
    else:
        entry.problem(at, "partial_date", value=str(value))
    return None


def day(entry: ParsedEntry, value: object, at: str) -> dt.date | None:
    """A FHIR date or dateTime as the day it was in Vietnam."""
    if isinstance(value, dt.datetime):
        return value.astimezone(VIETNAM_TIME).date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        entry.problem(at, "required")
    else:
        entry.problem(at, "partial_date", value=str(value))
    return None
