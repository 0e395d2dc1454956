"""One generated case: the image bytes, its ground truth, and how it was rendered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .photo import PhotoStyle
from .render import PaperStyle
from .truth import ReceiptTruth


@dataclass
class Sample:
    name: str
    truth: ReceiptTruth
    image: bytes  # JPEG with EXIF orientation (photos, scans) or PNG / JPEG (screenshots)
    paper: PaperStyle | None  # None for screenshots: no paper
    photo: PhotoStyle | None
    #: how the receipt reached the camera: table (the ordinary set), flatbed_page, phone_far,
    #: worn, screenshot, screenshot_dark (see hard.py)
    scene: str = "table"
    suffix: str = ".jpg"
    render_info: dict[str, Any] = field(default_factory=dict)

    def truth_json(self) -> dict[str, Any]:
        data = self.truth.to_json()
        data["scene"] = self.scene
        render: dict[str, Any] = {}
        if self.paper is not None:
            render |= {"font": self.paper.font.name, "font_px": self.paper.font_px,
                       "fade": self.paper.fade}
        if self.photo is not None:
            render |= {
                "angle": round(self.photo.angle, 2),
                "blur": self.photo.blur,
                "long_side": self.photo.long_side,
                "orientation": self.photo.orientation,
                "jpeg_quality": self.photo.jpeg_quality,
            }
        data["render"] = render | self.render_info
        return data
