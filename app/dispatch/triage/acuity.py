"""Acuity: how urgent a call is, decided on its own signals, not as a by-product of the category.

Priority 1 is life-threatening now, 2 urgent, 3 can wait. Two things decide it:

* **Signals of immediate danger**, read from the lexicon's roles: breathing, consciousness, heavy
  bleeding, burns, people trapped or inside a fire, a weapon in use, violence, a child missing or just
  taken, poison taken, hanging, drowning, labour with bleeding, a blast, toxic smoke with symptoms.
  Entries marked `priority: 1` in the lexicon are life-threatening whenever they are present.
* **Aspect** (`Aspect`): is it happening now ("maar raha hai", "मारत हे", "is beating", "abhi",
  "still"), earlier ("kal raat", "last week", "रहिस"), as a habit ("roz", "every night", "मारथे",
  "maarta hai") or today ("aaj", "tonight", "maar raha tha")? It is read per clause, so the time of
  the violence is the time of the clause that names it ("roz maarta hai, aaj wo ro rahi hai" is a
  habit, not an attack now). The cue words are data (`aspect:` in lexicon.yaml); the only grammar in
  code is how an auxiliary after a verb marks aspect: Hindi "raha hai" (now), "raha tha" (just
  before), "-ta hai" (habit); Chhattisgarhi "-त हे" (now), "-थे" (habit); English "is ...ing".

The rules (`decide`): a life-threatening signal gives 1; violence against a person gives 1 when it
is happening now, with a weapon today, or when the call does not say when — in doubt between 1 and 2
the answer is 1 and the call is flagged for review (over-triage costs a unit, under-triage can cost
a life). A habit or an earlier event with nobody in danger now gives 2, and 3 when it can wait: a
theft found afterwards, a fraud, harassment by phone or online, a complaint about the past.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .normalize import BOUNDARY, skeleton

# Auxiliaries after a verb, as skeletons, and what they mark.
_PROGRESSIVE = frozenset({"rh", "rhi", "rhe"})  # raha / rahi / rahe
_PRESENT_AUX = frozenset({"hi", "hin", "h", "hu", "hun", "he", "hen", "hv", "ho"})
_PAST_AUX = frozenset({"th", "thi"})  # tha / thi ("the" is also the English article: only थे counts)
_CG_PRESENT_AUX = frozenset({"he", "hen", "hv", "hvn"})  # Chhattisgarhi "मारत हे", "जरत हें"
_HINDI_PRESENT_AUX = frozenset({"hi", "hin", "h"})  # Hindi "है", "हैं", "h" (Chhattisgarhi says "हे")
_ERGATIVE = frozenset({"ne", "ने"})  # "हेडमास्टर ने पीटा": a completed act
_ENGLISH_BE_NOW = frozenset(
    {"is", "are", "am", "im", "its", "theyre", "hes", "shes", "keeps", "keep", "still", "being", "been"}
)
_ENGLISH_BE_PAST = frozenset({"was", "were"})
# Not the Chhattisgarhi habitual "-थे" although their skeletons end like it.
_NOT_HABITUAL = frozenset(
    {"breathe", "bathe", "clothe", "soothe", "loathe", "writhe", "the", "baithe", "bethe", "uthe"}
)
_CG_HABITUAL = ("थे", "थें", "थस", "थंव", "थन")  # -थे, not the -ठे of बइठे (both "the" in the skeleton)
# Devanagari "कि" ("that") opens reported speech: "बता रहा है कि चाचा रोज़ मारते हैं" has two times.
_SOFT_BOUNDARY = frozenset({"कि"})
MAX_ASPECT_PHRASE = 4

ASPECT_KINDS = ("now", "earlier", "habitual", "today", "future", "recovered", "remote")
_TIME_KINDS = frozenset({"now", "earlier", "habitual", "today", "future", "just_now"})


class AspectError(ValueError):
    """The aspect section of the lexicon is malformed."""


@dataclass(frozen=True)
class AspectCues:
    """Compiled aspect cue phrases: skeleton tuple -> the kinds it marks."""

    table: Mapping[tuple[str, ...], frozenset[str]]
    max_len: int


def compile_aspect(raw: Any) -> AspectCues:
    """Build the cue table from the lexicon's `aspect:` mapping (kind -> list of phrases)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise AspectError("aspect must be a mapping of kind -> phrases")
    if bad := set(raw) - set(ASPECT_KINDS):
        raise AspectError(f"unknown aspect kinds {sorted(bad)}")
    table: dict[tuple[str, ...], set[str]] = {}
    for kind in ASPECT_KINDS:
        phrases = raw.get(kind) or []
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise AspectError(f"aspect {kind}: needs a list of strings (quote no, yes, numbers)")
        for phrase in phrases:
            key = tuple(skeleton(phrase).split())
            if len(key) > MAX_ASPECT_PHRASE:
                raise AspectError(f"aspect {kind}: {phrase!r} has more than {MAX_ASPECT_PHRASE} words")
            if key:
                table.setdefault(key, set()).add(kind)
    longest = max((len(k) for k in table), default=1)
    return AspectCues({k: frozenset(v) for k, v in table.items()}, longest)


