"""Hostile input: formula injection in every file we write, crafted model files, personal data.

Each test builds its hostile input in tmp_path and checks the written
artefact itself (the XLSX opened with openpyxl, the CSV read back, the
SQLite file and captured output grepped for clear personal values).
"""
from __future__ import annotations

import csv
import io
import json
import logging
import re
import shutil
import sqlite3
import struct
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from diagnose.errors import ModelFileError
from diagnose.model.filehash import hash_record_path, write_hash_record
from diagnose.model.reason_model import DEFAULT_MODEL_PATH, load_model

ROOT = Path(__file__).resolve().parent.parent
FORMULAS = ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+1+1", "-1+2", "@SUM(A1)", "\t=1+1", "\r=1+1",
            "  =cmd|' /C calc'!A0"]
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")

# Personal values planted in the hostile export; none may come out in clear.
BUYER_IDS = ["buyer_zhang_8812", "buyer_li_0703"]
NICKNAMES = ["小甜甜爱购物", "风中的追梦人"]
PHONES = ["13912345678", "15887654321"]
ADDRESSES = ["浙江省杭州市西湖区文三路99号", "广东省深圳市南山区科技园8栋"]
CLEAR_VALUES = BUYER_IDS + NICKNAMES + PHONES + ADDRESSES


def _hostile_export(path: Path) -> Path:
    """A Douyin-style export whose text, SKU and title cells are formulas and which carries personal columns."""
    header = ["售后单号", "订单号", "商品ID", "商家编码", "商品名称", "售后类型", "售后原因", "用户售后说明",
              "退商品金额（元）", "售后申请时间", "签收时间", "买家ID", "用户昵称", "收货人手机", "收货地址"]
    texts = FORMULAS + ["质量太差，开线了", "尺码偏小穿不上", "不想要了"]
    rows = []
    for i, text in enumerate(texts):
        b = i % 2
        rows.append([
            f"R{1000 + i}", f"O{5000 + i}", "=1+2" if i == 0 else "P1", "@SKU" if i == 1 else f"SKU{i % 3}",
            "-连衣裙" if i == 2 else "连衣裙", "退货退款", "质量问题" if i % 3 else "七天无理由", text,
            "99.00", f"2024-05-{10 + i:02d} 10:00:00", f"2024-05-{9 + i:02d} 09:00:00",
            BUYER_IDS[b], NICKNAMES[b], PHONES[b], ADDRESSES[b],
        ])
    buf = io.StringIO()
    csv.writer(buf).writerows([header] + rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _cli(*args: str, env_dir: Path) -> subprocess.CompletedProcess:
    """`python -m diagnose ARGS` in-process, with the data folder (salt, store) at `env_dir`."""
    import contextlib
    import os

    from diagnose.cli import main

    out, err = io.StringIO(), io.StringIO()
    before = os.environ.get("DIAGNOSE_DATA_DIR")
    os.environ["DIAGNOSE_DATA_DIR"] = str(env_dir)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        if before is None:
            os.environ.pop("DIAGNOSE_DATA_DIR", None)
        else:
            os.environ["DIAGNOSE_DATA_DIR"] = before
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def _xlsx_strings(path: Path) -> list[tuple[str, object]]:
    """Every non-empty cell of every sheet, with openpyxl's data type (f = formula)."""
    book = openpyxl.load_workbook(path)
    cells = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    cells.append((cell.data_type, cell.value))
    return cells


def _assert_xlsx_safe(path: Path) -> None:
    cells = _xlsx_strings(path)
    assert cells, f"{path.name} is empty"
    formulas = [v for kind, v in cells if kind == "f"]
    assert not formulas, f"{path.name} holds formula cells: {formulas[:3]}"
    risky = [v for kind, v in cells if isinstance(v, str) and v.startswith(DANGEROUS_START)]
    assert not risky, f"{path.name} holds cells a spreadsheet would run: {risky[:3]}"


def _assert_csv_safe(path: Path, must_contain: str) -> None:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    risky = [c for c in cells if c.startswith(DANGEROUS_START) or c.lstrip().startswith(("=", "+", "@"))]
    # a negative *number* is fine; a string starting with '-' that is not a number is not
    risky = [c for c in risky if not _is_number(c)]
    assert not risky, f"{path.name} holds cells a spreadsheet would run: {risky[:3]}"
    assert must_contain in text, f"{path.name} lost the neutralised payload"


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, Path]:
    """(the hostile export, a private data folder for the CLI runs)."""
    d = tmp_path_factory.mktemp("hostile")
    return _hostile_export(d / "douyin_hostile.csv"), d / "data"


