"""The words of the synthetic record: phrase banks in eight languages and the names of places,
people, sources and topics; how a claim is worded (`Phrasebook`), and every wording of a run's
places, each with a key (`Wordings`).

Data and text only, no random draws and no database: `records` draws from it. A module of its
own because it changes for other reasons (a language, a wording) than the rows or the way they
are written, and it needs neither. `check_plain` makes sure no value needs escaping in COPY's
text format.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import product
from string import Formatter

from claims.models import LinkRelation, SourceKind

# -- Phrase banks ---------------------------------------------------------------------------------


def _phrases(text: str) -> tuple[str, ...]:
    """A bank written as 'one | two | three' across lines, as a tuple."""
    return tuple(" ".join(phrase.split()) for phrase in text.split("|"))


# code, adjective, weight (how often sources are from there)
COUNTRIES = [
    ("SY", "Syrian", 20),
    ("IQ", "Iraqi", 16),
    ("TR", "Turkish", 7),
    ("IR", "Iranian", 7),
    ("RU", "Russian", 7),
    ("UA", "Ukrainian", 6),
    ("LB", "Lebanese", 6),
    ("YE", "Yemeni", 5),
    ("LY", "Libyan", 4),
    ("US", "US", 5),
    ("GB", "British", 3),
    ("FR", "French", 3),
    ("DE", "German", 2),
    ("ES", "Spanish", 1),
    ("IL", "Israeli", 3),
    ("EG", "Egyptian", 2),
    ("SA", "Saudi", 2),
    ("JO", "Jordanian", 1),
    ("QA", "Qatari", 1),
]
ADJECTIVES = {code: adjective for code, adjective, _ in COUNTRIES}

# The name of each place in en, ar, ru, fa, tr, fr, es, de; empty where it is written as in English.
PLACES = [
    _phrases(line)
    for line in """
    Albu Kamal | البوكمال | Абу-Кемаль | البوکمال | | Abou Kamal | Abu Kamal |
    Raqqa | الرقة | Ракка | رقه | Rakka | Rakka | Raqa | Rakka
    Deir ez-Zor | دير الزور | Дейр-эз-Зор | دیرالزور | | | Deir ez Zor |
    Mosul | الموصل | Мосул | موصل | Musul | Mossoul | | Mossul
    Aleppo | حلب | Алеппо | حلب | Halep | Alep | Alepo |
    Idlib | إدلب | Идлиб | ادلب | İdlib | | |
    Homs | حمص | Хомс | حمص | Humus | | |
    Damascus | دمشق | Дамаск | دمشق | Şam | Damas | Damasco | Damaskus
    Baghdad | بغداد | Багдад | بغداد | Bağdat | Bagdad | Bagdad | Bagdad
    Kirkuk | كركوك | Киркук | کرکوک | Kerkük | Kirkouk | |
    Fallujah | الفلوجة | Эль-Фаллуджа | فلوجه | Felluce | Falloujah | Faluya | Falludscha
    Tikrit | تكريت | Тикрит | تکریت | | | |
    Erbil | أربيل | Эрбиль | اربیل | | | |
    Basra | البصرة | Басра | بصره | | Bassorah | Basora |
    Sirte | سرت | Сирт | سرت | | Syrte | |
    Tripoli | طرابلس | Триполи | طرابلس | Trablus | | Trípoli |
    Benghazi | بنغازي | Бенгази | بنغازی | Bingazi | | Bengasi | Bengasi
    Sanaa | صنعاء | Сана | صنعا | Sana | | Saná |
    Aden | عدن | Аден | عدن | | | Adén |
    Hodeidah | الحديدة | Ходейда | حدیده | Hudeyde | Hodeïda | Hodeida |
    Gaza | غزة | Газа | غزه | | | |
    Beirut | بيروت | Бейрут | بیروت | Beyrut | Beyrouth | |
    Tyre | صور | Тир | صور | Sur | Tyr | Tiro | Tyros
    Palmyra | تدمر | Пальмира | پالمیرا | Palmira | Palmyre | Palmira |
    Afrin | عفرين | Африн | عفرین | | | |
    Manbij | منبج | Манбидж | منبج | Menbiç | | |
    Qamishli | القامشلي | Камышлы | قامشلی | Kamışlı | Qamichli | |
    Daraa | درعا | Дераа | درعا | Dera | Deraa | Deraa |
    Kherson | خيرسون | Херсон | خرسون | Herson | | Jersón | Cherson
    Mariupol | ماريوبول | Мариуполь | ماریوپل | | Marioupol | Mariúpol |
    Bakhmut | باخموت | Бахмут | باخموت | Bahmut | Bakhmout | Bajmut | Bachmut
    """.strip().splitlines()
]


@dataclass(frozen=True)
class Phrasebook:
    """How claims are worded in one language: two clause templates and the words that fill them.

    A clause is a head and a tail, and a claim's text is `f"{head} {tail}."`. The head ends on a
    word that is not a stop word, so the text's search document is the head's and the tail's
    joined by `||` (see `_PostgresLoader._insert_claims`). Both templates take, by position, the
    actor, verb, object, place phrase and time (the time comes with its leading space, if any).
    A linked template wraps another claim's clause: 'Denied reports that {}.'
    """

    column: int  # of the language's names of places in PLACES
    head: str
    tail: str
    actors: tuple[str, ...]
    verbs: tuple[str, ...]
    objects: tuple[str, ...]
    near: tuple[str, ...]
    times: tuple[str, ...]  # the first is "": no time given
    quotes: tuple[str, ...]
    rebuttals: tuple[str, ...]
    linked_templates: tuple[str, ...]  # denies, supports, contradicts, clarifies, retracts
    lower_first: bool = True  # whether a clause quoted inside a sentence starts in lower case

    def place_name(self, place: tuple) -> str:
        return place[self.column] or place[0]

    def dateline(self, place: tuple) -> str:
        return self.place_name(place).upper()


LINK_ORDER = [
    LinkRelation.DENIES,
    LinkRelation.SUPPORTS,
    LinkRelation.CONTRADICTS,
    LinkRelation.CLARIFIES,
    LinkRelation.RETRACTS,
]

PHRASEBOOKS = {
    "en": Phrasebook(
        column=0,
        head="{0} {1} {2}",
        tail="{3}{4}",
        actors=_phrases("""Militias | Government forces | The army | Rebel fighters | Coalition aircraft | Drones |
            Security forces | Armed men | Border guards | Special forces | Insurgents | Police"""),
        verbs=_phrases("""crossed | shelled | captured | withdrew from | struck | surrounded | evacuated |
            blockaded | entered | attacked | mined | reopened"""),
        objects=_phrases("""the border crossing | a hospital | the airport | an ammunition depot | the main road |
            a refugee camp | the power station | a checkpoint | the old city | a school | the dam | an oil field |
            the bridge | a market"""),
        near=_phrases("near {} | in {} | outside {} | on the outskirts of {}"),
        times=_phrases("| overnight | on Monday | on Tuesday | early on Friday | last week | at dawn"),
        quotes=_phrases("""We have no orders to cross the border near {}. | Our forces are in full control of {}. |
            We did not target civilians in {}. | The operation around {} is going as planned. |
            Our units withdrew from {} to spare civilians. | We will respond to any attack on our positions in {}."""),
        rebuttals=_phrases("""There is no truth to these reports. | These claims are fabricated. | This is propaganda. |
            We have seen no evidence of this."""),
        linked_templates=_phrases("""Denied reports that {}. | Confirmed reports that {}. |
            Gave an account at odds with reports that {}. | Clarified that {}. |
            Withdrew an earlier statement that {}."""),
    ),
    "ar": Phrasebook(
        column=1,
        head="{1} {0} {2}",  # verb first
        tail="{3}{4}",
        actors=_phrases("""الميليشيات | القوات الحكومية | الجيش | مقاتلو المعارضة | طائرات التحالف | طائرات مسيرة |
            قوات الأمن | مسلحون | حرس الحدود | القوات الخاصة"""),
        verbs=_phrases("عبرت | قصفت | سيطرت على | انسحبت من | استهدفت | حاصرت | أخلت | دخلت | هاجمت | أعادت فتح"),
        objects=_phrases("""المعبر الحدودي | مستشفى | المطار | مستودع ذخيرة | الطريق الرئيسي | مخيم لاجئين |
            محطة الكهرباء | حاجزا | المدينة القديمة | مدرسة | السد | حقل نفط | الجسر"""),
        near=_phrases("قرب {} | في {} | على أطراف {}"),
        times=_phrases("| ليلا | يوم الاثنين | يوم الثلاثاء | فجر الجمعة | الأسبوع الماضي"),
        quotes=_phrases("""ليس لدينا أوامر بعبور الحدود قرب {}. | قواتنا تسيطر بالكامل على {}. |
            لم نستهدف المدنيين في {}. | العملية في {} تسير وفق الخطة."""),
        rebuttals=_phrases("لا صحة لهذه التقارير. | هذه الادعاءات ملفقة. | هذه دعاية."),
        linked_templates=_phrases("""نفى صحة التقارير: {}. | أكد التقارير: {}. | قدم رواية مختلفة عن التقارير: {}. |
            أوضح: {}. | تراجع عن تصريح سابق: {}."""),
        lower_first=False,
    ),
    "fr": Phrasebook(
        column=5,
        head="{0} {1} {2}",
        tail="{3}{4}",
        actors=_phrases("""Des milices | Les forces gouvernementales | L'armée | Des combattants rebelles |
            L'aviation de la coalition | Des drones | Les forces de sécurité | Des hommes armés |
            Les gardes-frontières"""),
        verbs=_phrases("ont franchi | ont bombardé | ont pris | ont frappé | ont encerclé | ont évacué | ont attaqué"),
        objects=_phrases("""le poste-frontière | un hôpital | l'aéroport | un dépôt de munitions | la route principale |
            un camp de réfugiés | la centrale électrique | un barrage routier | la vieille ville | une école |
            le pont"""),
        near=_phrases("près de {} | à {} | aux abords de {}"),
        times=_phrases("| dans la nuit | lundi | mardi | vendredi à l'aube | la semaine dernière"),
        quotes=_phrases("""Nous n'avons reçu aucun ordre de franchir la frontière près de {}. |
            Nos forces contrôlent entièrement {}. | Nous n'avons pas visé de civils à {}."""),
        rebuttals=_phrases("Ces informations sont sans fondement. | Ces accusations sont fabriquées."),
        linked_templates=_phrases("""A démenti les informations selon lesquelles {}. | A confirmé que {}. |
            A donné une version contraire aux informations selon lesquelles {}. | A précisé que {}. |
            S'est rétracté d'une déclaration selon laquelle {}."""),
    ),
    "ru": Phrasebook(
        column=2,
        head="{0} {1} {2}",
        tail="{3}{4}",
        actors=_phrases("""Боевики | Правительственные войска | Повстанцы | Самолёты коалиции | Беспилотники |
            Силы безопасности | Вооружённые люди | Пограничники | Спецназовцы"""),
        verbs=_phrases("обстреляли | захватили | атаковали | окружили | эвакуировали | заминировали | заблокировали"),
        objects=_phrases("""пограничный переход | больницу | аэропорт | склад боеприпасов | главную дорогу |
            лагерь беженцев | электростанцию | блокпост | школу | плотину | мост"""),
        near=_phrases("в районе города {} | в городе {} | на окраине города {}"),
        times=_phrases("| ночью | в понедельник | во вторник | в пятницу на рассвете | на прошлой неделе"),
        quotes=_phrases("""У нас нет приказа пересекать границу в районе города {}. |
            Наши силы полностью контролируют город {}. | Мы не наносили ударов по мирным жителям в городе {}."""),
        rebuttals=_phrases("Эти сообщения не соответствуют действительности. | Это фальсификация."),
        linked_templates=_phrases("""Опроверг сообщения о том, что {}. | Подтвердил, что {}. |
            Дал версию, расходящуюся с сообщениями о том, что {}. | Уточнил, что {}. |
            Отозвал прежнее заявление о том, что {}."""),
    ),
    "tr": Phrasebook(
        column=4,
        head="{0}{4} {3}",  # subject, time, place, object, verb
        tail="{2} {1}",
        actors=_phrases("""Milisler | Hükümet güçleri | Ordu | Muhalif savaşçılar | Koalisyon uçakları | İHA'lar |
            Güvenlik güçleri | Silahlı kişiler | Sınır muhafızları"""),
        verbs=_phrases("ele geçirdi | bombaladı | kuşattı | vurdu | tahliye etti | abluka altına aldı | mayınladı"),
        objects=_phrases("""sınır kapısını | bir hastaneyi | havalimanını | bir mühimmat deposunu | ana yolu |
            bir mülteci kampını | elektrik santralini | bir kontrol noktasını | eski şehri | bir okulu | köprüyü"""),
        near=_phrases("{} yakınlarında | {} kentinde | {} çevresinde"),
        times=_phrases("| gece boyunca | pazartesi günü | salı günü | cuma sabahı | geçen hafta"),
        quotes=_phrases("""{} yakınlarında sınırı geçme emrimiz yok. | Güçlerimiz {} kentini tamamen kontrol ediyor. |
            {} kentinde sivilleri hedef almadık."""),
        rebuttals=_phrases("Bu haberler doğru değil. | Bu iddialar uydurmadır."),
        linked_templates=_phrases("""{} haberlerini yalanladı. | {} haberini doğruladı. |
            {} haberleriyle çelişen bir açıklama yaptı. | {} açıklamasına açıklık getirdi. |
            {} yönündeki açıklamasını geri çekti."""),
        lower_first=False,
    ),
    "fa": Phrasebook(
        column=3,
        head="{0}{4} {3}",  # subject, time, place, object, verb
        tail="{2} {1}",
        actors=_phrases("""شبه نظامیان | نیروهای دولتی | ارتش | شورشیان | هواپیماهای ائتلاف | پهپادها |
            نیروهای امنیتی | افراد مسلح | مرزبانان"""),
        verbs=_phrases("تصرف کردند | بمباران کردند | محاصره کردند | تخلیه کردند | هدف قرار دادند | مسدود کردند"),
        objects=_phrases("""گذرگاه مرزی را | یک بیمارستان را | فرودگاه را | یک انبار مهمات را | جاده اصلی را |
            اردوگاه پناهجویان را | نیروگاه برق را | ایست بازرسی را | شهر قدیمی را | یک مدرسه را | پل را"""),
        near=_phrases("در نزدیکی {} | در {} | در حومه {}"),
        times=_phrases("| شب گذشته | روز دوشنبه | روز سه شنبه | صبح جمعه | هفته گذشته"),
        quotes=_phrases("""ما دستوری برای عبور از مرز در نزدیکی {} نداریم. | نیروهای ما کنترل کامل {} را در دست دارند. |
            ما غیرنظامیان را در {} هدف قرار ندادیم."""),
        rebuttals=_phrases("این گزارش ها صحت ندارد. | این ادعاها ساختگی است."),
        linked_templates=_phrases("""گزارش ها مبنی بر اینکه {} را تکذیب کرد. | تایید کرد که {}. |
            روایتی متفاوت از گزارش ها مبنی بر اینکه {} ارائه کرد. | توضیح داد که {}. |
            اظهارات پیشین خود مبنی بر اینکه {} را پس گرفت."""),
        lower_first=False,
    ),
    "es": Phrasebook(
        column=6,
        head="{0} {1} {2}",
        tail="{3}{4}",
        actors=_phrases("""Las milicias | Las fuerzas gubernamentales | Las tropas | Los rebeldes |
            Aviones de la coalición | Drones | Las fuerzas de seguridad | Hombres armados |
            Los guardias fronterizos"""),
        verbs=_phrases("cruzaron | bombardearon | tomaron | atacaron | rodearon | evacuaron | bloquearon | reabrieron"),
        objects=_phrases("""el paso fronterizo | un hospital | el aeropuerto | un depósito de municiones |
            la carretera principal | un campo de refugiados | la central eléctrica | un puesto de control |
            el casco antiguo | una escuela | el puente"""),
        near=_phrases("cerca de {} | en {} | en las afueras de {}"),
        times=_phrases("| durante la noche | el lunes | el martes | el viernes al amanecer | la semana pasada"),
        quotes=_phrases("""No tenemos órdenes de cruzar la frontera cerca de {}. |
            Nuestras fuerzas controlan totalmente {}. | No atacamos a civiles en {}."""),
        rebuttals=_phrases("Estas informaciones son falsas. | Estas acusaciones son inventadas."),
        linked_templates=_phrases("""Desmintió que {}. | Confirmó que {}. |
            Dio una versión contraria a las informaciones de que {}. | Aclaró que {}. |
            Retiró una declaración anterior según la cual {}."""),
    ),
    "de": Phrasebook(
        column=7,
        head="{0} haben{4} {2}",  # the participle last
        tail="{3} {1}",
        actors=_phrases("""Milizen | Regierungstruppen | Rebellen | Kampfflugzeuge der Koalition | Drohnen |
            Sicherheitskräfte | Bewaffnete | Grenzschützer | Spezialkräfte"""),
        verbs=_phrases("eingenommen | beschossen | angegriffen | umstellt | geräumt | blockiert | vermint"),
        objects=_phrases("""den Grenzübergang | ein Krankenhaus | den Flughafen | ein Munitionsdepot | die Hauptstraße |
            ein Flüchtlingslager | das Kraftwerk | einen Kontrollpunkt | die Altstadt | eine Schule | die Brücke"""),
        near=_phrases("bei {} | in {} | am Stadtrand von {}"),
        times=_phrases("| in der Nacht | am Montag | am Dienstag | am Freitag im Morgengrauen | vergangene Woche"),
        quotes=_phrases("""Wir haben keinen Befehl, die Grenze bei {} zu überqueren. |
            Unsere Kräfte kontrollieren {} vollständig. | Wir haben keine Zivilisten in {} angegriffen."""),
        rebuttals=_phrases("Diese Berichte sind falsch. | Diese Behauptungen sind erfunden."),
        linked_templates=_phrases("""Wies Berichte zurück, wonach {}. | Bestätigte, dass {}. |
            Widersprach Berichten, wonach {}. | Stellte klar, dass {}. |
            Zog eine frühere Aussage zurück, wonach {}."""),
        lower_first=False,  # German nouns keep their capital
    ),
}


