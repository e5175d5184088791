"""Unit cases of the resilience analyzers (issue 13): what each reports, and the nearby
configurations it must stay silent on."""

from __future__ import annotations

import pytest

from .test_analyzers import DEPLOY, SVC, docs, dr, vs

OD = "    outlierDetection: {consecutive5xxErrors: %s, consecutiveGatewayErrors: %s}\n"
SPLIT = ("  hosts: [reviews]\n  http:\n  - route:\n"
         "    - {destination: {host: reviews, subset: v1}, weight: %d}\n"
         "    - {destination: {host: reviews, subset: %s}, weight: %d}")
SUBSETS = "  host: reviews\n  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]"

RESILIENCE_CASES = {
    "od-gateway-above-5xx": (
        "destinationrule.OutlierGatewayErrorsAnalyzer",
        docs(SVC, dr("reviews", "  host: reviews\n  trafficPolicy:\n" + OD % (3, 5))),
        [("OutlierGatewayErrorsShadowed", "DestinationRule shop/reviews", "consecutiveGatewayErrors 5 >= consecutive5xxErrors 3")],
    ),
    "od-gateway-vs-envoy-default-5xx": (
        "destinationrule.OutlierGatewayErrorsAnalyzer",
        docs(SVC, dr("reviews", "  host: reviews\n  trafficPolicy:\n    outlierDetection: {consecutiveGatewayErrors: 7}")),
        [("OutlierGatewayErrorsShadowed", "DestinationRule shop/reviews", ">= consecutive5xxErrors 5")],
    ),
    "od-5xx-off-is-fine": (
        "destinationrule.OutlierGatewayErrorsAnalyzer",
        docs(SVC, dr("reviews", "  host: reviews\n  trafficPolicy:\n" + OD % (0, 5))),
        [],
    ),
    "od-subset-policy": (
        "destinationrule.OutlierGatewayErrorsAnalyzer",
        docs(SVC, dr("reviews", "  host: reviews\n  subsets:\n  - name: v1\n    labels: {version: v1}\n"
                                "    trafficPolicy:\n      outlierDetection: {consecutive5xxErrors: 2, "
                                "consecutiveGatewayErrors: 2}")),
        [("OutlierGatewayErrorsShadowed", "DestinationRule shop/reviews", "2 >= consecutive5xxErrors 2")],
    ),
    "od-without-locality": (
        "destinationrule.OutlierLocalityAnalyzer",
        docs(SVC, dr("reviews", "  host: reviews\n  trafficPolicy:\n    outlierDetection: {}")),
        [("OutlierDetectionImpliesLocalityFailover", "DestinationRule shop/reviews", "locality failover on")],
    ),
    "od-with-locality": (
        "destinationrule.OutlierLocalityAnalyzer",
        docs(SVC, dr("reviews", "  host: reviews\n  trafficPolicy:\n    loadBalancer: {localityLbSetting: "
                                "{enabled: false}}\n    outlierDetection: {}")),
        [],
    ),
    "weights-not-100": (
        "virtualservice.RouteWeightsAnalyzer",
        docs(SVC, vs("reviews", SPLIT % (90, "v2", 20))),
        [("RouteWeightsNotHundred", "VirtualService shop/reviews", "sum to 110")],
    ),
    "weights-100": (
        "virtualservice.RouteWeightsAnalyzer",
        docs(SVC, vs("reviews", SPLIT % (90, "v2", 10))),
        [],
    ),
    "split-to-undefined-subset": (
        "virtualservice.SplitSubsetAnalyzer",
        docs(SVC, DEPLOY, dr("reviews", SUBSETS), vs("reviews", SPLIT % (90, "v3", 10))),
        [("SplitToMissingSubset", "VirtualService shop/reviews", 'subset "v3" of "reviews", which no DestinationRule')],
    ),
    "split-to-subset-without-workload": (
        "virtualservice.SplitSubsetAnalyzer",
        docs(SVC, DEPLOY, dr("reviews", SUBSETS), vs("reviews", SPLIT % (90, "v2", 10))),
        [("SplitToMissingSubset", "VirtualService shop/reviews", "selects no workload")],
    ),
    "split-to-present-subsets": (
        "virtualservice.SplitSubsetAnalyzer",
        docs(SVC, DEPLOY, DEPLOY.replace("v1", "v2"), dr("reviews", SUBSETS), vs("reviews", SPLIT % (90, "v2", 10))),
        [],
    ),
    "second-dr-policy-ignored": (
        "destinationrule.ConflictingTrafficPolicyAnalyzer",
        docs(SVC, dr("a-reviews", "  host: reviews\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"),
             dr("b-reviews", "  host: reviews.shop.svc.cluster.local\n  trafficPolicy:\n" + OD % (0, 5))),
        [("DestinationRuleTrafficPolicyIgnored", "DestinationRule shop/b-reviews", "shop/a-reviews")],
    ),
    "second-dr-subsets-only-is-fine": (
        "destinationrule.ConflictingTrafficPolicyAnalyzer",
        docs(SVC, dr("a-reviews", "  host: reviews\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"),
             dr("b-reviews", SUBSETS)),
        [],
    ),
    "second-dr-other-namespace-is-separate": (
        "destinationrule.ConflictingTrafficPolicyAnalyzer",
        docs(SVC, dr("a-reviews", "  host: reviews.shop.svc.cluster.local\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}"),
             dr("b-reviews", "  host: reviews.shop.svc.cluster.local\n  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}",
                ns="other")),
        [],
    ),
}


@pytest.mark.parametrize("case", sorted(RESILIENCE_CASES))
def test_resilience_analyzer(case, analyze_text):
    analyzer, text, expected = RESILIENCE_CASES[case]
    findings = analyze_text(text, analyzers=[analyzer])
    got = sorted((f.name, f.resource.ref()) for f in findings)
    assert got == sorted((name, ref) for name, ref, _ in expected), [f.message for f in findings]
    for name, ref, fragment in expected:
        messages = [f.message for f in findings if f.name == name and f.resource.ref() == ref]
        assert any(fragment in m for m in messages), (fragment, messages)
