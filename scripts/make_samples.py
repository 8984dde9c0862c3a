#!/usr/bin/env python3
"""Write the sample exports in `sample_data/` and the broken files in `tests/data/bad/`.

Deterministic: a fixed seed, no clock, no set iteration, fixed spreadsheet
and ZIP timestamps, so a re-run writes byte-identical files.

    python scripts/make_samples.py            # into the repository
    python scripts/make_samples.py --out DIR  # into DIR/sample_data and DIR/tests/data/bad

Files (each in its platform's own header spelling and encoding):

* ``douyin_aftersales.csv``  — Douyin 抖店 售后单, GB18030, the full header row
  from the platform, two title rows above it, tab-prefixed IDs and 商家编码,
  ``-`` for empty cells, money headers ending in （元）. Two optional columns
  are appended after the official ones: 签收时间 (sign-for time) and 用户昵称
  (buyer nickname), which the risk scoring needs. Five after-sales cases
  appear twice (an export taken while the case was updated); the later row
  is the current one.
* ``douyin_orders.csv``      — Douyin 订单明细 for the same orders/SKUs
  (GB18030); per-SKU return rates (returned ÷ sold units) run 5–30 %. An
  optional 用户昵称 column is appended so a buyer's orders can be counted.
* ``taobao_refunds.xlsx``    — 千牛 退款单 header, IDs as text cells, the
  application time as real Excel date cells, amounts as numbers.
* ``amazon_fba_returns.tsv`` — FBA customer returns, UTF-8, tab-separated,
  marketplace header spellings (Product-Name, fulfilment-centre-id), ISO
  dates with a time zone, reason codes, English comments.
* ``pdd_aftersales.csv``     — Pinduoduo after-sales with Chinese headers,
  UTF-8 with BOM, dates like 2024/5/1 12:03.
* ``jd_service_orders.csv``  — JD service orders, UTF-16 (Excel "Unicode
  text": tab-separated with a BOM), read through generic synonyms.

Patterns put in on purpose, for the reason report and the risk scorer:

* SKU skews: DR-2401 (dress) runs small (~40 % of its returns say 偏小),
  PC-1301 (phone case) has a colour difference, 0073102 (citrus gift box)
  arrives rotten, 0045001 (children's encyclopedia) draws 盗版 complaints,
  PT-2208 runs long, EP-2201 earbuds disconnect, TY-5001 blocks miss pieces.
* Abuse, by design: the buyers in ``SERIAL_REFUNDERS`` file many refund-only
  claims; ``TEMPLATE_TEXTS`` are pasted verbatim by different buyers; some
  refunds are filed within minutes of sign-for; some rows pick the dropdown
  质量问题 while the text says 不想要了 / 拍错了.
* Innocent look-alikes: angry buyers describing a real defect, a one-off
  refund-only on a cheap cable, fresh fruit reported rotten minutes after
  sign-for (opened at the door).
* About 15 % of rows have no free text.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import random
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20240527
ROOT = Path(__file__).resolve().parents[1]
START = dt.datetime(2024, 3, 1, 8, 0, 0)   # first order
ORDER_DAYS = 80                             # orders over ~11.5 weeks
EXPORT_TIME = dt.datetime(2024, 5, 28, 9, 15, 2)
FIXED_ZIP_TIME = (2024, 5, 28, 9, 15, 2)

SERIAL_REFUNDERS = ("星河不打烊", "tb2297431_88", "用户5820931")
TEMPLATE_TEXTS = (
    "收到的商品与描述严重不符，质量很差，要求全额退款，否则投诉到平台。",
    "商品存在质量问题，申请仅退款，请商家尽快处理，谢谢配合。",
)

# ---------------------------------------------------------------------------
# Buyer texts, written for these samples. Blocks: "## label|sub|tags".
# A tag is a category (apparel shoes electronics beauty fresh home books toys
# baby), a product kind (Product.kinds: mango, earbuds, dress, legs …), or *
# for a line that fits any product. A product draws only lines whose tags
# include its category or one of its kinds, so a citrus gift box never reads
# "rice has bugs". Placeholders: {size} (the size bought), {height}, {hw}
# (height/weight such as "160/100斤").
# ---------------------------------------------------------------------------
TEXT_POOL = """
## sizing|small|wear
衣服偏小，平时穿{size}的这个{size}根本穿不上
穿上绷得紧紧的，肚子那里特别明显
这码数也太小了吧，跟我别的衣服同码差一大截
穿不进去，尺码明显偏小
平时穿{size}，这件{size}穿着像小一码，偏小
{hw}按尺码表拍的{size}，结果小了一码
{height}的我穿{size}都勒，偏小得厉害
## sizing|small|waist
腰围太小了，拉链拉不上去
## sizing|small|apparel
尺码偏小一码，建议商家在详情页写清楚
小了小了，想换大一号，直接退了重拍
偏小！！！买大一码都还是紧
## sizing|small|upper
按尺码表买的还是小，胳膊那里勒得慌
太紧了 肩膀抬不起来
腋下紧得不行，抬手就感觉要崩线
穿上憋得慌，喘不过气来
胸围小了，穿上全是横褶
背后绷得很，一抬手就紧
## sizing|small|buttoned
胸围太小，扣子扣不上
## sizing|small|top
长度短了，坐下来就露腰
## sizing|small|longsleeve
袖子太短，手腕露一截
## sizing|small|legs
裤腰小一号，蹲下来勒肚子
## sizing|small|men,unisex
太小了 我老公穿不了
## sizing|small|pullover
领口太紧，套头的时候卡脑袋
## sizing|small|dress
裙子腰那里太小了，吸着气才扣上
## sizing|small|women
码偏小 肉肉的姐妹一定拍大一码
## sizing|small|hat
帽子偏小，头围58的戴着勒脑门
帽围太小，戴一会儿额头勒出印子
## sizing|small|shoes
鞋子偏小半码，大脚趾顶得疼
挤脚，走两步就磨脚后跟
鞋码偏小，平时{size}这双{size}穿不进
夹脚 脚背那里特别紧
这个鞋真的小 建议大家买大一码
脚宽的别买，偏小偏窄
码数偏小，换货麻烦直接退了
## sizing|small|closed
鞋头太窄了顶脚
后跟太紧了，磨出两个血泡
平时穿{size}码的，{size}穿着顶脚趾
## sizing|small|kids
小了一码，孩子穿着喊脚疼
## sizing|large|upper
偏大，整个人像套了个麻袋
肩线都掉到胳膊上了，码偏大
衣服肥得很，显得人很壮
## sizing|large|wear
太大了，买的{size}跟别家大一码一样
大了一码，穿着空荡荡的
{hw}按身高体重选的{size}，结果大了不少
太宽松了，不是我想要的修身效果
## sizing|large|legs
腰围大了一圈，要系皮带才行
裤子太长了，拖地
裤腰松垮垮的，一走路就往下掉
裤长太长了，{height}穿着还要挽两道
## sizing|large|longsleeve
袖子长出一截，盖住手了
## sizing|large|apparel
码子偏大，建议拍小一号
大了！！！换小一码
## sizing|large|hat
帽子太大了，风一吹就掉
## sizing|large|shoes
鞋子偏大，走路掉跟
鞋码偏大半码，脚在里面晃
## sizing|large|laced
太松了，鞋带系最紧都不跟脚
## sizing|large|closed
大了一码，塞了鞋垫还是大
偏大，穿着像拖鞋一样
## sizing|fit|dress
版型很奇怪，腰线位置不对
不合身，肩宽合适但是腰那里很紧
## sizing|fit|apparel
尺码表和实物对不上，量了一下差了好几厘米
尺码不准，同一个码两件大小都不一样
## sizing|fit|legs
裤长合适但是大腿那里卡住了，版型不行
## sizing|fit|top
上衣短下摆宽，版型不适合我
尺码表写的衣长68，实际量才62
## sizing|fit|upper
码数不对劲，上身不伦不类
## sizing|fit|shoes
不合脚，脚背高的穿着难受
同样是{size}码，左脚合适右脚挤，尺码不准
## sizing|fit|closed
鞋楦太窄，尺码不标准
## quality|pilling_fading|pill
洗了一次就起球了，质量太差
起球起得跟穿了三年一样
## quality|pilling_fading|washable
第一次洗就掉色，把别的衣服都染了
## quality|pilling_fading|wear
缩水严重，洗完小了一圈
## quality|pilling_fading|pullover
领口洗完变形了，松松垮垮
## quality|pilling_fading|knit,down
掉毛严重，穿一天身上全是毛
## quality|pilling_fading|woven
起皱起得厉害，熨都熨不平
## quality|pilling_fading|knit,jacket
无语！！！洗一次缩水两个码，袖子短了一大截
## quality|pilling_fading|down
羽绒服跑绒，黑裤子上全是白毛
## quality|pilling_fading|knit
毛衣一穿就起球，胳膊下面全是小球球
## quality|pilling_fading|hat
帽子洗了一次就褪色发白
## quality|workmanship|apparel
线头特别多，还有一处开线
收到就有一块污渍，洗不掉
## quality|workmanship|upper
袖子缝线开了，穿了一天就开线
## quality|workmanship|wear
衣服上有个小洞，不知道是不是本来就有
## quality|workmanship|zip
拉链坏了，拉两下就卡住
## quality|workmanship|buttoned
扣子掉了一颗，做工太粗糙
## quality|workmanship|dress
裙摆走线是歪的
## quality|workmanship|legs
裤子裆部开线了，尴尬死了
松紧带没弹性了才穿两次
## quality|workmanship|tee
印花一洗就裂了
## quality|workmanship|jacket,down
做工不行，内衬都是歪的
## quality|workmanship|hat
帽檐的缝线歪歪扭扭，还有线头
## quality|poor_material|woven
面料很薄，透光，跟几十块的地摊货一样
## quality|poor_material|wear
面料扎人，穿着浑身痒
说实话这个价位不该是这种面料，太薄了
## quality|poor_material|apparel
质量差到离谱，手感很廉价
## quality|odor|apparel
有股很重的味道，晾了三天还有
一打开快递一股刺鼻的化学味
## quality|workmanship|shoes
开胶了，才穿一个星期
鞋底断了，走路咯吱响
鞋面有划痕，做工差
鞋垫脱胶，走路往前跑
鞋跟那里裂开了
鞋底有胶水印，脏兮兮的
垃圾！！！鞋底穿一周就断了，走路差点摔倒，你们自己看看照片
## quality|workmanship|laced
鞋带孔脱线，质量不行
## quality|workmanship|closed
鞋面折痕处起皮了，质量太差
## quality|odor|shoes
一股刺鼻的胶味，熏得头疼
鞋子味道很大，放阳台两天还是臭
## quality|malfunction|shoes
走路有异响，每一步都吱吱叫
穿了两天鞋底就磨平了，防滑纹都没了
## quality|malfunction|powerbank
充电宝充不进电，插上没反应
## quality|malfunction|earbuds
耳机左耳没声音
耳机有电流声，滋滋的
降噪一开就有底噪，嗡嗡响
我真的服了，耳机左耳完全没声音，换了三台手机都一样
右边耳机充不进电，盒子灯一直闪
## quality|malfunction|bluetooth
蓝牙老是断连，隔一会就断
连不上手机，试了好几次配对都失败
## quality|malfunction|device
用了三天就开不了机
用了一个星期充电口就松了
充一晚上还是充不满
## quality|malfunction|watch
屏幕有坏点，还闪屏
手表续航很差，半天就没电
死机，一直重启
黑屏了，怎么按都没反应
气死我了！！刚用两天屏幕就黑了，充电也没反应，什么垃圾质量！！
表带扣坏了，戴着戴着就掉
## quality|malfunction|cable
数据线接触不良，要扭着角度才能充
## quality|malfunction|powerbank,watch,cable
充电的时候发烫，烫手，不敢用
## quality|malfunction|keyboard
键盘有几个键失灵
键盘连击，打一个字母出来三个
## quality|malfunction|device,keyboard
收到就是坏的，通电没反应
## quality|malfunction|powerbank,watch
电池鼓包了，太吓人了
## quality|malfunction|watch,keyboard
按键不灵敏，按好几下才有反应
## quality|malfunction|keyboard,cable
插上电脑识别不了
## quality|workmanship|phonecase
手机壳边缘有毛刺，刮手
壳子装上去四个角就裂了
## quality|workmanship|cable
数据线外皮没几天就裂开了
## quality|workmanship|watch
表盘有划痕，明显做工粗糙
## quality|workmanship|keyboard
键帽印刷歪了，还有一个掉漆
## quality|workmanship|earbuds
充电仓盖子合不上，做工粗糙
## quality|workmanship|powerbank
充电宝外壳接缝很大，捏着咯吱响
## quality|poor_material|phonecase
壳子软塌塌的，很廉价的感觉
## quality|poor_material|cable
用料太差了，线材细得像头发
## quality|skin_reaction|face
用了两天脸上起红疹，过敏了
过敏体质慎买，我用完脸肿了
## quality|skin_reaction|cream,sunscreen
擦完脸刺痛，发红
闷痘，用完下巴长了一堆痘
## quality|skin_reaction|shampoo
洗完头皮特别痒
## quality|skin_reaction|sunscreen,shampoo
用了辣眼睛，眼泪直流
## quality|skin_reaction|mask
敷完面膜脸又红又烫
## quality|skin_reaction|lipstick
涂完嘴唇发痒起皮
## quality|spoiled|cream
面霜有一股怪味，像是变质了
## quality|spoiled|cream,sunscreen,lipstick
膏体分层了，出油
## quality|spoiled|cream,lipstick
打开就是一股哈喇味，是不是过期了
## quality|workmanship|lipstick
口红断了，拧出来就断
## quality|workmanship|shampoo
泵头坏的，按不出来
## quality|workmanship|cream,sunscreen,shampoo
盖子是裂的，漏了一点出来
## quality|poor_material|sunscreen
防晒霜搓泥，一抹全是泥
## quality|poor_material|mask
面膜纸干巴巴的，精华很少
## quality|poor_material|lipstick
口红干得很，涂上起皮卡纹
## quality|odor|cream,shampoo,sunscreen,mask
味道太冲了，刺鼻，不像宣传的淡香
## quality|odor|shampoo
洗发水一股工业香精味，熏人
## quality|spoiled|mango
芒果烂了好几个，一箱有一半是坏的
水果有黑斑，切开里面全黑了
芒果里面是坏的，外面看着好好的
太过分了，一箱芒果烂了七个，全是黑斑流水，这叫新鲜？
## quality|spoiled|fruit
打开就是一股馊味
果子蔫了，一点水分都没有
好几个坏果，闻着发酸
烂果率太高了，二十个烂了八个
开箱全是烂的，汁水把箱子都泡软了
## quality|spoiled|citrus
橘子发霉了，长白毛
收到的橘子一捏就出水，烂了
丑橘烂了一半，整箱都是酸臭味
橘子皮上全是霉点
## quality|spoiled|cherry
樱桃不新鲜，软塌塌的还有烂果
樱桃核都发黑了，不新鲜
## quality|spoiled|jerky
牛肉干过期了，看生产日期都过了保质期
吃着有哈喇味，明显放太久了
肉干发硬，还有点发霉
## quality|spoiled|rice
大米里有虫子
有虫眼，米里还有虫子爬出来
米有霉味，不敢吃
大米有一股陈米味，不像新米
## quality|poor_material|fruit
酸得没法吃，像没熟就摘的
## quality|poor_material|mango
芒果是生的，放了五天还是硬的还发酸
## quality|malfunction|tumbler
保温杯漏水，包里全湿了
保温效果很差，两小时就凉了
杯盖拧不紧，一倒就洒
## quality|malfunction|kettle
水壶用了一周就不加热了
烧水的时候噪音特别大
水壶底座接触不良，时好时坏
## quality|odor|pillow
枕头有很重的异味，放阳台吹了几天还有
## quality|odor|kettle
水壶烧水有塑料味
## quality|odor|bedding
床品甲醛味太重，熏得睡不着
## quality|odor|storage
收纳箱一股刺鼻的塑料味
## quality|pilling_fading|bedding
四件套一洗就掉色，水都是红的
床单起球，睡了一周就起球
被套洗了一次就缩了
## quality|pilling_fading|pillow
枕头睡几天就塌了，不回弹
## quality|workmanship|storage
收纳箱卡扣断了
## quality|workmanship|storage,tumbler
做工粗糙，边缘有毛刺划手
## quality|workmanship|tumbler
杯子内壁有锈点，这是316？
## quality|workmanship|bedding
四件套线头一大把，还有一处破洞
## quality|workmanship|books
书有好几页缺页
印刷模糊，字都看不清
装订有问题，翻两下就掉页了
有错页，第80页后面直接跳到120页
页面有倒装的，读起来要倒过来
封面有划痕，内页有污渍
内页有大片墨迹，影响阅读
## quality|poor_material|books
纸张很薄，透字严重
纸质太差了，一翻就皱
## quality|malfunction|rc
遥控车开两下就不动了
遥控失灵，距离一远就没反应
玩具车轮子掉了
电池仓的盖子盖不上
车灯玩了一天就不亮了
## quality|malfunction|blocks
积木拼不紧，一碰就散
## quality|workmanship|blocks
积木有毛刺，怕划到孩子的手
## quality|workmanship|plush
公仔掉毛，孩子抱一下满身毛
毛绒玩具缝线开了，棉花都露出来了
## quality|odor|plush
娃娃有股刺鼻的味道，不敢给孩子玩
## quality|odor|blocks
积木塑料味特别重
## quality|skin_reaction|diaper
纸尿裤用了宝宝红屁股，过敏了
用了两片宝宝屁股起红疹
## quality|malfunction|diaper
纸尿裤侧漏，晚上床单都湿了
纸尿裤起坨，吸水性差
## quality|malfunction|bowl
辅食碗吸盘吸不住，一推就掉
## quality|workmanship|bowl
碗边有一圈毛边，怕刮到宝宝的嘴
## mismatch|color_difference|apparel,shoes,electronics,home,toys,baby
色差太大了，图片是奶白色，收到是土黄色
颜色跟图片不一样，实物暗很多
有色差，比图片上的粉要艳很多
颜色偏黄，和卖家秀不一样
实物颜色很深，显得老气
色差严重!!! 图片滤镜开太大了吧
颜色浅了好几个度
跟图片的颜色差别很大，不是我想要的那种绿
## mismatch|color_difference|apparel,shoes,home,bedding
同一个颜色两件深浅不一样
## mismatch|color_difference|phonecase
手机壳颜色差太多，说是雾霾蓝结果是灰的
说是透明壳，收到就是发黄的
壳子颜色和详情页差很多，偏紫
## mismatch|color_difference|electronics
图上是奶茶色，到手是土棕色，色差太离谱
## mismatch|color_difference|lipstick
口红色号和试色完全不是一个颜色
试色图是豆沙色，实际涂上是橘色
## mismatch|color_difference|apparel
买的藏青色，收到跟黑色一样
米白色收到是灰白色，色差
## mismatch|color_difference|bedding
四件套颜色和详情页不一样，偏灰
## mismatch|wrong_item|*
收到的东西和我下单的不是同一款
发错货了，和订单上的商品对不上
## mismatch|wrong_item|apparel,shoes,electronics,home,toys,baby
发错货了，我买的黑色发来白色
商家寄错了颜色，麻烦核对一下
## mismatch|wrong_item|storage
发来的规格不对，我买的是大号收到小号
## mismatch|wrong_item|wear
买的M码给我发了L
## mismatch|wrong_item|pullover
发错款式了，我买的是圆领，来的是V领
## mismatch|wrong_item|sneakers,sandals
买的38码鞋，发来39码
一双鞋两只码数不一样，一只37一只38
## mismatch|wrong_item|phonecase
型号不对，我要的是15的壳，发来的是14的
## mismatch|wrong_item|cable
数据线接口不对，我要Type-C发来的是安卓口
## mismatch|wrong_item|mango
拍的是芒果，寄来的是别的水果？？
## mismatch|wrong_item|jerky
发成了别的口味，我要的是原味
## mismatch|wrong_item|books
不是我买的那本书，书名都不一样
## mismatch|missing_parts|*
少发了一个，拍了两件只收到一件
说好送的赠品没有
打开是空盒，什么都没有
## mismatch|missing_parts|blocks
积木少了好多块，拼不完整
积木缺件，拼到一半发现少了轮子
## mismatch|missing_parts|rc
遥控车没有遥控器？？？
## mismatch|missing_parts|blocks,rc
少了两个小零件，说明书上有的实物没有
## mismatch|missing_parts|earbuds,watch,powerbank
缺配件，没有充电线
## mismatch|missing_parts|earbuds
盒子里少一个耳机套
## mismatch|missing_parts|powerbank,earbuds
漏发了说明书和挂绳
## mismatch|missing_parts|mango
称了一下只有4斤，说好的5斤，缺斤少两
## mismatch|missing_parts|citrus
称了一下不到7斤，说好的8斤礼盒装
## mismatch|missing_parts|rice
称了只有9斤多，说好的10斤
## mismatch|missing_parts|fruit
分量不足，半箱都不到
## mismatch|missing_parts|novelset
套装少了一本，只有五本
## mismatch|missing_parts|encyclopedia
说是全8册，只收到7本
## mismatch|missing_parts|mask
面膜说是10片，数了只有8片
## mismatch|missing_parts|bedding
四件套少了一个枕套
## mismatch|missing_parts|storage
说是三只装，只收到两只
## mismatch|not_as_pictured|*
实物和图片差别太大，完全不是一个东西
和直播间展示的完全不一样
买家秀和卖家秀差别太大了
图片上看着很大，实物小得可怜
## mismatch|not_as_pictured|wear
货不对板，图片上的是厚款，收到的是薄的
## mismatch|not_as_pictured|tee,dress,trousers
说是纯棉，摸着全是化纤
## mismatch|not_as_pictured|sneakers,sandals
材质和描述的不一样，写的是真皮其实是PU
## mismatch|not_as_pictured|running,sneakers
详情页写的防水，踩个水坑就湿透了
## mismatch|not_as_pictured|watch
宣传说续航7天，实际一天都撑不到
## mismatch|not_as_pictured|earbuds
跟描述严重不符，说有降噪根本没有
## mismatch|not_as_pictured|powerbank
说是快充，充满要四个小时
标题写的20000毫安，实测容量一半都不到
## mismatch|not_as_pictured|electronics
参数虚标，跟宣传的不符
## mismatch|not_as_pictured|tumbler
说是316不锈钢，磁铁一吸就吸上了
## mismatch|not_as_pictured|fruit
说是新鲜现摘的，收到一看明显是冷库货
说是大果，收到全是乒乓球大小
## mismatch|not_as_pictured|encyclopedia
说是精装版，收到是平装的
## mismatch|counterfeit|apparel,shoes,electronics,beauty,home,toys,baby,books
怀疑是假货，包装印刷粗糙
## mismatch|counterfeit|apparel,shoes,electronics,beauty,home,toys,baby
不是正品，防伪码查不到
## mismatch|counterfeit|electronics,beauty,toys,home,shoes
明显是二手的，盒子有拆封痕迹
## mismatch|counterfeit|apparel,shoes,electronics,beauty
高仿货，logo都印歪了
## mismatch|counterfeit|fresh
怀疑不是产地直发，和详情页写的产地不一样
## mismatch|counterfeit|books
盗版书，纸张发灰，还有错别字
这是盗版吧，和书店买的正版完全不一样
书是盗版的，字迹模糊还有重影
这本书一看就是盗印的，版权页都是糊的
盗版！！图片都是黑白复印的
## mismatch|counterfeit|encyclopedia
和孩子学校发的正版一对比，明显是盗版
## mismatch|counterfeit|earbuds
耳机被人用过，耳塞上有污渍
## mismatch|counterfeit|watch
翻新机吧，外壳有使用痕迹
扫码显示已经激活过了
## mismatch|counterfeit|beauty
和专柜的对比了，味道颜色都不一样，假的
批号查不到，怀疑是假货
## logistics|damaged_in_transit|electronics,home,beauty,toys,baby
外包装破损，东西也摔坏了
运输过程中摔坏了
## logistics|damaged_in_transit|*
快递太暴力了，盒子压扁了
包装太简陋，一个塑料袋就寄来了，盒子压扁
## logistics|damaged_in_transit|wear,hat
包裹破了，衣服上全是泥
## logistics|damaged_in_transit|tumbler
快递把箱子压坏了，杯子被压凹了一块
## logistics|damaged_in_transit|kettle
泡沫都碎了，水壶磕出一个坑
## logistics|damaged_in_transit|shampoo
收到时箱子都湿了，洗发水漏了一半
## logistics|damaged_in_transit|cream
面霜瓶子碎了，洒了一盒子
## logistics|damaged_in_transit|mango
芒果在路上压烂了，纸箱都变形了
## logistics|damaged_in_transit|cherry
樱桃压坏了流了一箱子汁水
## logistics|damaged_in_transit|citrus
外箱被扎破了，橘子滚出来好几个
## logistics|damaged_in_transit|rice,jerky
外袋破了个口子，撒了一箱子
## logistics|damaged_in_transit|books
书的封面被压折了，外箱破了个大洞
## logistics|damaged_in_transit|watch
运输过程中摔坏了，屏幕碎了
## logistics|lost|*
显示已签收但是我根本没收到
物流一直不更新，估计丢件了
快递被别人冒签了，找不到东西
等了半个月都没到，不要了
没收到货，驿站也说没有
物流显示派送中三天了，人影都没见
## logistics|slow|*
物流太慢了，一个星期还在路上
说好48小时发货，五天了还没发
迟迟不发货，急用，不要了
物流停在中转站不动了
发货太慢，已经在别家买了
快递延迟好几天，过了送礼的时间了
下单一周还没揽件
超时未发货，申请退款
物流龟速，等不了了
## logistics|slow|fruit
等了十天才到，水果都不新鲜了
## logistics|courier_service|*
快递员不送上门，让我自己去驿站拿
快递员态度恶劣，直接扔门口
快递放驿站也不通知，放了好几天
## changed_mind|dislike|*
不喜欢，效果不好
送人的，对方不喜欢
质量没问题，就是不喜欢
## changed_mind|dislike|apparel,shoes,electronics,home,toys,baby,beauty
收到感觉一般，没有想象中好看，不是质量问题
## changed_mind|dislike|toys,baby,kids
孩子不喜欢这个颜色
## changed_mind|dislike|apparel,shoes,home,electronics
东西没问题，就是我不太喜欢这个风格
## changed_mind|dislike|cream,sunscreen,mask
试了一下效果一般，不太适合我的肤质，没有过敏
## changed_mind|dislike|apparel,shoes,electronics,home,toys
想换个颜色，先退了
## changed_mind|dislike|wear
不喜欢，上身效果不好
老公说不好看，退了
穿着显胖，不适合我这种身材
## changed_mind|dislike|wear,hat
不适合我，显黑
## changed_mind|dislike|hat
和衣服不搭，退
## changed_mind|dislike|apparel
尺码没问题，就是颜色不喜欢
## changed_mind|dislike|fresh
口感不是我喜欢的，退了吧
## changed_mind|dislike|books
内容不是我想要的，翻了两页就不想看了
## changed_mind|ordered_wrong|*
拍错了，麻烦退一下
买多了，退一件
重复下单了
买了两个一样的，退一个
下单下快了，其实不需要
## changed_mind|ordered_wrong|apparel,shoes,electronics,home,toys
颜色选错了，我自己的问题
## changed_mind|ordered_wrong|apparel,shoes,home
点错了规格，本来想买大一号的
## changed_mind|ordered_wrong|wear,shoes
买错尺寸了，我自己没看清
## changed_mind|price|*
刚买就降价了，退了重新拍
别家更便宜，退了
活动价更低了，退了重买
价格买贵了，直播间便宜二十
## changed_mind|no_need|*
不想要了
七天无理由退货
冲动消费了，想了想还是退了吧
暂时不需要了，谢谢
行程变了，暂时用不上
家里人不让买
想了想还是不要了吧
没啥问题 就是不想要了
无理由退
不需要了
## changed_mind|no_need|apparel,shoes,electronics,beauty,home,books,toys,baby
家里之前买过一个，用不着了
买了才发现用不上
朋友送了一个一样的
## changed_mind|no_need|exam
考完试了用不着了
## malicious|threat|*
不给退款就给差评，你看着办
今天不退钱我就去12315投诉你们
不同意仅退款就曝光你们店
退不退？不退我天天打电话投诉
再不处理我就发到网上让大家都看看
给你们一个小时，不退款直接差评加举报
## malicious|compensation_demand|*
假一赔十，赔我十倍，不然没完
要求三倍赔偿，不赔就投诉到工商
退款之外还要补偿我200，耽误我时间了
东西我不退了，你们再补偿我点，不然投诉
赔钱，不然差评
## malicious|compensation_demand|fresh
食品有问题，按法律退一赔十
## malicious|used_then_refund|beauty
用完了效果不明显，要求全额退款
## malicious|used_then_refund|electronics,toys,home,baby,shoes
用了一个月了，不想用了，全额退款
## malicious|used_then_refund|fresh
已经吃完了，味道一般，申请退款
吃了一半觉得不好吃，仅退款
## malicious|used_then_refund|wear,hat
穿了几次参加完活动了，退了吧
衣服洗过了，不想要了，退款
## malicious|used_then_refund|books
书看完了，退了吧
## malicious|refund_without_return|*
仅退款，东西不寄回了，太麻烦
只退款不退货，运费我不想出
东西就不退回了，直接退钱吧
仅退款，不接受退货退款
东西扔了，退钱
我要仅退款，别问为什么
## other|service|*
客服态度太差，问什么都不回
客服一直不回复消息，售后没人管
客服答应给我补差价，结果不认账了
东西还行吧，就是服务太差劲
说不上来，就是不喜欢这家的售后
## other|invoice|*
发票开不出来，要发票的别买
想开专票，商家说开不了
## other|value|*
不值这个价，性价比太低
太贵了，不划算
## other|unspecified|*
一般般吧，不太满意
说不清楚，反正不满意
感觉不怎么样
不满意
包装太丑了，送人拿不出手
## other|unspecified|watch
APP太难用了，老是要重新登录
## other|unspecified|electronics
没有中文说明书，看不懂
"""

EN_POOL = """
## sizing|small|upper
Runs small. Ordered my usual size {size} and it is tight across the chest
## sizing|small|zip
Way too small, could not zip it up
## sizing|small|waist
Tight around the waist, size up if you order
## sizing|small|apparel
Smaller than the size chart says
## sizing|small|wear
Ordered {size} as always and it fits like one size down
## sizing|small|shoes
Runs half a size small, toes hit the front
Too narrow, pinches on the sides
## sizing|large|wear
Too big, I am swimming in it
## sizing|large|apparel
Fits large, had to size down
## sizing|large|legs
Way too long, drags on the floor
## sizing|large|closed
Heel slips out, a full size too big
## sizing|large|shoes
A half size too big, my foot slides around
## sizing|fit|waist
The cut is strange, waist sits too high
## sizing|fit|apparel
Measurements do not match the size chart
## sizing|fit|shoes
Odd fit, tight at the toes and loose at the heel
## quality|pilling_fading|pill
Pilling after the first wear
## quality|pilling_fading|washable
Color faded after one wash
Shrank a whole size in the wash
## quality|workmanship|wear
Seams came apart after one wash
Loose threads everywhere and a small hole near the hem
## quality|workmanship|zip
Zipper broke the second time I used it
## quality|workmanship|shoes
The sole came unglued after a week
## quality|workmanship|closed
Stitching on the toe split open
## quality|malfunction|device,keyboard
Stopped working after 3 days
Dead on arrival, no lights at all
## quality|malfunction|earbuds
Left earbud does not charge
## quality|malfunction|bluetooth
Keeps disconnecting from my phone every few minutes
## quality|malfunction|watch,earbuds
Battery drains in a couple of hours
## quality|malfunction|watch
Screen flickers and then goes black
## quality|malfunction|cable
Cable only charges at a certain angle
## quality|malfunction|powerbank,watch,cable
Gets very hot while charging, scared to use it
## quality|malfunction|powerbank
Power bank will not hold a charge
## quality|malfunction|keyboard
Several keys stopped responding
## quality|workmanship|phonecase
Case cracked at the corners within days
Edges of the case are rough and sharp
## quality|workmanship|cable
The cable jacket split near the plug
## quality|odor|pillow,bedding,storage
Strong chemical smell that will not go away
## quality|odor|pillow
Pillow smells like plastic
## quality|malfunction|tumbler
Lid leaks, coffee all over my bag
Does not keep drinks warm for more than an hour
## quality|malfunction|kettle
Kettle stopped heating after a week
## quality|workmanship|bedding
Bedding seams split after one wash
## quality|pilling_fading|bedding
Sheets pilled after a week
## quality|workmanship|storage
Clip on the storage box snapped
## quality|malfunction|rc
Remote car stopped moving after ten minutes
## quality|workmanship|plush
Plush toy seam ripped open, stuffing coming out
## quality|workmanship|blocks
Bricks do not click together properly
## mismatch|color_difference|*
Color is nothing like the picture
The blue is actually grey in person
Much darker than the photos
## mismatch|wrong_item|*
Received a different model than I ordered
Wrong color in the box
## mismatch|wrong_item|wear
Wrong size sent, ordered M and got XL
## mismatch|missing_parts|*
Parts of the order were missing from the box
## mismatch|missing_parts|earbuds,watch,powerbank
Missing the charging cable
## mismatch|missing_parts|blocks,storage,bedding
Several pieces missing from the set
## mismatch|missing_parts|cable
Only one in the box, listing says two
## mismatch|not_as_pictured|*
Much smaller than it looks in the listing
## mismatch|not_as_pictured|tee,bedding
Not as described, it is polyester not cotton
## mismatch|not_as_pictured|powerbank
Advertised 20000mAh, tested at less than half
## mismatch|counterfeit|*
Looks like a used item, box was already opened
Fake, the logo is crooked
## logistics|damaged_in_transit|electronics,home,toys
Box was crushed and the item inside is broken
## logistics|damaged_in_transit|*
Arrived damaged and wet
## logistics|slow|*
Arrived late, no longer needed
Took three weeks to arrive
## logistics|lost|*
Tracking says delivered but it never came
## changed_mind|no_need|*
Changed my mind
No longer needed
Gift recipient already had one
## changed_mind|price|*
Found it cheaper elsewhere
Price dropped right after I bought it
## changed_mind|ordered_wrong|*
Ordered by mistake
Bought two by accident
## changed_mind|ordered_wrong|wear,shoes
Ordered the wrong size, my fault
## changed_mind|dislike|*
Did not like the color
Not my style after all
## changed_mind|dislike|apparel,shoes
Does not look good on me
## malicious|used_then_refund|wear,shoes
Wore it to the party, returning now
## malicious|used_then_refund|electronics,home,toys
Used it for a month, want a full refund anyway
## other|service|*
Seller never replied to my messages
## other|value|*
Not worth the price
## other|unspecified|*
Meh
Not what I hoped for
"""


def _parse_pool(text: str) -> list[tuple[str, str, tuple[str, ...], str]]:
    items: list[tuple[str, str, tuple[str, ...], str]] = []
    label = sub = ""
    cats: tuple[str, ...] = ()
    for line in text.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("## "):
            label, sub, cat = line[3:].split("|")
            cats = tuple(cat.split(","))
            continue
        items.append((label, sub, cats, line))
    return items


POOL_ZH = _parse_pool(TEXT_POOL)
POOL_EN = _parse_pool(EN_POOL)

LABELS = ("sizing", "quality", "mismatch", "logistics", "changed_mind", "malicious", "other")

# ---------------------------------------------------------------------------
# Products
# ---------------------------------------------------------------------------
CATEGORY_WEIGHTS: dict[str, dict[str, float]] = {
    "apparel": dict(sizing=.34, quality=.2, mismatch=.12, logistics=.05, changed_mind=.23, malicious=.02, other=.04),
    "shoes": dict(sizing=.36, quality=.22, mismatch=.1, logistics=.05, changed_mind=.2, malicious=.02, other=.05),
    "electronics": dict(quality=.42, mismatch=.18, logistics=.08, changed_mind=.22, malicious=.03, other=.07),
    "beauty": dict(quality=.35, mismatch=.2, logistics=.07, changed_mind=.28, malicious=.03, other=.07),
    "fresh": dict(quality=.55, mismatch=.12, logistics=.18, changed_mind=.05, malicious=.07, other=.03),
    "home": dict(quality=.38, mismatch=.18, logistics=.14, changed_mind=.22, malicious=.02, other=.06),
    "books": dict(quality=.25, mismatch=.3, logistics=.15, changed_mind=.24, malicious=.02, other=.04),
    "toys": dict(quality=.4, mismatch=.2, logistics=.1, changed_mind=.22, malicious=.03, other=.05),
    "baby": dict(quality=.4, mismatch=.18, logistics=.1, changed_mind=.24, malicious=.03, other=.05),
}


@dataclass(frozen=True)
class Product:
    code: str          # merchant SKU code (商家编码)
    category: str
    title: str         # Chinese product name
    spec: str          # 规格
    price: float
    rate: float        # Douyin return rate target (returned / sold units)
    weight: float      # share of returns
    en_title: str | None = None
    skew: dict[str, float] = field(default_factory=dict)   # label weight overrides
    sub: dict[str, tuple[str, float]] = field(default_factory=dict)  # label -> (sub, prob)


PRODUCTS: tuple[Product, ...] = (
    Product("DR-2401", "apparel", "法式碎花收腰连衣裙", "M码/蓝色碎花", 159.0, .30, 3.0, "Floral wrap midi dress",
            skew={"sizing": .75}, sub={"sizing": ("small", .8)}),
    Product("TS-1102", "apparel", "纯棉圆领短袖T恤", "L码/白色", 49.9, .12, 1.6, "Cotton crew neck T-shirt",
            sub={"quality": ("pilling_fading", .6)}),
    Product("JK-3305", "apparel", "男士休闲工装夹克", "XL码/军绿", 239.0, .16, 1.0, None),
    Product("PT-2208", "apparel", "高腰垂感阔腿裤", "S码/黑色", 89.0, .22, 1.4, "High waist wide leg trousers",
            skew={"sizing": .5}, sub={"sizing": ("large", .8)}),
    Product("SW-5510", "apparel", "羊毛混纺圆领毛衣", "M码/燕麦色", 199.0, .18, 1.0, None,
            skew={"quality": .4}, sub={"quality": ("pilling_fading", .8)}),
    Product("DJ-7701", "apparel", "轻薄连帽羽绒服", "L码/黑色", 329.0, .14, .8, None),
    Product("HT-6001", "apparel", "防晒遮阳渔夫帽", "均码/米色", 39.9, .08, .6, None,
            skew={"sizing": .15}),
    Product("SH-8801", "shoes", "百搭厚底小白鞋", "38码", 129.0, .24, 1.8, "Platform white sneakers",
            sub={"sizing": ("small", .7)}),
    Product("SH-8802", "shoes", "男士轻便跑步鞋", "42码", 259.0, .15, 1.3, "Men's lightweight running shoes",
            sub={"quality": ("workmanship", .7)}),
    Product("SH-8803", "shoes", "女士一字带凉鞋", "37码/杏色", 99.0, .2, .8, None),
    Product("SH-8804", "shoes", "儿童透气运动鞋", "31码", 119.0, .17, .8, None),
    Product("PC-1301", "electronics", "iPhone15磨砂手机壳", "雾霾蓝", 29.9, .19, 1.8, "Matte phone case for iPhone 15",
            skew={"mismatch": .52, "quality": .16}, sub={"mismatch": ("color_difference", .8)}),
    Product("EP-2201", "electronics", "降噪无线蓝牙耳机", "白色", 199.0, .13, 1.6, "Noise cancelling wireless earbuds",
            skew={"quality": .55}, sub={"quality": ("malfunction", .9)}),
    Product("PB-3301", "electronics", "20000毫安快充充电宝", "黑色", 99.0, .11, 1.1, "20000mAh fast charging power bank",
            sub={"mismatch": ("not_as_pictured", .7)}),
    Product("CB-4401", "electronics", "Type-C快充数据线1米", "1米/两条装", 9.9, .06, .7, "USB-C fast charging cable 1m"),
    Product("WT-5501", "electronics", "智能运动手表", "黑色硅胶表带", 299.0, .12, .9, "Smart fitness watch"),
    Product("KB-6601", "electronics", "87键机械键盘", "青轴/白光", 169.0, .09, .7, "87-key mechanical keyboard"),
    Product("SK-1001", "beauty", "玻尿酸补水保湿面霜", "50g", 129.0, .12, 1.1, None,
            skew={"quality": .48}, sub={"quality": ("skin_reaction", .75)}),
    Product("LS-1002", "beauty", "丝绒哑光口红", "#312豆沙", 79.0, .1, 1.0, None,
            sub={"mismatch": ("color_difference", .8)}),
    Product("SP-1003", "beauty", "控油蓬松洗发水", "500ml", 59.0, .07, .8, None),
    Product("SN-1004", "beauty", "清爽防晒霜SPF50", "60ml", 89.0, .08, .6, None),
    Product("MK-1005", "beauty", "补水保湿面膜", "10片装", 69.0, .06, .5, None),
    Product("FR-2001", "fresh", "海南金煌芒果", "5斤装", 49.9, .2, 1.3, None,
            sub={"quality": ("spoiled", .85)}),
    Product("0073102", "fresh", "四川丑橘礼盒", "8斤礼盒装", 69.9, .28, 1.6, None,
            skew={"quality": .72}, sub={"quality": ("spoiled", .95)}),
    Product("FR-2003", "fresh", "大连美早樱桃", "2斤装/JJ级", 139.0, .22, .9, None,
            sub={"quality": ("spoiled", .85)}),
    Product("FD-2004", "fresh", "内蒙古手撕牛肉干", "500g", 79.0, .07, .6, None),
    Product("FD-2005", "fresh", "五常稻花香大米", "10斤", 59.9, .05, .5, None),
    Product("HM-3001", "home", "慢回弹记忆棉枕头", "标准款", 89.0, .11, .9, "Memory foam pillow",
            sub={"quality": ("odor", .7)}),
    Product("HM-3002", "home", "316不锈钢保温杯", "500ml/奶白", 69.0, .12, 1.0, "Insulated stainless steel tumbler",
            sub={"quality": ("malfunction", .75)}),
    Product("HM-3003", "home", "水洗棉四件套", "1.8m床/灰蓝", 189.0, .13, .9, "Washed cotton bedding set"),
    Product("HM-3004", "home", "可折叠收纳箱", "大号三只装", 45.0, .09, .6, "Foldable storage boxes"),
    Product("HM-3005", "home", "家用电热水壶", "1.7L", 79.0, .1, .7, "Electric kettle 1.7L"),
    Product("0045001", "books", "儿童百科全书精装版", "全8册", 168.0, .16, 1.3, None,
            skew={"mismatch": .56}, sub={"mismatch": ("counterfeit", .82)}),
    Product("BK-4002", "books", "考研英语历年真题", "2025版", 49.8, .08, .7, None,
            sub={"quality": ("workmanship", .8)}),
    Product("BK-4003", "books", "经典推理小说套装", "全6册", 128.0, .09, .6, None),
    Product("TY-5001", "toys", "城市消防站拼装积木", "820颗粒", 199.0, .14, 1.0, "City fire station building blocks",
            skew={"mismatch": .42}, sub={"mismatch": ("missing_parts", .85)}),
    Product("TY-5002", "toys", "四驱遥控越野车", "蓝色", 159.0, .15, .8, "4WD remote control off-road car",
            sub={"quality": ("malfunction", .85)}),
    Product("TY-5003", "toys", "毛绒玩偶抱枕", "60cm/小熊", 69.0, .1, .6, "Plush teddy bear 60cm"),
    Product("BB-5004", "baby", "超薄透气纸尿裤", "L码/60片", 99.0, .09, .8, None,
            sub={"quality": ("skin_reaction", .5)}),
    Product("BB-5005", "baby", "宝宝硅胶吸盘辅食碗", "粉色", 39.0, .08, .5, None),
)

# What each product is, finer than its category: the pool tags a line may name.
KINDS: dict[str, tuple[str, ...]] = {
    "DR-2401": ("dress", "wear", "upper", "waist", "zip", "buttoned", "washable", "woven", "women"),
    "TS-1102": ("tee", "wear", "upper", "top", "pullover", "pill", "washable", "woven", "unisex"),
    "JK-3305": ("jacket", "wear", "upper", "top", "longsleeve", "zip", "buttoned", "washable", "men"),
    "PT-2208": ("trousers", "wear", "waist", "legs", "zip", "washable", "woven", "women"),
    "SW-5510": ("sweater", "wear", "upper", "top", "longsleeve", "pullover", "knit", "pill", "washable", "unisex"),
    "DJ-7701": ("down", "wear", "upper", "top", "longsleeve", "zip", "unisex"),
    "HT-6001": ("hat", "washable"),
    "SH-8801": ("sneakers", "closed", "laced"),
    "SH-8802": ("running", "closed", "laced", "men"),
    "SH-8803": ("sandals",),
    "SH-8804": ("kids", "closed", "laced"),
    "PC-1301": ("phonecase",),
    "EP-2201": ("earbuds", "device", "bluetooth"),
    "PB-3301": ("powerbank", "device"),
    "CB-4401": ("cable",),
    "WT-5501": ("watch", "device", "bluetooth"),
    "KB-6601": ("keyboard",),
    "SK-1001": ("cream", "face"),
    "LS-1002": ("lipstick",),
    "SP-1003": ("shampoo",),
    "SN-1004": ("sunscreen", "face"),
    "MK-1005": ("mask", "face"),
    "FR-2001": ("mango", "fruit"),
    "0073102": ("citrus", "fruit"),
    "FR-2003": ("cherry", "fruit"),
    "FD-2004": ("jerky",),
    "FD-2005": ("rice",),
    "HM-3001": ("pillow",),
    "HM-3002": ("tumbler",),
    "HM-3003": ("bedding",),
    "HM-3004": ("storage",),
    "HM-3005": ("kettle",),
    "0045001": ("encyclopedia", "kids"),
    "BK-4002": ("exam",),
    "BK-4003": ("novelset",),
    "TY-5001": ("blocks", "kids"),
    "TY-5002": ("rc", "kids"),
    "TY-5003": ("plush", "kids"),
    "BB-5004": ("diaper",),
    "BB-5005": ("bowl",),
}
LETTER_SIZES = ("S", "M", "L", "XL")
SIZES: dict[str, tuple[str, ...]] = {
    "DR-2401": LETTER_SIZES, "TS-1102": LETTER_SIZES + ("XXL",), "JK-3305": ("L", "XL", "XXL"),
    "PT-2208": LETTER_SIZES, "SW-5510": LETTER_SIZES, "DJ-7701": LETTER_SIZES + ("XXL",),
    "SH-8801": ("36", "37", "38", "39"), "SH-8802": ("40", "41", "42", "43", "44"),
    "SH-8803": ("35", "36", "37", "38"), "SH-8804": ("28", "29", "30", "31", "32"),
}


def tags_of(p: Product) -> tuple[str, ...]:
    """The pool tags a product may draw: its category and its kinds."""
    return (p.category,) + KINDS[p.code]


def spec_for(p: Product, size: str) -> str:
    """The product's 规格 with the size bought in place of the default one ("M码/蓝色碎花" → "L码/蓝色碎花")."""
    if not size:
        return p.spec
    head, sep, tail = p.spec.partition("码")
    return f"{size}码{tail}" if sep else p.spec


