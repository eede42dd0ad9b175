"""Typed models of the Skills API (``client.skills``, ``client.beta.skills``) and of user
profiles (``client.user_profiles``, ``client.beta.user_profiles``)."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec

__all__ = [
    "DeletedSkill",
    "DeletedSkillVersion",
    "DeletedUserProfile",
    "Skill",
    "SkillVersion",
    "UserProfile",
    "UserProfileEnrollmentURL",
]


class Skill(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A skill: folders of instructions and scripts the model loads in a container."""

    id: str
    type: str = "skill"
    display_name: str | None = None
    latest_version_id: str | None = None
    source: str | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None


class SkillVersion(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One uploaded version of a skill (``name`` and ``description`` from its SKILL.md)."""

    id: str
    type: str = "skill_version"
    skill_id: str | None = None
    name: str | None = None
    description: str | None = None
    directory: str | None = None
    version: str | None = None
    created_at: datetime.datetime | None = None


class DeletedSkill(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    type: str = "skill_deleted"


class DeletedSkillVersion(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    type: str = "skill_version_deleted"


class UserProfile(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An entity the platform serves (an end user, a customer company): send its ``id`` as
    ``user_profile_id=`` to attribute a request to it."""

    id: str
    type: str = "user_profile"
    name: str | None = None
    access_type: str | None = None
    external_id: str | None = None
    external_user_details: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None
    enforcement_status: str | None = None
    enforcement_actions: list[dict[str, Any]] | None = None
    programs: dict[str, Any] | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None


class DeletedUserProfile(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    type: str = "user_profile_deleted"


class UserProfileEnrollmentURL(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A link for the entity a user profile represents to enroll in a program (valid until
    ``expires_at``)."""

    url: str
    expires_at: datetime.datetime
    type: str = "enrollment_url"
