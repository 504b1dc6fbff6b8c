"""What the README tells a new user, checked against the code."""

import inspect
import re
import shlex
from pathlib import Path

import irl
import irl.errors

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
REWARDS_PAGE = (REPO / "docs" / "rewards.md").read_text()


def test_every_error_type_is_exported_from_irl():
    errors = {name: cls for name, cls in vars(irl.errors).items()
              if inspect.isclass(cls) and issubclass(cls, irl.errors.IrlError)}
    assert len(errors) >= 7
    for name, cls in errors.items():
        assert getattr(irl, name, None) is cls, name
        assert name in irl.__all__, name
    assert "irl.RewardError" in REWARDS_PAGE


def test_the_tour_says_how_to_make_the_expert_it_collects_from():
    """The collect command's --expert is written by a command shown before it."""
    lines = README.splitlines()
    collect = next(i for i, line in enumerate(lines) if line.strip().startswith("irl collect "))
    expert = shlex.split(lines[collect])[shlex.split(lines[collect]).index("--expert") + 1]
    maker = next(line.split("#")[0] for line in reversed(lines[:collect]) if "scripts/train_expert.py" in line)
    args = shlex.split(maker)
    script = (REPO / "scripts" / "train_expert.py").read_text()
    default_out = re.search(r'"--out", type=Path, default=Path\("([^"]+)"\)', script).group(1)
    out = args[args.index("--out") + 1] if "--out" in args else default_out
    env, algo = args[2], args[args.index("--algo") + 1]
    assert expert == f"{out}/{env}/{algo}.zip"  # train_expert.py writes OUT/ENV/ALGO.zip


def test_the_rewards_page_states_the_action_tolerance_it_checks():
    from irl.rewards.artifact import ACTION_TOLERANCE

    assert f"{ACTION_TOLERANCE:.1%} of its bounds' width" in REWARDS_PAGE


def test_the_readme_is_short_and_tells_no_history():
    assert len(README.splitlines()) <= 150
    assert not re.search(r"\bsessions?\b", README, re.IGNORECASE)
    assert not re.search(r"\b(third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)\b", README,
                         re.IGNORECASE)


def readme_set_up_commands(readme: str) -> list[str]:
    """The command lines of the README's set-up section: indented by four spaces, or in a
    fenced block, between its heading and the next one."""
    lines = readme.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"#+ .*(set-?up|install)", line, re.IGNORECASE))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")), len(lines))
    commands, fenced = [], False
    for line in lines[start + 1:end]:
        if line.strip().startswith("```"):
            fenced = not fenced
        elif (fenced or line.startswith("    ")) and line.strip():
            commands.append(line.strip())
    return commands


def ci_commands(script: str) -> list[str]:
    """The lines .ci/run runs: neither blank nor comments."""
    return [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_readme_set_up_commands_parse_from_either_block_style():
    readme = "# x\n\n## Set-up\n\nInstall:\n\n    a && b\n\n```bash\nc\n```\n\n## Tour\n\n    d\n"
    assert readme_set_up_commands(readme) == ["a && b", "c"]


def test_ci_runs_the_readme_set_up_commands_as_written():
    commands = readme_set_up_commands(README)
    assert len(commands) == 2, commands
    assert "python -m pytest" in commands[1]
    ran = ci_commands((REPO / ".ci" / "run").read_text())
    assert [line for line in ran if line in commands] == commands  # both, once each, in the README's order
    assert any(line.startswith("python3 -m venv") for line in ran[:ran.index(commands[0]) + 1])  # a fresh env
    assert any("mkdocs build --strict" in line for line in ran)
    assert ran[-1] == commands[1]  # the tests last: pytest's summary closes CI's log