TEMPLATE_BUYER_COUNT = 14  # different buyers pasting each template text

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
NICK_A = ("爱吃", "快乐的", "小", "大", "阿", "不吃", "会飞的", "想睡觉的", "温柔", "追风的", "安静的", "可爱")
NICK_B = ("橘子", "猫咪", "鱼儿", "兔子", "小王", "阿杰", "豆豆", "晴天", "柠檬", "团子", "木木", "星星", "芒果", "小熊")


class Gen:
    """A seeded random source with the few helpers the writers need."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def digits(self, n: int, first: str = "") -> str:
        body = "".join(str(self.r.randrange(10)) for _ in range(n - len(first)))
        return first + body

    def alnum(self, n: int) -> str:
        chars = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
        return "".join(self.r.choice(chars) for _ in range(n))

    def weighted(self, weights: dict[str, float]) -> str:
        keys = list(weights)
        return self.r.choices(keys, weights=[weights[k] for k in keys], k=1)[0]

    def nickname(self) -> str:
        style = self.r.random()
        if style < .35:
            return self.r.choice(NICK_A) + self.r.choice(NICK_B) + (str(self.r.randrange(10, 999)) if self.r.random() < .5 else "")
        if style < .6:
            return "tb" + self.digits(7) + "_" + self.digits(2)
        if style < .8:
            return "用户" + self.digits(7, "1")
        return self.r.choice(NICK_B) + self.r.choice(("妈妈", "爸爸", "同学", "酱", "君")) + self.digits(4)


def _label_weights(p: Product) -> dict[str, float]:
    weights = dict(CATEGORY_WEIGHTS[p.category])
    weights.setdefault("sizing", 0.0)
    weights.update(p.skew)
    return weights


def _pool_for(pool, label: str, sub: str | None, tags: tuple[str, ...]):
    """Lines of `label` (preferably of `sub`) that fit a product with these tags.

    The product fit is never relaxed: when no line of the wanted sub-reason
    fits, another sub-reason of the same label that fits is used.
    """
    fits = [item for item in pool if item[0] == label and ("*" in item[2] or set(item[2]) & set(tags))]
    exact = [item for item in fits if not sub or item[1] == sub]
    return exact or fits


PREFIXES = ("亲，", "老板，", "你好，", "唉，", "客服你好，", "")
SUFFIXES = ("", "。", "！", "~", "，麻烦尽快处理", "，谢谢", " 😤", " 🙄", "。。。", "！！", "，退了")


@dataclass
class Case:
    """One return before it is written in a platform's format."""

    product: Product
    label: str
    sub: str
    text: str
    return_type: str        # refund_only / return_refund / exchange
    quantity: int
    ordered: dt.datetime
    signed: dt.datetime | None
    applied: dt.datetime
    buyer: str
    conflict: bool = False  # dropdown says quality, text says changed mind
    size: str = ""          # the size bought (apparel and shoes), part of 商品规格


