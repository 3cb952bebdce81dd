"""Reference data (Python, deterministic): the catalog, dictionary, deals and territories, and their CSVs."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viewership import schema
from viewership.generator.profiles import SHOW_NAMES, WORDS


@dataclass(frozen=True)
class Catalog:
    series: list[dict[str, Any]]
    episodes: list[dict[str, Any]]
    metadata: list[dict[str, Any]]
    dictionary: list[dict[str, Any]]
    deals: list[dict[str, Any]]
    territories: list[dict[str, Any]]


def _series_code(index: int, name: str, used: set[str]) -> str:
    letters = "".join(w[0] for w in name.replace("The ", "").split() if w[0].isalpha()).upper()
    code = (letters + "XX")[:2]
    n = 0
    while code in used:
        n += 1
        second = chr(65 + n) if n <= 5 else chr(65 + (index + n) % 26) + chr(65 + n % 26)
        code = f"{letters[:1]}{second}"
    used.add(code)
    return code


def build_catalog(episodes: int, seed: int) -> Catalog:
    """A consistent catalog with about ``episodes`` episode assets."""
    rng = random.Random(seed)
    n_series = max(10, episodes // 500)
    per_series = max(1, episodes // n_series)
    series: list[dict[str, Any]] = []
    eps: list[dict[str, Any]] = []
    meta: list[dict[str, Any]] = []
    dictionary: list[dict[str, Any]] = []
    used: set[str] = set()
    for s in range(n_series):
        base = SHOW_NAMES[s % len(SHOW_NAMES)]
        name = base if s < len(SHOW_NAMES) else f"{base} {s // len(SHOW_NAMES) + 1}"
        code = _series_code(s, name, used)
        inactive = s % 10 == 2  # ~10% of series inactive (their rows must end unmatched)
        status = "Inactive" if inactive else ("Active", "active", "ACTIVE")[s % 3]
        spanish = f"El Show de {name}" if s % 2 else ""
        titles = f"{name}-en, {spanish}-es" if spanish else f"{name}-en"
        series.append({"id": s + 1, "titles": titles, "content_provider": ("NBC", "Nosey Originals",
                       "Fox First Run")[s % 3], "series_code": code, "status": status})
        for alias in (name, f"{name} (LAS)", f"{name} (dubbed) (LAS)"):
            dictionary.append({"entry": alias, "series": name})
        # seasons of up to 120 episodes, so 5-digit ref_ids (S17E111 -> 17111) contain 4-digit ones (1711)
        for k in range(per_series):
            season, episode = 1 + k // 120, 1 + k % 120
            ref_id = f"{code}-{season:02d}{episode:02d}" if episode < 100 else f"{code}-{season:02d}{episode:03d}"
            words = rng.sample(WORDS, 4)
            title = f"{words[0]} {words[1]} {words[2]}{rng.choice(['!', '?', '.', ''])} {words[3]} {k}"
            eps.append({"ref_id": ref_id, "series_id": s + 1, "episode": episode, "season": season,
                        "title": title, "series_name": name, "is_active": not inactive, "code": code})
            clean = title.replace("!", "").replace("?", "")
            meta.append({"ref_id": ref_id, "title": title, "clean_title": clean})
            if k % 7 == 0:  # a second metadata row for some assets (several titles per ref_id)
                meta.append({"ref_id": ref_id, "title": f"{title} (Extended)", "clean_title": None})
    deals = [
        {"platform": "Tubi", "domain": "Distribution Partners", "platform_partner_name": "Tubi",
         "platform_channel_name": None, "platform_territory": None, "deal_parent": 101, "internal_partner": "Tubi",
         "internal_channel": "Nosey", "internal_territory": "United States", "internal_channel_id": 8,
         "internal_territory_id": 1, "active": True},
        {"platform": "Roku", "domain": "Distribution Partners", "platform_partner_name": "Roku",
         "platform_channel_name": None, "platform_territory": "United States", "deal_parent": 201,
         "internal_partner": "Roku", "internal_channel": "Nosey", "internal_territory": "United States",
         "internal_channel_id": 8, "internal_territory_id": 1, "active": True},
        {"platform": "Roku", "domain": "Distribution Partners", "platform_partner_name": "Roku",
         "platform_channel_name": None, "platform_territory": "Canada", "deal_parent": 202,
         "internal_partner": "Roku", "internal_channel": "Nosey", "internal_territory": "Canada",
         "internal_channel_id": 8, "internal_territory_id": 2, "active": True},
        {"platform": "Pluto", "domain": "Distribution Partners", "platform_partner_name": "Pluto",
         "platform_channel_name": None, "platform_territory": None, "deal_parent": 301,
         "internal_partner": "Pluto TV", "internal_channel": "Nosey", "internal_territory": "United States",
         "internal_channel_id": 8, "internal_territory_id": 1, "active": True},
        {"platform": "Pluto", "domain": "Distribution Partners", "platform_partner_name": "Pluto",
         "platform_channel_name": None, "platform_territory": "Latin America", "deal_parent": 302,
         "internal_partner": "Pluto TV", "internal_channel": "Nosey Escandalos",
         "internal_territory": "Latin America", "internal_channel_id": 13, "internal_territory_id": 3,
         "active": True},
        {"platform": "Xumo", "domain": "Distribution Partners", "platform_partner_name": "Xumo",
         "platform_channel_name": None, "platform_territory": None, "deal_parent": 501, "internal_partner": "Xumo",
         "internal_channel": "Nosey", "internal_territory": "United States", "internal_channel_id": 8,
         "internal_territory_id": 1, "active": True},
        {"platform": "Amagi", "domain": "Distribution Partners", "platform_partner_name": "Amagi",
         "platform_channel_name": None, "platform_territory": None, "deal_parent": 701, "internal_partner": "Amagi",
         "internal_channel": "Nosey", "internal_territory": "United States", "internal_channel_id": 8,
         "internal_territory_id": 1, "active": True},
        {"platform": "Youtube", "domain": "Owned and Operated", "platform_partner_name": "YouTube",
         "platform_channel_name": None, "platform_territory": None, "deal_parent": 601,
         "internal_partner": "YouTube", "internal_channel": "Nosey", "internal_territory": "United States",
         "internal_channel_id": 8, "internal_territory_id": 1, "active": True},
        {"platform": "Youtube", "domain": "Owned and Operated", "platform_partner_name": "YouTube",
         "platform_channel_name": None, "platform_territory": "Mexico", "deal_parent": 602,
         "internal_partner": "YouTube", "internal_channel": "Nosey", "internal_territory": "Mexico",
         "internal_channel_id": 8, "internal_territory_id": 5, "active": False},
    ]
    territories = [
        {"id": 1, "name": "US", "active": True}, {"id": 1, "name": "United States", "active": True},
        {"id": 1, "name": "USA", "active": False}, {"id": 2, "name": "CA", "active": True},
        {"id": 2, "name": "Canada", "active": True}, {"id": 3, "name": "LATAM", "active": True},
        {"id": 3, "name": "Latin America", "active": True}, {"id": 5, "name": "MX", "active": True},
        {"id": 5, "name": "Mexico", "active": True},
    ]
    return Catalog(series, eps, meta, dictionary, deals, territories)


REFERENCE_FILES: dict[str, tuple[schema.Table, str]] = {
    t.csv_name: (t, attr)
    for t, attr in (
        (schema.CATALOG_SERIES, "series"),
        (schema.CATALOG_EPISODE, "episodes"),
        (schema.CATALOG_METADATA, "metadata"),
        (schema.INTERNAL_SERIES, "dictionary"),
        (schema.ACTIVE_DEALS, "deals"),
        (schema.TERRITORIES, "territories"),
    )
    if t.csv_name
}


def write_reference(catalog: Catalog, out_dir: Path) -> dict[str, Path]:
    """Write the six reference CSVs (empty cell = NULL), in the shared fixtures' format."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for csv_name, (table, attr) in REFERENCE_FILES.items():
        path = out_dir / csv_name
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.column_names)
            for row in getattr(catalog, attr):
                writer.writerow(["" if row.get(c) is None else row.get(c) for c in table.column_names])
        paths[csv_name] = path
    return paths
