"""API clients and tokens: issued once, stored hashed, refused when they should be."""

import dataclasses
import hashlib
import json
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import make_client, make_user
from contactpoint.access import services
from contactpoint.access.models import ApiClient, ApiToken, OrganisationType, SourceSystem
from contactpoint.access.permissions import Permission, permissions_for_role
from contactpoint.access.services import AccessError
from contactpoint.access.tokens import (
    TokenExpired,
    add_client,
    authenticate_token,
    create_own_token,
    create_token,
    revoke_managed_token,
    revoke_own_token,
    revoke_token,
    token_status,
    tokens_of,
)
from contactpoint.errors import Forbidden, NotFound
from databases import both_databases

pytestmark = both_databases


@pytest.fixture
def clock(monkeypatch):
    """A stopped clock for everything that asks django.utils.timezone.now(); `.now` moves it."""
    class Clock:
        now = timezone.now().replace(microsecond=0)

    monkeypatch.setattr(timezone, "now", lambda: Clock.now)
    return Clock


@pytest.fixture
def token_days(settings):
    """CONTACTPOINT_USER_TOKEN_DAYS, set for one test."""
    def set_days(days: int) -> None:
        settings.CONTACTPOINT = dataclasses.replace(settings.CONTACTPOINT,
                                                    user_token_days=days)
    return set_days



def test_a_user_token_stands_for_the_user_and_their_role():
    user = make_user("management_team")
    token = create_token(user=user.username)
    principal = authenticate_token(token)
    assert principal is not None
    assert (principal.name, principal.user, principal.client) == (user.username, user, None)
    assert principal.permissions == permissions_for_role("management_team")
    assert principal.may(Permission.CHILDREN_SHIELD_MANAGE)
    assert not principal.may(Permission.FEEDS_LOAD)


def test_a_client_token_may_load_its_own_source_only():
    client = make_client("nhs-feed", "nhs_demographics")
    principal = authenticate_token(create_token(client="nhs-feed"))
    assert principal is not None
    assert (principal.client, principal.user) == (client, None)
    assert principal.permissions == {Permission.FEEDS_LOAD}
    assert principal.source == SourceSystem.objects.get(name="nhs_demographics")


def test_only_a_hash_of_the_token_is_stored():
    token = create_token(user=make_user().username)
    stored = ApiToken.objects.get()
    assert token.startswith(stored.prefix + "_")
    assert stored.secret_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {stored.prefix, stored.secret_hash}
    assert len(token) > 40  # 32 random bytes of secret


def test_each_token_is_new():
    user = make_user()
    tokens = {create_token(user=user.username) for _ in range(5)}
    assert len(tokens) == 5
    assert len({t.split("_")[1] for t in tokens}) == 5


@pytest.mark.parametrize("bad", [
    "", "cp_", "cp_abc", "cp__secret", "xx_abc_def", "Bearer", "cp_" + "a" * 500])
def test_malformed_tokens_are_refused(bad):
    create_token(user=make_user().username)
    assert authenticate_token(bad) is None


def test_a_wrong_secret_with_a_real_prefix_is_refused():
    token = create_token(user=make_user().username)
    prefix = "_".join(token.split("_")[:2])
    assert authenticate_token(prefix + "_" + "A" * 43) is None
    assert authenticate_token(token[:-1] + ("B" if token[-1] != "B" else "C")) is None


def test_revoked_tokens_are_refused_and_revoking_twice_is_harmless():
    token = create_token(user=make_user().username)
    prefix = ApiToken.objects.get().prefix
    revoked = revoke_token(prefix)
    assert revoked.revoked_at is not None
    assert authenticate_token(token) is None
    assert revoke_token(token).revoked_at == revoked.revoked_at  # whole token pasted: same one
    with pytest.raises(AccessError, match="no token"):
        revoke_token("cp_000000000000")


def test_suspended_and_inactive_users_are_refused():
    user = make_user()
    token = create_token(user=user.username)
    user.suspended_at = timezone.now()
    user.save()
    assert authenticate_token(token) is None
    with pytest.raises(AccessError, match="suspended"):
        create_token(user=user.username)
    user.suspended_at = None
    user.is_active = False
    user.save()
    assert authenticate_token(token) is None
    user.is_active = True
    user.save()
    assert authenticate_token(token) is not None


def test_a_user_of_an_organisation_no_longer_accredited_is_refused():
    user = make_user()
    token = create_token(user=user.username)
    user.organisation.accredited = False
    user.organisation.save()
    assert authenticate_token(token) is None


def test_a_deleted_clients_tokens_go_with_it():
    make_client()
    token = create_token(client="school-census-feed")
    ApiClient.objects.all().delete()
    assert ApiToken.objects.count() == 0
    assert authenticate_token(token) is None


