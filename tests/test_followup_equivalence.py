"""The follow-up tables built the fast way equal the plain one-mask-per-SKU loops (benchmarks/naive_followup.py).

The fixture is built in code: many SKUs with weekly quality counts (some with
spikes), missing SKUs and dates, an order export for part of the SKUs, a
supplier column, sizing returns with sizes in the text and in a spec column,
and a few dozen unrelated export columns, as a real wide export has.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.naive_followup import quality_spikes_plain, size_advice_plain
from diagnose.analysis.followup import build_alerts, quality_spikes, size_advice

MONDAY = pd.Timestamp("2024-03-04")


def _wide_returns(seed: int, n_skus: int = 40, weeks: int = 14) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows, orders = [], []
    for s in range(n_skus):
        sku = f"K{s:03d}" if s % 13 else None  # a SKU-less block
        spike_at = rng.integers(4, weeks) if s % 3 == 0 else None
        for w in range(weeks):
            base = int(rng.poisson(2))
            n_q = base + (int(rng.integers(8, 15)) if spike_at is not None and w in (spike_at, spike_at + 1) else 0)
            n_other = int(rng.poisson(3))
            for k in range(n_q + n_other):
                reason = "quality" if k < n_q else rng.choice(["sizing", "changed_mind", "other"])
                oid = f"O{s}-{w}-{k}"
                day = MONDAY + pd.Timedelta(days=7 * w + int(rng.integers(0, 7)), hours=int(rng.integers(0, 24)))
                text = rng.choice(["偏小，平时穿m码", "偏大一码 L码也大", "开线了", "穿上不合适", "颜色发错"])
                rows.append({
                    "return_id": f"R{s}-{w}-{k}", "order_id": oid, "sku": sku, "reason": reason,
                    "sub_reason": rng.choice(["workmanship", "malfunction", "unspecified", "too_small", "too_large"]),
                    "buyer_text": text, "amount": float(rng.choice([49.9, 99.0, 0.0, np.nan])),
                    "applied_at": day if rng.random() > 0.03 else pd.NaT,
                    "product_title": f"商品{s}", "供应商": rng.choice(["华纺", "永兴", "-", ""]),
                    "规格": rng.choice(["M码", "L码", "XL", "-"]),
                    **{f"extra{j}": f"v{j}-{k}" for j in range(30)},
                })
                if s % 2 == 0 and rng.random() > 0.1:
                    orders.append({"order_id": oid, "sku": sku, "ordered_at": day - pd.Timedelta(days=3),
                                   "quantity": 1.0})
        for w in range(weeks):  # orders that were not returned
            for k in range(int(rng.integers(10, 30)) if s % 2 == 0 else 0):
                orders.append({"order_id": f"N{s}-{w}-{k}", "sku": sku, "quantity": 1.0,
                               "ordered_at": MONDAY + pd.Timedelta(days=7 * w + k % 7)})
    frame = pd.DataFrame(rows)
    for col in frame.columns:
        if frame[col].dtype == object and col not in ("applied_at",):
            frame[col] = frame[col].astype("string")
    return frame, pd.DataFrame(orders)


@pytest.mark.parametrize("seed", [1, 2])
def test_quality_spikes_equal_the_plain_loop(seed):
    tagged, orders = _wide_returns(seed)
    plain = quality_spikes_plain(tagged)
    assert len(plain) > 0  # the fixture has spikes to find
    pd.testing.assert_frame_equal(quality_spikes(tagged), plain)
    with_orders = quality_spikes_plain(tagged, orders)
    pd.testing.assert_frame_equal(quality_spikes(tagged, orders), with_orders)
    suppliers = pd.DataFrame({"sku": ["K001", "K003", "K006"], "supplier": ["甲厂", "甲厂", "乙厂"]})
    pd.testing.assert_frame_equal(quality_spikes(tagged, orders, suppliers), quality_spikes_plain(tagged, orders, suppliers))


def test_quality_spikes_edge_tables_equal_the_plain_loop():
    tagged, _ = _wide_returns(3, n_skus=4, weeks=6)
    for frame in (tagged.iloc[:0], tagged.iloc[:1], tagged.assign(reason="sizing"), tagged.drop(columns=["applied_at"])):
        pd.testing.assert_frame_equal(quality_spikes(frame), quality_spikes_plain(frame))


@pytest.mark.parametrize("seed", [1, 2])
def test_size_advice_equals_the_plain_loop(seed):
    tagged, _ = _wide_returns(seed)
    plain = size_advice_plain(tagged)
    assert len(plain) > 0
    pd.testing.assert_frame_equal(size_advice(tagged), plain)
    no_spec = tagged.drop(columns=["规格"])
    pd.testing.assert_frame_equal(size_advice(no_spec), size_advice_plain(no_spec))


def test_alerts_with_precomputed_spikes_equal_alerts_computed_inside():
    tagged, orders = _wide_returns(4)
    found = quality_spikes(tagged, orders)
    pd.testing.assert_frame_equal(build_alerts(tagged, orders, found=found), build_alerts(tagged, orders))