class Wordings:
    """Every head, tail and quote the phrasebooks make about `places`, per language, each with a key.

    Built once per run (up to forty thousand strings, no randomness), so that the claims loop
    picks keys instead of formatting and hashing text. For the search documents a key stands
    for its text: PostgreSQL computes each key's document once (`_PostgresLoader._insert_claims`).
    Texts about another claim ('Denied reports that ...') have keys computed from the relation
    and the other claim's keys, the same in every worker process, and texts made when needed.
    """

    def __init__(self, places: Iterable[int]):
        self.texts: list[str] = [""]  # by key; 0 is no key
        self.is_head: list[bool] = [False]
        self.language: list[str] = [""]
        self._keys: dict[tuple[str, str], int] = {}
        # language -> place (index in PLACES) -> keys
        self.heads: dict[str, dict[int, list[int]]] = {}
        self.tails: dict[str, dict[int, list[int]]] = {}  # without the final stop
        self.quotes: dict[str, dict[int, tuple[list[int], list[int]]]] = {}  # (one sentence, two)
        self.ended: dict[int, int] = {}  # tail key -> key of the tail with its final stop
        self.rebuttals: dict[str, list[int]] = {}
        for language, book in PHRASEBOOKS.items():
            heads, tails, quotes = {}, {}, {}
            rebuttals = [self._key(language, r) for r in book.rebuttals]
            for p in sorted(places):
                name = book.place_name(PLACES[p])
                slots = [
                    book.actors,
                    book.verbs,
                    book.objects,
                    [near.format(name) for near in book.near],
                    [f" {time}" if time else "" for time in book.times],
                ]
                heads[p] = [self._key(language, text, head=True) for text in _fill(book.head, slots)]
                tails[p] = [self._key(language, text) for text in _fill(book.tail, slots)]
                for tail in tails[p]:
                    self.ended[tail] = self._key(language, self.texts[tail] + ".")
                one = [self._key(language, quote.format(name)) for quote in book.quotes]
                two = [self._key(language, f"{self.texts[q]} {self.texts[r]}") for q in one for r in rebuttals]
                quotes[p] = (one, two)
            self.heads[language], self.tails[language] = heads, tails
            self.quotes[language], self.rebuttals[language] = quotes, rebuttals
        self.count = len(self.texts)  # keys past this are texts about other claims

    def _key(self, language: str, text: str, head: bool = False) -> int:
        key = self._keys.get((language, text))
        if key is None:
            key = self._keys[(language, text)] = len(self.texts)
            self.texts.append(text)
            self.is_head.append(head)
            self.language.append(language)
        return key

    def linked(self, relation: str, head: int, tail: int) -> tuple[int, int]:
        """Keys of the head and tail of a claim about the claim of `head` and `tail` (a denial, ...)."""
        offset = self.count * (1 + LINK_ORDER.index(relation))
        return offset + head, offset + tail

    def text(self, key: int) -> str:
        """The text of a key, made for a claim about another: 'Denied reports that militias shelled
        a hospital' (a head), 'near Raqqa.' (a tail)."""
        if key < self.count:
            return self.texts[key]
        step, key = divmod(key, self.count)
        book = PHRASEBOOKS[self.language[key]]
        before, after = book.linked_templates[step - 1].split("{}")
        text = self.texts[key]
        if not self.is_head[key]:
            return text + after
        return before + (text[0].lower() + text[1:] if book.lower_first else text)