@pytest.fixture(scope="module")
def cli_outputs(hostile, tmp_path_factory) -> dict[str, object]:
    """Every CLI writer run once on the hostile export: files written and stderr captured."""
    src, data_dir = hostile
    out = tmp_path_factory.mktemp("cli-out")
    runs = {
        "classify.csv": ("classify", str(src), "-o", str(out / "classify.csv")),
        "classify.xlsx": ("classify", str(src), "-o", str(out / "classify.xlsx")),
        "report.xlsx": ("report", str(src), "-o", str(out / "report.xlsx")),
        "report.md": ("report", str(src), "-o", str(out / "report.md")),
        "risk.csv": ("risk", str(src), "--min-level", "low", "-o", str(out / "risk.csv")),
        "risk.xlsx": ("risk", str(src), "--min-level", "low", "-o", str(out / "risk.xlsx")),
        "appeal.xlsx": ("appeal", str(src), "--return-id", "R1000", "-o", str(out / "appeal.xlsx")),
        "appeal.md": ("appeal", str(src), "--return-id", "R1000", "-o", str(out / "appeal.md")),
        "appeal.html": ("appeal", str(src), "--return-id", "R1000", "-o", str(out / "appeal.html")),
    }
    logs = []
    for name, args in runs.items():
        r = _cli(*args, env_dir=data_dir)
        assert r.returncode == 0, f"{name}: {r.stderr}"
        logs.append(r.stdout + r.stderr)
    return {"dir": out, "logs": "\n".join(logs), "files": sorted(runs)}


# ---------------------------------------------------------------------------
# Formula injection
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["classify.xlsx", "report.xlsx", "risk.xlsx", "appeal.xlsx"])
def test_cli_xlsx_outputs_hold_no_formula(cli_outputs, name):
    _assert_xlsx_safe(cli_outputs["dir"] / name)


@pytest.mark.parametrize("name", ["classify.csv", "risk.csv"])
def test_cli_csv_outputs_are_prefixed(cli_outputs, name):
    _assert_csv_safe(cli_outputs["dir"] / name, "'=HYPERLINK")


def test_classify_xlsx_keeps_the_payload_as_text(cli_outputs):
    values = [v for _, v in _xlsx_strings(cli_outputs["dir"] / "classify.xlsx")]
    assert "'@SUM(A1)" in values and "'+1+1" in values
    # ingest strips the leading tab/CR (an export artefact); the rest is still neutralised
    assert "'=1+1" in values


def test_dashboard_download_builders_are_safe(hostile, model, tmp_path):
    """The bytes the dashboard's download buttons serve (ui/pages/downloads.py, malicious.py)."""
    from diagnose.io import export
    from diagnose.model.classify import classify_frame
    from diagnose.io.ingest import read_exports
    from diagnose.analysis.report import build_report, write_report
    from diagnose.analysis.risk import appeal_pack, quality_appeal_list, score_risk

    tagged = classify_frame(read_exports([hostile[0]]).frame, model)
    files = {
        "tagged.csv": export.to_csv_bytes(tagged),
        "tagged.xlsx": export.to_xlsx_bytes({"returns": tagged}),
        "pack.xlsx": appeal_pack(score_risk(tagged), "R1000", "xlsx"),
    }
    appeals, _ = quality_appeal_list(tagged)
    files["appeals.xlsx"] = export.to_xlsx_bytes({"appeals": appeals})
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    write_report(build_report(tagged), tmp_path / "report.xlsx")
    for name in ("tagged.xlsx", "pack.xlsx", "appeals.xlsx", "report.xlsx"):
        _assert_xlsx_safe(tmp_path / name)
    _assert_csv_safe(tmp_path / "tagged.csv", "'=HYPERLINK")


def test_markdown_and_html_outputs_do_not_render_buyer_markup(tmp_path, model):
    from diagnose.model.classify import classify_frame
    from diagnose.io.ingest import read_exports
    from diagnose.analysis.report import build_report, report_to_markdown
    from diagnose.analysis.risk import appeal_pack, score_risk

    src = tmp_path / "x.csv"
    text = "<script>alert(1)</script> ![x](http://example.invalid/a.png) <img src=x onerror=alert(2)> 质量差开线"
    src.write_text("售后单号,用户售后说明,售后原因,商家编码\n" + "\n".join(
        f'R{i},"{text}",质量问题,SKU1' for i in range(6)) + "\n", encoding="utf-8")
    tagged = classify_frame(read_exports([src]).frame, model)
    html_pack = appeal_pack(score_risk(tagged), "R0", "html").decode("utf-8")
    assert "<script>" not in html_pack and "<img" not in html_pack and "&lt;script&gt;" in html_pack
    md_pack = appeal_pack(score_risk(tagged), "R0", "md").decode("utf-8")
    assert "<script>" not in md_pack and "<img" not in md_pack
    assert not re.search(r"(?<!\\)\]\(http", md_pack), "a Markdown viewer would fetch the buyer's image link"
    md_report = report_to_markdown(build_report(tagged))
    # the buyer's text is quoted with every markup character backslash-escaped
    assert "\\<script\\>" in md_report
    assert not re.search(r"(?<!\\)<(script|img)", md_report)
    assert not re.search(r"(?<!\\)\]\(http", md_report)


