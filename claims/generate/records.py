"""Synthetic records at scale, for benchmarks and load tests: `manage.py generate_claims`.

A deterministic record (same seed and same starting database, same rows) of organisations and
the people who speak for them, outlets and their articles, topics, claims in eight languages,
the links between claims (denials, support, retractions) and editors' reviews. Why it is
written the way it is (COPY, the search document, what is left out): docs/performance.md.

Rows are produced as lines of PostgreSQL's COPY text format (tab-separated, NULL as \\N), since
that is what the fast path sends; the path for other databases splits the same lines into
parameters. No generated value contains a tab, newline or backslash, so no line needs escaping
(`Phrasebook` and `check_plain` make sure of it).
"""

import io
import json
import multiprocessing
import os
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from random import Random
from string import Formatter

from django.contrib.auth.models import User
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils.text import slugify

from claims.db import without_statement_timeout
from claims.models import (
    Article,
    Claim,
    ClaimLink,
    ClaimStatus,
    ClaimTopic,
    DatePrecision,
    LinkRelation,
    Review,
    ReviewRating,
    Source,
    SourceKind,
    Topic,
    TopicKind,
)
from claims.search import SEARCH_CONFIG

# Claims fall in these ten years, whatever the day the command runs: the same seed gives the same record.
FIRST_DAY = date(2016, 1, 1).toordinal()
LAST_DAY = date(2025, 12, 31).toordinal()

GENERATED_USERS = [f"generated-editor-{n}" for n in range(1, 9)]

BLOCK = 25_000  # claims generated together, from a random stream of their own (see Generator.stories)

NULL = "\\N"

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


