"""Gymnasium's HalfCheetah (v4, v5), its model built without MuJoCo's deprecated ``settotalmass``.

Gymnasium's half_cheetah.xml asks the compiler to scale the body masses to a total of
14 (``<compiler settotalmass="14">``), which MuJoCo warns on every load is deprecated.
:func:`compile_model` drops the attribute and scales the compiled model the current way
(``mj_setTotalmass``, then ``mj_setConst``), and recomputes the two statistics the
compiler derives from the masses (mean body mass and mean diagonal inertia, which the
constraint solver uses for scale): the model is the same array for array, and so are
its trajectories (tests/test_envs.py). ``import irl`` points the two ids at these classes.
"""

from __future__ import annotations

import re
from pathlib import Path

import mujoco
from gymnasium.envs.mujoco import half_cheetah_v4, half_cheetah_v5

_SET_TOTAL_MASS = re.compile(r'\s+settotalmass\s*=\s*"([^"]*)"')


def compile_model(path: str | Path) -> mujoco.MjModel:
    """The MuJoCo model of the XML file ``path``; a ``settotalmass`` compiler attribute is
    applied to the compiled model instead of by the compiler. A file with the attribute
    is compiled from its text, so it must not name other files (meshes, includes)."""
    xml = Path(path).read_text()
    found = _SET_TOTAL_MASS.search(xml)
    if found is None:
        return mujoco.MjModel.from_xml_path(str(path))
    model = mujoco.MjModel.from_xml_string(xml[:found.start()] + xml[found.end():])
    total = float(found.group(1))
    if total > 0:  # the compiler ignores the attribute where it is not positive
        mujoco.mj_setTotalmass(model, total)
        mujoco.mj_setConst(model, mujoco.MjData(model))
        model.stat.meanmass = float(model.body_mass[1:].mean())
        model.stat.meaninertia = float(model.dof_M0.mean())
    return model


class _CompiledHere:
    """Overrides MujocoEnv's model loading with :func:`compile_model`."""

    def _initialize_simulation(self) -> tuple[mujoco.MjModel, mujoco.MjData]:
        model = compile_model(self.fullpath)
        # as MujocoEnv does: only grow the offscreen framebuffer
        model.vis.global_.offwidth = max(model.vis.global_.offwidth, self.width)
        model.vis.global_.offheight = max(model.vis.global_.offheight, self.height)
        return model, mujoco.MjData(model)


class HalfCheetahV5(_CompiledHere, half_cheetah_v5.HalfCheetahEnv):
    """HalfCheetah-v5, its model built by :func:`compile_model`."""


class HalfCheetahV4(_CompiledHere, half_cheetah_v4.HalfCheetahEnv):
    """HalfCheetah-v4, its model built by :func:`compile_model`."""


GYMNASIUM_ENTRY_POINTS = {
    "HalfCheetah-v5": ("gymnasium.envs.mujoco.half_cheetah_v5:HalfCheetahEnv", "irl.envs.half_cheetah:HalfCheetahV5"),
    "HalfCheetah-v4": ("gymnasium.envs.mujoco.half_cheetah_v4:HalfCheetahEnv", "irl.envs.half_cheetah:HalfCheetahV4"),
}
"""id: (Gymnasium's entry point, the one irl registers in its place)."""
