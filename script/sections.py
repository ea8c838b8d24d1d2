"""The narration's sections, in video order: the one list everyone imports.

Each id is one narration section (`-- attention: 自注意力 --`) and one Manim scene, the
module scenes/<id>.py (scenes/registry.py finds it by that name). The languages are files,
not a list: see script/languages.py.
"""
from __future__ import annotations

SCENE_IDS: tuple[str, ...] = (
    "intro",        # 简介: the whole inference in a few sentences
    "input",        # 输入: tokens and their numbers
    "prediction",   # the seed's first 输出: what comes out, fed back, repeated
    "embedding",    # 输入细节: token + position embeddings
    "transformer",  # Transformer 细节: the parts of one block
    "layernorm",    # 层归一化
    "attention",    # 自注意力
    "feedforward",  # 前馈细节
    "stack",        # Transformer 总结
    "output",       # 输出: ln_f, lm_head, softmax, the choice
    "learned",      # 模型学到了什么: the six steps again, what the numbers mean (engine/learned.py)
)
