"""The Plan page's messages (see :mod:`safespaces_app.i18n`)."""

from __future__ import annotations

from collections.abc import Mapping

PLAN_MESSAGES: Mapping[str, Mapping[str, str]] = {
    "page.plan": {"en": "Plan", "fi": "Suunnittele", "sv": "Planera"},
    "plan.intro": {
        "en": "Proposes new street lamps where each lifts the most walking length to "
        "EN 13201 class P6 or better on this run's lighting model. Each lamp gets the "
        "mounting height and intensity of its surroundings (street, park path, pedestrian "
        "area).",
        "fi": "Ehdottaa uusia katuvaloja sinne, missä kukin nostaa eniten kävelyverkkoa "
        "vähintään EN 13201 -luokkaan P6 tämän ajon valaistusmallissa. Kukin valaisin saa "
        "ympäristönsä (katu, puistopolku, kävelyalue) asennuskorkeuden ja valovoiman.",
        "sv": "Föreslår nya gatlyktor där var och en lyfter mest gånglängd till minst "
        "EN 13201-klass P6 i denna körnings belysningsmodell. Varje lykta får omgivningens "
        "(gata, parkstig, gångområde) monteringshöjd och ljusstyrka.",
    },
    "plan.opened": {
        "en": "The planner needs the inputs of the run, and an opened output folder has "
        "only its results. Go back to the default or upload the files on the Data page "
        "(or run the planner from the command line).",
        "fi": "Suunnittelija tarvitsee ajon lähtötiedot, ja avatussa tuloskansiossa on vain "
        "tulokset. Palaa oletukseen tai lataa tiedostot Aineisto-sivulla (tai aja "
        "suunnittelija komentoriviltä).",
        "sv": "Planeraren behöver körningens indata, och en öppnad resultatmapp har bara "
        "resultaten. Gå tillbaka till standard eller ladda upp filerna på sidan Data (eller "
        "kör planeraren från kommandoraden).",
    },
    "plan.budget": {
        "en": "Number of new lamps",
        "fi": "Uusien valaisimien määrä",
        "sv": "Antal nya lyktor",
    },
    "plan.where": {"en": "Where", "fi": "Missä", "sv": "Var"},
    "plan.where.all": {
        "en": "all dark walking segments",
        "fi": "kaikki pimeät kävelyosuudet",
        "sv": "alla mörka gångsträckor",
    },
    "plan.where.parks": {
        "en": "park paths only",
        "fi": "vain puistopolut",
        "sv": "endast parkstigar",
    },
    "plan.where.streets": {
        "en": "streets only (not parks)",
        "fi": "vain kadut (ei puistot)",
        "sv": "endast gator (inte parker)",
    },
    "plan.objective": {"en": "Objective", "fi": "Tavoite", "sv": "Mål"},
    "plan.objective.length": {
        "en": "metres lifted to P6 or better",
        "fi": "vähintään P6-tasolle nostetut metrit",
        "sv": "meter lyfta till minst P6",
    },
    "plan.objective.footfall": {
        "en": "metres weighted by pedestrian flow",
        "fi": "metrit jalankulkuvirralla painotettuina",
        "sv": "meter viktade med gångflöde",
    },
    "plan.objective.homes": {
        "en": "metres weighted by residents within 400 m",
        "fi": "metrit 400 metrin säteellä asuvilla painotettuina",
        "sv": "meter viktade med invånare inom 400 m",
    },
    "plan.propose": {"en": "Propose", "fi": "Ehdota", "sv": "Föreslå"},
    "plan.computing": {
        "en": "Computing the proposals (once per setting) ...",
        "fi": "Ehdotuksia lasketaan (kerran kutakin asetusta kohden) ...",
        "sv": "Förslagen beräknas (en gång per inställning) ...",
    },
    "plan.start": {
        "en": "Choose the number of lamps and press Propose.",
        "fi": "Valitse valaisimien määrä ja paina Ehdota.",
        "sv": "Välj antalet lyktor och tryck på Föreslå.",
    },
    "plan.none": {
        "en": "No new lamp lifts any walking segment to P6 here.",
        "fi": "Mikään uusi valaisin ei nosta täällä yhtään kävelyosuutta P6-tasolle.",
        "sv": "Ingen ny lykta lyfter här någon gångsträcka till P6.",
    },
    "plan.none_unknown": {
        "en": "No lamp can be proposed: no path is known to be dark. The light is unknown on "
        "{share} of the walking length, where street lamps are not mapped (not counted as "
        "dark). Give the city's lamp register (--lamps) or map the lamps in OpenStreetMap.",
        "fi": "Valaisimia ei voida ehdottaa: yhdenkään polun ei tiedetä olevan pimeä. Valaistus "
        "on tuntematon {share}:lla kävelyverkosta, jolle katuvaloja ei ole kartoitettu (ei "
        "laskettu pimeäksi). Anna kaupungin valaisinrekisteri (--lamps) tai kartoita valaisimet "
        "OpenStreetMapiin.",
        "sv": "Inga lyktor kan föreslås: ingen gångväg är känd som mörk. Belysningen är okänd "
        "på {share} av gånglängden, där gatlyktor inte är karterade (räknas inte som mörkt). "
        "Ange stadens lyktregister (--lamps) eller kartera lyktorna i OpenStreetMap.",
    },
    "plan.before": {
        "en": "At P6 or better now",
        "fi": "Vähintään P6 nyt",
        "sv": "Minst P6 nu",
    },
    "plan.after": {
        "en": "With the plan",
        "fi": "Suunnitelman kanssa",
        "sv": "Med planen",
    },
    "plan.gain": {
        "en": "Lifted to P6 or better",
        "fi": "Nostettu vähintään P6-tasolle",
        "sv": "Lyft till minst P6",
    },
    "plan.bound_optimal": {
        "en": "Optimal: no other placement of {n} lamps on these candidate positions lifts "
        "more (proved by the exact step).",
        "fi": "Optimaalinen: mikään muu {n} valaisimen sijoitus näihin ehdokaskohtiin ei "
        "nosta enempää (todistettu tarkalla laskennalla).",
        "sv": "Optimal: ingen annan placering av {n} lyktor på dessa kandidatplatser lyfter "
        "mer (bevisat av det exakta steget).",
    },
    "plan.bound_share": {
        "en": "The plan lifts at least {share} of what the best placement of {n} lamps on "
        "these candidate positions could (a bound proved by the exact step in the time "
        "it had).",
        "fi": "Suunnitelma nostaa vähintään {share} siitä, mitä paras {n} valaisimen "
        "sijoitus näihin ehdokaskohtiin voisi (tarkan laskennan käytettävissä olleessa "
        "ajassa todistama raja).",
        "sv": "Planen lyfter minst {share} av vad den bästa placeringen av {n} lyktor på "
        "dessa kandidatplatser skulle kunna (en gräns som det exakta steget bevisat på "
        "den tid det hade).",
    },
    "plan.bound_unknown": {
        "en": "How close the plan is to the best placement is unknown (the exact step did "
        "not run, or proved no useful bound in the time it had).",
        "fi": "Suunnitelman etäisyys parhaasta sijoituksesta on tuntematon (tarkkaa "
        "laskentaa ei ajettu, tai se ei ehtinyt todistaa hyödyllistä rajaa).",
        "sv": "Hur nära planen är den bästa placeringen är okänt (det exakta steget "
        "kördes inte, eller hann inte bevisa någon användbar gräns).",
    },
    "plan.km_share": {
        "en": "{km} km ({share})",
        "fi": "{km} km ({share})",
        "sv": "{km} km ({share})",
    },
    "plan.metres": {"en": "{m} m", "fi": "{m} m", "sv": "{m} m"},
    "plan.summary": {
        "en": "{n} new lamps lift {gain} m of walking to P6 or better: {before} km "
        "({before_share}) before, {after} km ({after_share}) after.",
        "fi": "{n} uutta valaisinta nostaa {gain} m kävelyverkkoa vähintään P6-tasolle: "
        "{before} km ({before_share}) ennen, {after} km ({after_share}) jälkeen.",
        "sv": "{n} nya lyktor lyfter {gain} m gånglängd till minst P6: {before} km "
        "({before_share}) före, {after} km ({after_share}) efter.",
    },
    "plan.edited": {
        "en": "Edited: {gain} m, against {proposed} m as proposed ({change} m).",
        "fi": "Muokattu: {gain} m, ehdotuksessa {proposed} m ({change} m).",
        "sv": "Redigerad: {gain} m, mot {proposed} m i förslaget ({change} m).",
    },
    "plan.ranked": {
        "en": "The lamps, best first",
        "fi": "Valaisimet parhaasta alkaen",
        "sv": "Lyktorna, bästa först",
    },
    "plan.ranked_help": {
        "en": "Gain: metres newly at P6 or better with this lamp, given the lamps ranked "
        "before it.",
        "fi": "Hyöty: metrit, jotka nousevat vähintään P6-tasolle tällä valaisimella, kun "
        "paremmat valaisimet on jo lisätty.",
        "sv": "Nytta: meter som når minst P6 med denna lykta, givet lyktorna rankade före den.",
    },
    "plan.map": {"en": "On the map", "fi": "Kartalla", "sv": "På kartan"},
    "plan.map_caption": {
        "en": "Yellow circles: the new lamps, numbered by rank. Streets by lighting class.",
        "fi": "Keltaiset ympyrät: uudet valaisimet sijan mukaan numeroituina. Kadut "
        "valaistusluokittain.",
        "sv": "Gula cirklar: de nya lyktorna, numrerade efter rang. Gator efter belysningsklass.",
    },
    "plan.edit": {"en": "Drop or move", "fi": "Poista tai siirrä", "sv": "Ta bort eller flytta"},
    "plan.drop": {
        "en": "Drop lamps (by rank)",
        "fi": "Poista valaisimia (sijan mukaan)",
        "sv": "Ta bort lyktor (efter rang)",
    },
    "plan.move": {
        "en": "Move a lamp (by rank)",
        "fi": "Siirrä valaisinta (sijan mukaan)",
        "sv": "Flytta en lykta (efter rang)",
    },
    "plan.move_none": {"en": "none", "fi": "ei mitään", "sv": "ingen"},
    "plan.dx": {"en": "East (m)", "fi": "Itään (m)", "sv": "Österut (m)"},
    "plan.dy": {"en": "North (m)", "fi": "Pohjoiseen (m)", "sv": "Norrut (m)"},
    "plan.move_help": {
        "en": "Negative: west or south. The moved lamp gets the height and intensity of "
        "its new place.",
        "fi": "Negatiivinen: länteen tai etelään. Siirretty valaisin saa uuden paikkansa "
        "korkeuden ja valovoiman.",
        "sv": "Negativt: västerut eller söderut. Den flyttade lyktan får sin nya plats "
        "höjd och ljusstyrka.",
    },
    "plan.export": {"en": "Export", "fi": "Vienti", "sv": "Export"},
    "plan.gpkg": {
        "en": "GeoPackage of the lamps (plan_lamps.gpkg)",
        "fi": "Valaisimet GeoPackage-tiedostona (plan_lamps.gpkg)",
        "sv": "Lyktorna som GeoPackage (plan_lamps.gpkg)",
    },
    "plan.csv": {
        "en": "CSV for procurement (plan_lamps.csv)",
        "fi": "CSV hankintaa varten (plan_lamps.csv)",
        "sv": "CSV för upphandling (plan_lamps.csv)",
    },
    "plan.register": {
        "en": "Lamp register, existing and new (plan_lamps_register.csv)",
        "fi": "Valaisinrekisteri, nykyiset ja uudet (plan_lamps_register.csv)",
        "sv": "Lyktregister, befintliga och nya (plan_lamps_register.csv)",
    },
    "plan.print": {
        "en": "Print layout of the plan (plan_lamps.pdf)",
        "fi": "Suunnitelman tulostettava kartta (plan_lamps.pdf)",
        "sv": "Planens utskriftslayout (plan_lamps.pdf)",
    },
    "plan.print_help": {
        "en": "An A4 map of the plan as edited: the lamps numbered by rank over the lighting "
        "classes before the plan, with the walking length at P6 or better before and after, "
        "legend, scale bar and sources.",
        "fi": "A4-kartta suunnitelmasta muokattuna: valaisimet numeroituina järjestyksen "
        "mukaan valaistusluokkien päällä ennen suunnitelmaa, P6-luokan tai paremman "
        "kävelyverkon pituus ennen ja jälkeen, selite, mittakaavajana ja lähteet.",
        "sv": "En A4-karta över planen som den redigerats: lyktorna numrerade efter rang "
        "över belysningsklasserna före planen, med gånglängden i P6 eller bättre före och "
        "efter, teckenförklaring, skalstock och källor.",
    },
    "plan.export_help": {
        "en": "The register holds every modelled lamp and the plan's: give it to the "
        "command line's lighting run as its lamps to see the plan's lighting in full.",
        "fi": "Rekisterissä ovat kaikki mallinnetut valaisimet ja suunnitelman uudet: anna "
        "se komentorivin valaistusajolle valaisimiksi nähdäksesi suunnitelman valaistuksen "
        "kokonaan.",
        "sv": "Registret innehåller alla modellerade lyktor och planens nya: ge det till "
        "kommandoradens belysningskörning som lyktor för att se planens belysning i sin "
        "helhet.",
    },
    "col.gain_m": {"en": "Gain (m)", "fi": "Hyöty (m)", "sv": "Nytta (m)"},
    "col.cumulative_m": {
        "en": "Cumulative (m)",
        "fi": "Kertymä (m)",
        "sv": "Kumulativt (m)",
    },
    "col.gain_footfall": {
        "en": "Gain weighted by flow",
        "fi": "Hyöty virralla painotettuna",
        "sv": "Nytta viktad med flöde",
    },
    "col.gain_homes": {
        "en": "Gain weighted by residents",
        "fi": "Hyöty asukkailla painotettuna",
        "sv": "Nytta viktad med invånare",
    },
    "col.height_m": {"en": "Height (m)", "fi": "Korkeus (m)", "sv": "Höjd (m)"},
    "col.intensity_cd": {
        "en": "Intensity (cd)",
        "fi": "Valovoima (cd)",
        "sv": "Ljusstyrka (cd)",
    },
    "col.context": {"en": "Surroundings", "fi": "Ympäristö", "sv": "Omgivning"},
    "plan.context.street": {"en": "street", "fi": "katu", "sv": "gata"},
    "plan.context.park_path": {"en": "park path", "fi": "puistopolku", "sv": "parkstig"},
    "plan.context.pedestrian": {
        "en": "pedestrian area",
        "fi": "kävelyalue",
        "sv": "gångområde",
    },
}
