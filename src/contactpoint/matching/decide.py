"""Deciding where an incoming record goes: link, review, or a new child.

Pure Python over profiles. A candidate child's score is the best match weight between
the incoming record and any of the child's live records; hard evidence caps it:

- different valid NHS numbers: never the same child;
- and unless the NHS number or UPN agree (a child has one of each): dates of birth no
  single slip explains, another child (same-named siblings otherwise link on family
  name and household); the same-birth sibling pattern (same date of birth and family
  name, clearly different given names, or names alike and the sexes different): twins,
  never the same child, and a twin's record among a child's records rules out the whole
  child (another of its records with a slipped date must not outvote it); dates one
  slip apart with clearly different given names in one family or home: twins with a
  date mistyped, review at most; names alike and both in use (the model's table):
  twins, or one child's name spelt two ways, review at most;
- the child already holds another record from the same source, or the sexes differ:
  possibly the same child, but only a person may say so (review at most).

Then: link when the best child scores at least `link` and beats the runner-up by
`margin` (two look-alike children, such as twins, both scoring well means a person
decides), and no other child in the running is a twin with a name alike (Aisha and
Ayesha: the exact spelling does not tell such twins apart unless an NHS number or UPN
agrees); review when it scores at least `review`; otherwise a new child.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from contactpoint.matching.compare import INDEX, Level, observe
from contactpoint.matching.model import Contribution, MatchModel
from contactpoint.matching.names import listed_spelling
from contactpoint.matching.profile import Profile

NEVER = float("-inf")


@dataclass(frozen=True)
class Thresholds:
    """Set by the national operator (docs/matching.md): match weights, in bits."""

    link: float = 20.0
    review: float = 10.0
    margin: float = 6.0


@dataclass(frozen=True)
class CandidateRecord:
    record_id: int
    child: int
    profile: Profile


@dataclass
class Scored:
    child: int
    score: float
    capped: str | None = None
    best_record: int | None = None
    #: The best pair's comparison vector; its explanation is worked out when asked for.
    levels: tuple[Level, ...] = ()
    #: The child already holds another record from the incoming record's source.
    same_source: bool = False
    _explain: Callable[[Sequence[Level]], list[Contribution]] | None = field(
        default=None, repr=False, compare=False)

    @property
    def explanation(self) -> list[Contribution]:
        """Each comparison's level and weight for the best pair (none for a veto)."""
        if not self.levels or self._explain is None:
            return []
        return self._explain(self.levels)


@dataclass
class Decision:
    state: str  # "auto" | "review" | "new"
    child: int | None
    score: float | None
    candidates: list[Scored]
    #: Every child that scored at least the review floor, including those the decision
    #: set aside (another record from the same source): the children this record may be.
    near: list[Scored] = field(default_factory=list)

    def reason(self) -> str:
        if self.state == "auto":
            return "linked automatically"
        if self.state == "review":
            top = self.candidates[0]
            return top.capped or "possible match below the automatic threshold"
        return "no candidate scored high enough"


#: Given-name levels of two clearly different names (compare.given_name).
CLEARLY_DIFFERENT_NAMES = frozenset({5, 7, 8})
#: Given-name levels of names alike: one child's name mistyped, spelt two ways or
#: shortened, or twins given names that look alike (Jayden and Jaden) or that are a
#: nickname of each other (Henry and Harry).
NAMES_ALIKE = frozenset({1, 2, 3, 4})
#: The date-of-birth level of dates no single slip of the pen explains.
DIFFERENT_DATES = 5
#: Date-of-birth levels of one slip: day and month swapped, a day apart, one digit.
NEAR_DATES = frozenset({1, 2, 3, 4})
TWINS = "same-birth siblings (twins): different given names"
NEAR_TWINS = ("twins with one date of birth mistyped, or one child with both name and date "
              "wrong: clearly different given names, dates one slip apart")
TWINS_OR_SPELLING = "twins, or one child's name spelt two ways: both are given names in use"


def same_birth(levels: Sequence[Level]) -> bool:
    return levels[INDEX["date_of_birth"]] == 0 and levels[INDEX["family_name"]] in (0, 1, 2)