# -- What a run makes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """How many of each record a run of `claims` claims makes."""

    claims: int
    sources: int
    topics: int
    articles: int
    stories: int

    @classmethod
    def for_claims(cls, claims: int) -> "Sizes":
        return cls(
            claims=claims,
            sources=max(50, claims // 200),
            topics=min(400, max(40, claims // 2500)),
            articles=max(10, claims // 5),
            # A story is what a run of claims is about (a siege, a strike): its topics, place and parties.
            stories=max(10, claims // 40),
        )


# Tables in the order they are written, each with the columns the generator fills.
COLUMNS = {
    Source: [
        "id",
        "slug",
        "name",
        "kind",
        "description",
        "role",
        "affiliation_id",
        "country",
        "url",
        "aliases",
        "version",
    ],
    Topic: ["id", "slug", "name", "kind", "aliases", "version"],
    Article: ["id", "title", "url", "publisher_id", "published_on", "dateline", "language", "version"],
    Claim: [
        "id",
        "text",
        "quote",
        "language",
        "claimed_on",
        "claimed_on_precision",
        "status",
        "created_at",
        "updated_at",
        "article_id",
        "created_by_id",
        "source_id",
        "speaker_id",
        "via_id",
        "version",
    ],
    # Numbered by the database, in the order given:
    ClaimTopic: ["claim_id", "topic_id"],
    ClaimLink: ["from_claim_id", "to_claim_id", "relation", "note", "version"],
    Review: ["claim_id", "rating", "summary", "url", "reviewer_id", "reviewed_on", "version"],
}
ROW_NAMES = {
    Source: "sources",
    Topic: "topics",
    Article: "articles",
    Claim: "claims",
    ClaimTopic: "claim topics",
    ClaimLink: "links",
    Review: "reviews",
}


def _table(weights: Iterable[tuple[str, int]]) -> tuple[str, ...]:
    """Values repeated by their (whole-number) weights: an index drawn uniformly picks by weight."""
    return tuple(value for value, weight in weights for _ in range(weight))


def _pick(table: tuple, rng: Random):
    return table[int(rng.random() * len(table))]


def _acronym(name: str) -> str:
    return "".join(word[0] for word in name.replace("-", " ").split() if word[0].isupper())


def _json(values: list[str]) -> str:
    # As UnicodeJSONEncoder writes it: Arabic stays Arabic, so substring search finds it on SQLite.
    return json.dumps(values, ensure_ascii=False)


LANGUAGES = _table(LANGUAGE_SHARES)
BODY_KINDS = _table(
    [
        (SourceKind.GOVERNMENT, 30),
        (SourceKind.MILITARY, 20),
        (SourceKind.ARMED_GROUP, 25),
        (SourceKind.NGO, 12),
        (SourceKind.INTERNATIONAL_ORG, 6),
        (SourceKind.OTHER, 7),
    ]
)
STATUSES = _table(
    [
        (ClaimStatus.UNVERIFIED, 52),
        (ClaimStatus.DISPUTED, 18),
        (ClaimStatus.CONFIRMED, 14),
        (ClaimStatus.REFUTED, 14),
        (ClaimStatus.RETRACTED, 2),
    ]
)
PRECISIONS = _table([(DatePrecision.DAY, 92), (DatePrecision.MONTH, 6), (DatePrecision.YEAR, 2)])
# What a new claim does, per thousand: most say something new; some answer a recent claim of their story.
RELATIONS = _table(
    [
        ("", 915),
        (LinkRelation.DENIES, 50),
        (LinkRelation.SUPPORTS, 20),
        (LinkRelation.CONTRADICTS, 10),
        (LinkRelation.CLARIFIES, 5),
    ]
)
RATINGS = {
    ClaimStatus.CONFIRMED: (ReviewRating.TRUE, ReviewRating.MOSTLY_TRUE),
    ClaimStatus.REFUTED: (ReviewRating.FALSE, ReviewRating.MOSTLY_FALSE),
}
OTHER_RATINGS = (ReviewRating.MIXED, ReviewRating.UNPROVEN, ReviewRating.MOSTLY_FALSE, ReviewRating.TRUE)


class Generator:
    """The rows of one run, as COPY text lines, from a seed and the ids already taken.

    Call `sources()`, `topics()`, `stories()`, then consume `articles()` and `claims()` in that
    order: every draw comes from one `Random(seed)`, so the order of calls is part of the record.
    """

    def __init__(self, sizes: Sizes, seed: int, bases: dict, users: list[int], taken_slugs: dict, block=BLOCK):
        self.sizes = sizes
        self.seed = seed
        self.block = block
        self.rng = Random(seed)
        self.bases = bases  # per model, the highest id already used: new ids follow it
        self.users = users
        self.taken_slugs = taken_slugs
        self.days = [date.fromordinal(d).isoformat() for d in range(FIRST_DAY, LAST_DAY + 40)]
        self.clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
        self.counts = dict.fromkeys(COLUMNS, 0)

    def _slug(self, model, name: str) -> str:
        base = slugify(name)[:90] or model.__name__.lower()
        taken = self.taken_slugs[model]
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        return slug

    # -- sources ------------------------------------------------------------------------------

    def sources(self) -> list[str]:
        """Organisations and outlets, then the people affiliated to them (so affiliations point back)."""
        rng, n, base = self.rng, self.sizes.sources, self.bases[Source]
        countries = _table((code, weight) for code, _, weight in COUNTRIES)
        bodies, outlets = int(n * 0.4), max(3, int(n * 0.2))
        self.orgs: list[int] = []  # sources that make claims as bodies
        self.outlets: list[int] = []
        self.people: list[int] = []  # people who speak for no body: they make claims themselves
        self.affiliates: dict[int, list[int]] = defaultdict(list)
        self.favourite_outlets: dict[int, list[int]] = {}
        self.domains: dict[int, str] = {}
        lines, country_of, kind_of = [], {}, {}
        for i in range(bodies + outlets):
            sid = base + 1 + i
            kind = SourceKind.MEDIA if i >= bodies else _pick(BODY_KINDS, rng)
            country = "" if kind == SourceKind.INTERNATIONAL_ORG else _pick(countries, rng)
            name = self._body_name(kind, country)
            acronym = _acronym(name)
            aliases = [acronym] if len(acronym) >= 2 and acronym != name and rng.random() < 0.6 else []
            slug = self._slug(Source, name)
            self.domains[sid] = slug
            url = f"https://{slug}.example/" if rng.random() < 0.75 else ""
            description = rng.choice(SOURCE_DESCRIPTIONS[kind]) if rng.random() < 0.4 else ""
            lines.append(
                f"{sid}\t{slug}\t{name}\t{kind}\t{description}\t\t{NULL}\t{country}\t{url}\t{_json(aliases)}\t1\n"
            )
            (self.outlets if kind == SourceKind.MEDIA else self.orgs).append(sid)
            country_of[sid], kind_of[sid] = country, kind
        outlets_of = defaultdict(list)
        for sid in self.outlets:
            outlets_of[country_of[sid]].append(sid)
        for sid in self.orgs + self.outlets:
            # A body's claims are relayed by a few outlets, mostly its own country's: state media
            # relays the ministry. That also keeps the distinct (source, speaker, via) few.
            home = [o for o in outlets_of[country_of[sid]] if o != sid]
            pool = home if home and rng.random() < 0.7 else [o for o in self.outlets if o != sid]
            self.favourite_outlets[sid] = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        for i in range(n - bodies - outlets):
            sid = base + 1 + bodies + outlets + i
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            if rng.random() < 0.9:
                body = rng.choice(self.orgs if rng.random() < 0.8 else self.outlets)
                role, affiliation, country = rng.choice(ROLES[kind_of[body]]), str(body), country_of[body]
                self.affiliates[body].append(sid)
            else:
                role, affiliation, country = rng.choice(UNAFFILIATED_ROLES), NULL, _pick(countries, rng)
                self.people.append(sid)
            aliases = []
            if rng.random() < 0.15:
                aliases.append(f"Abu {rng.choice(FIRST_NAMES)}")
            if rng.random() < 0.1:
                aliases.append(f"{first[0]}. {last}")
            slug = self._slug(Source, name)
            lines.append(
                f"{sid}\t{slug}\t{name}\t{SourceKind.PERSON}\t\t{role}\t{affiliation}\t{country}\t\t{_json(aliases)}\t1\n"
            )
        # Every (source, speaker, via) a claim can have, keyed: the names part of the search document
        # is computed once per key.
        self.name_keys: dict[tuple, int] = {}
        for source in self.orgs + self.people:
            for speaker in (None, *self.affiliates.get(source, ())):
                for via in (None, *self.favourite_outlets.get(source, ())):
                    self.name_keys[(source, speaker, via)] = len(self.name_keys) + 1
        self.counts[Source] = len(lines)
        return lines

    def _body_name(self, kind: str, country: str) -> str:
        rng = self.rng
        place = rng.choice(PLACES)[0]
        if kind == SourceKind.INTERNATIONAL_ORG:
            return rng.choice(INTERNATIONAL_ORGS).format(place=place)
        return rng.choice(SOURCE_NAME_PATTERNS[kind]).format(
            adj=ADJECTIVES[country],
            place=place,
            word=rng.choice(MEDIA_WORDS if kind == SourceKind.MEDIA else GROUP_WORDS),
            nth=rng.choice(("1st", "3rd", "4th", "5th", "7th", "9th", "11th", "17th")),
        )

    # -- topics and stories ---------------------------------------------------------------------

    def topics(self) -> list[str]:
        """Places (their names in other scripts as aliases), organisations, themes, then events and people."""
        rng, n, base = self.rng, self.sizes.topics, self.bases[Topic]
        candidates = [
            (place[0], TopicKind.PLACE, list(dict.fromkeys(a for a in place[1:] if a and a != place[0])), place)
            for place in PLACES
        ]
        candidates += [(name, TopicKind.ORGANIZATION, aliases, None) for name, aliases in ORGANISATION_TOPICS]
        candidates += [(name, TopicKind.THEME, [], None) for name in THEMES]
        rng.shuffle(candidates)
        del candidates[n * 2 // 3 :]
        while len(candidates) < n:
            if rng.random() < 0.7:
                place = rng.choice(PLACES)
                year = rng.randint(date.fromordinal(FIRST_DAY).year, date.fromordinal(LAST_DAY).year)
                candidates.append((f"{place[0]} {rng.choice(EVENTS)} {year}", TopicKind.EVENT, [], place))
            else:
                candidates.append((f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", TopicKind.PERSON, [], None))
        lines = []
        self.topic_places: list[tuple | None] = []  # the place a topic is about, for the claims' wording
        for i, (name, kind, aliases, place) in enumerate(candidates):
            lines.append(f"{base + 1 + i}\t{self._slug(Topic, name)}\t{name}\t{kind}\t{_json(aliases)}\t1\n")
            self.topic_places.append(place)
        self.counts[Topic] = len(lines)
        return lines

    def stories(self) -> None:
        """What runs of claims are about: 1 to 3 topics, a place, the day it began, the parties."""
        rng, base = self.rng, self.bases[Topic]
        about_places = [i for i, place in enumerate(self.topic_places) if place is not None]
        about_others = [i for i, place in enumerate(self.topic_places) if place is None] or about_places
        self.story_topics: list[list[int]] = []
        self.story_place: list[int] = []  # index in PLACES
        self.story_day: list[int] = []
        self.story_parties: list[list[int]] = []
        for _ in range(self.sizes.stories):
            chosen = {rng.choice(about_places)} if about_places and rng.random() < 0.9 else set()
            wanted = rng.choice((1, 2, 2, 3))
            while len(chosen) < wanted:
                chosen.add(rng.choice(about_others))
            # Ascending ids: the order in which the search document lists topic names (see _insert_claims).
            self.story_topics.append(sorted(base + 1 + t for t in chosen))
            places = [self.topic_places[t] for t in sorted(chosen) if self.topic_places[t] is not None]
            self.story_place.append(PLACES.index(places[0]) if places else rng.randrange(len(PLACES)))
            self.story_day.append(rng.randint(FIRST_DAY, LAST_DAY - 30))
            self.story_parties.append(rng.sample(self.orgs, min(len(self.orgs), rng.randint(2, 6))))
        self.wordings = Wordings(places=set(self.story_place))
        # How many claims each story gets: a few stories get many, most a few (a heavy-tailed share).
        weights = [rng.paretovariate(1.2) for _ in range(self.sizes.stories)]
        total, claims = sum(weights), self.sizes.claims
        self.story_size = [int(claims * w / total) for w in weights]
        for i in range(claims - sum(self.story_size)):
            self.story_size[i % len(weights)] += 1
        # Which story each article is about, and when it appeared (its words come in `articles`).
        n = self.sizes.articles
        self.article_story = [rng.randrange(self.sizes.stories) for _ in range(n)]
        self.article_day = [self.story_day[s] + rng.randint(0, 20) for s in self.article_story]
        self.story_articles: list[list[int]] = [[] for _ in range(self.sizes.stories)]
        for article, story in enumerate(self.article_story):
            self.story_articles[story].append(article)
        # Blocks of consecutive stories, about `block` claims each: generated independently (in worker
        # processes on PostgreSQL), each from a random stream of its own, so the record does not
        # depend on how many processes made it. Claims are numbered story by story.
        self.blocks: list[tuple[int, int, int]] = []  # (first story, story after the last, first claim)
        first, claims, in_block = 0, 0, 0
        for story, size in enumerate(self.story_size):
            in_block += size
            if in_block >= self.block or story == len(weights) - 1:
                self.blocks.append((first, story + 1, claims))
                first, claims, in_block = story + 1, claims + in_block, 0

    # -- articles -------------------------------------------------------------------------------

    def articles(self) -> Iterator[str]:
        """Articles by outlets, each about a story, published in the days after it began."""
        rng, n, base = self.rng, self.sizes.articles, self.bases[Article]
        outlets, texts = self.outlets, self.wordings.texts
        slugs: dict[int, str] = {}  # slugify is slow, and the same words make many titles
        for i in range(n):
            aid = base + 1 + i
            publisher = outlets[int(rng.random() * len(outlets))]
            book = PHRASEBOOKS[language := _pick(LANGUAGES, rng)]
            p = self.story_place[self.article_story[i]]
            place = PLACES[p]
            head = _pick(self.wordings.heads[language][p], rng)
            tail = _pick(self.wordings.tails[language][p], rng)
            title = f"{book.place_name(place)}: {texts[head]} {texts[tail]}"
            day = self.days[self.article_day[i] - FIRST_DAY]
            url = ""
            if rng.random() < 0.95:
                # The id makes it unique; the words make it look like an outlet's address.
                for key in (head, tail):
                    if key not in slugs:
                        slugs[key] = slugify(texts[key])
                words = f"{slugs[head]}-{slugs[tail]}"[:60].strip("-") or "article"
                url = f"https://{self.domains[publisher]}.example/{day.replace('-', '/')}/{words}-{aid}"
            dateline = book.dateline(place) if rng.random() < 0.7 else ""
            yield f"{aid}\t{title}\t{url}\t{publisher}\t{day}\t{dateline}\t{language}\t1\n"
        self.counts[Article] = n

    # -- claims, and what hangs off them ----------------------------------------------------------

    @contextmanager
    def claims(self, progress: Callable[[int], None] = lambda n: None, processes: int = 1):
        """Claim lines a block at a time (see `block_lines`), as an iterator.

        With `processes`, that many worker processes start generating blocks at once (the caller
        can meanwhile do other work), until the context ends. Claim topics, links and reviews
        collect, a block a string, in `claim_topics`, `links` and `reviews`.
        """
        self.claim_topics: list[str] = []
        self.links: list[str] = []
        self.reviews: list[str] = []
        self.linked_keys: set[int] = set()
        if processes > 1 and len(self.blocks) > 1:
            global _GENERATOR
            _GENERATOR = self  # what forked workers find (they share the parent's memory)
            try:
                with multiprocessing.get_context("fork").Pool(processes) as pool:
                    yield self._collect(pool.imap(_generate_block, range(len(self.blocks))), progress)
            finally:
                _GENERATOR = None
        else:
            yield self._collect(map(self.block_lines, range(len(self.blocks))), progress)

    def _collect(self, blocks: Iterable[tuple], progress: Callable[[int], None]) -> Iterator[str]:
        self.counts[Claim] = self.sizes.claims
        for claims, claim_topics, links, reviews, linked_keys, counts in blocks:
            self.claim_topics.append(claim_topics)
            self.links.append(links)
            self.reviews.append(reviews)
            self.linked_keys |= linked_keys
            for model, count in zip((ClaimTopic, ClaimLink, Review), counts[1:], strict=True):
                self.counts[model] += count
            yield claims
            progress(counts[0])

    def block_lines(self, index: int) -> tuple:
        """The lines of one block's claims, claim topics, links and reviews, the linked-text keys they
        use and their counts.

        Claim lines have six more columns for PostgreSQL's search documents: the keys of the
        claim's names, story, context (its article, or its story when in none), text head and
        tail, and quote. Claim topics, links and reviews have no id: the database numbers them
        in order. One long loop on purpose: this is the hot path of a million-claim run.
        """
        first_story, end_story, first_claim = self.blocks[index]
        rng = Random(f"{self.seed}/{index}")
        random = rng.random
        cid = self.bases[Claim] + first_claim
        article_base = self.bases[Article]
        days, clock, first_day, last_day = self.days, self.clock, FIRST_DAY, LAST_DAY
        users, orgs, people = self.users, self.orgs, self.people or self.orgs
        affiliates, favourites, name_keys = self.affiliates, self.favourite_outlets, self.name_keys
        wordings = self.wordings
        text, heads, tails, ended, quotes, rebuttals = (
            wordings.text,
            wordings.heads,
            wordings.tails,
            wordings.ended,
            wordings.quotes,
            wordings.rebuttals,
        )
        article_day = self.article_day
        languages, statuses, precisions, relations = LANGUAGES, STATUSES, PRECISIONS, RELATIONS
        rebutting = (LinkRelation.DENIES, LinkRelation.CONTRADICTS)
        lines, topic_lines, link_lines, review_lines, linked_keys = [], [], [], [], set()
        for story in range(first_story, end_story):
            articles, parties, place = self.story_articles[story], self.story_parties[story], self.story_place[story]
            story_day, story_key = self.story_day[story], story + 1
            topic_ends = [f"\t{topic}\n" for topic in self.story_topics[story]]
            # The story's last claims (id, source, language, head, tail): what later claims deny or support.
            recent = deque(maxlen=6)
            # Claims generated as retracted wait for a later claim of their own source to retract them.
            awaiting_retraction = defaultdict(list)
            for _ in range(self.story_size[story]):
                cid += 1
                if articles and random() < 0.9:
                    a = articles[int(random() * len(articles))]
                    article = context = article_base + 1 + a
                    day = article_day[a] - int(random() * 3)
                else:
                    article, context, day = NULL, -story_key, story_day + int(random() * 20)
                u = random()
                if u < 0.1:
                    source, speaker, via = people[int(random() * len(people))], None, None
                else:
                    bodies = parties if u < 0.8 else orgs
                    source = bodies[int(random() * len(bodies))]
                    staff = affiliates.get(source)
                    speaker = staff[int(random() * len(staff))] if staff and random() < 0.45 else None
                    outlets = favourites[source]
                    via = outlets[int(random() * len(outlets))] if outlets and random() < 0.3 else None
                status = statuses[int(random() * 100)]
                relation = relations[int(random() * 1000)]
                target = None
                if relation:
                    others = [c for c in recent if c[1] != source]
                    target = others[int(random() * len(others))] if others else None
                waiting = awaiting_retraction.get(source)
                if target is None and waiting and random() < 0.5:
                    target, relation = waiting.pop(), LinkRelation.RETRACTS
                if target is not None:
                    language = target[2]
                    head, tail = wordings.linked(relation, target[3], target[4])
                    linked_keys.add(head)
                    linked_keys.add(tail)
                    if relation in rebutting:
                        choices = rebuttals[language]
                        quote = choices[int(random() * len(choices))]
                    else:
                        quote = 0
                    link_lines.append(f"{cid}\t{target[0]}\t{relation}\t\t1\n")
                else:
                    language = languages[int(random() * 100)]
                    choices = heads[language][place]
                    head = choices[int(random() * len(choices))]
                    choices = tails[language][place]
                    tail = choices[int(random() * len(choices))]
                    if random() < 0.6:
                        choices = quotes[language][place][random() < 0.3]  # one sentence, or two
                        quote = choices[int(random() * len(choices))]
                    else:
                        quote = 0
                    recent.append((cid, source, language, head, tail))
                    if status == ClaimStatus.RETRACTED:
                        awaiting_retraction[source].append((cid, source, language, head, tail))
                    tail = ended[tail]
                claimed = days[day - first_day]
                precision = precisions[int(random() * 100)]
                if precision == DatePrecision.MONTH:
                    claimed = claimed[:8] + "01"
                elif precision == DatePrecision.YEAR:
                    claimed = claimed[:5] + "01-01"
                moment = int(random() * 345600)  # within four days of the claim
                created = f"{days[day - first_day + moment // 86400]} {clock[moment % 86400]}"
                if random() < 0.2:
                    moment = int(random() * 2592000)  # edited within a month
                    updated = f"{days[day - first_day + 4 + moment // 86400]} {clock[moment % 86400]}"
                else:
                    updated = created
                author = users[int(random() * len(users))] if random() < 0.7 else NULL
                lines.append(
                    f"{cid}\t{text(head)} {text(tail)}\t{text(quote)}\t{language}\t{claimed}\t{precision}\t"
                    f"{status}\t{created}\t{updated}\t{article}\t{author}\t{source}\t"
                    f"{NULL if speaker is None else speaker}\t{NULL if via is None else via}\t1\t"
                    f"{name_keys[(source, speaker, via)]}\t{story_key}\t{context}\t{head}\t{tail}\t{quote or NULL}\n"
                )
                for end in topic_ends:
                    topic_lines.append(f"{cid}{end}")
                if random() < 0.03:
                    rating = rng.choice(RATINGS.get(status, OTHER_RATINGS))
                    summary = REVIEW_SUMMARIES[int(random() * len(REVIEW_SUMMARIES))]
                    url = f"https://review.example/claims/{cid}" if random() < 0.7 else ""
                    reviewer = users[int(random() * len(users))]
                    reviewed = days[min(day + 1 + int(random() * 60), last_day) - first_day]
                    review_lines.append(f"{cid}\t{rating}\t{summary}\t{url}\t{reviewer}\t{reviewed}\t1\n")
        counts = (len(lines), len(topic_lines), len(link_lines), len(review_lines))
        texts = ("".join(lines), "".join(topic_lines), "".join(link_lines), "".join(review_lines))
        return (*texts, linked_keys, counts)

    def name_key_lines(self) -> Iterator[str]:
        """(key, source, speaker, via) for each attribution a claim can have."""
        for (source, speaker, via), key in self.name_keys.items():
            yield f"{key}\t{source}\t{NULL if speaker is None else speaker}\t{NULL if via is None else via}\n"

    def story_key_lines(self) -> Iterator[str]:
        """(key, topic ids) for each story: the topics its claims carry."""
        for i, topics in enumerate(self.story_topics):
            yield f"{i + 1}\t{{{','.join(map(str, topics))}}}\n"

    def segment_lines(self, linked: bool = False) -> Iterator[str]:
        """(key, is a head, text) for each head, tail and quote of claims (see Wordings); with `linked`,
        for those of claims about others that the claims use."""
        wordings = self.wordings
        for key in sorted(self.linked_keys) if linked else range(1, wordings.count):
            yield f"{key}\t{'t' if wordings.is_head[key % wordings.count] else 'f'}\t{wordings.text(key)}\n"

    def article_story_lines(self) -> Iterator[str]:
        """(article id, story key) for each article."""
        base = self.bases[Article]
        for i, story in enumerate(self.article_story):
            yield f"{base + 1 + i}\t{story + 1}\n"


_GENERATOR: Generator | None = None


def _generate_block(index: int) -> tuple:
    """In a worker process: one block of the generator the parent set up before forking."""
    return _GENERATOR.block_lines(index)


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


# -- Writing ------------------------------------------------------------------------------------------


@dataclass
class Summary:
    """What a run wrote, and how long it took (in all, and by phase)."""

    rows: dict[str, int]
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)

    def __str__(self):
        counts = ", ".join(f"{n:,} {name}" for name, n in self.rows.items())
        rate = self.rows["claims"] / self.seconds if self.seconds else 0.0
        return f"Generated {counts} in {self.seconds:.1f} s ({rate:,.0f} claims/s)."


class GenerationRefused(Exception):
    """The database cannot take the generated records (not migrated, or a value would collide)."""


class IndexesUnfinished(Exception):
    """The records were written, but building some of their indexes failed afterwards."""


def generate_claims(
    claims: int,
    *,
    seed: int = 0,
    using: str = DEFAULT_DB_ALIAS,
    progress: Callable[[int], None] = lambda n: None,
) -> Summary:
    """Add `claims` synthetic claims, with the sources, articles, topics, links and reviews they need.

    Ids follow the highest id (or sequence value) of each table, slugs skip those taken, and the
    sequences end past the new rows, so the record can grow by several runs and later saves
    through Django do not collide. The records are written in one transaction, all or nothing.
    On PostgreSQL, unless called inside a transaction, the indexes that only speed up reads are
    then built on two connections at once (docs/performance.md); if that fails, IndexesUnfinished
    is raised and the next run builds them first. `progress` is called with each batch's number of
    claims. Raises GenerationRefused when the database cannot take the records.
    """
    check_plain(_bank_values())
    started = time.perf_counter()
    phases: dict[str, float] = {}
    connection = connections[using]
    if connection.vendor == "postgresql":
        # Other connections cannot see an outer transaction's rows: then everything happens in it.
        loader = _PostgresLoader(connection, phases, parallel=not connection.in_atomic_block)
    else:
        loader = _InsertLoader(connection, phases)
    with transaction.atomic(using=using), without_statement_timeout(using):
        with _phase(phases, "prepare"):
            loader.prepare()
            taken = {model: loader.slugs(model) for model in (Source, Topic)}
            generator = Generator(Sizes.for_claims(claims), seed, loader.bases(), _generated_users(using), taken)
            sources, topics = generator.sources(), generator.topics()
            generator.stories()
        loader.load(generator, sources, topics, progress)
    loader.finish()
    seconds = time.perf_counter() - started
    return Summary({ROW_NAMES[m]: generator.counts[m] for m in COLUMNS}, seconds, phases)


class _phase:
    """Adds the time a block takes to `phases[name]`."""

    def __init__(self, phases: dict, name: str):
        self.phases, self.name = phases, name

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        self.phases[self.name] = self.phases.get(self.name, 0.0) + time.perf_counter() - self.started


def _generated_users(using: str) -> list[int]:
    """The editors generated claims and reviews are attributed to: made on the first run, then reused."""
    ids = []
    for username in GENERATED_USERS:
        user, created = User.objects.using(using).get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save(using=using, update_fields=["password"])
        ids.append(user.pk)
    return ids


class _InsertLoader:
    """Any database Django supports (SQLite in tests and on a fresh machine): batched INSERTs.

    Correct rather than fast: the same rows as on PostgreSQL, through executemany.
    """

    def __init__(self, connection, phases: dict):
        self.connection = connection
        self.phases = phases

    def prepare(self):
        pass  # an SQLite write transaction holds the whole database

    def bases(self) -> dict:
        bases = {}
        with self.connection.cursor() as cursor:
            for model in COLUMNS:
                table = model._meta.db_table
                cursor.execute(f'SELECT coalesce(max("id"), 0) FROM "{table}"')
                bases[model] = cursor.fetchone()[0]
                if self.connection.vendor == "sqlite":
                    # AUTOINCREMENT never hands out an id again, even a deleted one's: neither do we.
                    cursor.execute("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
                    bases[model] = max(bases[model], cursor.fetchone()[0])
        return bases

    def slugs(self, model) -> set[str]:
        return set(model.objects.using(self.connection.alias).values_list("slug", flat=True))

    def load(self, generator: Generator, sources: list[str], topics: list[str], progress):
        with _phase(self.phases, "insert"):
            self._insert(Source, sources)
            self._insert(Topic, topics)
            self._insert(Article, _chunked(generator.articles()))
            with generator.claims(progress) as claims:
                self._insert(Claim, claims)
            self._insert(ClaimTopic, generator.claim_topics)
            self._insert(ClaimLink, generator.links)
            self._insert(Review, generator.reviews)
        if self.connection.vendor != "sqlite":
            with self.connection.cursor() as cursor:
                for sql in self.connection.ops.sequence_reset_sql(no_style(), list(COLUMNS)):
                    cursor.execute(sql)

    def finish(self):
        pass

    def _insert(self, model, chunks: Iterable[str]):
        columns = COLUMNS[model]
        names = ", ".join(f'"{column}"' for column in columns)
        sql = f'INSERT INTO "{model._meta.db_table}" ({names}) VALUES ({", ".join(["%s"] * len(columns))})'
        width = len(columns)  # claim lines carry more columns, for PostgreSQL's search documents
        with self.connection.cursor() as cursor:
            for chunk in chunks:
                rows = [[None if v == NULL else v for v in line.split("\t")[:width]] for line in chunk.splitlines()]
                if rows:
                    cursor.executemany(sql, rows)


# The index that takes longest to build (about 70% of all index building at a million claims): it gets
# a connection of its own while another builds all the others.
LONGEST_INDEX = "claims_claim_text_trgm"
# Index builds left to do after the records' transaction commits; a run that is interrupted leaves its
# rows here, and the next run builds them (the table exists only while a run, or its leftovers, last).
PENDING = "claims_generate_pending"
# Two connections already keep both cores busy: helpers for a btree build would only take turns with them.
BUILD_SETTINGS = [("statement_timeout", "0"), ("max_parallel_maintenance_workers", "0")]


class _PostgresLoader(_InsertLoader):
    """PostgreSQL: COPY; search documents computed set-based and written with the rows; indexes and
    constraints rebuilt once after the load, and read-only indexes on two connections after commit."""

    # The triggers of migration 0004 that fire on INSERT: the load does their work itself.
    SEARCH_TRIGGERS = [(Claim, "claims_claim_search"), (ClaimTopic, "claims_claimtopic_search_insert")]
    # Work tables, unlogged (no WAL) and dropped before commit. Not TEMP: parallel workers cannot read those.
    WORK_TABLES = [
        "claims_generate_claim",
        "claims_generate_names",
        "claims_generate_stories",
        "claims_generate_segments",
        "claims_generate_names_vector",
        "claims_generate_stories_vector",
        "claims_generate_segments_vector",
        "claims_generate_article_stories",
        "claims_generate_articles_vector",
        "claims_generate_context_vector",
        "claims_generate_ready",
    ]
    SETTINGS = [
        ("maintenance_work_mem", "1GB"),  # index builds sort in memory
        ("work_mem", "256MB"),  # the hash joins of the search documents stay in memory
        ("timezone", "UTC"),  # generated timestamps are UTC
        ("jit", "off"),  # compiling the big statements costs more than it saves here
        # The planner prices a tsvector function like an addition, so it rarely splits the search
        # documents' work among workers; it should, they are most of the work.
        ("parallel_setup_cost", "10"),
        ("parallel_tuple_cost", "0.001"),
    ]

    def __init__(self, connection, phases: dict, parallel: bool):
        super().__init__(connection, phases)
        self.parallel = parallel

    def _execute(self, sql: str, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def _copy(self, table: str, columns: list[str], chunks: Iterable[str]):
        with self.connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", _ChunkReader(chunks))

    def prepare(self):
        if not self._execute("SELECT to_regprocedure('claims_names(text, jsonb)') IS NOT NULL")[0][0]:
            raise GenerationRefused("The database has no search functions: run `manage.py migrate` first.")
        # Others wait (reads too, once indexes are dropped) until the records commit; no id can be taken meanwhile.
        self._execute(f"LOCK TABLE {', '.join(m._meta.db_table for m in COLUMNS)} IN ACCESS EXCLUSIVE MODE")
        for setting, value in self.SETTINGS:
            self._execute(f"SET LOCAL {setting} = '{value}'")

    def bases(self) -> dict:
        bases = {}
        for model in COLUMNS:
            table = model._meta.db_table
            sequence = self._execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])[0][0]
            bases[model] = self._execute(
                f"SELECT greatest((SELECT coalesce(max(id), 0) FROM {table}), "
                f"(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}))"
            )[0][0]
        return bases

    def load(self, generator: Generator, sources: list[str], topics: list[str], progress):
        phases = self.phases
        # Python takes ~7 µs a claim: the longest part of a million-claim run's load. Worker processes,
        # one per core, start on the claims now, while this connection does what needs no claims.
        with generator.claims(progress, processes=os.cpu_count() or 1) as claims:
            with _phase(phases, "prepare"):
                integrity, reads = self._detach()
            with _phase(phases, "copy sources, topics, articles"):
                self._copy(Source._meta.db_table, COLUMNS[Source], sources)
                self._copy(Topic._meta.db_table, COLUMNS[Topic], topics)
                self._copy(Article._meta.db_table, COLUMNS[Article], _chunked(generator.articles()))
                # Statistics for the queries below: without them the planner takes the tables for empty.
                self._execute(f"ANALYZE {', '.join(m._meta.db_table for m in (Source, Topic, Article))}")
            with _phase(phases, "search documents: parts"):
                self._search_parts(generator)
            with _phase(phases, "generate and copy claims"):
                keys = ["names_key", "story_key", "context_key", "head_key", "tail_key", "quote_key"]
                self._execute(
                    f"CREATE UNLOGGED TABLE claims_generate_claim AS SELECT {', '.join(COLUMNS[Claim])}, "
                    f"{', '.join(f'0 AS {key}' for key in keys)} FROM {Claim._meta.db_table} WITH NO DATA"
                )
                self._copy("claims_generate_claim", [*COLUMNS[Claim], *keys], claims)
        with _phase(phases, "copy claim topics, links, reviews"):
            for model in (ClaimTopic, ClaimLink, Review):
                # The database numbers these rows: from the base on, in the order they come.
                base = generator.bases[model]
                self._execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, %s)",
                    [model._meta.db_table, max(base, 1), base > 0],
                )
            for model, chunks in (
                (ClaimTopic, generator.claim_topics),
                (ClaimLink, generator.links),
                (Review, generator.reviews),
            ):
                self._copy(model._meta.db_table, COLUMNS[model], chunks)
        self._insert_claims(generator)
        # Statistics now for what the foreign key checks below read; they do not depend on indexes.
        analyze = [f"ANALYZE {m._meta.db_table}" for m in (ClaimTopic, ClaimLink, Review)]
        with _phase(phases, "analyze"):
            self._execute(f"ANALYZE {Claim._meta.db_table}")
            if not self.parallel:
                for statement in analyze:
                    self._execute(statement)
        with _phase(phases, "keys and constraints"):
            try:
                for statement in integrity:
                    self._execute(statement)
            except IntegrityError as exc:
                raise GenerationRefused(f"A generated value collides with an existing row: {exc}") from exc
            for model, trigger in self.SEARCH_TRIGGERS:
                self._execute(f"ALTER TABLE {model._meta.db_table} ENABLE TRIGGER {trigger}")
            for model in COLUMNS:
                if generator.counts[model]:
                    self._execute(
                        "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                        [model._meta.db_table, generator.bases[model] + generator.counts[model]],
                    )
        if self.parallel:
            # Committed with the records, so that an interrupted run leaves a list of what is left to do.
            longest = [s for s in reads if f" {LONGEST_INDEX} " in s]
            queues = [longest, analyze + [s for s in reads if s not in longest]]
            self._execute(f"CREATE TABLE {PENDING} (id serial PRIMARY KEY, queue integer, statement text)")
            for queue, statements in enumerate(queues):
                for statement in statements:
                    self._execute(f"INSERT INTO {PENDING} (queue, statement) VALUES (%s, %s)", [queue, statement])
        else:
            with _phase(phases, "indexes"):
                for statement in reads:
                    self._execute(statement)

    def finish(self):
        """After the commit: the pending work, the longest index on one connection, the rest on another."""
        if not self.parallel:
            return
        with _phase(self.phases, "indexes (two connections)"):
            try:
                _run_pending(self.connection)
            except Exception as exc:
                raise IndexesUnfinished(
                    f"The claims were added, but building their indexes failed ({exc}). "
                    "The next run of generate_claims builds them first."
                ) from exc

    def _detach(self) -> tuple[list[str], list[str]]:
        """Drop what makes a row-by-row load slow; return the statements that put it back: those that
        keep the data right (keys, unique indexes, foreign keys), and those that can wait for the
        commit (indexes that only speed up reads, checking the generated rows against foreign keys).

        Indexes are built once at the end instead of updated row by row; foreign keys are checked by
        one join each instead of one query per row (they are deferred: a million checks queued to the
        commit); the search triggers' work is done by `_insert_claims`. Definitions are read from the
        catalog, so what is restored is what was migrated. A previous run's unbuilt indexes are added.

        Building indexes on claims_claim after the commit locks its writers out meanwhile, and so
        would adding foreign keys to it: those are checked before. The other tables' foreign keys are
        added NOT VALID (every row written from the commit on is checked) and validated afterwards,
        beside the index builds: the generated rows are right by construction, and checked all the same.
        """
        tables = [model._meta.db_table for model in COLUMNS]
        primary, unique, foreign, reads, validations = [], [], [], [], []
        for table in tables:
            constraints = self._execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [table],
            )
            for name, _, definition in constraints:
                definition = definition.removesuffix(" NOT VALID")  # left so by an interrupted run
                if self.parallel and table != Claim._meta.db_table:
                    definition += " NOT VALID"
                    validations.append(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
                foreign.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                self._execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for table in tables:
            # The primary keys of the two big tables go too: rebuilt, they cost less than kept up row by row.
            # The others stay: the search documents' queries look sources up by id.
            kinds = "('p', 'u')" if table in (Claim._meta.db_table, ClaimTopic._meta.db_table) else "('u')"
            constraints = self._execute(
                "SELECT conname, contype, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                f"WHERE conrelid = %s::regclass AND contype IN {kinds} "
                # A unique key that some other table's foreign key needs stays.
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid) "
                "ORDER BY conname",
                [table],
            )
            for name, kind, definition in constraints:
                (primary if kind == "p" else unique).append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                self._execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            indexes = self._execute(
                "SELECT i.relname, x.indisunique, pg_get_indexdef(i.oid) "
                "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT EXISTS ("
                "  SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid"
                ") ORDER BY i.relname",
                [table],
            )
            for name, is_unique, definition in indexes:
                (unique if is_unique else reads).append(definition)
                self._execute(f'DROP INDEX "{name}"')
        if self._execute("SELECT to_regclass(%s) IS NOT NULL", [PENDING])[0][0]:
            # Only its indexes: its foreign keys were just dropped, to be added (and checked) again.
            pending = self._execute(f"SELECT statement FROM {PENDING} WHERE statement LIKE 'CREATE %%' ORDER BY id")
            reads += [statement for (statement,) in pending]
            self._execute(f"DROP TABLE {PENDING}")
        for model, trigger in self.SEARCH_TRIGGERS:
            self._execute(f"ALTER TABLE {model._meta.db_table} DISABLE TRIGGER {trigger}")
        return primary + unique + foreign, reads + validations

    # The search documents. `claims_search_document` joins five weighted parts with `||`: the
    # text's (A), the quote's (B), the names of source, speaker and outlet (C), the topics' names
    # (C), the article's title (D). Each part is computed once per distinct value (text segment,
    # quote, attribution, story, article) by the same functions, with names in the same order
    # (ascending ids, as the function's index scans return them); a claim's document is then
    # four `||` of precomputed parts. Exact, because `||` is associative (it shifts the right
    # side's positions past the left side's last), and because a text is a head and a tail whose
    # documents joined by `||` are the text's: true when the head does not end on a stop word
    # (which `||` would not count), checked below for every head. tests/test_generate_claims.py
    # compares the result with `claims_search_document` claim by claim.

    def _search_parts(self, generator: Generator):
        """The parts that need no claims: names, topics, titles, and the texts' segments."""
        config = f"'{SEARCH_CONFIG}'"
        self._execute(
            "CREATE UNLOGGED TABLE claims_generate_names (key integer, source_id bigint, speaker_id bigint, "
            "via_id bigint); CREATE UNLOGGED TABLE claims_generate_stories (key integer, topic_ids bigint[]); "
            "CREATE UNLOGGED TABLE claims_generate_segments (key integer, head boolean, text text); "
            "CREATE UNLOGGED TABLE claims_generate_article_stories (article_id bigint, story_key integer)"
        )
        for table, columns, lines in (
            ("claims_generate_names", ["key", "source_id", "speaker_id", "via_id"], generator.name_key_lines()),
            ("claims_generate_stories", ["key", "topic_ids"], generator.story_key_lines()),
            ("claims_generate_segments", ["key", "head", "text"], generator.segment_lines()),
            ("claims_generate_article_stories", ["article_id", "story_key"], generator.article_story_lines()),
        ):
            self._copy(table, columns, _chunked(lines))
        self._check_heads()
        self._execute(
            f"""
            CREATE UNLOGGED TABLE claims_generate_names_vector AS
            SELECT k.key, setweight(to_tsvector({config}, coalesce((
                SELECT string_agg(claims_names(s.name, s.aliases), ' ' ORDER BY s.id)
                FROM claims_source s WHERE s.id IN (k.source_id, k.speaker_id, k.via_id)), '')), 'C') AS vector
            FROM claims_generate_names k;
            CREATE UNLOGGED TABLE claims_generate_segments_vector AS
            SELECT key, setweight(vector, 'A') AS text_vector, setweight(vector, 'B') AS quote_vector
            FROM (SELECT key, to_tsvector({config}, text) AS vector FROM claims_generate_segments) s;
            CREATE UNLOGGED TABLE claims_generate_stories_vector AS
            SELECT k.key, setweight(to_tsvector({config}, coalesce((
                SELECT string_agg(claims_names(t.name, t.aliases), ' ' ORDER BY t.id)
                FROM claims_topic t WHERE t.id = ANY(k.topic_ids)), '')), 'C') AS vector
            FROM claims_generate_stories k;
            CREATE UNLOGGED TABLE claims_generate_articles_vector AS
            SELECT id, setweight(to_tsvector({config}, coalesce(title, '')), 'D') AS vector
            FROM claims_article WHERE id > %s;
            ANALYZE claims_generate_stories_vector, claims_generate_articles_vector, claims_generate_article_stories;
            -- What follows the names in the document: the story's topics, then the article's title if any.
            -- Keyed by the article's id, or by minus the story's key for claims in no article.
            CREATE UNLOGGED TABLE claims_generate_context_vector AS
            SELECT -s.key::bigint AS key, s.vector FROM claims_generate_stories_vector s
            UNION ALL
            SELECT a.id, s.vector || a.vector
            FROM claims_generate_article_stories p
            JOIN claims_generate_articles_vector a ON a.id = p.article_id
            JOIN claims_generate_stories_vector s ON s.key = p.story_key;
            """,
            [generator.bases[Article]],
        )

    def _check_heads(self):
        broken = self._execute(
            f"SELECT text FROM claims_generate_segments WHERE head AND to_tsvector('{SEARCH_CONFIG}', text || ' x') "
            f"<> to_tsvector('{SEARCH_CONFIG}', text) || to_tsvector('{SEARCH_CONFIG}', 'x') LIMIT 1"
        )
        if broken:
            raise AssertionError(f"The phrase bank's {broken[0][0]!r} ends on a stop word: split it elsewhere.")

    def _insert_claims(self, generator: Generator):
        """Move the staged claims into claims_claim with the search document the trigger would compute."""
        config = f"'{SEARCH_CONFIG}'"
        with _phase(self.phases, "search documents: claims (parallel)"):
            # The segments of texts about other claims: known only now, and few.
            self._execute("TRUNCATE claims_generate_segments")
            self._copy("claims_generate_segments", ["key", "head", "text"], _chunked(generator.segment_lines(True)))
            self._check_heads()
            self._execute(
                f"""
                INSERT INTO claims_generate_segments_vector
                SELECT key, setweight(vector, 'A'), setweight(vector, 'B')
                FROM (SELECT key, to_tsvector({config}, text) AS vector FROM claims_generate_segments) s;
                ANALYZE claims_generate_claim, claims_generate_names_vector, claims_generate_segments_vector,
                    claims_generate_context_vector;
                """
            )
            # CREATE TABLE AS may run its query in parallel workers, INSERT ... SELECT may not (PostgreSQL 15).
            staged = ", ".join(f"c.{column}" for column in COLUMNS[Claim])
            self._execute(
                f"""
                CREATE UNLOGGED TABLE claims_generate_ready AS
                SELECT {staged}, h.text_vector || t.text_vector || coalesce(q.quote_vector, ''::tsvector)
                    || n.vector || x.vector AS search_vector, s.topic_ids
                FROM claims_generate_claim c
                JOIN claims_generate_stories s ON s.key = c.story_key
                JOIN claims_generate_segments_vector h ON h.key = c.head_key
                JOIN claims_generate_segments_vector t ON t.key = c.tail_key
                LEFT JOIN claims_generate_segments_vector q ON q.key = c.quote_key
                JOIN claims_generate_names_vector n ON n.key = c.names_key
                JOIN claims_generate_context_vector x ON x.key = c.context_key
                """
            )
        with _phase(self.phases, "insert claims"):
            columns = ", ".join(COLUMNS[Claim])
            self._execute(
                # topic_ids as migration 0006's trigger writes them: the claim's topic ids, ascending.
                f"INSERT INTO {Claim._meta.db_table} ({columns}, search_vector, topic_ids) "
                f"SELECT {columns}, search_vector, topic_ids FROM claims_generate_ready"
            )
            self._execute(f"DROP TABLE {', '.join(self.WORK_TABLES)}")


def _run_pending(connection) -> None:
    """Run the statements left in the pending table, then drop it: each queue on a connection of its own,
    at once (psycopg2 lets the other thread run while a statement executes), and each statement in a
    transaction with the delete of its row, so that what is left is always what is still to do."""
    params = connection.get_connection_params()
    errors = []

    def run(queue):
        try:
            raw = connection.Database.connect(**params)  # psycopg2 itself: Django's wrapper is the main thread's
        except Exception as exc:
            errors.append(exc)
            return
        try:
            while True:
                with raw, raw.cursor() as cursor:  # a transaction: committed on leaving, or rolled back
                    cursor.execute(f"SELECT id, statement FROM {PENDING} WHERE queue = %s ORDER BY id LIMIT 1", [queue])
                    row = cursor.fetchone()
                    if row is None:
                        return
                    for setting, value in (*_PostgresLoader.SETTINGS, *BUILD_SETTINGS):
                        cursor.execute(f"SET LOCAL {setting} = '{value}'")
                    cursor.execute(row[1])
                    cursor.execute(f"DELETE FROM {PENDING} WHERE id = %s", [row[0]])
        except Exception as exc:  # reported by the main thread once the other queue is done
            errors.append(exc)
        finally:
            raw.close()

    threads = [threading.Thread(target=run, args=(queue,)) for queue in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {PENDING}")


def _chunked(lines: Iterable[str], size: int = 10_000) -> Iterator[str]:
    """Lines joined into chunks, so that COPY gets large writes."""
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


class _ChunkReader(io.TextIOBase):
    """What COPY reads from: each read is the next chunk, generated on demand, so the database
    parses one batch while Python generates the next (two cores busy, and no file written)."""

    def __init__(self, chunks: Iterable[str]):
        self._chunks = iter(chunks)

    def readable(self):
        return True

    def read(self, size=-1):
        return next((chunk for chunk in self._chunks if chunk), "")

    def readline(self, size=-1):
        return self.read(size)
