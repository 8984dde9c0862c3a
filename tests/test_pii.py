"""Personal data never leaves the program in clear (issue 12 item 5).

Every format a buyer may type (mobile numbers in every spelling, landlines,
ID cards old and new, bank cards, e-mail, WeChat/QQ ids, street addresses,
names after 收货人/联系人) is planted in every free-text field of an export
built here, and in the contact columns (收货信息, 微信号, tel, consignee …).
Then classify (CSV, XLSX), report (XLSX, MD), risk (CSV, XLSX), appeal
packs (HTML, MD, XLSX), the corrections store, the chunked path killed with
SIGKILL, the dashboard's pages and every captured message are grepped for
each planted value: none may appear. Ordinary numbers (prices, sizes,
dates, order ids introduced as such) must come through untouched.
"""
from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from diagnose import cli
from diagnose.io import redact

ROOT = Path(__file__).resolve().parent.parent
SALT = "pii-test-salt"

# Each planted value, as the buyer typed it (the grep also looks for its digits alone).
PLANTED: dict[str, list[str]] = {
    "mobile": ["13812345678", "139-2345-6789", "137 3456 7890", "136.4567.8901", "+86 135 5678 9012",
               "+86-15066778899", "１３４－６７８９－０１２３", "１８６１２３４５６７８"],
    "landline": ["0571-8888 6666", "(010)62345678", "0755 2345 6789"],
    "id18": ["11010519491231002X", "440305199912310018"],
    "id15": ["110105491231002"],
    "bank": ["6222 0212 3456 7890 128", "6217001234567890", "6228-4801-2345-6789-012"],
    "email": ["zhang.san_88@example.com", "ｌｉｓｉ＠ｅｘａｍｐｌｅ．ｃｏｍ"],
    "wechat": ["wxid_plant88", "zhangsan_2024", "Li-Si-0703"],
    "qq": ["2876543210", "1357924680"],
    "address": ["浙江省杭州市西湖区文三路478号9栋3单元1201室", "广东省深圳市南山区科苑路15号"],
    "name": ["欧阳娜娜", "司马光明"],
}
# How each value is introduced in free text (a name or an id needs its cue).
CUES = {"wechat": ["微信：", "vx ", "加wx:"], "qq": ["QQ ", "扣扣："], "name": ["收货人：", "联系人 "],
        "address": ["地址：", "寄到"], "landline": ["座机", "电话"], "bank": ["银行卡", "卡号 "],
        "id18": ["身份证", "身份证号："], "id15": ["老身份证"], "email": ["邮箱 ", "mail:"],
        "mobile": ["请联系我", "手机", "打电话", "call ", "", "电话：", "tel", "号码"]}

# Where the buyer typed them: every free-text field of the export.
TEXT_FIELDS = ["买家留言", "商品名称", "退款原因", "店铺名称", "售后状态", "商家备注"]
CONTACT_COLUMNS = ["收货信息", "收货地址", "微信号", "QQ号", "证件号码", "tel", "phone", "mobile", "consignee",
                   "receiver", "contact", "买家备注"]

SURVIVORS = ["59.90元", "160/100斤", "36码", "2024-05-01", "订单号 3712345678901234567", "1,299.00", "第2次"]


def _plants() -> list[tuple[str, str]]:
    out = []
    for kind, values in PLANTED.items():
        for i, v in enumerate(values):
            cues = CUES[kind]
            out.append((kind, cues[i % len(cues)] + v))
    return out


def _forms(value: str) -> set[str]:
    """The planted value, its ASCII folding, and its digits alone (when it is mostly a number)."""
    folded = unicodedata.normalize("NFKC", value)
    forms = {value, folded}
    digits = "".join(ch for ch in folded if ch.isdigit())
    if len(digits) >= 7:
        forms.add(digits)
        if digits.startswith("86") and len(digits) == 13:
            forms.add(digits[2:])
    return {f for f in forms if f}


ALL_FORMS = sorted({f for values in PLANTED.values() for v in values for f in _forms(v)})