# ---------------------------------------------------------------------------
# Model file tampering
# ---------------------------------------------------------------------------
def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def _rewrite(src: Path, dst: Path, replace: dict[str, bytes | None], record: bool = True) -> Path:
    members = _members(src)
    for name, data in replace.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    if record:  # a forger who also rewrites the hash record: the inner checks must still hold
        write_hash_record(dst)
    return dst


@pytest.fixture(scope="module")
def shipped_copy(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("model")
    dst = d / "reason_model.npz"
    shutil.copyfile(DEFAULT_MODEL_PATH, dst)
    shutil.copyfile(hash_record_path(DEFAULT_MODEL_PATH), hash_record_path(dst))
    return dst


def test_shipped_model_has_a_matching_recorded_hash_and_card_line():
    import hashlib

    digest = hashlib.sha256(DEFAULT_MODEL_PATH.read_bytes()).hexdigest()
    assert hash_record_path(DEFAULT_MODEL_PATH).read_text().split()[0] == digest
    card = (DEFAULT_MODEL_PATH.parent / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"File SHA-256 of `reason_model.npz`: `{digest}`" in card
    assert load_model().meta["file_sha256"] == digest


def test_copy_with_its_record_loads(shipped_copy):
    assert load_model(shipped_copy).version == load_model().version


def test_object_array_member_is_refused_without_unpickling(shipped_copy, tmp_path):
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    bad = _rewrite(shipped_copy, tmp_path / "m.npz", {"labels.npy": _npy(np.array([Evil()], dtype=object), True)})
    with pytest.raises(ModelFileError, match="Python objects"):
        load_model(bad)
    assert not marker.exists()


def test_unexpected_member_is_refused(shipped_copy, tmp_path):
    bad = _rewrite(shipped_copy, tmp_path / "m.npz", {"extra.npy": _npy(np.zeros(3))})
    with pytest.raises(ModelFileError, match="unexpected member 'extra.npy'"):
        load_model(bad)
    bad = _rewrite(shipped_copy, tmp_path / "n.npz", {"../evil.py": b"import os"})
    with pytest.raises(ModelFileError, match="unexpected member"):
        load_model(bad)


def test_raw_pickle_file_is_refused(tmp_path):
    import pickle

    bad = tmp_path / "m.npz"
    bad.write_bytes(pickle.dumps({"coef": [1, 2, 3]}))
    write_hash_record(bad)
    with pytest.raises(ModelFileError, match="cannot be read"):
        load_model(bad)


@pytest.mark.parametrize("member,array,why", [
    ("coef.npy", np.zeros((7, 3), dtype=np.int64), "dtype int64"),
    ("coef.npy", np.zeros((7, 3), dtype=np.complex128), "dtype complex128"),
    ("word_vocab.npy", np.zeros(3), "expected unicode"),
    ("intercept.npy", np.zeros((7, 1)), "dimension"),
    ("intercept.npy", np.array([np.nan] * 7), "NaN"),
    ("word_idf.npy", np.zeros(3, dtype=[("a", "<f8")]), "Python objects|dtype"),
])
def test_wrong_dtype_or_shape_is_refused(shipped_copy, tmp_path, member, array, why):
    bad = _rewrite(shipped_copy, tmp_path / "m.npz", {member: _npy(array)})
    with pytest.raises(ModelFileError, match=why):
        load_model(bad)


def test_huge_member_is_refused_before_inflating(shipped_copy, tmp_path):
    bad = _rewrite(shipped_copy, tmp_path / "m.npz", {})
    raw = bytearray(bad.read_bytes())
    # Claim 4 GB uncompressed for intercept.npy in the central directory.
    name = b"intercept.npy"
    at = raw.find(b"PK\x01\x02")
    patched = False
    while at != -1:
        name_len = struct.unpack_from("<H", raw, at + 28)[0]
        if bytes(raw[at + 46: at + 46 + name_len]) == name:
            struct.pack_into("<I", raw, at + 24, 0xFFFFFFF0)
            patched = True
        at = raw.find(b"PK\x01\x02", at + 4)
    assert patched
    bad.write_bytes(bytes(raw))
    write_hash_record(bad)
    with pytest.raises(ModelFileError, match="over the"):
        load_model(bad)


def test_header_shape_that_lies_about_size_is_refused(shipped_copy, tmp_path):
    data = bytearray(_npy(np.zeros(7)))
    head = data.index(b"(7,)")
    data[head:head + 4] = b"(9,)"
    bad = _rewrite(shipped_copy, tmp_path / "m.npz", {"intercept.npy": bytes(data)})
    with pytest.raises(ModelFileError, match="does not match its size"):
        load_model(bad)


def test_edited_header_is_caught_by_the_file_hash(shipped_copy, tmp_path):
    """meta is not part of the content hash: only the recorded file hash notices a changed threshold."""
    meta = json.loads(str(np.lib.format.read_array(io.BytesIO(_members(shipped_copy)["meta.npy"]))))
    meta["params"]["review_threshold"] = 0.0
    dst = tmp_path / "reason_model.npz"
    shutil.copyfile(hash_record_path(shipped_copy), hash_record_path(dst))
    _rewrite(shipped_copy, dst, {"meta.npy": _npy(np.array(json.dumps(meta)))}, record=False)
    with pytest.raises(ModelFileError, match="SHA-256 .* does not match"):
        load_model(dst)


def test_model_without_a_record_is_refused_with_a_hint(shipped_copy, tmp_path):
    dst = tmp_path / "other.npz"
    shutil.copyfile(shipped_copy, dst)
    with pytest.raises(ModelFileError, match="no recorded SHA-256") as err:
        load_model(dst)
    assert "sha256sum other.npz > other.npz.sha256" in str(err.value)
    write_hash_record(dst)  # the user's explicit decision to trust it
    assert load_model(dst).version == load_model(shipped_copy).version


def test_card_that_disagrees_is_refused(shipped_copy, tmp_path):
    dst = tmp_path / "reason_model.npz"
    shutil.copyfile(shipped_copy, dst)
    write_hash_record(dst)
    (tmp_path / "MODEL_CARD.md").write_text(f"File SHA-256 of `reason_model.npz`: `{'0' * 64}`\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match="model card"):
        load_model(dst)


def test_train_to_another_file_writes_a_loadable_recorded_model(tmp_path, hostile):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    cues = {"sizing": "偏小", "quality": "开线", "mismatch": "色差", "logistics": "物流慢",
            "changed_mind": "不想要", "malicious": "不退就差评", "other": "客服差"}
    lines = ["text,reason,sub_reason,category,platform_reason"]
    lines += [f"{cue}{tail}{k},{label},unspecified,general," for label, cue in cues.items()
              for k in range(4) for tail in ("了", "啊", "呀", "吧", "哦")]
    (corpus / "c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "other.npz"
    r = _cli("train", "--corpus", str(corpus), "--no-corrections", "-o", str(out), env_dir=hostile[1])
    assert r.returncode == 0, r.stderr
    import hashlib

    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert hash_record_path(out).read_text().split() == [digest, "other.npz"]
    assert f"File SHA-256 of `other.npz`: `{digest}`" in (out.parent / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert load_model(out).meta["file_sha256"] == digest


def test_record_model_hash_updates_the_card_without_retraining(shipped_copy, tmp_path):
    from diagnose.model.training import record_model_hash

    model, card = tmp_path / "reason_model.npz", tmp_path / "MODEL_CARD.md"
    shutil.copyfile(shipped_copy, model)
    card.write_text("# Card\n\nVersion `x` · file\n(second line)\n\n## What it does\n", encoding="utf-8")
    digest = record_model_hash(model, card)
    text = card.read_text(encoding="utf-8")
    assert text.count(f"File SHA-256 of `reason_model.npz`: `{digest}`") == 1
    assert text.index("(second line)") < text.index("File SHA-256") < text.index("## What it does")
    assert record_model_hash(model, card) == digest and card.read_text(encoding="utf-8") == text
    assert load_model(model).meta["file_sha256"] == digest


def test_cli_refuses_a_tampered_model_in_one_line(hostile, shipped_copy, tmp_path):
    bad = _rewrite(shipped_copy, tmp_path / "m.npz", {"extra.npy": _npy(np.zeros(3))})
    r = _cli("classify", str(hostile[0]), "--model", str(bad), "-o", str(tmp_path / "o.csv"), env_dir=hostile[1])
    assert r.returncode == 2
    assert "unexpected member" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o.csv").exists()


# ---------------------------------------------------------------------------
# Personal data
# ---------------------------------------------------------------------------
def _leaks(text: str) -> list[str]:
    return [v for v in CLEAR_VALUES if v in text]


def test_cli_outputs_and_logs_hold_no_clear_identifiers(cli_outputs):
    for name in cli_outputs["files"]:
        path = cli_outputs["dir"] / name
        if name.endswith(".xlsx"):
            text = "\n".join(str(v) for _, v in _xlsx_strings(path))
        else:
            text = path.read_text(encoding="utf-8-sig")
        assert not _leaks(text), f"{name} shows {_leaks(text)} in clear"
    assert not _leaks(cli_outputs["logs"]), f"CLI output shows {_leaks(cli_outputs['logs'])}"


def test_buyer_is_still_followable_by_hash(cli_outputs):
    """Hashing keeps the two buyers apart (repeat-refunder signals still work)."""
    df = pd.read_csv(cli_outputs["dir"] / "classify.csv", dtype=str, encoding="utf-8-sig")
    assert df["buyer_id"].nunique() == 2


def test_corrections_store_and_logs_hold_no_clear_identifiers(hostile, model, tmp_path, caplog):
    from diagnose.model.classify import classify_frame
    from diagnose.store import CorrectionStore
    from diagnose.io.ingest import read_exports

    tagged = classify_frame(read_exports([hostile[0]]).frame, model)
    # buyers also type contact details into their text
    tagged.loc[0, "buyer_text"] = f"联系我 {PHONES[0]} 或 139-1234-5678，邮箱 zhang@example.com"
    tagged.loc[1, "buyer_text"] = f"身份证 110101199003071234 电话+86 {PHONES[1]}"
    store = CorrectionStore(tmp_path / "c.sqlite")
    with caplog.at_level(logging.DEBUG):
        store.add_many(tagged.assign(new_reason="quality").head(5))
        store.apply(tagged)
        store.training_rows()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("c.sqlite*"))
    dump = "\n".join(sqlite3.connect(tmp_path / "c.sqlite").iterdump())
    for value in CLEAR_VALUES + ["1391234567", "110101199003071234", "zhang@example.com"]:
        assert value.encode("utf-8") not in raw, f"{value} stored in clear"
        assert value not in dump and value not in caplog.text
    assert "[手机号]" in dump and "[身份证]" in dump and "[邮箱]" in dump
    assert CorrectionStore(tmp_path / "c.sqlite").count() == 5


def _with_header(src: Path, dst: Path, edit) -> Path:
    """A copy of the model whose JSON header was changed by `edit` (its file hash recorded, as a forger would)."""
    meta = json.loads(str(np.lib.format.read_array(io.BytesIO(_members(src)["meta.npy"]))))
    edit(meta)
    return _rewrite(src, dst, {"meta.npy": _npy(np.array(json.dumps(meta)))})


@pytest.mark.parametrize("where", ["temperature", "params.temperature", "params.review_threshold",
                                   "params.min_df", "params.class_prior"])
def test_a_400_digit_number_in_the_model_header_is_a_model_file_error(shipped_copy, tmp_path, where):
    """float(10**400) raises OverflowError; the user must see a model-file error naming the setting."""
    huge = 10 ** 400

    def edit(meta: dict) -> None:
        if where == "temperature":
            meta["temperature"] = huge
        elif where == "params.class_prior":
            meta["params"]["class_prior"] = [huge] * 7
        else:
            meta["params"][where.split(".")[1]] = huge

    bad = _with_header(shipped_copy, tmp_path / "m.npz", edit)
    with pytest.raises(ModelFileError, match="model header is not valid") as err:
        load_model(bad)
    assert err.value.code == "model_header_bad"
    assert where.split(".")[-1] in str(err.value)


def test_a_400_digit_temperature_through_the_cli_exits_2_with_one_line(shipped_copy, tmp_path, capsys):
    from diagnose.cli import main

    bad = _with_header(shipped_copy, tmp_path / "m.npz", lambda meta: meta.update(temperature=10 ** 400))
    export = tmp_path / "r.csv"
    export.write_text("售后单号,退款原因,买家留言\n1,尺码不合适,太小了\n", encoding="utf-8")
    code = main(["classify", "--model", str(bad), "-o", str(tmp_path / "out.csv"), str(export)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("错误：") and "m.npz" in err[0], err
    assert "temperature" in err[0] and "Overflow" not in err[0]
    assert not (tmp_path / "out.csv").exists()
