"""Demonstration sets shipped with irl (installed as the data package ``irl.demo_sets``).

See README.md in this folder for how each set was made.
"""
