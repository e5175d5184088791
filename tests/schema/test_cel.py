"""The CEL side: Go's duration and URL parsing, the Kubernetes library functions, and how
a rule's message, messageExpression, fieldPath, reason and oldSelf are honoured."""

from __future__ import annotations

import pytest

from fn.analyze.schema import celrules, golang
from fn.analyze.schema.structural import Node, Walk


# ----------------------------------------------------------------- durations
@pytest.mark.parametrize(
    "text, ns",
    [
        ("0", 0), ("1ns", 1), ("1us", 1_000), ("1\u00b5s", 1_000), ("1\u03bcs", 1_000), ("1ms", 1_000_000),
        ("1.5s", 1_500_000_000), (".5s", 500_000_000), ("1.s", 1_000_000_000), ("1h30m", 5_400_000_000_000),
        ("-1s", -1_000_000_000), ("+2m", 120_000_000_000), ("1m0.5s", 60_500_000_000),
    ],
)
def test_go_durations(text, ns):
    assert golang.parse_duration(text) == ns


@pytest.mark.parametrize(
    "text, error",
    [
        ("", 'time: invalid duration ""'),
        ("1", 'time: missing unit in duration "1"'),
        ("1d", 'time: unknown unit "d" in duration "1d"'),
        ("s", 'time: invalid duration "s"'),
        (".s", 'time: invalid duration ".s"'),
        ("1s-1s", 'time: unknown unit "s-" in duration "1s-1s"'),
        ("3000000h", 'time: invalid duration "3000000h"'),
        (" 1s", 'time: invalid duration " 1s"'),
    ],
)
def test_go_duration_errors(text, error):
    with pytest.raises(ValueError) as e:
        golang.parse_duration(text)
    assert str(e.value) == error


# ----------------------------------------------------------------------- URLs
@pytest.mark.parametrize(
    "raw, scheme, host, path",
    [
        ("https://example.com/keys", "https", "example.com", "/keys"),
        ("HTTP://Example.com:8080/a?b=c", "http", "Example.com:8080", "/a"),
        ("oci://ghcr.io/x/f:1", "oci", "ghcr.io", "/x/f:1"),
        ("file:///opt/f.wasm", "file", "", "/opt/f.wasm"),
        ("/just/a/path", "", "", "/just/a/path"),
        ("http://[::1]:80/", "http", "[::1]:80", "/"),
        ("mailto:someone@example.com", "mailto", "", ""),
        ("http://user:pw@h/", "http", "h", "/"),
    ],
)
def test_parse_request_uri(raw, scheme, host, path):
    u = golang.parse_request_uri(raw)
    assert (u.scheme, u.host, u.path) == (scheme, host, path)


@pytest.mark.parametrize(
    "raw, error",
    [
        ("", "empty url"),
        ("ghcr.io/x/f:1", "invalid URI for request"),
        ("relative/path", "invalid URI for request"),
        (":nope", "missing protocol scheme"),
        ("http://host:port/x", 'invalid port ":port" after host'),
        ("http://a b/", 'invalid character " " in host name'),
        ("http://h/%zz", 'invalid URL escape "%zz"'),
        ("http://h/\x01", "net/url: invalid control character in URL"),
        ("http://[::1/", "missing ']' in host"),
    ],
)
def test_parse_request_uri_errors(raw, error):
    with pytest.raises(ValueError) as e:
        golang.parse_request_uri(raw)
    assert str(e.value).endswith(error)


