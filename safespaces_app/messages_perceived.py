"""Messages of the Perceived safety page (en / fi / sv), merged into the app's catalogue."""

from __future__ import annotations

PERCEIVED_MESSAGES: dict[str, dict[str, str]] = {
    "page.perceived": {
        "en": "Perceived safety",
        "fi": "Koettu turvallisuus",
        "sv": "Upplevd trygghet",
    },
    "perceived.intro": {
        "en": "Residents' survey answers beside the measures: where the feeling of safety and "
        "the evidence (light, eyes on the street, mix, incidents) part. Areas with fewer than "
        "{k} respondents are suppressed; no answer's location is shown or exported.",
        "fi": "Asukaskyselyn vastaukset mittausten rinnalla: missä turvallisuuden tunne ja "
        "näyttö (valo, katujen silmät, sekoittuneisuus, tapahtumat) eroavat. Alueet, joilla on "
        "alle {k} vastaajaa, on piilotettu; vastausten sijainteja ei näytetä eikä viedä.",
        "sv": "Invånarenkätens svar bredvid mätningarna: var känslan av trygghet och "
        "underlaget (ljus, ögon på gatan, blandning, händelser) skiljer sig. Områden med färre "
        "än {k} svarande döljs; inga svars platser visas eller exporteras.",
    },
    "perceived.none": {
        "en": "This run has no survey. Run with a residents' survey or safety audit: "
        "`safespaces run --survey answers.csv` or `safespaces survey --survey answers.csv "
        "--out DIR` (see docs/perceived.md).",
        "fi": "Tässä ajossa ei ole kyselyä. Aja asukaskyselyn tai turvallisuuskävelyn kanssa: "
        "`safespaces run --survey vastaukset.csv` tai `safespaces survey --survey "
        "vastaukset.csv --out KANSIO` (katso docs/perceived.md).",
        "sv": "Den här körningen har ingen enkät. Kör med en invånarenkät eller "
        "trygghetsvandring: `safespaces run --survey svar.csv` eller `safespaces survey "
        "--survey svar.csv --out MAPP` (se docs/perceived.md).",
    },
    "perceived.map": {
        "en": "Where feeling and measures part",
        "fi": "Missä koettu ja mitattu eroavat",
        "sv": "Var upplevelse och mätning skiljer sig",
    },
    "perceived.classes": {
        "en": "Areas by class",
        "fi": "Alueet luokittain",
        "sv": "Områden per klass",
    },
    "perceived.actions": {
        "en": "What to do with each class",
        "fi": "Mitä kullekin luokalle tehdään",
        "sv": "Vad göra med varje klass",
    },
    "perceived.action.feels unsafe, measures good": {
        "en": "Activation and communication: the place measures well, people do not trust it "
        "yet (events, visible care, telling what has been done).",
        "fi": "Elävöittäminen ja viestintä: paikka mittautuu hyvin, mutta siihen ei vielä "
        "luoteta (tapahtumat, näkyvä hoito, kerrotaan mitä on tehty).",
        "sv": "Aktivering och kommunikation: platsen mäter väl men människor litar inte på den "
        "ännu (evenemang, synlig skötsel, berätta vad som gjorts).",
    },
    "perceived.action.feels safe, measures poor": {
        "en": "Lamps and opening hours: people feel safe, the evidence says the place is dark "
        "or empty at night; fix it before trust is lost.",
        "fi": "Valaisimet ja aukioloajat: ihmiset tuntevat olonsa turvalliseksi, mutta näytön "
        "mukaan paikka on pimeä tai tyhjä iltaisin; korjaa ennen kuin luottamus menetetään.",
        "sv": "Belysning och öppettider: människor känner sig trygga men underlaget visar att "
        "platsen är mörk eller tom på kvällen; åtgärda innan förtroendet går förlorat.",
    },
    "perceived.action.both poor": {
        "en": "Both: the first place to act (lamps, opening hours, activation).",
        "fi": "Molemmat: ensimmäinen paikka toimia (valaisimet, aukioloajat, elävöittäminen).",
        "sv": "Båda: det första stället att agera (belysning, öppettider, aktivering).",
    },
    "perceived.action.uncertain": {
        "en": "Uncertain: the interval does not separate the area from the study; collect more "
        "answers before acting on the feeling.",
        "fi": "Epävarma: luottamusväli ei erota aluetta koko alueesta; kerää lisää vastauksia "
        "ennen kuin toimit tunteen perusteella.",
        "sv": "Osäker: intervallet skiljer inte området från studien; samla fler svar innan "
        "du agerar på känslan.",
    },
    "perceived.suppressed": {
        "en": "suppressed (fewer than {k} respondents) or no measure",
        "fi": "piilotettu (alle {k} vastaajaa) tai ei mittausta",
        "sv": "dold (färre än {k} svarande) eller inget mått",
    },
    "perceived.areas": {"en": "Areas", "fi": "Alueet", "sv": "Områden"},
    "perceived.equity": {
        "en": "Feeling unsafe by respondent group (study-wide)",
        "fi": "Turvattomuuden tunne vastaajaryhmittäin (koko alue)",
        "sv": "Otrygghet per svarandegrupp (hela studien)",
    },
    "perceived.audit": {
        "en": "Our measures checked by people (safety audits)",
        "fi": "Mittauksemme ihmisten tarkistamina (turvallisuuskävelyt)",
        "sv": "Våra mått granskade av människor (trygghetsvandringar)",
    },
    "perceived.summary": {
        "en": "Study-wide answers",
        "fi": "Koko alueen vastaukset",
        "sv": "Svar i hela studien",
    },
    "col.respondents": {"en": "Respondents", "fi": "Vastaajia", "sv": "Svarande"},
    "col.share_unsafe": {
        "en": "Feeling unsafe (%)",
        "fi": "Tuntee olonsa turvattomaksi (%)",
        "sv": "Känner sig otrygg (%)",
    },
    "col.low": {
        "en": "95 % interval from (%)",
        "fi": "95 %:n väli alkaen (%)",
        "sv": "95 %-intervall från (%)",
    },
    "col.high": {"en": "to (%)", "fi": "päättyen (%)", "sv": "till (%)"},
    "col.measure_class": {"en": "Measures", "fi": "Mittaukset", "sv": "Mått"},
    "col.feeling": {"en": "Feeling", "fi": "Tunne", "sv": "Känsla"},
    "col.perceived_class": {"en": "Class", "fi": "Luokka", "sv": "Klass"},
    "col.areas": {"en": "Areas", "fi": "Alueita", "sv": "Områden"},
    "col.period": {"en": "Period", "fi": "Ajankohta", "sv": "Tidpunkt"},
    # the classes of the perceived_safety layer (value_label)
    "value.feels unsafe, measures good": {
        "en": "feels unsafe, measures good",
        "fi": "tuntuu turvattomalta, mittautuu hyvin",
        "sv": "känns otryggt, mäter väl",
    },
    "value.feels safe, measures poor": {
        "en": "feels safe, measures poor",
        "fi": "tuntuu turvalliselta, mittautuu heikosti",
        "sv": "känns tryggt, mäter svagt",
    },
    "value.both poor": {"en": "both poor", "fi": "molemmat heikkoja", "sv": "båda svaga"},
    "value.both good": {"en": "both good", "fi": "molemmat hyviä", "sv": "båda goda"},
    "value.uncertain": {"en": "uncertain", "fi": "epävarma", "sv": "osäker"},
    "value.measures middle": {
        "en": "measures middle",
        "fi": "mittaukset keskitasoa",
        "sv": "mått i mitten",
    },
    "value.no measure": {"en": "no measure", "fi": "ei mittausta", "sv": "inget mått"},
    "value.good": {"en": "good", "fi": "hyvä", "sv": "god"},
    "value.middle": {"en": "middle", "fi": "keskitaso", "sv": "mitten"},
    "value.poor": {"en": "poor", "fi": "heikko", "sv": "svag"},
    "value.safe": {"en": "safe", "fi": "turvallinen", "sv": "trygg"},
    "value.unsafe": {"en": "unsafe", "fi": "turvaton", "sv": "otrygg"},
    "value.overall": {"en": "overall", "fi": "kaikki", "sv": "totalt"},
    "value.day": {"en": "day", "fi": "päivä", "sv": "dag"},
    "value.evening": {"en": "evening", "fi": "ilta", "sv": "kväll"},
    "value.night": {"en": "night", "fi": "yö", "sv": "natt"},
}
