"""The audit actions of the questions app (recorded with ``accounts.audit.audit_record``)."""

from __future__ import annotations

from enum import StrEnum


class LensAction(StrEnum):
    IMPORTED = "lens.imported"
    IMPORT_REFUSED = "lens.import_refused"
    EXPORTED = "lens.exported"
    DRAFT_CREATED = "lens.draft_created"
    PUBLISHED = "lens.published"
    DEPRECATED = "lens.deprecated"
