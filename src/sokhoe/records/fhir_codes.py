"""The code systems and identifier systems a FHIR bundle is read with: which identifier is a
personal ID, a BHYT card, a facility code; which coding is ICD-10, a vaccine, a referral.

Systems follow the draft Vietnamese core IG (``hl7vn/vn-core-ig``, canonical
``http://fhir.ehealth.gov.vn/core``: ``…/sid/national_id``, ``…/sid/insurance_number``,
``…/sid/patient-internal-id``; or the IG's NamingSystem, ``…/NamingSystem/national-id``), and,
for a sender that uses no IG, the HL7 v2 identifier types (``NI``, ``NNVNM``, ``SB``, ``MR``,
``PI``) in ``Identifier.type``. Nothing in the IG names a facility, so Sổ Khỏe publishes its own
system for the 5-character ``MA_CSKCB``, and one for the TCMR vaccine codes; and, for what QĐ 130
says of a visit and FHIR has no element for (its kind, outcome and re-exam day), codes that its
book export writes (:mod:`~sokhoe.records.book_fhir`) and the reader takes from any sender.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.identifier import Identifier

from sokhoe.records.vaccines import VACCINES

VN_CORE = "http://fhir.ehealth.gov.vn/core/"
#: The personal-ID system written in the bundles Sổ Khỏe makes.
PERSON_ID_SYSTEM = VN_CORE + "sid/national_id"
#: An ``Organization.identifier`` (or a logical reference's identifier) naming a facility by its
#: ``MA_CSKCB``.
FACILITY_SYSTEM = "https://sokhoe.vn/fhir/sid/ma-cskcb"
#: Our vaccine codes, those of :data:`sokhoe.records.vaccines.VACCINES`.
VACCINE_SYSTEM = "https://sokhoe.vn/fhir/CodeSystem/tcmr-vaccine"
CVX_SYSTEM = "http://hl7.org/fhir/sid/cvx"
#: QĐ 130's ``MA_LOAI_KCB`` in ``Encounter.type``: the visit's kind, finer than its class.
VISIT_TYPE_SYSTEM = "https://sokhoe.vn/fhir/CodeSystem/ma-loai-kcb"
VISIT_TYPE_CODES = frozenset(f"{n:02d}" for n in range(1, 11))
#: QĐ 130's ``KET_QUA_DTRI`` in ``Encounter.hospitalization.dischargeDisposition``.
OUTCOME_SYSTEM = "https://sokhoe.vn/fhir/CodeSystem/ket-qua-dtri"
OUTCOME_CODES = frozenset("12345678")
#: QĐ 130's ``NGAY_TAI_KHAM``: an ``Encounter`` extension whose ``valueDate`` is the re-exam day.
RE_EXAM_EXTENSION = "https://sokhoe.vn/fhir/StructureDefinition/ngay-tai-kham"
#: The ICD-10 system written in the bundles Sổ Khỏe makes (any of :data:`ICD10_SYSTEMS` is read).
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
ICD10_SYSTEMS = frozenset(
    {
        ICD10_SYSTEM,
        "http://terminology.hl7.org/CodeSystem/icd10",  # as the VN core IG names it
        "urn:oid:2.16.840.1.113883.6.3",
    }
)

#: The kinds of patient identifier, by the last segment of a VN core system…
_VN_CORE_KINDS = {
    "national_id": "person_id",
    "citizen_id": "citizen_id",  # the old CMND (9 digits) or a CCCD: taken when it has 12
    "insurance_number": "card_number",
    "patient_internal_id": "patient_code",
}
#: … or by the HL7 v2 identifier type (table 0203; ``NNVNM``: national number of Vietnam).
_TYPE_KINDS = {
    "NI": "person_id",
    "NNVNM": "person_id",
    "SB": "card_number",
    "MR": "patient_code",
    "PI": "patient_code",
}

#: CVX codes (as in the VN core IG's vaccine value set) of the TCMR vaccines.
CVX_VACCINES = {
    "19": "BCG",
    "08": "HEPB",
    "45": "HEPB",
    "102": "DTAP_HEPB_HIB",  # DTP-Hib-HepB, the programme's 5-in-1
    "198": "DTAP_HEPB_HIB",  # pentavalent, non-US
    "02": "OPV",
    "178": "OPV",
    "179": "OPV",
    "182": "OPV",
    "10": "IPV",
    "05": "MEASLES",
    "01": "DTP",
    "20": "DTP",
    "107": "DTP",
    "04": "MR",
    "39": "JE",
    "129": "JE",
    "134": "JE",
}

#: ``Encounter.class`` (v3 ActCode) → ``MA_LOAI_KCB``. QĐ 130 has no emergency type (an
#: emergency is its reason for admission, ``MA_LYDO_VV``): an emergency visit not admitted is
#: a consultation, ``01``.
VISIT_TYPES = {
    "AMB": "01",
    "VR": "01",
    "HH": "01",
    "EMER": "01",
    "IMP": "03",
    "ACUTE": "03",
    "NONAC": "03",
    "SS": "04",
}

#: Codings that make a ``ServiceRequest`` a referral letter (SNOMED CT: patient referral,
#: referral to service; LOINC: referral note).
REFERRAL_CODES = frozenset(
    {
        ("http://snomed.info/sct", "3457005"),
        ("http://snomed.info/sct", "306206005"),
        ("http://loinc.org", "57133-1"),
    }
)

#: Statuses whose resource is not something that happened (or will) and stays out of the book.
NOT_RECORDED = frozenset(
    {"entered-in-error", "cancelled", "not-done", "noshow", "revoked", "refuted"}
)


def codings(concepts: Iterable[CodeableConcept | None] | None) -> Iterator[Coding]:
    """Every coding of some codeable concepts, in order."""
    for concept in concepts or ():
        if concept is not None:
            yield from concept.coding or ()


def identifier_kind(identifier: Identifier) -> str | None:
    """``person_id``, ``citizen_id``, ``card_number``, ``patient_code`` or ``None``."""
    system = identifier.system or ""
    if system.startswith(VN_CORE):
        # The last segment, as in …/sid/national_id or the IG's NamingSystem ids
        # (…/NamingSystem/national-id, …/NamingSystem/sid-citizen-id).
        last = system.rstrip("/").rsplit("/", 1)[-1].lower().replace("-", "_")
        segment = last.removeprefix("sid_")
        if segment in _VN_CORE_KINDS:
            return _VN_CORE_KINDS[segment]
    concept = identifier.type
    if concept is None:
        return None
    codes = [coding.code for coding in concept.coding or ()]
    for code in [*codes, (concept.text or "").strip()]:
        if code in _TYPE_KINDS:
            return _TYPE_KINDS[code]
    return None


def vaccine_code(coding: Coding) -> str | None:
    """The TCMR vaccine a coding names, or ``None`` (another vaccine, another system)."""
    if coding.system == VACCINE_SYSTEM:
        return coding.code if coding.code in VACCINES else None
    if coding.system == CVX_SYSTEM and coding.code:
        return CVX_VACCINES.get(coding.code.lstrip("0").zfill(2))
    return None