# ------------------------------------------------------------- the library
def cel_eval(expr: str, **variables):
    program, funcs = celrules.compile_cached(expr)
    result, err = celrules._execute(program, variables, funcs)
    assert err is None, err
    return result


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("duration('1h') > duration('59m')", True),
        ("duration('1\u00b5s') < duration('1ms')", True),
        ("'duration(x)' == 'duration(x)'", True),  # string literals are not rewritten
        ("isURL('https://x/y') && !isURL('x/y')", True),
        ("url('https://h:8443/p?q=1').getScheme()", "https"),
        ("url('https://h:8443/p').getHost()", "h:8443"),
        ("url('https://h:8443/p').getHostname()", "h"),
        ("url('https://h:8443/p').getPort()", "8443"),
        ("url('https://[::1]:8443/p').getHostname()", "::1"),
        ("url('https://h/a%20b').getEscapedPath()", "/a%20b"),
        ("url('https://h/?a=1&a=2&b=').getQuery()", {"a": ["1", "2"], "b": [""]}),
        ("'unix:///a'.substring(7, 8)", "/"),
        ("'hello'.substring(2)", "llo"),
        ("'hello'.charAt(1)", "e"),
        ("'hello'.indexOf('l')", 2),
        ("'hello'.lastIndexOf('l')", 3),
        ("[1, 2, 3].indexOf(2)", 1),
        ("'MiXed'.lowerAscii() + 'MiXed'.upperAscii()", "mixedMIXED"),
        ("'a.b.c'.replace('.', '/')", "a/b/c"),
        ("'a,b,c'.split(',')", ["a", "b", "c"]),
        ("'a,b,c'.split(',', 2)", ["a", "b,c"]),
        ("'  x  '.trim()", "x"),
        ("['a', 'b'].join('-')", "a-b"),
        ("[1, 2, 3].isSorted() && ![2, 1].isSorted()", True),
        ("[1, 2, 3].sum()", 6),
        ("'abc123def'.find('[0-9]+')", "123"),
        ("'a1b22c333'.findAll('[0-9]+')", ["1", "22", "333"]),
        ("self.all(k, self.exists_one(j, j == k))", True),
        ("has(self.a) && !has(self.b)", True),
    ],
)
def test_library_functions(expr, expected):
    variables = {"self": {"a": 1}} if "has(" in expr else {"self": [1, 2]} if "self" in expr else {}
    assert cel_eval(expr, **variables) == expected


@pytest.mark.parametrize(
    "expr, error",
    [
        ("duration('1d') > duration('1s')", 'string to duration conversion failed: time: unknown unit "d" in duration "1d"'),
        ("url('not a url').getScheme() == ''", 'URL parse error during conversion from string: parse "not a url": invalid URI for request'),
        ("'abc'.substring(2, 9) == ''", "index out of range: 9"),
        ("'abc'.substring(2, 1) == ''", "invalid substring range. start: 2, end: 1"),
        ("self.missing == 1", "no such key: missing"),
        ("int('x') == 1", None),  # the engine's own error text
    ],
)
def test_evaluation_errors(expr, error):
    program, funcs = celrules.compile_cached(expr)
    result, err = celrules._execute(program, {"self": {}}, funcs)
    assert result is None and err
    if error is not None:
        assert err == error


def test_programs_are_compiled_once():
    a = celrules.compile_cached("self.size() > 0")
    assert celrules.compile_cached("self.size() > 0") is a
    rule = celrules.Rule({"rule": "self.size() > 0"})
    rule.evaluate("x")
    assert rule._program is a[0]


# ------------------------------------------------------------ rule features
def check(rules, value, schema=None):
    node = Node({"type": "object", "x-kubernetes-preserve-unknown-fields": True, **(schema or {}),
                 "x-kubernetes-validations": rules})
    w = Walk()
    w.rules(node, value, "spec")
    return [i.text for i in w.issues]


def test_message_and_default_message():
    assert check([{"rule": "self.a > 1", "message": "a must exceed 1"}], {"a": 1}) == [
        'spec: Invalid value: "object": a must exceed 1']
    assert check([{"rule": "self.a > 1"}], {"a": 1}) == ['spec: Invalid value: "object": failed rule: self.a > 1']
    assert check([{"rule": "self.a > 1"}], {"a": 2}) == []


def test_message_expression():
    rules = [{"rule": "self.a > 1", "message": "static", "messageExpression": "'a is ' + string(self.a)"}]
    assert check(rules, {"a": 1}) == ['spec: Invalid value: "object": a is 1']
    # A failing, empty or non-string messageExpression falls back to the static message.
    for expr in ("self.nope", "''", "1"):
        assert check([{**rules[0], "messageExpression": expr}], {"a": 1}) == ['spec: Invalid value: "object": static']


