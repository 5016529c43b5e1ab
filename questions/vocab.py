"""The vocabularies of question banks, defined once: risks, rule outcomes, bank kinds, statuses.

Plain ``StrEnum``s with no Django import, so the rule engine and scoring use them as they are;
the models build their ``choices`` from them (``choices()``). Members are ``str``: they compare
equal to, and are stored as, their values, so the database and the JSON formats are unchanged.
Display labels of review pages live in ``reviews/labels.py``; the labels here are the admin's.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum, nonmember


class Vocabulary(StrEnum):
    """A vocabulary's base: templates may name its members (``report.Status.READY``) without
    Django calling the class, as it does for its own ``TextChoices``."""

    do_not_call_in_templates = nonmember(True)


class Risk(Vocabulary):
    """A question's risk once scored, and a best practice's risk level.

    A native bank gives each best practice one of ``PRACTICE_LEVELS``; scoring gives each
    question any of the six.
    """

    UNANSWERED = "UNANSWERED"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    NONE = "NONE"
    NOT_APPLICABLE = "NOT_APPLICABLE"


PRACTICE_LEVELS = (Risk.HIGH, Risk.MEDIUM, Risk.LOW)


class RuleRisk(Vocabulary):
    """The outcome of a custom-lens risk rule, spelled as in the AWS JSON format."""

    HIGH = "HIGH_RISK"
    MEDIUM = "MEDIUM_RISK"
    NONE = "NO_RISK"


RULE_RISKS = tuple(RuleRisk)


class BankKind(Vocabulary):
    """Native banks store a risk level per best practice; imported banks carry risk rules."""

    NATIVE = "native"
    IMPORTED = "imported"


class VersionStatus(Vocabulary):
    DRAFT = "draft"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"


# A published or deprecated version is frozen: only its status may change.
FROZEN_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.DEPRECATED)

# Labels of the admin's choices (the migrations record them: change them with a migration).
LEVEL_LABELS: dict[str, str] = {Risk.HIGH: "High", Risk.MEDIUM: "Medium", Risk.LOW: "Low"}
RULE_RISK_LABELS: dict[str, str] = {
    RuleRisk.HIGH: "High risk",
    RuleRisk.MEDIUM: "Medium risk",
    RuleRisk.NONE: "No risk",
}
BANK_KIND_LABELS: dict[str, str] = {
    BankKind.NATIVE: "Native (risk levels per best practice)",
    BankKind.IMPORTED: "Imported (risk rules)",
}
VERSION_STATUS_LABELS: dict[str, str] = {
    VersionStatus.DRAFT: "Draft",
    VersionStatus.PUBLISHED: "Published",
    VersionStatus.DEPRECATED: "Deprecated",
}


def choices(labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """A model field's or a form's ``choices`` from an enum's labels, in the enum's order."""
    return [(str(member), label) for member, label in labels.items()]
