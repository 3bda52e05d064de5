"""Media uploads: a PNG and a JPEG (Dendrite makes thumbnails for both) and a
non-image file. Images are generated here, small and byte-identical every run."""
from __future__ import annotations

import io

from PIL import Image

from .world import World


def png_bytes() -> bytes:
    img = Image.new("RGB", (120, 90))
    img.putdata([(x * 2, y * 2, (x + y) % 256) for y in range(90) for x in range(120)])
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def jpeg_bytes() -> bytes:
    img = Image.new("RGB", (160, 120))
    img.putdata([((x * 7) % 256, (y * 5) % 256, 128) for y in range(120) for x in range(160)])
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


TEXT_FILE = ("Minutes of the meeting\n" + "Ünïcødé line ✓\n" * 20).encode()


async def upload(w: World, who: str, name: str, data: bytes, content_type: str,
                 filename: str) -> str:
    d = w.dev(who)
    r = await d.api("POST", "/_matrix/media/v3/upload", raw=data, content_type=content_type,
                    params={"filename": filename})
    w.media[name] = {"mxc": r["content_uri"], "content_type": content_type,
                     "filename": filename, "size": len(data), "uploader": who}
    if d.server is not w.server:
        w.media[name]["remote"] = True
    return r["content_uri"]


async def upload_all(w: World) -> None:
    await upload(w, "bob", "avatar_png", png_bytes(), "image/png", "avatar.png")
    await upload(w, "alice", "photo_jpeg", jpeg_bytes(), "image/jpeg", "holiday photo.jpg")
    await upload(w, "carol", "minutes_txt", TEXT_FILE, "text/plain", "minutes.txt")


def image_content(w: World, name: str, body: str, w_px: int, h_px: int) -> dict:
    m = w.media[name]
    return {"msgtype": "m.image", "body": body, "url": m["mxc"],
            "info": {"mimetype": m["content_type"], "size": m["size"], "w": w_px, "h": h_px}}


def file_content(w: World, name: str) -> dict:
    m = w.media[name]
    return {"msgtype": "m.file", "body": m["filename"], "url": m["mxc"],
            "info": {"mimetype": m["content_type"], "size": m["size"]}}
