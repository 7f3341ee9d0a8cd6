"""The README's two commands stay true: CI runs the second one verbatim."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    blocks = ROOT.joinpath("README.md").read_text().split("```bash\n")
    start, test = blocks[1].split("\n```")[0].strip(), blocks[2].split("\n```")[0].strip()
    assert start.endswith("assistant chat")
    assert test in ROOT.joinpath(".ci/run").read_text().splitlines()
