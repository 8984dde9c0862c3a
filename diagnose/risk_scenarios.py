"""Labelled scenarios for the malicious-refund risk score (all texts our own).

Each `Scenario` is a small group of returns that is either *abusive* (a
pattern a reviewer should see first) or *innocent* (a look-alike that must
not rank high: an angry buyer with a real defect, a repeat buyer with real
defects, a common short text, ...). `build_frame()` puts every scenario on
top of a background of ordinary returns, so distribution-based signals
(amount percentiles, template counts) see realistic data, and returns a
*tagged* table (the columns `classify.classify_frame` produces, with
explicit `p_malicious`) plus `scenario`, `label` and `split` columns.
`build_orders()` gives a matching order table for the order-share signal.

Splits: `dev` scenarios were written first and used to set the weights;
`holdout` scenarios were written after the weights were frozen and are
reported separately in docs/RISK.md.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from diagnose import taxonomy

T0 = pd.Timestamp("2024-05-06 09:00:00")

# sku -> (title, price, category)
CATALOGUE: dict[str, tuple[str, float, str]] = {
    "TS-01": ("纯棉短袖T恤", 79.0, "apparel"),
    "DR-02": ("法式碎花连衣裙", 239.0, "apparel"),
    "SH-03": ("轻便跑步鞋", 399.0, "shoes"),
    "JK-04": ("加厚羽绒服", 899.0, "apparel"),
    "EB-05": ("蓝牙降噪耳机", 299.0, "electronics"),
    "BL-06": ("多功能破壁机", 1299.0, "appliance"),
    "FR-07": ("赣南脐橙5斤装", 39.0, "food"),
    "SN-08": ("每日坚果礼盒", 128.0, "food"),
    "CS-09": ("修护精华液", 459.0, "beauty"),
    "TY-10": ("儿童积木玩具", 159.0, "toys"),
    "BG-11": ("头层牛皮手提包", 1680.0, "bags"),
    "MG-12": ("陶瓷马克杯两只装", 49.0, "home"),
}


def _h(value: str, salt: str = "scenario-salt") -> str:
    return hashlib.sha256((salt + value).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class R:
    """One return inside a scenario."""

    text: str
    dropdown: str = "质量问题"
    rtype: str = "refund_only"
    sku: str = "TS-01"
    amount: float | None = None
    p: float = 0.05
    after: str | None = "2d"        # sign-for → application; None = not signed for
    buyer: str = "b1"               # scenario-local buyer name
    phone: str | None = None        # scenario-local phone name (hashed on output)
    address: str | None = None
    photo: str | None = None        # 是否已上传退款凭证
    reason: str | None = None       # classifier label; derived when None
    day: int = 0                    # days after T0 of the sign-for


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str                      # "abusive" | "innocent"
    description: str
    returns: tuple[R, ...]
    split: str = "dev"
    orders_per_buyer: dict[str, int] = field(default_factory=dict)


def _rep(n: int, **kw) -> tuple[R, ...]:
    """n returns of the same kind from n different buyers."""
    return tuple(R(buyer=f"b{i}", **kw) for i in range(1, n + 1))


SCENARIOS: tuple[Scenario, ...] = (
    # ------------------------------------------------------------ abusive
    Scenario("extortion_12315_triple", "abusive", "threat tied to the refund plus a triple-compensation demand", (
        R("东西有点问题，不给我全额退款的话我就去12315投诉你们，还要三倍赔偿", sku="EB-05", p=0.92),
    )),
    Scenario("eaten_nuts_refund", "abusive", "ate the whole box, then refund-only with a quality dropdown", (
        R("已经吃完了，感觉味道一般般，申请退款", sku="SN-08", p=0.82, after="4d"),
    )),
    Scenario("worn_to_wedding", "abusive", "dress worn to an event and returned weeks later as a quality problem", (
        R("穿了一次参加婚礼，感觉不太合适，退了吧", sku="DR-02", rtype="return_refund", p=0.7, after="25d"),
    )),
    Scenario("gang_exact_template", "abusive", "five accounts, same text, refund-only on the most expensive item", (
        R("收到货发现质量有问题，要求仅退款，东西不退回了", sku="BL-06", p=0.55, buyer="b1", phone="p1", after="1d"),
        R("收到货发现质量有问题，要求仅退款，东西不退回了", sku="BL-06", p=0.55, buyer="b2", phone="p1", after="1d", day=1),
        R("收到货发现质量有问题，要求仅退款，东西不退回了", sku="BL-06", p=0.55, buyer="b3", after="2d", day=2),
        R("收到货发现质量有问题，要求仅退款，东西不退回了", sku="BL-06", p=0.55, buyer="b4", after="1d", day=3),
        R("收到货发现质量有问题，要求仅退款，东西不退回了", sku="BL-06", p=0.55, buyer="b5", after="3d", day=3),
    )),
    Scenario("gang_near_template", "abusive", "four accounts with lightly edited copies of one text", (
        R("亲，收到的商品质量很差，申请仅退款，不退货了，谢谢", sku="BG-11", p=0.5, buyer="b1"),
        R("亲，收到的商品质量很差，申请仅退款不退货，谢谢亲", sku="BG-11", p=0.5, buyer="b2", day=1),
        R("亲收到的商品质量很差，我申请仅退款，不退货了，谢谢", sku="BG-11", p=0.5, buyer="b3", day=2),
        R("亲，收到的商品质量很差，申请仅退款，货就不退了谢谢", sku="BG-11", p=0.5, buyer="b4", day=2),
    )),
    Scenario("serial_refund_only_7", "abusive", "one buyer, seven refund-only requests, no defect ever named", (
        R("", sku="EB-05", p=0.1, day=0),
        R("不想要了", sku="DR-02", p=0.08, day=3),
        R("质量不行", sku="SH-03", p=0.15, day=6),
        R("有问题", sku="CS-09", p=0.12, day=9, dropdown="与描述不符"),
        R("", sku="TY-10", p=0.1, day=12),
        R("不好用", sku="MG-12", p=0.15, day=15),
        R("退款", sku="JK-04", p=0.2, day=18),
    )),
    Scenario("serial_seconds_refund", "abusive", "one buyer, four refund-only requests each within two minutes of sign-for", (
        R("质量问题", sku="EB-05", p=0.25, after="40s"),
        R("", sku="CS-09", p=0.1, after="90s", day=4),
        R("有质量问题", sku="SH-03", p=0.25, after="60s", day=8),
        R("质量问题", sku="BG-11", p=0.25, after="75s", day=12),
    )),
    Scenario("professional_tenfold", "abusive", "professional claimant demanding ten-fold compensation on several items", (
        R("标签不合规，按照食品安全法要求退一赔十", sku="SN-08", p=0.88, dropdown="与描述不符"),
        R("配料表标注不规范，要求十倍赔偿，否则向工商举报", sku="FR-07", p=0.9, dropdown="与描述不符", day=2),
        R("生产日期标注不清楚，要求假一赔十", sku="SN-08", p=0.86, dropdown="与描述不符", day=5),
    )),
    Scenario("threat_review_no_defect", "abusive", "threatens a bad review unless refund-only is granted, names no defect", (
        R("不同意仅退款就给你们差评，让大家都别买", sku="DR-02", p=0.86),
    )),
    Scenario("keep_goods_or_complain", "abusive", "wants the money and keeps the goods, with a complaint threat", (
        R("东西我不寄回了，直接给我退款吧，不然我就投诉", sku="CS-09", p=0.8),
    )),
    Scenario("used_up_serum", "abusive", "used the whole bottle, then refund-only three weeks later", (
        R("用完了一整瓶，没什么效果，要求退款", sku="CS-09", p=0.75, after="20d"),
    )),
    Scenario("worn_and_washed", "abusive", "worn several times and washed, returned as quality", (
        R("穿过几次也洗过了，现在不想要了，退货", sku="JK-04", rtype="return_refund", p=0.62, after="18d"),
    )),
    Scenario("shared_address_ring", "abusive", "three buyer ids with one address, refund-only on the dearest bag", (
        R("质量一般", sku="BG-11", p=0.2, buyer="b1", address="a1"),
        R("", sku="BG-11", p=0.1, buyer="b2", address="a1", day=1),
        R("不满意", sku="BG-11", p=0.2, buyer="b3", address="a1", day=2),
    )),
    Scenario("orders_all_returned", "abusive", "every order this buyer placed comes back refund-only", (
        R("", sku="EB-05", p=0.1, after="6h"),
        R("不想要", sku="SH-03", p=0.1, day=3, after="5h"),
        R("", sku="CS-09", p=0.1, day=6, after="3h"),
        R("有瑕疵吧", sku="DR-02", p=0.15, day=9, after="8h", dropdown="做工粗糙/有瑕疵"),
        R("", sku="TY-10", p=0.1, day=12, after="2h"),
    ), orders_per_buyer={"b1": 5}),
    Scenario("ate_then_extort", "abusive", "finished the food, then demands money under threat of exposure", (
        R("东西都吃完了，要求赔偿500元，否则就去网上曝光你们", sku="SN-08", p=0.93, after="6d"),
    )),
    Scenario("quality_dropdown_buyer_side_serial", "abusive", "four quality claims whose words are all buyer-side reasons", (
        R("拍错了，不想要了", sku="TS-01", p=0.1, after="3min"),
        R("不喜欢这个颜色", sku="DR-02", p=0.1, day=4, after="5min"),
        R("买多了", sku="MG-12", p=0.1, day=7, after="4min"),
        R("家里已经有了，不需要", sku="TY-10", p=0.1, day=10, after="2min"),
    )),
    Scenario("template_ring_shared_address", "abusive", "six accounts, near-identical text, three of them on one address", (
        R("商品与描述严重不符，质量太次了，我要求仅退款处理", sku="JK-04", p=0.45, buyer="b1", address="a1"),
        R("商品与描述严重不符，质量太次了，要求仅退款处理！", sku="JK-04", p=0.45, buyer="b2", address="a1", day=1),
        R("商品与描述严重不符质量太次了，我要求仅退款处理", sku="JK-04", p=0.45, buyer="b3", address="a1", day=1),
        R("商品与描述严重不符，质量太次了，我要求仅退款。", sku="JK-04", p=0.45, buyer="b4", day=2),
        R("商品和描述严重不符，质量太次了，我要求仅退款处理", sku="JK-04", p=0.45, buyer="b5", day=3),
        R("商品与描述严重不符，质量太次了，我要求仅退款处理～", sku="JK-04", p=0.45, buyer="b6", day=3),
    )),
    Scenario("month_of_use_refund_only", "abusive", "a month of use, no fault, refund-only on an appliance", (
        R("用了一个月了，现在不想用了，退款", sku="BL-06", p=0.7, after="35d"),
    )),
    Scenario("repeat_threats", "abusive", "one buyer threatening on three separate returns", (
        R("不退款就投诉你们", sku="TS-01", p=0.8),
        R("赶紧退钱，不然差评", sku="MG-12", p=0.8, day=5),
        R("不给退就去12315举报", sku="TY-10", p=0.85, day=9),
    )),
    Scenario("silent_gang_shared_phone", "abusive", "five silent refund-only claims seconds after sign-for, one phone", (
        R("", sku="BL-06", p=0.05, buyer="b1", phone="p1", after="50s"),
        R("", sku="BL-06", p=0.05, buyer="b2", phone="p1", after="80s", day=1),
        R("", sku="BL-06", p=0.05, buyer="b3", phone="p1", after="30s", day=1),
        R("", sku="BL-06", p=0.05, buyer="b4", phone="p1", after="2min", day=2),
        R("", sku="BL-06", p=0.05, buyer="b5", phone="p1", after="70s", day=2),
    )),
    Scenario("opened_used_late_borderline", "abusive", "used for over two weeks, then a quality claim with no defect (borderline)", (
        R("拆开用了几天，还是不喜欢，质量也一般，退了", sku="EB-05", rtype="return_refund", p=0.45, after="16d"),
    )),
    Scenario("refund_only_keep_serial", "abusive", "buyer asks three times to keep the goods and get the money", (
        R("仅退款，东西就不退了", sku="FR-07", p=0.6),
        R("只退款不退货，谢谢", sku="SN-08", p=0.6, day=4),
        R("申请仅退款，货不退了", sku="MG-12", p=0.6, day=8),
    )),
    Scenario("compensation_no_defect_high_value", "abusive", "refund-only on a dear item plus compensation, no defect", (
        R("感觉不值这个价，要求退款并补偿我200元", sku="JK-04", p=0.78, dropdown="与描述不符"),
    )),
    # ------------------------------------------------------------ innocent
    Scenario("angry_real_defect", "innocent", "furious buyer whose shirt really came apart", (
        R("什么垃圾质量！！穿了一次就开线了，袖子还破了个洞，必须给差评！！", sku="TS-01", rtype="return_refund", p=0.45),
    )),
    Scenario("single_return_no_text", "innocent", "one quality return with no text", (
        R("", sku="DR-02", rtype="return_refund", p=0.05),
    )),
    Scenario("clear_defect_refund_only_dear", "innocent", "refund-only on an expensive item with a clear defect", (
        R("开机三分钟就黑屏，充电口松动，换了充电器也充不进电，客服同意仅退款", sku="BL-06", p=0.08),
    )),
    Scenario("repeat_buyer_real_defects", "innocent", "regular fruit buyer whose five claims all describe rotten fruit", (
        R("橙子有三个烂了，已拍照", sku="FR-07", p=0.04, photo="是"),
        R("这次有两个发霉，一箱里还有压烂的", sku="FR-07", p=0.04, day=7, photo="是"),
        R("果子不新鲜，表皮都蔫了", sku="FR-07", p=0.04, day=14),
        R("又有四个烂果，底下一层全坏了", sku="FR-07", p=0.05, day=21, photo="是"),
        R("坚果有哈喇味，好像过期了", sku="SN-08", p=0.05, day=28),
    ), orders_per_buyer={"b1": 12}),
    Scenario("short_generic_repeated", "innocent", "thirty buyers all write 不想要了", _rep(
        30, text="不想要了", dropdown="七天无理由退换货", rtype="return_refund", sku="TS-01", p=0.03)),
    Scenario("seven_day_phrase_repeated", "innocent", "twelve buyers write the same 7-day no-reason phrase", _rep(
        12, text="七天无理由退货", dropdown="七天无理由退换货", rtype="return_refund", sku="DR-02", p=0.03)),
    Scenario("fast_damage_on_open", "innocent", "opened the parcel minutes after delivery and found broken cups", (
        R("快递箱子压扁了，里面的杯子碎了两个", sku="MG-12", dropdown="商品少件/破损/污迹", p=0.05, after="4min"),
    )),
    Scenario("late_battery_failure", "innocent", "battery swelled after a month of use", (
        R("用了一个月电池就鼓包了，充不进电", sku="EB-05", rtype="return_refund", p=0.2, after="35d"),
    )),
    Scenario("family_shared_address", "innocent", "two family members at one address, both return for size", (
        R("偏小一码，穿不上", sku="SH-03", rtype="return_refund", buyer="b1", address="a1", dropdown="尺码拍错/不喜欢/效果不好"),
        R("鞋子太大了，掉跟", sku="SH-03", rtype="return_refund", buyer="b2", address="a1", day=3,
          dropdown="尺码拍错/不喜欢/效果不好"),
    )),
    Scenario("batch_defect_same_words", "innocent", "a bad batch: eight buyers write the same defect", _rep(
        8, text="收到就是坏的，开不了机", sku="EB-05", p=0.05, after="1d")),
    Scenario("logistics_threat", "innocent", "parcel lost for two weeks, buyer threatens a complaint", (
        R("快递半个月还没到，再不处理就投诉到12315", sku="JK-04", dropdown="快递一直未到", p=0.45, after=None),
    )),
    Scenario("buyer_side_quality_dropdown_single", "innocent", "one buyer picked a quality reason for a colour mistake", (
        R("拍错颜色了，不想要了", sku="TS-01", rtype="return_refund", p=0.05),
    )),
    Scenario("sizing_repeat_buyer", "innocent", "one buyer, three size returns", (
        R("偏小一码", sku="SH-03", rtype="return_refund", dropdown="大小尺寸与商品描述不符"),
        R("偏大，袖子太长", sku="JK-04", rtype="return_refund", dropdown="大小尺寸与商品描述不符", day=6),
        R("尺码不准，腰围小了", sku="DR-02", rtype="return_refund", dropdown="大小尺寸与商品描述不符", day=12),
    ), orders_per_buyer={"b1": 4}),
    Scenario("cancel_before_shipping", "innocent", "refund-only before the parcel shipped", (
        R("拍多了，还没发货就不要了", sku="MG-12", dropdown="多拍/拍错/不想要", p=0.02, after=None),
    )),
    Scenario("spoiled_food_ate_one", "innocent", "ate one nut and found mould", (
        R("吃了一个发现里面发霉了，剩下的都不敢吃了，要求退款", sku="SN-08", p=0.35),
    )),
    Scenario("vague_disappointment", "innocent", "disappointed buyer, no threat, no demand", (
        R("太失望了，再也不会来这家店买了", sku="DR-02", dropdown="其他", rtype="return_refund", p=0.3),
    )),
    Scenario("same_buyer_copy_paste", "innocent", "one buyer pastes the same defect text on three cups", (
        R("三个杯子都有裂纹，倒水就漏", sku="MG-12", p=0.04),
        R("三个杯子都有裂纹，倒水就漏", sku="MG-12", p=0.04),
        R("三个杯子都有裂纹，倒水就漏", sku="MG-12", p=0.04),
    )),
    Scenario("size_advice_repeated", "innocent", "six buyers give the same size advice", _rep(
        6, text="尺码偏小一码，建议拍大一码", sku="SH-03", rtype="return_refund", dropdown="大小尺寸与商品描述不符", p=0.03)),
    Scenario("counterfeit_suspicion_angry", "innocent", "suspects a fake, threatens a complaint", (
        R("这明显是假货，跟专柜的对比差太多了，不退款就投诉", sku="CS-09", dropdown="假冒品牌", p=0.5),
    )),
    Scenario("high_value_vague_single", "innocent", "one vague quality refund-only on a dear bag", (
        R("质量问题", sku="BG-11", p=0.1),
    )),
    Scenario("real_loss_compensation", "innocent", "leaking appliance damaged the floor; buyer asks for repair costs", (
        R("破壁机底座漏水，把木地板泡坏了，要求赔偿维修费", sku="BL-06", rtype="return_refund", p=0.55),
    )),
    Scenario("english_defective", "innocent", "Amazon buyer, defective earbuds", (
        R("Stopped working after two days, the left earbud has no sound", sku="EB-05", dropdown="DEFECTIVE",
          rtype="return_refund", p=0.03),
    )),
    Scenario("exchange_for_size", "innocent", "exchange for a bigger size", (
        R("换大一码", sku="TS-01", rtype="exchange", dropdown="尺码拍错/不喜欢/效果不好", p=0.02),
    )),
    Scenario("repeat_buyer_mixed_genuine", "innocent", "four returns, two for size, two for real defects", (
        R("偏大一号", sku="TS-01", rtype="return_refund", dropdown="大小尺寸与商品描述不符"),
        R("鞋底开胶了", sku="SH-03", rtype="return_refund", day=5),
        R("腰围太紧", sku="DR-02", rtype="return_refund", dropdown="大小尺寸与商品描述不符", day=10),
        R("拉链坏了，拉不上", sku="JK-04", rtype="return_refund", day=15),
    )),
    Scenario("used_word_innocent", "innocent", "'used once' because that is when the defect showed", (
        R("用过一次就发现漏电，手都麻了，太危险了", sku="BL-06", rtype="return_refund", p=0.25),
    )),
    # ------------------------------------------------------------ holdout
    # Written after the weights were frozen; reported separately.
    Scenario("h_extort_review_pay", "abusive", "asks to be paid for deleting a bad review", (
        R("给我补偿100块我就把差评删了，不然一直挂着", sku="SH-03", rtype="return_refund", p=0.85, dropdown="其他"),
    ), split="holdout"),
    Scenario("h_gang_fruit_template", "abusive", "four accounts, same long text, refund-only on fruit", (
        R("水果全部坏掉了，一个都不能吃，直接申请仅退款，不用退货了吧", sku="FR-07", p=0.4, buyer="b1", after="20min"),
        R("水果全部坏掉了，一个都不能吃，直接申请仅退款，不用退货了吧", sku="FR-07", p=0.4, buyer="b2", after="15min", day=1),
        R("水果全部坏掉了，一个都不能吃，直接申请仅退款，不用退货了吧", sku="FR-07", p=0.4, buyer="b3", after="30min", day=1),
        R("水果全部坏掉了，一个都不能吃，直接申请仅退款，不用退货了吧", sku="FR-07", p=0.4, buyer="b4", after="12min", day=2),
    ), split="holdout"),
    Scenario("h_serial_buyer_side_refund_only", "abusive", "five refund-only claims, every text buyer-side", (
        R("不想要了", sku="BG-11", p=0.1),
        R("不喜欢", sku="JK-04", p=0.1, day=5),
        R("买贵了", sku="BL-06", p=0.1, day=9),
        R("", sku="EB-05", p=0.1, day=12),
        R("不需要了", sku="CS-09", p=0.1, day=15),
    ), split="holdout"),
    Scenario("h_drank_then_refund", "abusive", "drank it all, quality claim, refund-only", (
        R("喝完了才发现口感不对，申请退款", sku="SN-08", p=0.7, after="9d"),
    ), split="holdout"),
    Scenario("h_worn_shoes_long", "abusive", "shoes worn for a month then returned as quality", (
        R("穿了一个月，不想穿了，退了吧", sku="SH-03", rtype="return_refund", p=0.55, after="32d"),
    ), split="holdout"),
    Scenario("h_shared_phone_pair_threat", "abusive", "two accounts on one phone, threats and refund-only", (
        R("不退款就天天打电话投诉", sku="BG-11", p=0.8, buyer="b1", phone="p1"),
        R("不给退我就去曝光", sku="BG-11", p=0.8, buyer="b2", phone="p1", day=2),
    ), split="holdout"),
    Scenario("h_seconds_refund_serial_dear", "abusive", "three refund-only requests within a minute of sign-for on dear items", (
        R("", sku="BL-06", p=0.05, after="30s"),
        R("质量不好", sku="BG-11", p=0.1, after="45s", day=6),
        R("", sku="JK-04", p=0.05, after="20s", day=11),
    ), split="holdout"),
    Scenario("h_borderline_single_no_defect", "abusive", "single refund-only quality claim naming no defect, weeks later (borderline)", (
        R("感觉一般，退了", sku="CS-09", p=0.35, after="17d"),
    ), split="holdout"),
    Scenario("h_angry_broken_threat", "innocent", "screaming buyer with a genuinely broken blender", (
        R("刀片转两下就断了！！！这种质量也敢卖？不给处理我就投诉！！", sku="BL-06", rtype="return_refund", p=0.55),
    ), split="holdout"),
    Scenario("h_repeat_defect_reporter", "innocent", "shop regular reporting real defects on four purchases", (
        R("耳机左边有电流声", sku="EB-05", rtype="return_refund", p=0.03),
        R("杯口有缺口，划嘴", sku="MG-12", p=0.03, day=6),
        R("积木少了三块，拼不起来", sku="TY-10", p=0.03, day=12, dropdown="商品少件/破损/污迹"),
        R("T恤洗一次就缩水严重", sku="TS-01", rtype="return_refund", p=0.03, day=20),
    ), split="holdout"),
    Scenario("h_common_phrase_many", "innocent", "twenty buyers write 买错了 / 拍错了", _rep(
        20, text="拍错了", dropdown="多拍/拍错/不想要", rtype="return_refund", sku="MG-12", p=0.02), split="holdout"),
    Scenario("h_fast_wrong_item", "innocent", "wrong item spotted right after delivery", (
        R("发错货了，我买的是黑色发来的是白色", sku="SH-03", dropdown="商家发错货", rtype="return_refund", p=0.03, after="3min"),
    ), split="holdout"),
    Scenario("h_late_fading", "innocent", "faded badly after weeks of washing", (
        R("洗了几次掉色严重，白衣服都染色了", sku="TS-01", rtype="return_refund", p=0.1, after="22d"),
    ), split="holdout"),
    Scenario("h_dear_refund_only_transit", "innocent", "dear bag crushed in transit, refund-only agreed", (
        R("外包装破损，包包被压变形了，有照片", sku="BG-11", p=0.05, photo="是"),
    ), split="holdout"),
    Scenario("h_quality_dropdown_vague_two", "innocent", "two unrelated buyers with vague quality claims", (
        R("质量有问题", sku="DR-02", rtype="return_refund", buyer="b1", p=0.1),
        R("东西有问题", sku="TY-10", rtype="return_refund", buyer="b2", p=0.1),
    ), split="holdout"),
    Scenario("h_couple_shared_phone_genuine", "innocent", "couple sharing one phone, real defects", (
        R("屏幕有坏点", sku="EB-05", rtype="return_refund", buyer="b1", phone="p1"),
        R("拉链头掉了", sku="JK-04", rtype="return_refund", buyer="b2", phone="p1", day=4),
    ), split="holdout"),
)


# ---------------------------------------------------------------------------
# Background: ordinary returns the scenarios sit in
# ---------------------------------------------------------------------------
_BG_DEFECT = ("开线了", "有个破洞", "起球严重", "洗了一次就掉色", "有股刺鼻的味道", "鞋底开胶", "拉链坏了",
              "充不进电", "左耳没声音", "有杂音", "漏水", "杯子上有裂纹", "橙子烂了好几个", "坚果受潮发软",
              "用了两天过敏发红", "少发了一个配件", "颜色和图片差别很大", "发错颜色了", "包装压坏了",
              "做工粗糙线头很多", "缩水了一大截", "积木缺了几块", "按键失灵", "有明显划痕")
_BG_TAIL = ("", "", "，麻烦处理一下", "，请尽快退款", "，已经拍照了", "，希望改进", "，挺失望的", "，第一次买就这样")
_BG_SIZE = ("偏小", "偏大", "小了一码", "太紧了", "尺码不准", "裤子太长", "鞋子挤脚", "腰围大了")
_BG_MIND = ("不想要了", "拍错了", "买多了", "不喜欢", "降价了", "不合适", "家里有了", "")
_DEFECT_DROPDOWN = ("质量问题", "做工粗糙/有瑕疵", "商品功能缺失或故障", "颜色/款式/图案与描述不符", "商品少件/破损/污迹")


def _background(n: int = 500, seed: int = 7) -> list[dict]:
    rng = np.random.default_rng(seed)
    skus = list(CATALOGUE)
    rows = []
    for i in range(n):
        sku = skus[rng.integers(len(skus))]
        kind = rng.choice(["defect", "size", "mind", "empty"], p=[0.45, 0.25, 0.22, 0.08])
        if kind == "defect":
            text = _BG_DEFECT[rng.integers(len(_BG_DEFECT))] + _BG_TAIL[rng.integers(len(_BG_TAIL))]
            dropdown = _DEFECT_DROPDOWN[rng.integers(len(_DEFECT_DROPDOWN))]
        elif kind == "size":
            text = _BG_SIZE[rng.integers(len(_BG_SIZE))]
            dropdown = "大小尺寸与商品描述不符"
        elif kind == "mind":
            text = _BG_MIND[rng.integers(len(_BG_MIND))]
            dropdown = ("七天无理由退换货", "多拍/拍错/不想要", "尺码拍错/不喜欢/效果不好")[rng.integers(3)]
        else:
            text = ""
            dropdown = ("质量问题", "七天无理由退换货", "其他")[rng.integers(3)]
        cheap = CATALOGUE[sku][1] < 100
        rtype = "refund_only" if (cheap and rng.random() < 0.6) or rng.random() < 0.15 else "return_refund"
        after = None if rng.random() < 0.06 else f"{int(rng.integers(2, 24 * 9))}h"
        buyer = f"bg{int(rng.integers(0, int(n * 0.9)))}"  # some buyers return twice
        rows.append(dict(
            scenario="background", label="background", split="background",
            r=R(text=text, dropdown=dropdown, rtype=rtype, sku=sku, p=float(rng.uniform(0.01, 0.2)), after=after,
                buyer=buyer, phone=f"ph-{buyer}" if rng.random() < 0.7 else None,
                address=f"ad-{buyer}" if rng.random() < 0.7 else None,
                photo=("是" if kind == "defect" and rng.random() < 0.6 else "否"),
                day=int(rng.integers(0, 40))),
        ))
    return rows


def _after(spec: str | None) -> pd.Timedelta | None:
    return None if spec is None else pd.Timedelta(spec)


def _derive_reason(r: R) -> str:
    if r.reason:
        return r.reason
    from diagnose.risk import text_features  # local import: risk imports nothing from here

    f = text_features(pd.Series([r.text])).iloc[0]
    if r.p >= 0.5 and not f["cue_defect"]:
        return "malicious"
    if f["cue_defect"]:
        return "quality"
    if f["cue_sizing"]:
        return "sizing"
    if f["cue_buyer_side"]:
        return "changed_mind"
    if not r.text:
        return taxonomy.dropdown_label(r.dropdown) or "other"
    return "other"


def build_frame(scenarios: tuple[Scenario, ...] = SCENARIOS, *, background: int = 500) -> pd.DataFrame:
    """The tagged table of background + scenario returns, with label columns."""
    items: list[dict] = _background(background) if background else []
    for sc in scenarios:
        for r in sc.returns:
            items.append(dict(scenario=sc.key, label=sc.label, split=sc.split,
                              r=R(**{**r.__dict__, "buyer": f"{sc.key}:{r.buyer}",
                                     "phone": f"{sc.key}:{r.phone}" if r.phone else None,
                                     "address": f"{sc.key}:{r.address}" if r.address else None})))
    recs = []
    for i, it in enumerate(items, start=1):
        r: R = it["r"]
        title, price, _cat = CATALOGUE[r.sku]
        signed = T0 + pd.Timedelta(days=r.day) + pd.Timedelta(minutes=37 * (i % 11))
        delta = _after(r.after)
        applied = signed + delta if delta is not None else signed - pd.Timedelta(hours=30)
        dd = taxonomy.dropdown_label(r.dropdown)
        reason = _derive_reason(r)
        recs.append({
            "return_id": f"AS{240000000 + i}",
            "order_id": f"OD{880000000 + i}",
            "sku": r.sku,
            "product_id": f"P{r.sku}",
            "product_title": title,
            "platform_reason": r.dropdown,
            "buyer_text": r.text,
            "return_type": r.rtype,
            "amount": float(r.amount if r.amount is not None else price),
            "applied_at": applied,
            "signed_at": signed if delta is not None else pd.NaT,
            "buyer_id": _h(r.buyer),
            "status": "同意退款，退款成功",
            "quantity": 1.0,
            "shop": "示例旗舰店",
            "platform": "douyin",
            "source_file": "risk_scenarios",
            "source_row": i + 1,
            "row_issues": "",
            "收货人手机": _h(r.phone, "phone") if r.phone else "",
            "收货地址": _h(r.address, "addr") if r.address else "",
            "是否已上传退款凭证": r.photo or "否",
            "reason": reason,
            "reason_zh": taxonomy.label_name(reason, "zh"),
            "sub_reason": "unspecified",
            "confidence": 0.8,
            "evidence": "",
            "needs_review": False,
            "reason_conflict": bool(dd is not None and dd != reason),
            "dropdown_label": dd if dd is not None else pd.NA,
            "p_malicious": r.p,
            "scenario": it["scenario"],
            "label": it["label"],
            "split": it["split"],
        })
    df = pd.DataFrame(recs)
    df["applied_at"] = pd.to_datetime(df["applied_at"])
    df["signed_at"] = pd.to_datetime(df["signed_at"])
    return df


def build_orders(frame: pd.DataFrame, scenarios: tuple[Scenario, ...] = SCENARIOS, seed: int = 11) -> pd.DataFrame:
    """An order table: every returned order, plus unreturned orders per buyer.

    Scenario buyers get exactly `orders_per_buyer` orders where given,
    otherwise (like background buyers) returned orders + 1..6 unreturned.
    """
    rng = np.random.default_rng(seed)
    fixed = {_h(f"{sc.key}:{b}"): k for sc in scenarios for b, k in sc.orders_per_buyer.items()}
    base = frame[["order_id", "buyer_id", "sku", "amount"]].drop_duplicates("order_id")
    extra = []
    for buyer, grp in base.groupby("buyer_id", sort=False):
        want = fixed.get(buyer, len(grp) + int(rng.integers(1, 7)))
        for j in range(max(0, want - len(grp))):
            extra.append({"order_id": f"{buyer[:6]}-X{j}", "buyer_id": buyer, "sku": grp["sku"].iloc[0],
                          "amount": float(grp["amount"].iloc[0])})
    orders = pd.concat([base, pd.DataFrame(extra)], ignore_index=True)
    orders["quantity"] = 1.0
    return orders


def scenario_table() -> pd.DataFrame:
    """One row per scenario: key, label, split, number of returns, description."""
    return pd.DataFrame([{"scenario": s.key, "label": s.label, "split": s.split, "returns": len(s.returns),
                          "description": s.description} for s in SCENARIOS])
