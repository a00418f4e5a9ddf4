"""A segment's images (issue 12 §2): up to :data:`~core_engine.render.shots.MAX_IMAGES`, shown one after another
in the segment's narration time. The first is the segment's ``image_file`` (as in the seeds' model); the others are
:class:`api.models.SegmentImage` rows at positions 1 and 2. Images are addressed by their index in the segment's
``images`` list (0 = ``image_file``).

Uploads go through the same validation as ``image_file`` (:func:`api.validators.validate_image_upload`). Removing or
reordering images only moves stored file names between the rows; a removed file is deleted once the transaction has
committed, so a failure changes nothing.
"""

from __future__ import annotations

from core_engine.render.shots import MAX_IMAGES
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from rest_framework.exceptions import NotFound, ValidationError

from api.models import Segment, SegmentImage
from api.segment_files import store_image
from api.validators import validate_image_upload

__all__ = ["add_image", "image_names", "remove_image", "reorder_images"]


def image_names(segment: Segment) -> list[str]:
    """Storage names of the segment's images in order (``image_file`` first)."""
    names = [segment.image_file.name] + [e.image_file.name for e in segment.extra_images.order_by("position")]
    return [n for n in names if n]


def _write_names(segment: Segment, names: list[str]) -> None:
    """Make ``names`` the segment's images in this order (``image_file``, then positions 1, 2, …)."""
    segment.image_file.name = names[0] if names else None
    segment.save(update_fields=["image_file"])
    SegmentImage.objects.filter(segment=segment).delete()  # rows only: the files stay
    for position, name in enumerate(names[1:], start=1):
        row = SegmentImage(segment=segment, position=position)
        row.image_file.name = name
        row.save()


def add_image(segment: Segment, upload: UploadedFile, ext: str | None = None) -> None:
    """Append ``upload`` to the segment's images (it becomes ``image_file`` when the segment has none); ``ext``:
    what :func:`~api.validators.validate_image_upload` returned for it (the upload is validated here when
    ``None``).

    Raises:
        ValidationError: ``{"image_file": [reason]}`` for a bad file or when the segment already has
            :data:`MAX_IMAGES` images; nothing is changed.
    """
    if len(image_names(segment)) >= MAX_IMAGES:
        raise ValidationError({"image_file": [f"A segment has at most {MAX_IMAGES} images; remove one first."]})
    if ext is None:
        ext = validate_image_upload(upload)
    with transaction.atomic():
        if not segment.image_file:
            store_image(segment, upload, ext)
            return
        position = segment.extra_images.count() + 1
        row = SegmentImage(segment=segment, position=position)
        row.image_file.save(f"upload{ext}", upload, save=False)
        row.save()


def remove_image(segment: Segment, index: int) -> None:
    """Remove image ``index`` (0-based in ``images``); the later ones move up (removing image 0 makes the second
    image the segment's ``image_file``).

    Raises:
        NotFound: the segment has no image ``index``.
    """
    with transaction.atomic():
        names = image_names(segment)
        if not 0 <= index < len(names):
            raise NotFound(f"The segment has no image {index} (it has {len(names)}).")
        removed = names.pop(index)
        _write_names(segment, names)
        storage = segment.image_file.storage
        transaction.on_commit(lambda: storage.delete(removed))


def reorder_images(segment: Segment, order: list[int]) -> None:
    """Put the segment's images in the given ``order`` (a permutation of their current indices; the first
    becomes ``image_file``).

    Raises:
        ValidationError: ``{"order": [reason]}`` when ``order`` is not a permutation of the current indices.
    """
    with transaction.atomic():
        names = image_names(segment)
        if sorted(order) != list(range(len(names))):
            raise ValidationError(
                {
                    "order": [
                        f"Must list every image index 0–{len(names) - 1} exactly once (the segment has {len(names)})."
                    ]
                }
            )
        _write_names(segment, [names[i] for i in order])