def _export_rows() -> list[list[str]]:
    header = ["售后单号", "订单号", "商品编码", "退款金额", "申请时间", "买家昵称"] + TEXT_FIELDS + CONTACT_COLUMNS
    rows = [header]
    plants = _plants()
    for i, (kind, planted) in enumerate(plants):
        cells = {f: planted for f in TEXT_FIELDS}
        cells["买家留言"] = f"鞋子偏小穿不上，{planted}，谢谢"
        contact = PLANTED[kind][0]
        rows.append([f"R{9000 + i}", f"O{7000 + i}", "SKU-P", f"{59 + i}.90", f"2024-05-{1 + i % 28:02d} 10:00:00",
                     "同一个买家"] + [cells[f] for f in TEXT_FIELDS] + [contact] * len(CONTACT_COLUMNS))
    # ordinary text with prices, sizes, dates and an order id: must survive
    rows.append(["R9900", "O7900", "SKU-P", "59.90", "2024-05-02 10:00:00", "另一个买家",
                 "价格59.90元，身高160/100斤穿36码，2024-05-01下单，订单号 3712345678901234567，原价1,299.00，第2次退货",
                 "T恤 170/88A", "尺码不合适", "小店", "退款成功", "尺码表 170/88A"] + [""] * len(CONTACT_COLUMNS))
    return rows


def _write_export(path: Path, repeat: int = 1) -> Path:
    rows = _export_rows()
    body = rows[1:] * repeat
    if repeat > 1:  # unique return ids when the rows are repeated (the chunked run)
        body = [[f"{r[0]}-{k}"] + r[1:] for k, r in enumerate(body)]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([rows[0]] + body)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _readable(path: Path) -> str:
    """A file's text as a reader would find it: XLSX members unzipped, everything decoded."""
    data = path.read_bytes()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return data.decode("utf-8", "replace")


def _leaks(text: str) -> list[str]:
    return [f for f in ALL_FORMS if f in text]


@pytest.fixture(autouse=True)
def _salt(monkeypatch, tmp_path):
    monkeypatch.setenv("DIAGNOSE_SALT", SALT)
    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def export(tmp_path) -> Path:
    return _write_export(tmp_path / "returns.csv")


# --------------------------------------------------------------------------
# the redaction rules themselves
# --------------------------------------------------------------------------
@pytest.mark.parametrize("kind,planted", _plants())
def test_every_format_is_replaced_by_a_typed_placeholder(kind, planted):
    text = f"鞋子偏小，{planted}，麻烦尽快处理"
    out = redact.redact_text(text)
    assert not _leaks(out), (planted, out)
    assert out.startswith("鞋子偏小，") and out.endswith("，麻烦尽快处理"), out
    assert any(p in out for p in redact.PLACEHOLDERS), out


def test_ordinary_numbers_and_words_survive():
    for text in SURVIVORS + ["收货人手机", "收货人姓名", "联系人电话", "收件人：本人", "地址不对", "收货人不在家", "超市买的", "一路上压坏了", "质量区别太大", "买了3件5号到货",
                             "快递单号SF1234567890", "小米13 Pro 12+256GB", "2024-05-01 2024-05-02",
                             "退款¥1234.56", "尺码L 175/92A", "下午3点"]:
        assert redact.redact_text(text) == text


def test_redaction_is_idempotent_and_keeps_the_sentence():
    once = redact.redact_text("请联系我13812345678，地址浙江省杭州市西湖区文三路478号9栋3单元1201室 收货人欧阳娜娜 微信wxid_plant88")
    assert once == "请联系我[手机号]，地址[地址] 收货人[姓名] 微信[微信号]"
    assert redact.redact_text(once) == once


@pytest.mark.parametrize("header", CONTACT_COLUMNS + ["收货人手机", "buyer_phone", "receiverName", "Tel No",
                                                    "orig:contact", "联系电话"])
def test_contact_columns_are_recognised(header):
    assert redact.is_contact_column(header)


@pytest.mark.parametrize("header", ["buyer_text", "product_title", "hotel", "title", "退款原因", "商品名称",
                                    "return_id", "amount", "evidence"])
def test_other_columns_are_not_contact_columns(header):
    assert not redact.is_contact_column(header)


def test_contact_columns_hash_like_ingest_so_buyers_stay_followable():
    from diagnose.io.ingest import hash_identifier

    frame = pd.DataFrame({"tel": ["13812345678", "13812345678", None], "buyer_text": ["a", "b", "c"]})
    out = redact.redact_frame(frame, salt=SALT)
    assert out["tel"].iloc[0] == out["tel"].iloc[1] == hash_identifier("13812345678", SALT)
    assert pd.isna(out["tel"].iloc[2])
    assert redact.redact_frame(out, salt=SALT)["tel"].tolist()[:2] == out["tel"].tolist()[:2]  # not re-hashed