@dataclass(frozen=True)
class Aspect:
    """When the call says things happen: over the whole call, and per clause (by clause index)."""

    now: bool = False  # happening as the caller speaks
    earlier: bool = False  # happened before: last night, last week, "रहिस"
    habitual: bool = False  # a pattern: every night, "roz", "मारथे", "maarta hai"
    today: bool = False  # today, tonight, "maar raha tha": recent but perhaps over
    future: bool = False  # threatened, not done: "maar dega", "will kill"
    just_now: bool = False  # was going on until moments ago: "maar raha tha", "was beating her"
    recovered: bool = False  # the danger is over: "now fine", "put out", "bujha di"
    remote: bool = False  # by phone or online: "calls me", "messages", "photo viral"
    clauses: tuple[frozenset[str], ...] = ()  # the kinds found in each clause

    def of(self, clause_ids: frozenset[int], extra: frozenset[str] = frozenset()) -> Aspect:
        """The time of some clauses only, plus `extra` kinds read from their verbs' forms.

        A clause with no time cue of its own takes the one before it ("पति धमकी देता है कि तेजाब डाल
        देगा": the threat is a habit), and failing that the whole call's.
        """
        kinds: set[str] = set(extra)
        for i in clause_ids:
            own = self.clauses[i] & _TIME_KINDS if i < len(self.clauses) else frozenset()
            if not own and 0 < i <= len(self.clauses):
                own = self.clauses[i - 1] & _TIME_KINDS
            kinds |= own
        if not kinds:
            return self
        return Aspect(
            now="now" in kinds,
            earlier="earlier" in kinds,
            habitual="habitual" in kinds,
            today="today" in kinds,
            future="future" in kinds,
            just_now="just_now" in kinds,
            recovered=self.recovered,
            remote=self.remote,
            clauses=self.clauses,
        )


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
    per_clause: list[set[str]] = [set() for _ in range(clause_of[-1] + 1 if n else 0)]
    table, max_len = cues.table, cues.max_len
    for i in range(n):
        tok = canon[i]
        if tok == BOUNDARY:
            continue
        found = per_clause[clause_of[i]]
        # The longest cue at a position decides ("kal se" is ongoing, "kal" alone is earlier); cues do
        # not consume words, so a shorter cue inside a longer one still counts where it starts.
        for k in range(min(max_len, n - i), 0, -1):
            hit = table.get(tuple(canon[i : i + k]))
            if hit is not None:
                found.update(hit)
                break
        nxt = canon[i + 1] if i + 1 < n else ""
        word = surf[i]
        if tok in _PROGRESSIVE:
            if nxt in _PRESENT_AUX or nxt in ("", BOUNDARY):
                found.add("now")  # "maar raha hai", "maar rahe", "चिल्ला रही है"
            elif nxt in _PAST_AUX or surf[i + 1] == "थे":
                found.update(("today", "just_now"))  # "maar raha tha": going on until moments ago
        elif nxt in _CG_PRESENT_AUX and len(tok) >= 3 and tok.endswith("t") and not tok.isdecimal():
            found.add("now")  # Chhattisgarhi imperfective: "मारत हे", "जरत हें"
        elif nxt in _HINDI_PRESENT_AUX and len(tok) >= 2 and tok.endswith(("t", "ti", "te")):
            found.add("habitual")  # Hindi habitual present: "maarta hai", "पीटा जाता है", "deti hai"
        elif (
            len(tok) >= 4
            and tok.endswith(("the", "then"))
            and word not in _NOT_HABITUAL
            and (word.isascii() or word.endswith(_CG_HABITUAL))
        ):
            found.add("habitual")  # Chhattisgarhi habitual: "मारथे", "आथे", "देथें", "marthe"
        if word in _ENGLISH_BE_NOW:
            if any(w.endswith("ing") for w in surf[i + 1 : i + 4]):
                found.add("now")  # "is beating", "keeps circling": going on as the caller speaks
        elif word in _ENGLISH_BE_PAST and any(w.endswith("ing") for w in surf[i + 1 : i + 4]):
            found.update(("today", "just_now"))  # "was beating her": just before the call, most often
    every: set[str] = set().union(*per_clause) if per_clause else set()
    return Aspect(
        now="now" in every,
        earlier="earlier" in every,
        habitual="habitual" in every,
        today="today" in every,
        future="future" in every,
        just_now="just_now" in every,
        recovered="recovered" in every,
        remote="remote" in every,
        clauses=tuple(frozenset(c) for c in per_clause),
    )


