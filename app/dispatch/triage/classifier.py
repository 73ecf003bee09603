"""Rule-and-lexicon triage: phrase matching, negation, then role-based precedence."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import compress, pairwise
from operator import attrgetter, itemgetter
from typing import Any

from .acuity import Acuity, clause_ids, decide, future_before, is_future, read_aspect, verb_form
from .lexicon import SERVICES, Entry, Group, Lexicon, Word, load_lexicon
from .model import TextModel, load_model
from .normalize import BOUNDARY, MAX_TOKENS, skeleton, surface
from .review import DEFAULT as DEFAULT_REVIEW
from .review import feature_values

NEGATION_SCOPE = 3  # words a negator reaches ("koi bhi ghayal nahi", "no one is hurt")
ADULT_AGE = 18
MAX_GRADE = 12
GRADE_TO_AGE = 5  # a pupil in class n is about n + 5 years old
CHILD_AGE_WEIGHT = 2.5  # an explicit age under 18 outweighs any noun ("daughter", "girl")
OWN_AGE_WEIGHT = 0.5  # the caller's own age under 18: a child speaking, perhaps a witness
MIN_CHILD_VICTIM = 0.5
SELF_FEMININE = 0.8  # woman evidence of a caller speaking of herself in the feminine
SELF_WIFE = 1.0  # woman evidence of a caller harmed ("मुझे", "मोला") by a husband or in-laws
# Extra weight for the victim's service when a woman/child is the object of an offence; sized so it
# beats the police weight the offence words themselves carry and the medical weight of injuries.
VICTIM_BASE = 2.0
VICTIM_PER_OFFENCE = 1.5
FIRE_DECISIVE = 4.0  # fire evidence this strong (a fire, a blast with flames) outranks the casualties
RESCUE_DECISIVE = 3.0  # people trapped by a collapse, flood or stuck lift: the fire service rescues
FIRE_MARGIN = 1.0
SEXUAL_MARGIN = 4.0  # rule points: about e^2.7 of model odds (scale 1.5) before it could overturn
OFFENCE_MARGIN = 2.0  # the same for harassment and dowry abuse (e^1.3)
MAX_EVIDENCE = 8
# Ties are broken towards the service that protects the more vulnerable caller.
TIE_ORDER = ("women", "child", "fire", "medical", "police")
_TIE_RANK = {s: i for i, s in enumerate(TIE_ORDER)}

_PERSON_OFFENCES = ("violence", "harassment", "sexual", "dowry", "abduction", "threat", "missing")
_ANIMAL_ATTACK: tuple[Mapping[str, float], Mapping[str, float]] = ({"medical": 2.0}, {"injury": 1.0})
_WEAK_AS_ACCIDENT: tuple[Mapping[str, float], Mapping[str, float]] = (
    {"medical": 2.5, "police": 1.5},
    {"accident": 1.0},
)
_WEAK_AS_VIOLENCE: tuple[Mapping[str, float], Mapping[str, float]] = ({"police": 2.0}, {"violence": 1.0})
_COLLAPSE_STRUCTURE: tuple[Mapping[str, float], Mapping[str, float]] = (
    {"fire": 3.0, "medical": 1.0},
    {"trapped": 1.0, "collapse": 1.0},
)
_COLLAPSE_PERSON: tuple[Mapping[str, float], Mapping[str, float]] = ({"medical": 3.5}, {"medical": 1.0})
_ANIMAL_RESCUE: tuple[Mapping[str, float], Mapping[str, float]] = ({"fire": 2.0}, {"trapped": 1.0})
_THREAT_TO_BURN: tuple[Mapping[str, float], Mapping[str, float]] = (
    {"police": 2.0},
    {"threat": 1.0, "threat_life": 1.0},
)
_NOTHING: tuple[Mapping[str, float], Mapping[str, float]] = ({}, {})
# English puts the future auxiliary before the verb: after a fire word it is the fire's ("the fire will
# spread"), not a threat; Hindi and Chhattisgarhi put it after ("aag laga dega", "जला देहूं").
_ENGLISH_AUX_AFTER = frozenset(
    {"will", "would", "is", "are", "gonna", "going", "may", "might", "can", "could"}
)
_NOT_AGE_WORDS = (
    "lakh lac hazar hajar hazaar thousand rupees rupaye rupay rs baje bje ghante hours hour minute minutes km"
    " floor log people persons men din days baar times लाख हजार हज़ार रुपये रुपए बजे घंटे मिनट मंजिल लोग दिन बार"
    " st nd rd th"  # ordinals: "2nd year" of college is no age
    " min mins hrs hr sec secs feet ft kg meter metre metres kms"
)
_NOT_AGE_AFTER = frozenset(skeleton(w) for w in _NOT_AGE_WORDS.split())  # "2 lakh", "5 baje", "3 log"


@dataclass(frozen=True)
class Triage:
    """Result of triaging one call text."""

    category: str | None
    secondary: tuple[str, ...]
    priority: int
    confidence: float
    evidence: tuple[str, ...]
    needs_review: bool
    # Why the priority is what it is ("weapon in use", "child missing"); not part of the API shape.
    acuity: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists)."""
        return {
            "category": self.category,
            "secondary": list(self.secondary),
            "priority": self.priority,
            "confidence": self.confidence,
            "evidence": list(self.evidence),
            "needs_review": self.needs_review,
        }


EMPTY = Triage(category=None, secondary=(), priority=2, confidence=0.0, evidence=(), needs_review=True)


@dataclass(slots=True)
class _Match:
    start: int
    end: int
    entries: Group
    kind: str  # the entries' kind; a phrase listed as both a signal and a negator counts as signal
    negated: bool = False


def _find_matches(lex: Lexicon, words: list[Word], canon: list[str]) -> list[_Match]:
    """Greedy left-to-right longest-phrase matching; matched words are consumed.

    Only positions where a phrase can start (a listed word, or the first two words of a longer phrase)
    are visited; the rest of the call is skipped at C speed.
    """
    out: list[_Match] = []
    phrases = lex.phrases
    # Longer phrases are tried only where their first two words are these two.
    groups_at = list(map(lex.by_pair.get, pairwise(canon)))
    groups_at.append(None)
    hits = list(map(_HIT, words))
    free = 0  # the first word not consumed by an earlier match
    for i in compress(range(len(canon)), map(any, zip(groups_at, hits, strict=True))):
        if i < free:
            continue
        groups = groups_at[i]
        if groups is not None:
            for k, keys in groups:
                key = tuple(canon[i : i + k])
                if key in keys:
                    entries = phrases[key]
                    out.append(_Match(i, i + k, entries, entries.kind))
                    free = i + k
                    break
            if free > i:
                continue
        hit = hits[i]
        if hit is not None:  # the word on its own: an exact, short, stem or corrected match
            out.append(_Match(i, i + 1, hit, hit.kind))
    return out


