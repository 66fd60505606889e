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
    Conflict: URIRef
    Dataset: URIRef
    Dimensionality: URIRef
    Disease: URIRef
    Label: URIRef
    LabelMapping: URIRef
    Lesion: URIRef
    License: URIRef
    LicenseVerdict: URIRef
    MergePlan: URIRef
    Modality: URIRef
    Overlap: URIRef
    PartialLabel: URIRef
    QualityIssue: URIRef
    SourceRecord: URIRef
    Task: URIRef
    Term: URIRef
    Totals: URIRef
    UnifiedLabel: URIRef
    # properties
    aboutDataset: URIRef
    aboutTerm: URIRef
    access: URIRef
    accessInferred: URIRef
    accessRule: URIRef
    anatomy: URIRef
    annotationType: URIRef
    attribution: URIRef
    blocker: URIRef
    broaderOrSelf: URIRef
    builtFrom: URIRef
    catalog: URIRef
    confidence: URIRef
    conflict: URIRef
    conflictKind: URIRef
    datasetCount: URIRef
    datasetLicenses: URIRef
    depth: URIRef
    derivationRelation: URIRef
    dimensionality: URIRef
    disease: URIRef
    distinctSources: URIRef
    field: URIRef
    forDataset: URIRef
    granularity: URIRef
    graphSnapshot: URIRef
    hasLabel: URIRef
    includesDataset: URIRef
    issueKind: URIRef
    labelCount: URIRef
    labelMapping: URIRef
    labelValue: URIRef
    labelVariant: URIRef
    labelled: URIRef
    labelledShare: URIRef
    licenseClaim: URIRef
    licenseStatus: URIRef
    licenseVerdict: URIRef
    localName: URIRef
    mappedTerm: URIRef
    mappingJustification: URIRef
    mappingPredicate: URIRef
    mappingRelation: URIRef
    mergedTerm: URIRef
    modality: URIRef
    obligation: URIRef
    overlap: URIRef
    paper: URIRef
    partialLabel: URIRef
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
    reason: URIRef
    recordIndex: URIRef
    relatedTerm: URIRef
    restrictedUse: URIRef
    rules: URIRef
    sampleCount: URIRef
    samplesDeduplicated: URIRef
    sharedCases: URIRef
    site: URIRef
    sourceRecord: URIRef
    sourceValue: URIRef
    targetValue: URIRef
    task: URIRef
    totals: URIRef
    unannotatedValue: URIRef
    unifiedLabel: URIRef
    unknownLicense: URIRef
    unmappableReason: URIRef
    year: URIRef

    _NS = Namespace("https://w3id.org/medfuse/vocab#")
