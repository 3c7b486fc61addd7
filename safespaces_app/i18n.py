"""Interface text of the app in English, Finnish and Swedish.

Every visible string of the app is a message id here with its three
translations; :func:`t` picks one and fills in ``{placeholders}``. English is
the default and the fallback. Besides the interface, the library's words that the
app shows are translated here too: table headers (``col.*``, with units), tenure and
policy-group names, weight presets, the catalogue's legend labels, layer titles and
groups, and the categorical values of the data (lighting classes, kinds of places,
hot-spot classes ...): :func:`value_label`, :func:`legend_label`, :func:`tenure_name`.
Names from the data (streets, areas, parks) are not translated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from safespaces_app.formats import number

#: Language codes in the order the language switch lists them.
LANGUAGES: tuple[str, ...] = ("en", "fi", "sv")
#: Each language's own name (for the switch).
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English", "fi": "suomi", "sv": "svenska"}
DEFAULT_LANGUAGE = "en"

MESSAGES: Mapping[str, Mapping[str, str]] = {
    # --- shell ---------------------------------------------------------------------------
    "app.title": {"en": "safespaces", "fi": "safespaces", "sv": "safespaces"},
    "lang.label": {"en": "Language", "fi": "Kieli", "sv": "Språk"},
    "page.map": {"en": "Map", "fi": "Kartta", "sv": "Karta"},
    "page.districts": {"en": "Districts", "fi": "Alueet", "sv": "Områden"},
    "page.mix": {"en": "Social mix", "fi": "Sosiaalinen sekoitus", "sv": "Social blandning"},
    "page.lighting": {"en": "Lighting", "fi": "Valaistus", "sv": "Belysning"},
    "page.incidents": {"en": "Incidents", "fi": "Tapahtumat", "sv": "Händelser"},
    "page.data": {"en": "Data", "fi": "Aineisto", "sv": "Data"},
    "page.export": {"en": "Export", "fi": "Vienti", "sv": "Export"},
    "common.running": {
        "en": "Running the analysis (once per set of inputs) ...",
        "fi": "Analyysi käynnissä (kerran kutakin aineistoa kohden) ...",
        "sv": "Analysen körs (en gång per uppsättning indata) ...",
    },
    "common.failed": {
        "en": "The analysis failed on these inputs: {detail}. "
        "On the Data page, check the files or go back to the default.",
        "fi": "Analyysi epäonnistui näillä tiedoilla: {detail}. "
        "Tarkista tiedostot Aineisto-sivulla tai palaa oletukseen.",
        "sv": "Analysen misslyckades med dessa indata: {detail}. "
        "Kontrollera filerna på sidan Data eller gå tillbaka till standard.",
    },
    "common.attribution": {"en": "Data: {text}", "fi": "Aineisto: {text}", "sv": "Data: {text}"},
    "common.synthetic": {
        "en": "SYNTHETIC demo data: {layers}. Do not use these layers for decisions.",
        "fi": "SYNTEETTISTÄ esimerkkiaineistoa: {layers}. Älä käytä näitä tasoja päätöksentekoon.",
        "sv": "SYNTETISKA demodata: {layers}. Använd inte dessa lager för beslut.",
    },
    "common.suppressed": {
        "en": "suppressed (<{k})",
        "fi": "salattu (<{k})",
        "sv": "undertryckt (<{k})",
    },
    "common.no_tenure": {
        "en": "This run has no tenure data: add a tenure file on the Data page.",
        "fi": "Tässä ajossa ei ole hallintamuotoaineistoa: lisää se Aineisto-sivulla.",
        "sv": "Körningen saknar upplåtelseformsdata: lägg till en fil på sidan Data.",
    },
    "common.no_incidents": {
        "en": "This run has no incident data: add an incident file on the Data page.",
        "fi": "Tässä ajossa ei ole tapahtuma-aineistoa: lisää se Aineisto-sivulla.",
        "sv": "Körningen saknar händelsedata: lägg till en fil på sidan Data.",
    },
    # --- weights -------------------------------------------------------------------------
    "weights.title": {
        "en": "Weights of the safe-space score",
        "fi": "Turvallisuuspisteiden painot",
        "sv": "Vikter i trygghetsvärdet",
    },
    "weights.preset": {"en": "Preset", "fi": "Esiasetus", "sv": "Förval"},
    "weights.custom": {"en": "Custom", "fi": "Oma", "sv": "Egen"},
    "weights.help": {
        "en": "Score = weighted mean of the family scores a feature has (0-100).",
        "fi": "Pisteet = kohteen osa-alueiden pisteiden painotettu keskiarvo (0-100).",
        "sv": "Värde = viktat medelvärde av delvärdena som objektet har (0-100).",
    },
    "family.light": {"en": "Light", "fi": "Valo", "sv": "Ljus"},
    "family.eyes": {"en": "Eyes on the street", "fi": "Katujen silmät", "sv": "Ögon på gatan"},
    "family.mix": {"en": "Social mix", "fi": "Sosiaalinen sekoitus", "sv": "Social blandning"},
    "family.incidents": {"en": "Incidents", "fi": "Tapahtumat", "sv": "Händelser"},
    "family.score": {
        "en": "Safe-space score",
        "fi": "Turvallisuuspisteet",
        "sv": "Trygghetsvärde",
    },
    # --- map -----------------------------------------------------------------------------
    "map.district": {"en": "District", "fi": "Kaupunginosa", "sv": "Stadsdel"},
    "map.all": {"en": "Whole study area", "fi": "Koko alue", "sv": "Hela området"},
    "map.hour": {"en": "Hour", "fi": "Tunti", "sv": "Timme"},
    "map.layers": {"en": "Layers", "fi": "Tasot", "sv": "Lager"},
    "map.caption": {
        "en": "{segments} street segments, {km} km of walkable network.",
        "fi": "{segments} katuosuutta, {km} km kävelyverkkoa.",
        "sv": "{segments} gatusegment, {km} km gångnät.",
    },
    "map.click": {
        "en": "Click a street or an area on the map to see its numbers and why.",
        "fi": "Napsauta katua tai aluetta kartalla nähdäksesi sen luvut ja syyt.",
        "sv": "Klicka på en gata eller ett område på kartan för att se siffror och orsaker.",
    },
    "map.legend": {"en": "Legend", "fi": "Selite", "sv": "Teckenförklaring"},
    "layer.eyes": {
        "en": "Eyes on the street at {hour}:00",
        "fi": "Katujen silmät klo {hour}",
        "sv": "Ögon på gatan kl. {hour}",
    },
    "layer.lighting": {
        "en": "Lighting class",
        "fi": "Valaistusluokka",
        "sv": "Belysningsklass",
    },
    "layer.dark": {"en": "Dark paths", "fi": "Pimeät polut", "sv": "Mörka stigar"},
    "layer.mix": {
        "en": "Social mix (areas)",
        "fi": "Sosiaalinen sekoitus (alueet)",
        "sv": "Social blandning (områden)",
    },
    "layer.hotspots": {
        "en": "Incident hot spots",
        "fi": "Tapahtumien kuumat pisteet",
        "sv": "Händelsernas heta punkter",
    },
    "layer.score": {
        "en": "Safe-space score",
        "fi": "Turvallisuuspisteet",
        "sv": "Trygghetsvärde",
    },
    "panel.segment": {"en": "Street segment", "fi": "Katuosuus", "sv": "Gatusegment"},
    "panel.area": {"en": "Area", "fi": "Alue", "sv": "Område"},
    "panel.name": {"en": "Name", "fi": "Nimi", "sv": "Namn"},
    "panel.points": {"en": "Points", "fi": "Pisteet", "sv": "Poäng"},
    "panel.why": {"en": "Why", "fi": "Miksi", "sv": "Varför"},
    "panel.measure": {"en": "Measure", "fi": "Mittari", "sv": "Mått"},
    "panel.value": {"en": "Value", "fi": "Arvo", "sv": "Värde"},
    "panel.breakdown": {
        "en": "Score breakdown",
        "fi": "Pisteiden erittely",
        "sv": "Värdets uppdelning",
    },
    "panel.weight": {"en": "Weight", "fi": "Paino", "sv": "Vikt"},
    "panel.share": {"en": "Share of score", "fi": "Osuus pisteistä", "sv": "Andel av värdet"},
    "panel.none": {
        "en": "No value (no family score for this feature).",
        "fi": "Ei arvoa (kohteella ei ole osa-aluepisteitä).",
        "sv": "Inget värde (objektet saknar delvärden).",
    },
    # --- districts -----------------------------------------------------------------------
    "districts.rank_by": {"en": "Rank by", "fi": "Järjestä", "sv": "Rangordna efter"},
    "districts.caption": {
        "en": "{n} areas. Click a column header to sort; the score follows the weights.",
        "fi": "{n} aluetta. Lajittele napsauttamalla sarakeotsikkoa; pisteet seuraavat painoja.",
        "sv": "{n} områden. Klicka på en kolumnrubrik för att sortera; värdet följer vikterna.",
    },
    "districts.chart": {
        "en": "Lowest ten areas by {family}",
        "fi": "Kymmenen heikointa aluetta: {family}",
        "sv": "De tio svagaste områdena: {family}",
    },
    # --- social mix ----------------------------------------------------------------------
    "mix.intro": {
        "en": "Tenure mix per area against the policy target for new housing ({target}); "
        "suppressed areas have fewer than {k} dwellings.",
        "fi": "Hallintamuotojen sekoitus alueittain uustuotannon tavoitteeseen ({target}) "
        "verrattuna; salatuilla alueilla on alle {k} asuntoa.",
        "sv": "Blandning av upplåtelseformer per område jämfört med målet för nya bostäder "
        "({target}); undertryckta områden har färre än {k} bostäder.",
    },
    "mix.areas": {
        "en": "Areas against the target",
        "fi": "Alueet suhteessa tavoitteeseen",
        "sv": "Områden jämfört med målet",
    },
    "mix.city": {
        "en": "The city: segregation indices",
        "fi": "Koko kaupunki: eriytymisindeksit",
        "sv": "Hela staden: segregationsindex",
    },
    "mix.whatif": {
        "en": "What if: a planned development",
        "fi": "Entä jos: suunniteltu rakennushanke",
        "sv": "Tänk om: ett planerat byggprojekt",
    },
    "mix.whatif.area": {
        "en": "Area of the development",
        "fi": "Hankkeen alue",
        "sv": "Projektets område",
    },
    "mix.whatif.dwellings": {
        "en": "New dwellings by tenure",
        "fi": "Uudet asunnot hallintamuodoittain",
        "sv": "Nya bostäder per upplåtelseform",
    },
    "mix.whatif.run": {
        "en": "Show before and after",
        "fi": "Näytä ennen ja jälkeen",
        "sv": "Visa före och efter",
    },
    "mix.before": {"en": "Before", "fi": "Ennen", "sv": "Före"},
    "mix.after": {"en": "After", "fi": "Jälkeen", "sv": "Efter"},
    "mix.target": {"en": "Target", "fi": "Tavoite", "sv": "Mål"},
    "mix.whatif.empty": {
        "en": "Enter at least one dwelling.",
        "fi": "Anna vähintään yksi asunto.",
        "sv": "Ange minst en bostad.",
    },
    "mix.whatif.result": {
        "en": "Before and after in area {area}",
        "fi": "Ennen ja jälkeen alueella {area}",
        "sv": "Före och efter i område {area}",
    },
    # --- lighting ------------------------------------------------------------------------
    "lighting.shares": {
        "en": "Walking length by lighting class (EN 13201-2)",
        "fi": "Kävelyverkon pituus valaistusluokittain (EN 13201-2)",
        "sv": "Gånglängd per belysningsklass (EN 13201-2)",
    },
    "lighting.dark": {
        "en": "Darkest paths in parks and squares",
        "fi": "Pimeimmät polut puistoissa ja aukioilla",
        "sv": "Mörkaste stigarna i parker och på torg",
    },
    "lighting.spaces": {
        "en": "Parks and squares: share of paths lit to P6 or better",
        "fi": "Puistot ja aukiot: vähintään P6-tasolle valaistujen polkujen osuus",
        "sv": "Parker och torg: andel stigar belysta till minst P6",
    },
    "lighting.summary": {
        "en": "{lit} of the walking length meets P6 or better; {dark} is below P6 or unlit.",
        "fi": "{lit} kävelyverkosta täyttää vähintään P6-tason; {dark} on alle P6 tai "
        "valaisematta.",
        "sv": "{lit} av gånglängden uppfyller minst P6; {dark} är under P6 eller obelyst.",
    },
    # --- incidents -----------------------------------------------------------------------
    "incidents.privacy": {
        "en": "Privacy: only hot spots and smoothed rates are shown. Counts from 1 to {k1} "
        "are suppressed; raw incident points are never shown. Incidents are recorded where "
        "they are reported, not where risk is.",
        "fi": "Yksityisyys: vain kuumat pisteet ja tasoitetut tasot näytetään. Lukumäärät "
        "1-{k1} salataan; yksittäisiä tapahtumapisteitä ei koskaan näytetä. Tapahtumat "
        "kirjataan ilmoituspaikkaan, eivät riskin mukaan.",
        "sv": "Integritet: endast heta punkter och utjämnade tal visas. Antal från 1 till "
        "{k1} undertrycks; enskilda händelsepunkter visas aldrig. Händelser registreras där "
        "de anmäls, inte där risken finns.",
    },
    "incidents.hotspots": {
        "en": "Hot and cold spots (Gi*, FDR-corrected)",
        "fi": "Kuumat ja kylmät pisteet (Gi*, FDR-korjattu)",
        "sv": "Heta och kalla punkter (Gi*, FDR-korrigerade)",
    },
    "incidents.rates": {
        "en": "Smoothed rates per area",
        "fi": "Tasoitetut tasot alueittain",
        "sv": "Utjämnade tal per område",
    },
    "incidents.environment": {
        "en": "Rates by lighting and eyes on the street",
        "fi": "Tasot valaistuksen ja katujen silmien mukaan",
        "sv": "Tal efter belysning och ögon på gatan",
    },
    "incidents.summary": {"en": "Summary", "fi": "Yhteenveto", "sv": "Sammanfattning"},
    # --- data ----------------------------------------------------------------------------
    "data.intro": {
        "en": "Upload your own files, check them, and use them instead of the embedded "
        "Helsinki default. Nothing leaves this computer.",
        "fi": "Lataa omat tiedostosi, tarkista ne ja käytä niitä Helsingin oletusaineiston "
        "sijaan. Mitään ei lähetetä tältä koneelta.",
        "sv": "Ladda upp egna filer, kontrollera dem och använd dem i stället för Helsingfors "
        "standarddata. Inget lämnar den här datorn.",
    },
    "data.current": {
        "en": "Inputs in use",
        "fi": "Käytössä oleva aineisto",
        "sv": "Indata som används",
    },
    "data.default": {
        "en": "embedded Helsinki default",
        "fi": "sisäänrakennettu Helsingin oletus",
        "sv": "inbyggd standard för Helsingfors",
    },
    "data.kind.osm": {
        "en": "OpenStreetMap extract (.osm, .pbf)",
        "fi": "OpenStreetMap-ote (.osm, .pbf)",
        "sv": "OpenStreetMap-utdrag (.osm, .pbf)",
    },
    "data.kind.lamps": {
        "en": "Lamp register (.csv, .gpkg, .geojson, .zip ...)",
        "fi": "Valaisinrekisteri (.csv, .gpkg, .geojson, .zip ...)",
        "sv": "Belysningsregister (.csv, .gpkg, .geojson, .zip ...)",
    },
    "data.kind.tenure": {
        "en": "Tenure (.csv, .gpkg, .geojson, .zip ...)",
        "fi": "Hallintamuodot (.csv, .gpkg, .geojson, .zip ...)",
        "sv": "Upplåtelseformer (.csv, .gpkg, .geojson, .zip ...)",
    },
    "data.kind.incidents": {
        "en": "Incidents (.csv, .gpkg, .geojson, .zip ...)",
        "fi": "Tapahtumat (.csv, .gpkg, .geojson, .zip ...)",
        "sv": "Händelser (.csv, .gpkg, .geojson, .zip ...)",
    },
    "data.kind.areas": {
        "en": "Areas (.gpkg, .geojson, .zip ...)",
        "fi": "Alueet (.gpkg, .geojson, .zip ...)",
        "sv": "Områden (.gpkg, .geojson, .zip ...)",
    },
    "data.check": {
        "en": "Check and use these files",
        "fi": "Tarkista ja käytä näitä tiedostoja",
        "sv": "Kontrollera och använd filerna",
    },
    "data.reset": {
        "en": "Back to the default",
        "fi": "Palaa oletukseen",
        "sv": "Tillbaka till standard",
    },
    "data.ok": {
        "en": "The files are valid: the app now uses them.",
        "fi": "Tiedostot ovat kelvollisia: sovellus käyttää niitä nyt.",
        "sv": "Filerna är giltiga: appen använder dem nu.",
    },
    "data.nothing": {
        "en": "Upload at least one file first.",
        "fi": "Lataa ensin vähintään yksi tiedosto.",
        "sv": "Ladda upp minst en fil först.",
    },
    "data.too_big": {
        "en": "{name} is larger than {mb} MB.",
        "fi": "{name} on suurempi kuin {mb} Mt.",
        "sv": "{name} är större än {mb} MB.",
    },
    "data.bad_type": {
        "en": "{name}: files of type {suffix} are not accepted here; use {allowed}.",
        "fi": "{name}: tyyppiä {suffix} ei hyväksytä tässä; käytä muotoa {allowed}.",
        "sv": "{name}: filer av typen {suffix} tas inte emot här; använd {allowed}.",
    },
    "data.layers": {
        "en": "Layers and where their values come from",
        "fi": "Tasot ja niiden arvojen lähteet",
        "sv": "Lager och varifrån deras värden kommer",
    },
    "data.synthetic_col": {"en": "SYNTHETIC", "fi": "SYNTEETTINEN", "sv": "SYNTETISK"},
    "data.layer_col": {"en": "Layer", "fi": "Taso", "sv": "Lager"},
    "data.group_col": {"en": "Group", "fi": "Ryhmä", "sv": "Grupp"},
    # --- export --------------------------------------------------------------------------
    "export.intro": {
        "en": "The analysis as files for QGIS and other GIS: one GeoPackage with styles and "
        "metadata, the rasters with their QGIS styles, and a QGIS project.",
        "fi": "Analyysi tiedostoina QGIS:ää ja muita paikkatieto-ohjelmia varten: "
        "GeoPackage tyyleineen ja metatietoineen, rasterit QGIS-tyyleineen ja QGIS-projekti.",
        "sv": "Analysen som filer för QGIS och andra GIS: ett GeoPackage med stilar och "
        "metadata, rastren med QGIS-stilar och ett QGIS-projekt.",
    },
    "export.gpkg": {
        "en": "Download the GeoPackage",
        "fi": "Lataa GeoPackage",
        "sv": "Ladda ned GeoPackage",
    },
    "export.qgz": {
        "en": "Download the QGIS project (.qgz)",
        "fi": "Lataa QGIS-projekti (.qgz)",
        "sv": "Ladda ned QGIS-projektet (.qgz)",
    },
    "export.zip": {
        "en": "Download everything (.zip, opens in QGIS)",
        "fi": "Lataa kaikki (.zip, avautuu QGIS:ssä)",
        "sv": "Ladda ned allt (.zip, öppnas i QGIS)",
    },
    "export.rasters": {"en": "Rasters", "fi": "Rasterit", "sv": "Raster"},
    "export.file": {"en": "Download {name}", "fi": "Lataa {name}", "sv": "Ladda ned {name}"},
    # --- table headers (with units) --------------------------------------------------------
    "col.rank": {"en": "Rank", "fi": "Sija", "sv": "Rang"},
    "col.id": {"en": "ID", "fi": "Tunnus", "sv": "ID"},
    "col.area": {"en": "Area", "fi": "Alue", "sv": "Område"},
    "col.residents": {
        "en": "Residents (estimate)",
        "fi": "Asukkaat (arvio)",
        "sv": "Invånare (uppskattning)",
    },
    "col.score": {"en": "{family} (0–100)", "fi": "{family} (0–100)", "sv": "{family} (0–100)"},
    "col.dwellings": {"en": "Dwellings", "fi": "Asunnot", "sv": "Bostäder"},
    "col.entropy": {
        "en": "Tenure mix (entropy, 0–1)",
        "fi": "Hallintamuotojen sekoitus (entropia, 0–1)",
        "sv": "Blandning av upplåtelseformer (entropi, 0–1)",
    },
    "col.divergence": {
        "en": "Difference from the city's mix (bits)",
        "fi": "Ero koko kaupungin jakaumasta (bittiä)",
        "sv": "Skillnad mot stadens fördelning (bitar)",
    },
    "col.lq": {
        "en": "{tenure}: location quotient (1 = as in the city)",
        "fi": "{tenure}: sijaintiosamäärä (1 = kuten koko kaupungissa)",
        "sv": "{tenure}: lokaliseringskvot (1 = som i hela staden)",
    },
    "col.share": {"en": "{group} (%)", "fi": "{group} (%)", "sv": "{group} (%)"},
    "col.gap": {
        "en": "{group} vs target {target} (points)",
        "fi": "{group} vs. tavoite {target} (%-yks.)",
        "sv": "{group} mot målet {target} (%-enh.)",
    },
    "col.km": {"en": "Walking length (km)", "fi": "Kävelyverkkoa (km)", "sv": "Gånglängd (km)"},
    "col.length_share": {
        "en": "Share of the walking length (%)",
        "fi": "Osuus kävelyverkosta (%)",
        "sv": "Andel av gånglängden (%)",
    },
    "col.dark_rank": {"en": "Darkness rank", "fi": "Pimeysjärjestys", "sv": "Mörkerrang"},
    "col.space": {"en": "Park or square", "fi": "Puisto tai aukio", "sv": "Park eller torg"},
    "col.kind": {"en": "Kind", "fi": "Tyyppi", "sv": "Typ"},
    "col.length_m": {"en": "Length (m)", "fi": "Pituus (m)", "sv": "Längd (m)"},
    "col.highway": {"en": "Street type (OSM)", "fi": "Katutyyppi (OSM)", "sv": "Gatutyp (OSM)"},
    "col.lux_min": {
        "en": "Lowest illuminance (lx)",
        "fi": "Pienin valaistusvoimakkuus (lx)",
        "sv": "Lägsta belysningsstyrka (lx)",
    },
    "col.lux_mean": {
        "en": "Mean illuminance (lx)",
        "fi": "Keskimääräinen valaistusvoimakkuus (lx)",
        "sv": "Medelbelysningsstyrka (lx)",
    },
    "col.lux_max": {
        "en": "Highest illuminance (lx)",
        "fi": "Suurin valaistusvoimakkuus (lx)",
        "sv": "Högsta belysningsstyrka (lx)",
    },
    "col.evidence": {"en": "Evidence", "fi": "Peruste", "sv": "Underlag"},
    "col.path_length": {
        "en": "Paths (m)",
        "fi": "Polkuja (m)",
        "sv": "Stigar (m)",
    },
    "col.share_p6": {
        "en": "Lit to P6 or better (%)",
        "fi": "Valaistu vähintään P6-tasolle (%)",
        "sv": "Belyst till minst P6 (%)",
    },
    "col.dark_length": {
        "en": "Paths below P6 or unlit (m)",
        "fi": "Alle P6 tai valaisematta (m)",
        "sv": "Under P6 eller obelyst (m)",
    },
    "col.incidents": {"en": "Incidents", "fi": "Tapahtumia", "sv": "Händelser"},
    "col.gi_z": {"en": "Gi* z-score", "fi": "Gi* z-arvo", "sv": "Gi* z-värde"},
    "col.p_sim": {
        "en": "p (permutation test)",
        "fi": "p (permutaatiotesti)",
        "sv": "p (permutationstest)",
    },
    "col.q": {
        "en": "q (false discovery rate)",
        "fi": "q (väärien löydösten osuus)",
        "sv": "q (andel falska upptäckter)",
    },
    "col.hotspot_class": {"en": "Class", "fi": "Luokka", "sv": "Klass"},
    "col.per_1000": {
        "en": "Per 1,000 residents (smoothed)",
        "fi": "1 000 asukasta kohden (tasoitettu)",
        "sv": "Per 1 000 invånare (utjämnat)",
    },
    "col.per_100m": {
        "en": "Per 100 m of street (smoothed)",
        "fi": "100 katumetriä kohden (tasoitettu)",
        "sv": "Per 100 m gata (utjämnat)",
    },
    "col.measure": {"en": "Measure", "fi": "Mittari", "sv": "Mått"},
    "col.group": {"en": "Group", "fi": "Ryhmä", "sv": "Grupp"},
    "col.segments": {"en": "Street segments", "fi": "Katuosuuksia", "sv": "Gatusegment"},
    "col.length_km": {"en": "Length (km)", "fi": "Pituus (km)", "sv": "Längd (km)"},
    "col.rate_100m": {
        "en": "Incidents per 100 m",
        "fi": "Tapahtumia 100 m kohden",
        "sv": "Händelser per 100 m",
    },
    "col.ci_low": {
        "en": "95 % interval, low",
        "fi": "95 %:n väli, alaraja",
        "sv": "95 %-intervall, nedre",
    },
    "col.ci_high": {
        "en": "95 % interval, high",
        "fi": "95 %:n väli, yläraja",
        "sv": "95 %-intervall, övre",
    },
    "col.item": {"en": "Item", "fi": "Kohta", "sv": "Post"},
    "col.value": {"en": "Value", "fi": "Arvo", "sv": "Värde"},
    "col.note": {"en": "Note", "fi": "Huomautus", "sv": "Anmärkning"},
    "col.index": {"en": "Index (0–1)", "fi": "Indeksi (0–1)", "sv": "Index (0–1)"},
    "col.all_groups": {"en": "All groups", "fi": "Kaikki ryhmät", "sv": "Alla grupper"},
    "col.input": {"en": "Input", "fi": "Lähtötieto", "sv": "Indata"},
    "col.file": {"en": "File", "fi": "Tiedosto", "sv": "Fil"},
    "col.source": {"en": "Source", "fi": "Lähde", "sv": "Källa"},
    "col.scope": {"en": "Where", "fi": "Missä", "sv": "Var"},
    "col.change": {
        "en": "Change (after − before)",
        "fi": "Muutos (jälkeen − ennen)",
        "sv": "Förändring (efter − före)",
    },
    "col.unit": {"en": "Unit", "fi": "Yksikkö", "sv": "Enhet"},
    # --- social mix: targets and the what-if ---------------------------------------------
    "mix.sign": {
        "en": "Points = the area's share − the target, in percentage points: + means more of "
        "that tenure than the target, − less. Click a header to sort.",
        "fi": "Prosenttiyksiköt = alueen osuus − tavoite: + tarkoittaa tavoitetta enemmän "
        "kyseistä hallintamuotoa, − vähemmän. Lajittele napsauttamalla otsikkoa.",
        "sv": "Procentenheter = områdets andel − målet: + betyder mer av upplåtelseformen än "
        "målet, − mindre. Klicka på en rubrik för att sortera.",
    },
    "mix.details": {
        "en": "More measures: location quotients and difference from the city",
        "fi": "Lisää mittareita: sijaintiosamäärät ja ero koko kaupunkiin",
        "sv": "Fler mått: lokaliseringskvoter och skillnad mot staden",
    },
    "mix.whatif.named": {
        "en": "Before and after in {area}",
        "fi": "Ennen ja jälkeen: {area}",
        "sv": "Före och efter: {area}",
    },
    "mix.whatif.sign": {
        "en": "Change = after − before; for shares in percentage points. The neighbourhood is "
        "the areas within {m} m.",
        "fi": "Muutos = jälkeen − ennen; osuuksille prosenttiyksikköinä. Lähiympäristö on "
        "alueet {m} metrin säteellä.",
        "sv": "Förändring = efter − före; för andelar i procentenheter. Närområdet är "
        "områdena inom {m} m.",
    },
    "scope.area": {"en": "{area}", "fi": "{area}", "sv": "{area}"},
    "scope.neighbourhood": {
        "en": "Neighbourhood (≤ {m} m)",
        "fi": "Lähiympäristö (≤ {m} m)",
        "sv": "Närområde (≤ {m} m)",
    },
    "scope.city": {"en": "Whole study area", "fi": "Koko tutkimusalue", "sv": "Hela studieområdet"},
    "metric.dwellings": {"en": "Dwellings", "fi": "Asunnot", "sv": "Bostäder"},
    "metric.share": {
        "en": "{group}, % (target {target})",
        "fi": "{group}, % (tavoite {target})",
        "sv": "{group}, % (mål {target})",
    },
    "metric.gap": {
        "en": "{group} vs target, points",
        "fi": "{group} vs. tavoite, %-yks.",
        "sv": "{group} mot målet, %-enh.",
    },
    "metric.entropy": {
        "en": "Tenure mix (entropy, 0–1)",
        "fi": "Hallintamuotojen sekoitus (entropia, 0–1)",
        "sv": "Blandning av upplåtelseformer (entropi, 0–1)",
    },
    "metric.divergence": {
        "en": "Difference from the city's mix (bits)",
        "fi": "Ero koko kaupungin jakaumasta (bittiä)",
        "sv": "Skillnad mot stadens fördelning (bitar)",
    },
    "metric.dissimilarity": {
        "en": "{group}: dissimilarity index (0–1)",
        "fi": "{group}: erilaisuusindeksi (0–1)",
        "sv": "{group}: olikhetsindex (0–1)",
    },
    # --- tenure and policy groups ----------------------------------------------------------
    "tenure.ara_rental": {
        "en": "ARA rental (state-subsidised)",
        "fi": "ARA-vuokra (valtion tukema)",
        "sv": "ARA-hyresrätt (statligt stödd)",
    },
    "tenure.right_of_occupancy": {
        "en": "Right-of-occupancy (asumisoikeus)",
        "fi": "Asumisoikeus",
        "sv": "Bostadsrätt med besittningsrätt (asumisoikeus)",
    },
    "tenure.hitas_owner": {
        "en": "Price-regulated owner-occupied (Hitas)",
        "fi": "Hintasäännelty omistus (Hitas)",
        "sv": "Prisreglerat ägande (Hitas)",
    },
    "tenure.part_ownership": {"en": "Part-ownership", "fi": "Osaomistus", "sv": "Delägande"},
    "tenure.short_term_ara": {
        "en": "Short-term ARA rental",
        "fi": "Lyhyen korkotuen ARA-vuokra",
        "sv": "Kortvarig ARA-hyresrätt",
    },
    "tenure.owner": {
        "en": "Unregulated owner-occupied",
        "fi": "Sääntelemätön omistus",
        "sv": "Oreglerat ägande",
    },
    "tenure.private_rental": {
        "en": "Unregulated rental",
        "fi": "Sääntelemätön vuokra",
        "sv": "Oreglerad hyresrätt",
    },
    "tenure.other": {"en": "Other / unknown", "fi": "Muu / tuntematon", "sv": "Övrigt / okänt"},
    "short.ara_rental": {"en": "ARA rental", "fi": "ARA-vuokra", "sv": "ARA-hyresrätt"},
    "short.right_of_occupancy": {
        "en": "Right-of-occupancy",
        "fi": "Asumisoikeus",
        "sv": "Besittningsrätt",
    },
    "short.hitas_owner": {"en": "Hitas owner", "fi": "Hitas-omistus", "sv": "Hitas-ägande"},
    "short.part_ownership": {"en": "Part-ownership", "fi": "Osaomistus", "sv": "Delägande"},
    "short.short_term_ara": {
        "en": "Short-term ARA",
        "fi": "Lyhyt ARA",
        "sv": "Kortvarig ARA",
    },
    "short.owner": {"en": "Owner-occupied", "fi": "Omistus", "sv": "Ägande"},
    "short.private_rental": {"en": "Private rental", "fi": "Vapaa vuokra", "sv": "Fri hyresrätt"},
    "short.other": {"en": "Other", "fi": "Muu", "sv": "Övrigt"},
    "policy.ara_rental": {"en": "ARA rental", "fi": "ARA-vuokra", "sv": "ARA-hyresrätt"},
    "policy.intermediate": {"en": "Intermediate", "fi": "Välimuoto", "sv": "Mellanform"},
    "policy.unregulated": {"en": "Unregulated", "fi": "Sääntelemätön", "sv": "Oreglerat"},
    # --- presets of the weights ------------------------------------------------------------
    "preset.balanced": {"en": "Balanced", "fi": "Tasapainoinen", "sv": "Balanserad"},
    "preset.night walk": {"en": "Night walk", "fi": "Yökävely", "sv": "Nattpromenad"},
    "preset.social mix": {
        "en": "Social mix",
        "fi": "Sosiaalinen sekoitus",
        "sv": "Social blandning",
    },
    "preset.street life": {"en": "Street life", "fi": "Katuelämä", "sv": "Gatuliv"},
    # --- inputs ----------------------------------------------------------------------------
    "input.osm": {
        "en": "OpenStreetMap extract",
        "fi": "OpenStreetMap-ote",
        "sv": "OpenStreetMap-utdrag",
    },
    "input.lamps": {"en": "lamp register", "fi": "valaisinrekisteri", "sv": "belysningsregister"},
    "input.tenure": {"en": "tenure", "fi": "hallintamuodot", "sv": "upplåtelseformer"},
    "input.incidents": {"en": "incidents", "fi": "tapahtumat", "sv": "händelser"},
    "input.areas": {"en": "areas", "fi": "alueet", "sv": "områden"},
    "data.uploaded": {"en": "uploaded", "fi": "ladattu", "sv": "uppladdad"},
    "data.none": {"en": "not used", "fi": "ei käytössä", "sv": "används inte"},
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
    "legend.p_class": {
        "en": "{name} (avg ≥ {lux} lx)",
        "fi": "{name} (keskim. ≥ {lux} lx)",
        "sv": "{name} (medel ≥ {lux} lx)",
    },
    "legend.below P6 (lamps, too dim)": {
        "en": "below P6 (lamps, too dim)",
        "fi": "alle P6 (valaisimet liian himmeitä)",
        "sv": "under P6 (lampor, för svaga)",
    },
    "legend.unlit (no lamp reaches it)": {
        "en": "unlit (no lamp reaches it)",
        "fi": "valaisematon (mikään valaisin ei ylety)",
        "sv": "obelyst (ingen lampa når dit)",
    },
    "legend.tagged lit, lamps not mapped": {
        "en": "tagged lit, lamps not mapped",
        "fi": "merkitty valaistuksi, valaisimia ei kartoitettu",
        "sv": "märkt belyst, lampor ej karterade",
    },
    "legend.no lamp data (lamps not mapped here)": {
        "en": "no lamp data (lamps not mapped here)",
        "fi": "ei valaisintietoja (valaisimia ei kartoitettu täällä)",
        "sv": "inga lampdata (lampor ej karterade här)",
    },
    "legend.no lamp data (not mapped here)": {
        "en": "no lamp data (not mapped here)",
        "fi": "ei valaisintietoja (ei kartoitettu täällä)",
        "sv": "inga lampdata (ej karterade här)",
    },
    "legend.no data": {"en": "no data", "fi": "ei tietoa", "sv": "inga data"},
    "legend.other": {"en": "other", "fi": "muu", "sv": "övrigt"},
    "legend.dark (mapped lamps)": {
        "en": "dark (mapped lamps)",
        "fi": "pimeä (kartoitetut valaisimet)",
        "sv": "mörk (karterade lampor)",
    },
    "legend.hot spot (99 %)": {
        "en": "hot spot (99 %)",
        "fi": "kuuma piste (99 %)",
        "sv": "het punkt (99 %)",
    },
    "legend.hot spot (95 %)": {
        "en": "hot spot (95 %)",
        "fi": "kuuma piste (95 %)",
        "sv": "het punkt (95 %)",
    },
    "legend.cold spot (95 %)": {
        "en": "cold spot (95 %)",
        "fi": "kylmä piste (95 %)",
        "sv": "kall punkt (95 %)",
    },
    "legend.cold spot (99 %)": {
        "en": "cold spot (99 %)",
        "fi": "kylmä piste (99 %)",
        "sv": "kall punkt (99 %)",
    },
    "legend.not significant": {
        "en": "not significant",
        "fi": "ei merkitsevä",
        "sv": "inte signifikant",
    },
    "legend.no data (no street, no incident)": {
        "en": "no data (no street, no incident)",
        "fi": "ei tietoa (ei katua, ei tapahtumia)",
        "sv": "inga data (ingen gata, inga händelser)",
    },
    "legend.suppressed / no data": {
        "en": "suppressed / no data",
        "fi": "salattu / ei tietoa",
        "sv": "undertryckt / inga data",
    },
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


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **values: object) -> str:
    """The message ``key`` in ``lang`` (English if missing), ``{placeholders}`` filled.

    Raises
    ------
    KeyError
        Unknown message id.
    """
    texts = MESSAGES[key]
    text = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def has(key: str) -> bool:
    """True when ``key`` is a message id."""
    return key in MESSAGES


def value_label(value: object, lang: str) -> str:
    """A categorical value of the data in ``lang`` (``"unlit"`` -> ``"valaisematon"``).

    Values without a message (names, codes the app does not know) are returned as text.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    key = f"value.{value}"
    if key in MESSAGES:
        return t(key, lang)
    quintile = _QUINTILE.match(str(value))
    if quintile:
        n, low, high = quintile.groups()
        return t("value.quintile", lang, n=n, low=_num(low, lang), high=_num(high, lang))
    return str(value)


