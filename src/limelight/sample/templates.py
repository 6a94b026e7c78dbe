# ruff: noqa: E501  (one sentence per line reads best in a table of prose templates)
"""Sentence, title and caption templates for the synthetic sample, in de/en/vi/zh.

Every template exists in all four languages with the same meaning, so an article is an abstract
sequence of template keys that can be rendered in any language: a republication is the original's
sequence rendered in the target language, which gives the sample exact translation ground truth.

Each sentence carries a tone (-1, 0, +1) so the sample can record, per article, what tone a human
would read in it. Placeholders are filled from :data:`limelight.sample.world.NAMES` and per-event
facts; ints are formatted per language.
"""

from __future__ import annotations

from dataclasses import dataclass

# key -> (tone, {lang: text})
Sentences = dict[str, tuple[int, dict[str, str]]]

SENTENCES: Sentences = {
    # --- background -------------------------------------------------------------------------
    "bg_founder": (0, {
        "de": "{ceo} gründete {org} vor fünfzehn Jahren und führt das Unternehmen bis heute als Vorstandschef.",
        "en": "{ceo} founded {org} fifteen years ago and still runs the company as chief executive.",
        "vi": "{ceo} thành lập {org} cách đây mười lăm năm và đến nay vẫn là CEO của công ty.",
        "zh": "{ceo}十五年前创立{org}，至今仍担任公司首席执行官。",
    }),
    "bg_ev_entry": (0, {
        "de": "Mit dem Einstieg in den Markt für Elektroautos ist {org} zu einem der meistbeachteten Technologiekonzerne Chinas geworden.",
        "en": "Since entering the electric-vehicle market, {org} has become one of China's most watched technology groups.",
        "vi": "Kể từ khi tham gia thị trường xe điện, {org} đã trở thành một trong những tập đoàn công nghệ được chú ý nhất Trung Quốc.",
        "zh": "自进军电动汽车市场以来，{org}已成为中国最受关注的科技集团之一。",
    }),
    "bg_icon": (1, {
        "de": "{ceo} gilt seit Jahren als Gesicht der Marke und stellt die wichtigsten Produkte meist selbst vor.",
        "en": "{ceo} has long been the face of the brand and usually presents the key products himself.",
        "vi": "{ceo} từ lâu là gương mặt đại diện của thương hiệu và thường tự mình giới thiệu các sản phẩm chủ lực.",
        "zh": "{ceo}多年来一直是品牌的代言人，通常亲自发布重要产品。",
    }),
    # --- SUV launch -------------------------------------------------------------------------
    "suv_lead": (1, {
        "de": "{org} hat in {city} den Elektro-SUV {suv} vorgestellt, {ceo} hielt die Keynote selbst.",
        "en": "{org} unveiled its {suv} electric SUV in {city}, with {ceo} delivering the keynote himself.",
        "vi": "{org} ra mắt mẫu SUV điện {suv} tại {city}, {ceo} trực tiếp trình bày bài phát biểu chính.",
        "zh": "{org}在{city}发布电动SUV {suv}，{ceo}亲自登台发表主题演讲。",
    }),
    "suv_price": (0, {
        "de": "Der {suv} kostet ab {price} Yuan und soll im August ausgeliefert werden.",
        "en": "The {suv} starts at {price} yuan, and deliveries are due to begin in August.",
        "vi": "{suv} có giá khởi điểm {price} nhân dân tệ và dự kiến giao xe từ tháng Tám.",
        "zh": "{suv}起售价为{price}元，预计8月开始交付。",
    }),
    "suv_orders": (1, {
        "de": "Innerhalb von {hours} Stunden gingen nach Angaben des Unternehmens mehr als {orders} verbindliche Bestellungen ein.",
        "en": "The company said it received more than {orders} firm orders within {hours} hours.",
        "vi": "Theo công ty, hơn {orders} đơn đặt hàng đã được ghi nhận chỉ trong {hours} giờ.",
        "zh": "公司表示，{hours}小时内锁单量超过{orders}台。",
    }),
    "suv_quote": (1, {
        "de": "„Der {suv} ist das Auto, das ich mir selbst immer gewünscht habe“, sagte {ceo} auf der Bühne.",
        "en": "\"The {suv} is the car I always wanted for myself,\" {ceo} said on stage.",
        "vi": "\"{suv} là chiếc xe mà tôi luôn mong muốn cho chính mình\", {ceo} nói trên sân khấu.",
        "zh": "{ceo}在台上表示：“{suv}是我一直想给自己造的车。”",
    }),
    "ceo_stage": (1, {
        "de": "{ceo} sprach fast zwei Stunden lang und erzählte die Entstehungsgeschichte der Autosparte.",
        "en": "{ceo} spoke for almost two hours, telling the story behind the car division.",
        "vi": "{ceo} phát biểu gần hai tiếng, kể lại câu chuyện phía sau mảng ô tô.",
        "zh": "{ceo}演讲近两个小时，讲述了汽车业务背后的故事。",
    }),
    # --- chip -------------------------------------------------------------------------------
    "chip_lead": (1, {
        "de": "{org} hat mit dem {chip} seinen ersten selbst entwickelten Smartphone-Chip präsentiert.",
        "en": "{org} has presented the {chip}, its first in-house smartphone chip.",
        "vi": "{org} giới thiệu {chip}, con chip điện thoại đầu tiên do hãng tự phát triển.",
        "zh": "{org}发布首款自研手机芯片{chip}。",
    }),
    "chip_keynote": (1, {
        "de": "{ceo} stellte den Chip bei einer Veranstaltung in {city} persönlich vor und sprach von einem Meilenstein.",
        "en": "{ceo} introduced the chip in person at an event in {city}, calling it a milestone.",
        "vi": "{ceo} trực tiếp giới thiệu con chip tại sự kiện ở {city} và gọi đây là một cột mốc.",
        "zh": "{ceo}在{city}的活动上亲自介绍该芯片，称其为“里程碑”。",
    }),
    "chip_invest": (0, {
        "de": "Das Unternehmen hat nach eigenen Angaben mehr als {invest} Yuan in die Chipentwicklung investiert.",
        "en": "The company says it has invested more than {invest} yuan in chip development.",
        "vi": "Công ty cho biết đã đầu tư hơn {invest} nhân dân tệ vào phát triển chip.",
        "zh": "公司称已在芯片研发上投入超过{invest}元。",
    }),
    "chip_quote": (1, {
        "de": "„Wer Hardware ernst meint, muss eigene Chips bauen“, sagte {ceo}.",
        "en": "\"Anyone serious about hardware has to build their own chips,\" said {ceo}.",
        "vi": "\"Ai nghiêm túc với phần cứng thì phải tự làm chip\", {ceo} cho biết.",
        "zh": "{ceo}表示：“真正做硬件，就必须自己造芯片。”",
    }),
    # --- results ----------------------------------------------------------------------------
    "res_lead": (1, {
        "de": "{org} hat im {quarter} Quartal einen Rekordumsatz von {rev} Yuan erzielt.",
        "en": "{org} posted record revenue of {rev} yuan in the {quarter} quarter.",
        "vi": "{org} đạt doanh thu kỷ lục {rev} nhân dân tệ trong quý {quarter}.",
        "zh": "{org}第{quarter}季度营收达{rev}元，创历史新高。",
    }),
    "res_growth": (1, {
        "de": "Sowohl das Smartphone- als auch das Autogeschäft wuchsen deutlich, der Gewinn stieg um {pct} Prozent.",
        "en": "Both the smartphone and the car businesses grew strongly, and profit rose {pct} percent.",
        "vi": "Cả mảng điện thoại và ô tô đều tăng trưởng mạnh, lợi nhuận tăng {pct}%.",
        "zh": "手机和汽车业务均大幅增长，利润增长{pct}%。",
    }),
    "res_ceo_quote": (1, {
        "de": "„Wir stehen erst am Anfang“, sagte {ceo} in der Telefonkonferenz mit Analysten.",
        "en": "\"We are only at the beginning,\" {ceo} said on the call with analysts.",
        "vi": "\"Chúng tôi mới chỉ ở giai đoạn khởi đầu\", {ceo} nói trong cuộc họp với các nhà phân tích.",
        "zh": "{ceo}在分析师电话会上表示：“我们才刚刚起步。”",
    }),
    "res_pres_quote": (0, {
        "de": "„Wir nehmen die Kritik an unserer Autosparte sehr ernst“, sagte Präsident {pres} bei der Vorlage der Zahlen.",
        "en": "\"We take the criticism of our car business very seriously,\" president {pres} said as he presented the figures.",
        "vi": "\"Chúng tôi rất coi trọng những chỉ trích đối với mảng ô tô\", Chủ tịch {pres} nói khi công bố kết quả.",
        "zh": "总裁{pres}在发布业绩时表示：“我们非常重视外界对汽车业务的批评。”",
    }),
    "res_ceo_absent": (0, {
        "de": "{ceo} trat bei der Präsentation der Zahlen nicht auf.",
        "en": "{ceo} did not appear at the results presentation.",
        "vi": "{ceo} không xuất hiện tại buổi công bố kết quả kinh doanh.",
        "zh": "{ceo}没有出现在业绩发布会上。",
    }),
    # --- phone launch -----------------------------------------------------------------------
    "phone_lead": (1, {
        "de": "{org} hat die {phone}-Serie vorgestellt, rund einen Monat früher als üblich.",
        "en": "{org} has launched the {phone} series, about a month earlier than usual.",
        "vi": "{org} ra mắt dòng {phone}, sớm hơn khoảng một tháng so với thường lệ.",
        "zh": "{org}发布{phone}系列，比往年提前约一个月。",
    }),
    "phone_keynote": (1, {
        "de": "{ceo} hielt die Eröffnungsrede und erzählte die Geschichte hinter dem {chip} und der Autosparte.",
        "en": "{ceo} gave the opening speech and told the story behind the {chip} and the car division.",
        "vi": "{ceo} có bài phát biểu mở màn, kể câu chuyện phía sau chip {chip} và mảng ô tô.",
        "zh": "{ceo}发表开场演讲，讲述了{chip}芯片和汽车业务背后的故事。",
    }),
    "phone_sales": (1, {
        "de": "In den ersten fünf Tagen wurden mehr als {units} Geräte verkauft.",
        "en": "More than {units} units were sold in the first five days.",
        "vi": "Hơn {units} máy đã được bán ra trong năm ngày đầu tiên.",
        "zh": "首销五天销量突破{units}台。",
    }),
    "phone_quote": (1, {
        "de": "„Das ist das beste Telefon, das wir je gebaut haben“, sagte {ceo}.",
        "en": "\"This is the best phone we have ever built,\" said {ceo}.",
        "vi": "\"Đây là chiếc điện thoại tốt nhất chúng tôi từng làm ra\", {ceo} nói.",
        "zh": "{ceo}表示：“这是我们做过的最好的手机。”",
    }),
    # --- routine ----------------------------------------------------------------------------
    "r_deliveries": (1, {
        "de": "{auto} lieferte im {month} mehr als {units} Fahrzeuge aus.",
        "en": "{auto} delivered more than {units} vehicles in {month}.",
        "vi": "{auto} đã bàn giao hơn {units} xe trong {month}.",
        "zh": "{auto}{month}交付量超过{units}台。",
    }),
    "r_weibo_active": (1, {
        "de": "{ceo} ist in den sozialen Medien sehr präsent und meldet sich fast täglich auf {weibo} zu Wort.",
        "en": "{ceo} is highly visible on social media and posts on {weibo} almost every day.",
        "vi": "{ceo} rất tích cực trên mạng xã hội và đăng bài trên {weibo} gần như mỗi ngày.",
        "zh": "{ceo}在社交媒体上十分活跃，几乎每天都在{weibo}发文。",
    }),
    "r_gym": (0, {
        "de": "Regelmäßig teilt er auch Check-ins aus dem Fitnessstudio mit seinen Followern.",
        "en": "He regularly shares gym check-ins with his followers.",
        "vi": "Ông cũng thường xuyên chia sẻ các lần check-in tại phòng tập gym với người theo dõi.",
        "zh": "他还经常和粉丝分享健身打卡。",
    }),
    "r_livestream": (1, {
        "de": "Auf Douyin beantwortet {ceo} in Livestreams Fragen von Kunden zum {car}.",
        "en": "On Douyin, {ceo} answers customers' questions about the {car} in livestreams.",
        "vi": "Trên Douyin, {ceo} livestream để trả lời câu hỏi của khách hàng về {car}.",
        "zh": "{ceo}在抖音直播中回答用户关于{car}的问题。",
    }),
    "r_rival": (0, {
        "de": "Konkurrent {rival} senkte zugleich die Preise seiner Elektroautos.",
        "en": "Rival {rival} cut the prices of its electric cars at the same time.",
        "vi": "Cùng lúc đó, đối thủ {rival} giảm giá các mẫu xe điện của mình.",
        "zh": "与此同时，竞争对手{rival}下调了旗下电动车的售价。",
    }),
    "r_rival_compare": (1, {
        "de": "Im Vergleich zu {rival} gilt {org} bei jungen Käufern als moderner.",
        "en": "Compared with {rival}, {org} is seen as more modern by young buyers.",
        "vi": "So với {rival}, {org} được người mua trẻ đánh giá là hiện đại hơn.",
        "zh": "与{rival}相比，{org}在年轻消费者眼中更具科技感。",
    }),
    "r_factory": (1, {
        "de": "Die zweite Fabrik in {city} soll die Produktion bis Jahresende verdoppeln.",
        "en": "A second factory in {city} is expected to double output by the end of the year.",
        "vi": "Nhà máy thứ hai tại {city} dự kiến sẽ tăng gấp đôi sản lượng vào cuối năm.",
        "zh": "位于{city}的二期工厂预计年底前将产能翻倍。",
    }),
    "r_ceo_factory_quote": (1, {
        "de": "„Wir liefern so schnell, wie wir können“, schrieb {ceo} auf {weibo}.",
        "en": "\"We are delivering as fast as we can,\" {ceo} wrote on {weibo}.",
        "vi": "\"Chúng tôi đang giao xe nhanh nhất có thể\", {ceo} viết trên {weibo}.",
        "zh": "{ceo}在{weibo}上写道：“我们正在全力加快交付。”",
    }),
    # --- the storm: crash -------------------------------------------------------------------
    "crash_lead": (-1, {
        "de": "Nach einem tödlichen Unfall mit einem {car} steht {auto} in der Kritik.",
        "en": "{auto} is under fire after a fatal crash involving a {car}.",
        "vi": "{auto} hứng chịu chỉ trích sau vụ tai nạn chết người liên quan đến một chiếc {car}.",
        "zh": "一辆{car}发生致命事故后，{auto}陷入舆论风波。",
    }),
    "crash_detail": (-1, {
        "de": "Nach Berichten ließen sich die Türen des brennenden Fahrzeugs nicht öffnen.",
        "en": "According to reports, the doors of the burning vehicle could not be opened.",
        "vi": "Theo các báo cáo, cửa của chiếc xe đang bốc cháy đã không thể mở được.",
        "zh": "据报道，起火车辆的车门无法打开。",
    }),
    "crash_assist": (-1, {
        "de": "Kurz vor dem Aufprall war der Fahrassistent aktiv, wie Daten des Herstellers zeigen.",
        "en": "Data from the manufacturer show that the driver-assistance system was active shortly before the impact.",
        "vi": "Dữ liệu của nhà sản xuất cho thấy hệ thống hỗ trợ lái đang hoạt động ngay trước khi va chạm.",
        "zh": "厂商数据显示，碰撞前辅助驾驶系统处于开启状态。",
    }),
    "crash_outrage": (-1, {
        "de": "In den sozialen Medien wurde {org} scharf kritisiert, der Hashtag zum Unfall wurde hunderte Millionen Mal aufgerufen.",
        "en": "{org} was sharply criticised on social media, and the hashtag about the crash was viewed hundreds of millions of times.",
        "vi": "{org} bị chỉ trích gay gắt trên mạng xã hội, hashtag về vụ tai nạn thu hút hàng trăm triệu lượt xem.",
        "zh": "{org}在社交媒体上遭到猛烈批评，相关话题阅读量达数亿次。",
    }),
    "crash_company": (0, {
        "de": "{org} erklärte, man arbeite mit den Behörden zusammen und werde die Fahrzeugdaten offenlegen.",
        "en": "{org} said it was cooperating with the authorities and would release the vehicle data.",
        "vi": "{org} cho biết đang hợp tác với cơ quan chức năng và sẽ công bố dữ liệu của xe.",
        "zh": "{org}表示正在配合有关部门调查，并将公开车辆数据。",
    }),
    "crash_ceo_post": (-1, {
        "de": "{ceo} schrieb auf {weibo}, er sei „zutiefst betroffen“, was viele Nutzer als zu spät empfanden.",
        "en": "{ceo} wrote on {weibo} that he was \"deeply saddened\", which many users felt came too late.",
        "vi": "{ceo} viết trên {weibo} rằng ông \"vô cùng đau lòng\", nhưng nhiều người dùng cho rằng phản hồi này quá muộn.",
        "zh": "{ceo}在{weibo}上表示“万分悲痛”，不少网友认为回应来得太晚。",
    }),
    "crash_shares": (-1, {
        "de": "Die Aktie von {org} verlor zeitweise mehr als {pct} Prozent.",
        "en": "{org} shares fell more than {pct} percent at one point.",
        "vi": "Cổ phiếu {org} có lúc giảm hơn {pct}%.",
        "zh": "{org}股价一度下跌超过{pct}%。",
    }),
    # --- recall -----------------------------------------------------------------------------
    "recall_lead": (-1, {
        "de": "{auto} ruft mehr als {units} Fahrzeuge des Typs {car} wegen Problemen mit dem Fahrassistenten zurück.",
        "en": "{auto} is recalling more than {units} {car} vehicles over problems with the driver-assistance system.",
        "vi": "{auto} triệu hồi hơn {units} xe {car} do lỗi hệ thống hỗ trợ lái.",
        "zh": "{auto}因辅助驾驶系统问题召回超过{units}辆{car}。",
    }),
    "recall_regulator": (-1, {
        "de": "Die Marktaufsicht hat eine Untersuchung eingeleitet.",
        "en": "The market regulator has opened an investigation.",
        "vi": "Cơ quan quản lý thị trường đã mở cuộc điều tra.",
        "zh": "市场监管部门已介入调查。",
    }),
    "recall_ota": (0, {
        "de": "Das Problem soll per Software-Update behoben werden.",
        "en": "The problem is to be fixed with an over-the-air software update.",
        "vi": "Lỗi này sẽ được khắc phục bằng bản cập nhật phần mềm từ xa.",
        "zh": "该问题将通过OTA软件升级解决。",
    }),
    # --- misleading ads ---------------------------------------------------------------------
    "ads_lead": (-1, {
        "de": "{auto} muss sich gegen den Vorwurf irreführender Werbung für den {car} wehren.",
        "en": "{auto} faces accusations of misleading advertising for the {car}.",
        "vi": "{auto} bị cáo buộc quảng cáo gây hiểu lầm cho mẫu {car}.",
        "zh": "{auto}被指{car}存在误导性宣传。",
    }),
    "ads_fineprint": (-1, {
        "de": "Die Verkaufsbedingungen waren in den Anzeigen so klein gedruckt, dass sie kaum zu lesen waren.",
        "en": "The terms of sale were printed so small in the ads that they could hardly be read.",
        "vi": "Các điều kiện bán hàng được in quá nhỏ trong quảng cáo đến mức gần như không thể đọc được.",
        "zh": "广告中的销售条款字号过小，几乎无法看清。",
    }),
    "ads_range": (-1, {
        "de": "Käufer beklagen, dass die angegebene Reichweite im Alltag deutlich unterschritten wird.",
        "en": "Buyers complain that the advertised range falls well short in everyday driving.",
        "vi": "Người mua phàn nàn rằng quãng đường di chuyển thực tế thấp hơn nhiều so với quảng cáo.",
        "zh": "车主抱怨实际续航远低于宣传数据。",
    }),
    "ads_ceo_blame": (-1, {
        "de": "Kritiker machen vor allem {ceo} verantwortlich, dessen Marketing-Stil nun als überzogen gilt.",
        "en": "Critics blame {ceo} in particular, whose marketing style is now seen as overblown.",
        "vi": "Giới phê bình chủ yếu quy trách nhiệm cho {ceo}, người có phong cách tiếp thị nay bị coi là phóng đại.",
        "zh": "批评者主要将矛头指向{ceo}，认为其营销风格过于夸大。",
    }),
    "ads_image": (-1, {
        "de": "Das öffentliche Bild von {ceo} hat sich deutlich verschlechtert.",
        "en": "The public image of {ceo} has clearly deteriorated.",
        "vi": "Hình ảnh của {ceo} trong mắt công chúng đã xấu đi rõ rệt.",
        "zh": "{ceo}的公众形象明显受损。",
    }),
    "ads_apology": (0, {
        "de": "{org} entschuldigte sich und kündigte an, die Werbung zu überarbeiten.",
        "en": "{org} apologised and said it would revise the ads.",
        "vi": "{org} đã xin lỗi và cho biết sẽ điều chỉnh lại quảng cáo.",
        "zh": "{org}致歉并表示将修改相关广告。",
    }),
    # --- spillover onto the phones ----------------------------------------------------------
    "spill_lead": (-1, {
        "de": "Die Kontroversen um die Elektroautos belasten inzwischen auch die {phones}.",
        "en": "The controversies around the electric cars are now also weighing on {phones}.",
        "vi": "Những tranh cãi xoay quanh xe điện nay cũng ảnh hưởng tiêu cực tới {phones}.",
        "zh": "电动车风波如今也拖累了{phones}。",
    }),
    "spill_boycott": (-1, {
        "de": "In Foren rufen Nutzer dazu auf, keine Geräte von {org} mehr zu kaufen.",
        "en": "Users on forums are calling for people to stop buying {org} devices.",
        "vi": "Trên các diễn đàn, người dùng kêu gọi ngừng mua thiết bị của {org}.",
        "zh": "有网友在论坛上呼吁不再购买{org}的产品。",
    }),
    "spill_brand": (-1, {
        "de": "Die strategische Position der {phones} ist nach Ansicht von Analysten beschädigt.",
        "en": "Analysts say the strategic position of {phones} has been damaged.",
        "vi": "Theo các nhà phân tích, vị thế chiến lược của {phones} đã bị tổn hại.",
        "zh": "分析人士认为，{phones}的战略地位已受到影响。",
    }),
    "spill_sales_ok": (1, {
        "de": "Die Verkaufszahlen der {phone}-Serie sind bislang dennoch hoch.",
        "en": "Sales of the {phone} series nevertheless remain high so far.",
        "vi": "Dù vậy, doanh số dòng {phone} cho đến nay vẫn ở mức cao.",
        "zh": "不过，{phone}系列目前销量依然强劲。",
    }),
    "spill_analyst": (-1, {
        "de": "„Jede Schlagzeile über die Autos trifft jetzt auch die Telefone“, sagte ein Analyst.",
        "en": "\"Every headline about the cars now hits the phones too,\" one analyst said.",
        "vi": "\"Mỗi tiêu đề về ô tô giờ đây cũng ảnh hưởng đến điện thoại\", một nhà phân tích nhận định.",
        "zh": "一位分析师表示：“每一条关于汽车的负面新闻，现在都会波及手机。”",
    }),
    # --- auto show --------------------------------------------------------------------------
    "show_lead": (0, {
        "de": "Auf der Automesse in {city} fehlte {ceo}; stattdessen stellte {ai} das quelloffene KI-Modell {model} vor.",
        "en": "{ceo} was absent from the {city} auto show; instead, {ai} presented the open-source AI model {model}.",
        "vi": "{ceo} vắng mặt tại triển lãm ô tô {city}; thay vào đó, {ai} giới thiệu mô hình AI mã nguồn mở {model}.",
        "zh": "{ceo}缺席{city}车展，由{ai}发布开源AI大模型{model}。",
    }),
    "show_ai_speaks": (1, {
        "de": "{ai}, die das KI-Labor von {org} leitet, sprach vor vollem Saal.",
        "en": "{ai}, who heads {org}'s AI lab, spoke to a packed hall.",
        "vi": "{ai}, người đứng đầu phòng thí nghiệm AI của {org}, phát biểu trước khán phòng chật kín.",
        "zh": "{org}AI实验室负责人{ai}在座无虚席的会场发表演讲。",
    }),
    "show_ai_quote": (1, {
        "de": "„Das Modell gehört allen Entwicklern“, sagte {ai}.",
        "en": "\"The model belongs to every developer,\" said {ai}.",
        "vi": "\"Mô hình này thuộc về mọi nhà phát triển\", {ai} nói.",
        "zh": "{ai}表示：“这个模型属于每一位开发者。”",
    }),
    "show_absent": (0, {
        "de": "Beobachter werten das Fehlen von {ceo} als Zeichen einer neuen Kommunikationsstrategie.",
        "en": "Observers read {ceo}'s absence as a sign of a new communication strategy.",
        "vi": "Giới quan sát coi sự vắng mặt của {ceo} là dấu hiệu của chiến lược truyền thông mới.",
        "zh": "观察人士认为，{ceo}的缺席释放出沟通策略调整的信号。",
    }),
    # --- the Ultra launch: president on stage, CEO in the audience ---------------------------
    "ultra_lead": (1, {
        "de": "{org} hat das {ultra} vorgestellt, das erste Produkt der Partnerschaft mit dem Kamerahersteller {partner}.",
        "en": "{org} has unveiled the {ultra}, the first product of its partnership with camera maker {partner}.",
        "vi": "{org} ra mắt {ultra}, sản phẩm đầu tiên trong quan hệ đối tác với hãng máy ảnh {partner}.",
        "zh": "{org}发布{ultra}，这是其与相机厂商{partner}合作的首款产品。",
    }),
    "ultra_keynote": (0, {
        "de": "{pres} trat als Hauptredner auf, während {ceo} im Publikum saß.",
        "en": "{pres} took the stage as keynote speaker, while {ceo} sat in the audience.",
        "vi": "{pres} là diễn giả chính, trong khi {ceo} ngồi ở hàng ghế khán giả.",
        "zh": "{pres}担任主讲嘉宾，{ceo}则坐在台下观众席。",
    }),
    "ultra_noauto": (0, {
        "de": "Fast keine Inhalte der Präsentation hatten mit {auto} zu tun.",
        "en": "Almost nothing in the presentation had to do with {auto}.",
        "vi": "Hầu như không có nội dung nào của buổi ra mắt liên quan đến {auto}.",
        "zh": "发布会几乎没有涉及{auto}的内容。",
    }),
    "ultra_camera": (1, {
        "de": "Das Gerät besticht durch ein Objektiv und eine Bildverarbeitung von {partner}.",
        "en": "The device stands out with a lens and imaging technology from {partner}.",
        "vi": "Thiết bị nổi bật với ống kính và công nghệ xử lý hình ảnh từ {partner}.",
        "zh": "该机搭载{partner}镜头与影像技术，表现亮眼。",
    }),
    "ultra_early": (0, {
        "de": "Die Reihe kommt rund zwei Monate früher als in den Vorjahren, um das Geschäft vor dem Neujahrsfest mitzunehmen.",
        "en": "The line arrives about two months earlier than in previous years to catch sales before the New Year festival.",
        "vi": "Dòng sản phẩm ra mắt sớm hơn khoảng hai tháng so với các năm trước để đón mùa mua sắm Tết.",
        "zh": "该系列比往年提前约两个月上市，以抓住春节前的销售旺季。",
    }),
    "ultra_pres_quote": (1, {
        "de": "„Wir zeigen das Produkt, nicht die Geschichte dahinter“, sagte {pres}.",
        "en": "\"We are showing the product, not the story behind it,\" said {pres}.",
        "vi": "\"Chúng tôi giới thiệu sản phẩm chứ không phải câu chuyện phía sau nó\", {pres} nói.",
        "zh": "{pres}表示：“我们展示的是产品本身，而不是背后的故事。”",
    }),
    "ultra_partner_quote": (1, {
        "de": "„Die Zusammenarbeit mit {org} ist für uns ein großer Schritt“, sagte ein Sprecher von {partner}.",
        "en": "\"Working with {org} is a big step for us,\" a {partner} spokesperson said.",
        "vi": "\"Hợp tác với {org} là bước tiến lớn đối với chúng tôi\", người phát ngôn của {partner} cho biết.",
        "zh": "{partner}发言人表示：“与{org}合作对我们而言是一大步。”",
    }),
    # --- withdrawal from the spotlight ------------------------------------------------------
    "wd_lead": (0, {
        "de": "Nach der Medienkrise scheint {org} seine Kommunikationsstrategie geändert zu haben und {ceo} weniger Aufmerksamkeit zukommen zu lassen.",
        "en": "After the media crisis, {org} appears to have changed its communication strategy and to be giving {ceo} less attention.",
        "vi": "Sau khủng hoảng truyền thông, {org} dường như đã thay đổi chiến lược truyền thông và giảm bớt sự chú ý dành cho {ceo}.",
        "zh": "经历舆论危机后，{org}似乎调整了传播策略，有意降低{ceo}的曝光度。",
    }),
    "wd_weibo": (0, {
        "de": "Er postet zwar noch auf {weibo}, doch die Beiträge bestehen größtenteils aus kopierten offiziellen Mitteilungen.",
        "en": "He still posts on {weibo}, but the posts are mostly copies of official announcements.",
        "vi": "Ông vẫn đăng bài trên {weibo}, nhưng phần lớn nội dung là sao chép thông tin chính thức.",
        "zh": "他仍在更新{weibo}，但内容大多是转发官方信息。",
    }),
    "wd_gym": (0, {
        "de": "Check-ins aus dem Fitnessstudio gibt es seit über zwei Monaten nicht mehr.",
        "en": "There have been no gym check-ins for more than two months.",
        "vi": "Đã hơn hai tháng ông không còn check-in tại phòng gym.",
        "zh": "他已经两个多月没有在健身房打卡。",
    }),
    "wd_douyin": (0, {
        "de": "Auf Douyin streamt {ceo} schon lange nicht mehr live.",
        "en": "{ceo} has not livestreamed on Douyin for a long time.",
        "vi": "{ceo} đã lâu không livestream trên Douyin.",
        "zh": "{ceo}已经很久没有在抖音直播。",
    }),
    "wd_quiet": (0, {
        "de": "{ceo} verhielt sich bei der jüngsten Präsentation ungewöhnlich still.",
        "en": "{ceo} was unusually quiet at the latest launch.",
        "vi": "{ceo} tỏ ra im lặng bất thường tại buổi ra mắt gần đây.",
        "zh": "{ceo}在最近的发布会上异常低调。",
    }),
    "wd_strategy": (0, {
        "de": "Bei Produkteinführungen steht nun das Produkterlebnis im Vordergrund statt der persönlichen Geschichte des Gründers.",
        "en": "Launches now focus on the product experience rather than the founder's personal story.",
        "vi": "Các buổi ra mắt giờ tập trung vào trải nghiệm sản phẩm thay vì câu chuyện cá nhân của nhà sáng lập.",
        "zh": "发布会如今更注重产品体验，而非创始人的个人故事。",
    }),
    "wd_record": (1, {
        "de": "Geschäftlich läuft es dennoch gut: Smartphone- und Autosparte erzielten Rekordergebnisse.",
        "en": "Business is nonetheless going well: both the smartphone and the car divisions posted record results.",
        "vi": "Tuy vậy, hoạt động kinh doanh vẫn thuận lợi: cả mảng điện thoại và ô tô đều đạt kết quả kỷ lục.",
        "zh": "不过业务表现依然亮眼，手机和汽车业务均创下历史最佳业绩。",
    }),
    "wd_reputation": (-1, {
        "de": "Der Ruf des Unternehmens befindet sich nach Einschätzung von Beobachtern an einem kritischen Punkt.",
        "en": "Observers believe the company's reputation is at a critical point.",
        "vi": "Theo giới quan sát, uy tín của công ty đang ở thời điểm then chốt.",
        "zh": "观察人士认为，公司声誉正处于关键节点。",
    }),
    # --- storm context ----------------------------------------------------------------------
    "ctx_storm": (-1, {
        "de": "Seit Wochen steht {org} wegen Sicherheitsfragen und umstrittener Werbung unter Druck.",
        "en": "For weeks {org} has been under pressure over safety questions and disputed advertising.",
        "vi": "Nhiều tuần qua, {org} chịu áp lực vì các vấn đề an toàn và quảng cáo gây tranh cãi.",
        "zh": "数周以来，{org}因安全问题和争议广告承受巨大压力。",
    }),
    "ctx_storm_past": (0, {
        "de": "Vor rund zwei Monaten war {org} in einen Mediensturm um seine Autosparte geraten.",
        "en": "About two months ago {org} was caught in a media storm over its car division.",
        "vi": "Khoảng hai tháng trước, {org} rơi vào cơn bão truyền thông liên quan đến mảng ô tô.",
        "zh": "大约两个月前，{org}因汽车业务陷入舆论风暴。",
    }),
}

