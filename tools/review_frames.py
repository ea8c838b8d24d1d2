"""The reviews' evidence moments again, before | after, from a current 1080p render.

A review cites full-frame PNGs named by their time in the video it looked at
(attn_0642_concat.png = 6:42). Its table below maps each one to what it shows: a narration line
id and a share 0..1 into that line. This script renders the video (or only the scenes it needs,
through the project's CLI; the render cache makes a rerun cheap), finds each moment in the render
from the pipeline's own timeline, takes that frame (ffmpeg) and writes

    media/review/<input>-<lang>/<png name>            before | after, labelled
    media/review/<input>-<lang>/boundary_<a>-<b>.png  each chapter boundary: 5 frames around it,
                                                      before above, after below
    media/review/<input>-<lang>/boundary_<a>-<b>_0.png  the boundary frame itself, before | after

"Before" is the review's own PNG (for the case the review looked at), or, given
--before-video and --before-root, the same moment in a render of older code (its project root
says, through its own timeline, when each line was in that video): any case, both languages.

    .venv/bin/python tools/review_frames.py --input CBABBC --lang zh [--scenes output,embedding]
    .venv/bin/python tools/review_frames.py --lang en --before-video old.mp4 --before-root ../old
    make review-frames INPUT=CABACA LANG=en
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

def _reviews_dir() -> Path:
    """$REVIEWS_DIR, else the nearest shared/reviews beside the project or a folder above it
    (a git worktree of the project sits deeper than the project itself)."""
    if os.environ.get("REVIEWS_DIR"):
        return Path(os.environ["REVIEWS_DIR"])
    found = [p / "shared" / "reviews" for p in ROOT.parents if (p / "shared" / "reviews").is_dir()]
    return found[0] if found else ROOT.parent / "shared" / "reviews"


REVIEWS_DIR = _reviews_dir()
REVIEW = os.environ.get("REVIEW") or "video-2"      # the review whose moments are regenerated
REVIEW_DIR = Path(os.environ.get("REVIEW_DIR") or REVIEWS_DIR / REVIEW)
BEFORE_CASE = ("CBABBC", "zh")   # the video the reviews' PNGs come from

# evidence PNG -> (narration line id, share of the line): what the review says is on screen
MOMENTS_VIDEO_1 = {
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

# video-2.md (zh, 10:01): each PNG at its time in that video, as a line and a share of it
MOMENTS_VIDEO_2 = {
    "intro_0005_left_half_empty.png": ("intro.welcome", 0.9),       # the empty left half, blank first frame
    "crop_intro_0013_floating_rule.png": ("intro.why-gpt", 0.97),   # the rule joining nothing
    "input_0213_table_over_ghost_map.png": ("input.mappings", 0.74),
    "strip_input_0226_sort_collisions.png": ("input.task", 0.25),
    "crop_input_minimap_letters_lost.png": ("input.vectors", 0.5),  # 2:26-2:46 chips without letters
    "strip_pred_0252-0258_loop.png": ("prediction.feed-back", 0.55),   # the rushed loop
    "crop_pred_0311_0313_dot_hidden.png": ("prediction.complicated", 0.9),
    "idetail_0319_map.png": ("embedding.structure", 0.19),
    "crop_idetail_0319_labels.png": ("embedding.structure", 0.19),  # wte/wpe cut, proj on qkv
    "crop_emb_0345_caption_gap.png": ("embedding.token", 0.85),
    "emb_0348.png": ("embedding.position", 0.92),
    "crop_emb_0348_wpe_labels.png": ("embedding.position", 0.92),   # "91011"
    "crop_emb_0351_sum_rounding.png": ("embedding.add", 0.28),
    "tdetail_0400.png": ("transformer.parts", 0.24),                # dimmed C = 48, T = 6
    "strip_transition_0405-0407.png": ("layernorm.before-each", 0.11),   # the flash through the map
    "ln_0407_empty_panel.png": ("layernorm.before-each", 0.36),
    "ln_0430.png": ("layernorm.why", 0.41),
    "crop_ln_0430_rounding.png": ("layernorm.why", 0.41),
    "attn_0443_arcs.png": ("attention.mixing", 0.61),
    "attn_0457_qkv.png": ("attention.qkv", 0.92),
    "strip_attn_0458-0501_matvec.png": ("attention.matvec", 0.52),
    "crop_attn_0515_dot_product.png": ("attention.dot-product", 0.33),
    "strip_attn_0518_flying_copy.png": ("attention.dot-product", 0.66),
    "crop_attn_0532_mask_row3.png": ("attention.causal", 0.92),
    "crop_attn_0602_softmax_rows.png": ("attention.softmax-max", 0.94),
    "attn_0610_weighted_sum.png": ("attention.new-vector", 0.32),
    "crop_attn_0621_inf_pop.png": ("attention.every-query", 0.97),
    "attn_0633_heads.png": ("attention.unmix", 0.57),
    "attn_0642_concat.png": ("attention.same-length", 0.49),
    "attn_0655_projection.png": ("attention.projection-bias", 0.35),
    "ffn_0722_lone_value.png": ("feedforward.matvec", 0.91),
    "ffn_0751_gelu.png": ("feedforward.elementwise", 0.63),
    "crop_ffn_0802_residual.png": ("feedforward.residual", 0.59),
    "sum_0822.png": ("stack.our-model", 0.67),
    "out_0856.png": ("output.argmax", 0.34),
    "crop_out_0913_topk.png": ("output.sampling", 0.53),
    "crop_out_0915_sampling_T1.png": ("output.sampling", 0.83),
    "out_0924_temperature.png": ("output.temperature", 0.73),
    "strip_out_0922-0926_sampling_T5.png": ("output.temperature", 0.73),
    "out_0938_take6.png": ("output.which-logit", 0.58),
    "strip_out_0946-0956_loop.png": ("output.feed-back", 0.91),
    "out_0959_credits.png": ("learned.credits", 0.81),   # the credits moved to the learned chapter
}
REVIEW_MOMENTS = {"video-1": MOMENTS_VIDEO_1, "video-2": MOMENTS_VIDEO_2}
MOMENTS = REVIEW_MOMENTS.get(REVIEW, MOMENTS_VIDEO_2)
BOUNDARY_OFFSETS = (-1.2, -0.6, 0.0, 0.6, 1.2)   # seconds around a chapter boundary, in its sheet


def video_times(timeline, scene_ids) -> dict:
    """Where each line and section of a video of `scene_ids` (in order) is: {"lines": {id:
    [start, duration]}, "sections": {id: [start, duration]}}, in seconds into that video."""
    lines, sections, t = {}, {}, 0.0
    for section in scene_ids:
        sections[section] = [t, timeline.section_duration(section)]
        for line in timeline.lines(section):
            lines[line.id] = [t + line.start, line.duration]
        t += timeline.section_duration(section)
    return {"lines": lines, "sections": sections}


def moments_in(times: dict) -> dict[str, float]:
    """png name -> seconds into the video `times` describes, for the moments it holds."""
    found = {}
    for png, (line_id, share) in MOMENTS.items():
        if line_id in times["lines"]:
            start, duration = times["lines"][line_id]
            # a frame inside the line, never its last (that may already be the next line's picture)
            found[png] = start + min(share * duration, duration - 0.05)
    return found


def moment_times(timeline, scene_ids) -> dict[str, float]:
    """png name -> seconds into a video of `scene_ids` (in order), for the moments it holds."""
    return moments_in(video_times(timeline, scene_ids))


def boundaries_in(times: dict) -> dict[str, float]:
    """'<a>-<b>' -> the second chapter b starts, for each two chapters side by side in the video."""
    order = sorted(times["sections"], key=lambda s: times["sections"][s][0])
    return {f"{a}-{b}": times["sections"][b][0] for a, b in zip(order, order[1:])}


def times_of_root(root: Path, lang: str, input_text: str, voice: str, media: Path | None = None) -> dict:
    """video_times of every scene, as the project at `root` (older code) times them."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from scenes.context import SceneContext; "
            "from script.sections import SCENE_IDS; sys.path.insert(0, sys.argv[2]); "
            "from review_frames import video_times; "
            "t = SceneContext.narrated(sys.argv[3], sys.argv[4], voice=sys.argv[5]).timeline; "
            "print(json.dumps(video_times(t, SCENE_IDS)))")
    env = {**os.environ, "PYTHONPATH": str(root), "NANOGPT_NEURAL": "1", "LANG": "C.UTF-8"}
    if media is not None:   # where that render's voice cache is (else it voices the narration again)
        env["NANOGPT_MEDIA_DIR"] = str(media)
    out = subprocess.run([sys.executable, "-c", code, str(root), str(ROOT / "tools"), input_text, lang, voice],
                         check=True, capture_output=True, text=True, env=env, cwd=root)
    return json.loads(out.stdout.strip().splitlines()[-1])


