"""What schema validation reports: one field error, the way the API server words it."""

from __future__ import annotations

from ...records import record


@record
class Issue:
    """One schema violation.

    ``path`` is the field (``spec.http[0].timeout``; map keys as ``labels[app]``; empty
    for the object as a whole). ``message`` is the error body after the path, e.g.
    ``Invalid value: "string": must be a valid duration greater than 1ms``. ``kind``
    says which check failed: unknown, type, required, unsupported (enum), too-long,
    too-many, invalid, duplicate, rule (CEL), meta, or kind (not served).
    """

    path: str
    message: str
    kind: str = "invalid"
    rule: str | None = None  # the CEL rule's source, for kind == "rule"

    @property
    def text(self) -> str:
        """The whole error as ``kubectl apply`` prints it."""
        if self.kind == "unknown":
            return f'unknown field "{self.path}"'
        return f"{self.path}: {self.message}" if self.path else self.message

    def __str__(self) -> str:
        return self.text