_POSITIVE = (0.0).__lt__  # a role weight > 0
_NEGATORS = frozenset({"negate_prev", "negate_next"})
_KIND = attrgetter("kind")


def _apply_negation(matches: list[_Match], canon: list[str]) -> None:
    """Mark signal matches inside a negator's scope; clause boundaries stop the scope."""
    if _NEGATORS.isdisjoint(map(_KIND, matches)):
        return
    starts = {m.start: m for m in matches if m.kind == "signal"}
    for m in matches:
        if m.kind == "negate_prev":
            lo, hi = max(m.start - NEGATION_SCOPE, 0), m.start
            for j in range(hi - 1, lo - 1, -1):
                if canon[j] == BOUNDARY:
                    lo = j + 1
                    break
        elif m.kind == "negate_next":
            lo, hi = m.end, min(m.end + NEGATION_SCOPE, len(canon))
            for j in range(lo, hi):
                if canon[j] == BOUNDARY:
                    hi = j
                    break
        else:
            continue
        for j in range(lo, hi):
            other = starts.get(j)
            if other is not None and other.end <= hi:
                other.negated = True


def _ages(
    lex: Lexicon, matches: list[_Match], canon: list[str], child_noun: bool
) -> tuple[list[int], list[int], list[int]]:
    """Stated ages: (explicit, approximate, the caller's own).

    Explicit: "<n> saal/years/बछर", "aged <n>", "उम्र <n>"; months or days count as 0 when a child is
    mentioned ("6 mahine ka bachcha", not "तीन महीने की तनख्वाह"). Approximate: a number under 18 right
    after a person noun ("daughter, 11", "girl of about 13"), never one followed by a unit of money, time
    or count ("dahej ke 2 lakh", "5 baje").
    """
    unit_at: dict[int, str] = {}
    person_end: set[int] = set()
    person_start: set[int] = set()  # "3 ladke" is a count of people, not an age
    for m in matches:
        for e in m.entries:
            for role in ("age_unit", "age_unit_infant", "age_word", "grade_word"):
                if role in e.roles:
                    unit_at[m.start] = role
            if _is_person_noun(e):
                person_end.add(m.end)
                person_start.add(m.start)
    explicit: list[int] = []
    approx: list[int] = []
    own: list[int] = []
    for i, tok in enumerate(canon):
        value = int(tok) if tok.isdecimal() and len(tok) <= 3 else lex.numbers.get(tok)
        if value is None or value > 120:
            continue
        after = [unit_at.get(j) for j in (i + 1, i + 2)]
        before = [unit_at.get(j) for j in (i - 1, i - 2)]
        if "grade_word" in before[:1] or ("grade_word" in after and canon[i + 1] != BOUNDARY):
            if value <= MAX_GRADE:
                explicit.append(value + GRADE_TO_AGE)  # "class 8", "कक्षा 7", "8th class": about 13
                if _own_age(canon, i):
                    own.append(value + GRADE_TO_AGE)
            continue
        if i + 1 < len(canon) and (canon[i + 1] in _NOT_AGE_AFTER or i + 1 in person_start):
            continue
        if "age_unit_infant" in after:
            # "for two months", "पिछले छह महीने से", "छै महीना ले", "two months ago": a duration, not a baby's age.
            unit_end = i + 2 if after[0] == "age_unit_infant" else i + 3
            duration = (i > 0 and canon[i - 1] in _DURATION_BEFORE) or (
                unit_end < len(canon) and canon[unit_end] in _DURATION_AFTER
            )
            if child_noun and not duration:
                explicit.append(0)
        elif "age_unit" in after or "age_word" in before[:1]:
            explicit.append(value)
            if _own_age(canon, i):
                own.append(value)
        elif value < ADULT_AGE and (
            "age_word" in before or (tok.isdecimal() and person_end & {i, i - 1, i - 2})
        ):  # only digits: "एक लड़का" is "a boy", not a one-year-old
            approx.append(value)
        elif canon[max(0, i - 2) : i] == ["i", "am"] or canon[i - 1 : i] == ["im"]:
            explicit.append(value)  # "I am 12", "I'm 72": the caller's own age
            own.append(value)
    return explicit, approx, own


# The caller's own age: "I am 10", "main gyarah saal ki hoon", "मैं दस बछर के हंव", "main class 6 mein padhta
# hoon". A child who calls about a beating of the mother is a witness: the victim is the mother.
_SELF_BEFORE = frozenset(skeleton(w) for w in ("i", "im", "main", "मैं"))  # not "mai"/"मंय": "my", "मन"
_SELF_AFTER = frozenset(skeleton(w) for w in ("hoon", "हूँ", "hu", "हंव", "am"))
OWN_AGE_REACH = 4


def _own_age(canon: list[str], i: int) -> bool:
    """The number at `i` is an age the caller states of himself or herself (same clause)."""
    for j in range(i - 1, max(-1, i - OWN_AGE_REACH), -1):
        if canon[j] == BOUNDARY:
            break
        if canon[j] in _SELF_BEFORE:
            return True
    for j in range(i + 1, min(len(canon), i + 1 + OWN_AGE_REACH)):
        if canon[j] == BOUNDARY:
            break
        if canon[j] in _SELF_AFTER:
            return True
    return False


_DURATION_BEFORE = frozenset(skeleton(w) for w in ("for", "since", "pichhle", "पिछले", "last", "past"))
_DURATION_AFTER = frozenset(
    skeleton(w) for w in ("se", "से", "ले", "tak", "तक", "bhar", "भर", "ago", "pehle", "पहले", "from")
)
_CANON = itemgetter(0)  # Word.canon
_KEY = itemgetter(1)  # Word.key
_HIT = itemgetter(2)  # Word.hit


def canonical_tokens(lex: Lexicon, text: str) -> tuple[list[str], list[str]]:
    """Surface tokens and their canonical skeletons (misspellings of lexicon words corrected)."""
    surf, _, canon = _words(lex, text)
    return surf, canon


def _words(lex: Lexicon, text: str) -> tuple[list[str], list[Word], list[str]]:
    """Surface tokens and what the lexicon makes of each (`Word`), each distinct word computed once.

    A word's skeleton does not depend on its neighbours, so looking words up one by one in the
    lexicon's word cache gives the same tokens as normalising the whole text (`normalize.tokens`).
    """
    every = surface(text).split()
    surf = every[:MAX_TOKENS]
    words = lex.words(surf)
    canon: list[str] = list(map(_CANON, words))
    if not all(canon):  # a token of dropped marks only (a stray virama) vanishes
        pairs = [(s, w) for s, w in zip(every, lex.words(every), strict=True) if w.canon][:MAX_TOKENS]
        words = [w for _, w in pairs]
        return [s for s, _ in pairs], words, list(map(_CANON, words))
    return surf, words, canon