def tenure_name(code: str, lang: str, *, short: bool = False, fallback: str | None = None) -> str:
    """The name of a tenure code (``ara_rental``) in ``lang``; ``fallback`` (the
    configuration's own label) or the code for a code of a custom taxonomy."""
    key = f"{'short' if short else 'tenure'}.{code}"
    return t(key, lang) if key in MESSAGES else (fallback or code)


def policy_name(group: str, lang: str) -> str:
    """The name of a policy group of the tenure targets (``intermediate``)."""
    key = f"policy.{group}"
    return t(key, lang) if key in MESSAGES else group


def preset_name(preset: str, lang: str) -> str:
    """The name of a weight preset (``night walk``) in ``lang``."""
    key = f"preset.{preset}"
    return t(key, lang) if key in MESSAGES else preset


_P_CLASS = re.compile(r"^(P\d) \(avg >= ([\d.]+) lx\)$")
_RANGE = re.compile(r"^(-?[\d.]+) - (-?[\d.]+)$")
_QUINTILE = re.compile(r"^Q(\d) \((-?[\d.e+-]+)-(-?[\d.e+-]+)\)$")
_DECAY = re.compile(r"^(.+)_decay_(\d+)m$")
#: An upper bound at least this large is "no upper bound" (the catalogue's open classes).
_OPEN = 1e8


