"""Finding a child: the blind index for candidates, the matcher's comparisons to rank them.

A search is turned into a matching profile (folded names, date of birth, gender,
postcode), looked up by the same widened blocking keys an incoming record uses (so a
misspelt or swapped name, a nickname or a day/month slip still finds the child), and
each candidate child's derived record, unsealed with its own key, is compared with the
matcher's comparison levels and weighed with the model in use. Results are ranked best
first; more than the limit is "too many matches" rather than a long list; archived,
purged and merged children are never returned, and a shielded child only for a search
on the fields a shielded record shows (DOMAIN.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import connections, router

from contactpoint.access.permissions import Permission
from contactpoint.access.visibility import ChildFacts, visible_match
from contactpoint.audit import hooks as audit
from contactpoint.crypto.keystore import KeyStore, get_keystore
from contactpoint.db import bulk
from contactpoint.identity.models import BlindIndexEntry, Child, ChildStatus
from contactpoint.identity.normalise import fold
from contactpoint.identity.sealing import open_record
from contactpoint.matching.blocking import dob_initial_keys, dob_key, query_keys
from contactpoint.matching.compare import COMPARISONS, observe, postcode
from contactpoint.matching.configuration import active_configuration, model_of
from contactpoint.matching.model import MatchModel
from contactpoint.matching.profile import SEXES, Profile
from contactpoint.search.criteria import Criteria

#: A child is a match when the fields searched on weigh at least this much together
#: (bits): an exact family name and date of birth weigh about 18, one slip in either
#: about 13, another child born the same day with another name below 5.
MATCH_WEIGHT = 10.0
#: A token held by more children than this narrows nothing (a common name on a common
#: date); the other keys of the search still find the child.
MAX_CHILDREN_PER_TOKEN = 500
#: Comparisons that weigh in a search: what a search can say.
SEARCHED = frozenset({"given_name", "family_name", "names_swapped", "date_of_birth",
                      "household", "sex"})


@dataclass(frozen=True)
class SearchResult:
    matches: list[dict[str, Any]]
    too_many_matches: bool
    #: Every candidate child considered (for the audit trail: what was looked at).
    considered: int


#: How long a process searches with the model it read before asking which is in use: a
#: query per search costs more than the search's own lookups.
MODEL_REFRESH_SECONDS = 30.0
_model_cache: dict[str, Any] = {}


def _model() -> MatchModel:
    now = time.monotonic()
    if _model_cache.get("until", 0.0) <= now:
        config = active_configuration()
        if _model_cache.get("pk") != config.pk:
            _model_cache.update(pk=config.pk, model=model_of(config))
        _model_cache["until"] = now + MODEL_REFRESH_SECONDS
    return _model_cache["model"]


def query_profile(criteria: Criteria) -> Profile:
    return Profile(
        given=tuple(fold(criteria.given_name).split()) if criteria.given_name else (),
        family=tuple(fold(criteria.family_name).split()) if criteria.family_name else (),
        former=(), dob=criteria.date_of_birth,
        sex=criteria.gender if criteria.gender in SEXES else None,
        postcode=criteria.postcode, nhs=None, upn=None, carers=())


def record_profiles(record: dict[str, Any], *, shielded: bool = False) -> list[Profile]:
    """A child's derived record as profiles: its name, and each other name it is known by.

    A shielded child is found only through what its shielded view shows (DOMAIN.md): its
    current name and date of birth, and its gender. Its former and other names, other
    dates of birth, address and carers would each let a search on a hidden fact return
    it, and with it the name it lives under now.
    """
    address = record.get("address") or {}
    gender = record.get("gender")
    if shielded:
        return [Profile(given=tuple(fold(record["name"]["given_names"]).split()),
                        family=tuple(fold(record["name"]["family_name"]).split()),
                        former=(), dob=record["date_of_birth"],
                        sex=gender if gender in SEXES else None, postcode=None, nhs=None,
                        upn=None, carers=())]
    names = [record["name"], *(record.get("other_names") or [])]
    former = tuple(fold(n) for n in record.get("former_family_names") or [])
    dobs = [record["date_of_birth"], *(record.get("other_dates_of_birth") or [])]
    carers = tuple((fold(c.get("given_names") or "").split(" ")[0],
                    fold(c.get("family_name") or "")) for c in record.get("carers") or [])
    return [Profile(given=tuple(fold(n["given_names"]).split()),
                    family=tuple(fold(n["family_name"]).split()), former=former, dob=dob,
                    sex=gender if gender in SEXES else None,
                    postcode=address.get("postcode"), nhs=None, upn=None, carers=carers)
            for n in names for dob in dobs]


#: The level of each comparison at which a searched field says "not this child": a
#: fuzzy search forgives a slip in any field, never a field that plainly disagrees.
_DISAGREES = {"given_name": frozenset({7, 8}), "family_name": frozenset({6}),
              "date_of_birth": frozenset({5}), "sex": frozenset({1})}
_AT = {c.name: i for i, c in enumerate(COMPARISONS)}


def each_criterion_holds(query: Profile, held: Profile, levels: tuple[Any, ...]) -> bool:
    """Every field searched on constrains the result: a family name and postcode with a
    wrong date of birth must not list the household living there."""
    for name, disagree in _DISAGREES.items():
        if levels[_AT[name]] in disagree:
            return False
    # A postcode searched on is the same postcode, sector or district, never elsewhere.
    return query.postcode is None or postcode(query, held) in (0, 1, 2)


def weigh(model: MatchModel, query: Profile, held: Profile) -> float | None:
    """The weight of the fields searched on, or None when one of them disagrees."""
    levels = observe(query, held)
    if not each_criterion_holds(query, held, levels):
        return None
    return sum(model.level_weight(i, level) for i, level in enumerate(levels)
               if level is not None and COMPARISONS[i].name in SEARCHED)


def exact_match(criteria: Criteria, query: Profile, held: Profile) -> bool:
    return ((not query.family or query.family == held.family)
            and (not query.given or query.given == held.given[:len(query.given)])
            and query.dob == held.dob
            and (criteria.postcode is None or criteria.postcode == held.postcode)
            and (criteria.gender is None or criteria.gender == held.sex
                 or criteria.gender not in SEXES))


def search_children(criteria: Criteria, *, keys: KeyStore | None = None,
                    include_shielded: bool = True) -> SearchResult:
    """Ranked matches for checked criteria (search.criteria.parse).

    First by the matcher's blocking keys, which carry a name or an address; only when
    they find no match, the children born on the date searched whose family name starts
    with the same letter (about 8 of them at 1,000,000 children); only when those do
    not match either, every child born that day (about 150). So a family name misspelt
    past its sound is still found, and the many searches whose name finds the child
    never weigh a whole birthday's children.
    """
    keys = keys or get_keystore()
    query = query_profile(criteria)
    index = keys.blind_index
    model = _model()

    def candidates(tokens: set[bytes], seen: set[int]) -> list[tuple[Any, ...]]:
        rows = [r for r in _active_children_holding(tokens) if r[0] not in seen]
        seen |= {r[0] for r in rows}
        if criteria.uses_hidden_fields or not include_shielded:
            rows = [r for r in rows if not r[2]]
        return rows

    seen: set[int] = set()
    passes = [query_keys(query)]
    if not criteria.exact:
        passes += [dob_initial_keys(query), {dob_key(query.dob)}]
    scored: list[tuple[float, str, dict[str, Any], ChildFacts]] = []
    considered = 0
    for keys_of_pass in passes:
        rows = candidates({index.token(*key) for key in keys_of_pass}, seen)
        scored = _score(criteria, query, model, rows, keys)
        considered += len(rows)
        if scored:
            break
    scored.sort(key=lambda s: (-s[0], s[1]))
    if len(scored) > criteria.limit:
        return SearchResult([], True, considered)
    return SearchResult([visible_match(record, facts) for _, _, record, facts in scored],
                        False, considered)


def _score(criteria: Criteria, query: Profile, model: MatchModel, rows: list[tuple[Any, ...]],
           keys: KeyStore) -> list[tuple[float, str, dict[str, Any], ChildFacts]]:
    """The candidate children that match, each unsealed with its own key and weighed."""
    ciphers = keys.child_keys({r[1] for r in rows}) if rows else {}
    scored = []
    for _pk, cp_id, shielded, status, authority, sealed in rows:
        record = open_record(ciphers[cp_id], cp_id, sealed)
        profiles = record_profiles(record, shielded=shielded)
        if criteria.exact:
            if not any(exact_match(criteria, query, p) for p in profiles):
                continue
            weight = 0.0
        else:
            weights = [w for w in (weigh(model, query, p) for p in profiles) if w is not None]
            if not weights or max(weights) < MATCH_WEIGHT:
                continue
            weight = max(weights)
        scored.append((weight, cp_id, record, ChildFacts(cp_id, shielded, status, authority)))
    return scored


def _active_children_holding(tokens: set[bytes]) -> list[tuple[Any, ...]]:
    """Active children holding any of these tokens, with what a search reads of them: in
    one round trip (a search waits on the database more than it computes). A token held
    by more than MAX_CHILDREN_PER_TOKEN children narrows nothing and is ignored."""
    if not tokens:
        return []
    index, child = BlindIndexEntry, Child._meta
    connection = connections[router.db_for_read(Child)]
    qn = connection.ops.quote_name
    # A search's few dozen tokens are well under SQLite's parameter limit.
    match, params = bulk.one_of(connection, sorted(tokens))
    # Only identifiers are formatted in, and only from these two models' metadata (a
    # fixed, internal set); the tokens, the limit and the status go as parameters.
    entries, children = qn(index._meta.db_table), qn(child.db_table)
    token, holder = qn(bulk.column_of(index, "token")), qn(bulk.column_of(index, "child"))
    sql = (
        f"WITH hits AS (SELECT {token} AS token, {holder} AS child FROM {entries} "  # noqa: S608  (identifiers only)
        f"WHERE {token} {match}), "
        "narrow AS (SELECT token FROM hits GROUP BY token HAVING count(DISTINCT child) <= %s) "
        "SELECT c.id, c.contactpoint_id, c.shielded, c.status, c.local_authority_id, c.record "
        f"FROM {children} c WHERE c.id IN (SELECT child FROM hits WHERE token IN "
        "(SELECT token FROM narrow)) AND c.status = %s AND c.record IS NOT NULL "
        "ORDER BY c.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, MAX_CHILDREN_PER_TOKEN, ChildStatus.ACTIVE])
        return [(pk, cp_id, shielded, status, authority, bytes(record))
                for pk, cp_id, shielded, status, authority, record in cursor.fetchall()]


def search_for(user: Any, criteria: Criteria, *, keys: KeyStore | None = None) -> SearchResult:
    """A person's search: their permission checked, the search and its results audited."""
    from contactpoint.access.authorise import authorise  # noqa: PLC0415  (one rule, one place)

    authorise(user, Permission.CHILDREN_SEARCH)
    result = search_children(criteria, keys=keys)
    audit.record("child:search", actor=user, personal={"criteria": criteria.as_audit()},
                 details={"exact": criteria.exact, "limit": criteria.limit,
                          "too_many_matches": result.too_many_matches,
                          "results": [m["contactpoint_id"] for m in result.matches]})
    return result
