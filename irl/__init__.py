"""irl: GAIL, AIRL and GCL as choices inside one energy-based discriminator,
D = exp(-E) / (exp(-E) + Z·q), with a stable-baselines3 inner loop."""

from irl.data.demos import DemoSet, load_demos, save_demos
from irl.data.types import Transitions
from irl.envs import register_envs
from irl.errors import (
           ConfigError,
           DemoError,
           EnvError,
           IrlError,
           RewardError,
           RunDirError,
           TrainingError,
)
from irl.rewards.artifact import LearnedReward, export_reward, load_reward
from irl.rewards.wrappers import LearnedRewardWrapper
from irl.runs.config import TrainConfig

__all__ = ["ConfigError", "DemoError", "DemoSet", "EnvError", "IrlError", "LearnedReward", "LearnedRewardWrapper",
           "RewardError", "RunDirError", "TrainConfig", "TrainingError", "Transitions", "export_reward", "load_demos",
           "load_reward", "save_demos"]
__version__ = "0.1.0"

register_envs()
