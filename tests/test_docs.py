"""Every command and setting is documented, and the docs agree with the code."""

import re
from pathlib import Path

from contactpoint.cli.commands import REGISTRY
from contactpoint.cli.main import _parser

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_is_in_the_cli_docs():
    cli_doc = (ROOT / "docs" / "cli.md").read_text()
    parser = _parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert len(sub.choices) == len(REGISTRY)
    for name, subparser in sub.choices.items():
        nested = [a for a in subparser._actions if getattr(a, "choices", None)
                  and a.dest.endswith("_command")]
        names = [f"{name} {n}" for a in nested for n in a.choices] or [name]
        for full in names:
            assert f"`contactpoint {full}" in cli_doc, f"`contactpoint {full}` is undocumented"


def test_every_setting_is_in_the_configuration_docs():
    doc = (ROOT / "docs" / "configuration.md").read_text()
    source = "\n".join(p.read_text() for p in (ROOT / "src").rglob("*.py"))
    # CONTACTPOINT_ID is the placeholder for a child's id in usage text, not a setting.
    used = set(re.findall(r"CONTACTPOINT_[A-Z_]+", source)) - {"CONTACTPOINT_ID"}
    assert used, "no settings found: the scan is broken"
    for name in sorted(used):
        assert f"`{name}`" in doc, f"{name} is read by the code but not documented"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_docs_link_to_files_that_exist():
    for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", doc.read_text()):
            if "://" not in target:
                path = (doc.parent / target).resolve()
                assert path.is_relative_to(ROOT), f"{doc.name} links outside the repository"
                assert path.exists(), f"{doc.name} links to missing {target}"
