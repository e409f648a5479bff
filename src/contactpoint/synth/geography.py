"""Synthetic places: real English local authorities, made-up streets and postcodes.

Local authorities carry their real ONS codes and names (public reference data, so the
feeds can be grouped and routed as in production). Everything below them is made up:
postcode districts take the authority's real postcode area letters with district
numbers from 60 upwards (valid format, mostly outside the real ranges), streets are
composed from common English street-name words, and phone numbers come from the
ranges Ofcom reserves for drama, so no address or number belongs to anyone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from contactpoint.synth.seeding import below, between, pick, stream

# Ofcom drama ranges: 1,000 numbers each, never allocated to a real line.
MOBILE_PREFIX = "07700 900"
NATIONAL_DRAMA_PREFIX = "01632 960"


@dataclass(frozen=True)
class LocalAuthority:
    """An English local authority (real code and name) and how its children live."""

    code: str
    name: str
    council: str
    dfe_number: int  # DfE LA number: the first three digits of the UPNs it issues
    areas: tuple[str, ...]  # postcode area letters
    towns: tuple[str, ...]
    weight: float  # relative number of children
    phone_prefix: str  # drama range: prefix + 3 digits
    police: str
    sends_social_care: bool  # whether its children's social care system feeds the index
    culture_boost: dict[str, float] = field(default_factory=dict)


def _la(code: str, name: str, council: str, dfe_number: int, areas: tuple[str, ...],  # noqa: PLR0917  (the table below reads as rows)
        towns: tuple[str, ...], weight: float, phone_prefix: str, police: str,
        sends_social_care: bool, **boost: float) -> LocalAuthority:
    return LocalAuthority(code, name, council, dfe_number, areas, towns, weight, phone_prefix,
                          police, sends_social_care, culture_boost=boost)


# fmt: off
LOCAL_AUTHORITIES: tuple[LocalAuthority, ...] = (
    _la("E08000035", "Leeds", "Leeds City Council", 383, ("LS",), ("Leeds",), 170,
        "0113 496 0", "West Yorkshire Police", True, pakistani=1.5, polish=1.5, romanian=1.5),
    _la("E08000025", "Birmingham", "Birmingham City Council", 330, ("B",), ("Birmingham",), 290,
        "0121 496 0", "West Midlands Police", True, pakistani=4, bangladeshi=2, caribbean=2.5,
        somali=2.5, indian=1.5, arabic=1.5),
    _la("E08000003", "Manchester", "Manchester City Council", 352, ("M",), ("Manchester",), 130,
        "0161 496 0", "Greater Manchester Police", True, pakistani=2.5, nigerian=2, somali=2,
        arabic=2.5, chinese=2, caribbean=1.5),
    _la("E08000006", "Salford", "Salford City Council", 355, ("M",), ("Salford",), 60,
        "0161 496 0", "Greater Manchester Police", True, polish=1.5, nigerian=1.5),
    _la("E08000012", "Liverpool", "Liverpool City Council", 341, ("L",), ("Liverpool",), 95,
        "0151 496 0", "Merseyside Police", False, irish=2, chinese=2, somali=1.5, arabic=1.5),
    _la("E08000019", "Sheffield", "Sheffield City Council", 373, ("S",), ("Sheffield",), 115,
        "0114 496 0", "South Yorkshire Police", True, pakistani=2, somali=2, arabic=2, romanian=2),
    _la("E08000032", "Bradford", "City of Bradford Metropolitan District Council", 380, ("BD",),
        ("Bradford", "Keighley", "Shipley"), 130, NATIONAL_DRAMA_PREFIX, "West Yorkshire Police",
        False, pakistani=7, bangladeshi=1.5, polish=1.5),
    _la("E08000021", "Newcastle upon Tyne", "Newcastle City Council", 391, ("NE",),
        ("Newcastle upon Tyne",), 60, "0191 498 0", "Northumbria Police", False, arabic=1.5,
        bangladeshi=1.5, chinese=1.5),
    _la("E08000024", "Sunderland", "Sunderland City Council", 394, ("SR",), ("Sunderland",), 55,
        "0191 498 0", "Northumbria Police", False),
    _la("E06000023", "Bristol, City of", "Bristol City Council", 801, ("BS",), ("Bristol",), 95,
        "0117 496 0", "Avon and Somerset Police", True, somali=4, caribbean=2, polish=1.5),
    _la("E06000018", "Nottingham", "Nottingham City Council", 892, ("NG",), ("Nottingham",), 65,
        "0115 496 0", "Nottinghamshire Police", False, caribbean=2.5, pakistani=2, romanian=1.5),
    _la("E06000016", "Leicester", "Leicester City Council", 856, ("LE",), ("Leicester",), 75,
        "0116 496 0", "Leicestershire Police", True, indian=8, somali=3, polish=1.5),
    _la("E08000026", "Coventry", "Coventry City Council", 331, ("CV",), ("Coventry",), 80,
        NATIONAL_DRAMA_PREFIX, "West Midlands Police", False, indian=2.5, polish=2, nigerian=1.5),
    _la("E06000010", "Kingston upon Hull, City of", "Hull City Council", 810, ("HU",), ("Hull",),
        57, NATIONAL_DRAMA_PREFIX, "Humberside Police", True, polish=2, lithuanian=3),
    _la("E06000021", "Stoke-on-Trent", "Stoke-on-Trent City Council", 861, ("ST",),
        ("Stoke-on-Trent",), 55, NATIONAL_DRAMA_PREFIX, "Staffordshire Police", False,
        pakistani=2, romanian=2),
    _la("E06000045", "Southampton", "Southampton City Council", 852, ("SO",), ("Southampton",),
        50, NATIONAL_DRAMA_PREFIX, "Hampshire and Isle of Wight Constabulary", False, polish=3,
        indian=1.5),
    _la("E06000043", "Brighton and Hove", "Brighton and Hove City Council", 846, ("BN",),
        ("Brighton", "Hove"), 50, NATIONAL_DRAMA_PREFIX, "Sussex Police", False, iberian=2),
    _la("E06000015", "Derby", "Derby City Council", 831, ("DE",), ("Derby",), 55,
        NATIONAL_DRAMA_PREFIX, "Derbyshire Constabulary", False, pakistani=2.5, indian=2,
        polish=1.5),
    _la("E06000014", "York", "City of York Council", 816, ("YO",), ("York",), 35,
        NATIONAL_DRAMA_PREFIX, "North Yorkshire Police", False, chinese=1.5),
    _la("E09000030", "Tower Hamlets", "London Borough of Tower Hamlets", 211, ("E",),
        ("London",), 75, "020 7946 0", "Metropolitan Police Service", True, bangladeshi=20,
        somali=2, english=0.6),
    _la("E09000025", "Newham", "London Borough of Newham", 316, ("E",), ("London",), 90,
        "020 7946 0", "Metropolitan Police Service", False, bangladeshi=6, indian=3,
        pakistani=2.5, nigerian=2.5, romanian=3, lithuanian=3, english=0.5),
    _la("E09000008", "Croydon", "London Borough of Croydon", 306, ("CR",), ("Croydon",), 95,
        "020 7946 0", "Metropolitan Police Service", True, caribbean=4, nigerian=2, ghanaian=4,
        iberian=1.5),
    _la("E09000005", "Brent", "London Borough of Brent", 304, ("NW", "HA"), ("London", "Wembley"),
        75, "020 7946 0", "Metropolitan Police Service", False, indian=4, somali=3, romanian=4,
        caribbean=2, arabic=2, english=0.5),
    _la("E09000002", "Barking and Dagenham", "London Borough of Barking and Dagenham", 301,
        ("RM", "IG"), ("Dagenham", "Barking"), 60, "020 7946 0", "Metropolitan Police Service",
        False, nigerian=5, lithuanian=4, romanian=3, bangladeshi=2, ghanaian=2),
    _la("E08000031", "Wolverhampton", "City of Wolverhampton Council", 336, ("WV",),
        ("Wolverhampton",), 60, NATIONAL_DRAMA_PREFIX, "West Midlands Police", False, indian=5,
        caribbean=2.5, polish=1.5),
    _la("E10000016", "Kent", "Kent County Council", 886, ("ME", "CT", "TN"),
        ("Maidstone", "Canterbury", "Tunbridge Wells", "Ashford", "Margate", "Gravesend"), 330,
        NATIONAL_DRAMA_PREFIX, "Kent Police", True, romanian=1.5, turkish=1.5, lithuanian=1.5),
    _la("E06000052", "Cornwall", "Cornwall Council", 908, ("TR", "PL"),
        ("Truro", "Penzance", "Newquay", "St Austell", "Bodmin"), 105, NATIONAL_DRAMA_PREFIX,
        "Devon and Cornwall Police", False, english=1.6),
    _la("E06000042", "Milton Keynes", "Milton Keynes City Council", 826, ("MK",),
        ("Milton Keynes",), 65, NATIONAL_DRAMA_PREFIX, "Thames Valley Police", True,
        nigerian=2.5, ghanaian=2, indian=1.5, polish=1.5),
    _la("E06000038", "Reading", "Reading Borough Council", 870, ("RG",), ("Reading",), 38,
        "0118 496 0", "Thames Valley Police", False, indian=2, pakistani=2, polish=2),
    _la("E06000044", "Portsmouth", "Portsmouth City Council", 851, ("PO",), ("Portsmouth",), 45,
        NATIONAL_DRAMA_PREFIX, "Hampshire and Isle of Wight Constabulary", False,
        bangladeshi=1.5, chinese=1.5),
)
# fmt: on

_STREET_WORDS = [
    "Victoria",
    "Albert",
    "Church",
    "Park",
    "Mill",
    "Station",
    "Queens",
    "Kings",
    "Manor",
    "Chapel",
    "Oak",
    "Elm",
    "Ash",
    "Beech",
    "Willow",
    "Highfield",
    "Westfield",
    "Grange",
    "Moor",
    "Springfield",
    "Woodland",
    "Meadow",
    "Orchard",
    "Windsor",
    "York",
    "Clarence",
    "Cross",
    "Green",
    "Brook",
    "Lime",
    "Cedar",
    "Hawthorn",
    "Holly",
    "Rose",
    "Laurel",
    "Sycamore",
    "Chestnut",
    "Poplar",
    "Rowan",
    "Maple",
    "Heather",
    "Fern",
    "Mount",
    "Alexandra",
    "Stanley",
    "Nelson",
    "Wellington",
    "Peel",
    "Cromwell",
    "Gladstone",
    "Shakespeare",
    "Milton",
    "Byron",
    "Tennyson",
    "Bridge",
    "Canal",
    "Railway",
    "Water",
    "North",
    "South",
    "East",
    "West",
    "Back",
    "New",
    "Old",
    "High",
    "School",
    "Castle",
    "Abbey",
    "Priory",
    "Cemetery",
    "Market",
    "Hall",
    "Vicarage",
    "Rectory",
    "Farm",
    "Garden",
    "Hollin",
    "Fountain",
    "Princess",
    "Regent",
    "Albion",
    "Stafford",
    "Oxford",
    "Cambridge",
    "Warwick",
    "Lancaster",
    "Devonshire",
    "Marlborough",
    "Norfolk",
    "Richmond",
    "Hamilton",
    "Beaconsfield",
    "Belgrave",
    "Cavendish",
    "Elmfield",
    "Fairfield",
    "Greenhill",
    "Hillside",
    "Kingsway",
    "Lowther",
    "Moorland",
    "Northfield",
    "Oakwood",
    "Parkside",
    "Riverside",
    "Southfield",
    "Thornhill",
    "Valley",
    "Woodside",
    "Ashgrove",
    "Beechwood",
    "Briar",
    "Coronation",
    "Jubilee",
    "Heath",
    "Hazel",
    "Larch",
    "Primrose",
    "Sandy",
    "Spring",
    "Summer",
    "Well",
    "Wood",
]
_STREET_TYPES = (
    ("Street", 14),
    ("Road", 22),
    ("Lane", 8),
    ("Avenue", 7),
    ("Close", 9),
    ("Drive", 7),
    ("Crescent", 5),
    ("Grove", 5),
    ("Way", 5),
    ("Gardens", 4),
    ("Terrace", 4),
    ("Place", 3),
    ("Court", 3),
    ("Mews", 2),
    ("View", 2),
    ("Rise", 2),
    ("Walk", 2),
    ("Square", 1),
)
_BUILDINGS = """Marlborough House|Cedar Court|Victoria Mansions|Park View|Riverside Apartments|
Jubilee Court|Kingsley House|Mill House|The Maltings|Beech Court|Albion Works|Chapel Mews|
Sovereign House|Wellington Court|St John's Court|Highfield House|Lime Tree Court""".replace(
    "\n", ""
).split("|")
_PLACE_PARTS = (
    """Ash Oak Elm Birch Brook Thorn Haw Kings Queens Bar Bur Far Fen Hol Hun Mar Mor Nor Red
    Sal Stan Sut Wal Wes Whit Win Wood Rad Pen Chad Clay Cran Dal Eden Fair Gold Green Har
    Alder Beck Black Bram Brad Brig Crook Cold Dean East Frog Gos Hard Heath Kirk Lang Lid Long
    Mid Mill New Old Over Rook Rose Sand Shaw Sheep Stock Stone Swan Thorn Tod West Wheat Wild""",
    """field wood ley ton hill bank gate side dale holme croft moor green well park vale lea
    hurst thorpe bury by stead""",
)
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in the inward code


