"""Turn :class:`~medfuse.loaders.model.DatasetFacts` into triples: the one RDF shape of a dataset.

>>> from medfuse.loaders.model import DatasetFacts
>>> triples = list(dataset_triples(DatasetFacts(id="demo", name="Demo", modalities=["DCM:CT"])))
>>> any(str(p).endswith("#modality") for _, p, _ in triples)
True
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS

from medfuse.kg.namespaces import MF, MFD, term
from medfuse.loaders.model import DatasetFacts

__all__ = ["dataset_iri", "dataset_triples", "FACET_PROPERTIES"]

#: DatasetFacts field → the property linking a dataset to its terms.
FACET_PROPERTIES: dict[str, URIRef] = {
    "modalities": MF.modality,
    "anatomy": MF.anatomy,
    "diseases": MF.disease,
    "tasks": MF.task,
    "dims": MF.dimensionality,
    "annotation_types": MF.annotationType,
}

_RAW_PROPERTIES = {
    "modality": MF.rawModality,
    "structure": MF.rawStructure,
    "task": MF.rawTask,
    "dim": MF.rawDim,
    "diseases": MF.rawDiseases,
    "samples": MF.rawSamples,
    "access": MF.rawAccess,
}


def dataset_iri(dataset_id: str) -> URIRef:
    """Return the IRI of a dataset id."""
    return MFD[dataset_id]


def dataset_triples(facts: DatasetFacts) -> Iterator[tuple]:
    """Yield the triples describing one dataset, its source records and its quality issues."""
    d = dataset_iri(facts.id)
    yield d, RDF.type, MF.Dataset
    yield d, RDF.type, DCAT.Dataset
    yield d, DCTERMS.identifier, Literal(facts.id)
    yield d, DCTERMS.title, Literal(facts.name)
    for field, prop in FACET_PROPERTIES.items():
        for curie in getattr(facts, field):
            yield d, prop, term(curie)
    if facts.year is not None:
        yield d, MF.year, Literal(facts.year)
    if facts.samples is not None:
        yield d, MF.sampleCount, Literal(facts.samples)
    if facts.labelled is not None:
        yield d, MF.labelled, Literal(facts.labelled)
    if facts.access:
        yield d, MF.access, term(facts.access)
        yield d, MF.accessInferred, Literal(facts.access_inferred)
    if facts.access_rule:
        yield d, MF.accessRule, Literal(facts.access_rule)
    if facts.url:
        yield d, DCAT.landingPage, URIRef(facts.url)
    if facts.license:
        yield d, DCTERMS.license, term(facts.license)
    if facts.paper:
        yield d, MF.paper, Literal(facts.paper)
    for target in facts.built_from:
        yield d, MF.builtFrom, dataset_iri(target)
        yield d, PROV.wasDerivedFrom, dataset_iri(target)
    if facts.built_from_note:
        yield d, RDFS.comment, Literal(facts.built_from_note)
    for record in facts.sources:
        r = URIRef(f"{d}/record/{record.catalog}/{record.index}")
        yield d, MF.sourceRecord, r
        yield d, PROV.wasDerivedFrom, r
        yield r, RDF.type, MF.SourceRecord
        yield r, MF.catalog, Literal(record.catalog)
        yield r, MF.recordIndex, Literal(record.index)
        yield r, MF.rawName, Literal(record.name)
        if record.year is not None:
            yield r, MF.rawYear, Literal(record.year)
        if record.section is not None:
            yield r, MF.rawSection, Literal(record.section)
        for field, value in sorted(record.raw.items()):
            if field in _RAW_PROPERTIES:
                yield r, _RAW_PROPERTIES[field], Literal(value)
    for number, issue in enumerate(facts.issues):
        q = URIRef(f"{d}/issue/{number}")
        yield d, MF.qualityIssue, q
        yield q, RDF.type, MF.QualityIssue
        yield q, MF.issueKind, Literal(issue.kind)
        yield q, MF.field, Literal(issue.field)
        yield q, MF.rawValue, Literal(issue.value)
        yield q, RDFS.comment, Literal(issue.message)
        if issue.term:
            yield q, MF.relatedTerm, term(issue.term)