#: Household levels of one home: the same postcode, or a carer in common.
SAME_HOME = frozenset({0, 1, 2})


def same_birth_and_home(levels: Sequence[Level]) -> bool:
    """Born the same day and living in one home, whatever the family names say: twins
    may be registered under different surnames (each parent's), and one child's surname
    can change; either way only the given names tell twins apart."""
    return levels[INDEX["date_of_birth"]] == 0 and levels[INDEX["household"]] in SAME_HOME


def same_birth_siblings(levels: Sequence[Level]) -> bool:
    """Same date of birth and family name, clearly different given names: twins."""
    return same_birth(levels) and levels[INDEX["given_name"]] in CLEARLY_DIFFERENT_NAMES


def near_birth_siblings(levels: Sequence[Level]) -> bool:
    """Dates of birth one slip apart, one family or one home, clearly different given
    names: twins with one date mistyped (one mistake) more likely than one child with
    both its name and its date wrong (two). A person decides."""
    return (levels[INDEX["date_of_birth"]] in NEAR_DATES
            and levels[INDEX["given_name"]] in CLEARLY_DIFFERENT_NAMES
            and (levels[INDEX["family_name"]] in (0, 1, 2)
                 or levels[INDEX["household"]] in SAME_HOME))


def identifier_agrees(levels: Sequence[Level]) -> bool:
    return levels[INDEX["nhs_number"]] == 0 or levels[INDEX["upn"]] == 0


def _another_child(levels: Sequence[Level]) -> str | None:
    """Why the pair is surely two children, if it is: dates no slip explains, or twins."""
    if levels[INDEX["date_of_birth"]] == DIFFERENT_DATES:
        return "different dates of birth: another child (a sibling, or a stranger)"
    if same_birth_siblings(levels):
        return TWINS
    return None


def _in_use(model: MatchModel, name: str) -> bool:
    """A given name children are given: common enough in the feeds the model learnt from,
    or in the table's spellings of one name. A rare spelling of a common name is a
    name for all that: the 1,000,000-child load merged twins Zain and Zayn, because
    Zayn's Child Benefit record spelt him "Zane", which the feeds seldom carry, so his
    record did not count as a twin's against his brother's child."""
    return model.established_given_name(name) or listed_spelling(name)


def _sibling_cap(model: MatchModel, incoming: Profile, held: Profile,
                 levels: Sequence[Level]) -> tuple[bool, str | None]:
    """(never, why) when the pair looks like two children of one family.

    A shared NHS number or UPN outweighs all of it: a child has one of each.
    """
    if identifier_agrees(levels):
        return False, None
    other = _another_child(levels)
    if other is not None:
        return True, other
    if near_birth_siblings(levels):
        return False, NEAR_TWINS
    if levels[INDEX["given_name"]] in NAMES_ALIKE and (same_birth(levels)
                                                       or same_birth_and_home(levels)):
        if levels[INDEX["sex"]] == 1:
            # Charlie and Charlotte, Louis and Louise: a boy and a girl of one birth.
            return True, "same-birth siblings (twins): names alike, sexes different"
        if _in_use(model, incoming.first_given) and _in_use(model, held.first_given):
            return False, TWINS_OR_SPELLING
    return False, None


def score_pair(model: MatchModel, incoming: Profile, held: Profile,
               tf_key: Callable[[str, Profile], str | None] | None = None,
               ) -> tuple[float, str | None, tuple[Level, ...]]:
    """Match weight of one pair, why it is capped (None when it is not), and its
    comparison vector (empty when different NHS numbers settle it without one)."""
    if incoming.nhs and held.nhs and incoming.nhs != held.nhs:
        return NEVER, "different NHS numbers", ()
    levels = observe(incoming, held)
    score = model.weight(levels, (lambda name: tf_key(name, incoming)) if tf_key else None)
    never, why = _sibling_cap(model, incoming, held, levels)
    if never:
        return NEVER, why, levels
    if why is not None:
        return score, why, levels
    if levels[INDEX["sex"]] == 1:
        return score, "the recorded sex differs", levels
    return score, None, levels


