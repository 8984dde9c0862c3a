"""The command line as a merchant uses it: real files in, files out, exit codes."""
import subprocess
import sys

import pandas as pd
import pytest

from diagnose.cli import main

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


class Ran:
    """What a command printed and returned, as `subprocess.run` would report it."""

    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def run(capsys):
    """`python -m diagnose ARGS` in-process through `main(argv)` (no interpreter start-up, no model reload)."""
    def _run(*args):
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)
    return _run


def smoke(*args):
    """The one real subprocess per command family: the installed entry point as a merchant runs it."""
    return subprocess.run(
        [sys.executable, "-m", "diagnose", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_classify_keeps_every_row_and_adds_tags(sample_dir, tmp_path, run):
    out = tmp_path / "tagged.csv"
    r = run("classify", str(sample_dir / "amazon_fba_returns.tsv"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "平台 amazon" in r.stderr
    src = pd.read_csv(sample_dir / "amazon_fba_returns.tsv", sep="\t", dtype=str)
    got = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert len(got) == len(src)
    for col in ("reason", "reason_zh", "sub_reason", "confidence", "evidence", "needs_review", "reason_conflict"):
        assert col in got.columns
    assert got["reason"].notna().all()
    # Original columns are carried through untouched
    assert "detailed-disposition" in got.columns
    assert got["detailed-disposition"].tolist() == src["detailed-disposition"].tolist()


def test_classify_plain_buyer_text_csv_to_xlsx(tmp_path):
    src = tmp_path / "texts.csv"
    src.write_text("buyer_text,platform_reason\n鞋子偏小一码,\n不想要了,质量问题\n=cmd|' /C calc'!A0,\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    assert main(["classify", str(src), "-o", str(out)]) == 0
    got = pd.read_excel(out, dtype=str, engine="openpyxl")
    assert list(got["reason"][:2]) == ["sizing", "changed_mind"]
    assert got["reason_conflict"][1].upper() == "TRUE"
    # formula from buyer text is neutralised, not evaluated
    import openpyxl

    ws = openpyxl.load_workbook(out).active
    cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(v.startswith("=") for v in cells)


def test_report_with_orders_writes_xlsx_and_md(sample_dir, tmp_path, run):
    xlsx, md = tmp_path / "r.xlsx", tmp_path / "r.md"
    files = [str(sample_dir / "douyin_aftersales.csv")]
    r = run("report", *files, "--orders", str(sample_dir / "douyin_orders.csv"), "-o", str(xlsx))
    assert r.returncode == 0, r.stderr
    sheets = pd.read_excel(xlsx, sheet_name=None, engine="openpyxl")
    assert len(sheets) >= 5
    assert main(["report", *files, "-o", str(md), "--lang", "en"]) == 0
    text = md.read_text(encoding="utf-8")
    assert "returns" in text.lower()


def test_bad_input_is_one_line_and_nonzero(tmp_path, capsys):
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    code = main(["classify", str(bad), "-o", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "empty.csv" in err
    assert "Traceback" not in err


def test_unknown_mapping_names_the_headers(tmp_path, capsys):
    src = tmp_path / "x.csv"
    src.write_text("问题描述,编号\n偏小,1\n", encoding="utf-8")
    code = main(["classify", str(src), "--map", "buyer_text=不存在的列", "-o", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "不存在的列" in err


def test_map_override_lets_an_odd_header_through(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("编号,买家怎么说\n1,鞋子偏小一码\n2,发错货了\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    assert main(["classify", str(src), "--map", "buyer_text=买家怎么说", "-o", str(out)]) == 0
    got = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert list(got["reason"]) == ["sizing", "mismatch"]


def test_evaluate_prints_both_models(tmp_path, run):
    src = tmp_path / "lab.csv"
    src.write_text("buyer_text,label\n偏小,sizing\n发错货了,mismatch\n物流太慢,logistics\n", encoding="utf-8")
    r = run("evaluate", str(src))
    assert r.returncode == 0, r.stderr
    assert "Keyword-rule baseline" in r.stdout and "macro-F1" in r.stdout


def test_evaluate_rejects_unknown_labels(tmp_path, capsys):
    src = tmp_path / "lab.csv"
    src.write_text("buyer_text,label\n偏小,size\n", encoding="utf-8")
    assert main(["evaluate", str(src)]) == 2
    assert "size" in capsys.readouterr().err


def test_train_writes_model_and_card(tmp_path, run):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = ["text,reason,sub_reason,category,platform_reason"]
    words = {
        "sizing": ["偏小", "偏大", "太紧", "穿不上", "大一码"], "quality": ["开线", "起球", "坏了", "异味", "死机"],
        "mismatch": ["色差", "发错货", "少件", "假货", "不符"], "logistics": ["物流慢", "压坏", "没收到", "丢件", "快递慢"],
        "changed_mind": ["不想要", "拍错", "降价", "不喜欢", "买多了"], "malicious": ["差评", "赔偿", "吃完", "只退款", "三倍"],
        "other": ["客服差", "一般", "发票", "不满意", "服务差"],
    }
    for label, ws in words.items():
        for i, w in enumerate(ws):
            for j in range(6):
                rows.append(f"{w}{'啊呀哦嗯吧呢'[j]}{i},{label},unspecified,general,")
    (corpus / "c.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "m" / "reason_model.npz"
    r = run("train", "--corpus", str(corpus), "--no-corrections", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.exists() and (out.parent / "MODEL_CARD.md").exists()
    assert "keyword baseline" in r.stdout


def test_smoke_every_command_family_as_a_subprocess(sample_dir, tmp_path):
    """One real `python -m diagnose` per family: tag (classify), analysis (report/risk), help."""
    src = str(sample_dir / "amazon_fba_returns.tsv")
    r = smoke("classify", src, "-o", str(tmp_path / "t.csv"))
    assert r.returncode == 0 and "平台 amazon" in r.stderr, r.stderr
    r = smoke("risk", src, "-o", str(tmp_path / "r.csv"), "--min-level", "medium")
    assert r.returncode == 0 and "已写出" in r.stderr, r.stderr
    r = smoke("--help")
    assert r.returncode == 0
    for command in ("classify", "report", "risk", "appeal", "train", "evaluate", "spark-classify"):
        assert command in r.stdout


def test_a_file_name_starting_with_a_dash_goes_after_double_dash(tmp_path, monkeypatch, run):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-x.csv").write_text("buyer_text\n偏小\n", encoding="utf-8")
    r = run("classify", "-o", "out.csv", "--", "-x.csv")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.csv").exists()


def test_errors_speak_chinese_unless_told_english(tmp_path, monkeypatch, capsys):
    """The users' language by default; DIAGNOSE_LANG=en, or a command's own --lang en, switches."""
    src = tmp_path / "r.csv"
    src.write_text("售后单号,买家留言\nR1,太小\n", encoding="utf-8")
    args = ["report", str(src), "-o", str(tmp_path / "r.txt")]
    assert main(args) == 2
    zh = capsys.readouterr().err.strip().splitlines()[-1]
    assert main([*args, "--lang", "en"]) == 2
    en = capsys.readouterr().err.strip().splitlines()[-1]
    monkeypatch.setenv("DIAGNOSE_LANG", "en")
    assert main(args) == 2
    env_en = capsys.readouterr().err.strip().splitlines()[-1]
    assert zh.startswith("错误：") and "r.txt" in zh
    assert en.startswith("error: ") and "r.txt" in en and en == env_en
    monkeypatch.setenv("DIAGNOSE_LANG", "en")
    assert main([*args, "--lang", "zh"]) == 2  # the command's own switch wins
    assert capsys.readouterr().err.strip().splitlines()[-1] == zh


def test_an_unexpected_failure_is_one_chinese_line(monkeypatch, capsys):
    from diagnose import errors

    def boom(_args):
        raise RuntimeError("disk on fire")

    assert errors.run_command(boom, None, lang="zh", say=print) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["意外错误：RuntimeError: disk on fire（加 --debug 重跑可看详细信息）"]
