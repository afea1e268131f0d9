"""The fixed set of roles, their Vietnamese labels, and which territory or person each covers.

A role alone never grants access to personal data: the account's *scope* (a person, a
facility, a commune with its villages, a province) limits what it sees. Which scope fields a
role needs is declared here once, so account creation (``service.create_user``) and the
access checks (``scope.Actor``) cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"
    CLINIC_STAFF = "clinic_staff"
    BHXH_OFFICER = "bhxh_officer"
    COMMUNE_OFFICER = "commune_officer"
    POLICE_OFFICER = "police_officer"
    GUIDANCE_MEMBER = "guidance_member"
    HEALTH_DEPARTMENT = "health_department"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.CITIZEN: "Công dân",
    Role.CLINIC_STAFF: "Nhân viên cơ sở y tế",
    Role.BHXH_OFFICER: "Cán bộ BHXH",
    Role.COMMUNE_OFFICER: "Cán bộ xã/phường",
    Role.POLICE_OFFICER: "Công an",
    Role.GUIDANCE_MEMBER: "Thành viên tổ hướng dẫn",
    Role.HEALTH_DEPARTMENT: "Sở Y tế",
    Role.ADMIN: "Quản trị hệ thống",
}


class ScopeKind(StrEnum):
    """What an account of a role is bound to, and so which scope fields it must carry."""

    #: No territory and no person: the administrator manages accounts and the audit chain
    #: only, and never sees personal data.
    NONE = "none"
    #: ``person_id``: the citizen himself (and the children he is guardian of).
    PERSON = "person"
    #: ``facility_code``; the province is taken from the facility.
    FACILITY = "facility"
    #: ``province_code``.
    PROVINCE = "province"
    #: ``commune_code``; the province is taken from the commune.
    COMMUNE = "commune"
    #: ``commune_code`` (a commune police station) or else ``province_code`` (provincial police).
    COMMUNE_OR_PROVINCE = "commune_or_province"
    #: ``commune_code`` and at least one of its villages (``village_ids``), door to door (R12).
    VILLAGES = "villages"


ROLE_SCOPE: dict[Role, ScopeKind] = {
    Role.CITIZEN: ScopeKind.PERSON,
    Role.CLINIC_STAFF: ScopeKind.FACILITY,
    Role.BHXH_OFFICER: ScopeKind.PROVINCE,
    Role.COMMUNE_OFFICER: ScopeKind.COMMUNE,
    Role.POLICE_OFFICER: ScopeKind.COMMUNE_OR_PROVINCE,
    Role.GUIDANCE_MEMBER: ScopeKind.VILLAGES,
    Role.HEALTH_DEPARTMENT: ScopeKind.PROVINCE,
    Role.ADMIN: ScopeKind.NONE,
}

#: The scope fields an account of each kind may carry. Those named in :class:`ScopeKind`'s
#: comments are required; ``province_code`` beside a unit is optional and must match it.
SCOPE_FIELDS: dict[ScopeKind, frozenset[str]] = {
    ScopeKind.NONE: frozenset(),
    ScopeKind.PERSON: frozenset({"person_id"}),
    ScopeKind.FACILITY: frozenset({"facility_code", "province_code"}),
    ScopeKind.PROVINCE: frozenset({"province_code"}),
    ScopeKind.COMMUNE: frozenset({"commune_code", "province_code"}),
    ScopeKind.COMMUNE_OR_PROVINCE: frozenset({"commune_code", "province_code"}),
    ScopeKind.VILLAGES: frozenset({"commune_code", "province_code", "village_ids"}),
}
