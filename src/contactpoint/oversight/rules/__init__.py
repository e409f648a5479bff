"""The misuse rules over the audit trail, a module each (base.py: what they share).

`RULES` maps each rule's name (an alert's `rule`) to its `check`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from contactpoint.oversight.rules import (
    break_glass,
    out_of_area,
    out_of_hours,
    own_family,
    sign_ins,
    trawling,
    volume,
)
from contactpoint.oversight.rules.base import Context, Finding, Seen

Check = Callable[[list[Seen], Context], list[Finding]]

RULES: MappingProxyType[str, Check] = MappingProxyType({
    own_family.RULE: own_family.check,
    volume.RULE: volume.check,
    trawling.RULE: trawling.check,
    out_of_area.RULE: out_of_area.check,
    break_glass.RULE: break_glass.check,
    sign_ins.RULE: sign_ins.check,
    out_of_hours.RULE: out_of_hours.check,
})
