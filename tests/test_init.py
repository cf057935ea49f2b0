"""`playbookgen init`: a new playbook repository that builds at once, and never overwrites anything."""

from __future__ import annotations

import re

import click
import frontmatter
import pytest
import yaml
from click.testing import CliRunner

from playbookgen import __version__
from playbookgen.cli import cli
from playbookgen.init_command import init
from playbookgen.layout import DEFAULTS
from tests.conftest import REPO, VALID_RETRO

EXPECTED = {
    ".github/workflows/playbook.yml",
    ".gitignore",
    ".gitlab-ci.yml",
    "mkdocs.yml",
    "pages/confidentiality.md",
    "retros/README.md",
    "site_config/playbook.yml",
}
PIN = f'pip install "playbookgen=={__version__}"'


def files_below(root):
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def run_init(*args):
    return CliRunner().invoke(init, [str(a) for a in args])


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "new-playbook"  # does not exist yet: init creates it
    result = run_init(root)
    assert result.exit_code == 0, result.output + result.stderr
    return root


def run_steps(job):
    return [step.get("run", "") for step in job["steps"]]


def test_init_creates_exactly_the_scaffold(repo):
    assert files_below(repo) == EXPECTED


def test_init_prints_every_file_and_the_next_steps(tmp_path):
    result = run_init(tmp_path / "pb")
    assert result.exit_code == 0
    for relative in EXPECTED:
        assert f"  {relative}\n" in result.stdout
    for step in ("cd ", "playbookgen new", "playbookgen check", "playbookgen build"):
        assert step in result.stdout


def test_init_defaults_to_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_init()
    assert result.exit_code == 0, result.stderr
    assert files_below(tmp_path) == EXPECTED
    assert "cd " not in result.stdout


def test_the_new_repository_checks_and_builds_at_once(repo):
    runner = CliRunner()
    check = runner.invoke(cli, ["-C", str(repo), "check", "--strict"])
    assert check.exit_code == 0, check.stderr
    assert "checked 0 retro files" in check.stderr
    build = runner.invoke(cli, ["-C", str(repo), "build", "--strict"])
    assert build.exit_code == 0, build.stderr
    assert (repo / "site/index.html").is_file()
    assert (repo / "site/confidentiality/index.html").is_file()  # the hand-written page is published
    assert "<title>Sales playbook" in (repo / "site/index.html").read_text(encoding="utf-8")


def test_the_new_repository_builds_a_retro_for_the_public_audience(repo):
    retro = VALID_RETRO.replace("---\ntitle:", "---\nvisibility: public\ntitle:", 1)
    (repo / "retros/2025").mkdir()
    (repo / "retros/2025/2025-03-11-osprey.md").write_text(retro, encoding="utf-8")
    build = CliRunner().invoke(cli, ["-C", str(repo), "build", "--strict", "--audience", "public"])
    assert build.exit_code == 0, build.stderr
    assert (repo / "site/retros/2025-03-11-osprey/index.html").is_file()


def test_a_team_file_overrides_the_packaged_default(repo):
    marker = "MARKER-3f9c team home page"
    home = (DEFAULTS / "templates/home.md.j2").read_text(encoding="utf-8")
    (repo / "templates").mkdir()
    (repo / "templates/home.md.j2").write_text(f"{home}\n\n{marker}\n", encoding="utf-8")
    build = CliRunner().invoke(cli, ["-C", str(repo), "build"])
    assert build.exit_code == 0, build.stderr
    assert marker in (repo / "site/index.html").read_text(encoding="utf-8")


def test_name_option_sets_site_name_and_title(tmp_path):
    name = 'Acme: "EMEA" playbook # 2'  # YAML-hostile on purpose
    result = run_init(tmp_path / "pb", "--name", name)
    assert result.exit_code == 0
    mkdocs = (tmp_path / "pb/mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^# site_url: https://", mkdocs, re.MULTILINE)  # a commented hint, not a setting
    assert yaml.load(mkdocs, Loader=yaml.BaseLoader)["site_name"] == name
    assert (
        yaml.safe_load((tmp_path / "pb/site_config/playbook.yml").read_text(encoding="utf-8"))["title"]
        == name
    )


def test_empty_name_is_a_usage_error(tmp_path):
    result = run_init(tmp_path / "pb", "--name", "  ")
    assert result.exit_code == 2
    assert not (tmp_path / "pb").exists()


