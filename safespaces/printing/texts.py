"""The words of a printed map (:mod:`safespaces.printing`) in English, Finnish and Swedish.

A printed map leaves the app, so it carries its own words: layer titles, the catalogue's
legend labels, the layout's texts (legend, scale, sources, the SYNTHETIC mark) and
numbers as each language writes them (CLDR: ``0.2`` in English, ``0,2`` in Finnish and
Swedish). They are the app's words too: the app takes the layer titles, the score's
families and the inputs' names from here (``safespaces_app.messages_ui`` and
``messages_tables``: importing this module imports no matplotlib), and
``tests/test_printing.py`` fails when the legend labels of the two differ. English is the
default and the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Languages of a printed map.
LANGUAGES: tuple[str, ...] = ("en", "fi", "sv")
DEFAULT_LANGUAGE = "en"

#: Texts of the layout by id; ``{placeholders}`` are filled by :func:`text`.
TEXTS: Mapping[str, Mapping[str, str]] = {
    # the map layers (the app's layer.* messages)
    "layer.eyes": {
        "en": "Eyes on the street at {hour}:00",
        "fi": "Katujen silmät klo {hour}",
        "sv": "Ögon på gatan kl. {hour}",
    },
    "layer.lighting": {"en": "Lighting class", "fi": "Valaistusluokka", "sv": "Belysningsklass"},
    "layer.dark": {"en": "Dark paths", "fi": "Pimeät polut", "sv": "Mörka stigar"},
    "layer.mix": {
        "en": "Social mix (areas)",
        "fi": "Sosiaalinen sekoitus (alueet)",
        "sv": "Social blandning (områden)",
    },
    "layer.perceived": {
        "en": "Feeling and measures (survey)",
        "fi": "Koettu ja mitattu turvallisuus (kysely)",
        "sv": "Upplevd och mätt trygghet (enkät)",
    },
    "layer.hotspots": {
        "en": "Incident hot spots",
        "fi": "Tapahtumien kuumat pisteet",
        "sv": "Händelsernas heta punkter",
    },
    "layer.score": {"en": "Safe-space score", "fi": "Turvallisuuspisteet", "sv": "Trygghetsvärde"},
    "layer.plan_lamps": {
        "en": "Proposed lamps",
        "fi": "Ehdotetut valaisimet",
        "sv": "Föreslagna lyktor",
    },
    "layer.plan_hours": {
        "en": "Premises to keep open later",
        "fi": "Myöhempään auki pidettävät toimipaikat",
        "sv": "Lokaler som hålls öppna längre",
    },
    # the families of the safe-space score (the app's family.* messages)
    "family.light": {"en": "Light", "fi": "Valo", "sv": "Ljus"},
    "family.eyes": {"en": "Eyes on the street", "fi": "Katujen silmät", "sv": "Ögon på gatan"},
    "family.mix": {"en": "Social mix", "fi": "Sosiaalinen sekoitus", "sv": "Social blandning"},
    "family.incidents": {"en": "Incidents", "fi": "Tapahtumat", "sv": "Händelser"},
    "weights": {"en": "Weights: {weights}", "fi": "Painot: {weights}", "sv": "Vikter: {weights}"},
    # the inputs (the app's input.* messages)
    "input.osm": {
        "en": "OpenStreetMap extract",
        "fi": "OpenStreetMap-ote",
        "sv": "OpenStreetMap-utdrag",
    },
    "input.lamps": {"en": "lamp register", "fi": "valaisinrekisteri", "sv": "belysningsregister"},
    "input.tenure": {"en": "tenure", "fi": "hallintamuodot", "sv": "upplåtelseformer"},
    "input.incidents": {"en": "incidents", "fi": "tapahtumat", "sv": "händelser"},
    "input.areas": {"en": "areas", "fi": "alueet", "sv": "områden"},
    "input.population": {
        "en": "population grid",
        "fi": "väestöruudukko",
        "sv": "befolkningsrutnät",
    },
    "input.embedded": {
        "en": "embedded Helsinki default",
        "fi": "sisäänrakennettu Helsingin esimerkki",
        "sv": "inbyggt Helsingforsexempel",
    },
    "input.frame": {
        "en": "data given in code",
        "fi": "koodissa annettu aineisto",
        "sv": "data från kod",
    },
    # the layout
    "legend": {"en": "Legend", "fi": "Selite", "sv": "Teckenförklaring"},
    "no_data": {"en": "no data", "fi": "ei tietoa", "sv": "inga data"},
    "suppressed_mix": {
        "en": "suppressed (fewer than {n} dwellings)",
        "fi": "salattu (alle {n} asuntoa)",
        "sv": "dold (färre än {n} bostäder)",
    },
    "suppressed_incidents": {
        "en": "suppressed (fewer than {k} incidents) or no data",
        "fi": "salattu (alle {k} tapahtumaa) tai ei tietoa",
        "sv": "dold (färre än {k} händelser) eller inga data",
    },
    "basemap": {"en": "Basemap", "fi": "Taustakartta", "sv": "Bakgrundskarta"},
    "buildings": {"en": "buildings", "fi": "rakennukset", "sv": "byggnader"},
    "green": {"en": "parks and squares", "fi": "puistot ja aukiot", "sv": "parker och torg"},
    "north": {"en": "N", "fi": "P", "sv": "N"},
    "subtitle": {
        "en": "Study {study} · run {date}",
        "fi": "Tutkimus {study} · ajo {date}",
        "sv": "Studie {study} · körning {date}",
    },
    "sources": {"en": "Data sources", "fi": "Tietolähteet", "sv": "Datakällor"},
    "osm_attribution": {
        "en": "Map data © OpenStreetMap contributors, ODbL 1.0",
        "fi": "Karttatiedot © OpenStreetMapin tekijät, ODbL 1.0",
        "sv": "Kartdata © OpenStreetMaps bidragsgivare, ODbL 1.0",
    },
    "made_with": {
        "en": "Made with safespaces {version}; coordinates {crs}; scale bar true at the map's "
        "centre.",
        "fi": "Tehty safespaces {version} -ohjelmalla; koordinaatit {crs}; mittakaavajana "
        "pitää paikkansa kartan keskellä.",
        "sv": "Gjord med safespaces {version}; koordinater {crs}; skalstocken gäller i "
        "kartans mitt.",
    },
    # a plan (safespaces.printing.plans)
    "plan.lamps_title": {
        "en": "Lamp plan: {n} new lamps",
        "fi": "Valaistussuunnitelma: {n} uutta valaisinta",
        "sv": "Belysningsplan: {n} nya lyktor",
    },
    "plan.lamps_title_budget": {
        "en": "Lamp plan, budget {budget}: {n} new lamps",
        "fi": "Valaistussuunnitelma, budjetti {budget}: {n} uutta valaisinta",
        "sv": "Belysningsplan, budget {budget}: {n} nya lyktor",
    },
    "plan.lamps_line": {
        "en": "Walking length at P6 or better: {before} km ({before_share}) before, "
        "{after} km ({after_share}) after the plan (+{gain} m)",
        "fi": "Kävelyverkko P6-luokassa tai paremmassa: {before} km ({before_share}) ennen, "
        "{after} km ({after_share}) suunnitelman jälkeen (+{gain} m)",
        "sv": "Gånglängd i P6 eller bättre: {before} km ({before_share}) före, "
        "{after} km ({after_share}) efter planen (+{gain} m)",
    },
    "plan.lamp_row": {
        "en": "new lamp, numbered by rank (1 = lifts the most length to P6)",
        "fi": "uusi valaisin, numeroitu järjestyksen mukaan (1 = nostaa eniten P6-luokkaan)",
        "sv": "ny lykta, numrerad efter rang (1 = lyfter mest längd till P6)",
    },
    "plan.hours_title": {
        "en": "Opening hours plan: {n} premises open until {hour}:00",
        "fi": "Aukioloaikasuunnitelma: {n} toimipaikkaa auki klo {hour} asti",
        "sv": "Plan för öppettider: {n} lokaler öppna till kl. {hour}",
    },
    "plan.hours_line": {
        "en": "Need-weighted eyes on the street in the dark hours: {before} before, "
        "{after} after the plan (+{gain} index points)",
        "fi": "Tarpeella painotetut katujen silmät pimeinä tunteina: {before} ennen, "
        "{after} suunnitelman jälkeen (+{gain} indeksipistettä)",
        "sv": "Behovsviktade ögon på gatan under mörka timmar: {before} före, "
        "{after} efter planen (+{gain} indexpoäng)",
    },
    "plan.hours_row": {"en": "ranked {ranks}", "fi": "sijat {ranks}", "sv": "plats {ranks}"},
    "plan.hours_best": {
        "en": "{row} (1 = adds the most eyes)",
        "fi": "{row} (1 = lisää eniten silmiä)",
        "sv": "{row} (1 = ger flest ögon)",
    },
    "plan.before": {
        "en": "{layer}, before the plan",
        "fi": "{layer}, ennen suunnitelmaa",
        "sv": "{layer}, före planen",
    },
    "synthetic_mark": {"en": "SYNTHETIC", "fi": "SYNTEETTINEN", "sv": "SYNTETISK"},
    "synthetic_input": {"en": "SYNTHETIC", "fi": "SYNTEETTINEN", "sv": "SYNTETISK"},
    "synthetic_note": {
        "en": "SYNTHETIC demo data: {inputs}. Do not use this map for decisions.",
        "fi": "SYNTEETTISTÄ esimerkkiaineistoa: {inputs}. Älä käytä tätä karttaa päätöksentekoon.",
        "sv": "SYNTETISKA demodata: {inputs}. Använd inte denna karta för beslut.",
    },
}

#: The catalogue's legend labels in Finnish and Swedish (the app's legend.* messages);
#: English is the catalogue's own text. Ranges and P classes are written by
#: :func:`legend_label`.
LEGEND: Mapping[str, Mapping[str, str]] = {
    "below P6 (lamps, too dim)": {
        "fi": "alle P6 (valaisimet liian himmeitä)",
        "sv": "under P6 (lampor, för svaga)",
    },
    "unlit (no lamp reaches it)": {
        "fi": "valaisematon (mikään valaisin ei ylety)",
        "sv": "obelyst (ingen lampa når dit)",
    },
    "tagged lit, lamps not mapped": {
        "fi": "merkitty valaistuksi, valaisimia ei kartoitettu",
        "sv": "märkt belyst, lampor ej karterade",
    },
    "no lamp data (lamps not mapped here)": {
        "fi": "ei valaisintietoja (valaisimia ei kartoitettu täällä)",
        "sv": "inga lampdata (lampor ej karterade här)",
    },
    "no lamp data (not mapped here)": {
        "fi": "ei valaisintietoja (ei kartoitettu täällä)",
        "sv": "inga lampdata (ej karterade här)",
    },
    "no data": {"fi": "ei tietoa", "sv": "inga data"},
    "other": {"fi": "muu", "sv": "övrigt"},
    "dark (mapped lamps)": {
        "fi": "pimeä (kartoitetut valaisimet)",
        "sv": "mörk (karterade lampor)",
    },
    "hot spot (99 %)": {"fi": "kuuma piste (99 %)", "sv": "het punkt (99 %)"},
    "hot spot (95 %)": {"fi": "kuuma piste (95 %)", "sv": "het punkt (95 %)"},
    "cold spot (95 %)": {"fi": "kylmä piste (95 %)", "sv": "kall punkt (95 %)"},
    "cold spot (99 %)": {"fi": "kylmä piste (99 %)", "sv": "kall punkt (99 %)"},
    "not significant": {"fi": "ei merkitsevä", "sv": "inte signifikant"},
    "no data (no street, no incident)": {
        "fi": "ei tietoa (ei katua, ei tapahtumia)",
        "sv": "inga data (ingen gata, inga händelser)",
    },
    "suppressed / no data": {"fi": "salattu / ei tietoa", "sv": "undertryckt / inga data"},
    "51 and more": {"fi": "51 tai enemmän", "sv": "51 och fler"},
}
#: A P class's legend label (the catalogue's ``P4 (avg >= 5 lx)``) by language.
P_CLASS: Mapping[str, str] = {
    "en": "{name} (avg ≥ {lux} lx)",
    "fi": "{name} (keskim. ≥ {lux} lx)",
    "sv": "{name} (medel ≥ {lux} lx)",
}

#: Decimal sign, thousands separator and minus sign per language (Unicode CLDR).
_SYMBOLS: Mapping[str, tuple[str, str, str]] = {
    "en": (".", ",", "-"),
    "fi": (",", "\u00a0", "\u2212"),
    "sv": (",", "\u00a0", "\u2212"),
}
_P_CLASS = re.compile(r"^(P\d) \(avg >= ([\d.]+) lx\)$")
_RANGE = re.compile(r"^(-?[\d.]+) - (-?[\d.]+)$")
#: An upper bound at least this large is "no upper bound" (the catalogue's open classes).
_OPEN = 1e8


def check_language(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`.

    Raises
    ------
    ValueError
        Another language (the caller turns it into its own error).
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return lang


def text(key: str, lang: str = DEFAULT_LANGUAGE, /, **values: object) -> str:
    """The layout text ``key`` in ``lang`` (English if missing), placeholders filled.

    Examples
    --------
    >>> text("layer.eyes", "fi", hour="23")
    'Katujen silmät klo 23'
    """
    texts = TEXTS[key]
    chosen = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    return chosen.format(**values) if values else chosen


def number(value: float, lang: str, decimals: int = 0) -> str:
    """``value`` rounded to ``decimals`` places as ``lang`` writes it.

    Examples
    --------
    >>> number(1234.5, "en", 1), number(1234.5, "fi", 1), number(-0.25, "sv", 2)
    ('1,234.5', '1\\xa0234,5', '−0,25')
    """
    decimal, group, minus = _SYMBOLS.get(lang, _SYMBOLS[DEFAULT_LANGUAGE])
    body = f"{abs(value):,.{decimals}f}"
    sign = minus if value < 0 and float(body.replace(",", "")) != 0 else ""
    return sign + body.replace(",", "\0").replace(".", decimal).replace("\0", group)


def _number_text(written: str, lang: str) -> str:
    """A number written in a label (``"7.5"``) in ``lang``, keeping its decimals."""
    return number(float(written), lang, len(written.partition(".")[2]))


def legend_label(label: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A catalogue legend label in ``lang``.

    Ranges get the language's numbers (``0,2–0,4``; an open class ``≥ 2,000``), P
    classes and named classes their translation; a label without one stays as it is.

    Examples
    --------
    >>> legend_label("0.2 - 0.4", "fi"), legend_label("400 - 1000000000", "en")
    ('0,2–0,4', '≥ 400')
    >>> legend_label("P4 (avg >= 5 lx)", "sv")
    'P4 (medel ≥ 5 lx)'
    """
    found = _RANGE.match(label)
    if found:
        low, high = found.groups()
        if float(high) >= _OPEN:
            return f"≥ {_number_text(low, lang)}"
        return f"{_number_text(low, lang)}–{_number_text(high, lang)}"
    if lang == DEFAULT_LANGUAGE:
        return label
    p_class = _P_CLASS.match(label)
    if p_class:
        return P_CLASS[lang].format(name=p_class[1], lux=_number_text(p_class[2], lang))
    return LEGEND.get(label, {}).get(lang, label)


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LEGEND",
    "TEXTS",
    "check_language",
    "legend_label",
    "number",
    "text",
]
