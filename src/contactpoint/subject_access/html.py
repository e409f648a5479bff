"""`sar.html`: the export as a document a parent can read, rendered from `sar.json` alone.

Plain English, GOV.UK-like styling inline, no scripts, nothing fetched: it opens from
a USB stick or an email attachment the same. Everything from the export is escaped.
Plain Python, no Django: `sar verify` renders it again to check the document matches
the verified JSON.
"""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = """
body{font-family:Arial,sans-serif;color:#0b0c0c;margin:0;line-height:1.4}
header{background:#0b0c0c;color:#fff;padding:10px 30px;font-weight:bold;font-size:20px}
main{max-width:960px;margin:0 auto;padding:20px 30px}
h1{font-size:32px}h2{font-size:24px;margin-top:40px}
table{border-collapse:collapse;width:100%;margin-bottom:20px}
th,td{text-align:left;vertical-align:top;border-bottom:1px solid #b1b4b6;padding:8px 10px 8px 0}
.inset{border-left:10px solid #b1b4b6;padding:10px 15px;margin:20px 0}
.warning{font-weight:bold}
"""


def _e(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return escape(str(value))


def _table(caption: str, head: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return f"<p>{escape(caption)}: none held.</p>"
    cells = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>"
                    for row in rows)
    heads = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    return (f"<table><caption>{escape(caption)}</caption><thead><tr>{heads}</tr></thead>"
            f"<tbody>{cells}</tbody></table>")


def _organisation(item: dict[str, Any]) -> str:
    return item.get("organisation") or item.get("kind") or ""


def _accesses(accesses: list[dict[str, Any]]) -> str:
    rows = []
    for a in accesses:
        where = a.get("organisation_name") or a.get("organisation_kind") or "ContactPoint"
        why = a.get("why") or ""
        if a.get("withheld_until"):
            why = f"Held back until {a['withheld_until']}"
        rows.append([a["at"][:19].replace("T", " ") + " UTC", where, a.get("who"),
                     a.get("what"), why])
    return _table("Every time the record was searched for, opened or changed",
                  ["When", "Organisation", "Who", "What was done", "Why"], rows)


def render(document: dict[str, Any]) -> str:
    """The whole document, as text (UTF-8 when written)."""
    held = document["record"]
    names = ("Practitioners are named." if document.get("practitioner_names") == "shown"
             else "Practitioners are described by their role, not named.")
    shielded = ("<div class=\"inset warning\">This record is shielded. Addresses, contact "
                "details and the names of organisations working with the child are not "
                "shown; each organisation is described by its kind. Reasons given in words, "
                "and why the record was shielded, are not shown.</div>"
                if document.get("shielded") else "")
    proved = sum(1 for a in document["accesses"] if a.get("proved"))
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>What ContactPoint holds about {escape(document['contactpoint_id'])}</title>",
        f"<style>{_STYLE}</style></head><body><header>ContactPoint</header><main>",
        f"<h1>What ContactPoint holds about {escape(document['contactpoint_id'])}</h1>",
        f"<p>This copy was made on {_e(document['generated_at'][:19].replace('T', ' '))} UTC "
        "in answer to a subject access request. It shows everything the index holds about "
        "the child, where each part came from and when, and every time anyone searched "
        "for, opened or changed the record.</p>",
        shielded,
        "<h2>The record</h2>",
        _table("Details held", ["Detail", "Value", "Sent by", "When"],
               [[f["field"], f["value"], f.get("source"), f.get("recorded_at")]
                for f in held["fields"]]),
        _table("Parents and carers",
               ["Name", "Relationship", "Parental responsibility", "Phone", "Email", "Sent by",
                "When"],
               [[c["name"], c.get("relationship"), c.get("parental_responsibility"),
                 c.get("phone"), c.get("email"), c.get("source"), c.get("recorded_at")]
                for c in held["carers"]]),
        _table("Services working with the child",
               ["Service", "Practitioner", "From", "To", "Lead professional", "Sent by",
                "When"],
               [[_organisation(s), s.get("practitioner"), s.get("start_date"),
                 s.get("end_date"), s.get("lead_professional"), s.get("source"),
                 s.get("recorded_at")] for s in held["services"]]),
        _table("Involvements recorded by practitioners",
               ["Organisation", "Practitioner", "From", "To", "Lead professional", "When"],
               [[_organisation(i), i.get("practitioner"), i.get("start_date"),
                 i.get("end_date"), i.get("lead_professional"), i.get("recorded_at")]
                for i in held["involvements"]]),
        "<p>Services a young person uses in confidence (sexual health, mental health, "
        "substance misuse) are never included in a copy for their family.</p>",
        "<h2>Who looked, and why</h2>",
        f"<p>{names} {proved} of these are proved complete and unaltered against the "
        "signed record of all access to the index: <code>contactpoint sar verify</code> "
        "checks it.</p>",
        _accesses(document["accesses"]),
        "</main></body></html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"