def fill(g: Gen, text: str, size: str) -> str:
    """A pool line with its placeholders filled: the size bought, a height, a height/weight."""
    if "{" not in text:
        return text
    height = g.r.randrange(152, 186)
    weight = int((height - 105) * 2 * g.r.uniform(.85, 1.25))
    hw = g.r.choice((f"{height}/{weight}斤，", f"身高{height} 体重{weight}斤，", f"{height}cm {weight}斤，"))
    return text.format(size=size or "M", height=height, hw=hw)


def pick_case(g: Gen, p: Product, pool, lang: str = "zh", size: str = "") -> tuple[str, str, str]:
    label = g.weighted(_label_weights(p))
    sub = None
    if label in p.sub and g.r.random() < p.sub[label][1]:
        sub = p.sub[label][0]
    choices = _pool_for(pool, label, sub, tags_of(p))
    assert choices, f"no {lang} text for {label} fits {p.code}"
    lab, s, _cats, text = g.r.choice(choices)
    text = fill(g, text, size)
    if lang == "zh" and g.r.random() < .22:
        text = g.r.choice(PREFIXES) + text + g.r.choice(SUFFIXES)
    return lab, s, text


def make_cases(g: Gen, n: int, products: tuple[Product, ...], pool, lang: str = "zh",
               abuse: bool = True) -> list[Case]:
    """Returns with dates, buyers and the designed abuse patterns."""
    weights = [p.weight for p in products]
    seen_buyers: list[str] = []
    cases: list[Case] = []
    for _ in range(n):
        p = g.r.choices(products, weights=weights, k=1)[0]
        size = g.r.choice(SIZES[p.code]) if p.code in SIZES else ""
        label, sub, text = pick_case(g, p, pool, lang, size)
        ordered = START + dt.timedelta(seconds=g.r.randrange(ORDER_DAYS * 24 * 3600))
        signed = ordered + dt.timedelta(hours=g.r.randrange(30, 100), seconds=g.r.randrange(3600))
        applied = signed + dt.timedelta(seconds=g.r.randrange(40 * 60, 7 * 24 * 3600))
        rtype = "return_refund"
        if label == "sizing" and g.r.random() < .25:
            rtype = "exchange"
        if label == "logistics" and sub in ("lost", "slow"):
            rtype = "refund_only"
            applied = ordered + dt.timedelta(hours=g.r.randrange(30, 240))
            signed = None
        elif p.category == "fresh" and label in ("quality", "logistics", "malicious"):
            rtype = "refund_only"
        elif label == "malicious" and sub == "refund_without_return":
            rtype = "refund_only"
        elif p.price < 15 and g.r.random() < .5:
            rtype = "refund_only"
        # Repeat buyers: about one return in five comes from someone who returned before.
        if seen_buyers and g.r.random() < .2:
            buyer = g.r.choice(seen_buyers)
        else:
            buyer = g.nickname()
            seen_buyers.append(buyer)
        quantity = 1 if g.r.random() < .9 else 2
        if g.r.random() < .15:
            text = ""
        cases.append(Case(p, label, sub, text, rtype, quantity, ordered, signed, applied, buyer, size=size))

    if not abuse:
        return cases
    # Designed abuse: serial refund-only buyers on cheap items, fast after sign-for.
    cheap = [p for p in products if p.price < 100]
    n_serial = max(6, n // 120)
    for k, buyer in enumerate(SERIAL_REFUNDERS):
        for j in range(n_serial + 3 * k):
            c = cases[g.r.randrange(len(cases))]
            p = g.r.choice(cheap)
            c.product, c.buyer, c.return_type = p, buyer, "refund_only"
            c.size = g.r.choice(SIZES[p.code]) if p.code in SIZES else ""
            c.label = "malicious" if j % 3 == 0 else "changed_mind"
            c.sub = "refund_without_return"
            c.text = g.r.choice(("不想要了", "", "东西有问题，仅退款", "仅退款", "拍错了", "不想要了，直接退款吧"))
            c.conflict = True
            if c.signed is None:
                c.signed = c.ordered + dt.timedelta(hours=40)
            c.applied = c.signed + dt.timedelta(minutes=g.r.randrange(1, 9))
    # The same complaint pasted by different buyers.
    for text in TEMPLATE_TEXTS:
        for _ in range(max(4, min(TEMPLATE_BUYER_COUNT, n // 60))):
            c = cases[g.r.randrange(len(cases))]
            if c.buyer in SERIAL_REFUNDERS:
                continue
            c.text, c.label, c.sub = text, "malicious", "template"
            c.return_type = "refund_only"
            c.buyer = g.nickname()
            c.conflict = True
    # Dropdown 质量问题 with a changed-mind text.
    for c in cases:
        if c.label == "changed_mind" and not c.conflict and g.r.random() < .22:
            c.conflict = True
            if g.r.random() < .5:
                c.text = g.r.choice(("不想要了", "拍错了", "买多了，退一个", "不想要了，退了吧"))
    # Innocent: fresh fruit reported rotten minutes after sign-for (opened at the door).
    for c in cases:
        if c.product.category == "fresh" and c.label == "quality" and c.signed and g.r.random() < .12:
            c.applied = c.signed + dt.timedelta(minutes=g.r.randrange(3, 15))
    cases.sort(key=lambda c: c.applied)
    return cases


def fmt(ts: dt.datetime | None, style: str = "%Y-%m-%d %H:%M:%S") -> str:
    return ts.strftime(style) if ts else "-"


def money(x: float) -> str:
    return f"{x:.2f}"


def refund_amount(g: Gen, c: Case) -> float:
    full = c.product.price * c.quantity
    if c.return_type == "exchange":
        return 0.0
    if c.return_type == "refund_only" and c.product.category == "fresh" and g.r.random() < .35:
        return round(full * g.r.choice((.3, .4, .5, .6)), 2)
    return full


# Platform dropdown reasons (buyer-facing wording).
def cn_dropdown(g: Gen, c: Case, platform: str) -> str:
    quality_suffix = "（商品品质原因）" if platform == "douyin" and g.r.random() < .5 else ""
    wrong = "商家发错货" if platform in ("douyin", "pinduoduo") else "卖家发错货"
    if c.conflict:
        return "质量问题" + quality_suffix
    lab, sub = c.label, c.sub
    if lab == "sizing":
        return g.r.choices(("大小尺寸与商品描述不符", "尺码拍错/不喜欢/效果不好", "七天无理由退换货"), (5, 3, 2))[0]
    if lab == "quality":
        if c.product.category == "electronics" and sub == "malfunction":
            return g.r.choice(("商品功能缺失或故障", "质量问题" + quality_suffix))
        if sub == "workmanship":
            return g.r.choice(("做工粗糙/有瑕疵" + quality_suffix, "质量问题" + quality_suffix))
        return "质量问题" + quality_suffix
    if lab == "mismatch":
        return {
            "color_difference": "颜色/款式/图案与描述不符",
            "wrong_item": wrong,
            "missing_parts": "商品少件/破损/污迹",
            "counterfeit": "假冒品牌",
        }.get(sub, g.r.choice(("材质成分含量与描述不符", "颜色/款式/图案与描述不符", "质量问题" + quality_suffix)))
    if lab == "logistics":
        return {
            "damaged_in_transit": "商品少件/破损/污迹",
            "lost": g.r.choice(("快递一直未到", "空包裹/少货")),
            "slow": g.r.choice(("未按约定时间发货", "快递无跟踪记录")),
        }.get(sub, "其他")
    if lab == "changed_mind":
        return g.r.choices(("七天无理由退换货", "多拍/拍错/不想要", "尺码拍错/不喜欢/效果不好"), (5, 4, 2))[0]
    if lab == "malicious":
        return g.r.choices(("质量问题" + quality_suffix, "其他", "假冒品牌", "多拍/拍错/不想要"), (5, 2, 1, 1))[0]
    return g.r.choice(("其他", "七天无理由退换货"))


REASON_TAGS = {
    "sizing": "尺码问题", "quality": "质量问题", "mismatch": "描述不符", "logistics": "物流问题",
    "changed_mind": "个人原因", "malicious": "质量问题", "other": "其他",
}


# ---------------------------------------------------------------------------
# Douyin after-sales + orders
# ---------------------------------------------------------------------------
DOUYIN_HEADER = (
    "售后单号", "订单号", "商品单号", "商品名称", "商品ID", "应付金额（元）", "商品运费（元）", "支付优惠（元）",
    "商品税费（元）", "商品发货状态", "售后类型", "退商品金额（元）", "退运费金额（元）", "退支付优惠（元）",
    "退税费金额（元）", "售后状态", "售后申请时间", "退款方式", "是否已上传退款凭证", "售后原因", "售后原因标签",
    "退货物流单号", "退货异常", "退货发货时间", "退货物流公司", "自动处理截止时间", "同意售后申请时间",
    "商家退款时间", "用户到账时间", "售后关闭时间", "商家退货地址", "商家退货联系人姓名", "商家退货联系人电话",
    "仲裁状态", "纠纷责任方", "是否极速退款", "是否拒签后退款", "发货物流单号", "发货物流状态", "换货物流单号",
    "退货物流状态", "售后完结时间", "订单备注", "用户售后说明", "售后备注", "操作人", "协商记录", "换货商品信息",
    "商家编码", "门店名称",
)
# Optional columns, not in the platform's own export: sign-for time and
# nickname (risk scoring), and three a merchant adds from the ERP export —
# the variant bought, the supplier and the production batch (follow-up).
DOUYIN_EXTRA = ("签收时间", "用户昵称", "商品规格", "供应商", "生产批次")

DOUYIN_ORDER_HEADER = (
    "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "货号", "商品单价",
    "订单应付金额", "运费", "优惠总金额", "支付方式", "订单提交时间", "支付完成时间", "发货时间", "订单完成时间",
    "订单状态", "售后状态", "买家留言", "收件人", "收件人手机号", "省", "市", "详细地址",
)
DOUYIN_ORDER_EXTRA = ("用户昵称",)  # optional column, matches 用户昵称 in the after-sales sample
CARRIERS = (("顺丰速运", "SF"), ("中通快递", "ZT"), ("圆通速递", "YT"), ("韵达快递", "YD"), ("申通快递", "ST"))
PROVINCES = (("浙江省", "杭州市"), ("广东省", "广州市"), ("江苏省", "南京市"), ("四川省", "成都市"),
             ("北京市", "北京市"), ("上海市", "上海市"), ("湖北省", "武汉市"), ("山东省", "济南市"))


def tab(x: str) -> str:
    return "\t" + x


# ---------------------------------------------------------------------------
# Follow-up patterns (Douyin sample): fixes, a bad supplier batch
# ---------------------------------------------------------------------------
# (SKU, fix date, kind, note): what ops "did" mid-period. The dress's size
# chart fix works (its sizing returns from later orders fall by 85 %); the sneakers' does not (nothing changes); the phone case's
# listing fix is too recent to judge.
SAMPLE_FIXES = (
    ("DR-2401", dt.datetime(2024, 4, 10), "size_chart", "尺码表加上胸围、腰围实测值，详情页提示偏小拍大一码"),
    ("SH-8801", dt.datetime(2024, 4, 15), "size_chart", "详情页补充脚长对照表"),
    ("PC-1301", dt.datetime(2024, 5, 20), "listing", "主图换成实拍图，标明雾霾蓝偏灰"),
)
FIX_EFFECT = {"DR-2401": ("sizing", .85)}   # SKU -> (reason, share of its later returns removed)
# One supplier's batch goes bad for two weeks of orders across three SKUs.
BAD_SUPPLIER = "嘉兴华纺服饰"
BAD_SKUS = ("TS-1102", "JK-3305", "HT-6001")
BAD_START, BAD_END = dt.datetime(2024, 4, 8), dt.datetime(2024, 4, 22)
BAD_SHARE = .5   # share of the batch's order lines that come back for workmanship
BAD_BATCH = "HF-2404-07"
SUPPLIERS: dict[str, tuple[str, str]] = {}
for _p in PRODUCTS:
    SUPPLIERS[_p.code] = {
        "apparel": ("嘉兴华纺服饰", "HF") if _p.code in BAD_SKUS else ("杭州云裳制衣", "YS"),
        "shoes": ("晋江步云鞋业", "BY"), "electronics": ("深圳声科电子", "SK"), "beauty": ("广州美研日化", "MY"),
        "fresh": ("产地合作社直采", "CD"), "home": ("义乌家居优选", "JJ"), "books": ("新知图书发行", "XZ"),
        "toys": ("汕头乐趣玩具", "LQ"), "baby": ("宁波贝贝用品", "BB"),
    }[_p.category]


def batch_of(p: Product, ordered: dt.datetime) -> str:
    """The production batch an order line shipped from: one per supplier and half month, plus the bad one."""
    name, code = SUPPLIERS[p.code]
    if p.code in BAD_SKUS and BAD_START <= ordered < BAD_END:
        return BAD_BATCH
    return f"{code}-{ordered:%y%m}-{'01' if ordered.day <= 15 else '02'}"


def followup_patterns(g: Gen, cases: list[Case]) -> list[Case]:
    """The Douyin returns with the fix effects put in: later returns of the fixed reason removed."""
    kept: list[Case] = []
    fix_day = {sku: when for sku, when, _kind, _note in SAMPLE_FIXES}
    for c in cases:
        effect = FIX_EFFECT.get(c.product.code)
        if effect and c.label == effect[0] and c.ordered >= fix_day[c.product.code] and g.r.random() < effect[1]:
            continue
        kept.append(c)
    return kept


def batch_case(g: Gen, line: dict) -> Case:
    """A workmanship return on a kept order line of the bad batch (same order, buyer and size)."""
    p: Product = line["product"]
    lines = [item for item in _pool_for(POOL_ZH, "quality", "workmanship", tags_of(p)) if item[1] == "workmanship"]
    text = fill(g, g.r.choice(lines)[3], line["size"])
    if g.r.random() < .3:
        text = g.r.choice(PREFIXES) + text + g.r.choice(SUFFIXES)
    applied = line["signed"] + dt.timedelta(hours=g.r.randrange(6, 5 * 24), seconds=g.r.randrange(3600))
    return Case(p, "quality", "workmanship", text, "return_refund", line["qty"], line["ordered"], line["signed"],
                applied, line["buyer"], size=line["size"])


def write_followup(out: Path) -> None:
    """sample_data/followup/fixes.csv: the sample fix log the dashboard shows with the sample data."""
    folder = out / "followup"
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("sku", "fix_date", "kind", "note"))
    for sku, when, kind, note in SAMPLE_FIXES:
        w.writerow((sku, when.strftime("%Y-%m-%d"), kind, note))
    (folder / "fixes.csv").write_bytes(buf.getvalue().encode("utf-8"))


def write_douyin(g: Gen, out: Path) -> None:
    products = PRODUCTS
    product_ids = {p.code: g.digits(19, "3") for p in products}
    cases = make_cases(g, 1495, products, POOL_ZH)

    # Orders: every return belongs to an order line; other lines were kept.
    # Sales per SKU follow the returns as drawn, before the follow-up
    # patterns change them (a fix removes returns, not orders).
    lines: list[dict] = []
    planned_units: dict[str, int] = {p.code: 0 for p in products}
    for c in cases:
        planned_units[c.product.code] += c.quantity
    cases = followup_patterns(g, cases)
    returned_units: dict[str, int] = {p.code: 0 for p in products}
    for c in cases:
        returned_units[c.product.code] += c.quantity
    case_line: list[int] = []
    for c in cases:
        lines.append(dict(product=c.product, qty=c.quantity, ordered=c.ordered, buyer=c.buyer,
                          returned=True, signed=c.signed, size=c.size))
        case_line.append(len(lines) - 1)
    # Buyers of the kept lines: some of the returning buyers shop again, most
    # orders come from buyers who never return anything. Serial refunders keep
    # almost nothing, so nearly all of their orders end in a refund.
    returners = sorted({c.buyer for c in cases if c.buyer not in SERIAL_REFUNDERS})
    shoppers = [g.nickname() for _ in range(4000)]
    serial_kept = list(SERIAL_REFUNDERS)
    for p in products:
        target_units = math.ceil(planned_units[p.code] / p.rate) if planned_units[p.code] else 40
        sold = returned_units[p.code]
        while sold < target_units:
            qty = 1 if g.r.random() < .85 else g.r.choice((2, 3))
            ordered = START + dt.timedelta(minutes=g.r.randrange(ORDER_DAYS * 24 * 60))
            if serial_kept and p.price < 100:
                buyer = serial_kept.pop()
            elif g.r.random() < .3:
                buyer = g.r.choice(returners)
            else:
                buyer = shoppers[min(len(shoppers) - 1, int(g.r.paretovariate(1.1)) - 1)] \
                    if g.r.random() < .25 else g.r.choice(shoppers)
            lines.append(dict(product=p, qty=qty, ordered=ordered, buyer=buyer, returned=False,
                              signed=ordered + dt.timedelta(hours=g.r.randrange(30, 100)),
                              size=g.r.choice(SIZES[p.code]) if p.code in SIZES else ""))
            sold += qty
    # The bad batch: kept order lines of its SKUs placed in the bad weeks come back for workmanship.
    for idx, line in enumerate(lines):
        if line["returned"] or line["product"].code not in BAD_SKUS or not BAD_START <= line["ordered"] < BAD_END:
            continue
        if g.r.random() < BAD_SHARE:
            line["returned"] = True
            cases.append(batch_case(g, line))
            case_line.append(idx)
    by_time = sorted(range(len(cases)), key=lambda i: cases[i].applied)
    cases, case_line = [cases[i] for i in by_time], [case_line[i] for i in by_time]
    order_of_line: list[int] = list(range(len(lines)))
    g.r.shuffle(order_of_line)
    main_ids: list[str] = [""] * len(lines)
    sub_ids: list[str] = [""] * len(lines)
    k = 0
    while k < len(order_of_line):
        main = g.digits(19, "69")
        group = 2 if g.r.random() < .08 else 1
        for idx in order_of_line[k:k + group]:
            main_ids[idx] = main
            sub_ids[idx] = g.digits(19, "69")
        k += group

    rows: list[list[str]] = []
    for c, li in zip(cases, case_line):
        p = c.product
        paid = p.price * c.quantity
        discount = g.r.choice((0.0, 0.0, 5.0, 10.0)) if paid > 60 else 0.0
        amount = refund_amount(g, c)
        rt_cn = {"refund_only": "仅退款", "return_refund": "退货退款", "exchange": "换货"}[c.return_type]
        shipped = c.signed is not None
        status = g.r.choices(("同意退款，退款成功", "售后关闭", "待买家退货", "待商家收货", "待商家处理"),
                             (70, 12, 6, 6, 6))[0]
        if c.return_type == "exchange":
            status = g.r.choice(("换货成功", "换货成功", "待商家收货"))
        carrier, prefix = g.r.choice(CARRIERS)
        ret_carrier, ret_prefix = g.r.choice(CARRIERS)
        has_return_parcel = c.return_type != "refund_only" and status not in ("待买家退货", "待商家处理")
        agreed = c.applied + dt.timedelta(minutes=g.r.randrange(5, 1800))
        refund_at = agreed + dt.timedelta(hours=g.r.randrange(1, 72)) if status == "同意退款，退款成功" else None
        closed = refund_at or (agreed + dt.timedelta(days=2) if status in ("售后关闭", "换货成功") else None)
        speed = "是" if (c.return_type == "refund_only" and amount < 60 and g.r.random() < .6) else "否"
        log = "-"
        if g.r.random() < .25:
            log = f"{fmt(c.applied, '%m-%d %H:%M')} 买家发起售后申请；{fmt(agreed, '%m-%d %H:%M')} 商家同意"
            if g.r.random() < .3:
                log += ", 并备注：已核实, 请寄回"
        row = [
            tab(g.digits(19, "7")), tab(main_ids[li]), tab(sub_ids[li]), p.title, tab(product_ids[p.code]),
            money(paid - discount), "0.00", money(discount), "0.00", "已发货" if shipped else "未发货",
            rt_cn, money(amount), "0.00", money(0.0), "0.00", status, fmt(c.applied),
            "原路退回" if c.return_type != "exchange" else "-", g.r.choice(("是", "否", "否")),
            cn_dropdown(g, c, "douyin"), REASON_TAGS[c.label] if g.r.random() < .7 else "-",
            tab(ret_prefix + g.digits(13)) if has_return_parcel else "-", "-",
            fmt(agreed + dt.timedelta(hours=20)) if has_return_parcel else "-",
            ret_carrier if has_return_parcel else "-", fmt(c.applied + dt.timedelta(days=2)),
            fmt(agreed), fmt(refund_at), fmt(refund_at + dt.timedelta(minutes=3) if refund_at else None),
            fmt(closed) if status == "售后关闭" else "-",
            "浙江省杭州市余杭区仓前街道良睦路188号3号仓", "陈先生", "138****6624",
            "-" if g.r.random() < .95 else "仲裁中", "-", speed, "否",
            tab(prefix + g.digits(13)) if shipped else "-", "已签收" if shipped else "-",
            tab("SF" + g.digits(13)) if c.return_type == "exchange" and status == "换货成功" else "-",
            ("已签收" if status in ("同意退款，退款成功", "换货成功") else "运输中") if has_return_parcel else "-",
            fmt(closed), "-", c.text or "-",
            g.r.choice(("-", "-", "-", "已联系买家", "缺货，协商退款")), g.r.choice(("系统", "客服小美", "客服阿诚")),
            log, "尺码：大一码" if c.return_type == "exchange" else "-", tab(p.code), "-",
            fmt(c.signed), c.buyer, spec_for(p, c.size), SUPPLIERS[p.code][0], batch_of(p, c.ordered),
        ]
        assert len(row) == len(DOUYIN_HEADER) + len(DOUYIN_EXTRA)
        rows.append(row)
    # Five cases exported twice while being processed: the later row is current.
    for pos in (17, 230, 611, 902, 1333):
        earlier = list(rows[pos])
        earlier[15] = "待商家处理"
        earlier[27] = earlier[28] = "-"
        rows.insert(pos, earlier)

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["售后单列表"])
    w.writerow([f"导出时间：{fmt(EXPORT_TIME)}  共{len(rows)}条记录"])
    w.writerow(DOUYIN_HEADER + DOUYIN_EXTRA)
    w.writerows(rows)
    (out / "douyin_aftersales.csv").write_bytes(buf.getvalue().encode("gb18030"))

    # The order export.
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(DOUYIN_ORDER_HEADER + DOUYIN_ORDER_EXTRA)
    for idx in order_of_line:
        line = lines[idx]
        p: Product = line["product"]
        province, city = g.r.choice(PROVINCES)
        shipped_at = line["ordered"] + dt.timedelta(hours=g.r.randrange(4, 30))
        done = line["signed"] + dt.timedelta(days=g.r.randrange(3, 10)) if line["signed"] else None
        w.writerow([
            tab(main_ids[idx]), tab(sub_ids[idx]), p.title, spec_for(p, line["size"]), line["qty"], tab(product_ids[p.code]),
            tab(p.code), p.code.split("-")[0], money(p.price), money(p.price * line["qty"]), "0.00",
            money(g.r.choice((0.0, 3.0, 5.0))), g.r.choice(("抖音支付", "微信", "支付宝")),
            fmt(line["ordered"]), fmt(line["ordered"] + dt.timedelta(minutes=g.r.randrange(1, 20))),
            fmt(shipped_at), fmt(done), "已关闭" if line["returned"] else "已完成",
            "售后完成" if line["returned"] else "-", g.r.choice(("-", "-", "-", "-", "尽快发货", "不要放驿站")),
            g.r.choice("王李张刘陈杨赵黄") + "**", "1" + g.digits(2) + "****" + g.digits(4), province, city,
            city + "某区某街道" + g.digits(3) + "号", line["buyer"],
        ])
    (out / "douyin_orders.csv").write_bytes(buf.getvalue().encode("gb18030"))


# ---------------------------------------------------------------------------
# Taobao refunds (XLSX)
# ---------------------------------------------------------------------------
TAOBAO_HEADER = (
    "退款编号", "订单编号", "支付宝交易号", "订单付款时间", "商品编码", "退款完结时间", "买家实际支付金额",
    "宝贝标题", "买家退款金额", "手工退款/系统退款", "是否需要退货", "退款的申请时间", "退款状态", "货物状态",
    "发货物流信息", "客服介入状态", "卖家真实姓名", "买家退款原因", "买家退款说明", "部分退款/全部退款",
    "买家会员名",
)
TB_TITLE_EXTRA = ("2024新款", "官方正品", "包邮", "热卖", "爆款", "现货速发", "高颜值")


def write_taobao(g: Gen, out: Path) -> None:
    import xlsxwriter

    products = tuple(p for p in PRODUCTS if p.category != "fresh" or p.code == "FR-2001")
    cases = make_cases(g, 1000, products, POOL_ZH)
    titles = {p.code: f"{p.title} {g.r.choice(TB_TITLE_EXTRA)} {p.spec}" for p in products}
    path = out / "taobao_refunds.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    wb.set_properties({"created": dt.datetime(2024, 5, 28, 9, 15, 2), "author": "diagnose samples"})
    ws = wb.add_worksheet("退款单")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for j, h in enumerate(TAOBAO_HEADER):
        ws.write_string(0, j, h)
    for i, c in enumerate(cases, start=1):
        p = c.product
        paid = p.price * c.quantity
        amount = refund_amount(g, c)
        if c.return_type == "exchange":  # Taobao refunds have no exchange: treat as return
            c.return_type = "return_refund"
            amount = paid
        status = g.r.choices(("退款成功", "退款关闭", "卖家拒绝退款", "等待买家退货", "买家已经申请退款，等待卖家同意"),
                             (72, 10, 5, 7, 6))[0]
        finished = c.applied + dt.timedelta(hours=g.r.randrange(2, 96)) if status in ("退款成功", "退款关闭") else None
        carrier, prefix = g.r.choice(CARRIERS)
        values = [
            g.digits(18, "1"),
            # The first order id is a fixed long numeric id the tests look for.
            "4987654321098765432" if i == 1 else g.digits(19, g.r.choice("1234")),
            "2024" + g.digits(24, "05"),
            fmt(c.ordered),
            p.code,
            fmt(finished) if finished else "",
            paid,
            titles[p.code],
            amount,
            "系统退款" if g.r.random() < .8 else "手工退款",
            "否" if c.return_type == "refund_only" else "是",
            c.applied,
            status,
            "买家未收到货" if c.signed is None else g.r.choice(("买家已收到货", "买家已退货")),
            f"{carrier},{prefix}{g.digits(13)}" if c.signed else "",
            g.r.choices(("客服未介入", "客服介入中", "客服已处理"), (90, 5, 5))[0],
            "林*华",
            cn_dropdown(g, c, "taobao"),
            c.text,
            "部分退款" if amount < paid else "全部退款",
            c.buyer,
        ]
        for j, v in enumerate(values):
            if isinstance(v, dt.datetime):
                ws.write_datetime(i, j, v, date_fmt)
            elif isinstance(v, float):
                if j == 8 and i % 97 == 0:
                    ws.write_string(i, j, f"¥{v:,.2f}")  # some exports write money as text
                else:
                    ws.write_number(i, j, v)
            elif v == "":
                continue
            else:
                ws.write_string(i, j, v)
    wb.close()


# ---------------------------------------------------------------------------
# Amazon FBA customer returns (TSV)
# ---------------------------------------------------------------------------
AMAZON_HEADER = (
    "return-date", "order-id", "sku", "asin", "fnsku", "Product-Name", "quantity", "fulfilment-centre-id",
    "detailed-disposition", "reason", "status", "customer-comments",
)


def amazon_reason(g: Gen, c: Case) -> str:
    lab, sub = c.label, c.sub
    if lab == "sizing":
        if sub == "small":
            return g.r.choice(("APPAREL_TOO_SMALL", "AMZ-PG-APP-TOO-SMALL"))
        if sub == "large":
            return g.r.choice(("APPAREL_TOO_LARGE", "AMZ-PG-APP-TOO-LARGE"))
        return "AMZ-PG-BAD-DESC"
    if lab == "quality":
        return g.r.choice(("DEFECTIVE", "QUALITY_UNACCEPTABLE"))
    if lab == "mismatch":
        return {"missing_parts": "MISSING_PARTS"}.get(sub, g.r.choice(("NOT_AS_DESCRIBED", "AMZ-PG-BAD-DESC")))
    if lab == "logistics":
        return {"damaged_in_transit": "DAMAGED_BY_CARRIER", "lost": "NEVER_ARRIVED"}.get(sub, "MISSED_ESTIMATED_DELIVERY")
    if lab == "changed_mind":
        return {"price": "FOUND_BETTER_PRICE", "ordered_wrong": g.r.choice(("ORDERED_WRONG_ITEM", "MISORDERED"))}.get(
            sub, g.r.choice(("UNWANTED_ITEM", "NO_REASON_GIVEN", "DID_NOT_LIKE_COLOR", "DID_NOT_LIKE_FABRIC")))
    if lab == "malicious":
        return g.r.choice(("SWITCHEROO", "DEFECTIVE"))
    return g.r.choice(("UNKNOWN_OTHER_REASON", "NO_REASON_GIVEN", "EXCESSIVE_INSTALLATION"))


def write_amazon(g: Gen, out: Path) -> None:
    products = tuple(p for p in PRODUCTS if p.en_title)
    cases = make_cases(g, 400, products, POOL_EN, lang="en", abuse=False)  # no buyer column in FBA returns
    meta = {p.code: ("B0" + g.alnum(8), "X00" + g.alnum(7)) for p in products}
    lines = ["\t".join(AMAZON_HEADER)]
    for c in cases:
        p = c.product
        asin, fnsku = meta[p.code]
        disposition = {
            "quality": g.r.choice(("DEFECTIVE", "CUSTOMER_DAMAGED")),
            "logistics": "CARRIER_DAMAGED",
            "malicious": "CUSTOMER_DAMAGED",
        }.get(c.label, g.r.choice(("SELLABLE", "SELLABLE", "DAMAGED")))
        text = c.text if g.r.random() > .2 else ""
        when = c.applied + dt.timedelta(days=3)
        lines.append("\t".join((
            when.strftime("%Y-%m-%dT%H:%M:%S") + g.r.choice(("+00:00", "-07:00", "Z")),
            f"{g.digits(3, '1')}-{g.digits(7)}-{g.digits(7)}",
            p.code, asin, fnsku, p.en_title or "", str(c.quantity),
            g.r.choice(("PHX7", "ONT8", "LGB3", "BFI4", "MDW2")), disposition, amazon_reason(g, c),
            g.r.choice(("Unit returned to inventory", "Reimbursed", "Repackaged Successfully")), text,
        )))
    (out / "amazon_fba_returns.tsv").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------
# Pinduoduo (CSV, UTF-8 with BOM) and JD (UTF-16 text)
# ---------------------------------------------------------------------------
PDD_HEADER = (
    "售后编号", "订单号", "商品ID", "商品名称", "商品规格", "商家编码", "售后类型", "售后原因", "售后说明",
    "退款金额(元)", "申请时间", "签收时间", "售后状态", "买家ID",
)
JD_HEADER = (
    "服务单号", "订单号", "商品编号", "商品名称", "服务类型", "申请原因", "问题描述", "申请时间", "服务单状态",
    "客户账号", "退款金额", "联系人", "联系电话",
)


def _stable_id(ids: dict[str, str], buyer: str, make) -> str:
    """The platform account id of a buyer nickname, the same on every row."""
    if buyer not in ids:
        ids[buyer] = make()
    return ids[buyer]


def write_pdd(g: Gen, out: Path) -> None:
    products = tuple(p for p in PRODUCTS if p.category in ("fresh", "home", "toys", "baby", "apparel"))
    cases = make_cases(g, 300, products, POOL_ZH)
    goods = {p.code: g.digits(10, "5") for p in products}
    buyer_ids: dict[str, str] = {}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PDD_HEADER)
    for c in cases:
        p = c.product
        amount = refund_amount(g, c)
        rt = {"refund_only": "仅退款", "return_refund": "退货退款", "exchange": "换货"}[c.return_type]
        w.writerow([
            g.digits(10, "2"), c.ordered.strftime("%y%m%d") + "-" + g.digits(15), goods[p.code], p.title, p.spec,
            p.code, rt, cn_dropdown(g, c, "pinduoduo"), c.text,
            f"¥{amount:.2f}" if g.r.random() < .3 else money(amount),
            f"{c.applied.year}/{c.applied.month}/{c.applied.day} {c.applied:%H:%M}",
            f"{c.signed.year}/{c.signed.month}/{c.signed.day} {c.signed:%H:%M}" if c.signed else "",
            g.r.choices(("退款成功", "售后关闭", "待商家处理", "待买家退货"), (75, 10, 8, 7))[0],
            _stable_id(buyer_ids, c.buyer, lambda: "pdd" + g.digits(8)),
        ])
    (out / "pdd_aftersales.csv").write_bytes(buf.getvalue().encode("utf-8-sig"))


def write_jd(g: Gen, out: Path) -> None:
    products = tuple(p for p in PRODUCTS if p.category in ("electronics", "home", "books"))
    cases = make_cases(g, 200, products, POOL_ZH)
    sku_ids = {p.code: g.digits(12, "100") for p in products}
    accounts: dict[str, str] = {}
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\r\n")
    w.writerow(JD_HEADER)
    for c in cases:
        p = c.product
        service = {"refund_only": "退款", "return_refund": "退货", "exchange": "换货"}[c.return_type]
        if c.label == "quality" and c.product.category == "electronics" and g.r.random() < .2:
            service = "维修"
        reason = {
            "quality": "商品质量问题", "mismatch": "与商品描述不符", "logistics": "物流问题",
            "changed_mind": "七天无理由退货", "malicious": "商品质量问题",
        }.get(c.label, "其他")
        w.writerow([
            g.digits(10, "1"), g.digits(12, "2"), sku_ids[p.code], p.title, service, reason, c.text,
            fmt(c.applied), g.r.choice(("审核通过", "已完成", "待审核", "已取消")),
            _stable_id(accounts, c.buyer, lambda: "jd_" + g.alnum(6).lower()), money(refund_amount(g, c)), g.r.choice("王李张刘陈") + "**",
            "1" + g.digits(2) + "****" + g.digits(4),
        ])
    # Excel's "Unicode text": UTF-16 little-endian with a BOM.
    (out / "jd_service_orders.csv").write_bytes(b"\xff\xfe" + buf.getvalue().encode("utf-16-le"))


# ---------------------------------------------------------------------------
# Broken files for the tests
# ---------------------------------------------------------------------------
def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes((x * 8) % 256 for x in range(32)) * 3 for _ in range(32))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


