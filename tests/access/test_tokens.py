"""API clients and tokens: issued once, stored hashed, refused when they should be."""

import hashlib
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import make_client, make_user
from contactpoint.access.models import ApiClient, ApiToken
from contactpoint.access.permissions import Permission, permissions_for_role
from contactpoint.access.services import AccessError
from contactpoint.access.tokens import (
    add_client,
    authenticate_token,
    create_token,
    revoke_token,
)
from contactpoint.feeds.models import SourceSystem
from databases import both_databases

pytestmark = both_databases


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
