"""Forms for the match review pages: every decision needs a reason (matching/review.py)."""

from __future__ import annotations

from django import forms

REASON_MAX = 500
REASON_ERRORS = {"required": "Enter the reason for your decision",
                 "max_length": f"The reason must be {REASON_MAX} characters or fewer"}
#: The decisions on a pair, in the words the page offers them.
DECISIONS = {
    "link": "The same child: link them",
    "keep_apart": "Not the same child: keep them apart",
    "defer": "Not sure: decide later",
}
CONTACTPOINT_ID = r"^[0-9]{10}$"
ID_MESSAGE = "Enter a ContactPoint ID of 10 digits, like 1234567890"


def _reason() -> forms.CharField:
    return forms.CharField(max_length=REASON_MAX, strip=True, error_messages=REASON_ERRORS)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(widget=forms.RadioSelect, choices=list(DECISIONS.items()),
                                 error_messages={"required": "Select your decision",
                                                 "invalid_choice": "Select your decision"})
    reason = _reason()


class ReasonOnlyForm(forms.Form):
    reason = _reason()


class SplitForm(forms.Form):
    source = forms.RegexField(regex=r"^[a-z0-9][a-z0-9_-]{0,49}$", max_length=50, error_messages={
        "required": "Enter the source system's name, such as school_census",
        "invalid": "Enter the source system's name in lower-case letters, digits, _ and -, "
                   "such as school_census",
        "max_length": "Enter a source system's name of 50 characters or fewer"})
    source_id = forms.CharField(max_length=100, strip=True, error_messages={
        "required": "Enter the source's own ID for the record",
        "max_length": "Enter a source ID of 100 characters or fewer"})
    reason = _reason()


class MergeForm(forms.Form):
    keep = forms.RegexField(regex=CONTACTPOINT_ID, error_messages={
        "required": "Enter the ContactPoint ID of the child that stays", "invalid": ID_MESSAGE})
    gone = forms.RegexField(regex=CONTACTPOINT_ID, error_messages={
        "required": "Enter the ContactPoint ID of the child to merge into it",
        "invalid": ID_MESSAGE})
    reason = _reason()