@dataclass(frozen=True)
class Street:
    name: str
    postcodes: tuple[str, ...]  # postcode of house numbers 1-30, 31-60, ...
    locality: str | None


@dataclass(frozen=True)
class District:
    """A postcode district: a neighbourhood whose children share schools and GPs."""

    index: int
    outward: str
    authority: LocalAuthority
    town: str
    neighbourhoods: tuple[str, ...]
    streets: tuple[Street, ...]


class Address:
    """A home: where a household lives (or lived), as a source would record it."""

    __slots__ = ("_lines", "district", "flat", "house_number", "postcode", "street", "uprn")

    def __init__(self, district: District, street_index: int, house_number: int, flat: int) -> None:
        self.district = district
        self.street = district.streets[street_index]
        self.house_number = house_number
        self.flat = flat
        self.postcode = self.street.postcodes[min((house_number - 1) // 30, 3)]
        self.uprn = f"9{district.index:03d}{street_index:03d}{house_number:03d}{flat:02d}"
        street_line = f"{house_number} {self.street.name}"
        lines = (f"Flat {flat}", street_line) if flat else (street_line,)
        self._lines = (*lines, self.street.locality) if self.street.locality else lines

    def lines(self) -> list[str]:
        return list(self._lines)


def _place_names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    prefixes, suffixes = (part.split() for part in _PLACE_PARTS)
    names: list[str] = []
    while len(names) < count:
        name = pick(rng, prefixes) + pick(rng, suffixes)
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _streets(rng: random.Random, outward: str, neighbourhoods: list[str]) -> tuple[Street, ...]:
    types = [kind for kind, _ in _STREET_TYPES]
    weights = [weight for _, weight in _STREET_TYPES]
    names: set[str] = set()
    while len(names) < 120:
        names.add(f"{pick(rng, _STREET_WORDS)} {rng.choices(types, weights)[0]}")
    chosen = [_inward_code(number) for number in rng.sample(range(_INWARD_CODES), 4 * len(names))]
    return tuple(
        Street(
            name=name,
            postcodes=tuple(f"{outward} {unit}" for unit in chosen[4 * i : 4 * i + 4]),
            locality=pick(rng, neighbourhoods) if rng.random() < 0.3 else None,
        )
        for i, name in enumerate(sorted(names))
    )


_INWARD_CODES = 9 * len(POSTCODE_UNIT_LETTERS) ** 2


def _inward_code(number: int) -> str:
    """Sector 1-9 and two unit letters (the part of a postcode after the space)."""
    sector, unit = divmod(number, len(POSTCODE_UNIT_LETTERS) ** 2)
    first, second = divmod(unit, len(POSTCODE_UNIT_LETTERS))
    return f"{sector + 1}{POSTCODE_UNIT_LETTERS[first]}{POSTCODE_UNIT_LETTERS[second]}"


def build_districts(seed: int) -> tuple[District, ...]:
    """Every postcode district, grouped by authority: same seed, same districts."""
    rng = stream(seed, "geography")
    next_number: dict[str, int] = {}
    taken_places: set[str] = set()
    districts: list[District] = []
    for authority in LOCAL_AUTHORITIES:
        for i in range(max(4, round(authority.weight / 10))):
            area = authority.areas[i % len(authority.areas)]
            number = next_number.get(area, 60)
            next_number[area] = number + 1
            outward = f"{area}{number}"
            neighbourhoods = _place_names(rng, 3, taken_places)
            districts.append(
                District(
                    index=len(districts),
                    outward=outward,
                    authority=authority,
                    town=authority.towns[i % len(authority.towns)],
                    neighbourhoods=tuple(neighbourhoods),
                    streets=_streets(rng, outward, neighbourhoods),
                )
            )
    return tuple(districts)


def random_address(district: District, rng: random.Random) -> Address:
    """A home in the district; about one in six is a flat."""
    flat = between(rng, 1, 24) if rng.random() < 0.17 else 0
    return Address(
        district, below(rng, len(district.streets)), 1 + int(rng.random() ** 1.6 * 119), flat
    )


def building_name(address: Address) -> str:
    return _BUILDINGS[(address.house_number + address.flat) % len(_BUILDINGS)]


def drama_phone(prefix: str, rng: random.Random) -> str:
    return f"{prefix}{below(rng, 1000):03d}"