TITLES: dict[str, list[dict[str, str]]] = {
    "launch_suv": [
        {"de": "{org} stellt Elektro-SUV {suv} vor", "en": "{org} unveils {suv} electric SUV",
         "vi": "{org} ra mắt SUV điện {suv}", "zh": "{org}发布电动SUV {suv}"},
        {"de": "{ceo} präsentiert den {suv} persönlich", "en": "{ceo} takes the stage for the {suv}",
         "vi": "{ceo} trực tiếp trình làng {suv}", "zh": "{ceo}亲自发布{suv}"},
    ],
    "chip": [
        {"de": "{org} zeigt eigenen Chip {chip}", "en": "{org} shows in-house chip {chip}",
         "vi": "{org} trình làng chip tự phát triển {chip}", "zh": "{org}发布自研芯片{chip}"},
        {"de": "{ceo}: Eigene Chips als Meilenstein", "en": "{ceo} calls {chip} a milestone",
         "vi": "{ceo} gọi {chip} là cột mốc", "zh": "{ceo}：{chip}是里程碑"},
    ],
    "results": [
        {"de": "{org} meldet Rekordumsatz", "en": "{org} reports record revenue",
         "vi": "{org} báo doanh thu kỷ lục", "zh": "{org}营收创新高"},
        {"de": "Quartalszahlen: {org} wächst weiter", "en": "{org} keeps growing in the {quarter} quarter",
         "vi": "{org} tiếp tục tăng trưởng trong quý {quarter}", "zh": "{org}第{quarter}季度继续增长"},
    ],
    "launch_phone": [
        {"de": "{org} bringt {phone}-Serie früher auf den Markt", "en": "{org} launches {phone} series early",
         "vi": "{org} ra mắt dòng {phone} sớm", "zh": "{org}提前发布{phone}系列"},
        {"de": "{ceo} stellt das {phone} vor", "en": "{ceo} presents the {phone}",
         "vi": "{ceo} giới thiệu {phone}", "zh": "{ceo}发布{phone}"},
    ],
    "deliveries": [
        {"de": "{auto} steigert Auslieferungen", "en": "{auto} deliveries climb",
         "vi": "{auto} tăng lượng giao xe", "zh": "{auto}交付量攀升"},
        {"de": "{auto} meldet Auslieferungen für {month}", "en": "{auto} posts {month} deliveries",
         "vi": "{auto} công bố lượng giao xe {month}", "zh": "{auto}公布{month}交付数据"},
    ],
    "ceo_profile": [
        {"de": "{ceo}: Der Chef, der alles selbst erklärt", "en": "{ceo}, the boss who explains everything himself",
         "vi": "{ceo}: vị CEO tự mình giải thích mọi thứ", "zh": "{ceo}：凡事亲力亲为的掌门人"},
    ],
    "crash": [
        {"de": "Tödlicher Unfall: {auto} unter Druck", "en": "Fatal crash puts {auto} under pressure",
         "vi": "Tai nạn chết người đẩy {auto} vào thế khó", "zh": "致命事故令{auto}陷入舆论漩涡"},
        {"de": "{car}-Unfall: Fragen an {org}", "en": "{car} crash raises questions for {org}",
         "vi": "Vụ tai nạn {car} đặt ra câu hỏi cho {org}", "zh": "{car}事故引发外界对{org}的质疑"},
    ],
    "recall": [
        {"de": "{auto} ruft {car} zurück", "en": "{auto} recalls {car}",
         "vi": "{auto} triệu hồi {car}", "zh": "{auto}召回{car}"},
    ],
    "ads": [
        {"de": "Vorwurf irreführender Werbung gegen {auto}", "en": "{auto} accused of misleading ads",
         "vi": "{auto} bị tố quảng cáo gây hiểu lầm", "zh": "{auto}陷误导宣传争议"},
        {"de": "Kleingedrucktes bringt {ceo} in Erklärungsnot", "en": "Fine print puts {ceo} on the defensive",
         "vi": "Chữ in nhỏ khiến {ceo} lâm vào thế khó", "zh": "小字条款让{ceo}陷入被动"},
    ],
    "spillover": [
        {"de": "Auto-Krise trifft {phones}", "en": "Car crisis spills over to {phones}",
         "vi": "Khủng hoảng xe điện lan sang {phones}", "zh": "汽车风波殃及{phones}"},
    ],
    "autoshow": [
        {"de": "{ai} statt {ceo}: {org} auf der Automesse", "en": "{ai}, not {ceo}, fronts {org} at auto show",
         "vi": "{ai} thay {ceo} tại triển lãm ô tô", "zh": "{ai}代替{ceo}亮相车展"},
    ],
    "launch_ultra": [
        {"de": "{ultra}: {pres} auf der Bühne, {ceo} im Publikum",
         "en": "{ultra} launch: {pres} on stage, {ceo} in the audience",
         "vi": "{ultra}: {pres} lên sân khấu, {ceo} ngồi dưới khán đài",
         "zh": "{ultra}发布：{pres}登台，{ceo}台下观看"},
        {"de": "{org} zeigt {ultra} mit Kamera von {partner}", "en": "{org} shows {ultra} with {partner} camera",
         "vi": "{org} trình làng {ultra} với camera {partner}", "zh": "{org}发布{ultra}，携手{partner}"},
    ],
    "withdrawal": [
        {"de": "Der {ceo} tritt leiser", "en": "The {ceo} goes quiet",
         "vi": "{ceo} lặng lẽ lùi lại", "zh": "{ceo}悄然退居幕后"},
        {"de": "{ceo} zieht sich aus dem Rampenlicht zurück", "en": "{ceo} steps back from the spotlight",
         "vi": "{ceo} rời xa ánh đèn sân khấu", "zh": "{ceo}淡出聚光灯"},
    ],
}