def _combine(score: dict[str, float], relative: Mapping[str, float], scale: float) -> None:
    """Add the learned model's evidence to the rule scores (in place).

    `relative` is the model's class log-probabilities shifted so its favourite class gets 0; they are
    scaled into rule points: a class the model finds e^2 times less likely than its favourite loses
    2 x scale points, so the model overrules the rules only where their margin is small.
    """
    for svc, v in relative.items():
        score[svc] += scale * v


def classify_with(lex: Lexicon, text: str, model: TextModel | None = None) -> Triage:
    """Classify one call text with a given compiled lexicon (and, optionally, a learned model)."""
    return classify_explained(lex, text, model)[0]


def classify_explained(lex: Lexicon, text: str, model: TextModel | None = None) -> tuple[Triage, list[float]]:
    """The triage and the facts its confidence was computed from (values in review.FEATURES order)."""
    if not isinstance(text, str) or not text.strip():
        return EMPTY, []
    surf, words, canon = _words(lex, text)
    if not words:
        return EMPTY, []
    light_surf = list(map(_KEY, words))
    matches = _find_matches(lex, words, canon)
    _apply_negation(matches, canon)

    active = [m for m in matches if m.kind == "signal" and not m.negated]
    if not lex.name_words.isdisjoint(light_surf):
        active = _with_names(lex, active, light_surf, canon)
    present: set[str] = set()
    negated_roles: set[str] = set()
    for m in matches:
        (negated_roles if m.negated else present).update(m.entries.roles)

    # Context that changes how ambiguous words read (a "hit" next to a truck is an accident, an
    # "attack" by a bear is an injury, an accident where nobody is hurt needs no ambulance).
    animal = "animal" in present
    # An animal in a well, drain or mud, with nobody attacking or bitten, is a rescue for the fire service.
    animal_rescue = animal and ("pit" in present or "trapped" in present) and "violence" not in present
    animal_rescue = animal_rescue and "violence_weak" not in present and "medical" not in present
    # A weak hit next to a vehicle is a crash, unless a fight is named ("truck drivers hitting each other").
    weak_is_accident = (
        ("vehicle" in present or "accident" in present)
        and "violence" not in present
        and "fight" not in present
        and "mutual" not in present  # "hitting each other"
    )
    weak_is_violence = "weapon" in present and not weak_is_accident  # "sar pe rod maar di"
    structure = "structure" in present or "pit" in present  # "the old house collapsed" vs "father collapsed"
    no_injury = "injury" in negated_roles and "injury" not in present
    # Money taken by fraud or a lost purse: a weak "kat gaya" (cut) or "gir gaya" (fell) is the money's.
    money = ("fraud" in present or "lost" in present) and present.isdisjoint(_HARM_OR_CRASH)

    score: dict[str, float] = dict.fromkeys(TIE_ORDER, 0.0)  # in tie order: see _top_two
    role: dict[str, float] = {}
    rg = role.get  # most roles are absent: read with a default, never insert
    used: list[tuple[_Match, Mapping[str, float], Mapping[str, float]]] = []  # as read, for evidence
    priorities: set[int] = set()
    critical: set[str] = set()  # roles of entries that are life-threatening whenever present
    harm_at: list[int] = []  # token positions of violence against a person (their clauses' time counts)
    serious_medical = False  # a condition that needs an ambulance whatever the category
    case = _case_weights(active, canon, surf)
    for m in active:
        for e in m.entries:
            services: Mapping[str, float] = e.services
            roles: Mapping[str, float] = e.roles
            if e.plain:  # most entries: their weights, nothing else
                for svc, w in services.items():
                    score[svc] += w
                for r, w in roles.items():
                    role[r] = rg(r, 0.0) + w
                used.append((m, services, roles))
                continue
            if e.rewrite:
                if "collapse_word" in roles:
                    services, roles = _COLLAPSE_STRUCTURE if structure else _COLLAPSE_PERSON
                if animal_rescue and ("animal" in roles or ("injury" in roles and roles["injury"] <= 0.5)):
                    services, roles = _ANIMAL_RESCUE  # "gaay kuan me gir gayi": the fall is the animal's
                elif animal and ("violence" in roles or "violence_weak" in roles):
                    services, roles = _ANIMAL_ATTACK
                elif weak_is_accident and "violence_weak" in roles:
                    services, roles = _WEAK_AS_ACCIDENT
                elif weak_is_violence and "violence_weak" in roles:
                    services, roles = _WEAK_AS_VIOLENCE
                if no_injury and "accident" in roles:
                    services = {"police": sum(services.values())}
                if ("burn" in roles or "fire" in roles) and _threatened(lex, canon, surf, m):
                    services, roles = _THREAT_TO_BURN  # "ghar jala dunga", "he'll burn my crop": a threat
                elif money and roles.keys() == {"injury"} and roles["injury"] < 1.0:
                    services, roles = _NOTHING  # "account se 12,000 kat gaye", "purse gir gaya": not a person
                if "violence" in roles or "violence_weak" in roles or "sexual" in roles:
                    harm_at.append(m.end - 1)
                if "medical" in roles and services.get("medical", 0.0) >= 3.5:
                    serious_medical = True
            elif e.assault:
                harm_at.append(m.end - 1)
            elif e.serious:
                serious_medical = True
            for svc, w in services.items():
                score[svc] += w
            if e.person:
                person_weight, mark = case.get(m.start, (1.0, "bare"))
                for r, w in roles.items():
                    if r == "woman_ctx":
                        role["male_any"] = rg("male_any", 0.0) + w  # a husband is a man (who may be missing)
                    if r == "woman_ctx" and mark == "patient":
                        role["male"] = (
                            rg("male", 0.0) + w * person_weight
                        )  # "पति को पीटा": the husband is the victim
                    elif r == "male":
                        role["male_any"] = rg("male_any", 0.0) + w  # for "who is missing"
                        if mark == "patient":  # a man is the victim only when marked as the one harmed
                            role[r] = rg(r, 0.0) + w * person_weight
                    elif r in _VICTIM_ROLES:
                        role[r] = rg(r, 0.0) + w * person_weight
                    else:
                        role[r] = rg(r, 0.0) + w
            else:
                for r, w in roles.items():
                    role[r] = rg(r, 0.0) + w
            used.append((m, services, roles))
            if e.priority is not None:
                priorities.add(e.priority)
                if e.priority == 1:
                    critical.update(roles)

    if "mob" in present and _mob_attacks(active, canon, surf):
        role["mob_attack"] = 1.0  # "गांव वालों ने पीटा", "a crowd is beating the driver"
    if not present.isdisjoint(("injury", "burn", "medical")) and _many_hurt(lex, active, canon):
        role["many_hurt"] = 1.0  # "kai log ghayal", "many passengers injured": a mass casualty

    # The caller is the one harmed: "मुझे मारा", "मोला मारत हे", "hit me", "beats me".
    self_harmed = rg("self", 0.0) > 0 or any("me" in surf[j : j + 2] for j in harm_at)
    if present & _AGE_ROLES or _has_digit(canon):
        explicit, approx, own = _ages(lex, matches, canon, rg("child", 0.0) > 0 or rg("child_weak", 0.0) > 0)
        ages = explicit + approx
        if ages:
            role["age"] = float(min(ages)) + 1.0  # stored +1 so that a newborn (0) still reads as present
        if ages and min(ages) < ADULT_AGE:
            victim_ages = [a for a in ages if a < ADULT_AGE]
            for a in own:
                if a in victim_ages:
                    victim_ages.remove(a)
            # A child caller's own age is weaker victim evidence ("I am 10, papa is hitting mummy") unless the
            # caller is the one harmed ("मुझे रोज़ मारती है, मैं 13 साल की हूँ").
            full = bool(victim_ages) or self_harmed
            role["child"] = rg("child", 0.0) + (CHILD_AGE_WEIGHT if full else OWN_AGE_WEIGHT)
            if min(ages) == 0:
                role["infant"] = rg("infant", 0.0) + 1.0
        elif explicit:
            role["child"] = role["child_weak"] = (
                0.0  # everyone whose age is given is an adult: "beta, 32 saal" is no child
            )
            if rg("marriage", 0.0) > 0:
                # An adult married off against her will is a women's case, not a child marriage.
                role["child_only"] = 0.0
                role["dowry"] = max(rg("dowry", 0.0), 1.0)
                role["woman"] = max(rg("woman", 0.0), 0.5)

    if rg("woman", 0.0) < SELF_FEMININE and _feminine_self(canon):
        role["woman"] = SELF_FEMININE
    elif _masculine_self(surf):
        role["male_caller"] = 1.0  # "मैं सड़क पर खड़ा हूँ": the caller is a man

    # Read the time words now: a fire that is out, burns that are old, an attacker who left.
    clause_of = clause_ids(canon, surf)
    aspect = read_aspect(lex.aspect, canon, surf, clause_of)

    # Victim × offence precedence.
    if rg("self_harm", 0.0) > 0:
        role["threat"] = 0.0  # "threatening to hang himself" threatens no one else
    if (
        rg("evicted", 0.0) > 0
        and rg("male_caller", 0.0) <= 0
        and (rg("woman_ctx", 0.0) > 0 or rg("dowry", 0.0) > 0 or rg("woman", 0.0) >= 1.0)
    ):
        role["dowry"] = rg("dowry", 0.0) + rg("evicted", 0.0)  # thrown out by a husband or in-laws
    if rg("self", 0.0) > 0 and rg("woman_ctx", 0.0) > 0 and rg("male_caller", 0.0) <= 0:
        role["woman"] = rg("woman", 0.0) + SELF_WIFE  # "मोर गोसइया मोला मारत हे": the caller is the wife
    if rg("fight", 0.0) > 0 and rg("distress", 0.0) > 0 and rg("woman", 0.0) >= 1.0:
        role["violence"] = rg("violence", 0.0) + 1.0  # a quarrel and a woman screaming: she is being hurt
    if (
        rg("accident", 0.0) > 0
        and rg("injury", 0.0) <= 0
        and rg("medical", 0.0) <= 0
        and (rg("unhurt", 0.0) > 0 or rg("damage", 0.0) > 0)
    ):
        # "kisi ko lagi nahi", "only the bumper is broken": an accident for the police, not an ambulance.
        score["police"] += score["medical"]
        score["medical"] = 0.0
    women_off = rg("harassment", 0.0) + rg("sexual", 0.0) + rg("dowry", 0.0)
    against = women_off + rg("violence", 0.0) + rg("threat", 0.0) + rg("violence_weak", 0.0)
    if rg("property", 0.0) + rg("robbery", 0.0) + rg("fraud", 0.0) > 0:
        role["missing"] = 0.0  # "purse chheen ke bhaag gaye": the offender ran, nobody is missing
    person_off = against + rg("abduction", 0.0) + rg("missing", 0.0)
    child_ctx = rg("child_only", 0.0)
    if rg("drowning", 0.0) > 0 and rg("evacuated", 0.0) <= 0:
        # Someone still in the water (not "pulled out", "bahar nikala") is a rescue: the divers first,
        # the ambulance second; a person already out and not breathing is the ambulance's.
        role["rescue"] = max(rg("rescue", 0.0), 1.0)
    rescue = rg("trapped", 0.0) + rg("stuck", 0.0) + rg("rescue", 0.0) > 0
    hurt_only = rg("injury", 0.0) > 0 and against + rg("abduction", 0.0) <= 0
    if rg("accident", 0.0) > 0 or rg("fire", 0.0) > 0 or rg("drowning", 0.0) > 0 or rescue or hurt_only:
        # A crying or unaccompanied child at an accident, a fire, in a borewell or a stuck lift, or a child
        # who fell and broke an arm, is a casualty or someone to rescue, not a protection case.
        child_ctx = 0.0
    vw, vc = rg("woman", 0.0), rg("child", 0.0)
    if (against > 0 or rg("abduction", 0.0) > 0) and not (rg("male_caller", 0.0) > 0 and vw <= 0):
        # A husband or in-laws mark domestic abuse of a woman; a husband who is missing is no woman victim,
        # nor is the man who calls about his jija or his in-laws beating him ("main uska saala hoon").
        vw += rg("woman_ctx", 0.0)
    if women_off == 0:
        vc += rg("child_weak", 0.0)  # "boys teasing girls": weak nouns are the offenders of harassment
    if vc < MIN_CHILD_VICTIM:
        vc = 0.0  # "boys", "ladka" alone are as often the offenders as the victims
    victim: str | None = None
    # A man named as the one harmed ("मेरे भाई को मारा", "my husband was beaten") outweighs women
    # merely mentioned; people fighting each other ("आपस में") are no one's victims but the police's.
    male_victim = rg("male", 0.0) > 0 and rg("male", 0.0) >= max(vw, vc) and rg("sexual", 0.0) <= 0
    if rg("mutual", 0.0) > 0 and rg("sexual", 0.0) + rg("harassment", 0.0) + rg("abduction", 0.0) <= 0:
        male_victim = True
    only_missing = person_off > 0 and person_off == rg("missing", 0.0)  # someone missing, no other offence
    if only_missing and rg("male_any", 0.0) >= max(vw, vc):
        male_victim = True  # "मेरा भाई, उम्र 28 साल, पहुँचा ही नहीं": a missing man is the police's case
    if rescue and against + rg("abduction", 0.0) <= 0:
        male_victim = True  # people to rescue (a borewell, a flood, a lift) are nobody's victims: fire first
    if self_harmed and rg("male_caller", 0.0) > 0 and rg("sexual", 0.0) <= 0:
        male_victim = True  # "my wife's brothers hit me", "साले ने मुझे पीटा, मैं आ गया हूँ": the man was beaten
    if only_missing and rg("age", 0.0) > ADULT_AGE and rg("child", 0.0) <= 0:
        male_victim = True  # "मेरी 24 साल की बहन घर नहीं लौटी", "my son is 19, gone to Nagpur": an adult
    # A woman beaten with her children there is the women desk's: a husband or in-laws harming a named woman
    # or the caller make it domestic violence unless the harm is a child's own (labour, marriage, abuse).
    own_child_harm = child_ctx - rg("marriage", 0.0)  # her own marriage is no child's case
    domestic = rg("woman_ctx", 0.0) > 0 and against > 0 and vw >= 1.0 and own_child_harm <= 0
    if male_victim:
        pass
    elif (
        vc > 0
        and (person_off > 0 or child_ctx > 0)
        and (vc > vw or (vc == vw and women_off == 0))
        and not (domestic and rg("sexual", 0.0) <= 0)
    ):
        victim = "child"
    elif (vw > 0 and person_off > 0) or (women_off > 0 and rg("male", 0.0) <= 0):
        victim = "women"
    if victim is not None:
        # The women/child desk is the police response specialised for that victim, so it takes over
        # the police evidence (threat, weapon, drunk) on top of the offence's own weight.
        strength = person_off + (child_ctx if victim == "child" else 0.0)
        score[victim] += score["police"] + VICTIM_BASE + VICTIM_PER_OFFENCE * strength
        if against > 0 and rg("accident", 0.0) <= 0:
            # Injuries from an assault are the assault's: "she was raped, she is in pain, take her to
            # hospital" goes to the women desk, with medical as the secondary need.
            score[victim] = max(score[victim], score["medical"] + FIRE_MARGIN)
        if women_off > 0 and rg("accident", 0.0) <= 0:
            # A sexual assault, groping, dowry abuse is the victim desk's whatever else the call says
            # (pain, a hospital, the police station): the learned model must not move it elsewhere.
            others = max(v for k, v in score.items() if k != victim)
            margin = SEXUAL_MARGIN if rg("sexual", 0.0) > 0 else OFFENCE_MARGIN
            score[victim] = max(score[victim], others + margin)

    elif (
        (
            score["fire"] >= FIRE_DECISIVE
            or (score["fire"] >= RESCUE_DECISIVE and rg("trapped", 0.0) > 0)
            or (
                score["fire"] >= RESCUE_DECISIVE and rg("toxic", 0.0) > 0
            )  # a gas or chemical leak: hazmat first
            or (
                score["fire"] >= RESCUE_DECISIVE and rescue
            )  # a well, a flood, a lift: the rescue comes first
        )
        and score["medical"] >= score["fire"]
        and not (aspect.recovered and rg("burn", 0.0) > 0 and not rescue)
    ):
        # Fire precedence: a burning building with patients, casualties or an ambulance mentioned is a fire
        # call first (the tender brings the rescue), and the injuries become the medical secondary.
        score["fire"] = score["medical"] + FIRE_MARGIN

    if aspect.recovered and rg("burn", 0.0) + rg("injury", 0.0) > 0 and not rescue and victim is None:
        # The fire is out and someone is burnt: a medical call ("बुझा दे हन, फेर हाथ गोड़ जर गे हे").
        score["fire"] = min(score["fire"], score["medical"] - FIRE_MARGIN)
    if animal:
        role["animal"] = max(rg("animal", 0.0), 1.0)  # a rescue rewrite hides it; acuity needs to know
    harm_clauses: frozenset[int] = frozenset()
    harm_form: frozenset[str] = frozenset()
    if harm_at:
        harm_clauses = frozenset(clause_of[i] for i in harm_at)
        forms: set[str] = set()
        threatened = 0
        for i in harm_at:
            lo, hi = clause_of.span(i, len(surf))
            forms |= verb_form(surf[i], surf[lo:hi])
            threatened += is_future(lex.aspect, canon, surf, i + 1)
        if threatened == len(harm_at):
            forms.add("threatened")  # "tezaab daal dega", "will kill her": every harm word is a threat
        harm_form = frozenset(forms)
    later = 3 in priorities

    crit = frozenset(critical)
    on = frozenset(compress(role, map(_POSITIVE, role.values())))  # roles present, for acuity and needs

    fire_clauses = frozenset(clause_of[m.start] for m in active if "fire" in m.entries.roles)

    def acuity_of(cat: str | None) -> Acuity:
        return decide(role, crit, aspect, victim, cat, later, harm_clauses, harm_form, on, fire_clauses)

    rules_first, rules_second = _top_two(score)
    rules_margin = score[rules_first] - score[rules_second]
    raw: dict[str, float] = {}  # the model's own log-probabilities relative to its favourite
    p_urgent: float | None = None  # the model's urgency head: probability of priority 1
    if model is not None:
        rules_top = score[rules_first]
        raw, p_urgent = model.read(canon)
        relative = dict(raw)
        # A victim service needs a victim in the call. The model reads "missing" as a child's case;
        # a missing father of 72 (an adult age zeroes the child role above) is a police matter.
        floor = min(relative.values())
        # (Unless the role logic found one by grammar or by default: groping "me" with no noun is a woman's.)
        if rg("woman", 0.0) + rg("woman_ctx", 0.0) <= 0 and victim != "women":
            relative["women"] = floor
        if rg("child", 0.0) + rg("child_weak", 0.0) <= 0 and victim != "child":
            relative["child"] = floor
        if rules_top <= 0:
            # Nothing in the lexicon matched: the model's best guess, flagged for the operator.
            guess = max(SERVICES, key=lambda s: (relative[s], -TIE_ORDER.index(s)))
            acu = _backed_up(acuity_of(guess), p_urgent, model)
            sec = _secondary(guess, role, serious_medical, acu)
            return Triage(guess, sec, acu.priority, 0.1, (), True, acu.reasons), []
        if victim is not None:
            # Which victim (a woman or a child) is the role logic's call (ages, who is harmed); the
            # model, which cannot read ages, only weighs the victim services against the others.
            both = max(relative["women"], relative["child"])
            relative = {**relative, "women": both, "child": both}
        if rg("accident", 0.0) > 0:
            # Injuries from an accident go to medical with police secondary: a precedence the rules
            # decide. The model has learnt "hit" mostly from assaults and must not turn a crash into one.
            both = max(relative["medical"], relative["police"])
            relative = {**relative, "medical": both, "police": both}
        _combine(score, relative, model.scale)
    category, runner_up = _top_two(score)
    top, second = score[category], score[runner_up]
    acu = _backed_up(acuity_of(category), p_urgent, model)
    priority, doubt = acu.priority, acu.doubt
    if top <= 0 and model is None:
        # Nothing decisive matched: best guess is the commonest service, flagged for the operator.
        return Triage("police", (), priority, 0.1, (), True, acu.reasons), []

    secondary = _secondary(category, role, serious_medical, acu, on)
    values = feature_values(
        margin=top - second,
        rules_margin=rules_margin if rules_first == category else 0.0,
        model_p=math.exp(raw[category]) / sum(map(math.exp, raw.values())) if raw else 0.0,
        model_agrees=bool(raw) and raw[category] == 0.0,  # the favourite is at 0 (relative)
        rules_agree=rules_first == category,
        signals=len(used),
        victim_close=victim is not None and min(vw, vc) > 0 and min(vw, vc) >= 0.6 * max(vw, vc),
        weak_victim=victim == "women" and rg("woman", 0.0) < 1.0 and rg("woman_ctx", 0.0) <= 0,
    )
    review = (model.review if model is not None else None) or DEFAULT_REVIEW
    confidence = round(review.confidence_of(values), 3)
    # Flagged: an unsure category, or a priority that was a close call between 1 and 2.
    needs_review = confidence < review.threshold or doubt

    # Evidence: the words behind the category and the secondary needs, and, when precedence decided
    # it, the victim and offence words; in text order.
    wanted_services = {category, *secondary}
    wanted_roles: set[str] = set()
    if victim == category:
        wanted_roles = {
            *_PERSON_OFFENCES,
            "violence_weak",
            "child_only",
            "woman" if victim == "women" else "child",
        }
    # `used` is in text order; a phrase with several entries counts once.
    behind = {
        id(m): m
        for m, services, roles in used
        if not wanted_services.isdisjoint(services) or not wanted_roles.isdisjoint(roles)
    }
    evidence = [" ".join(surf[m.start : m.end]) for m in list(behind.values())[:MAX_EVIDENCE]]
    triage = Triage(category, secondary, priority, confidence, tuple(evidence), needs_review, acu.reasons)
    return triage, values