def _fill(template: str, slots: list) -> list[str]:
    """The template filled in every way its fields allow (fields it does not use are not varied)."""
    used = sorted({int(field) for _, field, _, _ in Formatter().parse(template) if field})
    filled = []
    for values in product(*(slots[i] for i in used)):
        words = [""] * len(slots)
        for i, value in zip(used, values, strict=True):
            words[i] = value
        filled.append(template.format(*words))
    return filled


LANGUAGE_SHARES = [("en", 55), ("ar", 14), ("fr", 7), ("ru", 7), ("tr", 5), ("fa", 5), ("es", 4), ("de", 3)]

FIRST_NAMES = _phrases("""Ahmed | Mohammed | Ali | Hassan | Omar | Khaled | Yusuf | Ibrahim | Mahmoud | Hussein |
    Fatima | Layla | Rania | Mariam | Sergei | Dmitry | Maria | Igor | Olena | Andriy | Mehmet | Ayşe | Emre | Reza |
    Zahra | Javad | John | Sarah | Michael | Anne | Pierre | Claire | Carlos | Lucía | Thomas | Julia | David | Noa |
    Abdullah | Saleh""")
LAST_NAMES = _phrases("""al-Asadi | al-Khatib | Haddad | Nasser | al-Masri | Saleh | Hamdan | Mansour | Darwish |
    al-Obeidi | Karimi | Rahimi | Hosseini | Yılmaz | Demir | Kaya | Ivanov | Petrov | Smirnova | Shevchenko |
    Kovalenko | Martin | Dubois | García | Fernández | Smith | Johnson | Brown | Müller | Schmidt | Cohen | Levi |
    al-Shammari | al-Jabouri | Abdulrahman | Barakat | Younes | Khalil | Suleiman | Aziz""")

