"""The fixed vocabulary every output of the tool speaks.

Label keys never change: the corpus, the model file, reports, the dashboard
and the risk scoring all join on them. Display names come in Simplified
Chinese (the default UI language) and English.

Sub-reasons exist where they change *which fix* a merchant should make
(a shoe that runs small needs a size-chart note; one that runs large needs
the opposite), so each sub-reason carries the cue words that identify it and
the fix it points to.
"""
from __future__ import annotations

from dataclasses import dataclass, field

LABELS: tuple[str, ...] = (
    "sizing",
    "quality",
    "mismatch",
    "logistics",
    "changed_mind",
    "malicious",
    "other",
)

LABEL_ZH: dict[str, str] = {
    "sizing": "尺码问题",
    "quality": "质量问题",
    "mismatch": "与描述不符",
    "logistics": "物流问题",
    "changed_mind": "买家原因",
    "malicious": "疑似恶意退款",
    "other": "其他",
}

LABEL_EN: dict[str, str] = {
    "sizing": "Sizing",
    "quality": "Quality",
    "mismatch": "Not as described",
    "logistics": "Logistics",
    "changed_mind": "Changed mind",
    "malicious": "Suspected malicious",
    "other": "Other",
}


@dataclass(frozen=True)
class SubReason:
    """A finer cause inside one label, with the words that reveal it."""

    key: str
    label: str
    zh: str
    en: str
    cues: tuple[str, ...] = field(default_factory=tuple)


