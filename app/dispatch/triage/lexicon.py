"""Load lexicon.yaml once and compile it into lookup tables keyed by phonetic skeleton."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, cast

import yaml
from rapidfuzz import fuzz, process

from .acuity import AspectCues, compile_aspect
from .normalize import skeleton, skeleton_of_surface, surface

SERVICES = ("police", "fire", "medical", "women", "child")
KINDS = ("signal", "negate_prev", "negate_next", "neutral", "stop")
ROLES = frozenset(
    {
        "woman", "woman_ctx", "child", "child_weak", "violence", "violence_weak", "harassment", "sexual",
        "dowry", "abduction", "threat", "missing", "child_only", "accident", "vehicle", "injury", "burn",
        "trapped", "fire", "collapse", "drowning", "animal", "self_harm", "poison", "medical", "death",
        "weapon", "crime", "infant", "urgent", "fight", "age_unit", "age_unit_infant", "age_word", "pit",
        "structure", "collapse_word", "inside", "evacuated", "person", "toxic", "face", "severe",
        "strangle", "distress", "fraud", "witness", "pregnant", "rescue", "down", "occupied", "property",
        "robbery", "found", "highway", "passengers", "mob", "marriage", "grade_word", "male", "mutual",
        "self", "lost", "damage", "unhurt", "transport", "stuck", "uncontrolled", "lethal_weapon", "calm",
        "evicted", "age", "male_caller", "male_any", "recovered_med", "many", "many_hurt",
        "threat_life", "mob_attack", "explosive",
    }
)  # fmt: skip
LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")
# Offences against a person (an entry naming one is not a victim noun even if it implies a woman).
PERSON_OFFENCES = ("violence", "harassment", "sexual", "dowry", "abduction", "threat", "missing")
HARM_ROLES = frozenset({"violence", "violence_weak", "sexual", "harassment", "abduction", "dowry", "threat"})
ASSAULT_ROLES = frozenset({"violence", "violence_weak", "sexual"})
SERIOUS_MEDICAL = 3.5  # medical evidence this strong needs an ambulance whatever the category
# Roles whose reading the classifier rewrites from context (collapsed building or person, animal rescue or
# attack, a weak hit as accident or violence, an accident with its injuries negated).
CONTEXT_ROLES = frozenset(
    {"collapse_word", "animal", "injury", "violence", "violence_weak", "accident", "burn", "fire"}
)

# Skeletons shorter than this collide with frequent words ("baby" and "by" are both "b"), so a
# one-word entry that short matches only its listed spellings.
MIN_SKELETON = 3
# Fuzzy matching only for written words this long; shorter words must match exactly.
MIN_FUZZY = 5
FUZZY_RATIO = 86.0
FUZZY_CACHE_MAX = 50_000
WORD_CACHE_MAX = 50_000


class LexiconError(ValueError):
    """The lexicon file is malformed."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry: what its phrases signal."""

    index: int
    label: str
    kind: str
    services: Mapping[str, float] = field(default_factory=dict)
    roles: Mapping[str, float] = field(default_factory=dict)
    priority: int | None = None
    fuzzy: bool = True
    # Derived from roles once at load time (the classifier asks these for every match of every call).
    person: bool = False  # a noun for a person who may be the victim (woman, child, a man of the family)
    harm: bool = False  # an act of harm against a person (violence, sexual, abduction, threat ...)
    male: bool = False  # a man of the family, a husband or an in-law
    assault: bool = False  # violence or a sexual offence against a person (its time is read, acuity.py)
    rewrite: bool = False  # its reading depends on context (a hit next to a truck is an accident)
    serious: bool = False  # a medical condition that needs an ambulance whatever the category
    # Only adds its weights: no context rewrite, no time to read, no victim grammar, no priority.
    plain: bool = field(init=False, default=False, compare=False)

    def __post_init__(self) -> None:
        special = self.rewrite or self.assault or self.serious or self.person or self.priority is not None
        object.__setattr__(self, "plain", not special)


class Group(tuple[Entry, ...]):
    """The entries one phrase matches, with what the matcher asks of all of them computed once."""

    kind: str  # "signal" wins when a phrase is both a signal and a negator
    roles: frozenset[str]  # every role of every entry
    person: bool  # some entry is a victim noun
    harm: bool  # some entry is an offence against a person
    male: bool  # some entry is a man of the family (or a husband, an in-law)

    def __new__(cls, entries: Iterable[Entry]) -> Group:
        self = super().__new__(cls, entries)
        kinds = {e.kind for e in self}
        self.kind = "signal" if "signal" in kinds else min(kinds, default="signal")
        self.roles = frozenset(r for e in self for r in e.roles)
        self.person = any(e.person for e in self)
        self.harm = any(e.harm for e in self)
        self.male = any(e.male for e in self)
        return self


