"""fn.k8snames checks names with character sets (start-up, issue 15). They must accept
exactly what Kubernetes' patterns accept as a whole string."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from fn.k8snames import is_dns_1035_label, is_dns_label, is_dns_subdomain, is_label_value, label_key_problem

# k8s.io/apimachinery/pkg/util/validation
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")

NAMES = st.text(alphabet=st.sampled_from("abz09AZ-._/\n é"), max_size=70) | st.text(max_size=12)


@settings(max_examples=3000, deadline=None)
@given(NAMES)
@example("a" * 63)
@example("a" * 64)
@example("cart\n")
@example("a." * 126 + "a")
@example("a." * 127 + "a")
def test_the_checks_accept_exactly_what_the_patterns_accept(value):
    assert is_dns_label(value) == (len(value) <= 63 and DNS_LABEL.fullmatch(value) is not None)
    assert is_dns_subdomain(value) == (len(value) <= 253 and DNS_SUBDOMAIN.fullmatch(value) is not None)
    assert is_label_value(value) == (not value or (len(value) <= 63 and LABEL_NAME.fullmatch(value) is not None))
    assert is_dns_1035_label(value) == (is_dns_label(value) and value[:1].isalpha())
    prefix, _, name = value.rpartition("/")
    valid_key = ((not prefix or (len(prefix) <= 253 and DNS_SUBDOMAIN.fullmatch(prefix) is not None))
                 and 0 < len(name) <= 63 and LABEL_NAME.fullmatch(name) is not None)
    assert (label_key_problem(value) is None) == valid_key


def test_a_trailing_newline_is_not_part_of_a_valid_name():
    # The patterns these replaced used match() with $, which accepts "cart\n".
    assert not is_dns_label("cart\n") and not is_dns_subdomain("a.b\n") and not is_label_value("v1\n")
