"""Text normalisation: one loose phonetic "skeleton" for Devanagari, romanized Hindi and English.

The skeleton is what both the lexicon and the call text are reduced to before matching, so a single
lexicon entry (`आग`, `aag`, `ag`) covers every script and spelling that collapses to the same form.
Everything is done with `str.translate` and a handful of precompiled regexes over the whole string
(no per-character Python loops), which keeps a typical call well under 20 µs.
"""

from __future__ import annotations

import re
import unicodedata

# Only this much of a call is looked at. Real call-taker notes are a few hundred characters; the API
# rejects > 4,000 chars, and the cap keeps any input (100 KB, pathological repeats) bounded in time.
MAX_CHARS = 2000
# Upper bound on tokens considered after normalisation (a 2,000-char cap is at most ~1,000 tokens).
MAX_TOKENS = 400

# Devanagari to a loose roman spelling. Consonants carry no inherent vowel: the skeleton drops
# short/long "a" after the first letter anyway, so schwa deletion never has to be decided.
_DEVANAGARI: dict[str, str] = {
    # independent vowels
    "अ": "a", "आ": "aa", "इ": "i", "ई": "i", "उ": "u", "ऊ": "u", "ऋ": "ri", "ए": "e", "ऐ": "ai",
    "ओ": "o", "औ": "au", "ऑ": "o", "ऍ": "e", "ऎ": "e", "ऒ": "o",
    # dependent vowel signs (matras)
    "ा": "a", "ि": "i", "ी": "i", "ु": "u", "ू": "u", "ृ": "ri", "े": "e", "ै": "ai", "ो": "o",
    "ौ": "au", "ॉ": "o", "ॅ": "e", "ॆ": "e", "ॊ": "o",
    # virama and nukta vanish; anusvara and chandrabindu are both a nasal "n"; visarga is "h"
    "्": "", "़": "", "ं": "n", "ँ": "n", "ः": "h",
    # consonants; nukta letters (क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़) decompose under NFC and the nukta is dropped
    "क": "k", "ख": "kh", "ग": "g", "घ": "gh", "ङ": "n", "च": "ch", "छ": "chh", "ज": "j", "झ": "jh",
    "ञ": "n", "ट": "t", "ठ": "th", "ड": "d", "ढ": "dh", "ण": "n", "त": "t", "थ": "th", "द": "d",
    "ध": "dh", "न": "n", "प": "p", "फ": "ph", "ब": "b", "भ": "bh", "म": "m", "य": "y", "र": "r",
    "ल": "l", "व": "v", "श": "sh", "ष": "sh", "स": "s", "ह": "h", "ळ": "l", "ऱ": "r", "ऩ": "n",
    # digits; danda and double danda are sentence punctuation
    "०": "0", "१": "1", "२": "2", "३": "3", "४": "4", "५": "5", "६": "6", "७": "7", "८": "8", "९": "9",
    "।": " ", "॥": " ",
}  # fmt: skip

# Roman letters that are free variants in Hinglish spelling (w/v, z/j, q/k).
_ROMAN = {"w": "v", "z": "j", "q": "k"}

_SKELETON_TABLE = str.maketrans({**_DEVANAGARI, **_ROMAN})

BOUNDARY = ","
# One translation table does most of the surface work in a single C-level pass: lower-casing,
# dropping control/format characters (zero-width joiners, BOM, bidi marks) and apostrophes
# ("can't" -> "cant"), turning clause punctuation into a "," token (negation and phrases never
# reach across it) and every other non-word character (symbols, emoji) into a space.
_CLAUSE_CHARS = ",.;:!?|()[]{}।॥"
_APOSTROPHES = "'’‘`´"
_SPACES = "\t\n\r\v\f\x1c\x1d\x1e\x1f\x85\u200b\u2060॰_"


def _surface_map(ch: str) -> str | None:
    if ch in _CLAUSE_CHARS:
        return " , "
    if ch in _APOSTROPHES:
        return ""
    if ch in _SPACES:
        return " "
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cf"):
        return ""
    if cat[0] in "LN" or cat[0] == "M":
        low = ch.lower()
        return None if low == ch else low
    return " "