class Word(NamedTuple):
    """What the matcher needs of one surface word, independent of the words around it."""

    canon: str  # skeleton, misspelling corrected ("" for a token of dropped marks only)
    key: str  # exact-match key of short words (`light`)
    hit: Group | None  # the entries this word matches on its own


def light(token: str) -> str:
    """Exact-match key for short words: surface form with nukta and chandrabindu folded."""
    return token.replace("\u093c", "").replace("\u0901", "\u0902")


@dataclass
class Lexicon:
    """Compiled lexicon: phrase index by first skeleton token, short words, stems, fuzzy vocabulary."""

    entries: list[Entry]
    phrases: dict[tuple[str, ...], Group]
    # first skeleton token -> (phrase length, phrases of that length), longest first
    by_first: dict[str, tuple[tuple[int, frozenset[tuple[str, ...]]], ...]]
    # first two words -> the longer phrases starting with them, by length (longest first); most
    # common words start some phrase, few start one with the word that follows them in a call
    by_pair: dict[tuple[str, str], tuple[tuple[int, frozenset[tuple[str, ...]]], ...]]
    short: dict[str, Group]
    stems: dict[str, tuple[tuple[str, Group], ...]]  # first 3 letters -> (stem, entries)
    numbers: dict[str, int]  # skeleton of a number word -> value ("nine", "नौ", "दस")
    vocab: frozenset[str]
    no_fuzzy: frozenset[str]
    fuzzy_words: dict[str, str]  # lexicon spelling (ASCII) -> its skeleton
    fuzzy_buckets: dict[tuple[str, int], tuple[str, ...]]
    aspect: AspectCues  # when things happen: now, earlier, as a habit, today (acuity.py)
    # Women's names by exact (light) spelling; the marked ones only count before a marker word.
    female_names: frozenset[str] = frozenset()
    female_names_marked: frozenset[str] = frozenset()
    # Surface spellings read as another spelling before normalising: a loanword whose skeleton is a
    # common verb's (गैस "gas" and CG गइस "went" are both "gis").
    respell: Mapping[str, str] = field(default_factory=dict)
    name_markers: frozenset[tuple[str, ...]] = frozenset()

    @property
    def name_words(self) -> frozenset[str]:
        """Every spelling of a woman's name, marked or not (a fast first test per call)."""
        return self._name_words

    def __post_init__(self) -> None:
        self._name_words = self.female_names | self.female_names_marked

    # Call texts repeat words heavily; caching fuzzy results also bounds the worst-case cost.
    fuzzy_cache: dict[str, str] = field(default_factory=dict)
    # Surface word -> what matching needs of it alone (`Word`): computed once per distinct word.
    word_cache: dict[str, Word] = field(default_factory=dict)

    def clear_caches(self) -> None:
        """Forget cached words and fuzzy corrections (benchmarks of the cold path)."""
        self.fuzzy_cache.clear()
        self.word_cache.clear()

    def word(self, spelling: str, sk: str | None = None) -> Word:
        """The canonical skeleton, exact-match key and one-word lexicon hit of a surface word (cached).

        `sk` is the word's skeleton when the caller has computed it already (`words`).
        """
        w = self.word_cache.get(spelling)
        if w is not None:
            return w
        if spelling in self.respell:
            sk = skeleton_of_surface(self.respell[spelling])
        elif sk is None:
            sk = skeleton_of_surface(spelling)
        canon = sk if not sk or sk in self.vocab else self.canonical(sk, spelling)
        key = light(spelling)
        hit = self.phrases.get((canon,)) or self.short.get(key)
        if not hit and len(canon) >= 3:
            hit = self.stem(canon) or None  # "chhed*", "injur*": inflections of a listed stem
        w = Word(canon, key, hit or None)
        if len(self.word_cache) >= WORD_CACHE_MAX:
            self.word_cache.clear()
        self.word_cache[spelling] = w
        return w

    def words(self, spellings: list[str]) -> list[Word]:
        """`word` of each surface word; the skeletons of words not seen before are made in one pass."""
        cached = list(map(self.word_cache.get, spellings))
        if all(cached):  # a Word is a non-empty tuple: only a missing one (None) is false
            return cast(list[Word], cached)
        new = list(dict.fromkeys(s for s, w in zip(spellings, cached, strict=True) if w is None))
        # A skeleton never contains a space and keeps each word apart (normalize.skeleton_of_surface).
        sks = skeleton_of_surface(" ".join(new)).split(" ")
        if len(sks) == len(new):
            for s, sk in zip(new, sks, strict=True):
                self.word(s, sk)
        return [w if w is not None else self.word(s) for w, s in zip(cached, spellings, strict=True)]

    def canonical(self, token: str, spelling: str) -> str:
        """The lexicon skeleton a (possibly misspelt) word stands for, or its own skeleton."""
        if token in self.vocab:
            return token
        if token.endswith("s") and token[:-1] in self.vocab:
            return token[:-1]  # English plural: "pains", "injuries" -> "injurie" is listed anyway
        if len(spelling) < MIN_FUZZY or spelling in self.no_fuzzy or not spelling.isascii():
            return token
        hit = self.fuzzy_cache.get(spelling)
        if hit is None:
            hit = _fuzzy(self, spelling) or token
            if len(self.fuzzy_cache) >= FUZZY_CACHE_MAX:
                self.fuzzy_cache.clear()
            self.fuzzy_cache[spelling] = hit
        return hit

    def stem(self, token: str) -> Group | tuple[()]:
        """Entries whose stem ("chhed*") begins the token, longest stem first."""
        candidates = self.stems.get(token[:3])
        if candidates is not None:
            for stem, entries in candidates:
                if token.startswith(stem):
                    return entries
        return ()


