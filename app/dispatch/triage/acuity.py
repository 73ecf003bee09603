"""Acuity: how urgent a call is, decided on its own signals, not as a by-product of the category.

Priority 1 is life-threatening now, 2 urgent, 3 can wait. Two things decide it:

* **Signals of immediate danger** (`Signals`), read from the lexicon's roles: breathing, consciousness,
  heavy bleeding, burns, people trapped or inside a fire, a weapon in use, violence, a child missing or
  just taken, poison taken, hanging, drowning, labour with bleeding, a blast, toxic smoke with
  symptoms.
* **Aspect** (`Aspect`): is it happening now ("maar raha hai", "मारत हे", "is beating", "abhi",
  "still"), earlier ("kal raat", "last week", "tha", "रहिस"), as a habit ("roz", "every night",
  "मारथे") or today ("aaj", "tonight")? The cue words are data (`aspect:` in lexicon.yaml); the only
  grammar in code is how an auxiliary after a verb marks the progressive in Hindi ("rh hi"),
  Chhattisgarhi ("-t he") and English ("is ...ing").

The rules: a danger signal that is life-threatening whenever it is present (not breathing, poison
taken, a child missing) gives 1; violence against a person gives 1 when it is happening now, with a
weapon, with injuries, or when the call does not say when (`doubt`: in doubt between 1 and 2 the
answer is 1, flagged for review: over-triage costs a unit, under-triage can cost a life); a habit or
an earlier event with nobody in danger now gives 2 or 3. Everything else is 2, and 3 when the call
reports something that happened earlier (a theft discovered, a fraud, a complaint) with no danger now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .normalize import BOUNDARY, skeleton

# Auxiliaries after a progressive participle ("raha/rahi/rahe") and what they mark.
_PROGRESSIVE = frozenset({"rh", "rhi", "rhe"})
_PRESENT_AUX = frozenset({"hi", "hin", "h", "hu", "hun", "he", "hen", "hv", "ho"})
_PAST_AUX = frozenset({"th", "thi"})  # "the" is also the English article: only as Devanagari थे
_CG_PRESENT_AUX = frozenset({"he", "hen", "hv", "hvn"})  # Chhattisgarhi "मारत हे", "जरत हें"
_HINDI_PRESENT_AUX = frozenset({"hi", "hin", "h"})  # Hindi "है", "हैं", "h" (CG uses "हे")
_ENGLISH_BE_NOW = frozenset(
    {"is", "are", "am", "im", "its", "theyre", "hes", "shes", "keeps", "keep", "still", "being"}
)
_ENGLISH_BE_PAST = frozenset({"was", "were"})
MAX_ASPECT_PHRASE = 4


class AspectError(ValueError):
    """The aspect section of the lexicon is malformed."""


@dataclass(frozen=True)
class AspectCues:
    """Compiled aspect cue phrases (skeleton tuples) by kind."""

    now: frozenset[tuple[str, ...]]
    earlier: frozenset[tuple[str, ...]]
    habitual: frozenset[tuple[str, ...]]
    today: frozenset[tuple[str, ...]]
    recovered: frozenset[tuple[str, ...]]
    max_len: int


ASPECT_KINDS = ("now", "earlier", "habitual", "today", "recovered")


def compile_aspect(raw: Any) -> AspectCues:
    """Build the aspect cue sets from the lexicon's `aspect:` mapping (kind -> list of phrases)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise AspectError("aspect must be a mapping of kind -> phrases")
    if bad := set(raw) - set(ASPECT_KINDS):
        raise AspectError(f"unknown aspect kinds {sorted(bad)}")
    sets: dict[str, frozenset[tuple[str, ...]]] = {}
    longest = 1
    for kind in ASPECT_KINDS:
        phrases = raw.get(kind) or []
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise AspectError(f"aspect {kind}: needs a list of strings (quote no, yes, numbers)")
        keys = {tuple(skeleton(p).split()) for p in phrases}
        keys.discard(())
        if any(len(k) > MAX_ASPECT_PHRASE for k in keys):
            raise AspectError(f"aspect {kind}: phrases of at most {MAX_ASPECT_PHRASE} words")
        longest = max([longest, *(len(k) for k in keys)])
        sets[kind] = frozenset(keys)
    return AspectCues(
        sets["now"], sets["earlier"], sets["habitual"], sets["today"], sets["recovered"], longest
    )