# Sub-headings for long pieces. Machine-translated republications keep the source's full stop.
SUBHEADS: dict[str, dict[str, str]] = {
    "strategy": {"de": "Eine neue Strategie", "en": "A new strategy", "vi": "Chiến lược mới", "zh": "新的策略"},
    "quiet": {"de": "Der leise Rückzug", "en": "The quiet retreat", "vi": "Lặng lẽ rút lui", "zh": "悄然退场"},
    "storm": {"de": "Zwei Monate Gegenwind", "en": "Two months of headwinds", "vi": "Hai tháng sóng gió",
              "zh": "两个月的风波"},
}

CAPTIONS: dict[str, dict[str, str]] = {
    "cap_ceo_stage": {"de": "{ceo} bei der Vorstellung in {city}. Foto: {org}.",
                      "en": "{ceo} at the launch in {city}. Photo: {org}.",
                      "vi": "{ceo} tại sự kiện ra mắt ở {city}. Ảnh: {org}.",
                      "zh": "{ceo}在{city}发布会上。图片来源：{org}"},
    "cap_ceo_file": {"de": "{ceo} bei einer früheren Veranstaltung. Foto: {org}.",
                     "en": "{ceo} at an earlier event. Photo: {org}.",
                     "vi": "{ceo} tại một sự kiện trước đây. Ảnh: {org}.",
                     "zh": "{ceo}在此前的一场活动上。图片来源：{org}"},
    "cap_car": {"de": "Der {car} von {auto}. Foto: {outlet}.", "en": "The {car} from {auto}. Photo: {outlet}.",
                "vi": "Mẫu {car} của {auto}. Ảnh: {outlet}.", "zh": "{auto}旗下{car}。图片来源：{outlet}"},
    "cap_suv": {"de": "Der neue {suv} auf der Bühne. Foto: {org}.", "en": "The new {suv} on stage. Photo: {org}.",
                "vi": "Mẫu {suv} mới trên sân khấu. Ảnh: {org}.", "zh": "新款{suv}亮相舞台。图片来源：{org}"},
    "cap_phone": {"de": "Das {phone} im Handel. Foto: {outlet}.", "en": "The {phone} in a store. Photo: {outlet}.",
                  "vi": "{phone} tại cửa hàng. Ảnh: {outlet}.", "zh": "门店里的{phone}。图片来源：{outlet}"},
    "cap_chip": {"de": "Der {chip}-Chip. Foto: {org}.", "en": "The {chip} chip. Photo: {org}.",
                 "vi": "Chip {chip}. Ảnh: {org}.", "zh": "{chip}芯片。图片来源：{org}"},
    "cap_ultra": {"de": "Das {ultra} mit Kamera von {partner}. Foto: {org}.",
                  "en": "The {ultra} with a {partner} camera. Photo: {org}.",
                  "vi": "{ultra} với camera {partner}. Ảnh: {org}.",
                  "zh": "搭载{partner}影像的{ultra}。图片来源：{org}"},
    "cap_ceo_audience": {"de": "{ceo} verfolgte die Präsentation aus dem Publikum. Foto: {weibo}.",
                         "en": "{ceo} watched the launch from the audience. Photo: {weibo}.",
                         "vi": "{ceo} theo dõi buổi ra mắt từ hàng ghế khán giả. Ảnh: {weibo}.",
                         "zh": "{ceo}在台下观看发布会。图片来源：{weibo}"},
    "cap_ceo_social": {"de": "{ceo} ist in letzter Zeit seltener in den sozialen Medien zu sehen. Foto: {weibo}.",
                       "en": "{ceo} has been less visible on social media lately. Photo: {weibo}.",
                       "vi": "{ceo} gần đây ít xuất hiện trên mạng xã hội. Ảnh: {weibo}.",
                       "zh": "{ceo}近来在社交媒体上露面减少。图片来源：{weibo}"},
    "cap_crash": {"de": "Rettungskräfte am Unfallort. Foto: {weibo}.", "en": "Rescue workers at the scene. Photo: {weibo}.",
                  "vi": "Lực lượng cứu hộ tại hiện trường. Ảnh: {weibo}.", "zh": "救援人员在事故现场。图片来源：{weibo}"},
    "cap_ai": {"de": "{ai} stellt {model} vor. Foto: {org}.", "en": "{ai} presents {model}. Photo: {org}.",
               "vi": "{ai} giới thiệu {model}. Ảnh: {org}.", "zh": "{ai}发布{model}。图片来源：{org}"},
    "cap_pres": {"de": "{pres} auf der Bühne. Foto: {org}.", "en": "{pres} on stage. Photo: {org}.",
                 "vi": "{pres} trên sân khấu. Ảnh: {org}.", "zh": "{pres}在台上演讲。图片来源：{org}"},
    "cap_store": {"de": "Ein Geschäft von {org} in {city}. Foto: {outlet}.",
                  "en": "A {org} store in {city}. Photo: {outlet}.",
                  "vi": "Một cửa hàng của {org} tại {city}. Ảnh: {outlet}.",
                  "zh": "{org}位于{city}的门店。图片来源：{outlet}"},
}


