"""Messages of the tables: headers with units, the what-if's measures, tenure and
policy-group names, weight presets, inputs (see :mod:`safespaces_app.i18n`)."""

from __future__ import annotations

from collections.abc import Mapping

from safespaces.printing.texts import TEXTS as PRINTED

#: The inputs the printed map names with the app's words (the printed "population grid" is
#: shorter than the app's label), kept once: in :mod:`safespaces.printing.texts`.
SHARED_INPUTS = ("osm", "lamps", "tenure", "incidents", "areas")

TABLE_MESSAGES: Mapping[str, Mapping[str, str]] = {
    **{f"input.{name}": PRINTED[f"input.{name}"] for name in SHARED_INPUTS},
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
        "en": "vs target {target}",
        "fi": "vs. tavoite {target}",
        "sv": "mot målet {target}",
    },
    "col.gap_help": {
        "en": "{group}: the area's share − the target {target}, in percentage points "
        "(+ more than the target, − less).",
        "fi": "{group}: alueen osuus − tavoite {target} prosenttiyksikköinä "
        "(+ enemmän kuin tavoite, − vähemmän).",
        "sv": "{group}: områdets andel − målet {target} i procentenheter "
        "(+ mer än målet, − mindre).",
    },
    "col.mix": {"en": "Tenure mix (0–1)", "fi": "Sekoitus (0–1)", "sv": "Blandning (0–1)"},
    "col.mix_help": {
        "en": "Normalised Shannon entropy of the tenure shares: 0 = a single tenure, "
        "1 = every tenure equally.",
        "fi": "Hallintamuotojen osuuksien normitettu Shannonin entropia: 0 = yksi "
        "hallintamuoto, 1 = kaikkia yhtä paljon.",
        "sv": "Normerad Shannon-entropi för upplåtelseformernas andelar: 0 = en enda "
        "upplåtelseform, 1 = alla lika mycket.",
    },
    "col.km": {"en": "Walking length (km)", "fi": "Kävelyverkkoa (km)", "sv": "Gånglängd (km)"},
    "col.length_share": {
        "en": "Share of the walking length (%)",
        "fi": "Osuus kävelyverkosta (%)",
        "sv": "Andel av gånglängden (%)",
    },
    "col.dark_rank": {"en": "Darkness rank", "fi": "Pimeysjärjestys", "sv": "Mörkerrang"},
    "col.space": {"en": "Park or square", "fi": "Puisto tai aukio", "sv": "Park eller torg"},
    "col.space_kind": {"en": "Kind of space", "fi": "Alueen tyyppi", "sv": "Typ av plats"},
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
        "en": "vs target = the area's share − the target, in percentage points: + means more "
        "of that tenure than the target, − less. – : withheld (see Note) or no value. Click a "
        "header to sort.",
        "fi": "vs. tavoite = alueen osuus − tavoite prosenttiyksikköinä: + tarkoittaa "
        "tavoitetta enemmän kyseistä hallintamuotoa, − vähemmän. – : salattu (ks. Huomautus) "
        "tai ei arvoa. Lajittele napsauttamalla otsikkoa.",
        "sv": "mot målet = områdets andel − målet i procentenheter: + betyder mer av "
        "upplåtelseformen än målet, − mindre. – : undertryckt (se Anmärkning) eller inget "
        "värde. Klicka på en rubrik för att sortera.",
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
    "input.population": {"en": "population", "fi": "väestö", "sv": "befolkning"},
    "data.uploaded": {"en": "uploaded", "fi": "ladattu", "sv": "uppladdad"},
}