@dataclass(frozen=True)
class Aspect:
    """When the call says things happen: over the whole call, and per clause (by clause index)."""

    now: bool = False  # happening as the caller speaks
    earlier: bool = False  # happened before: last night, last week, "tha"
    habitual: bool = False  # a pattern: every night, "roz", "मारथे", "maarta hai"
    today: bool = False  # today / tonight: recent but not necessarily now
    recovered: bool = False  # the danger is over: "now fine", "put out", "bujha di"
    clauses: tuple[frozenset[str], ...] = ()  # the kinds found in each clause

    def of(self, clause_ids: frozenset[int]) -> Aspect:
        """The aspect of some clauses only (the whole call's when those clauses carry no cue)."""
        kinds: set[str] = set()
        for i in clause_ids:
            if i < len(self.clauses):
                kinds |= self.clauses[i]
        kinds.discard("recovered")
        if not kinds:
            return self
        return Aspect(
            now="now" in kinds,
            earlier="earlier" in kinds,
            habitual="habitual" in kinds,
            today="today" in kinds,
            recovered=self.recovered,
            clauses=self.clauses,
        )


# Not the Chhattisgarhi habitual "-थे" although they end like it.
_NOT_HABITUAL = frozenset({"breathe", "bathe", "clothe", "soothe", "loathe", "writhe", "the"})
# Devanagari "कि" ("that") opens reported speech: "बता रहा है कि चाचा रोज़ मारते हैं" has two times.
_SOFT_BOUNDARY = frozenset({"कि"})


def clause_ids(canon: Sequence[str], surf: Sequence[str]) -> list[int]:
    """Clause index of every token (clause punctuation and "कि" start a new clause)."""
    out: list[int] = []
    clause = 0
    for tok, word in zip(canon, surf, strict=True):
        if tok == BOUNDARY or word in _SOFT_BOUNDARY:
            clause += 1
        out.append(clause)
    return out


def read_aspect(cues: AspectCues, canon: Sequence[str], surf: Sequence[str]) -> Aspect:
    """Scan a call's canonical tokens (and surface forms, for English and Devanagari) for aspect cues."""
    n = len(canon)
    clause_of = clause_ids(canon, surf)
    per_clause: list[set[str]] = [set() for _ in range((clause_of[-1] + 1) if n else 0)]
    tables = (
        ("now", cues.now),
        ("earlier", cues.earlier),
        ("habitual", cues.habitual),
        ("today", cues.today),
        ("recovered", cues.recovered),
    )
    for i in range(n):
        tok = canon[i]
        if tok == BOUNDARY:
            continue
        found = per_clause[clause_of[i]]
        # The longest cue at a position decides ("kal se" is ongoing, "kal" alone is earlier); cues do
        # not consume words, so a shorter cue inside a longer one still counts where it starts.
        for k in range(min(cues.max_len, n - i), 0, -1):
            key = tuple(canon[i : i + k])
            hit = [kind for kind, table in tables if key in table]
            if hit:
                found.update(hit)
                break
        nxt = canon[i + 1] if i + 1 < n else ""
        word = surf[i]
        if tok in _PROGRESSIVE:
            if nxt in _PRESENT_AUX or nxt in ("", BOUNDARY):
                found.add("now")  # "maar raha hai", "maar rahe", "चिल्ला रही है"
            elif nxt in _PAST_AUX or surf[i + 1] == "थे":
                found.add("earlier")  # "maar raha tha": just before the call, or long ago
        elif nxt in _CG_PRESENT_AUX and len(tok) >= 3 and tok.endswith("t") and not tok.isdecimal():
            found.add("now")  # Chhattisgarhi imperfective: "मारत हे", "जरत हें"
        elif nxt in _HINDI_PRESENT_AUX and len(tok) >= 2 and tok.endswith(("t", "ti", "te")):
            found.add("habitual")  # Hindi habitual present: "maarta hai", "पीटा जाता है", "deti hai"
        elif len(tok) >= 4 and tok.endswith(("the", "then")) and word not in _NOT_HABITUAL:
            found.add("habitual")  # Chhattisgarhi habitual: "मारथे", "आथे", "देथें", "marthe"
        if word in _ENGLISH_BE_NOW:
            if any(w.endswith("ing") for w in surf[i + 1 : i + 4]):
                found.add("now")  # "is beating", "keeps circling": going on as the caller speaks
        elif word in _ENGLISH_BE_PAST and any(w.endswith("ing") for w in surf[i + 1 : i + 4]):
            found.add("earlier")
    every: set[str] = set().union(*per_clause) if per_clause else set()
    return Aspect(
        now="now" in every,
        earlier="earlier" in every,
        habitual="habitual" in every,
        today="today" in every,
        recovered="recovered" in every,
        clauses=tuple(frozenset(c) for c in per_clause),
    )