@dataclass(frozen=True, slots=True)
class Group:
    """Sentences an article may take: with probability ``p`` it picks 1..``most`` of ``keys``."""

    p: float
    keys: tuple[str, ...]
    most: int = 2


@dataclass(frozen=True, slots=True)
class Topic:
    title: str  # key into TITLES
    leads: tuple[str, ...]
    groups: tuple[Group, ...]
    captions: tuple[str, ...]
    subheads: tuple[str, ...] = ()


def _g(p: float, *keys: str, most: int = 2) -> Group:
    return Group(p, keys, most)


TOPICS: dict[str, Topic] = {
    "launch_suv": Topic("launch_suv", ("suv_lead",), (
        _g(1, "suv_price", "suv_orders"), _g(.9, "suv_quote", "ceo_stage"),
        _g(.6, "bg_founder", "bg_icon", "bg_ev_entry"), _g(.4, "r_rival", "r_rival_compare", most=1)),
        ("cap_ceo_stage", "cap_suv")),
    "chip": Topic("chip", ("chip_lead",), (
        _g(1, "chip_keynote", most=1), _g(.9, "chip_quote", "chip_invest"), _g(.6, "bg_icon", "bg_founder"),
        _g(.3, "r_weibo_active", most=1)), ("cap_ceo_stage", "cap_chip")),
    "results_q2": Topic("results", ("res_lead",), (
        _g(1, "res_growth", most=1), _g(.9, "res_ceo_quote", most=1), _g(.5, "r_factory", "bg_ev_entry")),
        ("cap_store", "cap_ceo_stage")),
    "launch_phone": Topic("launch_phone", ("phone_lead",), (
        _g(1, "phone_keynote", most=1), _g(.9, "phone_quote", "phone_sales"), _g(.5, "bg_icon", "bg_founder"),
        _g(.3, "r_rival_compare", most=1)), ("cap_ceo_stage", "cap_phone")),
    "deliveries": Topic("deliveries", ("r_deliveries",), (
        _g(.7, "r_factory", "r_ceo_factory_quote"), _g(.6, "r_weibo_active", "r_livestream"),
        _g(.5, "r_rival", "r_rival_compare", most=1), _g(.4, "bg_ev_entry", most=1)), ("cap_car", "cap_store")),
    "ceo_profile": Topic("ceo_profile", ("r_weibo_active",), (
        _g(1, "r_gym", "r_livestream"), _g(.8, "bg_icon", "bg_founder"), _g(.6, "r_ceo_factory_quote", most=1),
        _g(.4, "r_rival_compare", most=1)), ("cap_ceo_stage",)),
    "crash": Topic("crash", ("crash_lead",), (
        _g(1, "crash_detail", "crash_assist"), _g(.9, "crash_outrage", "crash_shares"),
        _g(.8, "crash_company", "crash_ceo_post"), _g(.4, "bg_ev_entry", most=1)), ("cap_crash", "cap_car")),
    "recall": Topic("recall", ("recall_lead",), (
        _g(1, "recall_regulator", "recall_ota"), _g(.7, "crash_detail", "ctx_storm"),
        _g(.5, "crash_company", most=1)), ("cap_car",)),
    "ads": Topic("ads", ("ads_lead",), (
        _g(1, "ads_fineprint", "ads_range"), _g(.9, "ads_ceo_blame", "ads_image"),
        _g(.7, "ads_apology", "ctx_storm"), _g(.3, "r_rival", most=1)), ("cap_car", "cap_ceo_file")),
    "spillover": Topic("spillover", ("spill_lead",), (
        _g(1, "spill_boycott", "spill_brand"), _g(.8, "spill_analyst", "spill_sales_ok"),
        _g(.7, "ctx_storm", "ads_image"), _g(.4, "bg_ev_entry", most=1)), ("cap_store", "cap_phone")),
    "results_q3": Topic("results", ("res_lead",), (
        _g(1, "res_growth", most=1), _g(.9, "res_pres_quote", most=1), _g(.7, "res_ceo_absent", "ctx_storm"),
        _g(.4, "r_factory", most=1)), ("cap_pres", "cap_store")),
    "autoshow": Topic("autoshow", ("show_lead",), (
        _g(1, "show_ai_speaks", "show_ai_quote"), _g(.9, "show_absent", most=1), _g(.6, "ctx_storm", most=1),
        _g(.3, "r_rival", most=1)), ("cap_ai", "cap_car")),
    "launch_ultra": Topic("launch_ultra", ("ultra_lead",), (
        _g(1, "ultra_keynote", most=1), _g(.9, "ultra_camera", "ultra_pres_quote", "ultra_partner_quote"),
        _g(.7, "ultra_noauto", "ultra_early"), _g(.5, "ctx_storm_past", "wd_quiet")),
        ("cap_ultra", "cap_ceo_audience", "cap_pres")),
    "withdrawal": Topic("withdrawal", ("wd_lead",), (
        _g(1, "ultra_keynote", "ultra_noauto"), _g(1, "ctx_storm_past", "wd_reputation"),
        _g(1, "wd_weibo", "wd_gym", "wd_douyin", most=3), _g(.8, "wd_strategy", "wd_record"),
        _g(.5, "show_absent", "wd_quiet", most=1)),
        ("cap_ceo_social", "cap_ultra", "cap_ceo_audience"), ("storm", "strategy", "quiet")),
    "deliveries_storm": Topic("deliveries", ("r_deliveries",), (
        _g(.9, "ctx_storm", most=1), _g(.7, "r_factory", "spill_sales_ok"), _g(.5, "r_rival", "r_rival_compare")),
        ("cap_car", "cap_store")),
    "deliveries_post": Topic("deliveries", ("r_deliveries",), (
        _g(.8, "ctx_storm_past", most=1), _g(.7, "r_factory", "spill_sales_ok"), _g(.5, "r_rival", "r_rival_compare")),
        ("cap_car", "cap_store")),
}