# Order matters inside a label: the first sub-reason whose cue appears wins,
# so more specific cues come before broader ones.
SUB_REASONS: tuple[SubReason, ...] = (
    # sizing
    SubReason("too_small", "sizing", "偏小", "Runs small", (
        "偏小", "太小", "小了", "穿不上", "穿不进", "太紧", "紧了", "勒", "挤脚", "夹脚",
        "顶脚", "小一码", "小一号", "小半码", "码小", "短了", "太短", "憋", "扣不上",
        "拉不上", "too small", "tight", "small",
    )),
    SubReason("too_large", "sizing", "偏大", "Runs large", (
        "偏大", "太大", "大了", "太松", "松了", "掉跟", "大一码", "大一号", "大半码", "码大",
        "太长", "长了", "肥", "宽松过头", "空荡", "too large", "too big", "loose", "big",
    )),
    SubReason("fit", "sizing", "版型/尺码不准", "Fit or size chart off", (
        "版型", "尺码不准", "尺码表", "码数不对", "不合身", "不合脚", "尺寸不对", "不标准",
    )),
    # quality
    SubReason("spoiled", "quality", "变质/不新鲜", "Spoiled or not fresh", (
        "变质", "发霉", "霉", "腐烂", "烂了", "烂果", "坏果", "不新鲜", "馊", "臭了", "过期",
        "发酸", "化了", "蔫", "虫", "expired", "rotten", "moldy",
    )),
    SubReason("odor", "quality", "异味", "Bad smell", (
        "异味", "味道大", "味道很大", "刺鼻", "臭", "甲醛", "胶味", "塑料味", "smell", "odor",
    )),
    SubReason("skin_reaction", "quality", "过敏/刺激", "Skin or scalp reaction", (
        "过敏", "红肿", "长痘", "闷痘", "刺痛", "发痒", "头皮痒", "烂脸", "起疹", "辣眼睛",
        "rash", "allergic",
    )),
    SubReason("malfunction", "quality", "故障/不工作", "Broken or not working", (
        "坏了", "坏的", "不工作", "不能用", "用不了", "无法使用", "死机", "黑屏", "卡顿", "重启",
        "开不了机", "开不机", "充不进", "不充电", "充不了电", "耗电", "掉电", "续航", "发烫",
        "发热", "烫手", "没反应", "失灵", "故障", "断连", "杂音", "电流声", "漏水", "漏电",
        "不出水", "不加热", "不制冷", "噪音", "异响", "连不上", "断网", "不亮", "闪屏",
        "defective", "doesn't work", "does not work", "stopped working", "broken",
    )),
    SubReason("workmanship", "quality", "开线/破洞/做工差", "Seams, holes, workmanship", (
        "开线", "脱线", "线头", "破洞", "有洞", "走线", "做工", "开胶", "脱胶", "断底", "掉漆",
        "毛刺", "瑕疵", "污渍", "脏", "划痕", "裂", "断了", "掉了", "粗糙", "歪", "墨迹",
        "印刷模糊", "缺页", "错页", "倒装", "stitching", "hole", "scratch",
    )),
    SubReason("pilling_fading", "quality", "起球/掉色/缩水", "Pilling, fading, shrinking", (
        "起球", "掉色", "褪色", "染色", "串色", "缩水", "变形", "掉毛", "起皱", "勾丝",
        "pilling", "faded", "shrank",
    )),
    SubReason("poor_material", "quality", "材质差", "Poor material", (
        "材质差", "面料差", "质量差", "质量不好", "很薄", "太薄", "劣质", "廉价", "手感差",
        "不耐用", "一次性", "cheap", "flimsy",
    )),
    # mismatch
    SubReason("counterfeit", "mismatch", "假货/翻新", "Counterfeit or used", (
        "假货", "假的", "不是正品", "非正品", "仿品", "高仿", "山寨", "盗版", "翻新", "二手",
        "被用过", "有人用过", "拆封过", "激活过", "fake", "counterfeit", "used item", "refurbished",
    )),
    SubReason("wrong_item", "mismatch", "发错货", "Wrong item sent", (
        "发错", "寄错", "错发", "发成", "发来", "给我发", "不是我买的", "不是我拍的", "型号不对",
        "颜色不对", "款式不对", "wrong item", "wrong size sent", "wrong color sent",
    )),
    SubReason("missing_parts", "mismatch", "少件/漏发", "Missing parts", (
        "少件", "漏发", "少发", "少了", "缺件", "缺少", "没有配件", "没配", "少一个", "少一件",
        "缺斤少两", "分量不足", "不够重", "短斤", "空盒", "missing",
    )),
    SubReason("color_difference", "mismatch", "色差", "Colour difference", (
        "色差", "颜色差", "颜色不一样", "颜色跟图", "颜色和图", "颜色深", "颜色浅", "偏色",
        "发黄", "color difference", "colour",
    )),
    SubReason("not_as_pictured", "mismatch", "与描述/图片不符", "Not as pictured or described", (
        "不符", "不一致", "货不对板", "实物", "图片", "买家秀", "卖家秀", "描述", "宣传",
        "参数", "材质", "成分", "not as described", "not as pictured",
    )),
    # logistics
    SubReason("damaged_in_transit", "logistics", "运输破损", "Damaged in transit", (
        "压坏", "压扁", "摔坏", "碎了", "破损", "外包装", "箱子", "漏了", "洒了", "挤烂",
        "damaged", "crushed",
    )),
    SubReason("lost", "logistics", "未收到/丢件", "Lost or never received", (
        "没收到", "未收到", "收不到", "丢件", "丢了", "没到", "被签收", "冒签", "签收了没",
        "never arrived", "not received", "lost",
    )),
    SubReason("slow", "logistics", "物流慢", "Slow delivery", (
        "慢", "几天了", "还没发", "不发货", "迟迟", "延迟", "超时", "等了", "停滞", "不动",
        "slow", "late", "delayed",
    )),
    SubReason("courier_service", "logistics", "快递服务", "Courier service", (
        "快递员", "不送上门", "送货上门", "驿站", "态度", "courier",
    )),
    # changed_mind
    SubReason("ordered_wrong", "changed_mind", "拍错/多拍", "Ordered by mistake", (
        "拍错", "买错", "选错", "下错", "点错", "多拍", "买多了", "重复下单", "拍多",
        "ordered wrong", "by mistake",
    )),
    SubReason("price", "changed_mind", "降价/别处更便宜", "Price dropped or cheaper elsewhere", (
        "降价", "便宜", "差价", "价保", "买贵", "贵了", "优惠", "cheaper", "price",
    )),
    SubReason("not_needed", "changed_mind", "不需要了", "No longer needed", (
        "不需要", "用不上", "不想要", "不要了", "家里有", "送人", "已经买", "已经有",
        "no longer need", "don't need",
    )),
    SubReason("dislike", "changed_mind", "不喜欢", "Doesn't like it", (
        "不喜欢", "不好看", "不适合", "不合适", "效果不好", "不搭", "显黑", "显胖", "难看",
        "don't like", "didn't like",
    )),
    # malicious
    SubReason("threat", "malicious", "威胁差评/投诉", "Threatens bad review or complaint", (
        "差评", "投诉你", "曝光", "举报你", "12315", "工商", "走着瞧", "给你好看",
    )),
    SubReason("compensation_demand", "malicious", "索要赔偿", "Demands compensation", (
        "赔偿", "赔我", "三倍", "十倍", "假一赔", "退一赔", "补偿", "赔钱", "compensation",
    )),
    SubReason("used_then_refund", "malicious", "用后/吃完再退", "Refund after use", (
        "吃完", "吃了", "用完", "用过", "穿过", "穿了", "洗过", "喝完", "用了一个月", "拆了",
    )),
    SubReason("refund_without_return", "malicious", "仅退款不退货", "Refund without return", (
        "仅退款", "只退款", "不退货", "不寄回", "不退回", "东西不退",
    )),
    # other
    SubReason("service", "other", "服务态度", "Service attitude", (
        "客服", "态度", "不回复", "不理人", "售后", "安装师傅", "安装费", "服务", "service",
    )),
    SubReason("invoice", "other", "发票问题", "Invoice", ("发票", "invoice")),
    SubReason("value", "other", "性价比", "Value for money", (
        "性价比", "不值", "不划算", "太贵", "价格高", "value",
    )),
)

