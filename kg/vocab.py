"""The medfuse core vocabulary as an rdflib ``DefinedNamespace``.

Generated from ``ontology/medfuse.ttl``; ``tests/test_vocab.py`` fails when the two disagree.
Unlike a plain ``Namespace``, a misspelt term (``MF.modalty``) raises at import time.

>>> str(MF.Dataset)
'https://w3id.org/medfuse/vocab#Dataset'
"""

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef

__all__ = ["MF"]


class MF(DefinedNamespace):
    """Classes and properties of https://w3id.org/medfuse/vocab#."""

    _fail = True

    # classes
    AccessLevel: URIRef
    AnatomicalStructure: URIRef
    AnnotationType: URIRef
    Dataset: URIRef
    Dimensionality: URIRef
    Disease: URIRef
    Label: URIRef
    LabelMapping: URIRef
    Lesion: URIRef
    License: URIRef
    MergePlan: URIRef
    Modality: URIRef
    QualityIssue: URIRef
    SourceRecord: URIRef
    Task: URIRef
    Term: URIRef
    UnifiedLabel: URIRef
    # properties
    access: URIRef
    accessInferred: URIRef
    accessRule: URIRef
    anatomy: URIRef
    annotationType: URIRef
    broaderOrSelf: URIRef
    builtFrom: URIRef
    catalog: URIRef
    confidence: URIRef
    depth: URIRef
    dimensionality: URIRef
    disease: URIRef
    field: URIRef
    graphSnapshot: URIRef
    hasLabel: URIRef
    includesDataset: URIRef
    issueKind: URIRef
    labelValue: URIRef
    labelVariant: URIRef
    labelled: URIRef
    localName: URIRef
    mappedTerm: URIRef
    mappingJustification: URIRef
    mappingPredicate: URIRef
    modality: URIRef
    paper: URIRef
    qualityIssue: URIRef
    rawAccess: URIRef
    rawDim: URIRef
    rawDiseases: URIRef
    rawModality: URIRef
    rawName: URIRef
    rawSamples: URIRef
    rawSection: URIRef
    rawStructure: URIRef
    rawTask: URIRef
    rawValue: URIRef
    rawYear: URIRef
    recordIndex: URIRef
    relatedTerm: URIRef
    sampleCount: URIRef
    site: URIRef
    sourceRecord: URIRef
    task: URIRef
    unifiedLabel: URIRef
    unmappableReason: URIRef
    year: URIRef

    _NS = Namespace("https://w3id.org/medfuse/vocab#")
