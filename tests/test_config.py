"""Settings read from the environment: defaults and refusals."""

import pytest

from contactpoint.config import DEFAULT_API_MAX_FEED_BYTES, ConfigError, load


def test_the_feed_size_cap_has_a_default_and_can_be_set():
    assert load({}).api_max_feed_bytes == DEFAULT_API_MAX_FEED_BYTES == 10 * 1024 * 1024
    assert load({"CONTACTPOINT_API_MAX_FEED_BYTES": "2048"}).api_max_feed_bytes == 2048


@pytest.mark.parametrize("bad", ["0", "-1", "ten", "1.5", "1e6", "²"])
def test_a_feed_size_cap_that_is_not_a_positive_whole_number_is_refused(bad):
    with pytest.raises(ConfigError, match="CONTACTPOINT_API_MAX_FEED_BYTES"):
        load({"CONTACTPOINT_API_MAX_FEED_BYTES": bad})


def test_sign_in_settings_have_defaults_and_can_be_set():
    config = load({})
    assert (config.session_idle_minutes, config.signin_max_failures,
            config.signin_lockout_minutes) == (15, 5, 15)
    assert config.webauthn_rp_id == "localhost"
    assert config.webauthn_origins == ("http://localhost:8000",)
    config = load({"CONTACTPOINT_SESSION_IDLE_MINUTES": "5",
                   "CONTACTPOINT_WEBAUTHN_RP_ID": "contactpoint.example",
                   "CONTACTPOINT_WEBAUTHN_ORIGINS": "https://contactpoint.example/, "
                                                    "https://www.contactpoint.example"})
    assert config.session_idle_minutes == 5
    assert config.webauthn_origins == ("https://contactpoint.example",
                                       "https://www.contactpoint.example")


@pytest.mark.parametrize("name", ["CONTACTPOINT_SESSION_IDLE_MINUTES",
                                  "CONTACTPOINT_SIGNIN_MAX_FAILURES",
                                  "CONTACTPOINT_SIGNIN_LOCKOUT_MINUTES"])
def test_sign_in_numbers_must_be_positive_whole_numbers(name):
    with pytest.raises(ConfigError, match=name):
        load({name: "0"})


def test_security_key_origins_must_be_https_except_on_localhost():
    with pytest.raises(ConfigError, match="CONTACTPOINT_WEBAUTHN_ORIGINS"):
        load({"CONTACTPOINT_WEBAUTHN_ORIGINS": "http://contactpoint.example"})


def test_a_persons_api_tokens_last_90_days_unless_set():
    assert load({}).user_token_days == 90
    assert load({"CONTACTPOINT_USER_TOKEN_DAYS": "30"}).user_token_days == 30


@pytest.mark.parametrize("bad", ["0", "-5", "never", "3651"])
def test_a_token_life_that_is_not_a_sensible_number_of_days_is_refused(bad):
    with pytest.raises(ConfigError, match="CONTACTPOINT_USER_TOKEN_DAYS"):
        load({"CONTACTPOINT_USER_TOKEN_DAYS": bad})
def test_allowed_hosts_default_to_this_machine_and_can_be_set():
    assert load({}).allowed_hosts == ("127.0.0.1", "localhost", "[::1]")
    config = load({"CONTACTPOINT_ALLOWED_HOSTS": "contactpoint.example, www.contactpoint.example,"})
    assert config.allowed_hosts == ("contactpoint.example", "www.contactpoint.example")


def test_trusted_proxies_are_none_by_default_and_take_addresses_or_networks():
    assert load({}).trusted_proxies == ()
    config = load({"CONTACTPOINT_TRUSTED_PROXIES": "10.0.0.5, 10.0.1.0/24,2001:db8::1"})
    assert config.trusted_proxies == ("10.0.0.5/32", "10.0.1.0/24", "2001:db8::1/128")


@pytest.mark.parametrize("bad", ["proxy.example", "10.0.0", "10.0.0.5/33", "*"])
def test_a_trusted_proxy_that_is_not_an_address_is_refused(bad):
    with pytest.raises(ConfigError, match="CONTACTPOINT_TRUSTED_PROXIES"):
        load({"CONTACTPOINT_TRUSTED_PROXIES": bad})