def test_last_used_is_recorded_without_a_write_on_every_call():
    token = create_token(user=make_user().username)
    assert ApiToken.objects.get().last_used_at is None
    authenticate_token(token)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    authenticate_token(token)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=5))
    authenticate_token(token)
    assert ApiToken.objects.get().last_used_at > first - timedelta(minutes=5)


def test_a_token_names_exactly_one_holder():
    with pytest.raises(AccessError, match="exactly one"):
        create_token()
    with pytest.raises(AccessError, match="exactly one"):
        create_token(user="a", client="b")
    with pytest.raises(AccessError, match="no user"):
        create_token(user="nobody")
    with pytest.raises(AccessError, match="no client"):
        create_token(client="nobody")


def test_the_database_refuses_a_token_with_two_holders_or_none():
    user, client = make_user(), make_client()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(prefix="cp_1", secret_hash="0" * 64, user=user, client=client)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(prefix="cp_2", secret_hash="0" * 64)


def test_clients_are_named_once_for_a_valid_source():
    client, new_source = add_client(name="leeds-social-care", source="leeds_social_care")
    assert new_source
    assert client.source.name == "leeds_social_care"
    _, new_source = add_client(name="leeds-social-care-2", source="leeds_social_care")
    assert not new_source
    with pytest.raises(AccessError, match="already exists"):
        add_client(name="leeds-social-care", source="leeds_social_care")
    with pytest.raises(AccessError, match="source"):
        add_client(name="bad-source", source="Bad Source!")
    with pytest.raises(AccessError, match="name"):
        add_client(name="Bad Name!", source="leeds_social_care")
    assert not SourceSystem.objects.filter(name="Bad Source!").exists()


def test_the_holder_of_a_token_is_read_as_the_orm_reads_it(django_assert_max_num_queries):
    from contactpoint.access.models import User  # noqa: PLC0415
    from contactpoint.access.tokens import _split, _token_with_holder  # noqa: PLC0415

    user = make_user("practitioner")
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    presented = create_token(user=user.username)
    prefix = _split(presented)[0]
    ApiToken.objects.filter(prefix=prefix).update(last_used_at=timezone.now())
    with django_assert_max_num_queries(1):
        token = _token_with_holder(prefix)
        organisation = token.user.organisation  # already read: no second query
    orm = ApiToken.objects.select_related("user__organisation").get(prefix=prefix)

    def values(instance):
        return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}

    assert values(token) == values(orm)
    assert values(token.user) == values(orm.user)
    assert values(organisation) == values(orm.user.organisation)
    assert token.last_used_at.tzinfo is not None
    assert token.user.last_login.tzinfo is not None
    assert _token_with_holder("cp_000000000000") is None


# -- expiry ----------------------------------------------------------------------------------

def test_a_persons_token_works_for_the_configured_days_then_expires(clock, token_days):
    token_days(7)
    issued = clock.now
    token = create_token(user=make_user().username)
    assert ApiToken.objects.get().expires_at == issued + timedelta(days=7)
    clock.now = issued + timedelta(days=7) - timedelta(seconds=1)
    assert authenticate_token(token) is not None
    clock.now = issued + timedelta(days=7)
    with pytest.raises(TokenExpired) as expired:
        authenticate_token(token)
    assert expired.value.expired_at == issued + timedelta(days=7)
    assert token_status(ApiToken.objects.get(), clock.now) == "Expired"


def test_a_persons_token_lasts_90_days_by_default(clock):
    token = create_token(user=make_user().username)
    clock.now += timedelta(days=89, hours=23)
    assert authenticate_token(token) is not None
    clock.now += timedelta(hours=1)
    with pytest.raises(TokenExpired):
        authenticate_token(token)


def test_an_expired_tokens_wrong_secret_is_only_refused(clock):
    """Only the whole token learns it has expired: a guess at its prefix learns nothing."""
    token = create_token(user=make_user().username)
    clock.now += timedelta(days=365)
    assert authenticate_token(token[:-1] + ("B" if token[-1] != "B" else "C")) is None


def test_a_source_systems_client_token_does_not_expire(clock):
    make_client()
    token = create_token(client="school-census-feed")
    assert ApiToken.objects.get().expires_at is None
    clock.now += timedelta(days=3650)
    assert authenticate_token(token) is not None


def test_the_database_refuses_a_persons_token_without_an_end():
    user = make_user()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(prefix="cp_1", secret_hash="0" * 64, user=user)


# -- a person's own tokens --------------------------------------------------------------------

def test_a_person_creates_a_named_token_shown_once_and_audited(clock, audit_log):
    user = make_user()
    token, stored = create_own_token(user, name="  Mosaic   case management ")
    assert authenticate_token(token).user == user
    assert (stored.name, stored.issued_by) == ("Mosaic case management", user.username)
    assert stored.expires_at == clock.now + timedelta(days=90)
    (entry,) = audit_log()
    assert (entry["event"], entry["actor"], entry["subject"]) == (
        "account:token:create", user.username, user.username)
    assert entry["details"]["prefix"] == stored.prefix
    assert entry["details"]["name"] == "Mosaic case management"
    assert token.rpartition("_")[2] not in json.dumps(audit_log())


