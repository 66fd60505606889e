"""Lesions and the sites of findings in label names.

A lesion name is a site and a head word of one kind ("renal cyst", "hepatic lesion", "GTV lung"):
:class:`Lesions` answers the lesion term of that site and kind (``ontology/terms/lesion-labels.ttl``),
else a broader kind's, a MONDO "<organ> neoplasm"-style term, or the kind's generic term, each with
its site. It also gives a disease term its site (the term's own, the name's, MONDO's hierarchy's or
the modality's) and prefers what a disease means in the label map's modality: the lesion term where
label maps outline lesions, the chest radiograph's form of a disease ("pulmonary tuberculosis").

>>> from medfuse.kg.normalize import load_normalizer
>>> lesions = load_normalizer().rewrites.lesions
>>> lesions.by_site[("UBERON:0002113", "cyst")]
'mfles:kidney-cyst'
>>> lesions.disease_site("MONDO:0007256")
'UBERON:0002107'
"""

from __future__ import annotations

from collections.abc import Mapping

from medfuse.kg.normalize_hits import SIDES, Hit, Order
from medfuse.kg.normalize_index import LabelIndex
from medfuse.kg.normalize_rules import BROAD, CLOSE, EXACT, words_of
from medfuse.kg.normalize_sides import SidedTerms
from medfuse.kg.normalize_text import derived
from medfuse.loaders.tokens import normalize as normalize_key

__all__ = ["Lesions"]


