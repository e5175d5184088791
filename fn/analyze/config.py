"""The validator's function config (kind ``IstioMeshValidator``): pydantic models in the
shape of a CRD, and a loader that reports every problem at once, like ``fn/config/``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from .. import configbase
from ..configbase import Metadata, Model, ref_of, report
from ..results import Results

API_VERSION = "istio-mesh-fn.dev/v1alpha1"
KIND = "IstioMeshValidator"


class ValidatorSpec(Model):
    """What to check and when to fail."""

    fail_on: Literal["Error", "Warning", "Info"] = Field(
        "Error", description="Findings at or above this level are error results (non-zero exit)."
    )
    schema_: bool = Field(
        True, alias="schema",
        description="Also check objects against Istio's CRD schemas and CEL rules (when installed).",
    )
    gateway_api_channel: Literal["standard", "experimental"] = Field(
        "standard", description="Gateway API CRD channel the schema checks use for Gateway API objects.",
    )
    # An empty list would run nothing and pass whatever the input: refused, like an
    # empty `analyze --analyzers`.
    analyzers: list[str] | None = Field(
        None, min_length=1,
        description="istioctl analyzer names to run (e.g. virtualservice.DestinationRuleAnalyzer). Unset: all.",
    )
    mesh_config: dict[str, Any] | None = Field(
        None, description="MeshConfig to analyze with (e.g. rootNamespace). Unset: the input's istio ConfigMap, "
        "else Istio's defaults.",
    )

    @field_validator("analyzers")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return value
        from . import runner

        known = runner.names(schema=False)
        unknown = [v for v in value if v not in known]
        if unknown and runner.schema_available():
            # Only a name the plain analyzers lack is worth loading the schema machinery for.
            known = runner.names(schema=True)
            unknown = [v for v in value if v not in known]
        if unknown:
            raise ValueError(f"unknown analyzer {', '.join(unknown)}; allowed: {', '.join(sorted(known))}")
        return value


class IstioMeshValidator(Model):
    """The validator's typed function config: run the analyzers, pass items through."""

    api_version: Literal["istio-mesh-fn.dev/v1alpha1"] = API_VERSION
    kind: Literal["IstioMeshValidator"] = KIND
    metadata: Metadata = Field(default_factory=Metadata)
    spec: ValidatorSpec = Field(default_factory=ValidatorSpec)


def load(obj: dict[str, Any], results: Results) -> ValidatorSpec | None:
    """The spec, or None after adding one error result per problem."""
    ref = ref_of(obj)
    try:
        return IstioMeshValidator.model_validate(obj).spec
    except ValidationError as exc:
        report(exc, results, IstioMeshValidator, ref)
        return None


def json_schema() -> dict[str, Any]:
    return configbase.json_schema(IstioMeshValidator, "IstioMeshValidator function config (istio-mesh-fn)")
