"""The recipes shipped with irl: one TOML file per task, read by :mod:`irl.runs.recipes`
(the whole recipe) and :mod:`irl.rl.presets` (its inner-loop tables). Format:
docs/how-to/recipes.md."""