SUB_REASON_BY_KEY: dict[str, SubReason] = {s.key: s for s in SUB_REASONS}
UNSPECIFIED = "unspecified"
UNSPECIFIED_ZH = "未细分"
UNSPECIFIED_EN = "Unspecified"


def sub_reasons_for(label: str) -> tuple[SubReason, ...]:
    """The sub-reasons of one label, in priority order."""
    return tuple(s for s in SUB_REASONS if s.label == label)


def sub_reason_name(key: str, lang: str = "zh") -> str:
    """Display name of a sub-reason key; unknown keys show as unspecified."""
    sub = SUB_REASON_BY_KEY.get(key)
    if sub is None:
        return UNSPECIFIED_ZH if lang == "zh" else UNSPECIFIED_EN
    return sub.zh if lang == "zh" else sub.en


def label_name(label: str, lang: str = "zh") -> str:
    """Display name of a label key in the chosen UI language."""
    table = LABEL_ZH if lang == "zh" else LABEL_EN
    return table.get(label, label)


# ---------------------------------------------------------------------------
# Platform dropdown reasons -> label. Matched after normalisation, by
# substring, most specific first. A dropdown reason is evidence, not truth.
# ---------------------------------------------------------------------------
DROPDOWN_RULES: tuple[tuple[str, str], ...] = (
    # Amazon reason codes (upper-case, matched case-insensitively)
    ("apparel_too_small", "sizing"),
    ("apparel_too_large", "sizing"),
    ("app-too-small", "sizing"),
    ("app-too-large", "sizing"),
    ("apparel_style", "changed_mind"),
    ("did_not_like", "changed_mind"),
    ("quality_unacceptable", "quality"),
    ("defective", "quality"),
    ("not_as_described", "mismatch"),
    ("bad-desc", "mismatch"),
    ("missing_parts", "mismatch"),
    ("switcheroo", "malicious"),
    ("extra_item", "mismatch"),
    ("ordered_wrong_item", "changed_mind"),
    ("misordered", "changed_mind"),
    ("unwanted_item", "changed_mind"),
    ("found_better_price", "changed_mind"),
    ("unauthorized_purchase", "changed_mind"),
    ("not_compatible", "mismatch"),
    ("damaged_by_carrier", "logistics"),
    ("damaged_by_fc", "logistics"),
    ("missed_estimated_delivery", "logistics"),
    ("never_arrived", "logistics"),
    ("excessive_installation", "other"),
    ("no_reason_given", "other"),
    ("unknown_other_reason", "other"),
    # Chinese platform dropdowns
    ("尺码拍错", "changed_mind"),
    ("尺码", "sizing"),
    ("尺寸", "sizing"),
    ("大小", "sizing"),
    ("发错货", "mismatch"),
    ("少件", "mismatch"),
    ("漏发", "mismatch"),
    ("空包裹", "mismatch"),
    ("少货", "mismatch"),
    ("假冒", "mismatch"),
    ("与描述不符", "mismatch"),
    ("与商品描述不符", "mismatch"),
    ("描述不符", "mismatch"),
    ("材质", "mismatch"),
    ("颜色", "mismatch"),
    ("色差", "mismatch"),
    ("破损", "quality"),
    ("质量", "quality"),
    ("品质", "quality"),
    ("做工", "quality"),
    ("瑕疵", "quality"),
    ("故障", "quality"),
    ("功能", "quality"),
    ("效果不好", "changed_mind"),
    ("不喜欢", "changed_mind"),
    ("七天无理由", "changed_mind"),
    ("7天无理由", "changed_mind"),
    ("无理由", "changed_mind"),
    ("多拍", "changed_mind"),
    ("拍错", "changed_mind"),
    ("不想要", "changed_mind"),
    ("协商一致", "other"),
    ("快递", "logistics"),
    ("物流", "logistics"),
    ("未按约定时间发货", "logistics"),
    ("发货", "logistics"),
    ("未收到", "logistics"),
    ("没收到", "logistics"),
    ("其他", "other"),
    ("其它", "other"),
)