_CFB_FREE, _CFB_END, _CFB_FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def _cfb(streams: list[tuple[str, bytes]]) -> bytes:
    """A minimal OLE compound file ([MS-CFB] version 3) holding the given streams.

    The container of .xls files and of password-encrypted .xlsx files. Every
    stream is padded to at least the 4096-byte mini-stream cutoff so that all
    of them live in ordinary 512-byte sectors and no mini-FAT is needed.
    Layout: sector 0 is the FAT, sector 1 the directory, then the streams.
    """
    assert len(streams) <= 3, "one directory sector holds the root and three streams"
    fat = [_CFB_FAT, _CFB_END]
    body = b""
    placed: list[tuple[str, int, int]] = []
    for name, data in streams:
        data = data + b"\0" * max(0, 4096 - len(data))
        data = data + b"\0" * (-len(data) % 512)
        start, count = 2 + len(body) // 512, len(data) // 512
        fat.extend(list(range(start + 1, start + count)) + [_CFB_END])
        placed.append((name, start, len(data)))
        body += data
    assert len(fat) <= 128, "one FAT sector maps 128 sectors"
    fat_sector = struct.pack("<128I", *(fat + [_CFB_FREE] * (128 - len(fat))))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", _CFB_FREE, right, child) + b"\0" * 16
                + struct.pack("<IQQ", 0, 0, 0) + struct.pack("<IQ", start, size))

    # Siblings are chained through their right pointers in the CFB name order
    # (shorter names first, then case-insensitive), which keeps the tree ordered.
    order = sorted(range(len(placed)), key=lambda i: (len(placed[i][0]), placed[i][0].upper()))
    entries = [entry("Root Entry", 5, 1 + order[0], _CFB_FREE, _CFB_END, 0)]
    for i, (name, start, size) in enumerate(placed):
        pos = order.index(i)
        right = 1 + order[pos + 1] if pos + 1 < len(order) else _CFB_FREE
        entries.append(entry(name, 2, _CFB_FREE, right, start, size))
    directory = b"".join(entries).ljust(512, b"\0")
    for k in range(len(entries), 4):  # unused slots: empty entries with no siblings
        start = 128 * k
        directory = directory[:start + 68] + struct.pack("<III", _CFB_FREE, _CFB_FREE, _CFB_FREE) + directory[start + 80:]
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _CFB_END, 0, _CFB_END, 0)
              + struct.pack("<109I", 0, *([_CFB_FREE] * 108)))
    assert len(header) == 512
    return header + fat_sector + directory + body