def _backed_up(acu: Acuity, p_urgent: float | None, model: TextModel | None) -> Acuity:
    """The rules' acuity, raised to 1 when the learned urgency head finds priority 1 likely enough.

    A 1 the rules were unsure of stays flagged only when the head does not find it likely too. The rules
    read danger from the lexicon's signals; calls that say it in words the lexicon lacks
    ("face has gone crooked", "someone is breaking the almirah downstairs") resemble the labelled
    priority-1 calls, and the head catches them. It only ever raises a priority, and never one the
    rules put at 3 for a stated reason.
    """
    if p_urgent is None or model is None or model.urgency is None:
        return acu
    if acu.priority == 1:
        if acu.doubt and p_urgent >= model.urgency.threshold:
            # The rules were in doubt between 1 and 2 and the learned head finds 1 likely: both say 1,
            # so the call is not flagged for that (it still is when the category is unsure).
            return Acuity(1, False, acu.reasons)
        return acu
    if acu.priority == 3 and acu.reasons:
        return acu  # the rules saw why it can wait ("fire out, nobody hurt", "fraud"): a word is no reason
    if p_urgent < model.urgency.threshold:
        return acu
    return Acuity(1, acu.doubt, (*acu.reasons, f"like life-threatening calls (learned, p={p_urgent:.2f})"))