def _num(text: str, lang: str) -> str:
    """A number written in the data (``"7.5"``) in ``lang``, keeping its decimals."""
    decimals = len(text.partition(".")[2]) if "e" not in text else 2
    return number(float(text), lang, decimals)


def legend_label(label: str, lang: str) -> str:
    """A legend label of the catalogue in ``lang``.

    Ranges get the language's numbers (``0,2–0,4``; an open class ``≥ 2,000``), P classes
    and the named classes their translation; English keeps the catalogue's text except
    for the ranges.
    """
    found = _RANGE.match(label)
    if found:
        low, high = found.groups()
        if float(high) >= _OPEN:
            return f"≥ {_num(low, lang)}"
        return f"{_num(low, lang)}–{_num(high, lang)}"
    if lang == DEFAULT_LANGUAGE:
        return label
    p_class = _P_CLASS.match(label)
    if p_class:
        return t("legend.p_class", lang, name=p_class[1], lux=_num(p_class[2], lang))
    key = f"legend.{label}"
    return t(key, lang) if key in MESSAGES else label


def index_name(name: str, lang: str) -> str:
    """A segregation index of the city (``dissimilarity_decay_1000m``) in ``lang``."""
    decay = _DECAY.match(name)
    if decay:
        return t("index.decay", lang, index=index_name(decay[1], lang), m=_num(decay[2], lang))
    key = f"index.{name}"
    return t(key, lang) if key in MESSAGES else name


def summary_item(item: str, lang: str) -> str:
    """An item of the incident summary in ``lang`` (the library's English if unknown)."""
    key = f"item.{item}"
    return t(key, lang) if key in MESSAGES else item


def missing_translations() -> list[tuple[str, str]]:
    """``(key, language)`` pairs without a text (empty when complete)."""
    return [
        (key, lang) for key, texts in MESSAGES.items() for lang in LANGUAGES if not texts.get(lang)
    ]


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "MESSAGES",
    "has",
    "index_name",
    "legend_label",
    "missing_translations",
    "policy_name",
    "preset_name",
    "summary_item",
    "t",
    "tenure_name",
    "value_label",
]