def explainer(model: MatchModel, incoming: Profile,
              tf_key: Callable[[str, Profile], str | None] | None = None,
              ) -> Callable[[Sequence[Level]], list[Contribution]]:
    """How a comparison vector of `incoming` with a held record is explained."""
    key = (lambda name: tf_key(name, incoming)) if tf_key else None
    return lambda levels: model.contributions(levels, key)


def score_children(model: MatchModel, incoming: Profile,
                   candidates: Iterable[CandidateRecord],
                   sources_held: dict[int, set[str]],
                   tf_key: Callable[[str, Profile], str | None] | None = None) -> list[Scored]:
    """Each candidate child's best pair, best child first."""
    best: dict[int, Scored] = {}
    vetoed: dict[int, str] = {}
    explain = explainer(model, incoming, tf_key)
    twins: set[int] = set()
    identified: set[int] = set()
    for candidate in candidates:
        score, capped, levels = score_pair(model, incoming, candidate.profile, tf_key)
        if score == NEVER and capped and "NHS" in capped:
            vetoed[candidate.child] = capped
        elif capped == TWINS:
            # A record of the child is a twin's (born the same day, clearly another
            # given name): another of its records with a slipped date must not outvote
            # it, unless one of them shares an NHS number or UPN with the incoming one.
            twins.add(candidate.child)
        elif levels and identifier_agrees(levels):
            identified.add(candidate.child)
        held = best.get(candidate.child)
        # Two of a child's records scoring alike: the one numbered first, whichever
        # order the candidates came in (the database's and the memory index's differ).
        if held is None or score > held.score or (
                score == held.score and held.best_record is not None
                and candidate.record_id < held.best_record):
            best[candidate.child] = Scored(candidate.child, score, capped,
                                           candidate.record_id, levels, _explain=explain)
    for child in twins - identified:
        vetoed.setdefault(child, TWINS)
    for child, scored in best.items():
        if child in vetoed:
            scored.score, scored.capped = NEVER, vetoed[child]
        elif incoming.source and incoming.source in sources_held.get(child, set()):
            scored.same_source = True
            scored.capped = scored.capped or (
                f"the child already has another record from {incoming.source}")
    return sorted(best.values(), key=lambda s: (-s.score, s.child))


LOOK_ALIKE_TWINS = ("two children of one birth with names alike both match: twins' records "
                    "carry each other's spelling, so a person decides")


def _look_alike_twin_competes(top: Scored, others: list[Scored], thresholds: Thresholds) -> bool:
    """Another child scores at least `review` and is, to the incoming record, a twin with a
    name alike (both in use: Aisha and Ayesha). The exact spelling is no evidence between
    twins like these: one twin's records carry the other's spelling often enough (the
    1,000,000-child load merged two pairs that way), so only an NHS number or UPN shared
    with the best child may settle it without a person."""
    if top.levels and identifier_agrees(top.levels):
        return False
    return any(s.capped == TWINS_OR_SPELLING and s.score >= thresholds.review for s in others)


def decide(scored: list[Scored], thresholds: Thresholds) -> Decision:
    decision = _decide(scored, thresholds)
    decision.near = [s for s in scored if s.score >= thresholds.review]
    return decision


def _decide(scored: list[Scored], thresholds: Thresholds) -> Decision:
    # A source that holds another record for a child says, by its own ids, that this is
    # someone else (a sibling, usually): only a near-certain match is worth a person's
    # look (a duplicate within the source); anything less is not a candidate at all.
    scored = [s for s in scored if not (s.same_source and s.score < thresholds.link)]
    if not scored or scored[0].score < thresholds.review:
        return Decision("new", None, scored[0].score if scored else None, scored)
    top = scored[0]
    runner_up = scored[1].score if len(scored) > 1 else NEVER
    clear = top.score - runner_up >= thresholds.margin
    if top.score >= thresholds.link and clear and top.capped is None:
        if not _look_alike_twin_competes(top, scored[1:], thresholds):
            return Decision("auto", top.child, top.score, scored)
        top.capped = LOOK_ALIKE_TWINS
    if not clear and top.capped is None:
        top.capped = "two or more children are close matches"
    return Decision("review", top.child, top.score, scored)
