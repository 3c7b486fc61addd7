"""The interface's messages: pages, widgets, captions, alerts (see :mod:`safespaces_app.i18n`)."""

from __future__ import annotations

from collections.abc import Mapping

from safespaces.printing.texts import TEXTS as PRINTED

UI_MESSAGES: Mapping[str, Mapping[str, str]] = {
    # the map's layer titles and the score's families: the printed map's words, kept once
    **{k: v for k, v in PRINTED.items() if k.startswith(("layer.", "family."))},
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
    "data.not_given": {"en": "not given", "fi": "ei annettu", "sv": "inte angiven"},
    "data.recorded": {
        "en": "input of the opened run",
        "fi": "avatun ajon lähtöaineisto",
        "sv": "indata för den öppnade körningen",
    },
    "data.open.title": {
        "en": "Open a finished output folder",
        "fi": "Avaa valmis tuloskansio",
        "sv": "Öppna en färdig utdatamapp",
    },
    "data.open.help": {
        "en": "A folder on this server written by `safespaces run --out DIR` (either engine, "
        "e.g. a whole city): the app shows it as it is and recomputes nothing.",
        "fi": "Tällä palvelimella oleva kansio, jonka `safespaces run --out KANSIO` on "
        "kirjoittanut (kumpi tahansa laskentamoottori, esim. koko kaupunki): sovellus näyttää "
        "sen sellaisenaan eikä laske mitään uudelleen.",
        "sv": "En mapp på den här servern som skrivits av `safespaces run --out MAPP` (vilken "
        "motor som helst, t.ex. en hel stad): appen visar den som den är och räknar inte om "
        "något.",
    },
    "data.open.path": {
        "en": "Folder on the server",
        "fi": "Kansio palvelimella",
        "sv": "Mapp på servern",
    },
    "data.open.button": {
        "en": "Open this folder",
        "fi": "Avaa tämä kansio",
        "sv": "Öppna den här mappen",
    },
    "data.open.ok": {
        "en": "Opened {folder}: the app now shows this run.",
        "fi": "{folder} avattu: sovellus näyttää nyt tämän ajon.",
        "sv": "{folder} öppnad: appen visar nu den här körningen.",
    },
    "data.open.empty": {
        "en": "Type the folder's path first.",
        "fi": "Kirjoita ensin kansion polku.",
        "sv": "Skriv först mappens sökväg.",
    },
    "data.opened": {
        "en": "Opened output folder {folder}: study {study}, written {time} by safespaces "
        "{version}{engine}. Nothing was recomputed.",
        "fi": "Avattu tuloskansio {folder}: tutkimus {study}, kirjoitettu {time}, safespaces "
        "{version}{engine}. Mitään ei laskettu uudelleen.",
        "sv": "Öppnad utdatamapp {folder}: studie {study}, skriven {time} av safespaces "
        "{version}{engine}. Inget räknades om.",
    },
    "data.engine.dask": {
        "en": ", dask engine ({partitions} partitions)",
        "fi": ", dask-laskentamoottori ({partitions} osiota)",
        "sv": ", dask-motorn ({partitions} partitioner)",
    },
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
    "export.publish": {
        "en": "For map servers, web maps and data catalogues",
        "fi": "Karttapalvelimille, verkkokartoille ja tietokatalogeille",
        "sv": "För kartservrar, webbkartor och datakataloger",
    },
    "export.geoparquet": {
        "en": "**GeoParquet** (.zip): every layer in a columnar file with its CRS, for DuckDB, "
        "pandas, BI tools and cloud storage.",
        "fi": "**GeoParquet** (.zip): jokainen taso sarakepohjaisena tiedostona "
        "koordinaattijärjestelmineen DuckDB:lle, pandasille, BI-työkaluille ja pilvitallennukseen.",
        "sv": "**GeoParquet** (.zip): varje lager i en kolumnfil med sitt koordinatsystem, för "
        "DuckDB, pandas, BI-verktyg och molnlagring.",
    },
    "export.fgb": {
        "en": "**FlatGeobuf** (.zip): the map layers with a spatial index, streamed by web maps "
        "straight from a web server.",
        "fi": "**FlatGeobuf** (.zip): karttatasot paikkaindekseineen; verkkokartat lukevat ne "
        "suoraan verkkopalvelimelta.",
        "sv": "**FlatGeobuf** (.zip): kartlagren med rumsligt index, som webbkartor läser "
        "direkt från en webbserver.",
    },
    "export.pmtiles": {
        "en": "**PMTiles** (.zip): vector tiles of the streets and areas (zoom 10-16) for a "
        "static web map with MapLibre or OpenLayers.",
        "fi": "**PMTiles** (.zip): katujen ja alueiden vektoritiilet (zoom 10-16) staattiseen "
        "verkkokarttaan MapLibrellä tai OpenLayersilla.",
        "sv": "**PMTiles** (.zip): vektorplattor av gator och områden (zoom 10-16) för en "
        "statisk webbkarta med MapLibre eller OpenLayers.",
    },
    "export.sld": {
        "en": "**SLD styles** (.zip): every layer's style as SLD 1.1 for GeoServer, with the same "
        "classes as in QGIS.",
        "fi": "**SLD-tyylit** (.zip): jokaisen tason tyyli SLD-muodossa GeoServerille, "
        "samat luokat kuin QGIS:ssä.",
        "sv": "**SLD-stilar** (.zip): varje lagers stil i SLD-format för GeoServer, med samma "
        "klasser som i QGIS.",
    },
    "export.iso": {
        "en": "**ISO 19139 metadata** (.xml): the record for the city's data catalogue "
        "(GeoNetwork, CKAN, pycsw); add your organisation as point of contact.",
        "fi": "**ISO 19139 -metatiedot** (.xml): kuvailu kaupungin tietokatalogiin (GeoNetwork, "
        "CKAN, pycsw); lisää organisaatiosi yhteystiedoksi.",
        "sv": "**ISO 19139-metadata** (.xml): posten för stadens datakatalog (GeoNetwork, CKAN, "
        "pycsw); lägg till din organisation som kontakt.",
    },
    "export.cog": {
        "en": "The rasters are Cloud-Optimised GeoTIFFs: a web map or QGIS reads only the part "
        "and zoom level it shows.",
        "fi": "Rasterit ovat pilvioptimoituja GeoTIFF-tiedostoja (COG): verkkokartta tai QGIS "
        "lukee vain näyttämänsä osan ja tarkkuuden.",
        "sv": "Rastren är molnoptimerade GeoTIFF (COG): en webbkarta eller QGIS läser bara den "
        "del och zoomnivå den visar.",
    },
    "export.download": {"en": "Download", "fi": "Lataa", "sv": "Ladda ned"},
    "export.postgis": {
        "en": "Publish to PostGIS",
        "fi": "Julkaise PostGIS-tietokantaan",
        "sv": "Publicera i PostGIS",
    },
    "export.postgis.intro": {
        "en": "**PostGIS**: copies every layer into one schema of the city's database in one "
        "step (all or nothing), with QGIS and GeoServer styles; tables it did not write are "
        "never touched.",
        "fi": "**PostGIS**: kopioi kaikki tasot kaupungin tietokannan yhteen skeemaan yhdellä "
        "kertaa (kaikki tai ei mitään) QGIS- ja GeoServer-tyyleineen; muihin tauluihin ei "
        "kosketa.",
        "sv": "**PostGIS**: kopierar alla lager till ett schema i stadens databas i ett steg "
        "(allt eller inget), med stilar för QGIS och GeoServer; andra tabeller rörs aldrig.",
    },
    "export.postgis.dsn": {
        "en": "Database (postgresql://user@host/db, host=... dbname=..., or a service name)",
        "fi": "Tietokanta (postgresql://käyttäjä@palvelin/kanta, host=... dbname=... tai "
        "palvelun nimi)",
        "sv": "Databas (postgresql://användare@värd/db, host=... dbname=... eller ett tjänstnamn)",
    },
    "export.postgis.schema": {"en": "Schema", "fi": "Skeema", "sv": "Schema"},
    "export.postgis.password": {
        "en": "Password (not stored; leave empty to use ~/.pgpass)",
        "fi": "Salasana (ei tallenneta; jätä tyhjäksi, jos käytät ~/.pgpass-tiedostoa)",
        "sv": "Lösenord (sparas inte; lämna tomt för ~/.pgpass)",
    },
    "export.postgis.go": {"en": "Publish", "fi": "Julkaise", "sv": "Publicera"},
    "export.postgis.done": {
        "en": "Wrote {tables} tables ({rows} rows) and {styles} styles into schema "
        "{schema} of {where}.",
        "fi": "Kirjoitettiin {tables} taulua ({rows} riviä) ja {styles} tyyliä skeemaan "
        "{schema} ({where}).",
        "sv": "Skrev {tables} tabeller ({rows} rader) och {styles} stilar i schemat {schema} "
        "({where}).",
    },
    # --- the map drawn in the browser ------------------------------------------------------
    "map.streets": {"en": "Streets", "fi": "Kadut", "sv": "Gator"},
    "map.areas": {"en": "Areas", "fi": "Alueet", "sv": "Områden"},
    "map.overlays": {"en": "On top", "fi": "Päällä", "sv": "Överst"},
    "map.none": {"en": "none", "fi": "ei mitään", "sv": "inget"},
    "map.basemap": {
        "en": "Basemap (buildings, water, parks, street names)",
        "fi": "Taustakartta (rakennukset, vesi, puistot, kadunnimet)",
        "sv": "Bakgrundskarta (byggnader, vatten, parker, gatunamn)",
    },
    "map.label": {"en": "Map", "fi": "Kartta", "sv": "Karta"},
    "map.zoom_in": {"en": "Zoom in", "fi": "Lähennä", "sv": "Zooma in"},
    "map.zoom_out": {"en": "Zoom out", "fi": "Loitonna", "sv": "Zooma ut"},
    "map.search": {
        "en": "Find a street, district or park on the map",
        "fi": "Hae kartalta katua, kaupunginosaa tai puistoa",
        "sv": "Sök en gata, stadsdel eller park på kartan",
    },
    "map.search_placeholder": {
        "en": "Find a street or district",
        "fi": "Hae katu tai kaupunginosa",
        "sv": "Sök gata eller stadsdel",
    },
    "map.search_clear": {"en": "Clear the search", "fi": "Tyhjennä haku", "sv": "Rensa sökningen"},
    "map.search_none": {"en": "No match", "fi": "Ei osumia", "sv": "Inga träffar"},
    "map.search_results": {
        "en": "{n} found: arrow keys to choose, Enter to pick",
        "fi": "Löytyi {n}: valitse nuolinäppäimillä, vahvista Enter-näppäimellä",
        "sv": "{n} hittade: välj med piltangenterna, bekräfta med returtangenten",
    },
    "map.kind_street": {"en": "street", "fi": "katu", "sv": "gata"},
    "map.kind_district": {"en": "district", "fi": "kaupunginosa", "sv": "stadsdel"},
    "map.kind_area": {"en": "area", "fi": "alue", "sv": "område"},
    "map.kind_park": {"en": "park or square", "fi": "puisto tai aukio", "sv": "park eller torg"},
    "map.kind_water": {"en": "water", "fi": "vesi", "sv": "vatten"},
    "map.play": {"en": "Play the day", "fi": "Toista vuorokausi", "sv": "Spela upp dygnet"},
    "map.pause": {"en": "Pause", "fi": "Tauko", "sv": "Paus"},
    "map.no_data": {"en": "no data", "fi": "ei tietoa", "sv": "inga data"},
    "map.suppressed_or_no_data": {
        "en": "suppressed or no data",
        "fi": "salattu tai ei tietoa",
        "sv": "dold eller inga data",
    },
    "map.suppressed_short": {"en": "suppressed", "fi": "salattu", "sv": "dold"},
    "map.suppressed_mix": {
        "en": "suppressed (fewer than {n} dwellings)",
        "fi": "salattu (alle {n} asuntoa)",
        "sv": "dold (färre än {n} bostäder)",
    },
    "map.suppressed_incidents": {
        "en": "suppressed (fewer than {k} incidents) or no data",
        "fi": "salattu (alle {k} tapahtumaa) tai ei tietoa",
        "sv": "dold (färre än {k} händelser) eller inga data",
    },
    "map.weights_zero": {
        "en": "All weights are 0: the safe-space score is undefined. "
        "Give at least one family a weight in the sidebar.",
        "fi": "Kaikki painot ovat 0: turvallisuuspisteitä ei voi laskea. "
        "Anna ainakin yhdelle osa-alueelle paino sivupalkissa.",
        "sv": "Alla vikter är 0: trygghetsvärdet är odefinierat. "
        "Ge minst en del en vikt i sidopanelen.",
    },
    "map.synthetic_mark": {"en": "SYNTHETIC", "fi": "SYNTEETTINEN", "sv": "SYNTETISK"},
    "map.synthetic_note": {
        "en": "SYNTHETIC demo data: {layers}",
        "fi": "SYNTEETTISTÄ esittelyaineistoa: {layers}",
        "sv": "SYNTETISKA demodata: {layers}",
    },
    "map.profile": {
        "en": "Eyes on the street through the day (0-100)",
        "fi": "Katujen silmät vuorokauden aikana (0-100)",
        "sv": "Ögon på gatan under dygnet (0-100)",
    },
    "map.at_hour": {
        "en": "Numbers at {hour}:00 (the map's hour).",
        "fi": "Luvut klo {hour} (kartan tunti).",
        "sv": "Siffror kl. {hour} (kartans timme).",
    },
    "panel.dark_path": {"en": "Dark path", "fi": "Pimeä polku", "sv": "Mörk stig"},
    "panel.dark_subtitle": {
        "en": "Dark path no. {rank} (1 = darkest) in {space}",
        "fi": "Pimeä polku nro {rank} (1 = pimein): {space}",
        "sv": "Mörk stig nr {rank} (1 = mörkast) i {space}",
    },
    "panel.hotspot": {
        "en": "Gi* hot spot class",
        "fi": "Gi*-kuumapisteluokka",
        "sv": "Gi*-klass för heta punkter",
    },
    # --- print -------------------------------------------------------------------------------
    "print.title": {
        "en": "Print or image of this view",
        "fi": "Tuloste tai kuva tästä näkymästä",
        "sv": "Utskrift eller bild av den här vyn",
    },
    "print.help": {
        "en": "A page with title, legend, scale bar, north arrow, date and data sources, "
        "of the map's current view, hour and layers.",
        "fi": "Sivu, jossa on otsikko, selite, mittakaava, pohjoisnuoli, päiväys ja aineistojen "
        "lähteet, kartan nykyisestä näkymästä, tunnista ja tasoista.",
        "sv": "En sida med rubrik, teckenförklaring, skalstock, nordpil, datum och datakällor, "
        "av kartans aktuella vy, timme och lager.",
    },
    "print.format": {"en": "Format", "fi": "Muoto", "sv": "Format"},
    "print.make": {"en": "Make the page", "fi": "Tee sivu", "sv": "Gör sidan"},
    "print.download": {
        "en": "Download the {fmt}",
        "fi": "Lataa {fmt}-tiedosto",
        "sv": "Ladda ner {fmt}-filen",
    },
    "print.no_layer": {
        "en": "Show a layer on the map first.",
        "fi": "Näytä ensin jokin taso kartalla.",
        "sv": "Visa först ett lager på kartan.",
    },
}
