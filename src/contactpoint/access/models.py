"""Organisations and the people in them who may use the index."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from contactpoint.access import app_keys

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9:._/-]{0,39}$",
    "an organisation code is 1-40 letters, digits and : . _ / - (e.g. URN:107654, E08000035)",
)


class OrganisationType(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    SCHOOL = "school", "School"
    EARLY_YEARS = "early_years", "Early years setting"
    GP_PRACTICE = "gp_practice", "GP practice"
    NHS_TRUST = "nhs_trust", "NHS trust"
    SOCIAL_CARE = "social_care", "Children's social care"
    YOUTH_OFFENDING = "youth_offending", "Youth offending team"
    POLICE = "police", "Police force"
    VOLUNTARY = "voluntary", "Voluntary sector"
    NATIONAL_PARTNER = "national_partner", "National partner"
    OTHER = "other", "Other"


class Organisation(models.Model):
    """An accredited body whose named staff may be granted access.

    Local authorities are organisations too: their code is the ONS code (E08000035) and
    every other organisation belongs to one, except national partners.
    """

    code = models.CharField(max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=OrganisationType.choices)
    authority = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="members",
        limit_choices_to={"type": OrganisationType.LOCAL_AUTHORITY},
    )
    accredited = models.BooleanField(default=True)
    #: How practitioners reach this organisation's management team when it brokers
    #: contact (a shielded record, a sensitive service): set by the team itself.
    contact_phone = models.CharField(max_length=40, blank=True, default="")
    contact_email = models.EmailField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_local_authority(self) -> bool:
        return self.type == OrganisationType.LOCAL_AUTHORITY


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    MANAGEMENT_TEAM = "management_team", "Local management team"
    NATIONAL_ADMIN = "national_admin", "National administrator"
    AUDITOR = "auditor", "Auditor"


class User(AbstractUser):
    """A named individual in an accredited organisation. No self-registration."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRACTITIONER)
    suspended_at = models.DateTimeField(null=True, blank=True)
    #: Set while the password is one somebody else saw (the one-time password printed
    #: when the account was made): the first sign-in must replace it.
    must_change_password = models.BooleanField(default=False)
    #: The person's own name and home postcode (`oversight.own_details`), sealed under a
    #: data key of their own in the key store (owner `user:<id>`), so misuse rules can
    #: notice them looking up their own family. Empty when not given.
    own_details = models.BinaryField(null=True, blank=True)
    #: Blind-index tokens of the same (family name, home postcode, its district): the
    #: rules compare them with the children looked up, never the values in the clear.
    own_family_token = models.BinaryField(max_length=16, null=True, blank=True)
    own_postcode_token = models.BinaryField(max_length=16, null=True, blank=True)
    own_district_token = models.BinaryField(max_length=16, null=True, blank=True)

    class Meta:
        ordering = ["username"]

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def refusal(self) -> str | None:
        """Why this person may not use the service now, or None (tokens and pages agree)."""
        if not self.is_active:
            return "inactive"
        if self.suspended_at is not None:
            return "suspended"
        if self.organisation is None or not self.organisation.accredited:
            return "no accredited organisation"
        return None