_DIGIT = re.compile(r"\d")
_AGE_ROLES = frozenset({"age_unit", "age_unit_infant", "age_word", "grade_word"})

# Who is hurt is read from grammar as well as nouns. A person noun marked as the object ("बहू को",
# "bhabhi la", "ननद ल", "ke saath", or after the violence verb in English: "beating his wife") is the
# likely victim; one marked as the agent ("पति ने", Chhattisgarhi "टूरा ह", "by her brothers") is not.
# When some noun is marked as the object, bare nouns ("बच्चे रो रहे हैं") are more likely bystanders.
_VICTIM_ROLES = frozenset({"woman", "child", "child_weak", "male"})
_PATIENT_MARKS = frozenset({"ko", "l", "ku", "pr", "pe", "se"})  # ko, ला/ल, par/pe, se ("with" is not one)
_ERGATIVE_SURFACE = frozenset({"ने", "ne"})
_POSSESSIVE = frozenset({"के", "की", "का", "ke", "ki", "ka", "ker", "केर", "s"})  # "पत्नी के घरवाले"
_PASSIVE_BE = frozenset({"was", "is", "got", "been", "being", "were", "are", "gets"})
POSSESSOR_WEIGHT = 0.3
# "पत्नी के घरवाले", "biwi ke bhai", "ladki ke naam se": the possessor is not the one harmed (but "ladki ki
# shaadi", "बच्ची के साथ" are about her).
_GROUP_NOUNS = frozenset(
    skeleton(w)
    for w in ["gharwale", "gharwalon", "parivar", "log", "dost", "friends", "naam", "family", "mayke"]
)
_PARTICIPLE_IRREGULAR = frozenset(
    {"hit", "beat", "shot", "burnt", "hurt", "cut", "struck", "thrown", "taken"}
)


