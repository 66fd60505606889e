"""Split and normalize raw facet values as upstream catalogs write them.

Catalogs pack several values into one field ("CT/ MR/ PET", "Seg, Cls", "2D+Video") and cut long
ones short ("Kidney, Lung, ..."). Every loader and every mapping table uses these two functions,
so that a mapping row written for one spelling serves every record that uses it.

>>> split_values("CT/ MR/ PET")
['CT', 'MR', 'PET']
>>> split_values("Abdomen/ Arm/ Leg/...")
['Abdomen', 'Arm', 'Leg']
>>> split_values("HER2+ Breast Cancer, 2D+Video")
['HER2+ Breast Cancer', '2D', 'Video']
>>> normalize("  Head  and Neck ")
'head and neck'
"""

from __future__ import annotations

import re

import yaml

__all__ = ["split_values", "normalize", "yaml_load"]

#: Separators between values packed into one field. "+" separates only when a value follows
#: at once ("2D+Video"), not in "HER2+ Breast Cancer".
_SEPARATORS = re.compile(r"\s*[/,;|]\s*|\s*\+(?=\S)\s*")
#: Whole-field null markers that contain a separator.
_WHOLE_NULLS = {"n/a"}
#: Marks of a value cut short by the upstream table ("Waldeyer'...", "…").
_TRUNCATION = re.compile(r"(\.\.\.|…)$")


def split_values(raw: str | None) -> list[str]:
    """Split a raw field into its values, dropping empty pieces and truncation marks."""
    if raw is None or normalize(str(raw)) in _WHOLE_NULLS:
        return []
    out = []
    for piece in _SEPARATORS.split(str(raw)):
        piece = _TRUNCATION.sub("", piece.strip()).strip()
        if piece:
            out.append(piece)
    return out


def normalize(value: str) -> str:
    """Return the lookup key of a raw value: case-folded, whitespace collapsed, dashes unified."""
    value = value.replace("\u200d", "").replace("–", "-").replace("—", "-")
    return " ".join(value.casefold().split())


#: libyaml's loader when PyYAML was built with it (ten times faster), else the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_load(text: str) -> object:
    """Parse YAML safely, with libyaml when available (the curated files are read at every build)."""
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
