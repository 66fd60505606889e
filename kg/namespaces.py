"""Namespaces and the CURIE converter shared by every part of medfuse.

This module imports only :mod:`medfuse.kg.vocab`, so loaders and the ontology regeneration script
can use it without pulling in a store.

>>> expand("UBERON:0002107")
'http://purl.obolibrary.org/obo/UBERON_0002107'
>>> compress("http://dicom.nema.org/resources/ontology/DCM/CT")
'DCM:CT'
"""

from __future__ import annotations

from functools import cache

import curies
from rdflib import Namespace, URIRef

from medfuse.kg.vocab import MF

__all__ = [
    "PREFIXES",
    "MF",
    "MFD",
    "GRAPH",
    "converter",
    "expand",
    "compress",
    "term",
]

#: Prefix → namespace IRI for every identifier space medfuse writes or reads.
#: Order matters for compression: the first matching namespace wins.
PREFIXES: dict[str, str] = {
    "mf": "https://w3id.org/medfuse/vocab#",
    "mfd": "https://w3id.org/medfuse/dataset/",
    "mfmod": "https://w3id.org/medfuse/modality/",
    "mftask": "https://w3id.org/medfuse/task/",
    "mfann": "https://w3id.org/medfuse/annotation/",
    "mfdim": "https://w3id.org/medfuse/dim/",
    "mfacc": "https://w3id.org/medfuse/access/",
    "mfles": "https://w3id.org/medfuse/lesion/",
    "mfanat": "https://w3id.org/medfuse/anatomy/",
    "mfraw": "https://w3id.org/medfuse/raw/",
    "mfplan": "https://w3id.org/medfuse/plan/",
    "mfg": "https://w3id.org/medfuse/graph/",
    "UBERON": "http://purl.obolibrary.org/obo/UBERON_",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "CL": "http://purl.obolibrary.org/obo/CL_",
    "GO": "http://purl.obolibrary.org/obo/GO_",
    "DCM": "http://dicom.nema.org/resources/ontology/DCM/",
    "SCT": "http://snomed.info/id/",
    "spdx": "http://spdx.org/licenses/",
    "edam": "http://edamontology.org/",
    "hftask": "https://huggingface.co/tasks/",
    "cr": "http://mlcommons.org/croissant/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "semapv": "https://w3id.org/semapv/vocab/",
    "sssom": "https://w3id.org/sssom/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
}

#: Dataset IRIs: ``mfd:<dataset id>``.
MFD = Namespace(PREFIXES["mfd"])
#: Named graphs, one per source: ``mfg:imaging-x``, ``mfg:ontology``, ``mfg:closure``, ...
GRAPH = Namespace(PREFIXES["mfg"])


@cache
def converter() -> curies.Converter:
    """Return the CURIE converter over :data:`PREFIXES`."""
    return curies.Converter.from_prefix_map(PREFIXES)


def expand(curie: str) -> str:
    """Expand a CURIE to an IRI; an IRI passes through unchanged.

    :raises ValueError: when the prefix is not one of :data:`PREFIXES`.
    """
    if curie.startswith(("http://", "https://")):
        return curie
    prefix, sep, local = curie.partition(":")
    namespace = PREFIXES.get(prefix)  # a dict lookup: this runs ~10^5 times per build
    if namespace is None or not sep:
        raise ValueError(f"unknown CURIE prefix in {curie!r}; known: {', '.join(PREFIXES)}")
    return namespace + local


def compress(iri: str) -> str:
    """Compress an IRI to a CURIE, or return it unchanged when no prefix covers it."""
    return converter().compress(iri, passthrough=True)


def term(curie: str) -> URIRef:
    """Return the rdflib IRI of a CURIE (or IRI)."""
    return URIRef(expand(curie))
