"""``kg/vocab.py`` agrees with ``ontology/medfuse.ttl``."""

from __future__ import annotations

from importlib.resources import files

from rdflib import Graph, URIRef

from medfuse.kg.vocab import MF


def test_vocab_module_matches_the_turtle() -> None:
    graph = Graph().parse(data=files("medfuse.ontology").joinpath("medfuse.ttl").read_text(), format="turtle")
    ns = str(MF._NS)
    in_ttl = {str(s)[len(ns):] for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(ns)}
    in_module = set(MF.__annotations__)
    assert in_ttl == in_module, (
        f"only in medfuse.ttl: {sorted(in_ttl - in_module)}; only in kg/vocab.py: {sorted(in_module - in_ttl)}"
    )
