"""The default analyzer set is exactly the documented one, and a default run runs it all."""

import re
from pathlib import Path

from fn.analyze import runner

DOC = Path(__file__).resolve().parents[2] / "docs" / "analyzers.md"


def documented() -> list[str]:
    text = DOC.read_text()
    block = text[text.index("<!-- analyzers:start -->"):text.index("<!-- analyzers:end -->")]
    return re.findall(r"^- `([^`]+)`$", block, flags=re.M)


def test_default_selection_equals_the_documented_list():
    names = list(dict.fromkeys(c.name for c in runner.select(None, schema=runner.schema_available())))
    assert names == documented()


def test_a_default_run_calls_every_documented_analyzer(monkeypatch):
    called = []
    for cls in runner.select(None, schema=runner.schema_available()):
        original = cls.analyze

        def spy(self, ctx, report, _original=original, _name=cls.name):
            called.append(_name)
            return _original(self, ctx, report)

        monkeypatch.setattr(cls, "analyze", spy)
    runner.run([], schema=runner.schema_available())
    assert sorted(set(called)) == sorted(documented())


def test_families_for_the_generator_are_a_subset_of_the_default():
    from fn.analyze.krm import GENERATED_FAMILIES

    chosen = {c.name for c in runner.select(None, families=GENERATED_FAMILIES)}
    assert chosen and chosen <= set(documented())
    assert {"virtualservice.DestinationRuleAnalyzer", "destinationrule.PodNotSelectedAnalyzer"} <= chosen
