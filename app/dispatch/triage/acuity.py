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

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .normalize import BOUNDARY, skeleton, surface

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
_ALL_AUX = _PRESENT_AUX | _PAST_AUX | _CG_PRESENT_AUX | _HINDI_PRESENT_AUX
_ENGLISH_BE = _ENGLISH_BE_NOW | _ENGLISH_BE_PAST
# Not the Chhattisgarhi habitual "-थे" although their skeletons end like it.
_NOT_HABITUAL = frozenset(
    {"breathe", "bathe", "clothe", "soothe", "loathe", "writhe", "the", "baithe", "bethe", "uthe"}
)
_CG_HABITUAL = ("थे", "थें", "थस", "थंव", "थन")  # -थे, not the -ठे of बइठे (both "the" in the skeleton)
_HABITUAL_ENDINGS = ("the", "then", *_CG_HABITUAL)
# Words ending like a habitual; the pattern starts with a literal so the search skips ahead (a bare "the"
# or "थे", with a space before it, is no habitual and is skipped in `_ends_habitual`).
_HABITUAL_RE = re.compile("(?:" + "|".join(_HABITUAL_ENDINGS) + r")(?= |$)")
_GRAMMAR_WORDS = _PROGRESSIVE | _ALL_AUX
# Devanagari "कि" ("that") opens reported speech: "बता रहा है कि चाचा रोज़ मारते हैं" has two times.
MAX_ASPECT_PHRASE = 4
TEEN_AGE = 12  # a missing child this old or older is more often late or run away than in danger

ASPECT_KINDS = ("now", "earlier", "habitual", "today", "future", "recovered", "remote")
_TIME_KINDS = frozenset({"now", "earlier", "habitual", "today", "future", "just_now"})


class AspectError(ValueError):
    """The aspect section of the lexicon is malformed."""


@dataclass(frozen=True)
class AspectCues:
    """Compiled aspect cue phrases: skeleton tuple -> the kinds it marks."""

    table: Mapping[tuple[str, ...], frozenset[str]]
    max_len: int
    # first two words -> lengths (2+) of the cues starting with them, longest first
    lengths: Mapping[tuple[str, str], tuple[int, ...]]
    # every word that can start a cue or is an auxiliary the grammar rules look at
    triggers: frozenset[str]
    single: Mapping[str, frozenset[str]]  # one-word cues by their skeleton
    # one-word cues written "=word" in the lexicon, by their surface spellings (matched only as spelt)
    exact: Mapping[str, frozenset[str]] = field(default_factory=dict)
    exact_words: frozenset[str] = frozenset()

    def kinds_of(self, tok: str, word: str) -> frozenset[str] | None:
        """Kinds of a one-word cue: by the token's skeleton, or by its spelling for "=word" cues."""
        return self.single.get(tok) or self.exact.get(word)