def _biff_record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _biff_text(text: str, wide_count: bool) -> bytes:
    raw = text.encode("utf-16-le")
    count = struct.pack("<H" if wide_count else "<B", len(text))
    return count + b"\x01" + raw  # flag 1: the characters are stored as UTF-16


def _xls(rows: list[list[object]], password: bool = False) -> bytes:
    """A BIFF8 workbook (Excel 97-2003 .xls) with one sheet, in an OLE container.

    Cells are LABEL (text) and NUMBER records, which every BIFF8 reader
    accepts. With `password`, a FILEPASS record (RC4 encryption header with
    made-up salt and verifier) marks the workbook as password-protected, the
    way Excel writes it.
    """
    bof = lambda kind: _biff_record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))  # noqa: E731
    sheet_name = "退货"
    globals_ = bof(0x0005)
    if password:
        globals_ += _biff_record(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(range(48)))
    globals_ += _biff_record(0x0042, struct.pack("<H", 1200))
    boundsheet_len = 4 + 6 + 2 + 2 * len(sheet_name)
    sheet_at = len(globals_) + boundsheet_len + 4
    globals_ += _biff_record(0x0085, struct.pack("<IBB", sheet_at, 0, 0) + _biff_text(sheet_name, False))
    globals_ += _biff_record(0x000A)
    sheet = bof(0x0010)
    width = max(len(r) for r in rows)
    sheet += _biff_record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, (int, float)):
                sheet += _biff_record(0x0203, struct.pack("<HHHd", r, c, 0, float(value)))
            else:
                sheet += _biff_record(0x0204, struct.pack("<HHH", r, c, 0) + _biff_text(str(value), True))
    sheet += _biff_record(0x000A)
    assert len(globals_) == sheet_at
    return _cfb([("Workbook", globals_ + sheet)])