# Amazon reason codes -> the sub-reason they imply (matched like DROPDOWN_RULES,
# case-insensitively by substring). Used for English comments and code-only
# rows when the words name no sub-reason (diagnose.model.english).
AMAZON_CODE_SUB_REASONS: tuple[tuple[str, str], ...] = (
    ("apparel_too_small", "too_small"),
    ("app-too-small", "too_small"),
    ("apparel_too_large", "too_large"),
    ("app-too-large", "too_large"),
    ("apparel_style", "dislike"),
    ("did_not_like", "dislike"),
    ("defective", "malfunction"),
    ("missing_parts", "missing_parts"),
    ("switcheroo", "wrong_item"),
    ("ordered_wrong_item", "ordered_wrong"),
    ("misordered", "ordered_wrong"),
    ("unwanted_item", "not_needed"),
    ("found_better_price", "price"),
    ("damaged_by_carrier", "damaged_in_transit"),
    ("damaged_by_fc", "damaged_in_transit"),
    ("missed_estimated_delivery", "slow"),
    ("never_arrived", "lost"),
)

# Dropdown reasons that platforms count against the shop's quality score
# (品质退货率): the ones buyers pick to make the merchant pay shipping.
QUALITY_DROPDOWN_LABELS: frozenset[str] = frozenset({"quality", "mismatch"})


def dropdown_label(reason: object) -> str | None:
    """Map a platform dropdown reason to a label, or None if it says nothing."""
    if reason is None:
        return None
    text = str(reason).strip().lower()
    if not text or text in {"-", "nan", "none", "null"}:
        return None
    for cue, label in DROPDOWN_RULES:
        if cue in text:
            return label
    return None


