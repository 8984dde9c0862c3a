"""English buyer comments (issue 13 item 1): language per row, an English lexicon, Amazon codes."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

from diagnose import pipeline, taxonomy
from diagnose.model import english

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("make_corpus_en", ROOT / "scripts" / "make_corpus_en.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def held_out_export():
    """An Amazon FBA export built only from fragments the lexicon never saw, tagged once."""
    tsv = _generator().amazon_export(400, seed=99, held_out=True, misleading=0.15)
    return pipeline.tag([("amazon_heldout.tsv", tsv.encode("utf-8"))]).frame


def test_language_is_detected_per_row_by_script():
    assert english.is_english("Tight around the waist, size up")
    assert english.is_english("n/a lol")
    assert not english.is_english("尺码偏小，穿不上")
    assert not english.is_english("偏小 too")  # 3 Latin letters of 5: below the 80 % share
    assert not english.is_english("ok")
    assert not english.is_english("")
    assert not english.is_english(None)


def test_corpus_is_large_varied_and_tagged():
    corpus = pd.read_csv(ROOT / "sample_data" / "corpus_en" / "returns_en.csv", dtype=str, keep_default_na=False)
    assert len(corpus) >= 1500
    assert corpus["text"].str.lower().nunique() == len(corpus)
    assert set(corpus["label"]) == set(taxonomy.LABELS)
    known_subs = set(taxonomy.SUB_REASON_BY_KEY) | {taxonomy.UNSPECIFIED}
    assert set(corpus["sub_reason"]) <= known_subs
    assert corpus["sub_reason"].nunique() >= 20


def test_held_out_export_shares_no_sentence_with_the_corpus(held_out_export):
    corpus = pd.read_csv(ROOT / "sample_data" / "corpus_en" / "returns_en.csv", dtype=str, keep_default_na=False)
    seen = set(corpus["text"].str.lower())
    texts = held_out_export["buyer_text"].astype(str).str.lower()
    assert texts.isin(seen).sum() == 0


def test_amazon_export_is_tagged_right_at_least_85_percent(held_out_export):
    f = held_out_export
    right = (f["reason"].astype(str).to_numpy() == f["true-reason"].astype(str).to_numpy()).mean()
    assert right >= 0.85, f"{right:.1%} right on the held-out Amazon export"


def test_a_reason_code_is_never_turned_into_quality_without_a_named_defect(held_out_export):
    f = held_out_export
    codes = f["platform_reason"].map(taxonomy.dropdown_label)
    quality = f["reason"].astype(str) == "quality"
    against_code = codes.notna() & (codes != "quality")
    no_defect = ~f["buyer_text"].astype(str).map(english.names_defect)
    assert int((quality & against_code & no_defect).sum()) == 0


def test_issue_examples():
    tight = english.tag_text("Tight around the waist, size up", "APPAREL_TOO_SMALL")
    assert (tight.reason, tight.sub_reason) == ("sizing", "too_small")
    gift = english.tag_text("Gift recipient already had one", "NO_REASON_GIVEN")
    assert gift.reason == "changed_mind"
    # a quality code with a clear changed-mind text: the words lead, and it is a conflict
    mind = english.tag_text("Changed my mind, no longer needed", "DEFECTIVE")
    assert mind.reason == "changed_mind" and mind.conflict


def test_evidence_is_whole_words_without_stop_words(held_out_export):
    f = held_out_export
    for text, ev in zip(f["buyer_text"].astype(str), f["evidence"]):
        low = " ".join(english.words(text))
        for w in ev:
            if w.startswith(taxonomy.DROPDOWN_EVIDENCE_PREFIX):
                continue
            assert w not in english.STOP_WORDS and w not in english.WEAK_WORDS
            assert ":" not in w
            assert f" {w} " in f" {low} ", (w, text)  # a whole word or phrase of the text


def test_chinese_rows_are_left_to_the_reason_model():
    frame = pd.DataFrame({"return_id": ["1", "2"], "buyer_text": ["衣服偏小，穿不上", "Way too small, size up"],
                          "platform_reason": ["", "APPAREL_TOO_SMALL"]})
    from diagnose.model.classify import classify_frame

    tagged = classify_frame(frame)
    assert tagged.loc[1, "reason"] == "sizing" and tagged.loc[1, "sub_reason"] == "too_small"
    ev0 = " ".join(tagged.loc[0, "evidence"])
    assert "size" not in ev0  # the Chinese row kept the Chinese model's evidence


def test_code_only_rows_get_the_codes_sub_reason():
    from diagnose.model.classify import classify_frame

    frame = pd.DataFrame({"return_id": ["1", "2"], "buyer_text": ["", ""],
                          "platform_reason": ["APPAREL_TOO_LARGE", "NEVER_ARRIVED"]})
    tagged = classify_frame(frame)
    assert list(tagged["reason"]) == ["sizing", "logistics"]
    assert list(tagged["sub_reason"]) == ["too_large", "lost"]


def test_lexicon_is_plain_json_and_refuses_other_files(tmp_path):
    data = json.loads((ROOT / "models" / "english_lexicon.json").read_text(encoding="utf-8"))
    assert data["format"] == english.FORMAT and set(data["labels"]) == set(taxonomy.LABELS)
    bad = tmp_path / "lex.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    from diagnose.errors import InputError

    with pytest.raises(InputError):
        english.load_lexicon(bad)
    bad.write_bytes(b"\x80\x04not json")
    with pytest.raises(InputError):
        english.load_lexicon(bad)


def test_training_reproduces_the_shipped_lexicon_shape(tmp_path):
    corpus = pd.read_csv(ROOT / "sample_data" / "corpus_en" / "returns_en.csv", dtype=str, keep_default_na=False)
    out = english.train_from_csv(ROOT / "sample_data" / "corpus_en" / "returns_en.csv", tmp_path / "lex.json")
    lex = english.load_lexicon(out)
    assert lex.labels == tuple(l for l in taxonomy.LABELS if l in set(corpus["label"]))
    assert english.tag_text("stopped working after two days", "DEFECTIVE", lex).reason == "quality"