def _is_male(m: _Match) -> bool:
    """A man of the family (or a husband, an in-law)."""
    return m.entries.male


def _participle(word: str) -> bool:
    """An English past participle ("beaten", "attacked", "hit"): the passive voice after "was", "got"."""
    return word.endswith(("ed", "en")) or word in _PARTICIPLE_IRREGULAR


_SUBJECT_SURFACE = frozenset({"ह", "हा"})
PATIENT_WEIGHT = 1.5
AGENT_WEIGHT = 0.25
BYSTANDER_WEIGHT = 0.5


_NAME = Group([Entry(-1, "name", "signal", {}, {"woman": 1.0}, person=True)])


def _with_names(lex: Lexicon, active: list[_Match], light_surf: list[str], canon: list[str]) -> list[_Match]:
    """Add a match for each woman's name that no lexicon phrase covers ("Sunita ko", "Rekha didi")."""
    covered = {i for m in active for i in range(m.start, m.end)}
    added: list[_Match] = []
    for i, key in enumerate(light_surf):
        if i in covered or key not in lex.name_words:
            continue
        if key in lex.female_names or (
            key in lex.female_names_marked
            and any(tuple(canon[i + 1 : i + 1 + len(mk)]) == mk for mk in lex.name_markers)
        ):
            added.append(_Match(i, i + 1, _NAME, "signal"))
    if not added:
        return active
    return sorted(active + added, key=lambda m: m.start)


