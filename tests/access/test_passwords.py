"""Breached and guessable passwords are refused, offline."""

from __future__ import annotations

import socket

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from contactpoint.access.models import User
from contactpoint.access.passwords import BreachedPasswordValidator


@pytest.mark.parametrize("password", ["password123!", "qwertyuiop12", "Liverpool2024",
                                      "P@ssw0rd2023", "Summer2024!!", "Chelsea2024!!"])
def test_passwords_from_breach_lists_are_refused(password):
    with pytest.raises(ValidationError) as caught:
        BreachedPasswordValidator().validate(password)
    assert caught.value.code == "password_breached"


@pytest.mark.parametrize("password", ["violet-harbour-kettle-57", "xk3-Pv9q-Lm2z-77Qa",
                                      "purple monkey dishwasher"])
def test_strong_passwords_pass(password):
    BreachedPasswordValidator().validate(password)


def test_the_username_does_not_make_a_password():
    user = User(username="harriet.okonkwo", first_name="Harriet")
    with pytest.raises(ValidationError):
        BreachedPasswordValidator().validate("harriet.okonkwo1", user)


def test_the_check_makes_no_network_calls(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the password check tried to use the network")
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(ValidationError):
        validate_password("Summer2024!!")
    validate_password("violet-harbour-kettle-57")
