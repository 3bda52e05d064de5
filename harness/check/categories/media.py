"""media: every download and thumbnail Dendrite served (fixture media.json) is served
with the same status, content type, length and SHA-256, fetched the way the recorder did
(alice's token).

Rules (docs/media.md, "What differs after the move"; docs/e2e-checks.md):
- `text-charset`: Synapse appends "; charset=UTF-8" to a text/* content type it serves; the
  type before the parameter is compared (the bytes are compared by SHA-256).
- `no-thumbnail`: a thumbnail of media that has none (a text file): Dendrite 404, Synapse 400;
  either is "no thumbnail" to a client. Any other status pair is compared.
"""
from __future__ import annotations

import hashlib


NAME, GROUP = "media", "media_identity"
WRITES = False
THUMBS = {"thumbnail_32x32_crop": (32, 32, "crop"), "thumbnail_96x96_crop": (96, 96, "crop"),
          "thumbnail_640x480_scale": (640, 480, "scale"), "thumbnail_50x50_scale": (50, 50, "scale")}


def path_for(label: str, mxc: str) -> str:
    server, media_id = mxc[len("mxc://"):].split("/", 1)
    if label == "download":
        return f"/_matrix/media/v3/download/{server}/{media_id}"
    if label == "download_authenticated":
        return f"/_matrix/client/v1/media/download/{server}/{media_id}"
    w, h, m = THUMBS[label]
    return f"/_matrix/media/v3/thumbnail/{server}/{media_id}?width={w}&height={h}&method={m}"


def run(ctx) -> None:
    f, t = ctx.fixture, ctx.tally
    rec = f.expected("media.json") or {}
    token = f.main_device("alice").token
    for name, entry in sorted(rec.items()):
        for label, exp in sorted(entry.items()):
            if label == "mxc":
                continue
            st, ctype, data = ctx.client.get_bytes(path_for(label, entry["mxc"]), token)
            act = {"status": st, "content_type": ctype, "length": len(data),
                   "sha256": hashlib.sha256(data).hexdigest() if st == 200 else None}
            if exp["status"] == 200 and st == 200 and str(exp.get("content_type", "")).startswith("text/") \
                    and ctype == f"{exp['content_type']}; charset=UTF-8":
                act["content_type"] = exp["content_type"]   # rule text-charset
            if exp["status"] != 200:   # an error is compared by status only
                no_thumb = label.startswith("thumbnail_") and exp["status"] == 404 and st == 400
                exp, act = {"status": exp["status"]}, {"status": exp["status"] if no_thumb else st}
            t.compare(NAME, f"{name} {label}", exp, act)
