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

NAME_MAX_CHARS = 100
ACCEPTED = ("family name and date of birth",
            "given name, family name and date of birth",
            "given or family name, date of birth, gender and postcode")
GENDERS = ("female", "male", "other", "unspecified")
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
#: The index holds children and young people under 25 (the feeds refuse anyone older,
#: feeds.schema.MAX_AGE_YEARS): a search for an older date of birth could find nobody.
MAX_AGE_YEARS = 25


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
    label = field.replace("_", " ")
    try:
        name = check_name(value, max_chars=NAME_MAX_CHARS)
    except ValueError as exc:
        if "longer than" in str(exc):
            message = f"Enter a {label} of {NAME_MAX_CHARS} characters or fewer"
        else:
            message = (f"{label.capitalize()} must only include letters, spaces, hyphens "
                       "and apostrophes")
        problems.append(FieldProblem(field, message, "query"))
        return None
    return name if fold(name) else None


def _age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _date_of_birth(value: str | None, today: date, problems: list[FieldProblem]) -> str | None:
    if not value or not value.strip():
        return None
    try:
        born = date.fromisoformat(value.strip())
    except ValueError:
        problems.append(FieldProblem("date_of_birth", "Enter the date of birth as a real date "
                                     "in the form YYYY-MM-DD, like 2015-03-27", "query"))
        return None
    if born > today:
        problems.append(FieldProblem("date_of_birth", "Date of birth must be today or in the "
                                     "past", "query"))
        return None
    if _age_on(born, today) >= MAX_AGE_YEARS:
        problems.append(FieldProblem(
            "date_of_birth", f"Enter a date of birth less than {MAX_AGE_YEARS} years ago: "
            f"ContactPoint holds only children and young people under {MAX_AGE_YEARS}",
            "query"))
        return None
    return born.isoformat()


def parse(*, family_name: str | None = None, given_name: str | None = None,
          date_of_birth: str | None = None, postcode: str | None = None,
          gender: str | None = None, exact: bool = False, limit: int | None = None,
          today: date | None = None) -> Criteria:
    """Checked, normalised criteria; BadRequest naming every problem otherwise.

    `today` is for tests; by default it is the date now, so every caller refuses a date
    of birth in the future or of someone too old to be in the index.
    """
    problems: list[FieldProblem] = []
    family = _name("family_name", family_name, problems)
    given = _name("given_name", given_name, problems)
    dob = _date_of_birth(date_of_birth, today or date.today(), problems)
    code = None
    if postcode and postcode.strip():
        try:
            code = normalise_postcode(postcode)
        except ValueError:
            problems.append(FieldProblem("postcode", "Enter a real postcode, like LS1 4AP",
                                         "query"))
    sex = None
    if gender and gender.strip():
        if gender.strip().lower() not in GENDERS:
            problems.append(FieldProblem("gender", "Select a gender: "
                                         f"{', '.join(GENDERS)}", "query"))
        else:
            sex = gender.strip().lower()
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        problems.append(FieldProblem("limit", f"Enter a limit from 1 to {MAX_LIMIT}", "query"))
    if problems:
        raise BadRequest("Some search criteria are not valid.", problems=problems)
    enough = family is not None or (given is not None and sex is not None and code is not None)
    if dob is None or not enough:
        raise BadRequest("Not enough to search on. Give one of: " + "; ".join(ACCEPTED) + ".",
                         problems=[FieldProblem("criteria", "; ".join(ACCEPTED), "query")])
    return Criteria(family, given, dob, code, sex, exact, limit or DEFAULT_LIMIT)