SOURCE_NAME_PATTERNS = {
    SourceKind.GOVERNMENT: _phrases("""{adj} Ministry of Defence | {adj} Foreign Ministry | {adj} Interior Ministry |
        Office of the {adj} President | {adj} Ministry of Information | {adj} Prime Minister's Office |
        {place} Governorate"""),
    SourceKind.MILITARY: _phrases("""{adj} Armed Forces | {adj} Army {nth} Division | {adj} Air Force |
        {adj} Border Guard | {adj} Joint Operations Command"""),
    SourceKind.ARMED_GROUP: _phrases("""{word} Brigades | {word} Front | {word} Movement | {word} Battalion |
        {word} Army of {place} | {place} {word} Forces"""),
    SourceKind.NGO: _phrases("""{adj} Observatory for Human Rights | {adj} Red Crescent | {adj} Civil Defence |
        {word} Relief Foundation | Doctors for {place} | {place} Monitoring Group"""),
    SourceKind.MEDIA: _phrases("""{adj} News Agency | {place} Today | {place} Post | Al-{word} TV | {word} Radio |
        {place} 24 | {adj} Broadcasting Corporation | The {place} Observer | {word} Media Centre"""),
    SourceKind.OTHER: _phrases("""{place} Tribal Council | {place} Local Council | {place} Chamber of Commerce |
        {adj} Opposition Coalition"""),
}
GROUP_WORDS = _phrases("""Hamza | Nasr | Liberation | Levant | Northern Storm | Desert Hawks | Euphrates | Imam Ali |
    Badr | Revolutionary | Resistance | Martyrs | Southern | Eastern Lions | Mountain | Dawn | Victory | Tribal |
    Homeland""")
