"""The analyzer shape shared by the per-kind Istio validation analyzers: istioctl's
``schema.ValidationAnalyzer.<Kind>``, reporting each error as IST0106 and each warning
as IST0133, one finding per message as istioctl splits Istio's multierror."""

from __future__ import annotations


from ..model import GK, Analyzer, Context

# typing is left unimported at run time, for start-up (docs/performance.md, issue 15).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, ClassVar


class IstioValidationAnalyzer(Analyzer):
    kind: ClassVar[GK]

    def analyze(self, ctx: Context, report: Callable[..., None]) -> None:
        resources = ctx.of(self.kind)
        if not resources:
            return
        # The rules load only when there is something of this kind to check.
        from . import validate

        for r in resources:
            result = validate(r.obj, default_namespace=r.ns)
            for err in result.errors:
                report("SchemaValidationError", r, err)
            for warning in result.warnings:
                report("SchemaWarning", r, warning)


def make(kind: GK, module: str) -> type[IstioValidationAnalyzer]:
    """The analyzer for ``kind``, as a class of ``module``: the runner picks analyzers
    for the generator's self-check by the module they live in."""
    return type(f"{kind[1]}IstioValidation", (IstioValidationAnalyzer,), {
        "__module__": module,
        "name": f"schema.ValidationAnalyzer.{kind[1]}",
        "description": f"Runs Istio's own validation (its validating webhook's rules) on '{kind[1]}' resources",
        "kind": kind,
    })