def verb_form(word: str, clause_words: Sequence[str]) -> frozenset[str]:
    """Aspect read from the form of a violence word itself and its clause.

    English "-ing" is going on ("husband beating his wife"), a third-person "-s" is a habit ("the
    owner slaps him"); a Hindi clause with the ergative "ने" reports a completed act.
    """
    kinds: set[str] = set()
    if word.isascii():
        if word.endswith("ing"):
            kinds.add("now")
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            kinds.add("habitual")
    if any(w in _ERGATIVE for w in clause_words):
        kinds.add("today")  # done, recently: "देवर ने चाकू से हमला किया, गहरा घाव है"
    return frozenset(kinds)


FUTURE_REACH = 3  # words after a violence word where a future verb makes it a threat ("daal dega")


def is_future(cues: AspectCues, canon: Sequence[str], start: int) -> bool:
    """A future-tense cue within FUTURE_REACH words from `start`, in the same clause."""
    for j in range(start, min(start + FUTURE_REACH, len(canon))):
        if canon[j] == BOUNDARY:
            return False
        kinds = cues.table.get((canon[j],))
        if kinds is not None and "future" in kinds:
            return True
        if j + 1 < len(canon):
            pair = cues.table.get((canon[j], canon[j + 1]))
            if pair is not None and "future" in pair:
                return True
    return False


@dataclass(frozen=True)
class Acuity:
    """The priority, whether it was a close call between 1 and 2, and the signals behind it."""

    priority: int
    doubt: bool
    reasons: tuple[str, ...]


def _has(role: Mapping[str, float], *names: str) -> bool:
    return any(role.get(n, 0.0) > 0 for n in names)


_MEDICAL_CRITICAL = frozenset({"medical", "poison", "self_harm", "drowning", "injury", "burn", "death"})
_DANGER = ("missing", "medical", "injury", "fire", "accident", "trapped", "drowning", "poison", "self_harm")