MEDIA_WORDS = _phrases("Nahr | Fajr | Amal | Watan | Hurriya | Sabah | Quds | Nour | Ghad | Yawm | Shams | Furat")
INTERNATIONAL_ORGS = _phrases("""UN Office for the Coordination of Humanitarian Affairs | UN Human Rights Office |
    World Health Organization | International Committee of the Red Cross |
    Organisation for the Prohibition of Chemical Weapons | UN Refugee Agency | World Food Programme | NATO |
    Arab League | UN Security Council | International Atomic Energy Agency | UN Mission in {place} |
    Joint Monitoring Mission in {place}""")
SOURCE_DESCRIPTIONS = {
    SourceKind.GOVERNMENT: _phrases("Issues official statements and briefings. | Speaks for the government."),
    SourceKind.MILITARY: _phrases("Publishes daily operational briefings. | Reports on military operations."),
    SourceKind.ARMED_GROUP: _phrases("Posts statements on its messaging channels. | Non-state armed group."),
    SourceKind.NGO: _phrases("Documents casualties through local contacts. | Humanitarian organisation."),
    SourceKind.INTERNATIONAL_ORG: _phrases("Publishes situation reports. | Intergovernmental body."),
    SourceKind.MEDIA: _phrases("State-run outlet. | Independent outlet. | Relays statements of local authorities."),
    SourceKind.OTHER: _phrases("Local body that speaks for residents."),
}
ROLES = {
    SourceKind.GOVERNMENT: _phrases("minister | spokesman | spokeswoman | deputy minister | ambassador | envoy"),
    SourceKind.MILITARY: _phrases("spokesman | commander | general | press officer"),
    SourceKind.ARMED_GROUP: _phrases("spokesman | commander | field commander | political officer"),
    SourceKind.NGO: _phrases("director | spokeswoman | researcher"),
    SourceKind.INTERNATIONAL_ORG: _phrases("spokesman | envoy | coordinator | head of mission"),
    SourceKind.MEDIA: _phrases("correspondent | editor | reporter"),
    SourceKind.OTHER: _phrases("head | spokesman"),
}
UNAFFILIATED_ROLES = _phrases("analyst | activist | eyewitness | tribal leader | blogger | local resident")