class Lesions:
    """Lesion terms by site and kind, and the sites of diseases (memoized per term).

    :param index: the normalizer's index.
    :param sides: the sided terms (a side goes to a lesion's site: "left atrium wall scar").
    :param sites: lesion term -> its UBERON site (``mf:site``).
    """

    def __init__(self, index: LabelIndex, sides: SidedTerms, sites: Mapping[str, str]) -> None:
        self.index = index
        self.sides = sides
        self.terms = index.terms
        self.rules = index.rules
        self.words = index.words
        self.sites = dict(sites)
        self._disease_sites: dict[str, str | None] = {}
        self._broad: dict[str, bool] = {}
        self._index_lesions()

    def _index_lesions(self) -> None:
        """Index lesion terms by (site, kind) from their "<site> <kind>" names ("renal cyst").

        A name whose words give another site than the term's ("pulmonary embolus": lung, where
        the term's site is the pulmonary artery) indexes it there too, and at the term's own
        site, unless another term has that place.
        """
        #: (UBERON site, lesion kind) -> the lesion term of that kind there.
        self.by_site: dict[tuple[str, str], str] = {}
        named: dict[tuple[str, str], str] = {}
        #: (the term's own site, kind) of a name that states another site ("pulmonary embolus":
        #: the pulmonary artery's embolus too).
        own: dict[tuple[str, str], str] = {}
        for curie, site in sorted(self.sites.items()):
            term = self.terms.get(curie)
            if term is None:
                continue
            for name in (term.label, *term.synonyms):
                folded = self.index.fold(words_of(name, split_case=False))
                kind = self.words.kinds.get(folded[-1]) if folded else None
                # Only "<site> <kind>" names: "whole tumour" is not the brain's tumour.
                if kind and len(folded) > 1:
                    stated = self.site(folded[:-1], self.index.order)
                    if stated == site:
                        self.by_site.setdefault((site, kind), curie)
                    elif stated:
                        named.setdefault((stated, kind), curie)
                        own.setdefault((site, kind), curie)
        for key, curie in [*named.items(), *own.items()]:
            self.by_site.setdefault(key, curie)

    # ------------------------------------------------------------------ lesions
    def lesion_parts(self, words: list[str]) -> tuple[str, list[str]] | None:
        """Split a lesion name into its kind and its site words, if it has one kind of head."""
        kinds = {self.words.kinds[w] for w in words if w in self.words.kinds}
        if len(kinds) != 1 or len(words) < 2:
            return None
        organ = [
            w
            for w in words
            if w not in self.words.kinds
            and w not in self.index.stop
            and w not in self.words.qualifiers
        ]
        return kinds.pop(), organ

    def lesion(self, core: list[str], order: Order, *, side: str | None) -> Hit | None:
        """Resolve a site and a lesion head word: the site's lesion term, MONDO, or the generic.

        A side goes to the site ("left atrium wall scar": the left atrium's scar).
        """
        parts = self.lesion_parts(core)
        site = self.site(parts[1], order, kind=parts[0]) if parts else None
        if parts is None or site is None:
            return None
        kind = parts[0]
        sites = [site]
        if side in SIDES and (sided := self.sides.sided_term(site, side or "")):
            sites.insert(0, sided)
        for place in sites:
            if curie := self.by_site.get((place, kind)):
                return Hit(curie, "lesion", self.index.conf["lesion_term"], EXACT, place)
        for broader in self.rules.lesion.broader.get(kind, ()):
            for place in sites:
                if curie := self.by_site.get((place, broader)):
                    return Hit(curie, "lesion", self.index.conf["lesion_broader"], BROAD, place)
        templates = self.rules.lesion.mondo.get(kind, ())
        for place in sites if templates else ():
            for name in (self.index.label_of(place), *self.terms.terms[place].synonyms):
                for template in templates:
                    for _, curie in self.index.exact.get(
                        normalize_key(template.format(organ=name)), ()
                    ):
                        if curie.startswith("MONDO:"):
                            return Hit(
                                curie, "lesion", self.index.conf["lesion_mondo"], CLOSE, place
                            )
        # A part of an organ whose lesion term is the organ's ("LV myocardial scar": myocardium).
        for place in self.around(site):
            for broader in (kind, *self.rules.lesion.broader.get(kind, ())):
                if curie := self.by_site.get((place, broader)):
                    return Hit(curie, "lesion", self.index.conf["lesion_broader"], BROAD, place)
        generic = self.rules.lesion.generic.get(kind)
        if generic:
            return Hit(generic, "lesion", self.index.conf["lesion_generic"], BROAD, sites[0])
        return None

    def site(self, organ: list[str], order: Order, *, kind: str | None = None) -> str | None:
        """Return the UBERON term that organ words (or their site adjectives) name."""
        if not organ:
            return None
        candidates = [[*organ, head] for head in self.rules.lesion.site_heads.get(kind or "", ())]
        candidates.append(organ)
        nouns = [part for w in organ for part in (self.words.adjectives.get(w) or [[w]])[0]]
        if nouns != organ:
            candidates.append(nouns)
        expanded = [part for w in organ for part in self.words.expansions.get(w, [w])]
        if expanded != organ:
            candidates.append(expanded)
        for words in candidates:
            row = self.index.curated_folded.get(" ".join(words))
            if (
                row is not None
                and row.object_id.startswith("UBERON:")
                and row.predicate_id != BROAD
            ):
                return row.object_id
            hit = self.index.lookup(" ".join(words), words, order, short=1)
            if hit and hit.curie.startswith("UBERON:"):
                return hit.curie
        return None

    def parents(self, curie: str) -> tuple[str, ...]:
        term = self.terms.terms.get(curie)
        return term.parents if term else ()

    def around(self, curie: str) -> list[str]:
        """Return the parents and grandparents of a term, nearest first."""
        parents = self.parents(curie)
        return [*parents, *(g for p in parents for g in self.parents(p))]

    def stated_site(self, words: list[str], order: Order) -> str | None:
        """Return the site a lesion name states ("spleen tumour", "pancreatic cancer"), if any."""
        parts = self.lesion_parts(words)
        return self.site(parts[1], order, kind=parts[0]) if parts else None

    # ------------------------------------------------------------------ diseases
    def disease_site(self, curie: str) -> str | None:
        """Return the site of a disease term from MONDO's hierarchy (memoized per term).

        The nearest class of ``disease_sites.by_ancestor`` gives it; else the names of the term,
        then of its parents up to ``disease_sites.depth`` levels, are read for a site
        ("carcinoma of liver and ..." for hepatocellular carcinoma).
        """
        if curie in self._disease_sites:
            return self._disease_sites[curie]
        rule = self.rules.disease_sites
        levels, seen = [[curie]], {curie}
        while levels[-1]:
            level: list[str] = []
            for child in levels[-1]:
                for parent in self.parents(child):
                    if parent not in seen:
                        seen.add(parent)
                        level.append(parent)
            levels.append(level)
        site = next(
            (rule.by_ancestor[c] for level in levels for c in level if c in rule.by_ancestor), None
        )
        for level in levels[: rule.depth + 1]:
            for ancestor in level if site is None else ():
                site = self.named_site(self.index.label_of(ancestor))
                if site:
                    break
        self._disease_sites[curie] = site
        return site

    def named_site(self, name: str) -> str | None:
        """Read a site from a disease name: after "of"/"in", within its words, or adjective + head."""
        words = [
            w
            for w in self.index.fold(words_of(name, split_case=False))
            if w not in self.words.qualifiers
        ]
        ends = [i for i, w in enumerate(words) if w in self.words.connectors]
        if ends:
            tail = [w for w in words[ends[-1] + 1 :] if w not in self.index.stop]
            cut = next((i for i, w in enumerate(tail) if w in ("and", "or")), len(tail))
            if site := self.site(tail[:cut], self.index.order):
                return site
        words = [w for w in words if w not in self.words.connectors and w not in self.index.stop]
        for size in range(len(words) - 1, 0, -1):
            for start in range(len(words) - size + 1):
                if site := self.site(words[start : start + size], self.index.order):
                    return site
        for head in self.rules.disease_sites.heads:
            if site := self.site([words[0], head], self.index.order) if words else None:
                return site
        return None

    def modality_site(self, modalities: frozenset[str]) -> str | None:
        by_modality = self.rules.disease_sites.by_modality
        return next((by_modality[m] for m in sorted(modalities) if m in by_modality), None)

    def with_site(self, hit: Hit, words: list[str] | None, modalities: frozenset[str]) -> Hit:
        """Give a lesion or disease its site: its own, the name's, MONDO's, or the modality's.

        A curated row (no ``words``) answers a term: the site is the term's.
        """
        if hit.site is not None or not hit.curie.startswith(("mfles:", "MONDO:")):
            return hit
        site = (
            self.sites.get(hit.curie)
            or (words and self.stated_site(words, self.index.order))
            or self.disease_site(hit.curie)
            or self.modality_site(modalities)
        )
        return hit._replace(site=site) if site else hit

    def specific(self, hit: Hit, core: list[str], modalities: frozenset[str]) -> Hit:
        """Prefer the lesion term of the name's site and kind where label maps outline lesions
        ("renal neoplasm" on CT: the kidney tumour). The modality narrows no disease: its form at
        the site the modality images is not taken (bench/data/ANNOTATING.md, 3.2).
        """
        if not hit.curie.startswith("MONDO:") or hit.via in ("curated", "abbreviation"):
            return hit
        if not modalities.isdisjoint(self.rules.lesion.over_disease_in) and (
            parts := self.lesion_parts(core)
        ):
            site = self.site(parts[1], self.index.order, kind=parts[0])
            lesion = self.by_site.get((site, parts[0])) if site else None
            if lesion:
                return Hit(lesion, "lesion", self.index.conf["lesion_term"], EXACT, site)
        return hit

    def disease_lesion(
        self, core: list[str], modalities: frozenset[str], order: Order
    ) -> Hit | None:
        """Answer "<disease> lesion": the site's tumour term for a neoplasm, else the disease.

        "HCC lesion" on CT is the liver tumour of the lesion scheme; "MS lesions" are the lesions
        of multiple sclerosis (a close match of the disease).
        """
        if self.words.kinds.get(core[-1]) not in ("lesion", "tumor"):
            return None
        rest = core[:-1]
        found = self.index.abbreviations.hit(" ".join(rest), " ".join(rest), modalities)
        if not isinstance(found, Hit):
            # "psoriatic lesion": the disease's adjective names the disease.
            for words in (rest, *derived(rest, self.words.derivations)):
                found = self.index.lookup(" ".join(words), words, order, short=1)
                if found is not None:
                    break
        if found is None or not found.curie.startswith("MONDO:"):
            return None
        site = self.disease_site(found.curie)
        neoplasm = not self.terms.ancestors(found.curie).isdisjoint(self.rules.acronyms.mondo_under)
        if site and neoplasm and (lesion := self.by_site.get((site, "tumor"))):
            return Hit(lesion, "lesion", self.index.conf["lesion_broader"], BROAD, site)
        return Hit(found.curie, "lesion", self.index.conf["lesion_broader"], CLOSE, site)

    def too_broad(self, curie: str) -> bool:
        """Whether a disease term is a class of too many diseases to name a finding (memoized)."""
        if curie not in self._broad:
            self._broad[curie] = len(self.terms.descendants(curie)) > self.rules.broad_disease
        return self._broad[curie]
