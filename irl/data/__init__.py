"""The data side: demonstrations and what they are made of.

:mod:`~irl.data.types` (``Transitions``, shape-checked batches), :mod:`~irl.data.spaces`
(Gymnasium spaces as JSON), :mod:`~irl.data.demos` (the demo file: load, validate,
record) and :mod:`~irl.data.demo_formats` / :mod:`~irl.data.demo_arrays` (demos written
by other libraries, read as data).
"""