def _encrypted_xlsx(g: Gen) -> bytes:
    """What Excel writes for File → Info → Protect Workbook → Encrypt with Password.

    An OLE container with an `EncryptionInfo` stream (version 4.4, "agile",
    an XML key descriptor) and an `EncryptedPackage` stream (the size of the
    plain package, then the ciphertext — random bytes here).
    """
    descriptor = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        '<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        '</encryption>'
    ).encode("utf-8")
    info = struct.pack("<HHI", 4, 4, 0x40) + descriptor
    package = struct.pack("<Q", 6000) + bytes(g.r.randrange(256) for _ in range(6016))
    return _cfb([("EncryptionInfo", info), ("EncryptedPackage", package)])


def _xlsx_with_sheet_xml(sheet_xml: bytes) -> bytes:
    """An XLSX whose only sheet is the given worksheet XML (for the oversized-sheet files)."""
    ct = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          b'<Default Extension="xml" ContentType="application/xml"/>'
          b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          b'</Types>')
    rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            b'</Relationships>')
    book = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    book_rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                 b'</Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in (("[Content_Types].xml", ct), ("_rels/.rels", rels), ("xl/workbook.xml", book),
                           ("xl/_rels/workbook.xml.rels", book_rels), ("xl/worksheets/sheet1.xml", sheet_xml)):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def _sheet_xml(dimension: str, rows: list[tuple[int, list[tuple[str, str]]]], padding: int = 0) -> bytes:
    """Worksheet XML: `rows` is [(row number, [(cell ref, inline text), ...])]."""
    parts = [b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
    if dimension:
        parts.append(f'<dimension ref="{dimension}"/>'.encode())
    parts.append(b"<sheetData>")
    for number, cells in rows:
        inner = "".join(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>' for ref, text in cells)
        parts.append(f'<row r="{number}">{inner}</row>'.encode("utf-8"))
    parts.append(b" " * padding)  # whitespace between elements: legal, and it packs ~1000:1
    parts.append(b"</sheetData></worksheet>")
    return b"".join(parts)


def write_bad(g: Gen, bad: Path) -> None:
    import xlsxwriter

    (bad / "empty.csv").write_bytes(b"")
    (bad / "junk.bin").write_bytes(bytes(g.r.randrange(256) for _ in range(4096)))
    (bad / "not_a_sheet.xlsx").write_bytes(bytes(g.r.randrange(256) for _ in range(6000)))
    (bad / "image_as.csv").write_bytes(_png())
    (bad / "letter.docx").write_bytes(_zip([
        ("[Content_Types].xml", b"<?xml version='1.0'?><Types/>"),
        ("word/document.xml", "<w:document><w:body>退货说明</w:body></w:document>".encode()),
    ]))
    (bad / "archive.zip").write_bytes(_zip([("notes.txt", "这不是表格".encode())]))
    (bad / "scan.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(2024, 5, 28, 9, 15, 2)})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["退款编号", "买家退款原因", "买家退款说明", "买家退款金额"])
    for i in range(1, 400):
        ws.write_row(i, 0, [g.digits(18, "1"), "质量问题", "收到就是坏的，第" + str(i) + "件", 59.0])
    wb.close()
    whole = buf.getvalue()
    (bad / "truncated.xlsx").write_bytes(whole[: len(whole) // 2])

    rows = ["\t" + g.digits(19, "7") + ",质量不好，线头很多," + money(g.r.randrange(20, 300)) for _ in range(12)]
    (bad / "no_header.csv").write_bytes(("\n".join(rows) + "\n").encode("utf-8"))

    lines = ["订单号,商家编码,退款金额,申请时间"]
    lines += [f"{g.digits(19, '69')},TS-1102,49.90,2024-04-{d:02d} 10:00:00" for d in range(1, 11)]
    (bad / "missing_reason_column.csv").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))

    lines = ["售后单号,售后原因,用户售后说明,退款金额,申请时间"]
    for i in range(1, 21):
        amount = "¥" + money(10 + i)
        when = f"2024-04-{i:02d} 09:30:00"
        if i in (4, 15):
            amount = "¥abc" if i == 4 else "十九块"
        if i in (7, 11, 18):
            when = {7: "2024-13-45 10:00:00", 11: "昨天下午", 18: "31/31/2024"}[i]
        lines.append(f"{g.digits(19, '7')},质量问题,第{i}件有瑕疵,{amount},{when}")
    (bad / "bad_values.csv").write_bytes(("\n".join(lines) + "\n").encode("utf-8"))

    # Old and locked Excel files.
    xls_rows: list[list[object]] = [["退款编号", "买家退款原因", "买家退款说明", "买家退款金额", "商品编码"]]
    xls_rows += [[g.digits(18, "3"), "质量问题", f"第{i}件开线了，做工差", 30.0 + i, "00" + g.digits(4)] for i in range(1, 6)]
    (bad / "old_format.xls").write_bytes(_xls(xls_rows))
    (bad / "password.xls").write_bytes(_xls(xls_rows, password=True))
    (bad / "encrypted.xlsx").write_bytes(_encrypted_xlsx(g))

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": dt.datetime(2024, 5, 28, 9, 15, 2)})
    wb.add_worksheet().write_row(0, 0, ["退款编号", "买家退款原因", "买家退款说明", "买家退款金额"])
    wb.close()
    (bad / "header_only.xlsx").write_bytes(buf.getvalue())

    # Oversized sheets, refused before the spreadsheet reader allocates them.
    header = [(1, [("A1", "售后单号"), ("B1", "用户售后说明")]), (2, [("A2", "1"), ("B2", "偏小")])]
    # 48 MB of whitespace inside the sheet: stored as ~50 KB (a "zip bomb").
    (bad / "zip_bomb.xlsx").write_bytes(_xlsx_with_sheet_xml(_sheet_xml("A1:B2", header, padding=48 << 20)))
    # A sheet whose used range is all of Excel's 16384 x 1048576 cells.
    far = header + [(1048576, [("XFD1048576", "x")])]
    (bad / "huge_dimension.xlsx").write_bytes(_xlsx_with_sheet_xml(_sheet_xml("A1:XFD1048576", far)))
    # The same far-away cell with no dimension element: found by scanning the cells.
    (bad / "far_cell.xlsx").write_bytes(_xlsx_with_sheet_xml(_sheet_xml("", far)))


# ---------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="root to write sample_data/ and tests/data/bad/ under")
    args = parser.parse_args(argv)
    samples = args.out / "sample_data"
    bad = args.out / "tests" / "data" / "bad"
    samples.mkdir(parents=True, exist_ok=True)
    bad.mkdir(parents=True, exist_ok=True)
    # One generator per file, so changing one file's recipe leaves the others alone.
    write_douyin(Gen(SEED + 1), samples)
    write_followup(samples)
    write_taobao(Gen(SEED + 2), samples)
    write_amazon(Gen(SEED + 3), samples)
    write_pdd(Gen(SEED + 4), samples)
    write_jd(Gen(SEED + 5), samples)
    write_bad(Gen(SEED + 6), bad)
    print(f"wrote samples to {samples} and broken files to {bad}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