def _fuzzy(lex: Lexicon, spelling: str) -> str | None:
    """Skeleton of the lexicon word this spelling is a likely misspelling of, if any."""
    if not spelling.isalpha():
        return None
    candidates = lex.fuzzy_buckets.get((spelling[0], len(spelling)))
    if not candidates:
        return None
    # Compared on the written form, not the skeleton: skeletons are already compressed and one edit
    # there reaches unrelated words ("filing" ~ "firing"). A ratio of 86 admits one inserted or
    # dropped letter in a 5-letter word (injurd, sucide) or one wrong letter in an 8-letter word
    # (accidant, ambulence), and rejects a wrong letter in a short word (strong/string).
    best = process.extractOne(spelling, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_RATIO)
    return None if best is None else lex.fuzzy_words[str(best[0])]


def _as_weights(value: Any, what: str, label: str) -> dict[str, float]:
    if value is None:
        return {}
    if isinstance(value, list):
        return {str(v): 1.0 for v in value}
    if isinstance(value, dict):
        return {str(k): float(v) for k, v in value.items()}
    raise LexiconError(f"entry {label!r}: {what} must be a list or a mapping")


def _entry(index: int, raw: Any) -> tuple[Entry, list[str]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("phrases"), list) or not raw["phrases"]:
        raise LexiconError(f"entry #{index}: needs a non-empty 'phrases' list")
    if not all(isinstance(p, str) for p in raw["phrases"]):
        # YAML reads bare no/yes/on/off as booleans and 108 as a number: such phrases must be quoted.
        raise LexiconError(f"entry #{index}: phrases must be strings (quote no, yes, on, off, numbers)")
    phrases = list(raw["phrases"])
    label = phrases[0]
    kind = str(raw.get("kind", "signal"))
    if kind not in KINDS:
        raise LexiconError(f"entry {label!r}: unknown kind {kind!r}")
    services = _as_weights(raw.get("services"), "services", label)
    roles = _as_weights(raw.get("roles"), "roles", label)
    if bad := set(services) - set(SERVICES):
        raise LexiconError(f"entry {label!r}: unknown services {sorted(bad)}")
    if bad := set(roles) - ROLES:
        raise LexiconError(f"entry {label!r}: unknown roles {sorted(bad)}")
    priority = raw.get("priority")
    if priority is not None and priority not in (1, 2, 3):
        raise LexiconError(f"entry {label!r}: priority must be 1, 2 or 3")
    offence = any(o in roles for o in PERSON_OFFENCES)
    person = not offence and (
        "child" in roles or "child_weak" in roles or roles.get("woman", 0.0) >= 1.0 or "male" in roles
    )
    person = person or (not offence and "woman_ctx" in roles)
    entry = Entry(
        index,
        label,
        kind,
        services,
        roles,
        priority,
        bool(raw.get("fuzzy", True)),
        person=person,
        harm=not HARM_ROLES.isdisjoint(roles),
        male="male" in roles or "woman_ctx" in roles,
        assault=not ASSAULT_ROLES.isdisjoint(roles),
        rewrite=not CONTEXT_ROLES.isdisjoint(roles),
        serious="medical" in roles and services.get("medical", 0.0) >= SERIOUS_MEDICAL,
    )
    return entry, phrases