_ENGLISH_VERBS = frozenset(
    {"hit", "beat", "kick", "slap", "attack", "rape", "molest", "touch", "grab", "drag", "push", "punch"}
)


def _english_verb(word: str) -> bool:
    """An English verb form (the lexicon's harm words in Hindi are never these shapes)."""
    return word.isascii() and (word.endswith(("ing", "ed", "es", "ts")) or word in _ENGLISH_VERBS)


def _case_weights(active: list[_Match], canon: list[str], surf: list[str]) -> dict[int, tuple[float, str]]:
    """Weight of each person-noun match (by start) as a victim, and its mark, from grammar."""
    # English harm verbs (SVO: the object follows): "hits his bahu", "beating a woman", "dragged her".
    persons = [m for m in active if m.entries.person]
    if not persons:
        return {}
    harm = [m for m in active if m.entries.harm]
    harm_ends = {m.end for m in harm if _english_verb(surf[m.start]) or _english_verb(surf[m.end - 1])}
    harm_starts = {m.start for m in harm}
    n = len(canon)
    marks: dict[int, str] = {}
    person_starts = {m.start for m in persons}
    male_at = {m.start: _is_male(m) for m in persons}  # "भाई भाभी को": a man and a woman, two people
    # Right to left, so a noun directly before another ("नाबालिग लड़की को") shares its marker.
    for m in reversed(persons):
        nxt = canon[m.end] if m.end < n else ""
        after = canon[m.end + 1] if m.end + 1 < n else ""
        word_after = surf[m.end] if m.end < n else ""
        if m.end in marks and _is_male(m) == male_at.get(m.end, False):
            marks[m.start] = marks[m.end]
        elif nxt in _PATIENT_MARKS or (nxt == "ke" and after == "upr"):
            marks[m.start] = "patient"
        elif word_after in _POSSESSIVE and (m.end + 1 in person_starts or after in _GROUP_NOUNS):
            marks[m.start] = "possessor"  # "पत्नी के घरवालों ने", "biwi ke bhai": not the one harmed
        elif word_after in _ERGATIVE_SURFACE or (m.start > 0 and surf[m.start - 1] == "by"):
            marks[m.start] = "agent"  # "पति ने मारा", "beaten by her brothers"
        elif word_after in _SUBJECT_SURFACE:
            marks[m.start] = "subject"  # Chhattisgarhi "टूरा ह": the doer if someone else is the object
        elif word_after in _PASSIVE_BE and any(
            j in harm_starts and _participle(surf[j]) for j in range(m.end + 1, m.end + 3)
        ):
            marks[m.start] = "patient"  # English passive: "my husband was beaten up", "she is being hit"
        elif any(
            j in harm_ends and BOUNDARY not in canon[j : m.start] for j in range(m.start - 2, m.start + 1)
        ):
            marks[m.start] = "patient"  # English object after the verb: "hits his bahu", "beating a woman"
        else:
            marks[m.start] = "bare"
    if "patient" not in marks.values():
        # Nobody is marked as the object: only an ergative "ने" or a possessive says who is not the
        # victim ("लइका ह रोवत हे" is the child crying, the victim).
        keep = {"agent": AGENT_WEIGHT, "possessor": POSSESSOR_WEIGHT}
        return {k: (keep[v], v) for k, v in marks.items() if v in keep}
    weight = {
        "patient": PATIENT_WEIGHT,
        "bare": BYSTANDER_WEIGHT,
        "agent": AGENT_WEIGHT,
        "subject": AGENT_WEIGHT,
        "possessor": POSSESSOR_WEIGHT,
    }
    return {k: (weight[v], v) for k, v in marks.items()}


def _is_person_noun(e: Entry) -> bool:
    """A victim noun (girl, beta, ladka, bhai, husband), not an offence that implies a woman."""
    return e.person


# Words ending in -i before "hu/hoon" that are not a feminine verb form ("main bhi hoon", "nahi hu").
_NOT_FEMININE = frozenset(
    {"bhi", "hi", "ki", "abhi", "yhi", "vhi", "shi", "nhi", "ni", "ai", "mi", "i", "ti"}
)
_AM = frozenset({"hu", "hun", "hnv"})  # hoon, hu, हूं, हूँ, Chhattisgarhi हंव ("अकेली हंव")


def _feminine_self(canon: list[str]) -> bool:
    """A caller speaking of herself in the feminine: "ja rahi hoon", "chhupi hu", "अकेली हूँ"."""
    if _AM.isdisjoint(canon):
        return False
    for i in range(1, len(canon)):
        if canon[i] in _AM:
            prev = canon[i - 1]
            if prev.endswith("i") and prev not in _NOT_FEMININE:
                return True
    return False


# Masculine first person: "खड़ा हूँ", "raha hoon", "gaya tha main" (the verb ends in -a before "hoon").
_MASC_ENDINGS = ("ा", "a")
_AM_SURFACE = frozenset({"hoon", "hun", "hu", "हूँ", "हूं", "हु", "hoo"})


def _masculine_self(surf: list[str]) -> bool:
    """A caller speaking of himself in the masculine ("मैं खड़ा हूँ", "bol raha hu")."""
    if _AM_SURFACE.isdisjoint(surf):
        return False
    return any(w in _AM_SURFACE and surf[i - 1].endswith(_MASC_ENDINGS) for i, w in enumerate(surf) if i)


_HARM_OR_CRASH = frozenset({"violence", "violence_weak", "accident", "robbery"})


def _threatened(lex: Lexicon, canon: list[str], surf: list[str], m: _Match) -> bool:
    """A burn or fire word in the future tense: "jala dunga", "aag laga denge", "will burn"."""
    if future_before(lex.aspect, canon, surf, m.start):
        return True
    return (
        m.end < len(surf)
        and surf[m.end] not in _ENGLISH_AUX_AFTER
        and is_future(lex.aspect, canon, surf, m.end)
    )


