"""Social exports of the synthetic sample, shaped like Zeeschuimer captures imported into 4CAT.

Each NDJSON line is one captured item: Zeeschuimer's envelope (``nav_index``, ``item_id``,
``timestamp_collected``, ``source_platform``, ``source_platform_url``, ``source_url``,
``user_agent``) around the platform's own JSON in ``data``. Field names inside ``data`` follow the
platforms' web APIs as 4CAT's importers read them: for Weibo the PC timeline item (``created_at``,
``mblogid``, ``text_raw``, ``user.screen_name``, ``reposts_count``/``comments_count``/
``attitudes_count``, ``retweeted_status``, ``tag_struct`` for a place check-in); for Douyin the
``aweme`` item (``aweme_id``, ``create_time``, ``desc``, ``author``, ``statistics``, ``video``,
``text_extra``, ``video_tag``) and, for livestream records, a JSON string in ``rawdata`` with the
room's ``owner``, ``stats.total_user`` and ``stream_url`` as 4CAT's Douyin ``map_item`` reads them.
Every record also has ``"synthetic": true`` at the top level.

The story in the posts: before the storm the CEO posts two to three times a day in his own words,
checks in at a gym and livestreams on Douyin twice a week; from the storm on he posts less, mostly
near-copies of the company's official posts, never checks in, and the livestreams stop.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from limelight.sample.world import (
    CEO_DOUYIN_SEC_UID,
    CEO_DOUYIN_UID,
    CEO_WEIBO_UID,
    END,
    EVENTS,
    NAMES,
    ORG_WEIBO_UID,
    START,
    STORM_START,
)

CST = timezone(timedelta(hours=8))
# The exports were "collected" on one fixed day, so files are the same on every run.
COLLECTED = datetime(2026, 1, 3, 10, 0, tzinfo=CST)
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
ZH = NAMES["zh"]
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
CITIES_ZH = ("北京", "上海", "武汉", "广州", "深圳", "成都")

CEO_OWN_PRE = (
    "今天在{city}工厂看{suv}下线，每一台车都凝聚着团队的心血。",
    "刚和底盘团队开完会，大家对{suv}的调校又有了新想法。",
    "很多网友问{car}什么时候能提车，我们正在全力提升产能，请大家再耐心等等。",
    "试驾了{suv}的最新软件版本，加速和静音都比上一版好了不少。",
    "{phone}的影像我每天都在用，夜景真的很惊艳，随手拍一张分享给大家。",
    "晚上回复了几百条评论，大家的建议我都认真看了。",
    "今天在{city}门店当了一天店员，和用户面对面聊天，收获很大。",
    "出差{city}，见了几位老朋友，聊了聊智能汽车的未来。",
    "{chip}从立项到今天走了好几年，终于可以和大家说说背后的故事。",
    "周末在办公室和产品团队一起抠{phone}的细节，一个按键的手感就讨论了两个小时。",
    "有同学问我创业最难的是什么，我的回答是：坚持。",
    "新的一周开始了，大家一起加油！",
    "雨天开{car}上班，辅助驾驶很稳，通勤轻松了不少。",
    "今晚八点抖音直播，聊聊{suv}的用车问题，不见不散！",
    "{auto}第{n}万台车今天交付，感谢每一位车主的信任！",
    "和{rival}的朋友们交流了一下午，行业良性竞争是好事。",
    "今天读完一本讲制造业的书，最大的感受是：细节决定成败。",
    "凌晨还在看{suv}的用户反馈，好的坏的我们都认真记下来。",
)
CEO_OPENERS = ("", "", "", "早上好！", "晚上好，", "分享一下：", "说点心里话，")
CEO_CLOSERS = ("", "", "加油！", "感谢大家！", "[心]", "💪", "大家怎么看？", "晚安。")
CEO_GYM = (
    "健身打卡第{n}天，今天跑了{km}公里，出了一身汗💪",
    "早起健身，{km}公里加半小时力量训练，状态不错。",
    "下班去健身房练了一会儿，坚持第{n}天。",
)
GYM_PLACE = "北京·铁隼健身(望京店)"
CEO_OWN_STORM = (
    "感谢大家的批评和建议，我们会认真改进。",
    "这几天看了很多留言，心情很沉重。做企业，安全永远是第一位的。",
    "我们已经成立专项小组，逐条核查所有宣传内容。",
    "谢谢大家的关心，我一切都好，团队也在全力以赴。",
)
CEO_OWN_POST = (
    "祝大家周末愉快。",
    "年底了，感谢所有同事这一年的付出。",
    "天冷了，大家注意保暖。",
    "新品的影像表现，欢迎大家体验后多提意见。",
)
CEO_CRASH = "对于{car}事故，我和团队都万分悲痛。我们会全力配合调查，尽快公布车辆数据。"

OFFICIAL_ROUTINE = (
    "#{phone}# {phone}系列以旧换新活动进行中，最高补贴{n}元，活动截至本月底。",
    "【门店上新】{city}第{n}家红隼之家今日开业，欢迎到店体验{phone}和{suv}。",
    "#红隼服务# 全国{n}家服务中心已开通夜间服务，车主可在红隼汽车App预约。",
    "【用车小贴士】{tip}红隼汽车提醒您安全驾驶。",
    "【招聘】红隼汽车{city}研发中心招聘智能驾驶工程师和芯片设计工程师，欢迎投递简历。",
    "#{suv}# {suv}试驾体验周末在{city}举行，欢迎报名参加。",
    "【直播预告】今晚{hh}点，红隼官方直播间带你走进{city}工厂，看一台{suv}如何诞生。",
    "【软件更新】红隼澎湃OS新版本开始推送，新增{feature}等功能，快去升级吧。",
    "#红隼公益# 红隼基金会向{city}的{n}所乡村学校捐赠了学习设备。",
    "【新品】红隼智能手表S{n}正式开售，续航最长{km}天，支持独立通话。",
    "#红隼科技# 感谢{n}万用户的选择！{phone}系列累计激活量再创新高。",
)
TIPS = ("高温天气请避免车辆长时间暴晒。", "气温下降，请定期检查胎压和电池状态。")
FEATURES = ("通话降噪", "跨设备互联", "相册智能分类", "手机车机无缝流转", "桌面小组件")
OFFICIAL_EVENTS: dict[date, tuple[str, ...]] = {
    date(2025, 7, 9): ("【新品预告】明晚七点半，{suv}正式发布，{ceo}将亲自讲述它的故事。",),
    date(2025, 7, 10): ("【{suv}正式发布】{suv}今晚正式发布，起售价25.9万元，"
                        "18小时锁单超过12万台。感谢每一位用户的信任！#{suv}#",),
    date(2025, 8, 5): ("【{chip}发布】红隼首款自研手机芯片{chip}正式亮相，将率先搭载于{phone}系列。#{chip}#",),
    date(2025, 8, 28): ("#红隼科技# 第二季度营收1042亿元，手机与汽车业务均创历史新高，利润同比增长31%。",),
    date(2025, 9, 25): ("【{phone}系列正式发布】{phone}系列今日正式发布，"
                        "搭载{chip}芯片，明天上午十点全渠道开售。"
                        "#{phone}#",),
    date(2025, 9, 30): ("#{phone}# {phone}系列首销五天销量突破100万台，感谢大家的支持！",),
    date(2025, 10, 1): ("【情况说明】关于武汉一辆{car}发生事故的情况说明："
                        "我们对事故深感悲痛，已第一时间成立专项小组，"
                        "全力配合有关部门调查，并将公开车辆相关数据。",),
    date(2025, 10, 3): ("【进展通报】关于{car}事故的最新进展："
                        "公司已向有关部门提交车辆数据，后续进展将及时向社会公布。",),
    date(2025, 10, 14): ("【召回公告】红隼汽车将召回部分{car}车辆，"
                         "通过OTA方式对辅助驾驶系统进行升级，用户无需到店。",),
    date(2025, 10, 23): ("【致歉】关于近期{car}宣传物料的说明："
                         "我们对宣传中不够清晰的表述深表歉意，"
                         "已全面下线并整改相关物料。",),
    date(2025, 11, 18): ("#红隼科技# 第三季度营收1131亿元，手机与汽车业务均创历史新高，利润同比增长22%。",),
    date(2025, 11, 21): ("#{model}# {model}在广州车展正式开源，欢迎全球开发者下载体验。",),
    date(2025, 12, 15): ("【新品预告】12月22日，{ultra}正式发布，与{partner}联合打造全新影像系统，敬请期待！",),
    date(2025, 12, 22): ("【{ultra}正式发布】{ultra}今晚正式发布，"
                         "搭载{partner}联合调校影像系统，明天上午十点开售。"
                         "#{ultra}#",),
    date(2025, 12, 24): ("#{ultra}# {ultra}首销战报：开售一小时销售额突破10亿元，感谢大家的支持！",),
}
DOUYIN_LIVE = (
    "{ceo}直播：聊聊{suv}的那些事",
    "和大家聊聊{phone}，你问我答",
    "周五夜聊：{car}车主答疑",
    "{ceo}带你逛{city}工厂",
)
DOUYIN_VIDEO_PRE = (
    ("{suv}底盘调校幕后，工程师们太拼了", "红隼汽车"),
    ("带大家看看{city}工厂的生产线", "智能制造"),
    ("{phone}夜景实拍，猜猜哪张是手机拍的", "手机摄影"),
    ("一分钟看懂{chip}芯片", "科技"),
)
DOUYIN_VIDEO_POST = (
    ("{ultra}影像样张合集", "手机摄影"),
    ("{phone}新版系统功能速览", "科技"),
)


@dataclass(frozen=True, slots=True)
class SocialResult:
    files: dict[str, list[str]]  # relative path -> NDJSON lines
    truth: list[dict[str, object]]
    counts: dict[str, int]  # "weibo:<account>" and "douyin:<account>"
    kinds: dict[str, int]  # post, copy, repost, checkin, livestream, video


def _fill(template: str, rng: random.Random, **extra: str) -> str:
    p = dict(ZH)
    p.update(city=rng.choice(CITIES_ZH), n=str(rng.randint(3, 60)), km=str(rng.randint(3, 12)),
             tip=rng.choice(TIPS), feature=rng.choice(FEATURES), hh=str(rng.randint(19, 21)))
    p.update(extra)
    return template.format_map(p)


def _weibo_date(dt: datetime) -> str:
    # Weibo's own format, written without locale so the output is the same on every machine.
    return f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day:02d} {dt:%H:%M:%S} +0800 {dt.year}"


def _b62(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out or "0"


def _html_text(text: str) -> str:
    parts = text.split("#")
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 1 and i < len(parts) - 1:
            out.append(f'<a href="//s.weibo.com/weibo?q=%23{part}%23">#{part}#</a>')
        else:
            out.append(part)
    return "".join(out).replace("\n", "<br />")


@dataclass
class _Post:
    dt: datetime
    text: str
    kind: str
    copies: _Post | None = None
    item: dict[str, object] | None = None
    place: str | None = None


def _weibo_item(rng: random.Random, post: _Post, uid: int, name: str, verified_type: int,
                reach: int) -> dict[str, object]:
    wid = 5_190_000_000_000_000 + int((post.dt - datetime(2025, 7, 1, tzinfo=CST)).total_seconds()) * 1000 \
        + rng.randint(0, 999)
    text = post.text
    item: dict[str, object] = {
        "visible": {"type": 0, "list_id": 0},
        "created_at": _weibo_date(post.dt),
        "id": wid, "idstr": str(wid), "mid": str(wid), "mblogid": _b62(wid)[-9:],
        "user": {"id": uid, "idstr": str(uid), "screen_name": name, "profile_url": f"/u/{uid}",
                 "profile_image_url": f"https://tvax1.sinaimg.example/crop.0.0.180.180.50/{uid}.jpg",
                 "verified": True, "verified_type": verified_type, "mbrank": 7, "mbtype": 12},
        "can_edit": False,
        "text_raw": text,
        "text": _html_text(text),
        "textLength": len(text.encode("gbk", "ignore")),
        "source": "红隼18 Pro" if uid == CEO_WEIBO_UID else "微博网页版",
        "favorited": False,
        "pic_ids": [], "pic_num": 0,
        "isLongText": False,
        "region_name": "发布于 北京",
        "reposts_count": rng.randint(reach // 20, reach // 8),
        "comments_count": rng.randint(reach // 15, reach // 5),
        "attitudes_count": rng.randint(reach // 2, reach),
        "mblogtype": 0,
    }
    if post.kind != "repost" and rng.random() < 0.4:
        n = rng.randint(1, 4)
        item["pic_ids"] = [f"{uid:x}ly1h{_b62(wid + i)}" for i in range(n)]
        item["pic_num"] = n
    if post.place:
        item["tag_struct"] = [{"tag_name": post.place, "oid": f"1022:2315{uid % 100000:05d}", "tag_type": 1,
                               "tag_hidden": 0, "otype": "place",
                               "url_type_pic": "https://h5.sinaimg.example/upload/place.png"}]
    if post.kind == "repost" and post.copies is not None and post.copies.item is not None:
        item["retweeted_status"] = post.copies.item
    return item


def _envelope(platform: str, profile_url: str, source_url: str, item_id: str, nav: int,
              data: dict[str, object]) -> str:
    rec = {
        "nav_index": f"1:1:{nav}",
        "item_id": item_id,
        "timestamp_collected": int(COLLECTED.timestamp() * 1000) + nav * 1375,
        "source_platform": platform,
        "source_platform_url": profile_url,
        "source_url": source_url,
        "user_agent": USER_AGENT,
        "synthetic": True,
        "data": data,
    }
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


def _at(rng: random.Random, day: date, lo: int = 7, hi: int = 23) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randint(lo, hi - 1), rng.randint(0, 59),
                    rng.randint(0, 59), tzinfo=CST)


def _days() -> list[date]:
    return [START + timedelta(days=i) for i in range((END - START).days + 1)]


def generate(rng: random.Random) -> SocialResult:
    official = _official_posts(rng)
    ceo = _ceo_posts(rng, official)
    lives, videos = _douyin(rng)

    files: dict[str, list[str]] = {}
    truth: list[dict[str, object]] = []
    for posts, uid, name, vtype, reach, fname in (
        (official, ORG_WEIBO_UID, "红隼科技", 2, 4000, f"weibo_{ORG_WEIBO_UID}_kestrel.ndjson"),
        (ceo, CEO_WEIBO_UID, ZH["ceo"], 0, 60000, f"weibo_{CEO_WEIBO_UID}_han-zhiyuan.ndjson"),
    ):
        for post in posts:
            storm = post.dt.date() >= STORM_START
            post.item = _weibo_item(rng, post, uid, name, vtype,
                                    reach // 6 if storm and uid == CEO_WEIBO_UID else reach)
        lines = []
        # Zeeschuimer captures a profile while scrolling: newest first, 20 items per API page.
        for nav, post in enumerate(sorted(posts, key=lambda p: p.dt, reverse=True)):
            assert post.item is not None
            lines.append(_envelope("weibo.com", f"https://weibo.com/u/{uid}",
                                   f"https://weibo.com/ajax/statuses/mymblog?uid={uid}&page={nav // 20 + 1}"
                                   "&feature=0", str(post.item["idstr"]), nav, post.item))
            truth.append({"platform": "weibo", "account": str(uid), "id": post.item["idstr"],
                          "published": post.dt.isoformat(), "kind": post.kind,
                          "copies_id": post.copies.item["idstr"] if post.copies and post.copies.item else None})
        files[f"social/{fname}"] = lines

    dlines = []
    douyin = sorted([("livestream", d) for d in lives] + [("video", d) for d in videos],
                    key=lambda kd: int(str(kd[1]["create_time"])), reverse=True)
    for nav, (kind, data) in enumerate(douyin):
        dlines.append(_envelope("douyin.com", f"https://www.douyin.com/user/{CEO_DOUYIN_SEC_UID}",
                                "https://www.douyin.com/aweme/v1/web/aweme/post/?sec_user_id="
                                f"{CEO_DOUYIN_SEC_UID}&count=18", str(data["aweme_id"]), nav, data))
        truth.append({"platform": "douyin", "account": CEO_DOUYIN_SEC_UID, "id": data["aweme_id"],
                      "published": datetime.fromtimestamp(int(str(data["create_time"])), CST).isoformat(),
                      "kind": kind, "copies_id": None})
    files[f"social/douyin_{CEO_DOUYIN_UID}_han-zhiyuan.ndjson"] = dlines

    kinds: dict[str, int] = {}
    for t in truth:
        kinds[str(t["kind"])] = kinds.get(str(t["kind"]), 0) + 1
    counts = {f"weibo:{ORG_WEIBO_UID}": len(official), f"weibo:{CEO_WEIBO_UID}": len(ceo),
              f"douyin:{CEO_DOUYIN_SEC_UID}": len(douyin)}
    return SocialResult(files, truth, counts, dict(sorted(kinds.items())))


def _official_posts(rng: random.Random) -> list[_Post]:
    posts: list[_Post] = []
    for day in _days():
        for template in OFFICIAL_EVENTS.get(day, ()):
            posts.append(_Post(_at(rng, day, 10, 22), _fill(template, rng), "post"))
        n = (rng.random() < 0.85) + (rng.random() < 0.3)
        for _ in range(n):
            posts.append(_Post(_at(rng, day, 9, 21), _fill(rng.choice(OFFICIAL_ROUTINE), rng), "post"))
    posts.sort(key=lambda p: p.dt)
    return posts


def _near_copy(rng: random.Random, text: str) -> str:
    """What a copied post looks like: the release verbatim, give or take a lead-in or an emoji."""
    lead = rng.choice(("", "", "", "好消息！", "重要的事情说一遍：", "转给大家："))
    tail = rng.choice(("", "", "[给力]", "[心]", "💪"))
    body = text
    if body.startswith("【") and "】" in body and rng.random() < 0.4:
        body = body[body.index("】") + 1:]
    return f"{lead}{body}{tail}"


def _ceo_posts(rng: random.Random, official: list[_Post]) -> list[_Post]:
    posts: list[_Post] = []
    gym_streak = 40
    copied: set[int] = set()

    def recent_official(now: datetime) -> _Post | None:
        window = [i for i, o in enumerate(official)
                  if now - timedelta(days=2) <= o.dt < now and i not in copied]
        if not window:
            return None
        i = window[-1] if rng.random() < 0.6 else rng.choice(window)
        copied.add(i)
        return official[i]

    for day in _days():
        storm = day >= STORM_START
        if not storm:
            n = 1 + (rng.random() < 0.9) + (rng.random() < 0.5) + (rng.random() < 0.2)
            if day.weekday() in (1, 4, 6) and rng.random() < 0.7:
                gym_streak += rng.randint(2, 4)
                posts.append(_Post(_at(rng, day, 6, 9), _fill(rng.choice(CEO_GYM), rng, n=str(gym_streak)),
                                   "checkin", place=GYM_PLACE))
        else:
            n = int(rng.random() < 0.8)
        if day == STORM_START:
            posts.append(_Post(_at(rng, day, 20, 23), _fill(CEO_CRASH, rng), "post"))
        for _ in range(n):
            now = _at(rng, day, 8, 23)
            r = rng.random()
            share_copy, share_repost = (0.65, 0.12) if storm else (0.04, 0.04)
            if r < share_copy + share_repost:
                src = recent_official(now)
                if src is not None:
                    if r < share_copy:
                        posts.append(_Post(now, _near_copy(rng, src.text), "copy", copies=src))
                    else:
                        posts.append(_Post(now, rng.choice(("转发微博", "支持！", "[赞]")), "repost", copies=src))
                    continue
            if not storm:
                text = rng.choice(CEO_OPENERS) + _fill(rng.choice(CEO_OWN_PRE), rng) + rng.choice(CEO_CLOSERS)
            elif day <= date(2025, 11, 30):
                text = rng.choice(CEO_OWN_STORM)
            else:
                text = rng.choice(CEO_OWN_POST)
            posts.append(_Post(now, text, "post"))
    posts.sort(key=lambda p: p.dt)
    return posts


def _douyin_author() -> dict[str, object]:
    return {"uid": str(CEO_DOUYIN_UID), "nickname": ZH["ceo"], "sec_uid": CEO_DOUYIN_SEC_UID,
            "avatar_thumb": {"url_list": [f"https://p3.douyinpic.example/aweme/100x100/{CEO_DOUYIN_UID}.jpeg"]},
            "region": "CN", "is_ad_fake": False}


def _aweme_id(dt: datetime, rng: random.Random) -> str:
    return str(7_520_000_000_000_000_000 + int(dt.timestamp()) * 1_000_000 + rng.randint(0, 999_999))


def _douyin(rng: random.Random) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    lives: list[dict[str, object]] = []
    videos: list[dict[str, object]] = []
    launch_days = {ev.day for ev in EVENTS if ev.day < STORM_START}
    for day in _days():
        storm = day >= STORM_START
        # Livestreams: Tuesday and Friday evenings and launch nights, until the storm begins.
        if not storm and ((day.weekday() in (1, 4) and rng.random() < 0.8) or day in launch_days):
            dt = _at(rng, day, 19, 21)
            title = _fill(rng.choice(DOUYIN_LIVE), rng)
            aid = _aweme_id(dt, rng)
            total = rng.randint(300_000, 2_500_000)
            owner = _douyin_author() | {"id": CEO_DOUYIN_UID}
            raw = {"id": int(aid[:16]), "id_str": aid[:16], "title": title, "create_time": int(dt.timestamp()),
                   "finish_time": int(dt.timestamp()) + rng.randint(3600, 9000), "status": 4, "owner": owner,
                   "stats": {"total_user": total, "user_count_str": f"{total / 10_000:.1f}万",
                             "like_count": total * rng.randint(3, 9)},
                   "stream_url": {"flv_pull_url": {
                       "FULL_HD1": f"https://pull-flv.douyincdn.example/stage/stream-{aid[:16]}_or4.flv"}},
                   "video_feed_tag": "直播"}
            lives.append({"aweme_id": aid, "group_id": aid, "create_time": int(dt.timestamp()), "desc": title,
                          "author": _douyin_author(), "rawdata": json.dumps(raw, ensure_ascii=False),
                          "text_extra": [], "video_tag": [], "region": "CN"})
        # Short videos go on after the storm, rarer and about products rather than the person.
        if rng.random() < (0.07 if storm else 0.14):
            dt = _at(rng, day, 11, 20)
            desc, tag = rng.choice(DOUYIN_VIDEO_POST if storm else DOUYIN_VIDEO_PRE)
            desc = _fill(desc, rng)
            aid = _aweme_id(dt, rng)
            plays = rng.randint(200_000, 4_000_000) // (4 if storm else 1)
            videos.append({
                "aweme_id": aid, "group_id": aid, "create_time": int(dt.timestamp()),
                "desc": f"{desc} #{tag}", "author": _douyin_author(),
                "statistics": {"digg_count": plays // 20, "comment_count": plays // 400,
                               "share_count": plays // 600, "collect_count": plays // 300,
                               "download_count": plays // 2000, "forward_count": plays // 3000,
                               "play_count": plays},
                "video": {"duration": rng.randint(15, 90) * 1000, "bit_rate": [
                    {"bit_rate": 2_100_000, "gear_name": "normal_1080_0",
                     "play_addr": {"url_list": [f"https://v26.douyinvod.example/{aid}/video.mp4"]}}]},
                "duration": rng.randint(15, 90) * 1000,
                "text_extra": [{"hashtag_name": tag, "type": 1}],
                "video_tag": [{"tag_name": "科技", "level": 1}],
                "music": {"author": ZH["ceo"], "title": "@韩志远创作的原声",
                          "play_url": {"uri": f"https://sf3.douyinvod.example/obj/music/{aid[-8:]}.mp3"}},
                "prevent_download": False, "region": "CN",
            })
    return lives, videos
