"""The partner file shapes the generator imitates, and the words it builds titles from."""

from __future__ import annotations

from dataclasses import dataclass

SHOW_NAMES = (
    "Maury", "Karamo", "Steve Harvey", "The Jerry Springer Show", "Judge Dad", "The Steve Wilkos Show",
    "Judge Mom", "The People's Court", "Divorce Court", "Judge Karen's Court", "Paternity Court",
    "Couples Court", "Lauren Lake", "Cheaters", "Relative Justice", "Hot Bench", "Judge Jerry",
    "Operation Repo", "Caught in Providence", "Justice for the People",
)
WORDS = (
    "Secret", "Dad", "Baby", "Mama", "Lies", "Truth", "Cheating", "Wedding", "Betrayal", "Sister", "Money",
    "Revenge", "Paternity", "Test", "Results", "Shocking", "Reunion", "Confession", "Family", "Drama",
    "Best", "Friend", "Ex", "Husband", "Wife", "Twins", "Years", "Waited", "Caught", "Camera", "Love",
    "Triangle", "Mother-in-Law", "Landlord", "Neighbor", "Stolen", "Car", "Wig", "Phone", "Party",
)


@dataclass(frozen=True)
class FileProfile:
    """How one platform delivers a file (mirrors the real partner layouts of DOMAIN §9)."""

    key: str
    platform: str
    partner: str
    filename: str  # {period} and {territory} placeholders
    grain: str  # daily | weekly | monthly | quarterly
    data_type: str
    territories: tuple[str | None, ...]
    weight: int


PROFILES: tuple[FileProfile, ...] = (
    # Tubi VOD revenue: monthly by month name, PARTNER ID = ref_id, `S03:E140 - ` title prefix.
    FileProfile("tubi", "Tubi", "Tubi", "tubi_vod_{period}.csv", "monthly", "Revenue", (None,), 30),
    # Roku wide-by-date files already reshaped to one row per title x day; content id often blank.
    FileProfile("roku", "Roku", "Roku", "Roku Nosey Data {territory} {period}.csv", "daily", "Viewership",
                ("United States", "Canada"), 30),
    # Pluto quarterly revenue statements as the loader writes them: split into the quarter's three months
    # (month names), Spanish (LAS) series variants, no content id.
    FileProfile("pluto", "Pluto", "Pluto", "Pluto {territory} Revenue {period}.csv", "quarter_split", "Revenue",
                ("Latin America", None), 12),
    # Amagi quarterly viewership: quarter only (no month, no date), series + season/episode + exact titles.
    FileProfile("amagi", "Amagi", "Amagi", "Amagi_{period}.csv", "quarterly", "Viewership", (None,), 8),
    # Xumo weekly viewership + revenue: asset_id = ref_id, titles `Series - Season - N - Episode - M`.
    FileProfile("xumo", "Xumo", "Xumo", "xumo_vod_{period}.csv", "weekly", "Viewership_Revenue", (None,), 10),
    # YouTube daily: video titles only (catalog title, or an unmatchable variant).
    FileProfile("youtube", "Youtube", "YouTube", "youtube_daily_{period}.csv", "daily", "Viewership",
                (None,), 15),
)