def _mob_attacks(active: list[_Match], canon: list[str], surf: list[str]) -> bool:
    """A crowd as the doer: marked with ergative "ने", after "by", or right before a violence word."""
    harm_at = {m.start for m in active if m.entries.harm}
    for m in active:
        if "mob" not in m.entries.roles:
            continue
        if (m.end < len(surf) and surf[m.end] in _ERGATIVE_SURFACE) or (
            m.start > 0 and surf[m.start - 1] == "by"
        ):
            return True
        for j in range(m.end, min(m.end + MANY_REACH, len(canon))):
            if canon[j] == BOUNDARY:
                break
            if j in harm_at:
                return True
    return False


MANY_SICK = 5  # people taken ill at once that make a mass casualty (food poisoning, a gas leak)
MANY_REACH = 3  # words from a quantity ("kai log", "many passengers") to the injury it counts


def _many_hurt(lex: Lexicon, active: list[_Match], canon: list[str]) -> bool:
    """A quantity of people right before an injury, burn or sickness word, in the same clause.

    The quantity is a word for many ("kai log", "several people") or a number of two or more before a
    person noun ("three kids", "do log", "5-6 bachon"). Sickness counts from MANY_SICK people on ("25-30
    logon ko ulti-dast" after a feast, "बीस ले जादा लइका" at a hostel: food poisoning, a mass casualty);
    two people with a fever are not one.
    """
    hurt_at = {m.start for m in active if "injury" in m.entries.roles or "burn" in m.entries.roles}
    sick_at = {m.start for m in active if "medical" in m.entries.roles}
    for m in active:
        roles = m.entries.roles
        count = MANY_SICK  # "kai log", "many": as many as it takes
        if "many" not in roles:
            if not (m.entries.person or "person" in roles) or m.start == 0:
                continue
            before = canon[m.start - 1]
            stated = int(before) if before.isdecimal() and len(before) <= 3 else lex.numbers.get(before)
            if stated is None or stated < 2:
                continue
            count = stated
        wanted = hurt_at | sick_at if count >= MANY_SICK else hurt_at
        if m.start in wanted:
            return True  # one phrase: "many injured"
        for j in range(m.end, min(m.end + MANY_REACH, len(canon))):
            if canon[j] == BOUNDARY:
                break
            if j in wanted:
                return True
    return False


def _has_digit(canon: list[str]) -> bool:
    return _DIGIT.search(" ".join(canon)) is not None


_ATTACKED_NOW = frozenset({"violence now", "weapon in use", "lethal violence"})


def _top_two(score: Mapping[str, float]) -> tuple[str, str]:
    """The best and second-best service; ties go to the service protecting the more vulnerable caller.

    `score` is built in TIE_ORDER and the sort is stable, so equal scores keep that order.
    """
    ranked = sorted(score, key=score.__getitem__, reverse=True)
    return ranked[0], ranked[1]


def _secondary(
    category: str,
    role: dict[str, float],
    serious_medical: bool,
    acu: Acuity,
    present: frozenset[str] | None = None,
) -> tuple[str, ...]:
    """Other services the incident needs, from roles and acuity (not from leftover scores).

    Medical: anyone hurt, trapped, inside a fire, in a critical state, poisoned by smoke, or attacked
    now; police: an accident, violence, self-harm, poisoning, drowning, a crime, an arson; fire: a fire
    hazard, or a rescue (trapped, fallen into a well or borewell, swept away by water); women or
    child: a fire set by a husband, children caught in a fire.
    """
    out: set[str] = set()
    reasons = acu.reasons
    on = present if present is not None else frozenset(k for k, v in role.items() if v > 0)
    someone = "person" in on or "woman" in on or "child" in on or "child_weak" in on
    animal_only = "animal" in on and not someone
    hurt = "injury" in on or "burn" in on or "infant" in on
    trapped = "trapped" in on and not animal_only
    in_fire = "fire" in on and "inside" in on and someone and "evacuated" not in on
    armed_fight = "weapon" in on and ("violence" in on or "fight" in on)
    violence = "violence" in on or "violence_weak" in on
    attacked_now = not _ATTACKED_NOW.isdisjoint(reasons)
    critical = acu.priority == 1 and bool(reasons) and reasons[0].startswith("critical")
    smoke_sick = "toxic" in on and "medical" in on
    self_harm = "self_harm" in on
    weak_child = "child" in on and "medical" in on
    weak_child = weak_child or (category == "child" and "infant" in on)  # a baby left or found
    if (
        hurt
        or trapped
        or in_fire
        or armed_fight
        or serious_medical
        or critical
        or smoke_sick
        or weak_child
        or (self_harm and category != "medical")
        or (attacked_now and (category == "police" or "mob" in on))  # a lynching, a witch-hunt
        or (category == "women" and "sexual" in on and "harassment" not in on)  # an assault: exam, care
        or (category == "police" and violence and "reported after the fact" not in reasons)
        or ("fire" in on and "medical" in on and "occupied" in on)  # patients in a fire
    ):
        out.add("medical")
    if category in ("medical", "fire") and (
        "accident" in on
        or self_harm
        or "poison" in on
        or "drowning" in on
        or violence
        or "crime" in on
        or "fight" in on
        or armed_fight
        or (category == "fire" and ("highway" in on or "passengers" in on) and "vehicle" in on)
    ):
        out.add("police")
    in_pit = "pit" in on and someone and not animal_only and ("injury" in on or trapped)
    rescue = trapped or in_pit or ("drowning" in on and "evacuated" not in on and category != "medical")
    if "fire" in on or rescue or (self_harm and "structure" in on and category != "medical"):
        out.add("fire")  # a rescue: trapped, in a well or borewell, in the water, on a tank or roof
    if category == "fire":
        if "crime" in on and ("woman_ctx" in on or "woman" in on) and "fire" in on and violence:
            out.add("women")  # a husband who set the house on fire
        if "passengers" in on and "vehicle" in on:
            out.add("medical")  # a bus or train on fire with its passengers
        if role.get("child", 0.0) >= 1.0 and (in_fire or trapped or "occupied" in on):
            out.add("child")  # children caught in a school or anganwadi fire
    out.discard(category)
    return tuple(s for s in SERVICES if s in out)


_LEXICON = load_lexicon()
_MODEL = load_model()  # None when model.json is absent: the rules then decide alone


def classify(text: str) -> Triage:
    """Triage a call text into category, secondary needs, priority, confidence and evidence."""
    return classify_with(_LEXICON, text, _MODEL)
