"""IST0106 SchemaValidationError from Istio's CRDs (and the Gateway API's, of the channel
chosen): every Istio and Gateway API object checked against
the OpenAPI v3 schema and the CEL rules of its served version, as the API server would
on ``kubectl apply`` (strict field validation: unknown fields are errors).

The runner imports this module only when schema checks are on; the schemas and the
CEL engine load on the first ``analyze``.
"""

from __future__ import annotations

from typing import Callable

from ..model import Analyzer, Context, register


@register
class SchemaValidationAnalyzer(Analyzer):
    name = "schema.ValidationAnalyzer"
    description = "Checks Istio objects against Istio's CRD schemas and their CEL validation rules"

    def analyze(self, ctx: Context, report: Callable[..., None]) -> None:
        from .. import schema

        for resource in ctx.resources:
            for issue in schema.validate(resource.obj, ctx.gateway_api_channel):
                report("SchemaValidationError", resource, issue.text, field=issue.path or None)
