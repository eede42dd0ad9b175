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


class _Object(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An object of these APIs: its ``id``, then its ``type`` (each class's default)."""

    id: str


class Skill(_Object, kw_only=True):
    """A skill: folders of instructions and scripts the model loads in a container."""

    type: str = "skill"
    display_name: str | None = None
    latest_version_id: str | None = None
    source: str | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None


class SkillVersion(_Object, kw_only=True):
    """One uploaded version of a skill (``name`` and ``description`` from its SKILL.md)."""

    type: str = "skill_version"
    skill_id: str | None = None
    name: str | None = None
    description: str | None = None
    directory: str | None = None
    version: str | None = None
    created_at: datetime.datetime | None = None


class DeletedSkill(_Object, kw_only=True):
    type: str = "skill_deleted"


class DeletedSkillVersion(_Object, kw_only=True):
    type: str = "skill_version_deleted"


class UserProfile(_Object, kw_only=True):
    """An entity the platform serves (an end user, a customer company): send its ``id`` as
    ``user_profile_id=`` to attribute a request to it."""

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


class DeletedUserProfile(_Object, kw_only=True):
    type: str = "user_profile_deleted"


class UserProfileEnrollmentURL(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A link for the entity a user profile represents to enroll in a program (valid until
    ``expires_at``)."""

    url: str
    expires_at: datetime.datetime
    type: str = "enrollment_url"
