"""Only the access policy and the permissions it reads name roles (access/permissions.py).

Anywhere else, "is this a management team member?" is a second copy of the policy that
the next change to it (archived children, targeted children) would miss. The code may
carry a role along (to store it, to audit it, to show its label) but not decide by it:
no comparison with a role's name or with anything's `.role`, no `Role.PRACTITIONER`-style
member, and no reading of a role's permissions or reach but through the policy.
"""

from __future__ import annotations

import ast
from pathlib import Path

from contactpoint.access.permissions import ROLE_PERMISSIONS

SOURCE = Path(__file__).resolve().parents[2] / "src" / "contactpoint"
#: Where roles are defined and decided by: the data, the policy, and the model's field.
ALLOWED = {"access/permissions.py", "access/policy.py", "access/models.py",
           "access/vocabulary.py"}
ROLE_NAMES = frozenset(ROLE_PERMISSIONS)
ROLE_MEMBERS = frozenset(name.upper() for name in ROLE_NAMES)
#: Role names that are also other things' names: "practitioner" is a source (a
#: practitioner's own involvement) and a service's field. Compared with a role only.
AMBIGUOUS = frozenset({"practitioner"})
ROLE_READERS = frozenset({"permissions_for_role", "reach_of_role", "ROLE_PERMISSIONS",
                          "ROLE_REACH", "BREAKS_GLASS"})


def _role_names(node: ast.AST) -> set[str]:
    """The role names a constant (or a collection of them) holds."""
    if isinstance(node, ast.Constant) and node.value in ROLE_NAMES:
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_role_names(e) for e in node.elts))
    return set()


def _is_role(node: ast.AST) -> bool:
    """Anything's `.role`, a variable called role, or a `Role.` member."""
    if isinstance(node, ast.Attribute) and node.attr in {"role", *ROLE_MEMBERS}:
        return True
    if isinstance(node, ast.Name) and "role" in node.id.lower():
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_role(e) for e in node.elts)
    return False


def _compares_roles(node: ast.Compare) -> bool:
    """A role's name compared with anything (an ambiguous one, with a role only), or
    `.role` / a `Role.` member compared with anything but the list of all roles."""
    sides = [node.left, *node.comparators]
    named = set().union(*(_role_names(side) for side in sides))
    roles = any(_is_role(side) for side in sides)
    attributes = any(isinstance(side, ast.Attribute) and side.attr in {"role", *ROLE_MEMBERS}
                     and not _all_roles(other) for side in sides for other in sides
                     if other is not side)
    return bool(named - AMBIGUOUS) or (roles and bool(named)) or attributes


def _all_roles(node: ast.AST) -> bool:
    """`Role.values`: checking that a role is one of all of them decides nothing."""
    return (isinstance(node, ast.Attribute) and node.attr in {"values", "choices"}
            and isinstance(node.value, ast.Name) and node.value.id == "Role")


def role_decisions(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every place the tree decides by a role."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and _compares_roles(node):
            found.append((node.lineno, "compares with a role"))
        elif (isinstance(node, ast.Attribute) and node.attr in ROLE_MEMBERS
              and isinstance(node.value, ast.Name) and node.value.id == "Role"):
            found.append((node.lineno, f"Role.{node.attr}"))
        elif isinstance(node, ast.Name) and node.id in ROLE_READERS:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.alias) and node.name in ROLE_READERS:
            found.append((getattr(node, "lineno", 0), f"imports {node.name}"))
        elif isinstance(node, ast.Match):
            found.extend((case.pattern.lineno, "matches a role") for case in node.cases
                         if isinstance(case.pattern, ast.MatchValue)
                         and _role_names(case.pattern.value))
    return found


def test_no_module_outside_the_policy_decides_by_a_role():
    offenders = []
    files = sorted(SOURCE.rglob("*.py"))
    assert len(files) > 100, "the walk found too few modules: it is broken"
    for path in files:
        relative = path.relative_to(SOURCE).as_posix()
        if relative in ALLOWED or "/migrations/" in relative:
            continue
        for line, what in role_decisions(ast.parse(path.read_text(), str(path))):
            offenders.append(f"{relative}:{line}: {what}")
    assert offenders == []


def test_the_walk_finds_each_way_of_deciding_by_a_role():
    code = '''
from contactpoint.access.permissions import permissions_for_role
if user.role == "national_admin": pass
if actor.role != Role.NATIONAL_ADMIN: pass
if "auditor" in (viewer.role,): pass
granted = Permission.AUDIT_READ in permissions_for_role(user.role)
match role:
    case "management_team": pass
'''
    found = [what for _line, what in role_decisions(ast.parse(code))]
    assert found.count("compares with a role") == 3
    assert "Role.NATIONAL_ADMIN" in found
    assert "imports permissions_for_role" in found
    assert "permissions_for_role" in found
    assert "matches a role" in found


def test_carrying_a_role_along_is_not_deciding_by_it():
    code = '''
audit.record("x", details={"role": user.role})
label = Role(user.role).label
if role not in Role.values: raise AccessError("role: ...")
add_user(username="demo", role="practitioner")
'''
    assert role_decisions(ast.parse(code)) == []
