"""Copied official posts on SYNTHETIC posts: lead-ins and emoji, time order, the latest original."""

from __future__ import annotations

import numpy as np

from limelight.link.copies import Post, find_copies, watched_and_official
from limelight.watchlist import Watchlist

RELEASE = "【软件更新】红隼澎湃OS新版本开始推送，新增跨设备互联等功能，快去升级吧。"
OTHER = "【招聘】红隼汽车武汉研发中心招聘智能驾驶工程师和芯片设计工程师，欢迎投递简历。"


def test_link_copies_finds_near_copy_with_lead_in_and_picks_latest_original() -> None:
    official = [Post("o1", "org", 10.0, RELEASE), Post("o2", "org", 12.0, RELEASE), Post("o3", "org", 12.5, OTHER)]
    watched = [Post("c1", "ceo", 12.6, "转给大家：" + RELEASE[6:] + "[心]"),  # 【…】 dropped, lead-in added
               Post("c2", "ceo", 12.7, "早起健身，6公里加半小时力量训练，状态不错。"),
               Post("c3", "ceo", 9.0, RELEASE)]  # earlier than every official post: not a copy
    links = find_copies(watched, official, 0.8)
    assert [(x.from_id, x.to_id, x.kind) for x in links] == [("c1", "o2", "copies_official")]
    assert links[0].score >= 0.8 and "near-copy" in links[0].evidence


def test_link_copies_rewording_needs_a_very_high_cosine() -> None:
    official = [Post("o", "org", 1.0, RELEASE)]
    watched = [Post("w", "ceo", 1.5, "completely different words")]
    a = np.array([1.0, 0.0], dtype=np.float32)
    close = np.array([0.99, 0.141], dtype=np.float32)
    assert [x.to_id for x in find_copies(watched, official, 0.8, {"o": a, "w": close})] == ["o"]
    far = np.array([0.9, 0.436], dtype=np.float32)
    assert find_copies(watched, official, 0.8, {"o": a, "w": far}) == []


def test_link_copies_accounts_from_the_watchlist() -> None:
    wl = Watchlist.from_dict({"entity": [
        {"id": "org", "kind": "org", "name": "Org", "official_accounts": [{"platform": "weibo", "handle": "1"}]},
        {"id": "ceo", "kind": "person", "name": "Ceo", "accounts": [{"platform": "Weibo", "handle": "2"},
                                                                    {"platform": "weibo", "handle": "1"}]},
    ]})
    watched, official = watched_and_official(wl)
    assert [(a.platform, a.handle) for a in official] == [("weibo", "1")]
    assert [(a.platform, a.handle) for a in watched] == [("weibo", "2")]  # an official account is not "watched"
