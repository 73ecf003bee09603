"""Resolve a spoken address to coordinates against the deployment's own gazetteer (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

_NON_WORD = re.compile(r"[^\w]+")
_FILLER = {
    "near",
    "the",
    "at",
    "opp",
    "opposite",
    "behind",
    "in",
    "of",
    "ke",
    "paas",
    "pass",
    "ke paas",
    "mein",
}


@dataclass(frozen=True, slots=True)
class Place:
    """A named place with its coordinates."""

    name: str
    lat: float
    lon: float
    kind: str
    district: str | None = None


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(w for w in _NON_WORD.sub(" ", text).split() if w not in _FILLER)


class Gazetteer:
    """Names and aliases of places; exact, contained and fuzzy matches, most specific first."""

    def __init__(self, places: Iterable[Mapping[str, Any]], min_score: float = 88.0) -> None:
        self._by_key: dict[str, Place] = {}
        for p in places:
            place = Place(str(p["name"]), float(p["lat"]), float(p["lon"]), str(p["kind"]), p.get("district"))
            for alias in [p["name"], *p.get("aliases", [])]:
                key = _norm(str(alias))
                if key:
                    self._by_key.setdefault(key, place)
        self._keys = sorted(self._by_key, key=len, reverse=True)
        self._min_score = min_score

    def resolve(self, address: str) -> Place | None:
        """The place an address names, or None when nothing matches well enough."""
        query = _norm(address)
        if not query:
            return None
        if query in self._by_key:
            return self._by_key[query]
        padded = f" {query} "
        for key in self._keys:  # the longest known name contained in the address wins
            if f" {key} " in padded:
                return self._by_key[key]
        best = process.extractOne(query, self._keys, scorer=fuzz.WRatio, score_cutoff=self._min_score)
        return self._by_key[best[0]] if best else None