ORGANISATION_TOPICS = [
    ("Islamic State", ["ISIS", "ISIL", "Daesh", "داعش"]),
    ("Popular Mobilization Forces", ["PMF", "Hashd al-Shaabi", "الحشد الشعبي"]),
    ("Hezbollah", ["Hizbollah", "حزب الله"]),
    ("Syrian Democratic Forces", ["SDF", "قسد"]),
    ("Houthis", ["Ansar Allah", "أنصار الله"]),
    ("Wagner Group", ["Wagner", "ЧВК Вагнер"]),
    ("Hamas", ["حماس"]),
    ("Kurdistan Workers' Party", ["PKK"]),
    ("Hayat Tahrir al-Sham", ["HTS", "هيئة تحرير الشام"]),
    ("Islamic Revolutionary Guard Corps", ["IRGC", "سپاه پاسداران"]),
    ("NATO", ["OTAN", "НАТО"]),
    ("Organisation for the Prohibition of Chemical Weapons", ["OPCW", "OIAC"]),
]
THEMES = _phrases("""Border crossings | Civilian casualties | Chemical weapons | Humanitarian aid | Prisoner exchanges |
    Airstrikes | Displacement | Ceasefires | Oil smuggling | Drone strikes | Hostages | Mass graves | Disinformation |
    Attacks on hospitals | Sieges""")
