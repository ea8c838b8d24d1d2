"""Small helpers every stage shares: command-line value errors and safe file writes.

Nothing here knows about the model, the narration or Manim.
"""