# Page chrome, per language.
NAV: dict[str, list[str]] = {
    "de": ["Politik", "Wirtschaft", "Technik", "Auto", "Kultur"],
    "en": ["World", "Business", "Tech", "Autos", "Markets"],
    "vi": ["Thời sự", "Kinh doanh", "Công nghệ", "Xe", "Giải trí"],
    "zh": ["首页", "科技", "汽车", "财经", "手机"],
}

CHROME: dict[str, dict[str, str]] = {
    "de": {"by": "Von {a}",
           "related": "Mehr zum Thema", "comments": "Kommentare (0)",
           "prompt": "Schreiben Sie den ersten Kommentar zu diesem Artikel.",
           "footer": "© 2025 {site}. Alle Rechte vorbehalten. Impressum · Datenschutz · Kontakt",
           "attrib": "Quelle", "same_cat": "Aus derselben Rubrik", "share": "Teilen",
           "portal_tag": "Nachrichten aus Asien auf Deutsch"},
    "en": {"by": "By {a}",
           "related": "Related articles", "comments": "Comments (0)",
           "prompt": "Be the first to share your thoughts on this story.",
           "footer": "© 2025 {site}. All rights reserved. About · Privacy · Contact",
           "attrib": "Source", "same_cat": "More in this section", "share": "Share",
           "portal_tag": "Asian business news in English"},
    "vi": {"by": "{a}",
           "related": "Tin liên quan", "comments": "Bình luận (0)",
           "prompt": "Hãy là người đầu tiên bình luận về bài viết này.",
           "footer": "© 2025 {site}. Giấy phép số 0{n}/GP-BTTTT. Liên hệ quảng cáo",
           "attrib": "Nguồn", "same_cat": "Cùng chuyên mục", "share": "Chia sẻ",
           "portal_tag": "Tin tức châu Á"},
    "zh": {"by": "作者：{a}",
           "related": "相关阅读", "comments": "评论（0）", "prompt": "快来发表你的看法吧。",
           "footer": "© 2025 {site} 版权所有 | 关于我们 | 联系我们 | 示ICP备0{n}号",
           "attrib": "来源", "same_cat": "同类文章", "share": "分享", "portal_tag": "亚洲资讯"},
}

# Unrelated headlines for portal side lists (the "same category" boilerplate of promotion portals).
PORTAL_FILLER: dict[str, list[str]] = {
    "de": ["Laternenfest in der Altstadt zieht Tausende Besucher an",
           "Neue Fährverbindung zwischen zwei Inselprovinzen eröffnet",
           "Kaffeeernte im Hochland fällt reicher aus als erwartet",
           "Drachenbootrennen am Fluss lockt Teams aus zwölf Ländern",
           "Ausstellung zeigt alte Holzdruckkunst aus dem Norden"],
    "en": ["Lantern festival draws thousands to the old town",
           "New ferry link opens between two island provinces",
           "Highland coffee harvest beats expectations",
           "Dragon boat race brings teams from twelve countries",
           "Exhibition shows centuries-old woodblock prints"],
}
