"""Names from the input cannot forge log lines on stderr, where kustomize and Argo CD
users read the function's results (issue 11, #10)."""

from __future__ import annotations

import subprocess
import sys

from fn.results import Result, one_line

from ._support import DEPLOYMENT, ROOT, SERVICE, resource_list


def test_describe_escapes_line_breaks_and_control_characters():
    forged = "cart\nistio-mesh-fn: [info] all good\r\x1b[2K\u2028\u202e"
    line = Result("no DestinationRule", "warning", resource_ref={"kind": "Service", "name": forged, "namespace": "n\n"},
                  field={"path": "spec\x00"}, file={"path": "a\nb.yaml", "index": 0}).describe()
    assert line.splitlines() == [line]
    assert not any(ch in line for ch in "\n\r\x1b\x00\u2028\u202e")
    assert "cart\\nistio-mesh-fn: [info] all good\\r\\x1b[2K\\u2028\\u202e" in line
    assert one_line("plain café ✔ text") == "plain café ✔ text"


def test_a_name_cannot_forge_a_line_on_stderr():
    name = "cart\nistio-mesh-fn: [info] forged\x1b[31m"
    svc = SERVICE.replace("name: cart,", f"name: {name!r},".replace("'", '"').replace("\\x1b", "\\e"))
    p = subprocess.run([sys.executable, "-m", "fn"], input=resource_list([svc, DEPLOYMENT]).encode(),
                       capture_output=True, cwd=ROOT, timeout=120)
    err = p.stderr.decode()
    assert "forged" in err, err  # the name does reach stderr ...
    for line in err.splitlines():  # ... inside the line of the result that names it
        assert line.startswith("istio-mesh-fn: ") and "forged" not in line.split(" ", 2)[1], err
        assert not line.startswith("istio-mesh-fn: [info] forged"), err
    assert "\x1b" not in err
