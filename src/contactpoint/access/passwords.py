"""Refusing passwords that appear in public breaches, without asking anyone over the network.

Online checks (Pwned Passwords) send a hash prefix to a third party at every password
change; an index of children should not depend on, or talk to, an outside service for
this. zxcvbn ships the most common passwords from public breach corpora and recognises
them through the usual disguises (l33t, reversal, appended years and digits, keyboard
walks), all offline. Django's CommonPasswordValidator (also configured) refuses the
exact 20,000 most common; this refuses those lists' near misses and anything else an
attacker's first guesses would find (zxcvbn score below 3: fewer than 10^8 guesses).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

#: zxcvbn slows down sharply on long input; beyond this many characters a password is
#: judged on its first part (a long password that starts strong is strong).
MAX_CHECKED_CHARS = 72
#: 3: "safely unguessable: moderate protection from offline slow-hash attacks".
MIN_SCORE = 3


class BreachedPasswordValidator:
    """Refuse a password found in (or close to one in) public breach lists, or easy to guess."""

    def validate(self, password: str, user: object = None) -> None:
        hints = [v for v in (getattr(user, "username", None), getattr(user, "email", None),
                             getattr(user, "first_name", None), getattr(user, "last_name", None))
                 if v]
        checked = password[:MAX_CHECKED_CHARS]
        result = zxcvbn(checked, user_inputs=hints)
        from_breaches = sum(len(match["token"]) for match in result["sequence"]
                            if match.get("dictionary_name") == "passwords")
        # "Summer2024!!" scores 3, but a breached word with a year and symbols after it is
        # among an attacker's first guesses: mostly-breached passwords need the top score.
        mostly_breached = from_breaches * 2 >= len(checked)
        if result["score"] >= MIN_SCORE and not (mostly_breached and result["score"] < 4):
            return
        if from_breaches:
            raise ValidationError(
                "This password is in lists of passwords stolen in data breaches, or close to "
                "one. Choose a different password.", code="password_breached")
        raise ValidationError(
            "This password would be easy to guess. Use 3 or more random words, or a longer "
            "password.", code="password_guessable")

    def get_help_text(self) -> str:
        return ("Your password cannot be one found in data breaches or one that is easy to "
                "guess. 3 or more random words work well.")