def test_field_path_and_reason():
    base = {"rule": "self.a > 1", "message": "too small"}
    assert check([{**base, "fieldPath": ".a"}], {"a": 1}) == ['spec.a: Invalid value: "object": too small']
    assert check([{**base, "fieldPath": ".m['x.y']"}], {"a": 1}) == ['spec.m[x.y]: Invalid value: "object": too small']
    assert check([{**base, "reason": "FieldValueForbidden"}], {"a": 1}) == ["spec: Forbidden: too small"]
    assert check([{**base, "reason": "FieldValueRequired"}], {"a": 1}) == ["spec: Required value: too small"]
    assert check([{**base, "reason": "FieldValueDuplicate"}], {"a": 1}) == ['spec: Duplicate value: "object": too small']


def test_transition_rules_do_not_apply_on_create():
    assert check([{"rule": "self.a == oldSelf.a", "message": "immutable"}], {"a": 1}) == []


def test_rules_never_see_null():
    assert check([{"rule": "false"}], None) == []


def test_rule_scope_is_the_declaring_node():
    # The same rule text at two depths sees its own node as self.
    node = Node({"type": "object", "properties": {
        "a": {"type": "string", "x-kubernetes-validations": [{"rule": "self.size() < 3", "message": "a long"}]},
        "b": {"type": "array", "items": {"type": "string", "x-kubernetes-validations": [
            {"rule": "self.size() < 3", "message": "item long"}]},
              "x-kubernetes-validations": [{"rule": "self.size() < 2", "message": "list long"}]},
    }})
    w = Walk()
    w.rules(node, {"a": "abcd", "b": ["x", "abcd"]}, "spec")
    assert [i.text for i in w.issues] == [
        'spec.a: Invalid value: "string": a long',
        'spec.b: Invalid value: "array": list long',
        'spec.b[1]: Invalid value: "string": item long',
    ]


def test_failing_library_functions_print_nothing(capfd):
    # The engine prints a line of its own when a Python function raises; ours never do.
    from fn.analyze.schema import validate

    from .helpers import obj

    bad = obj("VirtualService", {"hosts": ["r"], "http": [{"timeout": "2d", "route": [{"destination": {"host": "r"}}]}]})
    jwks = obj("RequestAuthentication", {"jwtRules": [{"issuer": "i", "jwksUri": "not a url"}]})
    assert len(validate(bad)) == 1 and len(validate(jwks)) == 1
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_an_error_absorbed_by_a_rule_that_holds_is_no_error():
    # CEL's || absorbs an error when the other side is true.
    program, funcs = celrules.compile_cached("duration(self) > duration('1s') || true")
    assert celrules._execute(program, {"self": "bad"}, funcs) == (True, None)
    program, funcs = celrules.compile_cached("duration(self) > duration('1s') && true")
    result, err = celrules._execute(program, {"self": "bad"}, funcs)
    assert result is None and err.startswith("string to duration conversion failed")


@pytest.mark.parametrize(
    "source, rewritten",
    [
        ("duration(self) >= duration('1ms')", "k8s_duration(self) >= k8s_duration('1ms')"),
        ('self.duration > duration ("1s")', 'self.duration > k8s_duration ("1s")'),
        ("\"duration(x)\" == 'duration('", "\"duration(x)\" == 'duration('"),
        ("'''duration(''' + duration('1s')", "'''duration(''' + k8s_duration('1s')"),
        ("myduration(x) + duration_x(1)", "myduration(x) + duration_x(1)"),
    ],
)
def test_only_calls_of_duration_are_rewritten(source, rewritten):
    assert celrules.rewrite(source) == rewritten


def test_a_field_called_duration_is_read_as_a_field():
    program, funcs = celrules.compile_cached("duration(self.duration) >= duration('1ms')")
    assert celrules._execute(program, {"self": {"duration": "5ms"}}, funcs) == (True, None)


def test_a_rule_the_engine_cannot_compile_is_reported_not_raised():
    texts_ = check([{"rule": "self.a >", "message": "broken"}], {"a": 1})
    assert len(texts_) == 1 and texts_[0].startswith('spec: Invalid value: "object": rule compilation failed: ')
    assert texts_[0].endswith(" evaluating rule: broken")
