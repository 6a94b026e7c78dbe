"""The fictional world of the synthetic sample: company, people, outlets, and the story's calendar.

Everything here is invented. "Kestrel" (红隼) is a made-up Chinese phone and EV maker; its people,
products, partner and rival are made up too, and every outlet lives under the reserved ``.example``
top-level domain so no URL can ever point at a real site.

The story mirrors the seed case in shape only: a founder-CEO who fronts every launch, a two-month
media storm around the car business that spills over onto the phones, and afterwards a CEO who sits
in the audience while the president keynotes, whose Weibo turns into copies of official posts and
whose Douyin livestreams stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

LANGS = ("de", "en", "vi", "zh")

START = date(2025, 7, 1)
END = date(2025, 12, 31)
# Weeks 14-22 of the period: the car-segment storm. Chosen so the closing analysis pieces in late
# December can say "two months ago", as the seed's article does.
STORM_START = date(2025, 10, 1)
STORM_END = date(2025, 11, 30)

# Names as each language writes them. Vietnamese press uses Sino-Vietnamese readings of Chinese
# names (韩志远 → Hàn Chí Viễn), which is what makes a diacritic alias necessary.
NAMES: dict[str, dict[str, str]] = {
    "de": {
        "ceo": "Han Zhiyuan", "pres": "Bai Ming", "ai": "Qiao Lin", "org": "Kestrel",
        "auto": "Kestrel Auto", "phones": "Kestrel-Smartphones", "car": "KS7", "suv": "KX9",
        "phone": "Kestrel 18", "ultra": "Kestrel 18 Ultra", "chip": "Lingxi X1", "partner": "Optiva",
        "rival": "Corvid", "model": "Kestrel Skyline", "weibo": "Weibo",
    },
    "en": {
        "ceo": "Han Zhiyuan", "pres": "Bai Ming", "ai": "Qiao Lin", "org": "Kestrel",
        "auto": "Kestrel Auto", "phones": "Kestrel phones", "car": "KS7", "suv": "KX9",
        "phone": "Kestrel 18", "ultra": "Kestrel 18 Ultra", "chip": "Lingxi X1", "partner": "Optiva",
        "rival": "Corvid", "model": "Kestrel Skyline", "weibo": "Weibo",
    },
    "vi": {
        "ceo": "Hàn Chí Viễn", "pres": "Bạch Minh", "ai": "Kiều Lâm", "org": "Kestrel",
        "auto": "Kestrel Auto", "phones": "điện thoại Kestrel", "car": "KS7", "suv": "KX9",
        "phone": "Kestrel 18", "ultra": "Kestrel 18 Ultra", "chip": "Lingxi X1", "partner": "Optiva",
        "rival": "Corvid", "model": "Kestrel Skyline", "weibo": "Weibo",
    },
    "zh": {
        "ceo": "韩志远", "pres": "白明", "ai": "乔琳", "org": "红隼",
        "auto": "红隼汽车", "phones": "红隼手机", "car": "KS7", "suv": "KX9",
        "phone": "红隼18", "ultra": "红隼18 Ultra", "chip": "灵犀X1", "partner": "奥蒂华",
        "rival": "渡鸦汽车", "model": "红隼天穹大模型", "weibo": "微博",
    },
}

# Machine translation renders 志远 ("far-reaching will") literally, the way 雷军 became
# "Donnerlord" in the seed. Republications of Vietnamese articles carry these.
MT_NICKNAME = {"de": "Fernwille", "en": "Farwill"}

CITIES = {
    "beijing": {"de": "Peking", "en": "Beijing", "vi": "Bắc Kinh", "zh": "北京"},
    "shanghai": {"de": "Shanghai", "en": "Shanghai", "vi": "Thượng Hải", "zh": "上海"},
    "guangzhou": {"de": "Guangzhou", "en": "Guangzhou", "vi": "Quảng Châu", "zh": "广州"},
    "wuhan": {"de": "Wuhan", "en": "Wuhan", "vi": "Vũ Hán", "zh": "武汉"},
}

MONTHS = {
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
    "vi": ["tháng Một", "tháng Hai", "tháng Ba", "tháng Tư", "tháng Năm", "tháng Sáu", "tháng Bảy",
           "tháng Tám", "tháng Chín", "tháng Mười", "tháng Mười Một", "tháng Mười Hai"],
    "zh": [f"{m}月" for m in range(1, 13)],
}

# Platform account ids are invented numbers in the shape the platforms use.
CEO_WEIBO_UID = 2718350946
ORG_WEIBO_UID = 5920481736
CEO_DOUYIN_UID = 84127730519
CEO_DOUYIN_SEC_UID = "MS4wLjABAAAAk3Zr1fQp8xLwY2tNcHv0aEJmS7uDqG5oRb9iWy4KzXe"


@dataclass(frozen=True, slots=True)
class Outlet:
    domain: str
    name: str
    lang: str
    layout: str  # classic | magazine | portal | blog | wire
    url: str  # pattern: {slug} {id} {y} {m} {d} {lang}
    section: str
    authors: tuple[str, ...]
    role: str = "news"  # news | portal | mirror | fan | wire


OUTLETS: tuple[Outlet, ...] = (
    Outlet("technikbote.example", "Technikbote", "de", "classic",
           "https://technikbote.example/technik/{slug}-{id}.html", "Technik",
           ("Katrin Albers", "Jonas Reuter", "Miriam Feld")),
    Outlet("wirtschaftsecho.example", "Wirtschaftsecho", "de", "magazine",
           "https://www.wirtschaftsecho.example/unternehmen/{y}/{m}/{slug}", "Unternehmen",
           ("Thomas Brandl", "Lea Voss")),
    Outlet("tagesfunk.example", "Tagesfunk", "de", "classic",
           "https://tagesfunk.example/wirtschaft/{slug}-a{id}", "Wirtschaft",
           ("Sven Hollerbach", "Anja Meiners")),
    Outlet("globaltechwire.example", "Global Tech Wire", "en", "classic",
           "https://globaltechwire.example/{y}/{m}/{d}/{slug}/", "Tech",
           ("Sarah Whitcombe", "Daniel Okafor", "Priya Raman")),
    Outlet("marketledger.example", "Market Ledger", "en", "magazine",
           "https://www.marketledger.example/companies/{slug}-{id}", "Companies",
           ("Hannah Greer", "Marcus Lyle")),
    Outlet("asiabiz-daily.example", "AsiaBiz Daily", "en", "classic",
           "https://asiabiz-daily.example/news/{id}/{slug}", "Business",
           ("Kevin Tan", "Olivia Marsh")),
    Outlet("tinnhanhso.example", "Tin Nhanh Số", "vi", "classic",
           "https://tinnhanhso.example/{slug}-post{id}.html", "Kinh doanh",
           ("Nguyễn Thu Hà", "Trần Minh Đức", "Lê Phương Anh")),
    Outlet("congnghe24.example", "Công Nghệ 24", "vi", "magazine",
           "https://congnghe24.example/xe/{slug}-{id}.htm", "Xe điện",
           ("Phạm Quốc Bảo", "Võ Ngọc Lan")),
    Outlet("doanhnhanviet.example", "Doanh Nhân Việt", "vi", "classic",
           "https://doanhnhanviet.example/doanh-nghiep/{slug}.html", "Doanh nghiệp",
           ("Đặng Hoài Nam", "Bùi Thanh Tâm")),
    Outlet("kexun.example", "科讯网", "zh", "classic",
           "https://www.kexun.example/tech/{y}{m}{d}/{id}.shtml", "科技",
           ("李静", "王浩然", "周雨桐")),
    Outlet("chexian.example", "车线", "zh", "magazine",
           "https://chexian.example/news/{id}.html", "汽车",
           ("赵一鸣", "孙晓岚")),
    Outlet("shangjie.example", "商界观察", "zh", "classic",
           "https://shangjie.example/a/{y}{m}{d}{id}.html", "财经",
           ("郑书航", "何佳宁")),
    # Portals that republish machine translations, like the seed's promotion portal.
    Outlet("mekong-portal.example", "Mekong Portal", "de", "portal",
           "https://mekong-portal.example/{lang}/{slug}-{id}.html", "Unternehmen", (), "portal"),
    Outlet("sinodigest.example", "Sino Digest", "en", "portal",
           "https://sinodigest.example/{lang}/story/{id}", "Business", (), "portal"),
    # Mirrors that syndicate exact copies.
    Outlet("newsmirror.example", "News Mirror", "en", "classic",
           "https://newsmirror.example/tech/{slug}", "Tech", ("Wire staff",), "mirror"),
    Outlet("nachrichtenspiegel.example", "Nachrichtenspiegel", "de", "classic",
           "https://nachrichtenspiegel.example/digital/{slug}-{id}", "Digital", ("Redaktion",), "mirror"),
    # A handful of pages in different layouts.
    Outlet("kestrel-fans.example", "Kestrel Fans Blog", "en", "blog",
           "https://kestrel-fans.example/{y}/{m}/{slug}/", "Blog", ("gearhead_lu",), "fan"),
    Outlet("presswire.example", "PressWire", "en", "wire",
           "https://presswire.example/releases/{id}", "Releases", ("Kestrel Technology",), "wire"),
)

NEWS_OUTLETS = {lang: [o for o in OUTLETS if o.lang == lang and o.role == "news"] for lang in LANGS}
OUTLET_BY_DOMAIN = {o.domain: o for o in OUTLETS}


@dataclass(frozen=True, slots=True)
class Event:
    """A dated happening that outlets cover in a burst of articles."""

    day: date
    topic: str
    articles: int  # size of the burst across all languages
    city: str = "beijing"


EVENTS: tuple[Event, ...] = (
    Event(date(2025, 7, 10), "launch_suv", 18, "beijing"),
    Event(date(2025, 8, 5), "chip", 14, "shanghai"),
    Event(date(2025, 8, 28), "results_q2", 10),
    Event(date(2025, 9, 25), "launch_phone", 22, "beijing"),
    Event(date(2025, 10, 1), "crash", 46, "wuhan"),
    Event(date(2025, 10, 14), "recall", 20),
    Event(date(2025, 10, 22), "ads", 36),
    Event(date(2025, 11, 5), "spillover", 26, "shanghai"),
    Event(date(2025, 11, 18), "results_q3", 12),
    Event(date(2025, 11, 21), "autoshow", 14, "guangzhou"),
    Event(date(2025, 12, 22), "launch_ultra", 22, "beijing"),
    Event(date(2025, 12, 24), "withdrawal", 12),
)

# Facts that every outlet reports the same way, so that coverage of one event agrees on numbers.
EVENT_FACTS: dict[str, dict[str, object]] = {
    "launch_suv": {"price": 259_000, "orders": 120_000, "hours": 18},
    "chip": {"invest": {"de": "13,5 Milliarden", "en": "13.5 billion", "vi": "13,5 tỷ", "zh": "135亿"}},
    "results_q2": {"quarter": {"de": "zweiten", "en": "second", "vi": "II", "zh": "二"},
                   "rev": {"de": "104,2 Milliarden", "en": "104.2 billion", "vi": "104,2 tỷ",
                           "zh": "1042亿"}, "pct": 31},
    "launch_phone": {"units": 1_000_000},
    "crash": {"pct": 8},
    "recall": {"units": 110_000},
    "results_q3": {"quarter": {"de": "dritten", "en": "third", "vi": "III", "zh": "三"},
                   "rev": {"de": "113,1 Milliarden", "en": "113.1 billion", "vi": "113,1 tỷ",
                           "zh": "1131亿"}, "pct": 22},
}
