"""The typed settings the core reads stay field-for-field equal to the config models, and
every config form turns into the same frozen objects."""

import dataclasses
import json

import pytest
from pydantic import BaseModel

from fn import config, settings as st
from fn.results import Results

PAIRS = [
    (st.Settings, config.MeshSpec), (st.Injection, config.Injection), (st.MTLS, config.MTLS),
    (st.DestinationRuleSettings, config.DestinationRuleConfig), (st.VirtualServiceSettings, config.VirtualServiceConfig),
    (st.Retries, config.Retries), (st.Hosts, config.Hosts), (st.Paths, config.Paths), (st.Routing, config.Routing), (st.Exclude, config.Exclude),
    (st.Analyze, config.Analyze), (st.Kustomize, config.Kustomize), (st.LabelSelector, config.LabelSelector), (st.LabelRequirement, config.LabelRequirement),
    # resilience (issue 13)
    (st.Resilience, config.Resilience), (st.OutlierDetection, config.OutlierDetection),
    (st.ConnectionPool, config.ConnectionPool), (st.TcpPool, config.TcpPool), (st.HttpPool, config.HttpPool),
    (st.Split, config.Split), (st.SplitMatch, config.SplitMatch), (st.StringMatch, config.StringMatch),
    (st.Authorization, config.Authorization), (st.AllowRule, config.AllowRule), (st.IngressGateway, config.IngressGateway),
    (st.RequestAuthentication, config.RequestAuthentication), (st.JwtProvider, config.JwtProvider), (st.Egress, config.Egress),
]


@pytest.mark.parametrize("typed,model", PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_dataclass_fields_equal_the_models(typed, model: type[BaseModel]):
    assert st.field_names(typed) == list(model.model_fields)


def test_override_fields_equal_the_model_plus_what_was_given():
    assert st.field_names(st.ServiceOverride) == [*config.ServiceOverride.model_fields, "given"]
    assert st.field_names(st.RetriesOverride) == [*config.Retries.model_fields, "given"]
    assert st.field_names(st.PortOverride) == [*config.PortOverride.model_fields, "given"]


def test_defaults_file_and_models_give_equal_settings():
    results = Results()
    typed = st.load_settings({"apiVersion": st.API_VERSION, "kind": st.KIND, "spec": {}}, results)
    assert not results
    assert typed == st.default_settings() == st.Settings()


def test_settings_are_frozen():
    s = st.default_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.mtls = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.virtual_service.timeout = "1s"  # type: ignore[misc]


def test_override_remembers_an_explicit_null_apart_from_an_absent_field():
    results = Results()
    s = st.load_settings({"apiVersion": st.API_VERSION, "kind": st.KIND, "spec": {"services": [
        {"name": "a", "timeout": None}, {"name": "b", "retries": {"attempts": 1}}]}}, results)
    a, b = s.services
    assert "timeout" in a.given and a.timeout is None
    assert "timeout" not in b.given
    assert b.retries.given == {"attempts"} and b.retries.attempts == 1


def test_configmap_and_typed_forms_agree():
    r1, r2 = Results(), Results()
    flat = st.load_settings({"apiVersion": "v1", "kind": "ConfigMap", "data": {"timeout": "9s", "retryAttempts": "2"}}, r1)
    typed = st.load_settings({"apiVersion": st.API_VERSION, "kind": st.KIND,
                              "spec": {"virtualService": {"timeout": "9s", "retries": {"attempts": 2}}}}, r2)
    assert not r1 and not r2 and flat == typed
    assert typed.virtual_service.timeout == "9s" and typed.virtual_service.retries.attempts == 2


def test_the_no_config_path_reads_the_committed_defaults_without_pydantic():
    import subprocess
    import sys

    code = ("import sys; from fn.settings import default_settings; default_settings(); "
            "print(json.dumps(['pydantic' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [False]
