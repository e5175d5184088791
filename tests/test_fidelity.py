"""Items the function does not change are written back as the text they were read from:
comments, explicit tags, anchors within one item, quoting and line ends, in KRM mode
and in plain mode. Only edited items (the Namespace it labels) and generated ones go
through the emitter.

The fixture package is tests/fidelity/pkg (written for these tests). Its three files
each define ``&labels``: one ResourceList under kpt, so the anchor is scoped per item.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fn import yamlnodes as yn
from fn.function import run
from fn.resourcelist import parse_documents, process

PKG = Path(__file__).parent / "fidelity" / "pkg"
FN = Path(sys.executable).with_name("istio-mesh-fn")
RL_HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
GENERATED = {"DestinationRule", "VirtualService", "PeerAuthentication"}


def documents(nl: str = "\n") -> list[str]:
    """The fixture's documents, in file order, each ending in a line break."""
    out = []
    for path in sorted(PKG.glob("*.yaml")):
        for doc in path.read_text().split("\n---\n"):
            out.append(doc.rstrip("\n").replace("\n", nl) + nl)
    return out


def kind_of(doc: str) -> str:
    return yaml.safe_load(doc.replace("!!binary", "!!str"))["kind"]


def as_entry(doc: str, indent: int = 0) -> str:
    """A document written as a block-sequence entry, the way kpt packs it."""
    pad = " " * indent
    lines = doc.splitlines(keepends=True)
    return pad + "- " + lines[0] + "".join(pad + "  " + ln if ln.strip() else ln for ln in lines[1:])


def resource_list(docs: list[str], indent: int = 0, nl: str = "\n") -> str:
    return (RL_HEAD + "items:\n").replace("\n", nl) + "".join(as_entry(d, indent) for d in docs)


def run_ok(text: str):
    out = process(text.encode(), run)
    assert out.fatal is None, out.fatal
    assert out.exit_code == 0, [r.message for r in out.results]
    return out


def items_of(text: str) -> list[dict]:
    # PyYAML's own loader refuses a duplicate anchor in one document; ours reads per item.
    return yn.to_py(parse_documents(text)[0])["items"]


def generated_kinds(objs: list[dict]) -> set[str]:
    return {o["kind"] for o in objs} & GENERATED


@pytest.mark.parametrize("indent", [0, 2])
def test_krm_mode_writes_untouched_items_as_read(indent):
    docs = documents()
    out = run_ok(resource_list(docs, indent))
    for doc in docs:
        if kind_of(doc) != "Namespace":
            assert as_entry(doc, indent) in out.stdout, f"{kind_of(doc)} not written as read"
    # Tags an emitter would drop, anchors and comments are there because the text is.
    for kept in ("!!str 0755", '!!int "8080"', "!!binary aGVsbG8=", "&labels", "*labels", "# the name",
                 "<<:", "'registry.example/cart:1.0'", '"registry.example/cart:2.0"'):
        assert kept in out.stdout
    items = items_of(out.stdout)
    ns = next(i for i in items if i["kind"] == "Namespace")
    assert ns["metadata"]["labels"] == {"team": "payments", "istio-injection": "enabled"}
    assert generated_kinds(items) == GENERATED
    # The edited and the generated items are written at the indentation of the others.
    assert all(ln.startswith(" " * indent + "- ") for ln in out.stdout.splitlines()
               if ln.lstrip().startswith("- apiVersion"))


def test_the_same_anchor_name_in_several_items_is_read_per_item():
    docs = documents()
    assert sum("&labels" in d for d in docs) == 3
    out = run_ok(resource_list(docs))
    items = items_of(out.stdout)
    by_name = {i["metadata"]["name"]: i for i in items}
    assert by_name["cart-v2"]["spec"]["selector"]["matchLabels"] == {"app": "cart", "version": "v2"}
    assert by_name["settings"]["metadata"]["labels"] == {"app": "settings"}


def test_a_merge_key_in_a_service_spec_is_read():
    # The Service's selector and ports come from ``<<:``: routes exist only if they are read.
    out = run_ok(resource_list(documents()))
    items = items_of(out.stdout)
    vs = next(i for i in items if i["kind"] == "VirtualService")
    assert vs["spec"]["http"][0]["route"][0]["destination"] == {"host": "cart", "port": {"number": 8080}}
    dr = next(i for i in items if i["kind"] == "DestinationRule")
    assert [s["name"] for s in dr["spec"]["subsets"]] == ["v1", "v2"]


def test_plain_mode_keeps_crlf_comments_and_tags():
    docs = documents("\r\n")
    stream = "---\r\n".join(docs)
    out = run_ok(stream)
    for doc in docs:
        if kind_of(doc) != "Namespace":
            assert doc in out.stdout, f"{kind_of(doc)} not written as read"
    objs = [d for d in yaml.safe_load_all(out.stdout) if d]
    assert generated_kinds(objs) == GENERATED
    assert next(o for o in objs if o["kind"] == "Namespace")["metadata"]["labels"]["istio-injection"] == "enabled"


def test_plain_mode_unwraps_a_list_and_writes_its_entries_as_read():
    docs = documents()
    listed = "apiVersion: v1\nkind: List\nitems:\n" + "".join(as_entry(d, 2) for d in docs)
    out = run_ok(listed)
    outputs = out.stdout.split("---\n")
    for doc in docs:
        if kind_of(doc) != "Namespace":
            # The entry's lines, moved left to column 0: the document as it was written.
            assert doc in outputs, f"{kind_of(doc)} not written as read"


def test_edited_item_with_an_anchor_is_written_without_it():
    ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: &l {team: a}\n  annotations:\n    copy: x\nx-extra: *l\n"
    out = run_ok(resource_list([ns] + [d for d in documents() if kind_of(d) != "Namespace"]))
    items = items_of(out.stdout)
    got = next(i for i in items if i["kind"] == "Namespace")
    assert got["x-extra"] == {"team": "a"} and got["metadata"]["labels"]["istio-injection"] == "enabled"
    head = out.stdout.split("- apiVersion", 2)[1]
    assert "&l" not in head and "*l" not in head


# --------------------------------------------------------------------- under kpt

# The Kptfile and the kpt lookup (fail under CI, skip elsewhere) are test_kpt_fidelity's.
from test_kpt_fidelity import KPTFILE, kpt  # noqa: E402


def render(dest: Path, exe: str) -> dict[str, bytes]:
    pkg = dest / "pkg"
    shutil.copytree(PKG, pkg)
    (pkg / "Kptfile").write_text(KPTFILE.format(exe=exe))
    proc = subprocess.run([kpt(), "fn", "render", "--allow-exec", str(pkg)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return {p.relative_to(pkg).as_posix(): p.read_bytes() for p in sorted(pkg.rglob("*")) if p.is_file()}


def test_kpt_render_matches_an_identity_render(tmp_path):
    ours = render(tmp_path / "fn", str(FN))
    identity = render(tmp_path / "cat", "/bin/cat")
    for name in ("cart.yaml", "settings.yaml"):
        assert ours[name] == identity[name], f"{name} differs from the identity render"
        # Anchors, aliases and explicit tags are in the files, as kpt hands them back.
        assert b"&labels" in ours[name] and b"*labels" in ours[name] or name == "settings.yaml"
        assert b"!!str 0755" in ours[name]
    assert ours["namespace.yaml"] != identity["namespace.yaml"]
    assert b"istio-injection: enabled" in ours["namespace.yaml"]
    assert set(ours) - set(identity) == {"istio-destinationrule.yaml", "istio-virtualservice.yaml",
                                         "istio/peer-authentication-strict.yaml"}