# ---------------------------------------------------------------------------
# Suggested fixes, one per (label, sub-reason), with a generic fallback per
# label. Placeholders: {sku}, {share} (percent of the SKU's returns), {n},
# {total}.
# ---------------------------------------------------------------------------
FIXES_ZH: dict[tuple[str, str], str] = {
    ("sizing", "too_small"): "{sku}：{n}/{total} 条退货（{share}）说偏小 —— 在详情页标注“偏小，建议拍大一码”，并按实测更新尺码表。",
    ("sizing", "too_large"): "{sku}：{n}/{total} 条退货（{share}）说偏大 —— 在详情页标注“偏大，建议拍小一码”，并按实测更新尺码表。",
    ("sizing", "fit"): "{sku}：{n}/{total} 条退货（{share}）说尺码不准 —— 复核尺码表与实物，补充模特身高体重与试穿建议。",
    ("sizing", UNSPECIFIED): "{sku}：{n}/{total} 条退货（{share}）为尺码问题 —— 复核尺码表，加入试穿建议与客服尺码推荐。",
    ("quality", "workmanship"): "{sku}：{n}/{total} 条退货（{share}）提到开线/破洞/做工 —— 加强出厂质检，联系工厂整改该批次。",
    ("quality", "pilling_fading"): "{sku}：{n}/{total} 条退货（{share}）提到起球/掉色/缩水 —— 复核面料供应商，在详情页注明洗涤方式。",
    ("quality", "odor"): "{sku}：{n}/{total} 条退货（{share}）提到异味 —— 出库前通风散味，检查材料与包装。",
    ("quality", "malfunction"): "{sku}：{n}/{total} 条退货（{share}）提到故障/不工作 —— 抽检同批次，发货前通电测试，与供应商核对不良率。",
    ("quality", "spoiled"): "{sku}：{n}/{total} 条退货（{share}）提到变质/不新鲜 —— 缩短发货周期，加强冷链与分拣，剔除临期品。",
    ("quality", "skin_reaction"): "{sku}：{n}/{total} 条退货（{share}）提到过敏/刺激 —— 在详情页提示敏感肌先试用，核对成分说明。",
    ("quality", "poor_material"): "{sku}：{n}/{total} 条退货（{share}）说材质差 —— 评估用料，或调整标题与价格预期。",
    ("quality", UNSPECIFIED): "{sku}：{n}/{total} 条退货（{share}）为质量问题 —— 抽检库存，联系供应商排查。",
    ("mismatch", "color_difference"): "{sku}：{n}/{total} 条退货（{share}）说色差 —— 重拍自然光实物图，在详情页注明可能的色差。",
    ("mismatch", "wrong_item"): "{sku}：{n}/{total} 条退货（{share}）说发错货 —— 检查仓库拣货与商家编码，发货前扫码复核。",
    ("mismatch", "missing_parts"): "{sku}：{n}/{total} 条退货（{share}）说少件/漏发 —— 打包清单逐项核对，称重复核。",
    ("mismatch", "not_as_pictured"): "{sku}：{n}/{total} 条退货（{share}）说与描述/图片不符 —— 修改主图和详情页，使参数与实物一致。",
    ("mismatch", "counterfeit"): "{sku}：{n}/{total} 条退货（{share}）质疑假货/二手 —— 补充授权与检测报告，检查是否回收退货二次销售。",
    ("mismatch", UNSPECIFIED): "{sku}：{n}/{total} 条退货（{share}）说与描述不符 —— 对照实物核对详情页。",
    ("logistics", "damaged_in_transit"): "{sku}：{n}/{total} 条退货（{share}）为运输破损 —— 加固包装（气泡柱/加厚纸箱），向快递索赔。",
    ("logistics", "slow"): "{sku}：{n}/{total} 条退货（{share}）抱怨物流慢 —— 检查发货时效，考虑更换快递或就近仓发货。",
    ("logistics", "lost"): "{sku}：{n}/{total} 条退货（{share}）说未收到 —— 跟踪异常件，向快递公司追责。",
    ("logistics", "courier_service"): "{sku}：{n}/{total} 条退货（{share}）投诉快递服务 —— 向快递网点反馈，必要时更换快递。",
    ("logistics", UNSPECIFIED): "{sku}：{n}/{total} 条退货（{share}）为物流问题 —— 复核快递与包装。",
    ("changed_mind", "ordered_wrong"): "{sku}：{n}/{total} 条退货（{share}）为拍错/多拍 —— 优化规格选择页，下单后提示核对规格。",
    ("changed_mind", "price"): "{sku}：{n}/{total} 条退货（{share}）因降价/比价退货 —— 稳定价格，活动前后设置价保。",
    ("changed_mind", "dislike"): "{sku}：{n}/{total} 条退货（{share}）说不喜欢/不合适 —— 补充真实上身或使用效果图，减少期望落差。",
    ("changed_mind", UNSPECIFIED): "{sku}：{n}/{total} 条退货（{share}）为买家个人原因 —— 属正常无理由退货，关注是否被误选为质量原因。",
    ("malicious", UNSPECIFIED): "{sku}：{n}/{total} 条退货（{share}）疑似恶意退款 —— 复核证据，必要时向平台申诉。",
    ("other", "service"): "{sku}：{n}/{total} 条退货（{share}）提到客服/售后服务 —— 复盘客服话术与响应时效。",
    ("other", UNSPECIFIED): "{sku}：{n}/{total} 条退货（{share}）原因不明确 —— 抽查原文，补充详情页信息。",
}

