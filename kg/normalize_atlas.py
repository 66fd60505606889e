"""Atlas names written as a structure between its tissue and its codes, or as a path of levels.

Two conventions of brain atlases name a structure among words that are not its name:

- the Juelich histological atlas writes the tissue first and the area codes after the structure
  ("GM Visual cortex V1 BA17 R", "WM Uncinate fascicle R"): the structure answers, or a code that
  names a part or kind of it ("V1": the primary visual cortex); after "WM" only white matter;
- the Talairach Daemon writes a path of dotted levels, "*" where a level is undefined ("Left
  Cerebrum.Sub-lobar.Thalamus.Gray Matter.Pulvinar"): the deepest level that names a part of the
  first level's structure answers, with the first level's side.

Both are read only after the whole name found nothing; their words are the rules'
``tissue_prefixes`` and ``path_tissues``.

>>> from medfuse.kg.normalize import load_normalizer
>>> atlas = load_normalizer().atlas
>>> atlas.path("x", "Right Brainstem.Midbrain.Red Nucleus.Gray Matter.*", "MR").label
'red nucleus'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from medfuse.kg.normalize_index import LabelIndex
from medfuse.kg.normalize_rules import LabelRules, words_of
from medfuse.kg.normalize_text import TOKEN_SEPARATORS

if TYPE_CHECKING:
    from medfuse.kg.normalize import Normalized

__all__ = ["AREA_CODE", "AtlasNames"]

#: An atlas's area code after a structure's name: letters and digits ("BA17", "V1", "hIP1", "TE1.0").
AREA_CODE = re.compile(r"(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9.]{2,6}")


class AtlasNames:
    """The two atlas conventions of the module's docstring.

    :param normalize: the normalizer's reading of a rewritten name (``LabelNormalizer._read``,
        without the checks :meth:`~medfuse.kg.normalize.LabelNormalizer.normalize` makes on the
        name as written), called with the structure's words.
    """

    def __init__(
        self,
        index: LabelIndex,
        rules: LabelRules,
        normalize: Callable[..., Normalized],
    ) -> None:
        self.index = index
        self._normalize = normalize
        #: Tissue words before a structure's name ("gm") -> the term the answer must lie under.
        self._tissue_prefixes = {w.casefold(): t for w, t in rules.tissue_prefixes.items()}
        #: The tissue levels of a dotted path ("gray matter"), case-folded.
        self._path_tissues = frozenset(w.casefold() for w in rules.path_tissues)

    def tissue_coded(self, raw: str, text: str, modality: str | None) -> Normalized | None:
        """Answer a name that writes its tissue before the structure, a space after it, and its
        area codes after the structure ("GM Visual cortex V1 BA17 R"), or None."""
        first, _, rest = text.strip().partition(" ")
        if first.casefold() not in self._tissue_prefixes or not rest:
            return None
        tokens = TOKEN_SEPARATORS.split(rest)
        side = [t for t in tokens[-1:] if self.index.side_words.names_side(t)]
        core = tokens[: len(tokens) - len(side)]
        codes: list[str] = []
        while len(core) > 1 and AREA_CODE.fullmatch(core[-1]):
            codes.insert(0, core.pop())
        if not core:
            return None
        found = self._normalize(" ".join(core + side), modality=modality)
        bound = self._tissue_prefixes[first.casefold()]
        if not found.term or (
            bound and bound != found.term and bound not in self.index.terms.ancestors(found.term)
        ):
            return None
        for code in codes:  # a code that names a part or kind of the structure says more ("V1")
            coded = self._normalize(" ".join([code, *side]), modality=modality)
            if coded.term and found.term in self.index.terms.ancestors(coded.term):
                return coded.model_copy(update={"raw": raw})
        return found.model_copy(update={"raw": raw})

    def path(self, raw: str, text: str, modality: str | None) -> Normalized | None:
        """Answer a name that is a path of three or more dotted levels, or None; in white matter,
        a structure's white matter first ("Frontal Lobe", "White Matter": white matter of frontal
        lobe)."""
        levels = [level.strip() for level in text.split(".")]
        if len(levels) < 3 or not all(levels):
            return None
        first = words_of(levels[0])
        side = next((w for w in first if self.index.side_words.names_side(w)), "")
        # The first level's structure bounds the answer: its part, or its parent's ("Cerebrum":
        # the forebrain's, where Talairach puts the thalamus).
        root = self._normalize(" ".join(w for w in first if w != side), modality=modality).term
        if root is None:  # dots that split words, not levels ("large.cell.carcinoma_left.hilum")
            return None
        bounds = {root, *self.index.terms.terms[root].parents}
        tissue = next((lv.casefold() for lv in levels if lv.casefold() in self._path_tissues), "")
        for level in reversed(levels[1:]):
            if level == "*" or level.casefold() == tissue:
                continue
            names = [f"{side} {level}"]
            if tissue == "white matter":
                names.insert(0, f"{side} {level} {tissue}")
            for name in names:
                found = self._normalize(name.strip(), modality=modality)
                if found.term and not bounds.isdisjoint(self.index.terms.ancestors(found.term)):
                    return found.model_copy(update={"raw": raw, "via": "path"})
        return None
