"""ServiceEntries visible in one namespace must agree on the protocol of a host and
port; otherwise which one wins is undefined."""

from __future__ import annotations

from ..model import SERVICE_ENTRY, Analyzer, Context, Resource, register
from ..util import EXPORT_ALL, as_dict, as_int, as_list, as_str, export_scopes


@register
class ConflictingServiceEntryProtocolAnalyzer(Analyzer):
    name = "serviceentry.ConflictingServiceEntryProtocolAnalyzer"
    description = "Checks if multiple ServiceEntries define the same host and port with different protocols"

    def analyze(self, ctx: Context, report) -> None:
        index: dict[tuple[str, str, int], list[tuple[str, Resource]]] = {}
        for se in ctx.of(SERVICE_ENTRY):
            scopes = sorted(export_scopes(se.spec.get("exportTo"), se.ns))
            hosts = [as_str(h) for h in as_list(se.spec.get("hosts"))]
            ports = [as_dict(p) for p in as_list(se.spec.get("ports"))]
            for scope in scopes:
                for h in hosts:
                    for p in ports:
                        key = (scope, h, as_int(p.get("number")) or 0)
                        index.setdefault(key, []).append((as_str(p.get("protocol")), se))

        reported: set[int] = set()
        for (scope, host, port), entries in index.items():
            if scope != EXPORT_ALL:
                entries = entries + index.get((EXPORT_ALL, host, port), [])
            protocols = sorted({p.upper() for p, _ in entries})
            if len(protocols) < 2:
                continue
            names = ", ".join(sorted({se.full_name() for _, se in entries}))
            for _, se in entries:
                if id(se) in reported:
                    continue
                reported.add(id(se))
                report("ConflictingServiceEntryProtocol", se, names, host, port, ", ".join(protocols))