@dataclass(frozen=True)
class Acuity:
    """The priority, whether it was a close call, and the signals behind it."""

    priority: int
    doubt: bool
    reasons: tuple[str, ...]


def _has(role: Mapping[str, float], *names: str, at_least: float = 0.0) -> bool:
    return any(role.get(n, 0.0) > at_least for n in names)


def decide(
    role: Mapping[str, float],
    critical: frozenset[str],
    aspect: Aspect,
    victim: str | None,
    category: str | None,
    later_cue: bool,
    harm_clauses: frozenset[int] = frozenset(),
    harm_ongoing: bool = False,
) -> Acuity:
    """Priority from danger signals and aspect.

    `role` holds the call's situation roles (weights), `critical` the roles of lexicon entries that mark
    a life-threatening state whenever present (entries with `priority: 1`), `victim` the woman/child
    victim the precedence logic found, `later_cue` an entry with `priority: 3` ("kal raat",
    "complaint"), `harm_clauses` the clauses that name violence against a person (their own aspect
    decides when it happens: "roz maarta hai, aaj wo ro rahi hai" is a habit, not an attack now), and
    `harm_ongoing` a violence word in the -ing form ("husband beating his wife").
    """
    reasons: list[str] = []
    doubt = False
    violence = _has(role, "violence", "violence_weak")
    person_harm = violence or _has(role, "sexual")
    ongoing = aspect.now or _has(role, "urgent", "distress")
    # Said to have happened before, or as a habit, and nothing says it is going on now.
    past_only = (aspect.earlier or aspect.habitual or later_cue) and not ongoing
    long_ago = aspect.earlier and not (aspect.today or aspect.now)
    someone = _has(role, "person", "woman", "child", "child_weak", "infant")
    animal_only = _has(role, "animal") and not someone
    child = victim == "child" or _has(role, "child", "infant")

    # -- life-threatening whenever present ------------------------------------------------------
    medical_critical = critical & {"medical", "poison", "self_harm", "drowning", "injury", "burn", "death"}
    if medical_critical and not aspect.recovered:
        reasons.append("critical:" + "+".join(sorted(medical_critical)))
    if _has(role, "self_harm"):
        reasons.append("self-harm")
    if role.get("poison", 0.0) >= 1.0:
        reasons.append("poison taken")
    abduction = role.get("abduction", 0.0)
    if (
        "abduction" in critical
        or abduction >= 1.0
        or (abduction > 0 and victim == "child")
        or (abduction >= 0.6 and victim == "women")
    ):
        reasons.append("abduction")
    if _has(role, "missing") and victim == "child" and not _has(role, "found"):
        reasons.append("child missing")  # a child the caller has found is safe now: urgent
    if _has(role, "infant") and (_has(role, "child_only", "medical", "injury") or victim == "child"):
        reasons.append("infant in danger")
    fire = _has(role, "fire")
    if _has(role, "trapped") and not animal_only:
        reasons.append("people trapped")
    elif (fire or _has(role, "collapse")) and _has(role, "inside") and someone:
        reasons.append("people inside")
        if _has(role, "evacuated"):
            doubt = True  # "most got out, one or two still inside": the operator asks
    if fire and not aspect.recovered:
        if _has(role, "burn"):
            reasons.append("burnt at a fire")
        if _has(role, "distress"):
            reasons.append("cries from a fire")
        if _has(role, "occupied") and not _has(role, "trapped", "inside"):
            reasons.append("fire where people are")
            doubt = doubt or _has(role, "evacuated")
    if "fire" in critical and not aspect.recovered and not _has(role, "evacuated"):
        reasons.append("blast")
    if _has(role, "toxic") and _has(role, "medical", "injury"):
        reasons.append("toxic exposure with symptoms")
    if _has(role, "burn") and (_has(role, "face", "severe") or child or role.get("burn", 0.0) > 1):
        reasons.append("serious burns")
    if _has(role, "pregnant") and _has(role, "injury"):
        reasons.append("pregnancy with bleeding or injury")
    if _has(role, "down") and _has(role, "accident", "injury", "medical"):
        reasons.append("person down")
    if _has(role, "pit") and someone and _has(role, "injury", "trapped", "drowning") and not animal_only:
        reasons.append("fallen into a pit or well")
    lethal = critical & {"violence", "strangle"} or _has(role, "strangle")
    if lethal and not long_ago:
        reasons.append("lethal violence")

    # -- violence against a person: depends on when ----------------------------------------------
    weapon = _has(role, "weapon")
    harm = aspect.of(harm_clauses)
    ongoing = harm.now or harm_ongoing or _has(role, "urgent", "distress")
    past_only = (harm.earlier or harm.habitual or later_cue) and not ongoing
    long_ago = harm.earlier and not (harm.today or harm.now)
    if person_harm:
        if weapon and not long_ago and (not past_only or harm.today):
            reasons.append("weapon in use")
            doubt = doubt or past_only  # "aaj danda leke daudaya": it happened today, is it over?
        elif ongoing:
            reasons.append("violence now")
        elif not past_only and not harm.today:
            reasons.append("violence, time not stated")
            doubt = True
    if weapon and not past_only and _has(role, "threat", "fight"):
        reasons.append("armed threat or fight")
    elif weapon and aspect.now and _has(role, "crime"):
        reasons.append("armed crime now")

    if reasons:
        return Acuity(1, doubt, tuple(reasons))

    # -- can wait: reported after the fact, nobody in danger now ---------------------------------
    danger = _has(role, "missing", "abduction", "medical", "injury", "fire", "accident", "trapped")
    if (
        _has(role, "property")
        and not _has(role, "robbery", "threat", "fight", "weapon")
        and not person_harm
        and not ongoing
        and not danger
        and category == "police"
    ):
        return Acuity(3, False, ("property taken, offender gone",))
    offence = _has(role, "crime", "harassment", "threat", "dowry", "child_only") or person_harm
    child_abuse = child and (person_harm or _has(role, "harassment"))
    if (
        past_only
        and offence
        and not child_abuse
        and not aspect.today
        and not danger
        and category in ("police", "women", "child")
    ):
        return Acuity(3, False, ("reported after the fact",))
    if (
        category == "police"
        and _has(role, "fraud")
        and not ongoing
        and not _has(role, "missing", "abduction", "injury", "threat", "fight")
    ):
        return Acuity(3, False, ("fraud",))
    return Acuity(2, False, ())
