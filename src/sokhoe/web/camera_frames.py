"""Frames from a page's camera (``static/camera_scan.js``): the card check's and reception's.

The script posts a JPEG every few hundred milliseconds to its page's frame endpoint, which
reads the QR code on the server (zxing-cpp, :func:`~sokhoe.insurance.card_token.qr.read_qr`)
and answers JSON (:func:`frame_answer`). The answer goes only to the user who sent the frame,
and nothing of it is logged: a card token is personal data.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import File, UploadFile
from starlette.responses import JSONResponse

from sokhoe.insurance.card_token.qr import UnreadableImage, read_qr

#: The ``frame`` field of the script's form; the endpoint's size limit comes first
#: (``card_check_views.BodyWithinLimit``).
Frame = Annotated[UploadFile | None, File()]


def frame_text(frame: UploadFile | None) -> str | None:
    """The text of the QR code in ``frame``; None without a frame, a picture or a code."""
    if frame is None:
        return None
    try:
        return read_qr(frame.file.read()) or None
    except UnreadableImage:
        return None


def frame_answer(text: str | None, *, refused: bool = False) -> JSONResponse:
    """``{"found": true, "text": …}`` for the script to put in its form and submit;
    ``{"found": false, "refused": true}`` for a code the page does not take (the section
    says so and scanning goes on; the code's text is not sent back); else
    ``{"found": false}``."""
    if text:
        return JSONResponse({"found": True, "text": text})
    return JSONResponse({"found": False, "refused": True} if refused else {"found": False})
