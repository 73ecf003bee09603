"""Unit tests for the triage classifier: languages, negation, precedence, misspellings, bad input."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.dispatch.triage import SERVICES, Triage, classify
from app.dispatch.triage.classifier import _LEXICON, _MODEL, canonical_tokens, classify_with
from app.dispatch.triage.evaluation import evaluate, load, main
from app.dispatch.triage.lexicon import LexiconError, compile_lexicon, load_lexicon
from app.dispatch.triage.model import (
    MODEL_PATH,
    FeatureConfig,
    TextModel,
    UrgencyHead,
    features,
    load_model,
)
from app.dispatch.triage.normalize import MAX_CHARS, skeleton
from app.dispatch.triage.review import DEFAULT as DEFAULT_REVIEW

DATA = Path(__file__).resolve().parents[1] / "data"


def assert_valid(t: Triage) -> None:
    assert t.category is None or t.category in SERVICES
    assert all(s in SERVICES for s in t.secondary)
    assert t.category not in t.secondary
    assert len(set(t.secondary)) == len(t.secondary)
    assert t.priority in (1, 2, 3)
    assert 0.0 <= t.confidence <= 1.0
    assert all(isinstance(e, str) and e for e in t.evidence)
    assert isinstance(t.needs_review, bool)


# ------------------------------------------------------------------------------ per language


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Someone stole my scooter from outside the gym", "police"),
        ("Our neighbour's kitchen is on fire and smoke is everywhere", "fire"),
        ("My grandmother has collapsed and is not breathing", "medical"),
        ("A man keeps following my sister home and passing dirty comments", "women"),
        ("A small boy is crying alone near the bus stand, cannot find his parents", "child"),
    ],
)
def test_english(text: str, category: str) -> None:
    assert classify(text).category == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("रात में घर का ताला तोड़कर चोरी हुई", "police"),
        ("गोदाम में आग लगी है", "fire"),
        ("पिताजी को सीने में दर्द है, बेहोश हो गए", "medical"),
        ("पति शराब पीकर पत्नी को पीटता है", "women"),
        ("आठ साल का बच्चा मेले में खो गया", "child"),
    ],
)
def test_hindi(text: str, category: str) -> None:
    assert classify(text).category == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("mera mobile kisi ne chura liya station pe", "police"),
        ("ghar me aag lag gyi, jaldi aao", "fire"),
        ("mummy ko heart attack aaya hai", "medical"),
        ("sasural wale dahej ke liye maarte hai", "women"),
        ("chhote bacche se dhabe pe kaam karwa rahe", "child"),
    ],
)
def test_hinglish(text: str, category: str) -> None:
    assert classify(text).category == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("मोर गाय ल रात के कोनो चोरा लिस", "police"),
        ("घर म आगी लग गे हे", "fire"),
        ("डोकरी ल साँप चाबिस", "medical"),
        ("गोसइया ह बाई ल रोज मारथे", "women"),
        ("लइका बजार म गंवा गे", "child"),
    ],
)
def test_chhattisgarhi(text: str, category: str) -> None:
    assert classify(text).category == category


def test_one_entry_covers_scripts_and_spellings() -> None:
    assert skeleton("घर में आग लग गई") == skeleton("ghar mein aag lag gayi").replace("mein", "men")
    assert skeleton("आग") == skeleton("aag") == skeleton("aaaag")
    assert skeleton("बच्चा") == skeleton("bachcha") == skeleton("baccha") == skeleton("bacha")
    assert skeleton("दहेज") == skeleton("dahej")
    assert skeleton("ज़हर") == skeleton("जहर") == skeleton("zahar")  # nukta folded, z ~ j
    assert skeleton("साँप") == skeleton("सांप") == skeleton("saanp")  # chandrabindu ~ anusvara


# ------------------------------------------------------------------------------ negation


@pytest.mark.parametrize(
    "text",
    [
        "Car and bike collided at the square, no one is hurt, they are arguing",
        "truck ne car ko thok diya, koi ghayal nahi hai, jhagda ho raha",
        "दो गाड़ियों की टक्कर हुई, कोई घायल नहीं है",
        "दू गाड़ी के ठोकर होगे, कोनो ल चोट नइ आय हे",
    ],
)
def test_negated_injury_turns_accident_into_police(text: str) -> None:
    t = classify(text)
    assert t.category == "police"
    assert "medical" not in t.secondary


@pytest.mark.parametrize(
    "text",
    [
        "आग नहीं लगी है पर गैस सिलेंडर से गैस निकल रही है",
        "aag nahi lagi, gas leak ho rahi hai",
        "आगी नइ लगे हे फेर गैस के बास आवत हे",
        "There is no fire yet but a strong smell of gas in the kitchen",
    ],
)
def test_negated_fire_still_gas_leak(text: str) -> None:
    t = classify(text)
    assert t.category == "fire"
    assert not any(e.lower() in ("aag", "आग", "आगी") for e in t.evidence)


def test_negation_does_not_cross_clause() -> None:
    # "nahi" negates the injury, not the fire in the previous clause.
    t = classify("dukaan me aag lagi hai, koi ghayal nahi")
    assert t.category == "fire"
    assert "medical" not in t.secondary


def test_negation_inside_phrase_is_meaning() -> None:
    # "saans nahi" (not breathing) is itself the emergency, not a negated one.
    t = classify("aadmi gir gaya, saans nahi le raha")
    assert (t.category, t.priority) == ("medical", 1)


# ------------------------------------------------------------------------------ precedence


@pytest.mark.parametrize(
    ("text", "category", "secondary"),
    [
        ("A woman was injured when a truck hit her scooter", "medical", "police"),
        ("Her husband beat her with a stick, her arm is bleeding", "women", "medical"),
        ("एक बच्चा सड़क दुर्घटना में घायल हो गया", "medical", "police"),
        ("सौतेला पिता बच्ची को रोज पीटता है", "child", None),
        ("Smoke and flames from the third floor, two people trapped", "fire", "medical"),
        ("ladki ko do ladke roz chhedte hai", "women", None),
        ("gaon me 13 saal ki ladki ki shaadi ho rahi hai", "child", None),
        ("Bear attacked a woman collecting firewood, she is bleeding", "medical", None),
        ("My father, 72, has been missing since morning", "police", None),
    ],
)
def test_precedence(text: str, category: str, secondary: str | None) -> None:
    t = classify(text)
    assert t.category == category
    if secondary:
        assert secondary in t.secondary


def test_victim_of_violence_woman_vs_man() -> None:
    assert classify("Three men are beating a woman near the well").category == "women"
    assert classify("Three men are beating a shopkeeper near the well").category == "police"


def test_child_age_decides_between_women_and_child() -> None:
    assert classify("ladki ka peecha karta hai ek ladka, 12 saal ki hai").category == "child"
    assert classify("ladki ka peecha karta hai ek ladka, 24 saal ki hai").category == "women"


def test_idiom_consumes_words() -> None:
    # लकवा मार (stroke) must not be read as मार (beating) of a woman.
    assert classify("dadi la lakwa mar dis").category == "medical"


# ------------------------------------------------------------------------------ misspellings


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("accidant on highway, send ambulence", "medical"),
        ("bleding from head, he is unconsious", "medical"),
        ("my sister was kidnaped from the market", "women"),
        ("chain snaching near temple", "police"),
        ("molestaion in the bus", "women"),
    ],
)
def test_misspellings(text: str, category: str) -> None:
    assert classify(text).category == category


def test_short_words_are_not_fuzzy() -> None:
    # "filing" is one letter from "firing"; "strong" from "string": short words match exactly. This is
    # about the lexicon's matching, so it reads the rules alone (the learned model may still weigh in).
    t = classify_with(_LEXICON, "I am filing a strong complaint about the noise")
    assert t.category == "police"
    assert not any("fir" in e for e in t.evidence)


# ------------------------------------------------------------------------------ priority


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("He is unconscious and not breathing", 1),
        ("People trapped inside the burning house", 1),
        ("He drank poison, vomiting", 1),
        ("Someone broke into my car last night and took the stereo", 3),
        ("कल रात दुकान से सामान चोरी हुआ, सुबह पता चला", 3),
        # a theft found afterwards can wait; a snatching that just happened cannot
        ("My bicycle was stolen from the market", 3),
        ("Two men snatched my chain and ran towards the station just now", 2),
    ],
)
def test_priority(text: str, priority: int) -> None:
    assert classify(text).priority == priority


def test_evidence_names_the_deciding_words() -> None:
    t = classify("ghar me aag lag gyi hai, ek aadmi andar phasa hai")
    assert t.category == "fire"
    assert any("aag" in e for e in t.evidence)
    assert "medical" in t.secondary


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "\u200b\u200d", "...!!!", "🔥🚑😭"])
def test_empty_or_meaningless(text: str) -> None:
    t = classify(text)
    assert_valid(t)
    assert t.needs_review


def test_empty_is_null_category() -> None:
    t = classify("   ")
    assert t.category is None and t.needs_review and t.evidence == ()


def test_unmatched_text_is_flagged() -> None:
    t = classify("hello, can you hear me, the line is bad")
    assert_valid(t)
    assert t.needs_review


def test_huge_input_is_truncated_not_crashing() -> None:
    text = "ghar me aag lagi hai " + "blah " * 25_000  # ~125 KB
    assert len(text) > 100_000
    t = classify(text)
    assert t.category == "fire"
    # Words beyond the cap are ignored by design (documented in METHOD.md).
    late = "x" * MAX_CHARS + " chori ho gayi"
    assert classify(late).category != "police" or classify(late).needs_review


@pytest.mark.parametrize(
    "text",
    [
        "आगlagi hai 🔥🔥 ghar में",
        "a\x00b\x07c\x1b[31m aag \x7f",
        "\ufeffghar me aag\u200b lagi",
        "ا لحريق في المنزل",  # Arabic: unknown script
        "火事です",
        "्ा ़ ं",  # stray Devanagari marks only
        "1234567890 " * 100,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "nahi " * 500,
    ],
)
def test_odd_input_never_raises(text: str) -> None:
    assert_valid(classify(text))


def test_emoji_and_control_characters_do_not_hide_words() -> None:
    assert classify("🔥 aag\u200b lagi\x00 hai 🔥").category == "fire"


def test_to_dict_is_json_ready() -> None:
    d = classify("road accident, two injured").to_dict()
    assert d["category"] == "medical"
    assert isinstance(d["secondary"], list) and isinstance(d["evidence"], list)
    assert set(d) == {"category", "secondary", "priority", "confidence", "evidence", "needs_review"}


def test_triage_is_frozen() -> None:
    t = classify("fire")
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.category = "police"  # type: ignore[misc]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_string_gives_a_valid_triage(text: str) -> None:
    assert_valid(classify(text))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["aag", "nahi", "ladki", "bachcha", "maar", "ghayal", "chori", ",", "no"])))
def test_any_mix_of_signal_words_is_valid(words: list[str]) -> None:
    assert_valid(classify(" ".join(words)))


# ------------------------------------------------------------------------------ lexicon format


def test_lexicon_rejects_bad_entries() -> None:
    with pytest.raises(LexiconError):
        compile_lexicon({"entries": [{"phrases": ["x"], "services": {"army": 1}}]})
    with pytest.raises(LexiconError):
        compile_lexicon({"entries": [{"phrases": [False]}]})  # a bare `no` in YAML
    with pytest.raises(LexiconError):
        compile_lexicon({"entries": [{"phrases": ["x"], "roles": ["hero"]}]})


def test_lexicon_extension_without_python() -> None:
    # A state adds a (made-up) Halbi word for fire: only data changes.
    lex = compile_lexicon({"entries": [{"phrases": ["dhongra", "धोंगरा"], "services": {"fire": 4}}]})
    from app.dispatch.triage.classifier import classify_with

    assert classify_with(lex, "gaon me dhongra").category == "fire"
    assert classify_with(lex, "गाँव म धोंगरा").category == "fire"


def test_shipped_lexicon_has_no_ambiguous_one_word_keys() -> None:
    lex = load_lexicon()
    for key, entries in lex.phrases.items():
        if len(key) == 1:
            meanings = {(e.kind, tuple(sorted(e.services)), tuple(sorted(e.roles))) for e in entries}
            assert len(meanings) == 1, key


# ------------------------------------------------------------------------------ generalisation


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # everyday words whose skeleton equals a signal word's are exact-only homographs
        ("please send police, someone is selling liquor illegally", "police"),
        ("A baby girl has been abandoned at the bus stand", "child"),
        ("Truck hit a wall today, but the driver is bleeding", "medical"),
        ("phir se padosi gaali de raha hai aur dhamka raha hai", "police"),
        # a person collapses, a building collapses
        ("My father collapsed and is not breathing", "medical"),
        ("The old house collapsed, two labourers are under the debris", "fire"),
        # an animal in a well or drain is a rescue, an animal that attacks is an injury
        ("हमर बारी के कुआँ म गाय गिर गे हे, निकाले नइ सकत हन", "fire"),
        ("ek bhains naale me gir gayi hai, nikal nahi pa rahi", "fire"),
        ("Gaay ne kisan ko seeng maar diya, pet se khoon beh raha", "medical"),
        # fire or rescue first; the casualties become the medical secondary
        ("Fire in the hospital basement, patients being shifted", "fire"),
        ("बाढ़ का पानी घरों में घुस गया है, छत पर लोग फंसे हैं, एक बुजुर्ग की तबीयत खराब है", "fire"),
        # body "burning" is fever, not fire
        ("खेत म बनिहार ला लू लग गे, देह ह आगी कस तिपत हे", "medical"),
        # a weak hit with a weapon is violence
        ("dukaan wale ne chacha ke sar pe rod maar di, khoon nikal raha", "police"),
    ],
)
def test_general_readings(text: str, category: str) -> None:
    assert classify(text).category == category


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # a caller speaking of herself in the feminine is a woman victim
        ("cab ka wait kar rahi hu, 3 ladke bike pe ruk ke seeti maar rahe", "women"),
        ("pati ne gala dabaya, main padosi ke ghar chhupi hu, bachho ke saamne maara", "women"),
        # husband / in-laws mark domestic abuse, not a missing husband
        ("मेरे पति दो दिन से घर नहीं आए हैं, फोन बंद है", "police"),
        ("मेरे पति ने मुझे घर से निकाल दिया और बच्चे छीन लिए", "women"),
        # money, times and counts after a number are not ages; months need a child
        ("meri saas dahej ke 2 lakh maang rahi hai, khana nahi deti", "women"),
        ("मैं घरों में काम करती हूं, मालिक ने तीन महीने की तनख्वाह नहीं दी और गलत हरकत की कोशिश की", "women"),
        # Chhattisgarhi number words give ages
        ("हमर पारा म तेरा बछर के टूरी के बिहाव करत हें", "child"),
        # boys who tease are offenders, not child victims
        ("गांव के टूरा मन नोनी मन ल छेड़थें", "women"),
    ],
)
def test_victim_roles(text: str, category: str) -> None:
    assert classify(text).category == category


def test_gender_inflections_are_generated() -> None:
    # "utha ke le gaye" is listed; the feminine "utha ke le gayi" is generated by the loader.
    assert classify("ek aurat hospital se naya paida hua bachha utha ke le gayi").category == "child"
    lex = load_lexicon()
    assert tuple(skeleton("utha ke le gayi").split()) in lex.phrases


# ------------------------------------------------------------------------------ accuracy gate


# triage_dev2 was run once as a held-out check before it was used for development (tests/data/README.md).
# The shipped model (model.json) is trained on all three files, so this gate is measured on training
# data for both the rules and the model: it guards against regressions, it is no estimate for unseen
# calls (those are the held-out split numbers in METHOD.md). The rules alone must pass it too.
@pytest.mark.parametrize("name", ["triage_dev.jsonl", "triage_own.jsonl", "triage_dev2.jsonl"])
@pytest.mark.parametrize("with_model", [True, False], ids=["rules+model", "rules-only"])
def test_accuracy_gate(name: str, with_model: bool) -> None:
    fn = classify if with_model else (lambda t: classify_with(_LEXICON, t))
    rep = evaluate(load(DATA / name), fn)
    assert rep.accuracy >= 0.97, rep.errors
    for cls in SERVICES:
        assert rep.recall(cls) >= 0.95, (cls, rep.recall(cls))


def test_own_set_is_balanced() -> None:
    rows = load(DATA / "triage_own.jsonl")
    assert len(rows) >= 320
    for cls in SERVICES:
        assert sum(r.category == cls for r in rows) >= 60
    for lang in ("en", "hi", "hinglish", "cg"):
        assert sum(r.lang == lang for r in rows) >= 75


def test_evaluation_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(DATA / "triage_dev.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "confusion" in out and "secondary" in out


# ------------------------------------------------------------------------------ learned model


def test_shipped_model_loads_and_is_wired() -> None:
    assert MODEL_PATH.exists()
    model = load_model()
    assert model is not None and _MODEL is not None
    assert model.classes == SERVICES
    assert 500 <= len(model.weights) <= 40_000  # pruned (seen in 2+ calls): ~1.4 MB of JSON, both heads
    assert model.scale > 0
    assert model.weights == _MODEL.weights


def test_missing_model_file_means_rules_only(tmp_path: Path) -> None:
    assert load_model(tmp_path / "absent.json") is None


def test_model_round_trips_and_rejects_bad_files(tmp_path: Path) -> None:
    cfg = FeatureConfig(bigrams=True, char_min=0, char_max=0)
    m = TextModel(SERVICES, [0.0] * 5, {"ag": [0, 1, 0, 0, 0]}, cfg, 1.5)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(m.to_dict()))
    back = load_model(path)
    assert back is not None and back.weights == m.weights and back.scale == 1.5
    bad = m.to_dict() | {"format": 99}
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError):
        load_model(path)
    with pytest.raises(ValueError):
        TextModel(SERVICES, [0.0] * 5, {"ag": [1.0, 2.0]}, cfg, 1.0)


def _head_on(text: str, row: tuple[float, float, float]) -> TextModel:
    """A model whose category head is neutral and whose urgency head puts `row` on every word of text."""
    words = set(canonical_tokens(_LEXICON, text)[1]) - {","}
    head = UrgencyHead((0.0, 0.0, 0.0), {w: row for w in words}, 0.5)
    cfg = FeatureConfig(bigrams=True, char_min=0, char_max=0)
    return TextModel(SERVICES, [0.0] * 5, {}, cfg, 1.5, urgency=head)


def test_urgency_head_raises_a_priority_and_says_so() -> None:
    text = "my grandfather has had a fever since yesterday"
    rules = classify_with(_LEXICON, text)
    assert rules.priority == 2
    raised = classify_with(_LEXICON, text, _head_on(text, (3.0, 0.0, 0.0)))
    assert raised.priority == 1 and raised.category == rules.category
    assert raised.acuity[-1].startswith("like life-threatening calls (learned")
    kept = classify_with(_LEXICON, text, _head_on(text, (-3.0, 0.0, 3.0)))
    assert kept.priority == 2 and not any("learned" in r for r in kept.acuity)


def test_urgency_head_leaves_a_reasoned_3_alone() -> None:
    text = "Someone stole my phone last week"
    rules = classify_with(_LEXICON, text)
    assert rules.priority == 3 and rules.acuity  # "property taken or lost, offender gone"
    t = classify_with(_LEXICON, text, _head_on(text, (5.0, 0.0, 0.0)))
    assert t.priority == 3 and t.acuity == rules.acuity


def test_urgency_head_never_lowers_a_priority() -> None:
    text = "A man is waving a gun at people in the market right now"
    t = classify_with(_LEXICON, text, _head_on(text, (-5.0, 0.0, 5.0)))
    assert t.priority == 1 and not any("learned" in r for r in t.acuity)


def test_urgency_head_round_trips_and_rejects_bad_widths(tmp_path: Path) -> None:
    model = _head_on("aag lagi hai", (1.0, 0.5, -1.0))
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model.to_dict()))
    back = load_model(path)
    assert back is not None and back.urgency == model.urgency
    bad = model.to_dict()
    bad["urgency"]["weights"] = {"ag": [1.0, 2.0]}
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="three weights"):
        load_model(path)


def test_shipped_urgency_head_is_a_probability() -> None:
    assert _MODEL is not None and _MODEL.urgency is not None
    assert 0.0 < _MODEL.urgency.threshold < 1.0
    _, p1 = _MODEL.read(["ag", "lg", "gi"])
    assert p1 is not None and 0.0 < p1 < 1.0


def test_model_features_share_scripts() -> None:
    cfg = FeatureConfig(bigrams=True, char_min=0, char_max=0)
    _, hi = canonical_tokens(_LEXICON, "आग लगी")
    _, en = canonical_tokens(_LEXICON, "aag lagi")
    assert features(hi, cfg) == features(en, cfg)
    assert features(["ag", ",", "lg"], cfg) == {"ag", "lg"}  # no bigram across a clause boundary


def test_model_probabilities_are_normalised() -> None:
    assert _MODEL is not None
    lp = _MODEL.log_proba(["ag", "lg", "gi"])
    assert abs(sum(math.exp(v) for v in lp.values()) - 1.0) < 1e-9
    rel = _MODEL.relative(["ag", "lg", "gi"])
    assert max(rel.values()) == 0.0
    assert max(rel, key=rel.__getitem__) == "fire"


def test_classify_is_deterministic() -> None:
    texts = [r.text for r in load(DATA / "triage_dev2.jsonl")[:40]]
    first = [classify(t) for t in texts]
    assert [classify(t) for t in reversed(texts)] == list(reversed(first))
    assert [classify_with(_LEXICON, t, load_model()) for t in texts] == first


def test_training_is_deterministic() -> None:
    from app.dispatch.triage.train import train

    paths = [DATA / "triage_dev.jsonl"]
    assert train(paths).to_dict() == train(paths).to_dict()


def test_model_decides_when_no_rule_matches() -> None:
    # Words the lexicon does not know: the rules alone fall back to police; with the model the guess
    # is the model's, still flagged for the operator.
    text = "qwzx vblm"
    rules = classify_with(_LEXICON, text)
    assert (rules.category, rules.needs_review) == ("police", True)
    t = classify(text)
    assert t.category in SERVICES and t.needs_review and t.confidence <= 0.1


# ------------------------------------------------------------------------------ acuity


# The kinds of call the issue names, in several languages: category, a secondary service the call
# needs (or None) and the priority.
@pytest.mark.parametrize(
    ("text", "category", "secondary", "priority"),
    [
        ("The godown on Station Road is on fire and the watchman is still inside", "fire", "medical", 1),
        ("गोदाम में आग लगी है, चौकीदार अंदर फंसा है", "fire", "medical", 1),
        ("My four year old son wandered off at the mela an hour ago, we cannot find him", "child", None, 1),
        ("मेला में मोर 4 साल के लइका गंवा गे हे, एक घंटा ले नइ मिलत हे", "child", None, 1),
        ("A man collapsed at the bus stop, he is not breathing", "medical", None, 1),
        ("बस स्टॉप पर एक आदमी गिर गया है, सांस नहीं ले रहा", "medical", None, 1),
        ("Two men are attacking a shopkeeper with a sickle", "police", "medical", 1),
        ("do aadmi dukandar pe hasiya se hamla kar rahe hain", "police", "medical", 1),
        ("The tailor next door hits his bahu every night, tonight she is screaming", "women", None, 1),
        ("padosi darzi roz raat apni bahu ko maarta hai, aaj wo cheekh rahi hai", "women", None, 1),
        ("मेरी ननद को उसके देवर घर से घसीट कर बाहर ले गए, बच्चे देख रहे थे", "women", None, 1),
        (
            "Her husband's brothers dragged my nanad out of the house while the children watched",
            "women",
            None,
            1,
        ),
    ],
)
def test_issue_calls(text: str, category: str, secondary: str | None, priority: int) -> None:
    t = classify(text)
    assert (t.category, t.priority) == (category, priority), t
    if secondary:
        assert secondary in t.secondary


@pytest.mark.parametrize(
    ("habit", "now"),
    [
        ("My husband beats me every day", "My husband is beating me right now"),
        ("पति रोज़ मारता है", "पति अभी मार रहा है"),
        ("pati roz maarta hai", "pati abhi maar raha hai"),
        ("ओकर गोसइया रोज ओला मारथे", "ओकर गोसइया ओला मारत हे"),
    ],
)
def test_a_habit_is_urgent_violence_now_is_priority_1(habit: str, now: str) -> None:
    # The rules' reading of aspect (the learned urgency head may still raise a habit to 1).
    h, n = classify_with(_LEXICON, habit), classify_with(_LEXICON, now)
    assert h.category == n.category == "women"
    assert (h.priority, n.priority) == (2, 1)
    assert "violence now" in n.acuity


@pytest.mark.parametrize(
    ("text", "priority"),
    [
        ("There was a small fire in the kitchen last night, we put it out, nobody is hurt", 3),
        ("kaali ratiha pairavat ma aagi lage rahis, gaon wale man bujha din, kakro la kuchhu nai hois", 3),
        ("Mera UPI se 25,000 kat gaya, kal ki baat hai", 3),  # money "cut", not a wound
        ("Someone stole my phone last week", 3),
        ("Bus overturned on the highway, many passengers injured", 1),  # several hurt: flagged
        ("A school van overturned near the canal, three kids are injured and bleeding", 1),
        ("A man is waving a gun at people in the market right now", 1),
        ("Someone is breaking the door, we are hiding in the bathroom", 1),
        ("मैं घर में बंद कर दी गई हूँ, पति मार रहा है", 1),
        ("Tanker overturned on the highway and petrol is spilling", 1),
    ],
)
def test_priority_signals(text: str, priority: int) -> None:
    assert classify(text).priority == priority


def test_a_fire_that_burns_again_is_not_over() -> None:
    # "put out, but burning again": not "fire out, nobody hurt" (3); whether anyone is inside is unsaid.
    t = classify("aag bujha di thi par ab fir se lag gayi hai")
    assert t.category == "fire" and t.priority < 3
    assert "fire out, nobody hurt" not in t.acuity


@pytest.mark.parametrize(
    "text",
    [
        "मेरा बेटा, कक्षा 8 में पढ़ता है, स्कूल से नहीं लौटा",  # a 13-year-old late: perhaps not in danger
        "Bus overturned on the highway, many passengers injured",  # how badly: the operator asks
    ],
)
def test_doubt_between_1_and_2_is_priority_1_and_flagged_unless_the_head_agrees(text: str) -> None:
    rules = classify_with(_LEXICON, text)
    assert rules.priority == 1 and rules.needs_review  # the rules alone: in doubt, so 1 and flagged
    doubting = classify_with(_LEXICON, text, _head_on(text, (-3.0, 3.0, 0.0)))
    assert doubting.priority == 1 and doubting.needs_review  # the head thinks 2: still flagged
    agreeing = classify_with(_LEXICON, text, _head_on(text, (3.0, 0.0, 0.0)))
    assert agreeing.priority == 1 and agreeing.acuity == rules.acuity
    assert agreeing.needs_review == (
        agreeing.confidence < DEFAULT_REVIEW.threshold
    )  # only if the category is unsure


def test_threats_are_not_the_harm_itself() -> None:
    # A threat to burn is the police's (no burns to treat, no fire to put out).
    for text in (
        "He said he will burn our house down if we don't pay",
        "परोसी ह कहिस कि तोर घर ल जला देहूं",
        "My neighbour told me he'll burn my paddy crop",
    ):
        t = classify(text)
        assert t.category == "police" and "medical" not in t.secondary, (text, t)
    # "will fire me" is a threat to sack the caller, not a fire.
    assert classify("My supervisor says he will fire me if I don't come to his room").category != "fire"


# ------------------------------------------------------------------------------ who is hurt


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("bhabhi ko uske sasural wale maar rahe hain", "women"),
        ("didi ko jeeja ji ne peeta, bahut chot hai", "women"),
        ("kaki ko kaka ne ghar se nikal diya", "women"),
        ("मेरी बहू को ससुर ने मारा, वो रो रही है", "women"),
        ("Sunita ko uska pati maar raha hai", "women"),  # a woman's name, no gendered noun
        ("मोर गोसइया मोला मारत हे", "women"),  # the caller is the wife
        ("mere bhai ko char logon ne maara, sar se khoon nikal raha hai", "medical"),  # a man hurt
        ("mere bhai ko padosi maar rahe hain", "police"),
        ("nabalig ladki ko ek aadmi bhaga le gaya", "child"),
        ("class 8 ki chhatra ko teacher pareshan karta hai", "child"),
        ("6 saal ki bachchi ke saath padosi ne galat kaam kiya", "child"),
        ("A child was hurt in the accident, bleeding from the head", "medical"),
    ],
)
def test_victim_from_relations_names_grammar_and_ages(text: str, category: str) -> None:
    assert classify(text).category == category


# ------------------------------------------------------------------------------ secondary services


@pytest.mark.parametrize(
    ("text", "category", "secondary"),
    [
        ("truck ne bike wale ko takkar maar di, wo ghayal hai", "medical", "police"),
        ("Fire in the factory, two workers have burns", "fire", "medical"),
        ("गैस सिलेंडर फटा, दो लोग झुलस गए", "fire", "medical"),
        ("Fight in the bar, one man stabbed", "police", "medical"),
        ("Car hit a scooter, the rider is injured and a crowd is beating the driver", "police", "medical"),
    ],
)
def test_secondary_when_a_second_agency_is_needed(text: str, category: str, secondary: str) -> None:
    t = classify(text)
    assert t.category == category and secondary in t.secondary, t


def test_no_secondary_for_words_that_only_look_like_harm() -> None:
    # "kat gaye" is money taken, "gir gaya" a purse dropped: no ambulance for a fraud or a lost card.
    for text in (
        "Sir link pe click kiya to account se 12,000 kat gaye",
        "बस में मेरा आधार कार्ड और राशन कार्ड वाला पर्स कहीं गिर गया",
    ):
        assert classify(text).secondary == (), text


# ------------------------------------------------------------------------------ homographs


def test_aspect_cues_spelt_like_other_words_match_only_as_spelt() -> None:
    lex = load_lexicon()
    # "gaon" (village) is not "gonna", "tod" (break) is not "today", "aap" (you) is not an app.
    assert "gonna" not in json.dumps(list(lex.aspect.exact))
    for word in ("today", "kal", "call", "app", "sms", "daily"):
        assert word in lex.aspect.exact_words
    assert lex.aspect.kinds_of(skeleton("gaon"), "gaon") is None
    assert lex.aspect.kinds_of(skeleton("तोड़"), "तोड़") is None
    assert lex.aspect.kinds_of(skeleton("today"), "today") == frozenset({"today"})
    assert "mob violence" not in classify("pati ne maara, gaon wale aa gaye hain").acuity  # villagers came
    t = classify("ek aadmi roz mujhe dhamki deta hai, kal usne meri gaadi bhi tod di")
    assert t.priority == 3  # reported afterwards; "tod" is no "today"


def test_respelt_loanword() -> None:
    # गैस (gas) and Chhattisgarhi गइस (went) share a skeleton; the lexicon respells गैस.
    t = classify("फैक्ट्री ले गैस रिसत हे, मनखे मन के आंखी जरत हे, खांसत हें")
    assert t.category == "fire" and t.priority == 1


# ------------------------------------------------------------------------------ words and caches


@pytest.mark.parametrize(
    "text",
    [
        "aaaag lagi hai 12saal ki ladki, 4th floor!!",
        "घर में आग लगी है, कोई घायल नहीं",
        "stray virama ् here and ़ there",
        "ACCIDANT on highway ambulence bhejo 🔥🚑",
        "\u200bzero\u200dwidth and ze-ro",
        "",
    ],
)
def test_word_cache_gives_the_tokens_of_whole_text_normalisation(text: str) -> None:
    from app.dispatch.triage.normalize import tokens

    lex = load_lexicon()
    surf, sk = tokens(text)
    expected = [t if t in lex.vocab else lex.canonical(t, w) for t, w in zip(sk, surf, strict=True)]
    lex.clear_caches()
    assert canonical_tokens(lex, text) == (surf, expected)  # cold
    assert canonical_tokens(lex, text) == (surf, expected)  # cached


def test_word_cache_is_bounded() -> None:
    from app.dispatch.triage import lexicon as lexmod

    lex = load_lexicon()
    lex.clear_caches()
    for i in range(lexmod.WORD_CACHE_MAX + 10):
        lex.word(f"w{i}x")
    assert len(lex.word_cache) <= lexmod.WORD_CACHE_MAX
    lex.clear_caches()


# ------------------------------------------------------------------------------ confidence and review


def test_review_model_thresholds_and_validation() -> None:
    from app.dispatch.triage.review import FEATURES, ReviewModel, fit

    rows = [dict.fromkeys(FEATURES, 1.0)] * 8 + [dict.fromkeys(FEATURES, 0.0)] * 2
    model = fit(rows, [True] * 8 + [False] * 2, flag_rate=0.2, epochs=200)
    flagged = sum(model.confidence(r) < model.threshold for r in rows)
    assert flagged <= 2
    assert model.confidence(rows[0]) > model.confidence(rows[-1])
    back = ReviewModel.from_dict(model.to_dict())
    assert abs(back.threshold - model.threshold) < 1e-3
    with pytest.raises(ValueError):
        ReviewModel.from_dict({"bias": 0, "weights": {"nonsense": 1.0}, "threshold": 0.5})
    with pytest.raises(ValueError):
        model.confidence_of([1.0])


def test_shipped_model_carries_a_fitted_review() -> None:
    assert _MODEL is not None and _MODEL.review is not None
    assert 0.0 < _MODEL.review.threshold < 1.0


# ------------------------------------------------------------------------------ evaluation metrics


def _fake(category: str, priority: int, secondary: tuple[str, ...] = (), review: bool = False) -> Triage:
    return Triage(category, secondary, priority, 0.2 if review else 0.9, (), review)


def test_priority_and_review_metrics_are_computed_as_defined() -> None:
    from app.dispatch.triage.evaluation import Example

    def ex(i: int, cat: str, pri: int, sec: tuple[str, ...] = ()) -> Example:
        return Example(str(i), "en", f"t{i}", cat, frozenset(sec), frozenset(), pri)

    examples = [
        ex(1, "fire", 1, ("medical",)),
        ex(2, "fire", 1),
        ex(3, "police", 2),
        ex(4, "police", 3),
        ex(5, "medical", 1, ("police",)),
    ]
    answers = {
        "t1": _fake("fire", 1, ("medical",)),
        "t2": _fake("fire", 2),  # under-triaged
        "t3": _fake("women", 1, (), review=True),  # wrong service, flagged; over-triaged
        "t4": _fake("police", 3),
        "t5": _fake("medical", 1, (), review=True),  # right, flagged; police secondary missed
    }
    rep = evaluate(examples, lambda t: answers[t])
    assert rep.accuracy == 0.8
    assert rep.p1_recall() == (2 / 3, 3)
    assert rep.p1_recall("fire") == (0.5, 2)
    assert rep.under_triage_rate == 0.2 and rep.over_triage_rate == 0.2
    assert rep.priority_confusion[(1, 2)] == 1 and rep.priority_confusion[(2, 1)] == 1
    assert rep.secondary_recall == 0.5
    precision, recall, rate = rep.review()
    assert (precision, recall, rate) == (0.5, 1.0, 0.4)
    bands = rep.calibration()
    assert sum(n for _, _, n, _ in bands) == 5


def test_evaluation_cli_reports_priority(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(DATA / "triage_new_a.jsonl"), "--summary"]) == 0
    out = capsys.readouterr().out
    for needle in (
        "priority-1 recall",
        "under-triage rate",
        "priority confusion",
        "needs_review",
        "calibration",
    ):
        assert needle in out


# ------------------------------------------------------------------------------ gates on the labelled sets


# The two independent sets (writers A and B) were measured once before they were read or trained on;
# those unseen numbers are in tests/data/FIRST_RUNS.md. The model is now trained on them, so these gates
# guard against regressions only; they are no estimate for unseen calls.
@pytest.mark.parametrize("name", ["triage_new_a.jsonl", "triage_new_b.jsonl"])
def test_independent_sets_gate(name: str) -> None:
    rep = evaluate(load(DATA / name))
    assert rep.accuracy >= 0.97, rep.errors
    assert rep.p1_recall()[0] >= 0.95
    assert rep.under_triage_rate <= 0.05
    assert rep.secondary_recall >= 0.90


@pytest.mark.parametrize(
    "name",
    [
        "triage_dev.jsonl",
        "triage_dev2.jsonl",
        "triage_train_c.jsonl",
        "triage_new_a.jsonl",
        "triage_new_b.jsonl",
    ],
)
def test_priority_gate(name: str) -> None:
    rep = evaluate(load(DATA / name))
    assert len(rep.with_priority) == rep.total  # every call in these files carries a priority
    assert rep.p1_recall()[0] >= 0.95
    assert rep.under_triage_rate <= 0.05


def test_real_call_types_non_police_rows() -> None:
    # Real US dispatch call types (tests/data/external, MIT): terse codes nobody here wrote.
    rows = [
        json.loads(line) for line in (DATA / "external" / "us_cad_calltypes.jsonl").read_text().splitlines()
    ]
    rows = [r for r in rows if r["category"] != "police"]
    assert len(rows) >= 300
    results = [classify(r["text"]) for r in rows]
    ok = [t.category in (r["category"], *r["also_ok"]) for t, r in zip(results, rows, strict=True)]
    assert sum(ok) / len(rows) >= 0.93
    wrong_unflagged = sum(not o and not t.needs_review for o, t in zip(ok, results, strict=True))
    assert wrong_unflagged <= 2


# ------------------------------------------------------------------------------ unseen-set lessons


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # A child calling about the mother's beating is a witness; the mother is the victim.
        ("I am 10 years old, my papa is hitting mummy with a belt, her nose is bleeding", "women"),
        ("दीदी मैं दस बछर के हंव, मोर ददा दारू पी के दाई ल लाठी म मारत हे", "women"),
        # ... but a child who is the one harmed is the child desk's.
        ("I am 14 and my uncle hits me every night", "child"),
        ("meri step-mom mujhe roz maarti hai, main 13 saal ki hoon", "child"),
        # A caller's own work with children names no child victim.
        ("I am a teacher. For two months a man has been sending me vulgar messages", "women"),
        # A man beaten by his in-laws is the police's; so is a missing adult, whoever it is.
        ("my wife's three brothers came to our house and hit me with sticks, my head is cut", "police"),
        ("मेरे साले और ससुर ने मुझे डंडे से पीटा, पत्नी को मायके में रोक लिया है, मैं बाहर आ गया हूँ", "police"),
        ("मेरी 24 साल की बहन कल सुबह ऑफिस गई थी, अभी तक घर नहीं लौटी, फोन बंद है", "police"),  # a missing adult
        ("मेरे पति ने शराब के नशे में मुझ पर कुल्हाड़ी से वार करने की कोशिश की, मैं छिपी हूं", "women"),
    ],
)
def test_who_is_harmed_whose_age_it_is_who_is_missing(text: str, category: str) -> None:
    assert classify(text).category == category


@pytest.mark.parametrize(
    ("text", "category", "secondary"),
    [
        ("Boy slipped into the river, he is going under, the current is strong", "fire", "medical"),
        ("तरिया म नहावत टूरा बूड़त हे, अब नइ दिखत हे", "fire", "medical"),
        # Out of the water already: the ambulance's, with the police (a drowning is reported).
        ("We pulled my uncle out of the pond, he is not responding", "medical", "police"),
        ("A snake has entered the house, it has not bitten anyone, the children are scared", "fire", None),
    ],
)
def test_water_and_snakes(text: str, category: str, secondary: str | None) -> None:
    t = classify(text)
    assert t.category == category, t
    if secondary:
        assert secondary in t.secondary


@pytest.mark.parametrize(
    "text",
    [
        "ek ladka meri photos edit karke daal raha hai, bol raha viral kar dega",  # a threat: not "can wait"
        "मेरी बहन के साथ कल रात दुष्कर्म हुआ, आरोपी पड़ोसी है",  # an examination is needed today
    ],
)
def test_threats_and_assaults_reported_later_are_not_priority_3(text: str) -> None:
    assert classify(text).priority < 3


def test_months_for_which_something_goes_on_are_no_babys_age() -> None:
    t = classify_with(_LEXICON, "छै महीना ले टूरा मोर पाछू परे हे, मैं आंगनबाड़ी म काम करथंव")
    assert "infant in danger" not in t.acuity
    assert "infant in danger" in classify_with(_LEXICON, "6 mahine ka bachcha saans nahi le raha").acuity


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a woman was raped an hour ago behind the kiln, she is bleeding", "sexual assault with injuries"),
        ("abhi abhi do ladke pistol dikha ke petrol pump ka cash le ke bhage", "armed robbery just now"),
        ("The lock is broken and I can see a torch moving inside the house right now", "intruder inside now"),
        ("a pressure cooker lies by the crossing, tape around it, wires coming out", "suspected explosive"),
        ("My father-in-law's lips have gone blue and every breath is a whistle", "critical: medical"),
        ("परोसी डोकरी दाई आँखी नइ उघारत हे, घुर्र घुर्र आवाज करत हे", "critical: medical"),
    ],
)
def test_danger_now_in_crimes_and_in_plain_words(text: str, reason: str) -> None:
    t = classify_with(_LEXICON, text)
    assert t.priority == 1 and reason in t.acuity, t


def test_an_unclaimed_bag_alone_is_no_bomb() -> None:
    t = classify_with(_LEXICON, "A black suitcase lies under the bench on platform 2, nobody claimed it")
    assert t.category == "police" and "suspected explosive" not in t.acuity


def test_threats_to_kill_and_break_ins_in_chhattisgarhi() -> None:
    # "he says he'll kill me if I go to the police": a danger to life, not a complaint that can wait.
    threat = "मोर खेत के मेड़ ल परोसी ह जोत दिस, कहिथे थाना जाबे त तोला मार डारहूं"
    assert classify_with(_LEXICON, threat).priority < 3
    t = classify_with(_LEXICON, "koi manse rati ke ghar me ghuse ke koshish karat he, kapat la dhakelat he")
    assert t.category == "police" and t.evidence