def _surface_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # The BMP plus the emoji/symbol and tag blocks; other supplementary characters pass unchanged
    # (they match nothing). Built once at import (~0.1 s).
    for cp in (*range(0x10000), *range(0x1F000, 0x1FB00), *range(0xE0000, 0xE0200)):
        mapped = _surface_map(chr(cp))
        if mapped is not None:
            table[cp] = mapped
    return table


_SURFACE_TABLE = _surface_table()
_HAS_DIGIT = re.compile(r"\d")
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d])|(?<=[^\W\d])(?=\d)")  # "4th" -> "4 th", "12saal"
# "aaaag", "helppp": keep at most two of a letter (ASCII and Devanagari; others are left alone).
_LONG_RUN = re.compile(r"([a-z\u0900-\u097f])\1\1+")
_CH = re.compile(r"c+h+")  # cch, chh, ch -> one "ch" sound
# Patterns below start with a literal so the regex engine can skip ahead instead of trying every
# position (a leading look-behind or \B made them several times slower).
# gh/kh/jh/dh are often written without the h (gayal, kun, jagda, duan); th and bh keep it because
# dropping them merges frequent words (bhi "also" with bai "woman", sath with sat).
_ASPIRATE_H = re.compile(r"h(?<=[gkjd]h)")
_NON_INITIAL_A = re.compile(r"a(?<=\wa)a*")  # vowel length and schwa are free: drop non-initial "a"
# gayi/gai/gyi, kiya/kia, gaye/gae: the glide y between vowels (or after i, or word-final) is optional
_Y_GLIDE = re.compile(r"y(?<=\wy)(?:(?=[ie])|(?![a-z0-9])|(?<=iy))")
# A Devanagari consonant not followed by a vowel sign or virama carries the inherent vowel; writing it
# out as "a" (later dropped like every non-initial a) keeps द+ह apart from the aspirate ध.
_INHERENT = re.compile(r"(?<=[\u0915-\u0939\u0958-\u095f\u093c])(?![\u093c-\u094d\u0962\u0963])")
_DOUBLE = re.compile(r"([a-z])(?=\1)")  # doubled letters carry no meaning in free spelling


def surface(text: str) -> str:
    """Lower-case NFC text with control characters removed and punctuation turned into spaces."""
    text = unicodedata.normalize("NFC", text[:MAX_CHARS]).translate(_SURFACE_TABLE)
    if _HAS_DIGIT.search(text):
        text = _DIGIT_LETTER.sub(" ", text)
    return _LONG_RUN.sub(r"\1\1", text)


def skeleton_of_surface(text: str) -> str:
    """Reduce already-surfaced text to its phonetic skeleton, keeping the same whitespace tokens."""
    s = text if text.isascii() else _INHERENT.sub("a", text)
    s = s.translate(_SKELETON_TABLE)
    s = s.replace("sch", "sk")
    s = _CH.sub("\x01", s)  # protect "ch" before the lone c -> k merge
    s = s.replace("c", "k").replace("\x01", "c")
    s = s.replace("ph", "f").replace("sh", "s").replace("ee", "i").replace("oo", "u").replace("au", "o")
    s = _ASPIRATE_H.sub("", s)
    s = _NON_INITIAL_A.sub("", s)
    s = _Y_GLIDE.sub("", s)
    return _DOUBLE.sub("", s)


def skeleton(text: str) -> str:
    """Full normalisation of free text to space-separated skeleton tokens."""
    return skeleton_of_surface(surface(text))


def tokens(text: str) -> tuple[list[str], list[str]]:
    """Surface tokens and aligned skeleton tokens of a text (both capped at MAX_TOKENS)."""
    surf = surface(text)
    sk = skeleton_of_surface(surf).split()
    st = surf.split()
    if len(sk) != len(st):  # a token made only of dropped marks (e.g. a stray virama) vanished
        pairs = [(w, skeleton_of_surface(w)) for w in st]
        pairs = [(w, k) for w, k in pairs if k]
        st = [w for w, _ in pairs]
        sk = [k for _, k in pairs]
    return st[:MAX_TOKENS], sk[:MAX_TOKENS]
