"""Anchor sentences for the zero-shot ``embedding-anchors`` scorer, written for limelight (no
dataset text): short news-style statements about companies and people, per language and class.

A text's tone is read from its cosine to the class centroids (nearest centroid). The centroids of
a language are the mean of its own anchors plus the pooled anchors of all languages, so a language
without anchors of its own still works through the multilingual embedding.
"""

from __future__ import annotations

ANCHORS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "negative": (
            "The company reported a heavy loss and cut thousands of jobs.",
            "Shares plunged after the scandal over falsified safety data.",
            "Critics accused the chief executive of misleading investors.",
            "The recall of faulty cars damaged the brand's reputation.",
            "Regulators fined the firm for breaking consumer protection rules.",
            "Sales collapsed and the outlook was downgraded again.",
        ),
        "neutral": (
            "The company will hold its annual meeting in May.",
            "The chief executive spoke at a conference in Berlin on Tuesday.",
            "The firm published its quarterly report on its website.",
            "The new model will be available in three colours.",
            "The board consists of nine members.",
            "The press conference took place at the company's headquarters.",
        ),
        "positive": (
            "The company posted record profits and raised its forecast.",
            "Shares rallied after strong demand for the new phone.",
            "The founder was praised for his bold and successful strategy.",
            "The new car won an award and sold out within hours.",
            "Analysts upgraded the stock, citing excellent growth.",
            "Customers are enthusiastic about the innovative product.",
        ),
    },
    "de": {
        "negative": (
            "Das Unternehmen meldet hohe Verluste und streicht tausende Stellen.",
            "Die Aktie stürzte nach dem Skandal um gefälschte Daten ab.",
            "Kritiker werfen dem Konzernchef vor, Anleger getäuscht zu haben.",
            "Der Rückruf fehlerhafter Autos schadet dem Ruf der Marke.",
            "Die Behörde verhängte eine Strafe wegen Verstößen gegen das Gesetz.",
            "Der Umsatz brach ein, die Prognose wurde erneut gesenkt.",
        ),
        "neutral": (
            "Das Unternehmen hält seine Hauptversammlung im Mai ab.",
            "Der Vorstandschef sprach am Dienstag auf einer Konferenz in Berlin.",
            "Die Firma veröffentlichte ihren Quartalsbericht auf der Website.",
            "Das neue Modell wird in drei Farben angeboten.",
            "Der Aufsichtsrat besteht aus neun Mitgliedern.",
            "Die Pressekonferenz fand in der Konzernzentrale statt.",
        ),
        "positive": (
            "Das Unternehmen erzielte einen Rekordgewinn und hob die Prognose an.",
            "Die Aktie legte nach starker Nachfrage nach dem neuen Handy kräftig zu.",
            "Der Gründer wurde für seine mutige und erfolgreiche Strategie gelobt.",
            "Das neue Auto gewann einen Preis und war in Stunden ausverkauft.",
            "Analysten stuften die Aktie wegen hervorragenden Wachstums hoch.",
            "Die Kunden sind begeistert von dem innovativen Produkt.",
        ),
    },
    "fr": {
        "negative": (
            "L'entreprise annonce de lourdes pertes et supprime des milliers d'emplois.",
            "L'action a chuté après le scandale des données falsifiées.",
            "Les critiques accusent le patron d'avoir trompé les investisseurs.",
            "Le rappel de voitures défectueuses nuit à l'image de la marque.",
        ),
        "neutral": (
            "L'entreprise tiendra son assemblée générale en mai.",
            "Le directeur général s'est exprimé mardi lors d'une conférence à Paris.",
            "La société a publié son rapport trimestriel sur son site.",
            "Le nouveau modèle sera proposé en trois couleurs.",
        ),
        "positive": (
            "L'entreprise affiche des bénéfices record et relève ses prévisions.",
            "L'action s'envole grâce à la forte demande pour le nouveau téléphone.",
            "Le fondateur est salué pour sa stratégie audacieuse et réussie.",
            "Les clients sont enthousiasmés par ce produit innovant.",
        ),
    },
    "es": {
        "negative": (
            "La empresa registra fuertes pérdidas y recorta miles de empleos.",
            "Las acciones se desplomaron tras el escándalo de datos falsificados.",
            "Los críticos acusan al consejero delegado de engañar a los inversores.",
            "La retirada de coches defectuosos daña la reputación de la marca.",
        ),
        "neutral": (
            "La empresa celebrará su junta de accionistas en mayo.",
            "El consejero delegado habló el martes en una conferencia en Madrid.",
            "La compañía publicó su informe trimestral en su página web.",
            "El nuevo modelo estará disponible en tres colores.",
        ),
        "positive": (
            "La empresa logra beneficios récord y eleva sus previsiones.",
            "Las acciones se disparan por la fuerte demanda del nuevo teléfono.",
            "El fundador fue elogiado por su estrategia audaz y exitosa.",
            "Los clientes están entusiasmados con el producto innovador.",
        ),
    },
    "vi": {
        "negative": (
            "Công ty báo lỗ nặng và cắt giảm hàng nghìn việc làm.",
            "Cổ phiếu lao dốc sau bê bối làm giả số liệu.",
            "Giới phê bình cáo buộc tổng giám đốc lừa dối nhà đầu tư.",
            "Khối ngoại bán ròng mạnh, cổ phiếu giảm sàn.",
            "Doanh thu sụt giảm và triển vọng tiếp tục bị hạ.",
        ),
        "neutral": (
            "Công ty sẽ tổ chức đại hội cổ đông vào tháng Năm.",
            "Tổng giám đốc phát biểu tại một hội nghị ở Hà Nội hôm thứ Ba.",
            "Doanh nghiệp công bố báo cáo quý trên trang web.",
            "Mẫu xe mới sẽ có ba màu.",
            "Công ty đăng ký giao dịch cổ phiếu trên sàn UPCoM.",
        ),
        "positive": (
            "Công ty đạt lợi nhuận kỷ lục và nâng dự báo cả năm.",
            "Cổ phiếu tăng trần nhờ nhu cầu mạnh với điện thoại mới.",
            "Nhà sáng lập được khen ngợi vì chiến lược táo bạo và thành công.",
            "Lãi ròng tăng mạnh, doanh thu vượt kế hoạch.",
            "Khách hàng rất hài lòng với sản phẩm sáng tạo.",
        ),
    },
    "zh": {
        "negative": (
            "公司巨额亏损，裁员数千人。",
            "数据造假丑闻曝光后股价暴跌。",
            "批评者指责首席执行官误导投资者。",
            "召回问题汽车严重损害了品牌声誉。",
            "销量大幅下滑，业绩预期再次下调。",
        ),
        "neutral": (
            "公司将于五月召开年度股东大会。",
            "首席执行官周二在北京的一个会议上发言。",
            "公司在官网发布了季度报告。",
            "新车型将提供三种颜色。",
            "发布会在公司总部举行。",
        ),
        "positive": (
            "公司利润创历史新高，并上调全年预期。",
            "新手机需求强劲，股价大涨。",
            "创始人大胆而成功的战略受到赞扬。",
            "新车获奖，上市几小时即告售罄。",
            "用户对这款创新产品非常满意。",
        ),
    },
}