# --------------------------------------------------------------------------
# every file the CLI writes, and everything it prints
# --------------------------------------------------------------------------
def _cli(argv: list[str]) -> None:
    assert cli.main(argv) == 0, argv


def test_no_output_file_or_message_holds_a_planted_value(export, tmp_path, capsys, caplog):
    out = tmp_path / "out"
    out.mkdir()
    orders = tmp_path / "orders.csv"
    orders.write_text("订单号,商品编码,下单时间,买家昵称,收货人手机\n"
                      "O7000,SKU-P,2024-04-28 09:00:00,同一个买家,13812345678\n",
                      encoding="utf-8")
    runs = [
        ["classify", str(export), "-o", str(out / "c.csv")],
        ["classify", str(export), "-o", str(out / "c.xlsx")],
        ["report", str(export), "-o", str(out / "r.xlsx")],
        ["report", str(export), "-o", str(out / "r.md")],
        ["risk", str(export), "--orders", str(orders), "-o", str(out / "k.csv")],
        ["risk", str(export), "-o", str(out / "k.xlsx")],
    ]
    for fmt in ("html", "md", "xlsx"):
        for rid in ("R9000", "R9022"):  # a phone and a name planted; both with the buyer's history
            runs.append(["appeal", str(export), "--orders", str(orders), "--return-id", rid,
                         "-o", str(out / f"a-{rid}.{fmt}")])
    for argv in runs:
        _cli(argv)
    written = sorted(out.iterdir())
    assert len(written) == len(runs)
    for path in written:
        assert not _leaks(_readable(path)), (path.name, _leaks(_readable(path)))
    captured = capsys.readouterr()
    assert not _leaks(captured.out + captured.err + caplog.text)
    # the text still reads, with typed placeholders
    table = pd.read_csv(out / "c.csv", dtype=str)
    assert table["buyer_text"].str.contains(r"\[手机号\]").sum() == len(PLANTED["mobile"])
    assert table["buyer_text"].str.startswith("鞋子偏小穿不上，").sum() == len(_plants())
    for col in CONTACT_COLUMNS:  # contact columns come out as hashes, one per distinct value
        assert table[col].dropna().str.fullmatch(r"[0-9a-f]{16}").all(), col


def test_prices_sizes_dates_and_order_ids_survive(export, tmp_path):
    _cli(["classify", str(export), "-o", str(tmp_path / "c.csv")])
    table = pd.read_csv(tmp_path / "c.csv", dtype=str)
    row = table[table["return_id"] == "R9900"].iloc[0]
    for kept in SURVIVORS:
        assert kept in row["buyer_text"], kept
    assert row["product_title"] == "T恤 170/88A" and row["商家备注"] == "尺码表 170/88A"
    assert set(table["order_id"]) == {f"O{7000 + i}" for i in range(len(_plants()))} | {"O7900"}
    assert row["applied_at"].startswith("2024-05-02") and float(row["amount"]) == 59.90


def test_cell_quoting_warnings_are_redacted(tmp_path, capsys):
    src = tmp_path / "w.csv"
    src.write_text("售后单号,买家留言,退款金额,申请时间\nR1,太小,联系13812345678,2024-05-01\n"
                   "R2,太大,zhang.san_88@example.com,137 3456 7890\n", encoding="utf-8")
    _cli(["classify", str(src), "-o", str(tmp_path / "w.csv.out.csv")])
    err = capsys.readouterr().err
    assert "不是有效数字" in err and "[手机号]" in err, err
    assert not _leaks(err)


@pytest.mark.parametrize("lang, says", [("zh", "错误：数据中没有售后单号「[手机号]」"),
                                        ("en", "error: return id '[手机号]' is not in the data")])
def test_error_messages_are_redacted(lang, says, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIAGNOSE_LANG", lang)
    src = tmp_path / "e.csv"
    src.write_text("售后单号,买家留言\nR1,太小\n", encoding="utf-8")
    assert cli.main(["appeal", str(src), "--return-id", "13812345678", "-o", str(tmp_path / "a.md")]) == 2
    err = capsys.readouterr().err
    assert says in err and "13812345678" not in err


# --------------------------------------------------------------------------
# the corrections store
# --------------------------------------------------------------------------
def test_store_keeps_no_planted_value(tmp_path, export, model):
    from diagnose import pipeline
    from diagnose.store import CorrectionStore

    db = tmp_path / "c.sqlite"
    store = CorrectionStore(db)
    for i, (_kind, planted) in enumerate(_plants()):  # raw text handed straight to the store
        store.add(f"X{i}", "quality", buyer_text=f"开线了 {planted}", platform_reason=planted, old_reason="sizing")
    tagged = pipeline.tag([export], model=model, salt=SALT).frame
    store.add_many(tagged.assign(new_reason="quality"))  # the dashboard's path
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("c.sqlite*"))
    text = raw.decode("utf-8", "replace")
    assert not _leaks(text), _leaks(text)
    assert store.training_rows()["text"].str.contains(r"\[手机号\]").any()