def _meaning(e: Entry) -> tuple[object, ...]:
    return (e.kind, tuple(sorted(e.services)), tuple(sorted(e.roles)))


# Hindi/Chhattisgarhi verb endings that vary with gender and number (skeletons): gaya/gayi/gaye,
# raha/rahi/rahe, karta/karti/karte, wala/wali/wale ... A multi-word phrase listed with one form also
# matches the others ("utha ke le gaye" covers "utha ke le gayi"), so entries need not list all three.
_INFLECTION_GROUPS: tuple[tuple[str, ...], ...] = (
    ("g", "gi", "ge", "gen", "gin"),  # CG plural "ले गें", "ले गिन"
    ("rh", "rhi", "rhe"),
    ("th", "thi", "the"),
    ("hu", "hui", "hue"),
    ("krt", "krti", "krte"),
    ("vl", "vli", "vle"),
    ("lg", "lgi", "lge"),
    ("pd", "pdi", "pde"),
    ("jt", "jti", "jte"),
    ("dt", "dti", "dte"),
    ("lt", "lti", "lte"),
    ("ht", "hti", "hte"),
    ("mrt", "mrti", "mrte"),
    ("a", "ai", "ae"),
    ("mil", "mili", "mile"),
    ("gir", "giri", "gire"),
    ("di", "die", "dis"),
    ("li", "lie", "lis"),
    ("ki", "kie"),
)
_INFLECTIONS = {form: group for group in _INFLECTION_GROUPS for form in group}
MAX_INFLECTED_WORDS = 2  # variants for at most two inflected words per phrase (9 combinations)


def _add_inflections(phrases: dict[tuple[str, ...], list[Entry]]) -> None:
    """Add the other gender/number forms of multi-word phrases, unless a listed phrase already has them."""
    listed = set(phrases)
    for key, entries in list(phrases.items()):
        if len(key) < 2:
            continue
        slots = [i for i, tok in enumerate(key) if tok in _INFLECTIONS][:MAX_INFLECTED_WORDS]
        variants = {key}
        for i in slots:
            variants = {(*v[:i], form, *v[i + 1 :]) for v in variants for form in _INFLECTIONS[key[i]]}
        for variant in variants - listed:
            bucket = phrases.setdefault(variant, [])
            for e in entries:
                if e not in bucket:
                    bucket.append(e)