def compile_aspect(raw: Any) -> AspectCues:
    """Build the cue table from the lexicon's `aspect:` mapping (kind -> list of phrases)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise AspectError("aspect must be a mapping of kind -> phrases")
    if bad := set(raw) - set(ASPECT_KINDS):
        raise AspectError(f"unknown aspect kinds {sorted(bad)}")
    table: dict[tuple[str, ...], set[str]] = {}
    exact: dict[str, set[str]] = {}
    for kind in ASPECT_KINDS:
        phrases = raw.get(kind) or []
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise AspectError(f"aspect {kind}: needs a list of strings (quote no, yes, numbers)")
        for phrase in phrases:
            if phrase.startswith("="):
                words = surface(phrase[1:]).split()
                if len(words) != 1:
                    raise AspectError(f"aspect {kind}: {phrase!r}: only one word can be matched as spelt")
                for spelling in _spellings(words[0]):
                    exact.setdefault(spelling, set()).add(kind)
                continue
            key = tuple(skeleton(phrase).split())
            if len(key) > MAX_ASPECT_PHRASE:
                raise AspectError(f"aspect {kind}: {phrase!r} has more than {MAX_ASPECT_PHRASE} words")
            if key:
                table.setdefault(key, set()).add(kind)
    longest = max((len(k) for k in table), default=1)
    lengths: dict[tuple[str, str], set[int]] = {}
    for key in table:
        if len(key) > 1:
            lengths.setdefault((key[0], key[1]), set()).add(len(key))
    return AspectCues(
        {k: frozenset(v) for k, v in table.items()},
        longest,
        {w: tuple(sorted(ns, reverse=True)) for w, ns in lengths.items()},
        frozenset(k[0] for k in table) | _PROGRESSIVE | _ALL_AUX,
        {k[0]: frozenset(v) for k, v in table.items() if len(k) == 1},
        {w: frozenset(v) for w, v in exact.items()},
        frozenset(exact),
    )


def _spellings(word: str) -> set[str]:
    """A word as spelt, with and without nukta, chandrabindu or anusvara (written either way in calls)."""
    plain = word.replace("\u093c", "")
    return {word, plain, plain.replace("\u0901", "\u0902"), plain.replace("\u0902", "\u0901")}


class Aspect:
    """When the call says things happen: the kinds of time cue found, over the call and per clause.

    Kinds: `now` (happening as the caller speaks), `earlier` (last night, last week, "रहिस"),
    `habitual` (every night, "roz", "मारथे", "maarta hai"), `today` (today, tonight, "maar raha tha"),
    `future` (threatened, not done: "maar dega", "will kill"), `just_now` (going on until moments ago),
    `recovered` (the danger is over: "put out", "now fine"), `remote` (by phone or online).
    """

    __slots__ = ("clauses", "kinds")

    def __init__(
        self, kinds: frozenset[str] = frozenset(), clauses: Mapping[int, set[str]] | None = None
    ) -> None:
        self.kinds = kinds
        self.clauses: Mapping[int, set[str]] = clauses if clauses is not None else {}

    @property
    def now(self) -> bool:
        """Happening as the caller speaks."""
        return "now" in self.kinds

    @property
    def earlier(self) -> bool:
        """Happened before: last night, last week."""
        return "earlier" in self.kinds

    @property
    def habitual(self) -> bool:
        """A pattern: every night, "roz"."""
        return "habitual" in self.kinds

    @property
    def today(self) -> bool:
        """Today or tonight, or going on until moments ago."""
        return "today" in self.kinds

    @property
    def future(self) -> bool:
        """Threatened, not done."""
        return "future" in self.kinds

    @property
    def just_now(self) -> bool:
        """Going on until moments ago ("maar raha tha")."""
        return "just_now" in self.kinds

    @property
    def recovered(self) -> bool:
        """The danger is over ("put out", "now fine")."""
        return "recovered" in self.kinds

    @property
    def remote(self) -> bool:
        """By phone or online."""
        return "remote" in self.kinds

    def of(self, clause_ids: frozenset[int], extra: frozenset[str] = frozenset()) -> Aspect:
        """The time of some clauses only, plus `extra` kinds read from their verbs' forms.

        A clause with no time cue of its own takes the one before it ("पति धमकी देता है कि तेजाब डाल
        देगा": the threat is a habit), and failing that the whole call's.
        """
        kinds: set[str] = set(extra)
        clauses = self.clauses
        for i in clause_ids:
            own = clauses.get(i)
            own_time = own & _TIME_KINDS if own else None
            if not own_time:
                before = clauses.get(i - 1)
                own_time = before & _TIME_KINDS if before else None
            if own_time:
                kinds |= own_time
        if not kinds:
            return self
        return Aspect(frozenset(kinds) | (self.kinds - _TIME_KINDS), clauses)


NO_ASPECT = Aspect()


class Clauses:
    """Clause index of any token: clause punctuation and "कि" start a new clause."""

    __slots__ = ("starts",)

    def __init__(self, canon: Sequence[str], surf: Sequence[str]) -> None:
        if "कि" in surf:
            self.starts = [
                i for i, (t, w) in enumerate(zip(canon, surf, strict=True)) if t == BOUNDARY or w == "कि"
            ]
        elif BOUNDARY in canon:
            self.starts = _positions(canon, _BOUNDARY_ONLY)
        else:
            self.starts = []

    def __getitem__(self, i: int) -> int:
        """The clause of token i (0 for the first clause)."""
        return bisect_right(self.starts, i) if self.starts else 0

    def span(self, i: int, n: int) -> tuple[int, int]:
        """Token range [lo, hi) of the clause of token i in a call of n tokens."""
        c = self[i]
        lo = self.starts[c - 1] if c > 0 else 0
        hi = self.starts[c] if c < len(self.starts) else n
        return lo, hi


_BOUNDARY_ONLY = frozenset({BOUNDARY})


def _positions(words: Sequence[str], wanted: frozenset[str]) -> list[int]:
    """Indexes of the words in `wanted`, in order (found by C-level search, not a word-by-word loop)."""
    hits = wanted.intersection(words)
    if not hits:
        return []
    if not isinstance(words, list):
        words = list(words)
    out: list[int] = []
    for w in hits:
        i = -1
        for _ in range(words.count(w)):
            i = words.index(w, i + 1)
            out.append(i)
    if len(hits) > 1:
        out.sort()
    return out


def _ends_habitual(text: str) -> bool:
    """Some word of the text (words joined by single spaces) ends like a habitual: "marthe", "आथे"."""
    return any(m.start() and text[m.start() - 1] != " " for m in _HABITUAL_RE.finditer(text))


def clause_ids(canon: Sequence[str], surf: Sequence[str]) -> Clauses:
    """The clause index of every token, looked up as `clause_ids(...)[i]`."""
    return Clauses(canon, surf)


def read_aspect(
    cues: AspectCues, canon: Sequence[str], surf: Sequence[str], clause_of: Clauses | None = None
) -> Aspect:
    """Scan a call's canonical tokens (and surface forms, for English and Devanagari) for aspect cues.

    Only the positions of trigger words (cue starts, auxiliaries, English "is"/"was", words ending like
    the Chhattisgarhi habitual) are examined: a call is scanned in one comprehension, not word by word.
    """
    n = len(canon)
    if clause_of is None:
        clause_of = clause_ids(canon, surf)
    found: dict[int, set[str]] = {}  # clause -> kinds, filled only where a cue is
    table, lengths, single = cues.table, cues.lengths, cues.single
    for i in _positions(canon, cues.triggers):
        tok = canon[i]
        nxt = canon[i + 1] if i + 1 < n else ""
        # The longest cue at a position decides ("kal se" is ongoing, "kal" alone is earlier); cues do
        # not consume words, so a shorter cue inside a longer one still counts where it starts.
        hit = None
        ks = lengths.get((tok, nxt))
        if ks is not None:
            for k in ks:
                hit = table.get(tuple(canon[i : i + k]))
                if hit is not None:
                    break
        if hit is None:
            hit = single.get(tok)
        if hit is not None:
            found.setdefault(clause_of[i], set()).update(hit)
        if tok not in _GRAMMAR_WORDS:
            continue
        if tok in _PROGRESSIVE:
            if nxt in _PRESENT_AUX or nxt in ("", BOUNDARY):
                found.setdefault(clause_of[i], set()).add("now")  # "maar raha hai", "चिल्ला रही है"
            elif nxt in _PAST_AUX or surf[i + 1] == "थे":
                # "maar raha tha": going on until moments ago
                found.setdefault(clause_of[i], set()).update(("today", "just_now"))
        elif i > 0 and tok in _ALL_AUX:
            prev = canon[i - 1]
            if prev in _PROGRESSIVE or prev == BOUNDARY or prev.isdecimal():
                continue
            if tok in _CG_PRESENT_AUX and len(prev) >= 3 and prev.endswith("t"):
                found.setdefault(clause_of[i - 1], set()).add("now")  # Chhattisgarhi "मारत हे", "जरत हें"
            elif tok in _HINDI_PRESENT_AUX and len(prev) >= 2 and prev.endswith(("t", "ti", "te")):
                found.setdefault(clause_of[i - 1], set()).add("habitual")  # Hindi "maarta hai", "deti hai"
    if cues.exact:
        for i in _positions(surf, cues.exact_words):
            found.setdefault(clause_of[i], set()).update(cues.exact[surf[i]])  # "today", "kal", "app"
    habitual = _ends_habitual(" ".join(surf))
    if habitual:
        candidates = [i for i, w in enumerate(surf) if w in _ENGLISH_BE or w.endswith(_HABITUAL_ENDINGS)]
    else:
        candidates = _positions(surf, _ENGLISH_BE)
    if candidates:
        for i in candidates:
            word = surf[i]
            if word in _ENGLISH_BE_NOW:
                if any(w.endswith("ing") for w in surf[i + 1 : i + 4]):
                    # "is beating", "keeps circling": going on as the caller speaks
                    found.setdefault(clause_of[i], set()).add("now")
            elif word in _ENGLISH_BE_PAST:
                if any(w.endswith("ing") for w in surf[i + 1 : i + 4]):
                    # "was beating her": just before the call, most often
                    found.setdefault(clause_of[i], set()).update(("today", "just_now"))
            elif (
                word.endswith(_HABITUAL_ENDINGS)
                and len(canon[i]) >= 4
                and word not in _NOT_HABITUAL
                and (word.isascii() or word.endswith(_CG_HABITUAL))
            ):
                # Chhattisgarhi habitual: "मारथे", "आथे", "देथें", "marthe"
                found.setdefault(clause_of[i], set()).add("habitual")
    if not found:
        return NO_ASPECT
    return Aspect(frozenset().union(*found.values()), found)


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


def is_future(cues: AspectCues, canon: Sequence[str], surf: Sequence[str], start: int) -> bool:
    """A future-tense cue within FUTURE_REACH words from `start`, in the same clause."""
    for j in range(start, min(start + FUTURE_REACH, len(canon))):
        if canon[j] == BOUNDARY:
            return False
        kinds = cues.kinds_of(canon[j], surf[j])
        if kinds is not None and "future" in kinds:
            return True
        if j + 1 < len(canon):
            pair = cues.table.get((canon[j], canon[j + 1]))
            if pair is not None and "future" in pair:
                return True
    return False


def future_before(cues: AspectCues, canon: Sequence[str], surf: Sequence[str], start: int) -> bool:
    """A future-tense cue within FUTURE_REACH words before `start`, in the same clause ("will burn")."""
    for j in range(start - 1, max(start - FUTURE_REACH, 0) - 1, -1):
        if canon[j] == BOUNDARY:
            return False
        kinds = cues.kinds_of(canon[j], surf[j])
        if kinds is None and j > 0:
            kinds = cues.table.get((canon[j - 1], canon[j]))
        if kinds is not None and "future" in kinds:
            return True
    return False


@dataclass(slots=True)
class Acuity:
    """The priority, whether it was a close call between 1 and 2, and the signals behind it."""

    priority: int
    doubt: bool
    reasons: tuple[str, ...]


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
    present: frozenset[str] | None = None,
    fire_clauses: frozenset[int] = frozenset(),
) -> Acuity:
    """Priority from danger signals and aspect.

    `role` holds the call's situation roles (weights), `critical` the roles of lexicon entries that mark
    a life-threatening state whenever present (entries with `priority: 1`), `victim` the woman/child
    victim the precedence logic found, `later_cue` an entry with `priority: 3` ("kal raat",
    "complaint"), `harm_clauses` the clauses that name violence against a person and `harm_form` the
    aspect of those words' own forms (`verb_form`), `present` the roles with a positive weight, and
    `fire_clauses` the clauses that name a fire (is it still burning, or was it put out?).
    """
    if present is None:
        present = frozenset(k for k, v in role.items() if v > 0)

    reasons: list[str] = []
    doubt = False
    someone = not present.isdisjoint(("person", "woman", "child", "child_weak", "infant", "male"))
    animal_only = "animal" in present and not someone
    child = victim == "child" or not present.isdisjoint(("child", "infant"))
    # A hitting word without a person at the receiving end ("labourers hit the pipe") is no assault.
    violence = "violence" in present or (
        "violence_weak" in present and category in ("police", "women", "child")
    )
    person_harm = violence or "sexual" in present
    harm = aspect.of(harm_clauses, harm_form - {"threatened"}) if person_harm else aspect
    if "threatened" in harm_form or (
        harm.future and not (harm.now or harm.today or harm.earlier or harm.habitual)
    ):
        person_harm = False  # "tezab daal dega", "will kill you": a threat, weighed as one below
    ongoing = harm.now or not present.isdisjoint(("urgent", "distress"))
    # Said to have happened before, or as a habit, and nothing says it is going on now.
    past_only = (harm.earlier or harm.habitual or later_cue) and not ongoing
    long_ago = harm.earlier and not (harm.today or harm.now)
    evacuated = "evacuated" in present
    fire = "fire" in present and not aspect.recovered

    # Conscious again, fits stopped, bleeding stopped, a fire put out: the medical danger has passed.
    calm = "recovered_med" in present or aspect.recovered
    age = role.get("age", 0.0) - 1.0 if "age" in present else None  # youngest stated age

    # -- life-threatening whenever present ------------------------------------------------------
    medical_critical = critical & _MEDICAL_CRITICAL
    if medical_critical and not calm:
        reasons.append("critical: " + "+".join(sorted(medical_critical)))
    if "self_harm" in present:
        reasons.append("self-harm")
    if role.get("poison", 0.0) >= 1.0:
        reasons.append("poison taken")
    abduction = role.get("abduction", 0.0)
    if (
        "abduction" in critical
        or abduction >= 1.0
        or (abduction > 0 and victim == "child")
        or (abduction >= 0.6 and victim == "women")
    ) and not long_ago:
        reasons.append("abduction")
    if "missing" in present and victim == "child" and "found" not in present:
        if age is None or age < TEEN_AGE:
            reasons.append("child missing")  # a small child lost an hour ago is in danger now
        elif not long_ago:
            reasons.append("teenager missing")  # a 16-year-old late home: urgent, the operator decides
            doubt = True
    if (
        "infant" in present
        and not long_ago
        and not calm
        and (not present.isdisjoint(("child_only", "medical", "injury")) or victim == "child")
    ):
        reasons.append("infant in danger")
    if "trapped" in present and not animal_only:
        reasons.append("people trapped")
    elif (fire or "collapse" in present) and "inside" in present and someone:
        reasons.append("people inside")
        doubt = doubt or evacuated  # "most got out, one or two still inside": the operator asks
    if "many_hurt" in present and not calm and not long_ago:
        reasons.append("several people hurt")  # a mass casualty: how badly is for the operator to ask
        doubt = True
    if "stuck" in present and not present.isdisjoint(("medical", "injury")):
        reasons.append("stuck and unwell")  # a lift with someone breathless in it
    if "rescue" in present and not calm:
        reasons.append("in the water")
    if fire and not evacuated:
        if "burn" in present and someone:
            reasons.append("people burnt at a fire")
        if "distress" in present:
            reasons.append("cries from a fire")
        if "occupied" in present and present.isdisjoint(("trapped", "inside")):
            reasons.append("fire where people are")
            doubt = True  # nobody said anyone is inside
    if "fire" in critical and not aspect.recovered and not evacuated:
        reasons.append("blast")
    if "toxic" in present and not evacuated and not present.isdisjoint(("medical", "injury", "uncontrolled")):
        reasons.append("toxic exposure or a leak out of control")
    elif "toxic" in present and not evacuated and not calm and (someone or "occupied" in present):
        reasons.append("gas leak where people are")  # a spark away from a blast; is it shut off? ask
        doubt = True
    if "burn" in present and not long_ago:
        if not present.isdisjoint(("face", "severe")) or child:
            reasons.append("serious burns")
        elif role.get("burn", 0.0) > 1:
            reasons.append("burns")
            doubt = True
    if "pregnant" in present and (
        role.get("injury", 0.0) > 0.5 or ("severe" in present and "medical" in present)
    ):
        reasons.append("pregnancy with bleeding or injury")
    if "down" in present and "accident" in present and "death" not in present:
        reasons.append("person down")
    if (
        "pit" in present
        and someone
        and not present.isdisjoint(("injury", "trapped", "drowning"))
        and not animal_only
    ):
        reasons.append("fallen into a pit or well")
    lethal = critical & {"violence", "strangle"} or "strangle" in present
    if lethal and not long_ago and not (harm.future and not harm.now):
        reasons.append("lethal violence")

    # -- violence against a person: depends on when ----------------------------------------------
    weapon = "weapon" in present
    lethal_weapon = "lethal_weapon" in present
    attacker_gone = "calm" in present
    if person_harm:
        if weapon and ongoing and not attacker_gone:
            reasons.append("weapon in use")
        elif lethal_weapon and not long_ago and (not past_only or harm.today or aspect.today):
            reasons.append("attacked with a weapon")  # a knife, an axe, a gun: even when it is over
            doubt = doubt or past_only or attacker_gone
        elif ongoing and not attacker_gone:
            reasons.append("violence now")
        elif harm.just_now and not attacker_gone:
            reasons.append("violence just now")  # "maar raha tha, ab awaaz band ho gayi"
            doubt = True
        elif not past_only and not harm.today and not attacker_gone:
            reasons.append("violence, time not stated")
            doubt = True
        if "mob_attack" in present and "threat" not in present and not long_ago and not reasons:
            reasons.append("mob violence")  # a crowd or a panchayat beating someone: a lynching
            doubt = True
    if weapon and not past_only and not present.isdisjoint(("threat", "fight")):
        reasons.append("armed threat or fight")
        doubt = doubt or not lethal_weapon
    elif weapon and (aspect.now or ongoing) and category == "police":
        reasons.append("armed and active now")  # bank robbers with guns, a man waving a knife
        doubt = True
    if "distress" in present and ongoing and not present.isdisjoint(("crime", "threat", "abduction")):
        reasons.append("hiding from an offender")  # a burglar in the house, the family hiding upstairs
    if "explosive" in present and not long_ago:
        reasons.append("suspected explosive")  # wires out of an unclaimed bag at a station: evacuate now
    if "sexual" in present and not present.isdisjoint(("injury", "burn")) and not long_ago:
        reasons.append("sexual assault with injuries")  # raped an hour ago, bleeding: care and evidence now
    if not present.isdisjoint(("robbery", "property")) and lethal_weapon and not long_ago and not past_only:
        reasons.append("armed robbery just now")  # "pistol dikha ke cash le ke bhage": armed, close by
    if (
        "inside" in present
        and not present.isdisjoint(("crime", "property", "robbery"))
        and (aspect.now or ongoing)
        and not fire
        and not evacuated
    ):
        reasons.append("intruder inside now")  # "the lock is broken, a torch is moving inside right now"
        doubt = True

    if reasons:
        return Acuity(1, doubt, tuple(reasons))

    # -- can wait: reported after the fact, nobody in danger now ---------------------------------
    # A threat to burn someone or their home is a danger even when it is said as a habit.
    danger = not present.isdisjoint(_DANGER) or abduction >= 1.0 or "robbery" in present
    danger = danger or "threat_life" in present
    if (
        category == "police"
        and "property" in present
        and present.isdisjoint(("robbery", "threat", "fight", "weapon"))
        and not person_harm
        and not ongoing
        and not danger
    ):
        return Acuity(3, False, ("property taken or lost, offender gone",))
    if (
        category == "police"
        and "fraud" in present
        and "robbery" not in present
        and not ongoing
        and not danger
    ):
        return Acuity(3, False, ("fraud",))
    routine = "transport" in present or "later" in present
    acute = ("injury", "rescue", "pregnant", "burn", "poison", "self_harm", "trapped", "stuck")
    if routine and not ongoing and present.isdisjoint(acute) and not critical:
        return Acuity(3, False, ("routine request",))  # an operation next week, an ambulance for dialysis
    fire_now = aspect.of(fire_clauses).now if fire_clauses else aspect.now
    if (
        category == "fire"
        and aspect.recovered
        and not fire_now
        and present.isdisjoint(("urgent", "distress"))
        and not (someone and not present.isdisjoint(("burn", "injury")))
        and present.isdisjoint(("trapped", "inside", "toxic"))
    ):
        return Acuity(3, False, ("fire out, nobody hurt",))  # "we put it out ourselves", "बुझ गई है"
    if (
        (aspect.earlier or later_cue)
        and not (aspect.now or aspect.today or ongoing)
        and calm
        and present.isdisjoint(("burn", "injury", "missing", "abduction"))
    ):
        return Acuity(3, False, ("over, nobody in danger",))  # "fire last night, we put it out"
    offence = not present.isdisjoint(("crime", "harassment", "threat", "dowry", "child_only")) or person_harm
    # Harm going on today, and beating that goes on as a habit, cannot wait; a pattern without violence
    # reported without anything today (labour, taunts, messages) and old events can.
    beaten = violence and not long_ago
    # A child harmed by someone stays within the offender's reach: never "can wait".
    # A sexual assault reported the next day still needs an examination and evidence today: not "can wait".
    if (
        past_only
        and offence
        and not beaten
        and not aspect.today
        and not danger
        and abduction == 0
        and category in ("police", "women", "child")
        and victim != "child"
        and "sexual" not in present
        and not (victim == "women" and harm.habitual and ("dowry" in present or violence))
    ):
        return Acuity(3, False, ("reported after the fact",))
    if (
        aspect.remote
        and "harassment" in present
        and "threat" not in present
        and not person_harm
        and not danger
        and abduction == 0
        and category in ("police", "women", "child")
        and victim != "child"
        and not aspect.today
        and present.isdisjoint(("urgent", "distress"))
    ):
        return Acuity(3, False, ("harassment by phone or online",))
    return Acuity(2, False, ())
