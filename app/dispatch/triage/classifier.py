"""Rule-and-lexicon triage: phrase matching, negation, then role-based precedence."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .acuity import Acuity, clause_ids, decide, is_future, read_aspect, verb_form
from .lexicon import SERVICES, Entry, Lexicon, light, load_lexicon
from .model import TextModel, load_model
from .normalize import BOUNDARY, skeleton, tokens
from .review import DEFAULT as DEFAULT_REVIEW
from .review import features as review_features

NEGATION_SCOPE = 3  # words a negator reaches ("koi bhi ghayal nahi", "no one is hurt")
ADULT_AGE = 18
MAX_GRADE = 12
GRADE_TO_AGE = 5  # a pupil in class n is about n + 5 years old
CHILD_AGE_WEIGHT = 2.5  # an explicit age under 18 outweighs any noun ("daughter", "girl")
MIN_CHILD_VICTIM = 0.5
SELF_FEMININE = 0.8  # woman evidence of a caller speaking of herself in the feminine
# Extra weight for the victim's service when a woman/child is the object of an offence; sized so it
# beats the police weight the offence words themselves carry and the medical weight of injuries.
VICTIM_BASE = 2.0
VICTIM_PER_OFFENCE = 1.5
FIRE_DECISIVE = 4.0  # fire evidence this strong (a fire, a blast with flames) outranks the casualties
RESCUE_DECISIVE = 3.0  # people trapped by a collapse, flood or stuck lift: the fire service rescues
FIRE_MARGIN = 1.0
MAX_EVIDENCE = 8
# Ties are broken towards the service that protects the more vulnerable caller.
TIE_ORDER = ("women", "child", "fire", "medical", "police")

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
_NOT_AGE_WORDS = (
    "lakh lac hazar hajar hazaar thousand rupees rupaye rupay rs baje bje ghante hours hour minute minutes km"
    " floor log people persons men din days baar times लाख हजार हज़ार रुपये रुपए बजे घंटे मिनट मंजिल लोग दिन बार"
    " st nd rd th"  # ordinals: "2nd year" of college is no age
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
    entries: tuple[Entry, ...]
    kind: str  # the entries' kind; a phrase listed as both a signal and a negator counts as signal
    negated: bool = False


def _kind(entries: tuple[Entry, ...]) -> str:
    if len(entries) == 1:
        return entries[0].kind
    kinds = {e.kind for e in entries}
    return "signal" if "signal" in kinds else sorted(kinds)[0]


def _find_matches(lex: Lexicon, light_surf: list[str], canon: list[str]) -> list[_Match]:
    """Greedy left-to-right longest-phrase matching; matched words are consumed."""
    out: list[_Match] = []
    n = len(canon)
    by_first, phrases, short = lex.by_first, lex.phrases, lex.short
    i = 0
    while i < n:
        tok = canon[i]
        if tok == BOUNDARY:
            i += 1
            continue
        groups = by_first.get(tok)
        if groups is not None:
            found = False
            for k, keys in groups:
                key = (tok,) if k == 1 else tuple(canon[i : i + k])
                if key in keys:
                    entries = phrases[key]
                    out.append(_Match(i, i + k, entries, _kind(entries)))
                    i += k
                    found = True
                    break
            if found:
                continue
        hit = short.get(light_surf[i]) or (lex.stem(tok) if len(tok) >= 3 else ())
        if hit:
            out.append(_Match(i, i + 1, hit, _kind(hit)))
        i += 1
    return out


def _apply_negation(matches: list[_Match], canon: list[str]) -> None:
    """Mark signal matches inside a negator's scope; clause boundaries stop the scope."""
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
) -> tuple[list[int], list[int]]:
    """Stated ages: (explicit, approximate).

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
    for i, tok in enumerate(canon):
        value = int(tok) if tok.isdecimal() and len(tok) <= 3 else lex.numbers.get(tok)
        if value is None or value > 120:
            continue
        after = [unit_at.get(j) for j in (i + 1, i + 2)]
        before = [unit_at.get(j) for j in (i - 1, i - 2)]
        if "grade_word" in before[:1] or ("grade_word" in after and canon[i + 1] != BOUNDARY):
            if value <= MAX_GRADE:
                explicit.append(value + GRADE_TO_AGE)  # "class 8", "कक्षा 7", "8th class": about 13
            continue
        if i + 1 < len(canon) and (canon[i + 1] in _NOT_AGE_AFTER or i + 1 in person_start):
            continue
        if "age_unit_infant" in after:
            if child_noun:
                explicit.append(0)
        elif "age_unit" in after or "age_word" in before[:1]:
            explicit.append(value)
        elif value < ADULT_AGE and (
            "age_word" in before or (tok.isdecimal() and person_end & {i, i - 1, i - 2})
        ):  # only digits: "एक लड़का" is "a boy", not a one-year-old
            approx.append(value)
    return explicit, approx


def canonical_tokens(lex: Lexicon, text: str) -> tuple[list[str], list[str]]:
    """Surface tokens and their canonical skeletons (misspellings of lexicon words corrected)."""
    surf, sk = tokens(text)
    canonical, vocab = lex.canonical, lex.vocab
    return surf, [t if t in vocab else canonical(t, w) for t, w in zip(sk, surf, strict=True)]


def _combine(score: dict[str, float], relative: Mapping[str, float], scale: float) -> None:
    """Add the learned model's evidence to the rule scores (in place).

    `relative` is the model's class log-probabilities shifted so its favourite class gets 0; they are
    scaled into rule points: a class the model finds e^2 times less likely than its favourite loses
    2 x scale points, so the model overrules the rules only where their margin is small.
    """
    for svc in score:
        score[svc] += scale * relative[svc]


def classify_with(lex: Lexicon, text: str, model: TextModel | None = None) -> Triage:
    """Classify one call text with a given compiled lexicon (and, optionally, a learned model)."""
    return classify_explained(lex, text, model)[0]


def classify_explained(
    lex: Lexicon, text: str, model: TextModel | None = None
) -> tuple[Triage, dict[str, float]]:
    """The triage and the facts its confidence was computed from (review.FEATURES; empty when none)."""
    if not isinstance(text, str) or not text.strip():
        return EMPTY, {}
    surf, canon = canonical_tokens(lex, text)
    if not canon:
        return EMPTY, {}
    matches = _find_matches(lex, light(" ".join(surf)).split(" "), canon)
    _apply_negation(matches, canon)

    active = [m for m in matches if m.kind == "signal" and not m.negated]
    if lex.female_names:
        active = _with_names(lex, active, surf, canon)
    present: set[str] = set()
    negated_roles: set[str] = set()
    for m in matches:
        target = negated_roles if m.negated else present
        for e in m.entries:
            target.update(e.roles)

    # Context that changes how ambiguous words read (a "hit" next to a truck is an accident, an
    # "attack" by a bear is an injury, an accident where nobody is hurt needs no ambulance).
    animal = "animal" in present
    # An animal in a well, drain or mud, with nobody attacking or bitten, is a rescue for the fire service.
    animal_rescue = animal and ("pit" in present or "trapped" in present) and "violence" not in present
    animal_rescue = animal_rescue and "violence_weak" not in present and "medical" not in present
    weak_is_accident = ("vehicle" in present or "accident" in present) and "violence" not in present
    weak_is_violence = "weapon" in present and not weak_is_accident  # "sar pe rod maar di"
    structure = "structure" in present or "pit" in present  # "the old house collapsed" vs "father collapsed"
    no_injury = "injury" in negated_roles and "injury" not in present

    score: dict[str, float] = dict.fromkeys(SERVICES, 0.0)
    role: defaultdict[str, float] = defaultdict(float)
    used: list[tuple[_Match, Mapping[str, float], Mapping[str, float]]] = []  # as read, for evidence
    priorities: set[int] = set()
    critical: set[str] = set()  # roles of entries that are life-threatening whenever present
    harm_at: list[int] = []  # token positions of violence against a person (their clauses' time counts)
    serious_medical = False  # a condition that needs an ambulance whatever the category
    case = _case_weights(active, canon, surf)
    for m in active:
        person_weight, mark = case.get(m.start, (1.0, "bare"))
        for e in m.entries:
            services: Mapping[str, float] = e.services
            roles: Mapping[str, float] = e.roles
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
            for svc, w in services.items():
                score[svc] += w
            for r, w in roles.items():
                if r == "woman_ctx" and mark == "patient":
                    role["male"] += w * person_weight  # "पति को पीटा": the husband is the victim
                elif r == "male":
                    if mark == "patient":  # a man counts as the victim only when marked as the one harmed
                        role[r] += w * person_weight
                elif r in _VICTIM_ROLES:
                    role[r] += w * person_weight
                else:
                    role[r] += w
            used.append((m, services, roles))
            if "violence" in roles or "violence_weak" in roles or "sexual" in roles:
                harm_at.append(m.end - 1)
            if e.priority is not None:
                priorities.add(e.priority)
                if e.priority == 1:
                    critical.update(roles)
            if "medical" in roles and services.get("medical", 0.0) >= 3.5:
                serious_medical = True

    if present & _AGE_ROLES or _has_digit(canon):
        explicit, approx = _ages(lex, matches, canon, role["child"] > 0 or role["child_weak"] > 0)
        ages = explicit + approx
        if ages and min(ages) < ADULT_AGE:
            role["child"] += CHILD_AGE_WEIGHT
            if min(ages) == 0:
                role["infant"] += 1.0
        elif explicit:
            role["child"] = role["child_weak"] = (
                0.0  # everyone whose age is given is an adult: "beta, 32 saal" is no child
            )
            if role["marriage"] > 0:
                # An adult married off against her will is a women's case, not a child marriage.
                role["child_only"] = 0.0
                role["dowry"] = max(role["dowry"], 1.0)
                role["woman"] = max(role["woman"], 0.5)

    if role["woman"] < SELF_FEMININE and _feminine_self(canon):
        role["woman"] = SELF_FEMININE

    # Victim × offence precedence.
    if role["self_harm"] > 0:
        role["threat"] = 0.0  # "threatening to hang himself" threatens no one else
    women_off = role["harassment"] + role["sexual"] + role["dowry"]
    against = women_off + role["violence"] + role["threat"] + role["violence_weak"]
    if role["property"] + role["robbery"] + role["fraud"] > 0:
        role["missing"] = 0.0  # "purse chheen ke bhaag gaye": the offender ran, nobody is missing
    person_off = against + role["abduction"] + role["missing"]
    child_ctx = role["child_only"]
    if role["accident"] > 0 or role["fire"] > 0 or role["drowning"] > 0:
        # A crying or unaccompanied child at an accident or fire is a casualty, not a protection case.
        child_ctx = 0.0
    vw, vc = role["woman"], role["child"]
    if against > 0 or role["abduction"] > 0:
        # A husband or in-laws mark domestic abuse of a woman; a husband who is missing is no woman victim.
        vw += role["woman_ctx"]
    if women_off == 0:
        vc += role["child_weak"]  # "boys teasing girls": weak nouns are the offenders of harassment
    if vc < MIN_CHILD_VICTIM:
        vc = 0.0  # "boys", "ladka" alone are as often the offenders as the victims
    victim: str | None = None
    # A man named as the one harmed ("मेरे भाई को मारा", "my husband was beaten") outweighs women
    # merely mentioned; people fighting each other ("आपस में") are no one's victims but the police's.
    male_victim = role["male"] > 0 and role["male"] >= max(vw, vc) and role["sexual"] <= 0
    if role["mutual"] > 0 and role["sexual"] + role["harassment"] + role["abduction"] <= 0:
        male_victim = True
    if male_victim:
        pass
    elif vc > 0 and (person_off > 0 or child_ctx > 0) and (vc > vw or (vc == vw and women_off == 0)):
        victim = "child"
    elif (vw > 0 and person_off > 0) or (women_off > 0 and role["male"] <= 0):
        victim = "women"
    if victim is not None:
        # The women/child desk is the police response specialised for that victim, so it takes over
        # the police evidence (threat, weapon, drunk) on top of the offence's own weight.
        strength = person_off + (child_ctx if victim == "child" else 0.0)
        score[victim] += score["police"] + VICTIM_BASE + VICTIM_PER_OFFENCE * strength
        if against > 0 and role["accident"] <= 0:
            # Injuries from an assault are the assault's: "she was raped, she is in pain, take her to
            # hospital" goes to the women desk, with medical as the secondary need.
            score[victim] = max(score[victim], score["medical"] + FIRE_MARGIN)

    elif (
        score["fire"] >= FIRE_DECISIVE
        or (score["fire"] >= RESCUE_DECISIVE and role["trapped"] > 0)
        or (score["fire"] >= RESCUE_DECISIVE and role["toxic"] > 0)  # a gas or chemical leak: hazmat first
    ) and score["medical"] >= score["fire"]:
        # Fire precedence: a burning building with patients, casualties or an ambulance mentioned is a fire
        # call first (the tender brings the rescue), and the injuries become the medical secondary.
        score["fire"] = score["medical"] + FIRE_MARGIN

    aspect = read_aspect(lex.aspect, canon, surf)
    if animal:
        role["animal"] = max(role["animal"], 1.0)  # a rescue rewrite hides it; acuity needs to know
    harm_clauses: frozenset[int] = frozenset()
    harm_form: frozenset[str] = frozenset()
    if harm_at:
        clause_of = clause_ids(canon, surf)
        harm_clauses = frozenset(clause_of[i] for i in harm_at)
        forms: set[str] = set()
        threatened = 0
        for i in harm_at:
            clause = [w for w, c in zip(surf, clause_of, strict=True) if c == clause_of[i]]
            forms |= verb_form(surf[i], clause)
            threatened += is_future(lex.aspect, canon, i + 1)
        if threatened == len(harm_at):
            forms.add("threatened")  # "tezaab daal dega", "will kill her": every harm word is a threat
        harm_form = frozenset(forms)
    later = 3 in priorities

    def acuity_of(cat: str | None) -> Acuity:
        return decide(role, frozenset(critical), aspect, victim, cat, later, harm_clauses, harm_form)

    rules_ranked = sorted(SERVICES, key=lambda s: (-score[s], TIE_ORDER.index(s)))
    rules_margin = score[rules_ranked[0]] - score[rules_ranked[1]]
    model_p: dict[str, float] = {}
    if model is not None:
        rules_top = max(score.values())
        relative = dict(model.relative(canon))
        norm = sum(math.exp(v) for v in relative.values())
        model_p = {c: math.exp(v) / norm for c, v in relative.items()}
        # A victim service needs a victim in the call. The model reads "missing" as a child's case;
        # a missing father of 72 (an adult age zeroes the child role above) is a police matter.
        floor = min(relative.values())
        if role["woman"] + role["woman_ctx"] <= 0:
            relative["women"] = floor
        if role["child"] + role["child_weak"] <= 0:
            relative["child"] = floor
        if rules_top <= 0:
            # Nothing in the lexicon matched: the model's best guess, flagged for the operator.
            guess = max(SERVICES, key=lambda s: (relative[s], -TIE_ORDER.index(s)))
            acu = acuity_of(guess)
            sec = _secondary(guess, role, serious_medical, acu)
            return Triage(guess, sec, acu.priority, 0.1, (), True, acu.reasons), {}
        if victim is not None:
            # Which victim (a woman or a child) is the role logic's call (ages, who is harmed); the
            # model, which cannot read ages, only weighs the victim services against the others.
            both = max(relative["women"], relative["child"])
            relative = {**relative, "women": both, "child": both}
        if role["accident"] > 0:
            # Injuries from an accident go to medical with police secondary: a precedence the rules
            # decide. The model has learnt "hit" mostly from assaults and must not turn a crash into one.
            both = max(relative["medical"], relative["police"])
            relative = {**relative, "medical": both, "police": both}
        _combine(score, relative, model.scale)
    ranked = sorted(SERVICES, key=lambda s: (-score[s], TIE_ORDER.index(s)))
    category = ranked[0]
    top, second = score[category], score[ranked[1]]
    acu = acuity_of(category)
    priority, doubt = acu.priority, acu.doubt
    if top <= 0 and model is None:
        # Nothing decisive matched: best guess is the commonest service, flagged for the operator.
        return Triage("police", (), priority, 0.1, (), True, acu.reasons), {}

    secondary = _secondary(category, role, serious_medical, acu)
    feats = review_features(
        margin=top - second,
        rules_margin=rules_margin if rules_ranked[0] == category else 0.0,
        model_p=model_p.get(category, 0.0),
        model_agrees=bool(model_p) and max(model_p, key=model_p.__getitem__) == category,
        rules_agree=rules_ranked[0] == category,
        signals=len(used),
        victim_close=victim is not None and min(vw, vc) > 0 and min(vw, vc) >= 0.6 * max(vw, vc),
        weak_victim=victim == "women" and role["woman"] < 1.0 and role["woman_ctx"] <= 0,
    )
    review = (model.review if model is not None else None) or DEFAULT_REVIEW
    confidence = round(review.confidence(feats), 3)
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
    evidence: list[str] = []
    last = -1
    for m, services, roles in used:  # `used` is in text order already
        if m.start != last and (
            not wanted_services.isdisjoint(services) or not wanted_roles.isdisjoint(roles)
        ):
            last = m.start
            evidence.append(" ".join(surf[m.start : m.end]))
    triage = Triage(
        category, secondary, priority, confidence, tuple(evidence[:MAX_EVIDENCE]), needs_review, acu.reasons
    )
    return triage, feats


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
    return any("male" in e.roles or "woman_ctx" in e.roles for e in m.entries)


def _participle(word: str) -> bool:
    """An English past participle ("beaten", "attacked", "hit"): the passive voice after "was", "got"."""
    return word.endswith(("ed", "en")) or word in _PARTICIPLE_IRREGULAR


_SUBJECT_SURFACE = frozenset({"ह", "हा"})
_HARM_ROLES = frozenset({"violence", "violence_weak", "sexual", "harassment", "abduction", "dowry", "threat"})
PATIENT_WEIGHT = 1.5
AGENT_WEIGHT = 0.25
BYSTANDER_WEIGHT = 0.5


_NAME = Entry(-1, "name", "signal", {}, {"woman": 1.0})


def _with_names(lex: Lexicon, active: list[_Match], surf: list[str], canon: list[str]) -> list[_Match]:
    """Add a match for each woman's name that no lexicon phrase covers ("Sunita ko", "Rekha didi")."""
    covered = {i for m in active for i in range(m.start, m.end)}
    added: list[_Match] = []
    for i, word in enumerate(surf):
        if i in covered:
            continue
        key = light(word)
        if key in lex.female_names or (
            key in lex.female_names_marked
            and any(tuple(canon[i + 1 : i + 1 + len(mk)]) == mk for mk in lex.name_markers)
        ):
            added.append(_Match(i, i + 1, (_NAME,), "signal"))
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
    harm = [m for m in active if any(not _HARM_ROLES.isdisjoint(e.roles) for e in m.entries)]
    harm_ends = {m.end for m in harm if _english_verb(surf[m.end - 1])}
    harm_starts = {m.start for m in harm}
    n = len(canon)
    marks: dict[int, str] = {}
    persons = [m for m in active if any(_is_person_noun(e) for e in m.entries)]
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
    """A victim noun (girl, beta, ladka), not self-reference or an offence that implies a woman."""
    r = e.roles
    if any(o in r for o in _PERSON_OFFENCES):
        return False
    return "child" in r or "child_weak" in r or r.get("woman", 0.0) >= 1.0 or "male" in r or "woman_ctx" in r


