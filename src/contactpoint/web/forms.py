"""Forms for the sign-in and account-management pages.

Messages follow the GOV.UK Design System's error message guidance: say what happened
and how to fix it, in the words of the page ("Enter your username").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from contactpoint.access.models import (
    Organisation,
    OrganisationType,
    Role,
    User,
    code_validator,
)
from contactpoint.access.services import REASON_MAX_CHARS, AccessError
from contactpoint.web.child_forms import too_long


def add_access_error(form: forms.Form, error: AccessError) -> None:
    """An account service's refusal on the form: beside the field it names ("field:
    message"), or at the top of the error summary when it names none of the form's."""
    field, _, message = str(error).partition(": ")
    if field in form.fields and message:
        form.add_error(field, message[0].upper() + message[1:])
    else:
        form.add_error(None, str(error))


class SignInForm(forms.Form):
    username = forms.CharField(max_length=150, strip=True,
                               error_messages=too_long("your username", 150,
                                                       required="Enter your username"))
    password = forms.CharField(max_length=1024, strip=False,
                               error_messages=too_long("your password", 1024,
                                                       required="Enter your password"))


class NewPasswordForm(forms.Form):
    new_password = forms.CharField(max_length=1024, strip=False,
                                   error_messages=too_long("your new password", 1024,
                                                           required="Enter a new password"))
    confirm_password = forms.CharField(max_length=1024, strip=False, error_messages=too_long(
        "your new password", 1024, required="Enter the password again"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_password(self) -> str:
        password = self.cleaned_data["new_password"]
        if self.user.check_password(password):
            raise ValidationError("Choose a password different from the one you were given")
        validate_password(password, self.user)
        return password

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        first, second = cleaned.get("new_password"), cleaned.get("confirm_password")
        if first and second and first != second:
            self.add_error("confirm_password", "The passwords do not match: enter the same "
                                               "password twice")
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(max_length=20, strip=True, error_messages={
        "required": "Enter the 6-digit code",
        "max_length": "Enter the 6-digit code shown in your authenticator app"})

    def clean_code(self) -> str:
        digits = "".join(self.cleaned_data["code"].split())
        if not (digits.isascii() and digits.isdigit() and len(digits) == 6):
            raise ValidationError("Enter the 6-digit code shown in your authenticator app")
        return digits


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=REASON_MAX_CHARS, strip=True, error_messages={
        "required": "Enter the reason",
        "max_length": f"The reason must be {REASON_MAX_CHARS} characters or fewer"})


def organisation_label(org: Organisation) -> str:
    """An organisation as a list offers it: its name with its code, since several schools
    may share a name ("St Mary's Catholic Primary School (URN:107654)")."""
    return f"{org.name} ({org.code})"


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    """Offer these choices in the form's choice field `name` (this form's copy of it)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    field.choices = choices


class AddUserForm(forms.Form):
    first_name = forms.CharField(max_length=150, error_messages=too_long(
        "first name", 150, required="Enter their first name"))
    last_name = forms.CharField(max_length=150, error_messages=too_long(
        "last name", 150, required="Enter their last name"))
    #: Optional, kept encrypted: misuse alerts notice someone looking up their own family.
    home_postcode = forms.CharField(max_length=10, required=False, error_messages=too_long(
        "home postcode", 10))
    username = forms.RegexField(
        regex=r"^[A-Za-z0-9][A-Za-z0-9.@+_-]{1,149}$", max_length=150,
        error_messages={"required": "Enter a username",
                        "invalid": "Enter a username of 2 to 150 letters, digits and . @ + _ "
                                   "-, starting with a letter or digit",
                        "max_length": "Enter a username of 150 characters or fewer"})
    email = forms.EmailField(max_length=254, error_messages=too_long(
        "work email address", 254, required="Enter their work email address",
        invalid="Enter an email address in the correct format, like name@example.org"))
    organisation = forms.ChoiceField(error_messages={"required": "Select their organisation",
                                                     "invalid_choice": "Select their organisation"})
    role = forms.ChoiceField(widget=forms.RadioSelect, error_messages={
        "required": "Select what they will do", "invalid_choice": "Select what they will do"})
    reason = forms.CharField(max_length=REASON_MAX_CHARS, strip=True, error_messages={
        "required": "Enter why they need access",
        "max_length": f"The reason must be {REASON_MAX_CHARS} characters or fewer"})

    def __init__(self, *args: Any, organisations: Iterable[Organisation], roles: Iterable[str],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "organisation", [(o.code, organisation_label(o))
                                           for o in organisations])
        set_choices(self, "role", [(r, Role(r).label) for r in roles])


class AddOrganisationForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages=too_long(
        "organisation's name", 200, required="Enter the organisation's name"))
    # The model's own rule (code_validator), told in the form's words.
    code = forms.RegexField(regex=code_validator.regex, max_length=40, error_messages={
        "required": "Enter the organisation's code, such as its URN or ODS code",
        "invalid": "Enter an organisation code of letters, digits and : . _ / -, like "
                   "URN:107654 or E08000035",
        "max_length": "Enter an organisation code of 40 characters or fewer"})
    type = forms.ChoiceField(widget=forms.RadioSelect, error_messages={
        "required": "Select the kind of organisation",
        "invalid_choice": "Select the kind of organisation"})

    def __init__(self, *args: Any, types: Iterable[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "type", [(t, OrganisationType(t).label) for t in types])
