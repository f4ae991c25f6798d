"""Article texts in languages whose bytes differ by encoding, for the charset rows of the fault table.

Each text is distinct (near-duplicates would be deduplicated away) and long enough to pass the
article test (more than 60 words, several sentences). Titles and paragraphs, in order.
"""

from __future__ import annotations

RUSSIAN_PORT = (
    "Новый порт на северном побережье откроется весной",
    (
        "Строительство нового грузового порта на северном побережье вышло на финальный этап. "
        "По словам руководителя проекта, первые суда смогут встать у причалов уже в апреле.",
        "Порт рассчитан на приём контейнеров, зерна и угля. Власти региона ожидают, что за пять лет "
        "грузооборот вырастет вдвое, а в городе появится около двух тысяч новых рабочих мест.",
        "Местные жители встретили новости сдержанно. Рыбаки опасаются, что дноуглубительные работы "
        "повредят нерестилища, и требуют независимой экологической экспертизы.",
        "Администрация обещает опубликовать результаты экспертизы до конца месяца и провести "
        "общественные слушания в трёх посёлках побережья.",
    ),
)

RUSSIAN_LIBRARY = (
    "Городская библиотека продлила часы работы",
    (
        "С первого числа следующего месяца центральная городская библиотека будет открыта до десяти "
        "часов вечера. Решение приняли после опроса читателей, который провели осенью.",
        "Больше всего вечерние часы нужны студентам и тем, кто работает днём. В читальном зале "
        "установят дополнительные лампы и розетки, а гардероб будет работать до закрытия.",
        "Директор библиотеки рассказала, что в этом году фонд пополнился тремя тысячами книг, "
        "среди которых много изданий по истории края и детской литературы.",
        "Записаться в библиотеку можно бесплатно при предъявлении паспорта. Для школьников "
        "достаточно справки из школы или присутствия одного из родителей.",
    ),
)

GERMAN_BRIDGE = (
    "Die Brücke über die Müritz wird ab Mai gesperrt",
    (
        "Die alte Straßenbrücke über die Müritz wird ab Mai für mindestens acht Monate gesperrt. "
        "Gutachter hatten im Frühjahr Risse in drei Pfeilern gefunden.",
        "Für Fußgänger und Radfahrer richtet die Stadt eine Fähre ein, die tagsüber alle zwanzig "
        "Minuten übersetzt. Autofahrer müssen einen Umweg von etwa zwölf Kilometern in Kauf nehmen.",
        "Die Händler in der Altstadt befürchten Umsatzeinbußen. Der Bürgermeister verspricht, die "
        "Bauarbeiten so zu planen, dass die Brücke zum Weihnachtsmarkt wieder befahrbar ist.",
        "Die Kosten für die Sanierung schätzt das Bauamt auf rund vier Millionen Euro, von denen "
        "das Land gut die Hälfte übernehmen soll.",
    ),
)

SPANISH_MARKET = (
    "El mercado de abastos reabre tras la reforma",
    (
        "El mercado de abastos del barrio reabrió sus puertas el sábado después de dos años de obras. "
        "Los vecinos hicieron cola desde primera hora para ver los nuevos puestos.",
        "La reforma ha costado cerca de tres millones de euros e incluye una cubierta de vidrio, "
        "cámaras frigoríficas compartidas y un espacio para catas y talleres de cocina.",
        "Según la asociación de comerciantes, treinta y dos de los cuarenta puestos ya están "
        "ocupados. Entre ellos hay una pescadería, dos fruterías y una panadería artesanal.",
        "El ayuntamiento prevé abrir también por las tardes a partir de junio, cuando termine la "
        "instalación del aparcamiento de bicicletas junto a la entrada principal.",
    ),
)