def test_running_init_twice_refuses_and_writes_nothing(repo):
    (repo / "mkdocs.yml").write_text("site_name: mine\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    result = run_init(repo)
    assert result.exit_code == 1
    for relative in EXPECTED:
        assert f"  {relative}\n" in result.stderr
    assert "nothing was written" in result.stderr
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before


def test_one_existing_file_makes_it_refuse(tmp_path):
    root = tmp_path / "pb"
    root.mkdir()
    (root / "mkdocs.yml").write_text("site_name: mine\n", encoding="utf-8")
    result = run_init(root)
    assert result.exit_code == 1
    assert "  mkdocs.yml\n" in result.stderr and "retros/README.md" not in result.stderr
    assert files_below(root) == {"mkdocs.yml"}
    assert (root / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: mine\n"
    assert sorted(p.name for p in root.iterdir()) == ["mkdocs.yml"]  # not even a folder was made


def test_a_file_where_a_scaffold_folder_goes_makes_it_refuse(tmp_path):
    root = tmp_path / "pb"
    root.mkdir()
    (root / "site_config").write_text("not a folder\n", encoding="utf-8")
    result = run_init(root)
    assert result.exit_code == 1
    assert "site_config (a file where a folder is needed)" in result.stderr
    assert files_below(root) == {"site_config"}


def test_other_files_in_the_folder_are_left_alone(tmp_path):
    root = tmp_path / "pb"
    (root / "retros/2025").mkdir(parents=True)
    (root / "retros/2025/2025-03-11-osprey.md").write_text(VALID_RETRO, encoding="utf-8")
    result = run_init(root)
    assert result.exit_code == 0, result.stderr
    assert files_below(root) == EXPECTED | {"retros/2025/2025-03-11-osprey.md"}
    assert CliRunner().invoke(cli, ["-C", str(root), "check", "--strict"]).exit_code == 0


def test_init_under_the_group_resolves_dir_below_the_root(tmp_path):
    # The lead registers `init` in cli.py; here a copy of the group gets it, so `cli` itself is not changed.
    group = click.Group(
        "playbookgen", params=cli.params, callback=cli.callback, commands={**cli.commands, "init": init}
    )
    result = CliRunner().invoke(group, ["-C", str(tmp_path), "init", "pb"])
    assert result.exit_code == 0, result.stderr
    assert files_below(tmp_path / "pb") == EXPECTED


def test_github_workflow(repo):
    workflow = yaml.safe_load((repo / ".github/workflows/playbook.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    check, deploy = workflow["jobs"]["check"], workflow["jobs"]["deploy"]
    assert "pull_request" in check["if"]
    assert "playbookgen check --strict --format github" in run_steps(check)
    deploy_runs = run_steps(deploy)
    assert "playbookgen check --strict" in deploy_runs
    assert any(r.startswith("playbookgen build") and "--audience public" in r for r in deploy_runs)
    for job in (check, deploy):
        assert PIN in run_steps(job)
        setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
        assert setup["with"]["python-version"] == "3.12"
    assert deploy["permissions"]["pages"] == "write" and deploy["permissions"]["id-token"] == "write"
    assert deploy["environment"]["name"] == "github-pages"
    uses = [s["uses"].split("@")[0] for s in deploy["steps"] if "uses" in s]
    assert uses[-2:] == ["actions/upload-pages-artifact", "actions/deploy-pages"]
    text = (repo / ".github/workflows/playbook.yml").read_text(encoding="utf-8")
    assert "A GitHub Pages site is public, even when this repository is private" in text


def test_gitlab_ci(repo):
    ci = yaml.safe_load((repo / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert ci["image"] == "python:3.12"
    assert ci["default"]["before_script"] == [PIN]
    assert "playbookgen check --strict" in ci["check"]["script"]
    assert "merge_request_event" in ci["check"]["rules"][0]["if"]
    pages = ci["pages"]
    assert "$CI_DEFAULT_BRANCH" in pages["rules"][0]["if"]
    assert pages["script"][0] == "playbookgen check --strict"
    build = pages["script"][-1]
    assert (
        build.startswith("playbookgen build")
        and "--audience public" in build
        and "--site-dir public" in build
    )
    assert pages["artifacts"]["paths"] == ["public"]


def test_gitignore(repo):
    lines = (repo / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"/build/", "/site/", ".venv/", "__pycache__/"} <= set(lines)


def test_site_config_is_valid_and_names_the_taxonomy_override(repo):
    text = (repo / "site_config/playbook.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert config["default_visibility"] == "internal" and config["default_audience"] == "internal"
    assert config["default_currency"] == "EUR"
    assert "value_bands" not in config and "# value_bands:" in text and "# max_file_size:" in text
    assert "site_config/taxonomy.yml" in text


def test_writers_guide_names_nothing_from_the_sample_corpus(repo):
    guide = (repo / "retros/README.md").read_text(encoding="utf-8").lower()
    names = set()
    for path in (REPO / "retros").rglob("*.md"):
        if path.name == "README.md":
            continue
        meta = frontmatter.loads(path.read_text(encoding="utf-8")).metadata
        deal = meta.get("deal") or {}
        names |= {deal.get("codename"), deal.get("account"), *(deal.get("account_aliases") or [])}
        names |= {member.get("name") for member in meta.get("team") or [] if isinstance(member, dict)}
        names |= {c if isinstance(c, str) else c.get("name") for c in deal.get("competitors") or []}
    names = {str(n).lower() for n in names if n} - {"in-house build", "in-house", "status quo"}
    assert len(names) > 20
    assert [n for n in sorted(names) if re.search(rf"\b{re.escape(n)}\b", guide)] == []


def test_confidentiality_page_is_this_repositorys(repo):
    assert (repo / "pages/confidentiality.md").read_bytes() == (
        REPO / "pages/confidentiality.md"
    ).read_bytes()


def test_pre_commit_hook():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "playbookgen-check")
    assert hook["entry"] == "playbookgen check --strict"
    assert hook["language"] == "python"
    assert hook["files"] == "^retros/"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "retros/2025/2025-03-11-osprey.md")
    assert not re.search(hook["files"], "docs/retros/x.md")