FIXES_EN: dict[tuple[str, str], str] = {
    ("sizing", "too_small"): "{sku}: {n} of {total} returns ({share}) say it runs small — mark 'runs small, size up' and update the size chart from real measurements.",
    ("sizing", "too_large"): "{sku}: {n} of {total} returns ({share}) say it runs large — mark 'runs large, size down' and update the size chart.",
    ("sizing", "fit"): "{sku}: {n} of {total} returns ({share}) say the size chart is off — re-measure and add model height/weight and fit advice.",
    ("sizing", UNSPECIFIED): "{sku}: {n} of {total} returns ({share}) are about size — review the size chart and add fit advice.",
    ("quality", "workmanship"): "{sku}: {n} of {total} returns ({share}) mention seams, holes or workmanship — tighten factory QC on this batch.",
    ("quality", "pilling_fading"): "{sku}: {n} of {total} returns ({share}) mention pilling, fading or shrinking — review the fabric supplier and add care instructions.",
    ("quality", "odor"): "{sku}: {n} of {total} returns ({share}) mention a smell — air stock before shipping; check materials and packaging.",
    ("quality", "malfunction"): "{sku}: {n} of {total} returns ({share}) say it broke or does not work — test units before shipping; check the batch's defect rate.",
    ("quality", "spoiled"): "{sku}: {n} of {total} returns ({share}) say it arrived spoiled — ship faster, improve cold chain and sorting.",
    ("quality", "skin_reaction"): "{sku}: {n} of {total} returns ({share}) report a skin reaction — add a patch-test note and check ingredient labelling.",
    ("quality", "poor_material"): "{sku}: {n} of {total} returns ({share}) call the material poor — review materials or reset price expectations.",
    ("quality", UNSPECIFIED): "{sku}: {n} of {total} returns ({share}) are quality complaints — sample stock and raise it with the supplier.",
    ("mismatch", "color_difference"): "{sku}: {n} of {total} returns ({share}) mention colour difference — reshoot photos in daylight and note possible colour variance.",
    ("mismatch", "wrong_item"): "{sku}: {n} of {total} returns ({share}) say the wrong item was sent — audit warehouse picking and SKU codes; scan before packing.",
    ("mismatch", "missing_parts"): "{sku}: {n} of {total} returns ({share}) report missing parts — use a packing checklist and check weights.",
    ("mismatch", "not_as_pictured"): "{sku}: {n} of {total} returns ({share}) say it is not as pictured — fix the listing photos and specs to match the item.",
    ("mismatch", "counterfeit"): "{sku}: {n} of {total} returns ({share}) question authenticity — publish authorisation; check returned stock is not resold.",
    ("mismatch", UNSPECIFIED): "{sku}: {n} of {total} returns ({share}) say not as described — check the listing against the item.",
    ("logistics", "damaged_in_transit"): "{sku}: {n} of {total} returns ({share}) were damaged in transit — strengthen packaging and claim from the carrier.",
    ("logistics", "slow"): "{sku}: {n} of {total} returns ({share}) complain of slow delivery — check dispatch times or change carrier.",
    ("logistics", "lost"): "{sku}: {n} of {total} returns ({share}) never arrived — trace parcels and hold the carrier to account.",
    ("logistics", "courier_service"): "{sku}: {n} of {total} returns ({share}) complain about the courier — raise it with the carrier's depot.",
    ("logistics", UNSPECIFIED): "{sku}: {n} of {total} returns ({share}) are delivery problems — review carrier and packaging.",
    ("changed_mind", "ordered_wrong"): "{sku}: {n} of {total} returns ({share}) were ordered by mistake — make the variant picker clearer.",
    ("changed_mind", "price"): "{sku}: {n} of {total} returns ({share}) follow a price drop — keep prices stable or offer price protection.",
    ("changed_mind", "dislike"): "{sku}: {n} of {total} returns ({share}) say they don't like it — add real-life photos to close the expectation gap.",
    ("changed_mind", UNSPECIFIED): "{sku}: {n} of {total} returns ({share}) are buyer-side reasons — normal no-reason returns; watch for them filed as quality.",
    ("malicious", UNSPECIFIED): "{sku}: {n} of {total} returns ({share}) look like abusive refunds — review the evidence and appeal where warranted.",
    ("other", "service"): "{sku}: {n} of {total} returns ({share}) mention customer service — review response times and scripts.",
    ("other", UNSPECIFIED): "{sku}: {n} of {total} returns ({share}) give no clear reason — read the comments and fill gaps in the listing.",
}