EVENTS = _phrases("offensive | ceasefire | siege | evacuation | airstrikes | prisoner exchange | protests")
REVIEW_SUMMARIES = _phrases("""Satellite imagery from the following days shows no damage at the site. |
    Two independent witnesses confirmed the account. | The video offered as proof was filmed elsewhere, years earlier. |
    Hospital records and local officials agree with the claim. |
    No evidence was found of the reported movement of forces. |
    The photographs were shown to come from a different event. |
    Geolocated footage supports the main points of the claim. | The figures could not be verified independently.""")


def check_plain(values: Iterable[str]) -> None:
    """Refuse a bank value that COPY's text format would need escaped (a programming error)."""
    for value in values:
        if any(ch in value for ch in "\t\n\r\\"):
            raise ValueError(f"{value!r} holds a tab, newline or backslash")


def _bank_values() -> Iterator[str]:
    for book in PHRASEBOOKS.values():
        yield from (*book.actors, *book.verbs, *book.objects, *book.near, *book.times)
        yield from (*book.quotes, *book.rebuttals, *book.linked_templates)
    for place in PLACES:
        yield from place
    yield from (*FIRST_NAMES, *LAST_NAMES, *GROUP_WORDS, *MEDIA_WORDS, *INTERNATIONAL_ORGS, *THEMES, *EVENTS)
    yield from REVIEW_SUMMARIES
    for table in (SOURCE_NAME_PATTERNS, SOURCE_DESCRIPTIONS, ROLES):
        for values in table.values():
            yield from values
    for name, aliases in ORGANISATION_TOPICS:
        yield name
        yield from aliases
