"""What each kind of caller may do: one enum of permissions and one mapping from roles.

Permissions are `scope:resource:action` strings (as PyPI's warehouse names them), so an
operation, an audit entry and a log line all say the same thing. Every API operation
and page declares the one permission it needs. Each role's other traits are data here
too: its reach (which authority's children and users it acts on), whether it may break
the glass, which organisations may hold it and who may grant it. Only this module and
access/policy.py (which decides with these facts) name roles; nothing else in the code
asks "is this user a management team member?" (tests/access/test_policy.py holds the
code to that). What a caller may *see* of a record (shielded, sensitive, archived) is
access/visibility.py's decision, taken where records are shown.

Plain Python, no Django: the command line and tests use it before Django is set up.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class Permission(StrEnum):
    CHILDREN_SEARCH = "children:search"
    CHILDREN_RECORD_VIEW = "children:record:view"
    CHILDREN_INVOLVEMENT_CREATE = "children:involvement:create"
    CHILDREN_SHIELD_MANAGE = "children:shield:manage"
    #: Answer a subject access request for a child: start it, produce the export, hand
    #: it over (subject_access/).
    CHILDREN_SUBJECT_ACCESS = "children:subject-access:manage"
    MATCHING_REVIEW_READ = "matching:review:read"
    MATCHING_REVIEW_DECIDE = "matching:review:decide"
    FEEDS_LOAD = "feeds:load"
    ACCOUNTS_MANAGE = "accounts:manage"
    #: One's own account: who you are, your second factors, signing out.
    ACCOUNTS_OWN_MANAGE = "accounts:own:manage"
    #: The team's own contact details, which practitioners use when it brokers contact.
    ORGANISATIONS_CONTACT_MANAGE = "organisations:contact:manage"
    AUDIT_READ = "audit:read"
    #: Misuse alerts about the users one manages: reading them with their evidence,
    #: suspending, telling the user's manager, closing (oversight/alerts.py).
    ALERTS_MANAGE = "alerts:manage"
    #: Who has opened a child's record lately (the record's "Recent access"): the child's
    #: own management team and the national team (access/policy.py).
    CHILDREN_ACCESS_READ = "children:access:read"
    #: The notifications sent to one's own organisation when others open the records of
    #: children it works with (contactpoint/notifications).
    NOTIFICATIONS_READ = "notifications:read"


#: A practitioner finds a child, opens the record (with a reason) and records their own
#: involvement, and reads what their organisation is told when others open the records
#: of its children. Nothing else: the original's breaches were users browsing.
_PRACTITIONER = frozenset({
    Permission.ACCOUNTS_OWN_MANAGE,
    Permission.CHILDREN_SEARCH,
    Permission.CHILDREN_RECORD_VIEW,
    Permission.CHILDREN_INVOLVEMENT_CREATE,
    Permission.NOTIFICATIONS_READ,
})

#: The local management team brokers contact for shielded children, shields records,
#: resolves uncertain matches, manages its own users and monitors their use. Which
#: children and users are "its own" is decided by the services, by local authority.
_MANAGEMENT_TEAM = _PRACTITIONER | {
    Permission.CHILDREN_SHIELD_MANAGE,
    Permission.CHILDREN_SUBJECT_ACCESS,
    Permission.MATCHING_REVIEW_READ,
    Permission.MATCHING_REVIEW_DECIDE,
    Permission.ACCOUNTS_MANAGE,
    Permission.ORGANISATIONS_CONTACT_MANAGE,
    Permission.AUDIT_READ,
    Permission.ALERTS_MANAGE,
    Permission.CHILDREN_ACCESS_READ,
}

#: The national team does what a management team does, for every authority.
_NATIONAL_ADMIN = _MANAGEMENT_TEAM

#: An auditor reads the audit trail and nothing else: monitoring others' use of the
#: index must not itself become a way to read children's records.
_AUDITOR = frozenset({Permission.ACCOUNTS_OWN_MANAGE, Permission.AUDIT_READ})

ROLE_PERMISSIONS: Mapping[str, frozenset[Permission]] = MappingProxyType({
    "practitioner": _PRACTITIONER,
    "management_team": frozenset(_MANAGEMENT_TEAM),
    "national_admin": frozenset(_NATIONAL_ADMIN),
    "auditor": _AUDITOR,
})

#: A source system's API client sends its own feed and may do nothing else: no person
#: stands behind its token, so it must never read a child's record. Which source it may
#: load for is checked where the feed arrives.
SOURCE_CLIENT_PERMISSIONS = frozenset({Permission.FEEDS_LOAD})


def permissions_for_role(role: str) -> frozenset[Permission]:
    """The permissions of a user's role; an unknown role has none (fail closed)."""
    return ROLE_PERMISSIONS.get(role, frozenset())


class Reach(StrEnum):
    """Whose children and users a role's scoped permissions reach (access/policy.py)."""

    #: Every authority's: the national team.
    NATIONAL = "national"
    #: Its own local authority's: a local management team.
    AUTHORITY = "authority"
    #: Nobody's beyond what its permissions give anyone holding them.
    NONE = "none"


ROLE_REACH: Mapping[str, Reach] = MappingProxyType({
    "practitioner": Reach.NONE,
    "management_team": Reach.AUTHORITY,
    "national_admin": Reach.NATIONAL,
    "auditor": Reach.NONE,
})

#: The roles that may break the glass on a shielded record (DOMAIN.md: child-protection
#: users), when they work for a child-protection organisation (access/policy.py).
BREAKS_GLASS = frozenset({"practitioner"})

#: Which kinds of organisation each role belongs to (None: any). A local management team
#: is its council's; the national team and its auditors are national partners'. An
#: auditor may also be a council's own, monitoring its users; a school or a surgery has
#: no trail of its own to audit.
ROLE_ORGANISATION_TYPES: Mapping[str, frozenset[str] | None] = MappingProxyType({
    "practitioner": None,
    "management_team": frozenset({"local_authority"}),
    "national_admin": frozenset({"national_partner"}),
    "auditor": frozenset({"local_authority", "national_partner"}),
})

#: The roles given in each kind of organisation, in the order a form lists them: the
#: national team admits national partners' staff, a council's team everyone else.
GRANTED_IN_NATIONAL_PARTNER = ("practitioner", "national_admin", "auditor")
GRANTED_ELSEWHERE = ("practitioner", "management_team", "auditor")


def reach_of_role(role: str) -> Reach:
    """How far a role's scoped permissions reach; an unknown role reaches nobody."""
    return ROLE_REACH.get(role, Reach.NONE)
