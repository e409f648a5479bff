"""Forms for finding a child, opening the record, recording an involvement and shielding.

The forms check only what the page itself owns: that a date typed as day, month and
year is a real date, that a choice is one offered. The rules (enough to search on, a
reason for opening, one lead professional) belong to the services, whose refusals
`add_problems` puts beside the fields they name. Messages follow the GOV.UK Design
System's guidance: say what is wrong and how to fix it, in the page's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms

from contactpoint.errors import RequestError
from contactpoint.identity.normalise import check_phone
from contactpoint.identity.records import PHONE_PROBLEM, REASONS, InvolvementInput
from contactpoint.search import criteria as search_criteria

#: What people call each kind of service (CONTRACTS.md's `type` values).
SERVICE_LABELS = {
    "school": "School", "early_years": "Early years setting", "gp": "GP practice",
    "health_visitor": "Health visitor", "school_nurse": "School nurse",
    "social_care": "Children's social care", "youth_offending": "Youth offending team",
    "camhs": "Child and adolescent mental health service (CAMHS)",
    "sexual_health": "Sexual health service", "substance_misuse": "Substance misuse service",
    "voluntary": "Voluntary sector", "police": "Police", "other": "Other",
}
GENDER_LABELS = {"female": "Female", "male": "Male", "other": "Other",
                 "unspecified": "Not known or not stated"}
CONSENT_LABELS = {
    "young_person": "The young person has consented",
    "harm_exception": "There is reasonable cause to suspect significant harm",
}
REASON_DETAIL_MAX = 500


def too_long(label: str, size: int, **messages: str) -> dict[str, str]:
    """A field's error messages with its length limit said in its own words, not Django's
    ("Family name must be 100 characters or fewer"); `messages` adds others."""
    return {"max_length": f"{label[:1].upper()}{label[1:]} must be {size} characters or fewer",
            **messages}


class DateParts:
    """A GOV.UK date input (day, month, year) as three fields `<name>_day` and so on.

    Errors are put on the day field: the error summary links to the first box, as the
    Design System asks.
    """

    @staticmethod
    def fields() -> tuple[forms.CharField, forms.CharField, forms.CharField]:
        """Day, month and year, declared on the form as `<name>_day, _month, _year`.

        Their lengths are checked by `clean`, so an over-long part is told as "must be a
        real date" beside the day box, like any other impossible date.
        """
        def part() -> forms.CharField:
            return forms.CharField(required=False, strip=True)
        return part(), part(), part()

    @staticmethod
    def clean(form: forms.Form, name: str, label: str, *, required: bool) -> date | None:
        parts = [form.cleaned_data.get(f"{name}_{p}") or "" for p in ("day", "month", "year")]
        if not any(parts):
            if required:
                form.add_error(f"{name}_day", f"Enter the {label}")
            return None
        missing = [p for p, v in zip(("day", "month", "year"), parts, strict=True) if not v]
        if missing:
            form.add_error(f"{name}_day", f"The {label} must include a {' and a '.join(missing)}")
            return None
        if (not all(v.isascii() and v.isdigit() for v in parts) or len(parts[0]) > 2
                or len(parts[1]) > 2 or len(parts[2]) != 4):
            form.add_error(f"{name}_day", f"The {label} must be a real date, like 27 3 2015")
            return None
        try:
            return date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            form.add_error(f"{name}_day", f"The {label} must be a real date, like 27 3 2015")
            return None


def add_problems(form: forms.Form, error: RequestError,
                 fields: Mapping[str, str | None] | None = None) -> None:
    """A service's refusal shown on the form: each problem beside the field it names.

    `fields` maps a service's field name to the form's where they differ, or to None
    for a problem about the whole form; such a problem, or one naming no field of this
    form, puts the service's own message at the top of the error summary.
    """
    fields = fields or {}
    whole_form = False
    for problem in error.problems:
        name = fields.get(problem.field, problem.field)
        if name is not None and name in form.fields:
            form.add_error(name, problem.detail[:1].upper() + problem.detail[1:])
        else:
            whole_form = True
    if whole_form or not error.problems:
        form.add_error(None, error.detail)


class SearchForm(forms.Form):
    given_name = forms.CharField(required=False, max_length=100, strip=True,
                                 error_messages=too_long("given name", 100))
    family_name = forms.CharField(required=False, max_length=100, strip=True,
                                  error_messages=too_long("family name", 100))
    date_of_birth_day, date_of_birth_month, date_of_birth_year = DateParts.fields()
    gender = forms.ChoiceField(required=False, widget=forms.RadioSelect,
                               choices=list(GENDER_LABELS.items()),
                               error_messages={"invalid_choice": "Select a gender"})
    postcode = forms.CharField(required=False, max_length=10, strip=True, error_messages={
        "max_length": "Enter a real postcode, like LS1 4AP"})
    exact = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        born = DateParts.clean(self, "date_of_birth", "date of birth", required=False)
        cleaned["date_of_birth"] = born.isoformat() if born else None
        return cleaned

    def criteria(self) -> search_criteria.Criteria:
        """The search's criteria, checked by search.criteria.parse (BadRequest naming
        each problem)."""
        data = self.cleaned_data
        return search_criteria.parse(
            given_name=data["given_name"] or None, family_name=data["family_name"] or None,
            date_of_birth=data["date_of_birth"], postcode=data["postcode"] or None,
            gender=data["gender"] or None, exact=data["exact"])


#: Where the search service's field names land on the search form.
SEARCH_FIELDS = {"date_of_birth": "date_of_birth_day", "criteria": None}


class ReasonForm(forms.Form):
    """Why a record is opened (CONTRACTS.md's reasons); `other` needs a detail."""

    reason = forms.ChoiceField(
        widget=forms.RadioSelect, choices=list(REASONS.items()),
        error_messages={"required": "Select why you are opening this record",
                        "invalid_choice": "Select why you are opening this record"})
    reason_detail = forms.CharField(required=False, max_length=REASON_DETAIL_MAX, strip=True,
                                    error_messages={"max_length": "The reason must be "
                                                    f"{REASON_DETAIL_MAX} characters or fewer"})

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("reason") == "other" and not cleaned.get("reason_detail"):
            self.add_error("reason_detail", "Say why you are opening this record")
        return cleaned


class BreakGlassForm(ReasonForm):
    """Breaking the glass always needs the reason in words, whichever reason is chosen."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("reason_detail") and "reason_detail" not in self.errors:
            self.add_error("reason_detail", "Say why you need to see the shielded record")
        return cleaned


class InvolvementForm(forms.Form):
    service_type = forms.ChoiceField(
        choices=list(SERVICE_LABELS.items()),
        error_messages={"required": "Select your service",
                        "invalid_choice": "Select your service"})
    practitioner = forms.CharField(required=False, max_length=100, strip=True,
                                   error_messages=too_long("practitioner's name", 100))
    phone = forms.CharField(required=False, max_length=40, strip=True,
                            error_messages={"max_length": PHONE_PROBLEM})
    email = forms.EmailField(required=False, max_length=200, error_messages=too_long(
        "email address", 200,
        invalid="Enter an email address in the correct format, like name@example.org"))
    start_date_day, start_date_month, start_date_year = DateParts.fields()
    end_date_day, end_date_month, end_date_year = DateParts.fields()
    lead_professional = forms.BooleanField(required=False)
    caf = forms.BooleanField(required=False)
    consent = forms.ChoiceField(required=False, widget=forms.RadioSelect,
                                choices=list(CONSENT_LABELS.items()),
                                error_messages={"invalid_choice": "Select whether the young "
                                                "person consented or there is reasonable "
                                                "cause to suspect significant harm"})
    replaces = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput,
                                  error_messages=dict.fromkeys(
                                      ("invalid", "min_value", "max_value"),
                                      "The involvement to update is not known: go back to "
                                      "the record and choose to update it again"))

    def clean_phone(self) -> str:
        """The service's rule (identity.normalise.check_phone), here too so that a wrong
        phone number is told with the form's other problems, not after them."""
        phone = self.cleaned_data["phone"]
        if phone:
            try:
                return check_phone(phone)
            except ValueError:
                raise forms.ValidationError(PHONE_PROBLEM) from None
        return phone

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "replaces" in self.errors:  # a hidden field: the summary cannot link to it
            self.add_error(None, self.errors.pop("replaces"))
        cleaned["start_date"] = DateParts.clean(self, "start_date", "start date", required=False)
        cleaned["end_date"] = DateParts.clean(self, "end_date", "end date", required=False)
        return cleaned

    @staticmethod
    def initial_from(recorded: Mapping[str, object]) -> dict[str, object]:
        """The form's fields filled in from an involvement as recorded (InvolvementInput's
        fields), for an update that starts from what is there."""
        initial = {k: v for k, v in recorded.items()
                   if k not in ("start_date", "end_date") and v is not None}
        for name in ("start_date", "end_date"):
            when = recorded.get(name)
            if isinstance(when, date):
                initial.update({f"{name}_day": str(when.day), f"{name}_month": str(when.month),
                                f"{name}_year": str(when.year)})
        return initial

    def involvement(self) -> InvolvementInput:
        """The involvement as identity.records.record_involvement takes it."""
        data = self.cleaned_data
        return InvolvementInput(
            service_type=data["service_type"], practitioner=data["practitioner"] or None,
            phone=data["phone"] or None, email=data["email"] or None,
            start_date=data["start_date"], end_date=data["end_date"],
            lead_professional=data["lead_professional"], caf=data["caf"],
            consent=data["consent"] or None)


#: Where the involvement service's field names land on the form. The lead-professional
#: conflict (409) has no field: it goes to the top of the summary.
INVOLVEMENT_FIELDS = {"start_date": "start_date_day", "end_date": "end_date_day"}


class ShieldForm(forms.Form):
    reason = forms.CharField(max_length=500, strip=True, error_messages={
        "required": "Enter why the record is being shielded",
        "max_length": "The reason must be 500 characters or fewer"})
    review_on_day, review_on_month, review_on_year = DateParts.fields()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        cleaned["review_on"] = DateParts.clean(self, "review_on", "review date", required=True)
        return cleaned


class LiftShieldForm(forms.Form):
    reason = forms.CharField(max_length=500, strip=True, error_messages={
        "required": "Enter why the shield is being lifted",
        "max_length": "The reason must be 500 characters or fewer"})


SHIELD_FIELDS = {"review_on": "review_on_day"}