def compile_lexicon(data: Any) -> Lexicon:
    """Build the lookup tables from parsed YAML data."""
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise LexiconError("lexicon needs a top-level 'entries' list")
    entries: list[Entry] = []
    phrases: dict[tuple[str, ...], list[Entry]] = {}
    short: dict[str, list[Entry]] = {}
    stems: dict[str, list[Entry]] = {}
    no_fuzzy: set[str] = set()
    fuzzy_words: dict[str, str] = {}
    singles: dict[str, list[tuple[Entry, str]]] = {}  # one-word skeleton -> (entry, spelling)
    for i, raw in enumerate(data["entries"]):
        entry, texts = _entry(i, raw)
        entries.append(entry)
        for text in texts:
            if entry.kind == "stop":
                no_fuzzy.update(surface(text).split())
                continue
            if text.endswith("*"):
                stem = skeleton(text[:-1])
                if len(stem) < MIN_SKELETON or " " in stem:
                    raise LexiconError(f"entry {entry.label!r}: stem {text!r} must be one word of 3+ letters")
                stem_bucket = stems.setdefault(stem, [])
                if entry not in stem_bucket:
                    stem_bucket.append(entry)
                continue
            sk = tuple(skeleton(text).split())
            if not sk:
                continue
            if len(sk) == 1 and len(sk[0]) < MIN_SKELETON:
                for word in surface(text).split():
                    bucket = short.setdefault(light(word), [])
                    if all(_meaning(e) != _meaning(entry) for e in bucket):
                        bucket.append(entry)
                continue
            bucket = phrases.setdefault(sk, [])
            # The same phrase listed twice with the same meaning (two entries for one situation) counts once.
            if entry not in bucket and all(_meaning(e) != _meaning(entry) for e in bucket):
                bucket.append(entry)
            if len(sk) == 1:
                singles.setdefault(sk[0], []).append((entry, text))
                word = surface(text).strip()
                if entry.fuzzy and len(word) >= MIN_FUZZY and word.isascii() and word.isalpha():
                    fuzzy_words[word] = sk[0]
    ambiguous: set[str] = set()
    # A one-word skeleton claimed by entries that mean different things (लापता "missing" and lapat
    # "flame" are both "lpt") is ambiguous: each of its spellings then matches only exactly.
    for single, spellings in singles.items():
        if len({_meaning(e) for e, _ in spellings}) > 1:
            del phrases[(single,)]
            ambiguous.add(single)
            for e, text in spellings:
                for word in surface(text).split():
                    fuzzy_words.pop(word, None)
                    bucket = short.setdefault(light(word), [])
                    if e not in bucket:
                        bucket.append(e)
    _add_inflections(phrases)
    numbers: dict[str, int] = {}
    for word, value in (data.get("numbers") or {}).items():
        if not isinstance(value, int):
            raise LexiconError(f"number word {word!r} needs an integer value")
        numbers[skeleton(str(word))] = value
    # Ambiguous words stay in the vocabulary so misspelling correction never turns them into another
    # lexicon word ("driver", listed twice, is not a misspelt "diver").
    vocab = frozenset(t for key in phrases for t in key) | ambiguous
    by_first: dict[str, list[tuple[str, ...]]] = {}
    by_pair: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for phrase in phrases:
        by_first.setdefault(phrase[0], []).append(phrase)
        if len(phrase) > 1:
            by_pair.setdefault((phrase[0], phrase[1]), []).append(phrase)
    buckets: dict[tuple[str, int], list[str]] = {}
    for word in sorted(fuzzy_words):
        # Candidates share the first letter and are within two letters of the word's length.
        for n in range(len(word) - 2, len(word) + 3):
            buckets.setdefault((word[0], n), []).append(word)
    stem_index: dict[str, list[tuple[str, Group]]] = {}
    for stem_key, stem_entries in sorted(stems.items(), key=lambda kv: -len(kv[0])):
        stem_index.setdefault(stem_key[:3], []).append((stem_key, Group(stem_entries)))
    return Lexicon(
        entries=entries,
        phrases={k: Group(v) for k, v in phrases.items()},
        by_first={k: _by_length(v) for k, v in by_first.items()},
        by_pair={k: _by_length(v) for k, v in by_pair.items()},
        short={k: Group(v) for k, v in short.items()},
        stems={k: tuple(v) for k, v in stem_index.items()},
        numbers=numbers,
        vocab=vocab,
        no_fuzzy=frozenset(no_fuzzy),
        fuzzy_words=fuzzy_words,
        fuzzy_buckets={k: tuple(v) for k, v in buckets.items()},
        aspect=compile_aspect(data.get("aspect")),
        **_compile_names(data.get("names")),
        respell=_compile_respell(data.get("respell")),
    )


def _compile_names(raw: Any) -> dict[str, Any]:
    """Women's names (exact spellings) and the marker words that make an ambiguous name a name."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or set(raw) - {"female", "female_marked", "markers"}:
        raise LexiconError("names needs the keys female, female_marked, markers")
    out: dict[str, Any] = {}
    for key, field_name in (("female", "female_names"), ("female_marked", "female_names_marked")):
        words = raw.get(key) or []
        if not isinstance(words, list) or not all(isinstance(w, str) and " " not in w.strip() for w in words):
            raise LexiconError(f"names.{key}: a list of single words")
        out[field_name] = frozenset(light(surface(w).strip()) for w in words)
    markers = raw.get("markers") or []
    if not isinstance(markers, list) or not all(isinstance(w, str) for w in markers):
        raise LexiconError("names.markers: a list of words or phrases")
    out["name_markers"] = frozenset(tuple(skeleton(w).split()) for w in markers)
    return out


def _compile_respell(raw: Any) -> dict[str, str]:
    """Spelling -> the spelling it is read as (one word each)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise LexiconError("respell needs a mapping of spelling -> spelling")
    out: dict[str, str] = {}
    for word, as_word in raw.items():
        words, targets = surface(str(word)).split(), surface(str(as_word)).split()
        if len(words) != 1 or len(targets) != 1:
            raise LexiconError(f"respell {word!r}: one word to one word")
        out[words[0]] = targets[0]
    return out


def _by_length(keys: list[tuple[str, ...]]) -> tuple[tuple[int, frozenset[tuple[str, ...]]], ...]:
    """Phrases sharing a first word, grouped by length (longest first): one set lookup per length."""
    groups: dict[int, set[tuple[str, ...]]] = {}
    for key in keys:
        groups.setdefault(len(key), set()).add(key)
    return tuple((n, frozenset(groups[n])) for n in sorted(groups, reverse=True))


@lru_cache(maxsize=4)
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """Read and compile a lexicon file (cached per path)."""
    with path.open(encoding="utf-8") as fh:
        return compile_lexicon(yaml.safe_load(fh))