def decide(
    role: Mapping[str, float],
    critical: frozenset[str],
    aspect: Aspect,
    victim: str | None,
    category: str | None,
    later_cue: bool,
    harm_clauses: frozenset[int] = frozenset(),
    harm_form: frozenset[str] = frozenset(),
) -> Acuity:
    """Priority from danger signals and aspect.

    `role` holds the call's situation roles (weights), `critical` the roles of lexicon entries that mark
    a life-threatening state whenever present (entries with `priority: 1`), `victim` the woman/child
    victim the precedence logic found, `later_cue` an entry with `priority: 3` ("kal raat",
    "complaint"), `harm_clauses` the clauses that name violence against a person and `harm_form` the
    aspect of those words' own forms (`verb_form`).
    """
    reasons: list[str] = []
    doubt = False
    someone = _has(role, "person", "woman", "child", "child_weak", "infant")
    animal_only = _has(role, "animal") and not someone
    child = victim == "child" or _has(role, "child", "infant")
    # A hitting word without a person at the receiving end ("labourers hit the pipe") is no assault.
    violence = _has(role, "violence") or (
        _has(role, "violence_weak") and category in ("police", "women", "child")
    )
    person_harm = violence or _has(role, "sexual")
    harm = aspect.of(harm_clauses, harm_form - {"threatened"}) if person_harm else aspect
    if "threatened" in harm_form or (
        harm.future and not (harm.now or harm.today or harm.earlier or harm.habitual)
    ):
        person_harm = False  # "tezab daal dega", "will kill you": a threat, weighed as one below
    ongoing = harm.now or _has(role, "urgent", "distress")
    # Said to have happened before, or as a habit, and nothing says it is going on now.
    past_only = (harm.earlier or harm.habitual or later_cue) and not ongoing
    long_ago = harm.earlier and not (harm.today or harm.now)
    evacuated = _has(role, "evacuated")
    fire = _has(role, "fire") and not aspect.recovered

    # -- life-threatening whenever present ------------------------------------------------------
    medical_critical = critical & _MEDICAL_CRITICAL
    if medical_critical and not aspect.recovered:
        reasons.append("critical: " + "+".join(sorted(medical_critical)))
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
    if _has(role, "trapped") and not animal_only:
        reasons.append("people trapped")
    elif (fire or _has(role, "collapse")) and _has(role, "inside") and someone:
        reasons.append("people inside")
        doubt = doubt or evacuated  # "most got out, one or two still inside": the operator asks
    if fire and not evacuated:
        if _has(role, "burn") and someone:
            reasons.append("people burnt at a fire")
        if _has(role, "distress"):
            reasons.append("cries from a fire")
        if _has(role, "occupied") and not _has(role, "trapped", "inside"):
            reasons.append("fire where people are")
            doubt = True  # nobody said anyone is inside
    if "fire" in critical and not aspect.recovered and not evacuated:
        reasons.append("blast")
    if _has(role, "toxic") and _has(role, "medical", "injury"):
        reasons.append("toxic exposure with symptoms")
    if _has(role, "burn"):
        if _has(role, "face", "severe") or child:
            reasons.append("serious burns")
        elif role.get("burn", 0.0) > 1:
            reasons.append("burns")
            doubt = True
    if _has(role, "pregnant") and _has(role, "injury"):
        reasons.append("pregnancy with bleeding or injury")
    if _has(role, "down") and _has(role, "accident", "injury", "medical"):
        reasons.append("person down")
    if _has(role, "pit") and someone and _has(role, "injury", "trapped", "drowning") and not animal_only:
        reasons.append("fallen into a pit or well")
    lethal = critical & {"violence", "strangle"} or _has(role, "strangle")
    if lethal and not long_ago and not (harm.future and not harm.now):
        reasons.append("lethal violence")

    # -- violence against a person: depends on when ----------------------------------------------
    weapon = _has(role, "weapon")
    if person_harm:
        if weapon and not long_ago and (not past_only or harm.today or aspect.today):
            reasons.append("weapon in use")
            doubt = doubt or past_only  # "aaj danda leke daudaya": it happened today, is it over?
        elif ongoing:
            reasons.append("violence now")
        elif harm.just_now:
            reasons.append("violence just now")  # "maar raha tha, ab awaaz band ho gayi"
            doubt = True
        elif not past_only and not harm.today:
            reasons.append("violence, time not stated")
            doubt = True
    if weapon and not past_only and _has(role, "threat", "fight"):
        reasons.append("armed threat or fight")
    elif weapon and aspect.now and _has(role, "crime"):
        reasons.append("armed crime now")
        doubt = True

    if reasons:
        return Acuity(1, doubt, tuple(reasons))

    # -- can wait: reported after the fact, nobody in danger now ---------------------------------
    danger = _has(role, *_DANGER) or abduction >= 1.0
    if (
        category == "police"
        and _has(role, "property")
        and not _has(role, "robbery", "threat", "fight", "weapon")
        and not person_harm
        and not ongoing
        and not danger
    ):
        return Acuity(3, False, ("property taken, offender gone",))
    if category == "police" and _has(role, "fraud") and not ongoing and not danger:
        return Acuity(3, False, ("fraud",))
    offence = _has(role, "crime", "harassment", "threat", "dowry", "child_only") or person_harm
    # Abuse, labour or confinement of a child is never "can wait"; nor is being followed or threatened
    # in person: only what reaches the victim remotely (calls, messages, photos) or long ago can wait.
    child_abuse = child and (person_harm or _has(role, "child_only", "harassment"))
    in_person = _has(role, "harassment", "threat") and not aspect.remote and not long_ago
    beaten = violence and not long_ago  # violence against a person as a habit is urgent, not "can wait"
    if (
        past_only
        and offence
        and not child_abuse
        and not in_person
        and not beaten
        and not aspect.today
        and not danger
        and abduction == 0
        and category in ("police", "women")
    ):
        return Acuity(3, False, ("reported after the fact",))
    if (
        aspect.remote
        and _has(role, "harassment")
        and not _has(role, "threat")
        and not person_harm
        and not danger
        and abduction == 0
        and category in ("police", "women", "child")
        and not aspect.today
        and not _has(role, "urgent", "distress")
    ):
        return Acuity(3, False, ("harassment by phone or online",))
    return Acuity(2, False, ())