# Words ending in -i before "hu/hoon" that are not a feminine verb form ("main bhi hoon", "nahi hu").
_NOT_FEMININE = frozenset(
    {"bhi", "hi", "ki", "abhi", "yhi", "vhi", "shi", "nhi", "ni", "ai", "mi", "i", "ti"}
)
_AM = frozenset({"hu", "hun"})  # hoon, hu, हूं, हूँ


def _feminine_self(canon: list[str]) -> bool:
    """A caller speaking of herself in the feminine: "ja rahi hoon", "chhupi hu", "अकेली हूँ"."""
    for i in range(1, len(canon)):
        if canon[i] in _AM:
            prev = canon[i - 1]
            if prev.endswith("i") and prev not in _NOT_FEMININE:
                return True
    return False


def _has_digit(canon: list[str]) -> bool:
    return _DIGIT.search(" ".join(canon)) is not None


def _secondary(category: str, role: dict[str, float], serious_medical: bool, acu: Acuity) -> tuple[str, ...]:
    """Other services the incident needs, from roles and acuity (not from leftover scores).

    Medical: anyone hurt, trapped, inside a fire, in a critical state, poisoned by smoke, or attacked
    now; police: an accident, violence, self-harm, poisoning, drowning, a crime, an arson; fire: a fire
    hazard, or a rescue (trapped, fallen into a well or borewell, swept away by water); women or
    child: a fire set by a husband, children caught in a fire.
    """
    out: set[str] = set()
    reasons = acu.reasons
    someone = role["person"] > 0 or role["woman"] > 0 or role["child"] > 0 or role["child_weak"] > 0
    animal_only = role["animal"] > 0 and not someone
    hurt = role["injury"] > 0 or role["burn"] > 0 or role["infant"] > 0
    trapped = role["trapped"] > 0 and not animal_only
    in_fire = role["fire"] > 0 and role["inside"] > 0 and someone and role["evacuated"] <= 0
    armed_fight = role["weapon"] > 0 and (role["violence"] > 0 or role["fight"] > 0)
    violence = role["violence"] > 0 or role["violence_weak"] > 0
    attacked_now = any(r in ("violence now", "weapon in use", "lethal violence") for r in reasons)
    critical = acu.priority == 1 and any(r.startswith("critical") for r in reasons)
    smoke_sick = role["toxic"] > 0 and role["medical"] > 0
    self_harm = role["self_harm"] > 0
    weak_child = role["child"] > 0 and role["medical"] > 0
    weak_child = weak_child or (category == "child" and role["infant"] > 0)  # a baby left or found
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
        or (attacked_now and (category == "police" or role["mob"] > 0))  # a lynching, a witch-hunt
        or (category == "women" and role["sexual"] > 0 and role["harassment"] <= 0)  # an assault: exam, care
        or (category == "police" and violence and not any(r == "reported after the fact" for r in reasons))
        or (role["fire"] > 0 and role["medical"] > 0 and role["occupied"] > 0)  # patients in a fire
    ):
        out.add("medical")
    if category in ("medical", "fire") and (
        role["accident"] > 0
        or self_harm
        or role["poison"] > 0
        or role["drowning"] > 0
        or violence
        or role["crime"] > 0
        or role["fight"] > 0
        or armed_fight
        or (category == "fire" and (role["highway"] > 0 or role["passengers"] > 0) and role["vehicle"] > 0)
    ):
        out.add("police")
    in_pit = role["pit"] > 0 and someone and not animal_only and (role["injury"] > 0 or trapped)
    rescue = trapped or in_pit or (role["drowning"] > 0 and role["evacuated"] <= 0 and category != "medical")
    if role["fire"] > 0 or rescue or (self_harm and role["structure"] > 0 and category != "medical"):
        out.add("fire")  # a rescue: trapped, in a well or borewell, in the water, on a tank or roof
    if category == "fire":
        if role["crime"] > 0 and role["woman_ctx"] + role["woman"] > 0 and role["fire"] > 0 and violence:
            out.add("women")  # a husband who set the house on fire
        if role["passengers"] > 0 and role["vehicle"] > 0:
            out.add("medical")  # a bus or train on fire with its passengers
        if role["child"] >= 1.0 and (in_fire or trapped or role["occupied"] > 0):
            out.add("child")  # children caught in a school or anganwadi fire
    out.discard(category)
    return tuple(s for s in SERVICES if s in out)


_LEXICON = load_lexicon()
_MODEL = load_model()  # None when model.json is absent: the rules then decide alone


def classify(text: str) -> Triage:
    """Triage a call text into category, secondary needs, priority, confidence and evidence."""
    return classify_with(_LEXICON, text, _MODEL)