class SignedInSession(models.Model):
    """A session a person signed in with, so suspending them can end every one at once.

    Django's session table does not say whose a session is without decoding each row;
    this does, and is written at each sign-in step that renews the session key.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    started_at = models.DateTimeField(auto_now_add=True)


class SignInCount(models.Model):
    """Failed sign-in steps lately, counted against an account or against a client address.

    `key` is `account:<hash of the username typed>` or `address:<ip>`. The username is
    hashed: people type passwords into the username box, and attempts with usernames that
    do not exist are counted the same way, so a lock says nothing about who has an account.
    One row a key, so counting is one conditional UPDATE (access/lockout.py says why).
    """

    key = models.CharField(max_length=80, unique=True)
    failures = models.PositiveIntegerField(default=0)
    #: When the last failure was counted: the count lapses a lockout window after it.
    last_at = models.DateTimeField(db_index=True)


source_name_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,49}$",
    "a source name is 1-50 lower-case letters, digits, _ and - (e.g. school_census)",
)


class SourceSystem(models.Model):
    """A system that supplies records: school census, NHS demographics, a council's social care.

    `trust_rank` orders sources when two say different things at the same moment
    (lower is more trusted); the operator sets it.
    """

    name = models.CharField(max_length=50, unique=True, validators=[source_name_validator])
    description = models.CharField(max_length=200, blank=True)
    trust_rank = models.PositiveSmallIntegerField(default=100)
    authority = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT,
        related_name="source_systems",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "feeds_sourcesystem"  # made by the feeds app, before it moved here
        ordering = ["trust_rank", "name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def register(cls, name: str) -> tuple[SourceSystem, bool]:
        """The source called `name`, made if new: (source, whether it was made). Raises
        ValidationError for a name that is not a source name."""
        source_name_validator(name)
        return cls.objects.get_or_create(name=name)


class ApiClient(models.Model):
    """A source system's program that sends its feed over the API.

    It loads for one source only and can do nothing else (permissions.py): no person
    stands behind its token. Deleting a client deletes its tokens with it.
    """

    name = models.CharField(max_length=50, unique=True, validators=[RegexValidator(
        r"^[a-z0-9][a-z0-9_.-]{0,49}$",
        "a client name is 1-50 lower-case letters, digits, _ . and - (e.g. leeds-social-care)",
    )])
    source = models.ForeignKey(SourceSystem, on_delete=models.PROTECT,
                               related_name="api_clients")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token for the API, held by a named user or by a source system's client.

    Only a hash of the secret is kept (access/tokens.py says why SHA-256 is enough), so
    a copy of the database lets nobody call the API. `prefix` identifies the token in
    listings and for revoking it; it is not secret and is not enough to use it.

    A person's token always has an end (`expires_at`; the database refuses one without),
    and they see it, with its `name`, under Your account. `issued_by` is who issued it as
    the audit trail names them: the person themselves, or `operator:<name>` at the
    command line.
    """

    prefix = models.CharField(max_length=20, unique=True)
    secret_hash = models.CharField(max_length=64)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="api_tokens")
    client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="tokens")
    #: What the token is for ("Mosaic case management"), so its holder knows which to revoke.
    name = models.CharField(max_length=100, blank=True, default="")
    issued_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False, client__isnull=True)
                           | models.Q(user__isnull=True, client__isnull=False)),
                name="api_token_has_one_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=True) | models.Q(expires_at__isnull=False),
                name="api_token_of_a_person_expires",
            ),
        ]

    def __str__(self) -> str:
        return self.prefix


class SetUpLink(models.Model):
    """A one-time, expiring link a management team gives a locked-out person, to set a
    new password (and then a new second factor). There is no self-service reset by email.

    Only SHA-256 of the link's secret is kept (256 random bits: as for API tokens, a fast
    hash is enough), so a copy of the database opens no account.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="set_up_links")
    secret_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]


class AuthenticatorApp(TOTPDevice):
    """A person's authenticator app: django-otp's TOTPDevice, with its key sealed at rest.

    The key column holds the sealed key (`app_keys`); django-otp reads the key only
    through `bin_key`, to check a code and to draw the set-up QR code.
    """

    class Meta:
        proxy = True

    @property
    def bin_key(self) -> bytes:
        return app_keys.key_of(self)


@receiver(pre_save, sender=TOTPDevice)
@receiver(pre_save, sender=AuthenticatorApp)
def _seal_app_key(sender: type[TOTPDevice], instance: TOTPDevice, **kwargs: object) -> None:
    """No TOTP key is written in the clear, whichever class (ours or django-otp's) saves it."""
    app_keys.seal_in_place(instance)
