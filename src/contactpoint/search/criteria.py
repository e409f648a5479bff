"""What a search may ask, checked before anything is looked up (DOMAIN.md, "Searching").

A search needs enough to find one child and not browse many: a date of birth with the
family name, or with a given name plus gender and postcode. Anything less is refused
with the accepted combinations named. Plain Python: the API and the pages share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contactpoint.errors import BadRequest, FieldProblem
from contactpoint.identity.normalise import check_name, fold, normalise_postcode

ACCEPTED = ("family name and date of birth",
            "given name, family name and date of birth",
            "given or family name, date of birth, gender and postcode")
GENDERS = ("female", "male", "other", "unspecified")
DEFAULT_LIMIT = 20
MAX_LIMIT = 50


@dataclass(frozen=True)
class Criteria:
    family_name: str | None
    given_name: str | None
    date_of_birth: str
    postcode: str | None
    gender: str | None
    exact: bool = False
    limit: int = DEFAULT_LIMIT

    @property
    def uses_hidden_fields(self) -> bool:
        """A shielded child shows name, gender and date of birth only: a search on
        anything else (the postcode) must not find one."""
        return self.postcode is not None

    def as_audit(self) -> dict[str, object]:
        """What was asked, for the audit trail (the next issue seals it)."""
        return {"family_name": self.family_name, "given_name": self.given_name,
                "date_of_birth": self.date_of_birth, "postcode": self.postcode,
                "gender": self.gender, "exact": self.exact, "limit": self.limit}


def _name(field: str, value: str | None, problems: list[FieldProblem]) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        name = check_name(value)
    except ValueError as exc:
        problems.append(FieldProblem(field, f"{field.replace('_', ' ')} {exc}", "query"))
        return None
    return name if fold(name) else None


def parse(*, family_name: str | None = None, given_name: str | None = None,
          date_of_birth: str | None = None, postcode: str | None = None,
          gender: str | None = None, exact: bool = False, limit: int | None = None,
          today: date | None = None) -> Criteria:
    """Checked, normalised criteria; BadRequest naming every problem otherwise."""
    problems: list[FieldProblem] = []
    family = _name("family_name", family_name, problems)
    given = _name("given_name", given_name, problems)
    dob = None
    if date_of_birth and date_of_birth.strip():
        try:
            born = date.fromisoformat(date_of_birth.strip())
        except ValueError:
            problems.append(FieldProblem("date_of_birth", "a date as YYYY-MM-DD", "query"))
        else:
            if today is not None and born > today:
                problems.append(FieldProblem("date_of_birth", "is in the future", "query"))
            dob = born.isoformat()
    code = None
    if postcode and postcode.strip():
        try:
            code = normalise_postcode(postcode)
        except ValueError:
            problems.append(FieldProblem("postcode", "a UK postcode such as LS1 4AP",
                                         "query"))
    sex = None
    if gender and gender.strip():
        if gender.strip().lower() not in GENDERS:
            problems.append(FieldProblem("gender", f"one of {', '.join(GENDERS)}", "query"))
        else:
            sex = gender.strip().lower()
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        problems.append(FieldProblem("limit", f"from 1 to {MAX_LIMIT}", "query"))
    if problems:
        raise BadRequest("Some search criteria are not valid.", problems=problems)
    enough = dob is not None and (family is not None or (
        given is not None and sex is not None and code is not None))
    if not enough:
        raise BadRequest("Not enough to search on. Give one of: " + "; ".join(ACCEPTED) + ".",
                         problems=[FieldProblem("criteria", "; ".join(ACCEPTED), "query")])
    return Criteria(family, given, dob, code, sex, exact,  # type: ignore[arg-type]
                    limit or DEFAULT_LIMIT)
