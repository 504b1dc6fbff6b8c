"""The package's import graph: no module imports one that imports it back (directly or
through others) and no folder one that imports it back, counting imports inside functions and under TYPE_CHECKING too; and the
rules the folders stand for (docs/layout.md): only irl/rl/ imports stable-baselines3,
the energy side imports neither it nor the runs, learners do not import each other,
loading a reward imports no training code, and only irl/sweep/ray_backend.py imports Ray."""

import ast
import configparser
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "irl"
SB3 = "stable_baselines3"


def _module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(package: Path) -> dict[str, Path]:
    return {_module_name(p, package): p for p in package.glob("**/*.py")}


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported_names(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Every absolute module name a file imports, and module.name for each ``from`` import.

    With ``top_level_only``, only what importing the module runs: statements outside
    functions and outside ``if TYPE_CHECKING:``."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            if top_level_only and (isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                                   or _is_type_checking(child)):
                continue
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def import_graph(package: Path, *, top_level_only: bool = False) -> dict[str, set[str]]:
    """{module: the irl modules it imports} (anywhere in its source, or on import only)."""
    modules = _modules(package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = imported_names(path, top_level_only=top_level_only)
        graph[name] = {m for m in found if m in modules and m != name and not name.startswith(m + ".")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of nodes (first == last), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def loaded_with(graph: dict[str, set[str]], start: str) -> set[str]:
    """The irl modules importing ``start`` loads: what it imports, their parent packages
    (``import irl.a.b`` runs ``irl/__init__`` and ``irl/a/__init__`` first), and so on."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parents = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        todo.extend(m for m in [*graph.get(name, ()), *parents] if m in graph)
    return seen


def test_find_cycle_finds_one_and_only_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_loaded_with_follows_imports_and_parent_packages():
    graph = {"p": {"p.x"}, "p.x": set(), "p.a": set(), "p.a.b": {"p.c"}, "p.c": set()}
    assert loaded_with(graph, "p.a.b") == {"p.a.b", "p.c", "p.a", "p", "p.x"}


def test_top_level_only_skips_imports_in_functions_and_type_checking(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import a\nfrom b import c\nif TYPE_CHECKING:\n    import d\n"
                      "def f():\n    import e\nclass K:\n    import g\n")
    assert imported_names(source) == {"a", "b", "b.c", "d", "e", "g"}
    assert imported_names(source, top_level_only=True) == {"a", "b", "b.c", "g"}


@pytest.mark.parametrize("package", [PACKAGE])
def test_irl_has_no_import_cycle(package):
    graph = import_graph(package)
    assert "irl.runs.trainer" in graph and "irl.energy.discriminator" in graph["irl.runs.trainer"]
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def folder_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The module graph folded to irl's folders (irl.data, irl.energy, ..., and irl.api etc. as
    they are): {folder: the other folders its modules import}."""
    def folder(module: str) -> str:
        return ".".join(module.split(".")[:2])

    folded: dict[str, set[str]] = {}
    for name, targets in graph.items():
        if name == "irl":  # the public front imports every side
            continue
        folded.setdefault(folder(name), set()).update(folder(t) for t in targets if t != "irl")
    return {k: v - {k} for k, v in folded.items()}


def test_the_folders_import_each_other_in_one_direction():
    """data <- energy <- rl <- runs <- rewards <- sweep: no folder imports one that imports it back."""
    folders = folder_graph(import_graph(PACKAGE))
    assert "irl.rl" in folders["irl.runs"]  # the trainer drives the generator
    cycle = find_cycle(folders)
    assert cycle is None, " -> ".join(cycle)
    assert find_cycle(folder_graph({"irl.a.x": {"irl.b.y"}, "irl.b.y": {"irl.a.z"}, "irl.a.z": set()})) is not None


def test_only_the_rl_side_imports_stable_baselines3():
    importers = {name for name, path in _modules(PACKAGE).items()
                 if any(m == SB3 or m.startswith(SB3 + ".") for m in imported_names(path))}
    assert "irl.rl.sb3_adapter" in importers
    assert {m for m in importers if not m.startswith("irl.rl.")} == set()


def test_the_energy_side_imports_neither_sb3_nor_the_runs():
    graph = import_graph(PACKAGE)  # imports anywhere, inside functions too
    graph["irl"] = set()  # irl/__init__ is the public front that imports every side, not the energy's own import
    modules = _modules(PACKAGE)
    energy = [m for m in graph if m == "irl.energy" or m.startswith("irl.energy.")]
    assert "irl.energy.discriminator" in energy and "irl.energy.algorithms.airl" in energy
    for name in energy:
        reached = loaded_with(graph, name)
        assert not {m for m in reached if m.startswith(("irl.runs", "irl.rl", "irl.api", "irl.cli"))}, name
        assert not {m for m in reached if any(n.split(".")[0] == SB3 for n in imported_names(modules[m]))}, name


def test_the_learners_do_not_import_each_other():
    graph = import_graph(PACKAGE)
    learners = {m for m in graph if m.startswith("irl.energy.algorithms.")}
    assert learners == {"irl.energy.algorithms.gail", "irl.energy.algorithms.airl", "irl.energy.algorithms.gcl"}
    for name in learners:
        assert not graph[name] & (learners - {name}), name


TRAINING = ("irl.runs.trainer", "irl.energy.discriminator", "irl.energy.history", "irl.rl.sb3_adapter",
            "irl.rl.sac_generator", "irl.rl.pretrain", "irl.rl.policy_io", "irl.api", "irl.cli")
"""Modules that train; loading a reward needs none of them (nor stable-baselines3)."""


def test_loading_a_reward_loads_no_training_code_by_its_imports():
    graph = import_graph(PACKAGE, top_level_only=True)
    modules = _modules(PACKAGE)
    loaded = loaded_with(graph, "irl.rewards.artifact")
    assert {"irl", "irl.rewards", "irl.rewards.artifact", "irl.energy.networks"} <= loaded
    assert not {m for m in loaded if m.startswith(TRAINING)}
    assert not {m for m in loaded if any(n.split(".")[0] == SB3 for n in imported_names(modules[m], top_level_only=True))}


def test_loading_and_calling_a_reward_imports_no_training_code(tmp_path):
    import numpy as np

    from irl.rewards.artifact import export_reward
    from tests.test_reward_artifact import batch, fake_run

    run, _, env = fake_run(tmp_path, "airl", "Pendulum-v1")
    artifact = export_reward(run, tmp_path / "reward")
    obs, acts, nxt, done = batch(env)
    np.savez(tmp_path / "inputs.npz", obs=obs, acts=acts, next_obs=nxt, done=done)
    script = (
        "import sys, numpy as np, irl\n"
        f"reward = irl.load_reward({str(artifact)!r})\n"
        f"x = np.load({str(tmp_path / 'inputs.npz')!r})\n"
        "assert reward(x['obs'], x['acts'], x['next_obs'], x['done']).shape == (len(x['obs']),)\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.split())
    assert "irl.rewards.artifact" in loaded
    assert not {m for m in loaded if m.split(".")[0] == SB3 or m.startswith(TRAINING)}


RAY_MODULE = "irl.sweep.ray_backend"
"""The one module that imports Ray (an optional extra); nothing imports it on import."""


def test_only_the_sweeps_ray_backend_imports_ray_and_only_when_a_sweep_runs():
    modules = _modules(PACKAGE)
    importers = {name for name, path in modules.items()
                 if any(m.split(".")[0] in ("ray", "optuna") for m in imported_names(path))}
    assert importers == {RAY_MODULE}
    graph = import_graph(PACKAGE, top_level_only=True)
    for start in ("irl", "irl.cli", "irl.sweep.spec", "irl.sweep.report", "irl.sweep.trial", "irl.sweep.command"):
        assert RAY_MODULE not in loaded_with(graph, start), start


def test_setup_cfg_installs_every_package():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    on_disk = {_module_name(p, PACKAGE) for p in PACKAGE.glob("**/__init__.py")
               if not (PACKAGE / p.relative_to(PACKAGE).parts[0]).is_symlink()}  # a checkout's own irl/envs link
    assert "irl.energy.algorithms" in on_disk and on_disk - listed == set()
    assert listed - on_disk == {"irl.envs", "irl.demo_sets"}  # mapped from envs/ and demos/ by package_dir