def fix_template(label: str, sub_reason: str, lang: str = "zh") -> str:
    """The fix text for a cause, falling back to the label's generic fix."""
    table = FIXES_ZH if lang == "zh" else FIXES_EN
    return table.get((label, sub_reason)) or table[(label, UNSPECIFIED)]


RETURN_TYPES: dict[str, str] = {
    "refund_only": "仅退款",
    "return_refund": "退货退款",
    "exchange": "换货",
}


def normalise_return_type(value: object) -> str | None:
    """Map a platform's return-type wording to refund_only/return_refund/exchange."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if not text or text in {"-", "nan", "none"}:
        return None
    if "换" in text or "exchange" in text:
        return "exchange"
    if "仅退款" in text or "只退款" in text or "refund only" in text or "refund_only" in text:
        return "refund_only"
    if "退货" in text or "return" in text:
        return "return_refund"
    if text in {"否", "不需要", "no", "false", "0"}:  # 是否需要退货 = 否 → refund only
        return "refund_only"
    if text in {"是", "需要", "yes", "true", "1"}:
        return "return_refund"
    if "退款" in text or "refund" in text:
        return "refund_only"
    return None


# Evidence is a list of words per row; a dropdown reason that agrees with (or
# stands in for) the text is one item, marked with this prefix.
DROPDOWN_EVIDENCE_PREFIX = "下拉原因："
# How list-valued columns are joined when a table is written to a file.
LIST_SEPARATORS = {"evidence": "、", "risk_signals": ",", "skipped_signals": ","}
