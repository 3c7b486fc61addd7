"""The library's English words the app shows, translated: categorical values of the
data, the catalogue's legend labels, layer titles and groups, segregation indices and the
incident summary's items (see :mod:`safespaces_app.i18n`)."""

from __future__ import annotations

from collections.abc import Mapping

DATA_MESSAGES: Mapping[str, Mapping[str, str]] = {
    # --- values of the data (lighting, places, hot spots) ----------------------------------
    "value.below P6": {"en": "below P6", "fi": "alle P6", "sv": "under P6"},
    "value.unlit": {"en": "unlit", "fi": "valaisematon", "sv": "obelyst"},
    "value.lit, lamps not mapped": {
        "en": "lit, lamps not mapped",
        "fi": "valaistu, valaisimia ei kartoitettu",
        "sv": "belyst, lampor ej karterade",
    },
    "value.no lamp data": {"en": "no lamp data", "fi": "ei valaisintietoja", "sv": "inga lampdata"},
    "value.no data": {"en": "no data", "fi": "ei tietoa", "sv": "inga data"},
    "value.mapped lamps": {
        "en": "mapped lamps",
        "fi": "kartoitetut valaisimet",
        "sv": "karterade lampor",
    },
    "value.tagged lit, lamps not mapped": {
        "en": "tagged lit, lamps not mapped",
        "fi": "merkitty valaistuksi, valaisimia ei kartoitettu",
        "sv": "märkt belyst, lampor ej karterade",
    },
    "value.footway": {"en": "footway", "fi": "jalkakäytävä", "sv": "gångväg"},
    "value.path": {"en": "path", "fi": "polku", "sv": "stig"},
    "value.cycleway": {"en": "cycleway", "fi": "pyörätie", "sv": "cykelväg"},
    "value.pedestrian": {"en": "pedestrian street", "fi": "kävelykatu", "sv": "gågata"},
    "value.steps": {"en": "steps", "fi": "portaat", "sv": "trappor"},
    "value.residential": {"en": "residential street", "fi": "asuntokatu", "sv": "bostadsgata"},
    "value.living_street": {"en": "living street", "fi": "pihakatu", "sv": "gårdsgata"},
    "value.service": {"en": "service road", "fi": "huoltotie", "sv": "serviceväg"},
    "value.primary": {"en": "primary road", "fi": "pääkatu", "sv": "huvudgata"},
    "value.primary_link": {
        "en": "primary road link",
        "fi": "pääkadun liittymä",
        "sv": "huvudgatans anslutning",
    },
    "value.secondary": {"en": "secondary road", "fi": "kokoojakatu", "sv": "sekundär gata"},
    "value.secondary_link": {
        "en": "secondary road link",
        "fi": "kokoojakadun liittymä",
        "sv": "sekundär gatas anslutning",
    },
    "value.tertiary": {
        "en": "tertiary road",
        "fi": "alueellinen kokoojakatu",
        "sv": "tertiär gata",
    },
    "value.tertiary_link": {
        "en": "tertiary road link",
        "fi": "kokoojakadun liittymä",
        "sv": "tertiär gatas anslutning",
    },
    "value.unclassified": {"en": "minor road", "fi": "muu katu", "sv": "övrig gata"},
    "value.track": {"en": "track", "fi": "ajopolku", "sv": "körväg"},
    "value.corridor": {"en": "corridor", "fi": "käytävä", "sv": "korridor"},
    "value.bridleway": {"en": "bridleway", "fi": "ratsastustie", "sv": "ridväg"},
    "value.park": {"en": "park", "fi": "puisto", "sv": "park"},
    "value.square": {"en": "square", "fi": "aukio", "sv": "torg"},
    "value.pedestrian_area": {"en": "pedestrian area", "fi": "kävelyalue", "sv": "gångområde"},
    "value.playground": {"en": "playground", "fi": "leikkipaikka", "sv": "lekplats"},
    "value.garden": {"en": "garden", "fi": "puutarha", "sv": "trädgård"},
    "value.hot 99%": {
        "en": "hot spot (99 %)",
        "fi": "kuuma piste (99 %)",
        "sv": "het punkt (99 %)",
    },
    "value.hot 95%": {
        "en": "hot spot (95 %)",
        "fi": "kuuma piste (95 %)",
        "sv": "het punkt (95 %)",
    },
    "value.cold 95%": {
        "en": "cold spot (95 %)",
        "fi": "kylmä piste (95 %)",
        "sv": "kall punkt (95 %)",
    },
    "value.cold 99%": {
        "en": "cold spot (99 %)",
        "fi": "kylmä piste (99 %)",
        "sv": "kall punkt (99 %)",
    },
    "value.not significant": {
        "en": "not significant",
        "fi": "ei merkitsevä",
        "sv": "inte signifikant",
    },
    "value.eyes_night": {
        "en": "Eyes on the street at night",
        "fi": "Katujen silmät yöllä",
        "sv": "Ögon på gatan på natten",
    },
    "value.eyes_evening": {
        "en": "Eyes on the street in the evening",
        "fi": "Katujen silmät illalla",
        "sv": "Ögon på gatan på kvällen",
    },
    "value.eyes_day": {
        "en": "Eyes on the street by day",
        "fi": "Katujen silmät päivällä",
        "sv": "Ögon på gatan på dagen",
    },
    "value.light_class": {"en": "Lighting class", "fi": "Valaistusluokka", "sv": "Belysningsklass"},
    "value.quintile": {
        "en": "Q{n} ({low}–{high})",
        "fi": "Q{n} ({low}–{high})",
        "sv": "Q{n} ({low}–{high})",
    },
    # --- legends (the catalogue's class labels) --------------------------------------------
    # --- the catalogue's layer titles and groups (Data page) -------------------------------
    "group.Streets": {"en": "Streets", "fi": "Kadut", "sv": "Gator"},
    "group.Lighting": {"en": "Lighting", "fi": "Valaistus", "sv": "Belysning"},
    "group.Eyes on the street": {
        "en": "Eyes on the street",
        "fi": "Katujen silmät",
        "sv": "Ögon på gatan",
    },
    "group.Social mix": {
        "en": "Social mix",
        "fi": "Sosiaalinen sekoitus",
        "sv": "Social blandning",
    },
    "group.Incidents": {"en": "Incidents", "fi": "Tapahtumat", "sv": "Händelser"},
    "group.Areas": {"en": "Areas", "fi": "Alueet", "sv": "Områden"},
    "title.Streets and paths": {
        "en": "Streets and paths",
        "fi": "Kadut ja polut",
        "sv": "Gator och stigar",
    },
    "title.Buildings": {"en": "Buildings", "fi": "Rakennukset", "sv": "Byggnader"},
    "title.Water": {"en": "Water", "fi": "Vesialueet", "sv": "Vatten"},
    "title.Street lighting (EN 13201-2 class)": {
        "en": "Street lighting (EN 13201-2 class)",
        "fi": "Katuvalaistus (EN 13201-2 -luokka)",
        "sv": "Gatubelysning (EN 13201-2-klass)",
    },
    "title.OSM lit tag against mapped lamps": {
        "en": "OSM lit tag against mapped lamps",
        "fi": "OSM:n lit-merkintä ja kartoitetut valaisimet",
        "sv": "OSM-taggen lit mot karterade lampor",
    },
    "title.Street lamps": {"en": "Street lamps", "fi": "Katuvalaisimet", "sv": "Gatlampor"},
    "title.Parks and squares: share of paths lit to P6": {
        "en": "Parks and squares: share of paths lit to P6",
        "fi": "Puistot ja aukiot: P6-tasolle valaistujen polkujen osuus",
        "sv": "Parker och torg: andel stigar belysta till P6",
    },
    "title.Darkest paths in parks and squares": {
        "en": "Darkest paths in parks and squares",
        "fi": "Pimeimmät polut puistoissa ja aukioilla",
        "sv": "Mörkaste stigarna i parker och på torg",
    },
    "title.Hours of darkness per day": {
        "en": "Hours of darkness per day",
        "fi": "Pimeät tunnit vuorokaudessa",
        "sv": "Mörka timmar per dygn",
    },
    "title.Walking length by lighting class": {
        "en": "Walking length by lighting class",
        "fi": "Kävelyverkon pituus valaistusluokittain",
        "sv": "Gånglängd per belysningsklass",
    },
    "title.OSM lit tag conflicts (summary)": {
        "en": "OSM lit tag conflicts (summary)",
        "fi": "OSM:n lit-merkinnän ristiriidat (yhteenveto)",
        "sv": "Konflikter i OSM-taggen lit (sammanfattning)",
    },
    "title.Eyes on the street: night": {
        "en": "Eyes on the street: night",
        "fi": "Katujen silmät: yö",
        "sv": "Ögon på gatan: natt",
    },
    "title.Eyes on the street: evening": {
        "en": "Eyes on the street: evening",
        "fi": "Katujen silmät: ilta",
        "sv": "Ögon på gatan: kväll",
    },
    "title.Eyes on the street: day": {
        "en": "Eyes on the street: day",
        "fi": "Katujen silmät: päivä",
        "sv": "Ögon på gatan: dag",
    },
    "title.Tenure mix (entropy)": {
        "en": "Tenure mix (entropy)",
        "fi": "Hallintamuotojen sekoitus (entropia)",
        "sv": "Blandning av upplåtelseformer (entropi)",
    },
    "title.Segregation indices (city)": {
        "en": "Segregation indices (city)",
        "fi": "Eriytymisindeksit (kaupunki)",
        "sv": "Segregationsindex (staden)",
    },
    "title.Tenure mix within an 800 m walk": {
        "en": "Tenure mix within an 800 m walk",
        "fi": "Hallintamuotojen sekoitus 800 metrin kävelymatkalla",
        "sv": "Blandning av upplåtelseformer inom 800 m gångväg",
    },
    "title.Safe-space score (streets)": {
        "en": "Safe-space score (streets)",
        "fi": "Turvallisuuspisteet (kadut)",
        "sv": "Trygghetsvärde (gator)",
    },
    "title.Safe-space score (areas)": {
        "en": "Safe-space score (areas)",
        "fi": "Turvallisuuspisteet (alueet)",
        "sv": "Trygghetsvärde (områden)",
    },
    "title.Incident hot and cold spots (Gi*)": {
        "en": "Incident hot and cold spots (Gi*)",
        "fi": "Tapahtumien kuumat ja kylmät pisteet (Gi*)",
        "sv": "Händelsernas heta och kalla punkter (Gi*)",
    },
    "title.Incidents per 1,000 residents (smoothed)": {
        "en": "Incidents per 1,000 residents (smoothed)",
        "fi": "Tapahtumia 1 000 asukasta kohden (tasoitettu)",
        "sv": "Händelser per 1 000 invånare (utjämnat)",
    },
    "title.Incidents per 100 m of street (smoothed)": {
        "en": "Incidents per 100 m of street (smoothed)",
        "fi": "Tapahtumia 100 katumetriä kohden (tasoitettu)",
        "sv": "Händelser per 100 m gata (utjämnat)",
    },
    "title.Incident rates by environment": {
        "en": "Incident rates by environment",
        "fi": "Tapahtumatasot ympäristön mukaan",
        "sv": "Händelsetal efter miljö",
    },
    "title.Incident count model": {
        "en": "Incident count model",
        "fi": "Tapahtumamäärien malli",
        "sv": "Modell för antal händelser",
    },
    "title.Incident summary": {
        "en": "Incident summary",
        "fi": "Tapahtumien yhteenveto",
        "sv": "Sammanfattning av händelser",
    },
    "title.Areas: estimated residents": {
        "en": "Areas: estimated residents",
        "fi": "Alueet: arvioidut asukkaat",
        "sv": "Områden: uppskattade invånare",
    },
    "title.Run metadata": {
        "en": "Run metadata",
        "fi": "Ajon metatiedot",
        "sv": "Körningens metadata",
    },
    "title.Illuminance at ground (lux)": {
        "en": "Illuminance at ground (lux)",
        "fi": "Valaistusvoimakkuus maan pinnalla (lx)",
        "sv": "Belysningsstyrka vid marken (lx)",
    },
    "title.Incident density (kernel)": {
        "en": "Incident density (kernel)",
        "fi": "Tapahtumatiheys (ydinestimaatti)",
        "sv": "Händelsetäthet (kärnskattning)",
    },
    # --- the city's segregation indices ----------------------------------------------------
    "index.dissimilarity": {"en": "Dissimilarity", "fi": "Erilaisuus", "sv": "Olikhet"},
    "index.isolation": {"en": "Isolation", "fi": "Eristyneisyys", "sv": "Isolering"},
    "index.exposure": {"en": "Exposure", "fi": "Altistuminen", "sv": "Exponering"},
    "index.gini": {"en": "Gini", "fi": "Gini", "sv": "Gini"},
    "index.multigroup_dissimilarity": {
        "en": "Multigroup dissimilarity",
        "fi": "Monen ryhmän erilaisuus",
        "sv": "Flergruppsolikhet",
    },
    "index.multigroup_gini": {
        "en": "Multigroup Gini",
        "fi": "Monen ryhmän Gini",
        "sv": "Flergrupps-Gini",
    },
    "index.theil_h": {"en": "Theil's H", "fi": "Theilin H", "sv": "Theils H"},
    "index.simpsons_interaction": {
        "en": "Simpson's interaction",
        "fi": "Simpsonin vuorovaikutus",
        "sv": "Simpsons interaktion",
    },
    "index.multigroup_entropy": {
        "en": "Multigroup entropy",
        "fi": "Monen ryhmän entropia",
        "sv": "Flergruppsentropi",
    },
    "index.decay": {
        "en": "{index}, within {m} m",
        "fi": "{index}, {m} m:n säteellä",
        "sv": "{index}, inom {m} m",
    },
    # --- the incident summary's items ------------------------------------------------------
    "item.incidents read": {
        "en": "incidents read",
        "fi": "luettuja tapahtumia",
        "sv": "lästa händelser",
    },
    "item.dropped.missing_coordinates": {
        "en": "dropped: missing coordinates",
        "fi": "hylätty: koordinaatit puuttuvat",
        "sv": "bortfall: koordinater saknas",
    },
    "item.dropped.bad_coordinates": {
        "en": "dropped: bad coordinates",
        "fi": "hylätty: virheelliset koordinaatit",
        "sv": "bortfall: felaktiga koordinater",
    },
    "item.dropped.missing_time": {
        "en": "dropped: missing time",
        "fi": "hylätty: aika puuttuu",
        "sv": "bortfall: tid saknas",
    },
    "item.dropped.bad_time": {
        "en": "dropped: bad time",
        "fi": "hylätty: virheellinen aika",
        "sv": "bortfall: felaktig tid",
    },
    "item.dropped.time_out_of_range": {
        "en": "dropped: time out of range",
        "fi": "hylätty: aika rajojen ulkopuolella",
        "sv": "bortfall: tid utanför intervallet",
    },
    "item.outside study area": {
        "en": "outside the study area",
        "fi": "tutkimusalueen ulkopuolella",
        "sv": "utanför studieområdet",
    },
    "item.in study area": {
        "en": "in the study area",
        "fi": "tutkimusalueella",
        "sv": "i studieområdet",
    },
    "item.not snapped to a street": {
        "en": "not snapped to a street",
        "fi": "ei kohdistettu katuun",
        "sv": "inte knutna till en gata",
    },
    "item.light window unknown": {
        "en": "time of day unknown",
        "fi": "vuorokaudenaika tuntematon",
        "sv": "tid på dygnet okänd",
    },
    "item.by light window.day": {"en": "by day", "fi": "päivällä", "sv": "på dagen"},
    "item.by light window.evening": {"en": "in the evening", "fi": "illalla", "sv": "på kvällen"},
    "item.by light window.night": {"en": "at night", "fi": "yöllä", "sv": "på natten"},
    "item.by light window.unknown": {
        "en": "time of day unknown",
        "fi": "vuorokaudenaika tuntematon",
        "sv": "tid på dygnet okänd",
    },
    "item.categories.total": {"en": "categories", "fi": "luokkia", "sv": "kategorier"},
    "item.categories.with a column": {
        "en": "categories with a column",
        "fi": "luokkia, joilla oma sarake",
        "sv": "kategorier med egen kolumn",
    },
    "item.categories.counted in other": {
        "en": "categories counted in other",
        "fi": "luokkia laskettu muihin",
        "sv": "kategorier räknade som övriga",
    },
    "item.areas with suppressed counts": {
        "en": "areas with suppressed counts",
        "fi": "alueita, joiden lukumäärät salattu",
        "sv": "områden med undertryckta antal",
    },
    "item.hotspot units": {
        "en": "units of the hot-spot analysis",
        "fi": "kuumien pisteiden analyysin yksiköt",
        "sv": "enheter i analysen av heta punkter",
    },
    "item.hot spots (FDR)": {
        "en": "hot spots (FDR)",
        "fi": "kuumia pisteitä (FDR)",
        "sv": "heta punkter (FDR)",
    },
    "item.cold spots (FDR)": {
        "en": "cold spots (FDR)",
        "fi": "kylmiä pisteitä (FDR)",
        "sv": "kalla punkter (FDR)",
    },
    "item.segments with suppressed counts": {
        "en": "street segments with suppressed counts",
        "fi": "katuosuuksia, joiden lukumäärät salattu",
        "sv": "gatusegment med undertryckta antal",
    },
    "unit.areas": {"en": "areas", "fi": "alueet", "sv": "områden"},
    "unit.grid": {"en": "grid cells", "fi": "ruudut", "sv": "rutor"},
}