def frame_at(video: Path, seconds: float, out: Path) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{seconds:.3f}", "-i", str(video),
                    "-frames:v", "1", str(out)], check=True)
    return out


def side_by_side(before: Path | None, after: Path, title: str, out: Path) -> None:
    from PIL import Image, ImageDraw

    shot = Image.open(after).convert("RGB")
    panels = [("before", Image.open(before).convert("RGB").resize(shot.size))] if before else []
    panels.append(("after", shot))
    band = 56
    sheet = Image.new("RGB", (shot.width * len(panels) + 8 * (len(panels) - 1), shot.height + band), "#0f1117")
    draw = ImageDraw.Draw(sheet)
    font = _label_font(32)
    for i, (name, image) in enumerate(panels):
        x = i * (shot.width + 8)
        sheet.paste(image, (x, band))
        draw.text((x + 16, 10), f"{name}: {title}", fill="#ffd54a" if name == "after" else "#8b93a1", font=font)
    sheet.save(out)


def _label_font(size: int):
    """DejaVu Sans at `size` for a sheet's labels, else PIL's own font."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default()


def boundary_sheet(rows, out: Path, title: str) -> None:
    """Rows of (name, [(seconds, frame PNG)]) as one sheet, each frame at a quarter size."""
    from PIL import Image, ImageDraw

    w, h, band = 480, 270, 40
    columns = max(len(frames) for _, frames in rows)
    sheet = Image.new("RGB", (columns * (w + 6), len(rows) * (h + band)), "#0f1117")
    draw = ImageDraw.Draw(sheet)
    font = _label_font(20)
    for r, (name, frames) in enumerate(rows):
        for c, (offset, path) in enumerate(frames):
            x, y = c * (w + 6), r * (h + band)
            sheet.paste(Image.open(path).convert("RGB").resize((w, h)), (x, y + band))
            draw.text((x + 8, y + 8), f"{name} {offset:+.1f} s ({title})", font=font,
                      fill="#ffd54a" if name == "after" else "#8b93a1")
    sheet.save(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", default="CBABBC")
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--voice", default="auto")
    parser.add_argument("--scenes", default="", help="only the moments of these scenes (ID,ID): a partial render")
    parser.add_argument("--jobs", default="")
    parser.add_argument("--before-video", type=Path, help="a render of older code: the before frames")
    parser.add_argument("--before-root", type=Path, help="that older code's project root (its timeline)")
    parser.add_argument("--before-media", type=Path, help="that render's media folder (its voice cache)")
    args = parser.parse_args(argv)
    if (args.before_video is None) != (args.before_root is None):
        parser.error("--before-video and --before-root go together")

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
    after_times = video_times(timeline, scene_ids)
    before_times = (times_of_root(args.before_root, args.lang, args.input, args.voice, args.before_media)
                    if args.before_root else None)
    out = options.media_dir() / "review" / f"{args.input}-{args.lang}"
    out.mkdir(parents=True, exist_ok=True)
    review_pngs = (args.input, args.lang) == BEFORE_CASE and REVIEW_DIR.is_dir() and before_times is None
    before_moments = moments_in(before_times) if before_times else {}
    for png, seconds in moments_in(after_times).items():
        line_id, share = MOMENTS[png]
        after = frame_at(video, seconds, out / f".after-{png}")
        before = None
        if png in before_moments:
            before = frame_at(args.before_video, before_moments[png], out / f".before-{png}")
        elif review_pngs and (REVIEW_DIR / png).is_file():
            before = REVIEW_DIR / png
        title = f"{line_id} @ {share:.2f} ({png[:-4]})"
        side_by_side(before, after, title, out / png)
        for tmp in (after, before):
            if tmp is not None and tmp.name.startswith("."):
                tmp.unlink()
        print(out / png)
    before_bounds = boundaries_in(before_times) if before_times else {}
    for pair, start in boundaries_in(after_times).items():
        rows = []
        for name, video_path, at in (("before", args.before_video, before_bounds.get(pair)), ("after", video, start)):
            if at is None:
                continue
            frames = [(o, frame_at(video_path, max(0.0, at + o), out / f".{name}-{pair}-{i}.png"))
                      for i, o in enumerate(BOUNDARY_OFFSETS)]
            rows.append((name, frames))
        boundary_sheet(rows, out / f"boundary_{pair}.png", pair)
        exact = dict(rows)
        side_by_side(exact["before"][2][1] if "before" in exact else None, exact["after"][2][1],
                      f"boundary {pair}", out / f"boundary_{pair}_0.png")
        for _, frames in rows:
            for _, path in frames:
                path.unlink()
        print(out / f"boundary_{pair}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
