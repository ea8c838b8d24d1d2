"""NanoCamera: Manim's Camera, drawing images and paths faster (speed-ups "images", "paths")."""
from __future__ import annotations

import numpy as np
from manim.camera.camera import Camera

from .speedups import enabled


class NanoCamera(Camera):
    """The same pixels as Camera's (tests/test_speedups.py), in less time.

    images: Manim pastes each image into a transparent full-frame picture and composites the
    whole frame (~37 ms per image per frame at 1080p); here only the image's own rectangle is
    composited (~2 ms). Outside the rectangle the full-frame picture is transparent, and
    compositing transparency leaves a pixel as it was.
    paths: a VMobject's outline reaches Cairo from a list of Python floats, not one NumPy
    scalar per coordinate (the same doubles)."""

    def __init__(self, *args, speedups: frozenset[str] | None = None, **kwargs):
        self.speedups = enabled() if speedups is None else frozenset(speedups)
        super().__init__(*args, **kwargs)

    def display_image_mobject(self, image_mobject, pixel_array: np.ndarray) -> None:
        """Manim's Camera.display_image_mobject (same geometry, same checks), compositing
        only the image's rectangle instead of a full frame."""
        if "images" not in self.speedups:
            return super().display_image_mobject(image_mobject, pixel_array)
        from PIL import Image

        sub_image = Image.fromarray(image_mobject.get_pixel_array(), mode="RGBA")
        original_coords = np.array([[0, 0], [sub_image.width, 0], [0, sub_image.height],
                                    [sub_image.width, sub_image.height]])
        target_coords = self.points_to_subpixel_coords(image_mobject, image_mobject.points)
        int_target_coords = target_coords.astype(np.int64)
        shift_vector = int_target_coords.min(axis=0)
        target_coords = target_coords - shift_vector
        int_target_coords = int_target_coords - shift_vector
        target_size = tuple(int(v) for v in int_target_coords.max(axis=0))

        # Skip images too thin to cover a pixel (the perspective solve would break down).
        ordered = [target_coords[i] for i in (0, 1, 3, 2)]
        sides = [ordered[(i + 1) % 4] - ordered[i] for i in range(4)]
        lengths = np.linalg.norm(sides, axis=1)
        longest = int(np.argmax(lengths))
        if lengths[longest] == 0:
            return
        neighbour = sides[(longest - 1) % 4]
        cross = sides[longest][0] * neighbour[1] - sides[longest][1] * neighbour[0]
        if abs(cross) / lengths[longest] < 0.5:
            return

        rows = []
        for (x, y), (X, Y) in zip(target_coords, original_coords):
            rows.append([x, y, 1, 0, 0, 0, -X * x, -X * y])
            rows.append([0, 0, 0, x, y, 1, -Y * x, -Y * y])
        try:
            coefficients = np.linalg.solve(np.array(rows, dtype=np.float64),
                                           original_coords.reshape(8).astype(np.float64))
        except np.linalg.LinAlgError:
            return
        sub_image = sub_image.transform(size=target_size, method=Image.Transform.PERSPECTIVE,
                                        data=coefficients, resample=image_mobject.resampling_algorithm)
        composite_at(pixel_array, sub_image, int(shift_vector[0]), int(shift_vector[1]))

    def set_cairo_context_path(self, ctx, vmobject):
        """Manim's Camera.set_cairo_context_path, the coordinates handed to Cairo as Python
        floats from one list (indexing a NumPy array per coordinate made a NumPy scalar each time)."""
        if "paths" not in self.speedups:
            return super().set_cairo_context_path(ctx, vmobject)
        points = self.transform_points_pre_display(vmobject, vmobject.points)
        if len(points) == 0:
            return self
        nppcc = vmobject.n_points_per_cubic_curve
        ctx.new_path()
        split_indices = vmobject.get_subpath_split_indices_from_points(points, n_dims=2)
        if len(split_indices) == 0:
            return self
        xy = points[:, :2].tolist()
        move_to, curve_to = ctx.move_to, ctx.curve_to
        new_sub_path, close_path = ctx.new_sub_path, ctx.close_path
        equal = vmobject.consider_points_equals_2d
        for start, end in split_indices.tolist():
            if end - start < nppcc:
                continue
            new_sub_path()
            move_to(*xy[start])
            for i in range(start + 1, end - nppcc + 2, nppcc):
                (x1, y1), (x2, y2), (x3, y3) = xy[i], xy[i + 1], xy[i + 2]
                curve_to(x1, y1, x2, y2, x3, y3)
            if equal(points[start], points[end - 1]):
                close_path()
        return self


def composite_at(pixel_array: np.ndarray, image, x: int, y: int) -> None:
    """Alpha-composite RGBA `image` onto `pixel_array` with its top-left corner at (x, y)."""
    from PIL import Image

    height, width = pixel_array.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + image.width, width), min(y + image.height, height)
    if x1 <= x0 or y1 <= y0:
        return
    region = pixel_array[y0:y1, x0:x1]
    piece = image.crop((x0 - x, y0 - y, x1 - x, y1 - y))
    region[:] = np.asarray(Image.alpha_composite(Image.fromarray(np.ascontiguousarray(region)), piece))