@pytest.mark.parametrize(("name", "message"), [
    ("", "enter what the token is for"), ("   ", "enter what the token is for"),
    ("x" * 101, "100 characters or fewer"), ("Mosaic\x00", "control or invisible"),
    ("Mosaic\u202e", "control or invisible")])
def test_a_token_needs_a_plain_name(name, message):
    with pytest.raises(AccessError, match=message):
        create_own_token(make_user(), name=name)
    assert not ApiToken.objects.exists()


def test_a_person_holds_at_most_ten_working_tokens_of_their_own(clock):
    user = make_user()
    made = [create_own_token(user, name=f"system {n}")[1] for n in range(10)]
    with pytest.raises(AccessError, match="10 working API tokens"):
        create_own_token(user, name="one more")
    revoke_own_token(user, made[0].prefix)
    create_own_token(user, name="one more")
    clock.now += timedelta(days=90)  # all expired: none counts
    create_own_token(user, name="after they expired")
    assert ApiToken.objects.filter(user=user).count() == 12


def test_a_suspended_person_cannot_create_a_token():
    user = make_user()
    user.suspended_at = timezone.now()
    user.save()
    with pytest.raises(AccessError, match="suspended"):
        create_own_token(user, name="Mosaic")


def test_a_person_lists_only_their_own_tokens_newest_first(clock):
    user, other = make_user(), make_user()
    create_own_token(user, name="first")
    clock.now += timedelta(minutes=1)
    create_own_token(user, name="second")
    create_own_token(other, name="not theirs")
    make_client()
    create_token(client="school-census-feed")
    assert [t.name for t in tokens_of(user)] == ["second", "first"]


def test_revoking_their_own_token_stops_it_at_once(audit_log):
    user = make_user()
    token, stored = create_own_token(user, name="Mosaic")
    assert authenticate_token(token) is not None
    revoke_own_token(user, stored.prefix)
    assert authenticate_token(token) is None
    assert token_status(ApiToken.objects.get(), timezone.now()) == "Revoked"
    entry = audit_log()[-1]
    assert (entry["event"], entry["actor"], entry["details"]) == (
        "account:token:revoke", user.username,
        {"prefix": stored.prefix, "already_revoked": False})


def test_nobody_revokes_someone_elses_token_as_their_own():
    user, other = make_user(), make_user()
    token, stored = create_own_token(other, name="theirs")
    with pytest.raises(NotFound):
        revoke_own_token(user, stored.prefix)
    assert authenticate_token(token) is not None


# -- the management team ------------------------------------------------------------------------

def _stranger():
    services.add_organisation(code="E08000036", name="Wakefield",
                              type=OrganisationType.LOCAL_AUTHORITY)
    services.add_organisation(code="URN:200001", name="Castle Primary",
                              type=OrganisationType.SCHOOL, authority="E08000036")
    user, _ = services.add_user(username="far.away", org_code="URN:200001",
                                role="practitioner")
    return user


def test_the_management_team_revokes_its_users_token_with_a_reason(audit_log):
    manager, colleague = make_user("management_team"), make_user()
    token, stored = create_own_token(colleague, name="Mosaic")
    with pytest.raises(AccessError, match="reason"):
        revoke_managed_token(manager, colleague.username, stored.prefix, reason=" ")
    assert authenticate_token(token) is not None
    revoke_managed_token(manager, colleague.username, stored.prefix,
                         reason="left the school; system decommissioned")
    assert authenticate_token(token) is None
    entry = audit_log()[-1]
    assert (entry["event"], entry["actor"], entry["subject"], entry["reason"]) == (
        "account:token:revoke", manager.username, colleague.username,
        "left the school; system decommissioned")


def test_another_authoritys_team_cannot_revoke_and_the_national_team_can():
    manager = make_user("management_team")
    stranger = _stranger()
    token, stored = create_own_token(stranger, name="Mosaic")
    with pytest.raises(NotFound):
        revoke_managed_token(manager, stranger.username, stored.prefix, reason="curious")
    colleague = make_user()
    with pytest.raises(NotFound):  # the prefix must be the named user's
        revoke_managed_token(manager, colleague.username, stored.prefix, reason="curious")
    assert authenticate_token(token) is not None
    with pytest.raises(Forbidden):
        revoke_managed_token(make_user("practitioner"), stranger.username, stored.prefix,
                             reason="curious")
    revoke_managed_token(make_user("national_admin"), stranger.username, stored.prefix,
                         reason="reported lost")
    assert authenticate_token(token) is None
