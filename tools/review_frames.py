"""The review's evidence moments again, before | after, from a current 1080p render.

The review of the old zh CBABBC video (../shared/reviews/video-1.md) cites full-frame PNGs named
by their time in that video (attn_0818_yellowflash.png = 8:18). MOMENTS maps each one to what it
shows: a narration line id and a share 0..1 into that line. This script renders the video (or
only the scenes it needs, through the project's CLI; the render cache makes a rerun cheap), finds
each moment in the render from the pipeline's own timeline, takes that frame (ffmpeg) and writes

    media/review/<input>-<lang>/<png name>   before (the review's frame) | after (now), labelled

For a case the review has no video of (CABACA en), the after frame alone, same moments.

    .venv/bin/python tools/review_frames.py --input CBABBC --lang zh [--scenes output,embedding]
    make review-frames INPUT=CABACA LANG=en
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REVIEW_DIR = Path(os.environ.get("REVIEW_DIR") or ROOT.parent / "shared" / "reviews" / "video-1")
BEFORE_CASE = ("CBABBC", "zh")   # the video the review looked at

# evidence PNG -> (narration line id, share of the line): what the review says is on screen
MOMENTS = {
    "intro_040.png": ("intro.nano-gpt", 0.5),                   # the spec card
    "intro_0156_vectors.png": ("intro.embed", 0.6),              # "C = 48" at the left edge
    "intro_0212_transition.png": ("intro.output-answer", 0.5),   # the chart flying over softmax
    "input_0248.png": ("input.mappings", 0.6),                   # word -> id column
    "pred_0340.png": ("prediction.next-token", 0.7),             # 6th element, 1.00 / 0.00 / 0.00
    "pred_0408_scale.png": ("prediction.complicated", 0.6),      # 85,728 vs 124 M
    "idetail_0424.png": ("embedding.structure", 0.9),            # unlabelled thumbnails
    "emb_0457.png": ("embedding.add", 0.3),                      # tok_emb + pos_emb of the focus
    "tdetail_0516.png": ("transformer.parts", 0.5),              # caption breaks
    "ln_start_322.6.png": ("layernorm.before-each", 0.02),       # the chapter's first frames
    "ln_start_323.5.png": ("layernorm.before-each", 0.1),
    "ln_0552.png": ("layernorm.scale-shift", 0.8),               # mu, sigma^2, out
    "attn_0624_emptybox.png": ("attention.one-head", 0.5),       # the empty head box
    "attn_0636_qkv.png": ("attention.qkv", 0.8),                 # Q/K/V in the left 42 %
    "attn_0637_matvec.png": ("attention.matvec", 0.2),           # the matrix-vector step
    "attn_0640_matvec.png": ("attention.matvec", 0.8),
    "attn_0716.png": ("attention.dot-product", 0.8),             # sum x 1/sqrt(A)
    "attn_0724.png": ("attention.causal", 0.5),                  # the mask on the focus row
    "attn_0802.png": ("attention.softmax-max", 0.9),             # the softmax row, its sum
    "attn_0818_yellowflash.png": ("attention.weighted-sum", 0.5),
    "attn_0846_heads.png": ("attention.other-heads", 0.9),       # heads overview, top 45 %
    "proj_0921.png": ("attention.projection", 0.5),              # concat and projection, left 55 %
    "resid_0948.png": ("attention.residual-add", 0.8),           # the residual mini-diagram
    "ffn_0952_first.png": ("feedforward.matvec", 0.0),           # the chapter's first frame
    "ffn_0953.png": ("feedforward.matvec", 0.1),
    "ffn_0956.png": ("feedforward.matvec", 0.5),                 # everything in the left third
    "ffn_1006.png": ("feedforward.expand", 0.6),                 # x as rows above W_fc
    "ffn_1035_gelu.png": ("feedforward.gelu", 0.7),              # the GELU label collision
    "ffn_1051_resid.png": ("feedforward.residual", 0.6),         # cramped top right
    "sum_1119.png": ("stack.our-model", 0.7),                    # the parameter count
    "out_1146.png": ("output.logit-meaning", 0.5),               # the 6th column's logits
    "out_1221_sampling.png": ("output.sampling", 0.8),           # sampling bar
    "out_1237_temp.png": ("output.temperature", 0.8),            # temperatures, "sum = 1" edge
    "out_1316_final.png": ("learned.done", 0.97),                 # the finished output
}


def moment_times(timeline, scene_ids) -> dict[str, float]:
    """png name -> seconds into a video of `scene_ids` (in order), for the moments it holds."""
    starts, t = {}, 0.0
    for section in scene_ids:
        starts[section] = t
        t += timeline.section_duration(section)
    times = {}
    for png, (line_id, share) in MOMENTS.items():
        line = timeline.line(line_id)
        if line.section in starts:
            # a frame inside the line, never its last (that may already be the next line's picture); the
            # last line's last 15 % is the handoff to the next chapter (the map), so shares stay below
            times[png] = starts[line.section] + line.start + min(share * line.duration, line.duration - 0.05)
    return times


def frame_at(video: Path, seconds: float, out: Path) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{seconds:.3f}", "-i", str(video),
                    "-frames:v", "1", str(out)], check=True)
    return out


def side_by_side(before: Path | None, after: Path, title: str, out: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    shot = Image.open(after).convert("RGB")
    panels = [("before", Image.open(before).convert("RGB").resize(shot.size))] if before else []
    panels.append(("after", shot))
    band = 56
    sheet = Image.new("RGB", (shot.width * len(panels) + 8 * (len(panels) - 1), shot.height + band), "#0f1117")
    draw = ImageDraw.Draw(sheet)
    try:
        font = ImageFont.truetype("DejaVuSans.ttf", 32)
    except OSError:
        font = ImageFont.load_default()
    for i, (name, image) in enumerate(panels):
        x = i * (shot.width + 8)
        sheet.paste(image, (x, band))
        draw.text((x + 16, 10), f"{name}: {title}", fill="#ffd54a" if name == "after" else "#8b93a1", font=font)
    sheet.save(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", default="CBABBC")
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--voice", default="auto")
    parser.add_argument("--scenes", default="", help="only the moments of these scenes (ID,ID): a partial render")
    parser.add_argument("--jobs", default="")
    args = parser.parse_args(argv)

    from pipeline import options
    from scenes.context import SceneContext

    scene_ids = options.scene_ids([s for s in args.scenes.split(",") if s])
    settings = options.settings(args.input, args.lang, "high", args.voice)
    cli = [str(ROOT / ".venv" / "bin" / "nanogpt-video"), "render", f"--input={args.input}",
           f"--lang={args.lang}", f"--voice={args.voice}", "--quality=high"]
    cli += [f"--jobs={args.jobs}"] if args.jobs else []
    cli += [f"--scenes={','.join(scene_ids)}"] if scene_ids != options.SCENE_IDS else []
    subprocess.run(cli, check=True, cwd=ROOT, env={**os.environ, "LANG": "C.UTF-8"})
    video = options.media_dir() / (f"{settings.name}.mp4" if scene_ids == options.SCENE_IDS
                                   else f"{settings.name}-{'+'.join(scene_ids)}.mp4")
    # the same timeline the render used (the voice is cached: this is quick after the render)
    timeline = SceneContext.narrated(args.input, args.lang, voice=args.voice).timeline
    out = options.media_dir() / "review" / f"{args.input}-{args.lang}"
    out.mkdir(parents=True, exist_ok=True)
    with_before = (args.input, args.lang) == BEFORE_CASE and REVIEW_DIR.is_dir()
    for png, seconds in moment_times(timeline, scene_ids).items():
        line_id, share = MOMENTS[png]
        after = frame_at(video, seconds, out / f".after-{png}")
        title = f"{line_id} @ {share:.2f}" + (f" ({png[:-4]})" if with_before else "")
        side_by_side(REVIEW_DIR / png if with_before else None, after, title, out / png)
        after.unlink()
        print(out / png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