# --------------------------------------------------------------------------
# the chunked path, killed mid-run
# --------------------------------------------------------------------------
def _chunked_cmd(src: Path, dst: Path) -> list[str]:
    return [sys.executable, "-m", "diagnose", "classify", str(src), "-o", str(dst), "--chunksize", "40"]


def _env(tmp_path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DIAGNOSE_SALT=SALT, DIAGNOSE_WORKERS="1",
               DIAGNOSE_DATA_DIR=str(tmp_path / "data"))
    return env


def _start_and_wait_for_a_slice(tmp_path: Path, src: Path, out: Path) -> tuple[subprocess.Popen, Path]:
    proc = subprocess.Popen(_chunked_cmd(src, out / "big.csv"), cwd=ROOT, env=_env(tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        parts = list(out.glob(".diagnose-slices-*/part*"))
        if len(parts) >= 2:
            return proc, parts[0].parent
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    _, err = proc.communicate()
    pytest.fail(f"no slice was parked before the run ended: {err.decode()[-500:]}")


def test_chunked_run_killed_with_sigkill_leaves_no_planted_value(tmp_path):
    src = _write_export(tmp_path / "big_in.csv", repeat=60)  # ~1,800 rows, 45 slices
    out = tmp_path / "out"
    out.mkdir()
    proc, folder = _start_and_wait_for_a_slice(tmp_path, src, out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert folder.exists(), "the folder a SIGKILL leaves is what this test greps"
    assert (folder.stat().st_mode & 0o777) == 0o700
    left = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".arrow" for p in left) and not any(p.suffix == ".pkl" for p in left)
    assert any("[手机号]".encode() in p.read_bytes() for p in left), "the slices hold the (redacted) texts"
    for p in left:
        data = p.read_bytes()
        assert not [f for f in ALL_FORMS if f.encode("utf-8") in data], p
        assert not data.startswith(b"\x80"), f"{p} is a pickle"
    # the next run in that folder removes what the killed one left, and writes a clean output
    done = subprocess.run(_chunked_cmd(src, out / "big.csv"), cwd=ROOT, env=_env(tmp_path),
                          capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()[-800:]
    assert not folder.exists()
    assert not list(out.glob(".diagnose-slices-*"))
    assert not _leaks(_readable(out / "big.csv")) and not _leaks(done.stderr.decode())
    assert "段读取" in done.stderr.decode()


def test_chunked_run_stopped_with_sigterm_removes_its_folder(tmp_path):
    src = _write_export(tmp_path / "big_in.csv", repeat=60)
    out = tmp_path / "out"
    out.mkdir()
    proc, folder = _start_and_wait_for_a_slice(tmp_path, src, out)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert not folder.exists()
    assert not list(out.glob(".diagnose-slices-*")) and not list(out.glob("*.partial"))


def test_parked_slices_round_trip_without_pickle(tmp_path, model, export):
    from diagnose import pipeline
    from diagnose.batch import chunked
    from diagnose.io.export import to_csv_bytes

    tagged = pipeline.tag([export], model=model, salt=SALT).frame
    part = tmp_path / "p.arrow"
    chunked._park(tagged, part)
    back = chunked._unpark(part)
    assert list(back.dtypes) == list(tagged.dtypes)
    assert all(isinstance(v, list) for v in back["evidence"])
    assert to_csv_bytes(back) == to_csv_bytes(tagged)


# --------------------------------------------------------------------------
# the dashboard
# --------------------------------------------------------------------------
def test_dashboard_pages_show_no_planted_value(export):
    st_testing = pytest.importorskip("streamlit.testing.v1")
    at = st_testing.AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("ui/pages/upload.py")
    at.run()
    at.file_uploader[0].upload("returns.csv", export.read_bytes())
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    seen = []
    for page in ("upload", "overview", "drilldown", "fixes", "malicious", "corrections", "downloads"):
        at.switch_page(f"ui/pages/{page}.py")
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        for kind in ("markdown", "caption", "html", "text", "code", "info", "warning", "error", "metric"):
            for el in at.get(kind):
                seen.append(str(getattr(el, "value", "")) + str(getattr(el, "label", "")))
        for df in at.dataframe:
            seen.append(df.value.to_csv())
    shown = "\n".join(seen).replace("\\", "")
    assert "[手机号]" in shown, "the drill-down shows the redacted texts"
    assert not _leaks(shown), _leaks(shown)


def test_display_helpers_redact_raw_text():
    from ui import common

    html_text = common.highlight("开线了，请联系我13812345678", ["开线"])
    assert "<mark>开线</mark>" in html_text and "13812345678" not in html_text
    frame = pd.DataFrame({"return_id": ["R1"], "buyer_text": ["微信：wxid_plant88 太小了"]})
    shown, _ = common.display_table(frame, "zh")
    assert shown["buyer_text"].iloc[0] == "微信：[微信号] 太小了"


# --------------------------------------------------------------------------
# tracking numbers are evidence, not phone numbers (over-redaction)
# --------------------------------------------------------------------------
TRACKING_NUMBERS = ["YT8616390766125", "SF1234567890123", "JD0012345678901", "JT5432109876543",
                    "75123456789012", "773123456789012", "4312345678901"]


@pytest.mark.parametrize("number", TRACKING_NUMBERS)
@pytest.mark.parametrize("cue", ["快递", "单号", "物流显示", "", "圆通 "])
def test_courier_tracking_numbers_stay_readable(number, cue):
    text = f"{cue}{number}一直没有更新，包裹丢了"
    assert redact.redact_text(text) == text


@pytest.mark.parametrize("text,expected", [
    ("请联系我13812345678", "请联系我[手机号]"),
    ("电话138-1234-5678谢谢", "电话[手机号]谢谢"),
    ("手机１３８－１２３４－５６７８", "手机[手机号]"),
    ("+86 138 1234 5678", "[手机号]"),
    ("8613812345678", "[手机号]"),
    ("tel13812345678", "tel[手机号]"),
    ("Phone:13812345678", "Phone:[手机号]"),
    ("座机0571-88886666", "座机[电话]"),
    ("身份证330102199001011234", "身份证[身份证]"),
    ("老身份证110105491231002", "老身份证[身份证]"),
    ("vx13812345678", "vx[微信号]"),
])
def test_real_phones_and_ids_are_still_masked_next_to_tracking_numbers(text, expected):
    assert redact.redact_text(text) == expected
    both = f"快递YT8616390766125没到，{text}"
    assert redact.redact_text(both) == f"快递YT8616390766125没到，{expected}"


def test_tracking_numbers_survive_into_the_classify_output(tmp_path):
    src = tmp_path / "r.csv"
    src.write_text("售后单号,退款原因,买家留言\n"
                   "1,快递问题,圆通YT8616390766125三天没动，电话13812345678\n"
                   "2,快递问题,中通75123456789012显示签收但没收到\n", encoding="utf-8")
    _cli(["classify", str(src), "-o", str(tmp_path / "c.csv")])
    texts = pd.read_csv(tmp_path / "c.csv", dtype=str)["buyer_text"].tolist()
    assert texts[0] == "圆通YT8616390766125三天没动，电话[手机号]"
    assert "75123456789012" in texts[1]


def test_english_cue_words_in_prose_are_not_taken_for_names():
    from diagnose.io.redact import redact_text

    assert redact_text("Gift recipient already had one") == "Gift recipient already had one"
    assert redact_text("the receiver was broken on arrival") == "the receiver was broken on arrival"
    assert "Smith" not in redact_text("recipient: John Smith, tel 13812345678")
    assert "Lei" not in redact_text("Receiver name: Li Lei")
    assert "张三" not in redact_text("收货人张三 电话13812345678")


def test_the_redaction_prescreen_refuses_rules_that_moved(monkeypatch):
    # The pre-screen reads some rules by position; a reordered rule list must fail loudly, not let data through.
    from diagnose.io import redact

    redact._check_rule_layout()  # the shipped layout passes
    monkeypatch.setattr(redact, "_RULES", redact._RULES[::-1])
    with pytest.raises(RuntimeError):
        redact._check_rule_layout()
