"""Personal data out of everything diagnose writes, shows, stores or logs.

Why one module: buyers type their phone number, address, WeChat id or name
into the free text ("请联系我13812345678，地址…"), and exports carry contact
columns (收货信息, 微信号, tel, consignee …). Each way out — the classify and
risk tables, report and appeal packs, the dashboard, the corrections store,
CLI messages, the chunked path's temporary slices — calls the functions
here, so a format caught once is caught everywhere.

What is replaced (by a typed placeholder, so the sentence still reads):

* mobile numbers in every spelling — ``13812345678``, ``138-1234-5678``,
  ``138 1234 5678``, ``138.1234.5678``, ``+86 …``, full-width digits → [手机号]
* landlines with an area code — ``0571-8888 6666``, ``(010)12345678`` → [电话]
* ID-card numbers, 18 digits (last may be X) and the old 15 digits → [身份证]
* bank card numbers, 16-19 digits (spaces or dashes allowed) → [银行卡]
* e-mail addresses → [邮箱]
* WeChat / QQ ids introduced by 微信, vx, wx, QQ, 扣扣 … → [微信号] / [QQ号]
* street addresses — after 地址/住址, or a run of 省/市/区/路/号/栋/单元/室
  parts with a house or room number → [地址]
* a name introduced by 收货人/收件人/联系人/姓名 → [姓名]

What is left alone: prices (``59.90``), sizes (``160/100斤``, ``36码``),
dates, counts, long numbers introduced as an order or tracking number
(``订单号 3712…``), courier tracking numbers with a letter prefix
(``YT8616390766125``, ``SF1234567890123``, ``JD0012345678901``) and digit
runs longer than a phone that are not shaped like an ID card or a bank
card (``75123456789012``, a Zhongtong-like 14 digits) — they are the
evidence of a logistics dispute; identifier columns (return_id, order_id, sku …) are never
rewritten. Matching runs on a copy where full-width characters and dash
variants are folded to ASCII one character for one, and the replacement is
made at the same places in the original text, so nothing else changes.

Contact columns (`is_contact_column`) are not redacted but hashed with the
install's salt — the same salted SHA-256 ingest uses for buyer ids — so two
returns with one phone can still be matched, and the value cannot be read.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------------
# Placeholders
# ---------------------------------------------------------------------------
MOBILE = "[手机号]"
LANDLINE = "[电话]"
ID_CARD = "[身份证]"
BANK_CARD = "[银行卡]"
EMAIL = "[邮箱]"
WECHAT = "[微信号]"
QQ = "[QQ号]"
ADDRESS = "[地址]"
NAME = "[姓名]"
PLACEHOLDERS: tuple[str, ...] = (MOBILE, LANDLINE, ID_CARD, BANK_CARD, EMAIL, WECHAT, QQ, ADDRESS, NAME)

# ---------------------------------------------------------------------------
# Folding: one character for one, so spans found in the fold fit the original
# ---------------------------------------------------------------------------
_FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}  # full-width ASCII
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20, 0x2212: 0x2D, 0xFE63: 0x2D, 0x3002: 0x3002})
_FOLD.update({c: 0x2D for c in range(0x2010, 0x2016)})  # hyphens and dashes


def _fold(text: str) -> str:
    return text.translate(_FOLD)


_CJK = r"\u4e00-\u9fff"
# Characters that do not start a place or person name ("我家在…", "收货人不在家").
_NOT_NAME_START = "的在是我你他她它们到了和与给从把被请帮送寄发改为就也还都要不没已很太说让这那个"

_ORDER_CUE = re.compile(
    r"(?:订单号?|单号|运单号?|快递单?号?|物流单?号?|售后单?号?|退款编号|退货单号|编号|工单号?|"
    r"order\s*(?:id|no\.?|number)?|tracking\s*(?:no\.?|number)?)[\s:#=是为]*$",
    re.IGNORECASE,
)

# (pattern, placeholder, group to replace, skip-after-order-cue); each rule
# runs only on texts its cheap trigger (`_TRIGGERS`) finds something in.
_Rule = tuple[re.Pattern[str], str, str | int, bool]


def _rules() -> tuple[_Rule, ...]:
    sep = r"[ .\-]?"
    named = (rf"[^\s\d{_NOT_NAME_START}\W][{_CJK}]{{0,7}}?"
             r"(?:省|自治区|特别行政区|市|区|县|旗|镇|乡|街道|大道|路|街|巷|胡同|村|小区|花园|家园|公寓|大厦|广场|新村|苑)")
    numbered = r"\d+(?:-\d+)*\s*(?:号楼|号院|号|栋|幢|座|单元|室|楼|层|弄)"
    building = (r"\d+\s*(?:栋|幢|座|号楼)\s*(?:\d+\s*单元\s*)?(?:\d+\s*(?:室|号|层|楼))?"
                r"|\d+\s*单元\s*\d+\s*(?:室|号)?")
    part = rf"(?:{named}|{numbered})"
    address_run = (
        # a named part and a numbered part, or three named parts, possibly spaced
        rf"(?:{named}\s?)+(?:{numbered}\s?)+(?:{part}\s?)*"
        rf"|(?:{named}\s?){{3,}}(?:{part}\s?)*"
        rf"|{building}"
    )
    not_a_name = r"(?!手机|电话|地址|信息|姓名|号码|联系|先生|女士|本人|自己|买家|卖家|客服|快递)"
    name_value = (rf"{not_a_name}[^\s\d{_NOT_NAME_START}\W][{_CJK}·]{{1,3}}?"
                  rf"(?=$|[^{_CJK}·]|电话|手机|联系|地址|收货|收件|先生|女士)"
                  rf"|{not_a_name}[^\s\d{_NOT_NAME_START}\W][{_CJK}]{{1,2}}"
                  r"|[A-Z][a-z]+(?: [A-Z][a-z]+)?")
    return (
        (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"), EMAIL, 0, False),
        (re.compile(r"(?<![\dA-Za-z])[1-9]\d{5} ?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                    r" ?\d{3}[\dXx](?![\dA-Za-z])"), ID_CARD, 0, True),
        (re.compile(rf"(?<!\d)(?:(?:\+|00)?86{sep}|\(\+?86\) ?)?1[3-9]\d{sep}\d{{4}}{sep}\d{{4}}(?!\d)"),
         MOBILE, 0, False),
        (re.compile(r"(?<![\d.])\d{4}(?:[ \-]?\d{4}){3}(?:[ \-]?\d{1,3})?(?![\d.])"), BANK_CARD, 0, True),
        (re.compile(r"(?<![\d.])[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![\d.])"),
         ID_CARD, 0, True),
        (re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?\d{3,4}[ \-]?\d{4}(?:-\d{1,4})?(?!\d)"),
         LANDLINE, 0, False),
        (re.compile(r"(?<![A-Za-z\[])(?:微信号?|威信|薇信|v信|vx|wx|weixin|wechat)(?:号|id)?"
                    r"(?:[\s:=]|是|为|加)*(?P<v>[A-Za-z][A-Za-z0-9_\-]{5,19}|\d{5,12})(?![A-Za-z0-9_\-])",
                    re.IGNORECASE), WECHAT, "v", False),
        (re.compile(r"(?<![A-Za-z\[])(?:qq|扣扣|企鹅)(?:号码|号)?(?:[\s:=]|是|为|加)*(?P<v>[1-9]\d{4,11})(?!\d)",
                    re.IGNORECASE), QQ, "v", False),
        (re.compile(r"(?<!\[)(?:收货地址|收件地址|详细地址|家庭地址|地址|住址|address)(?:是|为|改为|改成|在)?[\s:]*"
                    r"(?P<v>[^，,。;！!？?\n\[]{2,60}?)"
                    r"(?=$|[，,。;！!？?\n\[]|\s*(?:电话|手机|联系|收货人|收件人|姓名))",
                    re.IGNORECASE), ADDRESS, "v", False),
        (re.compile(address_run), ADDRESS, 0, False),
        (re.compile(rf"(?<!\[)(?:收货人|收件人|联系人|姓名)(?:姓名)?(?:是|为|叫)?[\s:]*"
                    rf"(?P<v>{name_value})", re.IGNORECASE), NAME, "v", False),
        # In English the cue word is ordinary prose ("the gift recipient already had one"):
        # only a label with a colon introduces a name.
        (re.compile(rf"(?<![A-Za-z\[])(?:consignee|receiver|recipient)(?:'s)?(?: name)?\s*[:：=]\s*"
                    rf"(?P<v>{name_value})", re.IGNORECASE), NAME, "v", False),
    )


_RULES = _rules()
_DIGITS = re.compile(r"\d{3}")
_TRIGGERS: tuple[re.Pattern[str], ...] = (
    re.compile("@"),
    _DIGITS, _DIGITS, _DIGITS, _DIGITS, _DIGITS,
    re.compile(r"微信|威信|薇信|v信|vx|wx|weixin|wechat", re.IGNORECASE),
    re.compile(r"qq|扣扣|企鹅", re.IGNORECASE),
    re.compile(r"地址|住址|address", re.IGNORECASE),
    re.compile(r"号|栋|幢|座|单元|室|楼|层|弄|[省市区县旗].*[省市区县旗镇乡道路街巷村园苑厦场]"),
    re.compile(r"收货人|收件人|联系人|姓名"),
    re.compile(r"consignee|receiver|recipient", re.IGNORECASE),
)
assert len(_TRIGGERS) == len(_RULES)
_ADDRESS_VALUE = re.compile(r"\d|省|自治区|市|区|县|镇|乡|街|路|巷|村|号|栋|幢|单元|室|楼|苑|小区|大厦|road|street|rd|st\b",
                            re.IGNORECASE)

# A cheap test that a text may hold something to redact; most texts do not,
# and a column is screened in one vectorised pass before any rule runs.
CANDIDATE = re.compile(
    r"[0-9０-９]{5}|[0-9０-９]{3}[ .\-－—‐　][0-9０-９]{4}|@|＠|微信|威信|薇信|[vV]信|[vVwW][xX]|weixin|wechat|"
    r"[qQＱｑ][qQＱｑ]|扣扣|企鹅|收货|收件|联系人|姓名|地址|住址|address|consignee|receiver|recipient|"
    r"[0-9０-９]\s*(?:号|栋|幢|座|单元|室|楼|层|弄)|省|自治区|市|区|县",
    re.IGNORECASE,
)


class Redacted(NamedTuple):
    """A redacted text and the original pieces that were taken out of it."""

    text: str
    removed: tuple[str, ...]


def _after_order_cue(folded: str, start: int) -> bool:
    return bool(_ORDER_CUE.search(folded[max(0, start - 14):start]))


# Placeholders of the digit-only rules: a number glued to a Latin letter
# prefix (``YT8616390766125``, ``SF1234567890123``, ``JD0012345678901``) is a
# courier tracking number or a product code — evidence in a logistics
# dispute, so it stays readable — unless the letters are a contact cue
# (``tel13812345678``, ``phone…``), which introduces a real number.
_NUMBER_PLACEHOLDERS = frozenset({MOBILE, LANDLINE, ID_CARD, BANK_CARD})
_LETTERS_BEFORE = re.compile(r"([A-Za-z]+)$")
_CONTACT_LETTERS = re.compile(r"(?:tel|phone|mobile|mob|cell|call|contact|ph|whatsapp)$", re.IGNORECASE)


def _glued_to_code(folded: str, start: int) -> bool:
    """Whether the number starting at `start` is the tail of a letter-prefixed code, not a contact number."""
    m = _LETTERS_BEFORE.search(folded[max(0, start - 12):start])
    return bool(m) and not _CONTACT_LETTERS.search(m.group(1))


def redact_spans(text: str) -> Redacted:
    """`text` with personal data replaced, and the removed original pieces.

    Why the pieces: evidence words and phrases are cut from the same text;
    `scrub_words` drops those that lie inside a removed piece (a name, an
    id), which a placeholder in the text alone would not reveal.
    """
    if not text or not CANDIDATE.search(text):
        return Redacted(text, ())
    orig, folded = text, _fold(text)
    removed: list[str] = []
    for (pattern, placeholder, group, skip_orders), trigger in zip(_RULES, _TRIGGERS):
        if not trigger.search(folded):
            continue
        spans = []
        for m in pattern.finditer(folded):
            s, e = m.span(group)
            if s == e or (skip_orders and _after_order_cue(folded, m.start())):
                continue
            if placeholder in _NUMBER_PLACEHOLDERS and _glued_to_code(folded, m.start()):
                continue
            if placeholder == ADDRESS and group == "v" and not _ADDRESS_VALUE.search(m.group(group)):
                continue  # "地址不对" is a complaint, not an address
            spans.append((s, e))
        if not spans:
            continue
        o_parts, f_parts, pos = [], [], 0
        for s, e in spans:
            o_parts += [orig[pos:s], placeholder]
            f_parts += [folded[pos:s], placeholder]
            removed.append(orig[s:e].strip())
            pos = e
        orig = "".join(o_parts) + orig[pos:]
        folded = "".join(f_parts) + folded[pos:]
    return Redacted(orig, tuple(r for r in removed if r))


def _needs_work_pattern() -> re.Pattern[str]:
    """One regex that a folded text must match for any rule to change it (a necessary condition).

    Why: `redact_frame` sends every candidate text through all rules, and
    generated texts (the risk table's evidence, ~100k distinct strings on a
    million rows) are candidates only for words no rule redacts — the
    skipped-signal note names 电话/地址 on every row. Per rule, what must be
    present for it to give a span:

    * the digit rules (ID card, mobile, bank card, landline): seven digits
      with at most one space, dot or dash after the third — every one of
      those patterns holds such a run (a landline's last two groups, a
      mobile's last eight digits, a card's or an ID's first groups);
    * the labelled address: its cue followed, within the 60 characters its
      value may span, by a character `_ADDRESS_VALUE` needs (a value without
      one is dropped as a complaint, "地址不对");
    * every other rule: its own trigger, which `redact_spans` tests before
      running it.

    A text matching none is returned as it is by `redact_spans` (no rule
    changes it, so no later rule sees a changed text). Built from the rules
    themselves so the two cannot drift apart.
    """
    _check_rule_layout()
    address = _RULES[_LABELLED_ADDRESS][0].pattern
    head, tail = address.split("(?P<v>", 1)
    value_chars = tail[: tail.index("]{2,60}") + 1]
    value_word = _ADDRESS_VALUE.pattern.replace(r"st\b", "st")  # a looser test: still necessary
    address_screen = head + "(?=" + value_chars + "{0,59}?(?:" + value_word + "))"
    parts = [_TRIGGERS[0].pattern, r"\d{3}[ .\-]?\d{4}"]
    parts += [("(?i:" + _TRIGGERS[i].pattern + ")") if _TRIGGERS[i].flags & re.IGNORECASE else _TRIGGERS[i].pattern
              for i in _TRIGGERED_RULES]
    parts.append("(?i:" + address_screen + ")")
    return re.compile("|".join("(?:" + p + ")" for p in parts))


# Where `_needs_work_pattern` finds what it reads in `_rules()` / `_TRIGGERS`.
_LABELLED_ADDRESS = 8  # 地址: <value>
_SPREAD_ADDRESS = 9  # the spread-out address run
_TRIGGERED_RULES = (6, 7, 9, 10, 11)  # WeChat, QQ, address run, named consignee (zh, en)
_DIGIT_RULES = (1, 2, 3, 4, 5)  # ID card, mobile, bank card, ID card, landline


def _check_rule_layout() -> None:
    """Refuse to build the pre-screen when the rules it reads by position have moved.

    The screen is a necessary condition for every rule; if a rule were
    reordered or added without updating the positions above, texts holding
    personal data could skip redaction silently. This fails at import instead.
    """
    placeholders = [r[1] for r in _RULES]
    ok = (len(_RULES) == 12 and placeholders[_LABELLED_ADDRESS] == ADDRESS and _RULES[_LABELLED_ADDRESS][2] == "v"
          and placeholders[_SPREAD_ADDRESS] == ADDRESS and _TRIGGERS[0].pattern == "@"
          and placeholders[6:8] == [WECHAT, QQ] and all(_TRIGGERS[i] is _DIGITS for i in _DIGIT_RULES)
          and "]{2,60}" in _RULES[_LABELLED_ADDRESS][0].pattern
          and len(re.findall(r"\[[^\]]+\]", _TRIGGERS[_SPREAD_ADDRESS].pattern)) == 2)
    if not ok:
        raise RuntimeError("diagnose.io.redact: the rules changed shape; update _needs_work_pattern and its positions")


_NEEDS_WORK = _needs_work_pattern()
# The one alternative of `_NEEDS_WORK` that can match across a ";": the spread-out address
# trigger (a 省/市/区… character, anything, then a place-word character). Its two classes:
_SPREAD_FIRST, _SPREAD_LAST = (re.compile(c) for c in re.findall(r"\[[^\]]+\]", _TRIGGERS[_SPREAD_ADDRESS].pattern))


# A ";" after folding: "；" and ";" (the evidence separators "；" and "; " hold one).
_SEMICOLONS = re.compile("[;\uff1b]")


class _PieceScreen:
    """`_NEEDS_WORK` over a text, judged piece by piece between its ";" (after folding).

    Why: generated texts are made of a few recurring pieces — the risk
    table's evidence strings are sentences joined by "；" and end with the
    same skipped-signal note — so each distinct piece is screened once.
    Sound because no alternative of `_NEEDS_WORK` matches a ";" (no cue or
    trigger word holds one, it is no digit, and it ends an address value),
    so a match lies inside one piece; the one alternative that spans
    anything, the spread-out address trigger (a 省/市/区… character, then
    later a place-word character), is tested across pieces by its two
    character classes.
    """

    def __init__(self) -> None:
        self.seen: dict[str, tuple[bool, bool, bool]] = {}

    def _piece(self, piece: str) -> tuple[bool, bool, bool]:
        """(may need work by itself, holds a spread-first character, holds a spread-last character)."""
        got = self.seen.get(piece)
        if got is None:
            folded = _fold(piece)
            got = (bool(_NEEDS_WORK.search(folded)), bool(_SPREAD_FIRST.search(folded)),
                   bool(_SPREAD_LAST.search(folded)))
            self.seen[piece] = got
        return got

    def needs_work(self, text: str) -> bool:
        first_seen = False
        for piece in _SEMICOLONS.split(text):
            needs, first, last = self._piece(piece)
            if needs or (last and first_seen):
                return True
            first_seen = first_seen or first
        return False


def redact_many(texts: Iterable[object]) -> list[Redacted]:
    """`[redact_spans(t) for t in texts]` (non-strings come back unchanged, nothing removed).

    Texts that cannot change (`_NEEDS_WORK` finds nothing in their fold,
    judged piece by piece: `_PieceScreen`) skip the rules; the rest take
    `redact_spans` itself.
    """
    screen = _PieceScreen()
    out: list[Redacted] = []
    for text in texts:
        if not isinstance(text, str) or not text or not screen.needs_work(text):
            out.append(Redacted(text, ()))
        else:
            out.append(redact_spans(text))
    return out


def redact_text(text: object) -> object:
    """One text with personal data replaced by typed placeholders; non-strings unchanged."""
    if not isinstance(text, str):
        return text
    return redact_spans(text).text


def redact_lines(lines: Iterable[str]) -> list[str]:
    """Messages (CLI warnings, errors) with any quoted personal data replaced."""
    return [redact_text(str(line)) for line in lines]


def _candidates(s: pd.Series) -> np.ndarray:
    """Which cells of a text column may hold something to redact (one vectorised pass).

    Arrow's regex engine over the column (a few ms for 100k cells; the same
    test through pandas' ``str.contains`` was ten times slower); cells that
    are not strings (lists, numbers) are never candidates.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(s.array) if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object else None
    except (TypeError, ValueError, pa.ArrowException):
        arr = None
    if arr is None:
        values = s.to_numpy(dtype=object)
        arr = pa.array([v if isinstance(v, str) else None for v in values], pa.large_string())
    hit = pc.match_substring_regex(arr, CANDIDATE.pattern, ignore_case=True)
    return np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def redact_series(s: pd.Series) -> pd.Series:
    """A text column with personal data replaced; untouched cells keep their values and dtype."""
    hit = _candidates(s)
    if not hit.any():
        return s
    out = s.copy()
    out[hit] = s[hit].map(redact_text)
    return out


# ---------------------------------------------------------------------------
# Evidence words and phrases
# ---------------------------------------------------------------------------
def scrub_words(words: object, removed: Iterable[str]) -> object:
    """Evidence words of one row without those cut from a removed piece (a name, an id).

    A word that still holds personal data by itself (an id, a phone) is
    redacted; one that is part of a removed piece is dropped.
    """
    if not isinstance(words, (list, tuple, np.ndarray)):
        return words
    pieces = [_fold(p).lower() for p in removed]
    out = []
    for w in words:
        w = str(w)
        key = _fold(w).lower().replace(" ", "")
        if key and any(key in p.replace(" ", "") for p in pieces):
            continue
        out.append(redact_text(w))
    return out if not isinstance(words, tuple) else tuple(out)


# ---------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------
# Contact columns: hashed on every path out. CJK cues match anywhere in the
# header; Latin cues match a whole word of it (so "tel" is not "hotel").
_CONTACT_CJK = ("收货信息", "收件信息", "收货地址", "收件地址", "收货人", "收件人", "联系人", "联系方式", "联系电话",
                "地址", "住址", "电话", "手机", "微信", "qq", "扣扣", "证件", "身份证", "银行卡", "卡号", "邮箱",
                "姓名", "买家备注", "买家留言备注")
_CONTACT_WORDS = frozenset((
    "tel", "telephone", "phone", "phoneno", "phonenumber", "mobile", "mobileno", "cellphone", "cell",
    "consignee", "receiver", "recipient", "contact", "contacts", "email", "mail", "wechat", "weixin",
    "qq", "address", "addr", "idcard", "idno", "passport",
))
_CONTACT_PREFIXES = ("consignee", "receiver", "recipient", "contact", "phone", "mobile", "email", "address",
                     "wechat", "telephone")
# Identifier and code columns: never rewritten (an order id may look like a card number).
ID_COLUMNS = frozenset((
    "return_id", "order_id", "sub_order_id", "sku", "product_id", "buyer_id", "source_file", "source_row",
    "platform", "row_issues", "reason", "reason_zh", "sub_reason", "dropdown_label", "return_type",
    "risk_level", "risk_signals", "skipped_signals",
))
_ID_HEADER = re.compile(r"单号|编号|编码|货号|订单号|条码|交易号|流水号|批次号|(?:^|[\s_\-])id$|^id(?:[\s_\-]|$)|[a-z]Id$|sku", re.IGNORECASE)
_HASHED = re.compile(r"^[0-9a-f]{16}$")


def _words(header: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", header)
    return [w for w in re.split(r"[^0-9a-z]+", spaced.lower()) if w]


def is_contact_column(header: object) -> bool:
    """True when a column's header names a buyer's contact, address, account or id document."""
    h = str(header).strip()
    if h.startswith("orig:"):
        h = h[5:]
    low = h.lower()
    if any(cue in low for cue in _CONTACT_CJK):
        return True
    words = _words(h)
    if any(w in _CONTACT_WORDS for w in words):
        return True
    joined = "".join(words)
    return any(joined.startswith(p) or joined.endswith(p) for p in _CONTACT_PREFIXES)


def is_identifier_column(header: object) -> bool:
    """True for id/code columns whose values must be written exactly as read."""
    h = str(header)
    return h in ID_COLUMNS or bool(_ID_HEADER.search(h))


def _salted(salt: str | None) -> Callable[[str], str]:
    if not salt:
        from diagnose.io.privacy import install_salt

        salt = install_salt()
    base = hashlib.sha256((salt + "\x1f").encode("utf-8"))

    def digest(value: str) -> str:
        h = base.copy()
        h.update(value.encode("utf-8"))
        return h.hexdigest()[:16]
    return digest


def hash_column(s: pd.Series, salt: str | None = None) -> pd.Series:
    """A contact column as salted hashes (values already hashed by ingest are kept).

    The salt is looked up only when some value still needs hashing.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    texts = [str(v).strip() for v in uniques]
    todo = [i for i, t in enumerate(texts) if t and not _HASHED.match(t)]
    if not todo and all(isinstance(v, str) and v == t for v, t in zip(uniques, texts)):
        return s
    if todo:
        digest = _salted(salt)
        for i in todo:
            texts[i] = digest(texts[i])
    mapped = np.array(texts + [None], dtype=object)
    out = pd.Series(mapped[codes], index=s.index, dtype=object)
    return out.astype(s.dtype) if s.dtype != object else out


def _textual(s: pd.Series) -> bool:
    return s.dtype == object or pd.api.types.is_string_dtype(s.dtype)


REDACTED_ATTR = "diagnose.redacted_columns"


class CoveredColumns(tuple):
    """The columns `redact_frame` covered, as stored in ``attrs``.

    pandas deep-copies ``attrs`` into every Series and frame derived from a
    table (each filter, column access, astype …): a plain tuple of 50 column
    names made that a noticeable share of every analysis over a tagged
    table. The value is immutable, so a copy may be the same object.
    """

    def __deepcopy__(self, memo: dict) -> "CoveredColumns":
        return self


# Columns that hold JSON built from cells redacted one by one before encoding
# (batch.spark's extra_columns): scanning the JSON text itself would let a rule
# run across field boundaries and break the JSON.
ENCODED_COLUMNS = frozenset({"extra_columns"})


def redact_frame(df: pd.DataFrame, salt: str | None = None) -> pd.DataFrame:
    """A copy of a table fit to leave the program: contact columns hashed, free text redacted.

    Identifier columns (`is_identifier_column`) are kept as they are; every
    other text column has each cell passed through `redact_spans`; an
    ``evidence`` column of word lists is scrubbed against the pieces taken
    out of that row's buyer text and dropdown reason. Idempotent.

    The result records which columns it covered (``attrs[REDACTED_ATTR]``,
    which pandas carries through copies, filters and sorts), so the writer's
    pass over a tagged table — already redacted by `pipeline.tag_frame` —
    only looks at columns added since, instead of scanning a million rows
    twice.
    """
    out = df.copy(deep=False)
    done = set(df.attrs.get(REDACTED_ATTR, ()))
    removed: dict[int, tuple[str, ...]] | None = None  # row position -> pieces cut from its texts
    for i, col in enumerate(list(out.columns)):
        s = out.iloc[:, i]
        if col in done or not _textual(s) or col == "evidence" or col in ENCODED_COLUMNS:
            continue
        if is_contact_column(col):
            out.isetitem(i, hash_column(s, salt))
            continue
        if is_identifier_column(col):
            continue
        hit = _candidates(s)
        if not hit.any():
            continue
        # each distinct text once: titles, dropdowns and template texts repeat a lot
        codes, uniques = pd.factorize(s[hit])
        distinct = list(uniques)
        results = redact_many(distinct)
        changed = np.array([r.text is not u for r, u in zip(results, distinct)] + [False], dtype=bool)
        rows = changed[codes]
        if rows.any():  # only the cells whose text changed are set (setting a million was seconds)
            new = s.copy()
            new.iloc[np.flatnonzero(hit)[rows]] = np.array([r.text for r in results], dtype=object)[codes[rows]]
            out.isetitem(i, new)
        if col in ("buyer_text", "platform_reason") and "evidence" in out.columns:
            removed = {} if removed is None else removed
            # only rows whose text lost a piece: a few, where a loop over every row was not
            took = np.array([bool(r.removed) for r in results] + [False], dtype=bool)[codes]
            for pos, code in zip(np.flatnonzero(hit)[took].tolist(), codes[took].tolist()):
                removed[pos] = removed.get(pos, ()) + results[code].removed
    if removed:
        scrubbed = np.empty(len(out), dtype=object)
        scrubbed[:] = out["evidence"].to_numpy(dtype=object)
        for pos, pieces in removed.items():
            scrubbed[pos] = scrub_words(scrubbed[pos], pieces)
        out["evidence"] = scrubbed
    out.attrs = {**out.attrs, REDACTED_ATTR: CoveredColumns(str(c) for c in out.columns)}
    return out
