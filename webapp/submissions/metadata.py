"""Metadata stripped from JPEG and WebP files without touching their compressed image data.

A photo the phone already sent at display size needs no new pixels, only to lose what could
identify where and on what it was taken (EXIF with GPS and maker notes, XMP, IPTC, comments, an
ICC profile, an embedded thumbnail). Rewriting the container keeps the image bytes as they came,
costs no decode and no encode, and loses no quality to a second compression.
"""
import struct

#: The JPEG segments a decoder needs, the only ones kept: frame headers (SOF0–SOF15 but the
#: reserved JPG), Huffman and arithmetic-coding tables, quantisation tables, the restart interval,
#: the number of lines, and Adobe's APP14 (it says whether the colours are transformed).
_KEPT = {*range(0xC0, 0xC8), *range(0xC9, 0xD0), 0xDB, 0xDC, 0xDD, 0xEE}
_RESTART = range(0xD0, 0xD8)
_SOS, _EOI = 0xDA, 0xD9
#: WebP chunks kept: the extended header, the image (lossy or lossless) and its alpha.
_WEBP_KEPT = {b"VP8X", b"VP8 ", b"VP8L", b"ALPH"}
_VP8X_METADATA_FLAGS = 0x20 | 0x08 | 0x04  # ICC, EXIF, XMP
_VP8X_ANIMATION = 0x02


class NotStrippable(ValueError):
    """The file's structure is not one this module rewrites; re-encode it instead."""


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG with only the segments a decoder needs, its entropy-coded scans copied as they are,
    and nothing after its end-of-image marker.

    Gone: APP0–APP15 (JFIF and its thumbnail, EXIF with GPS, XMP, ICC, IPTC, maker data) but
    Adobe's APP14, comments, and any segment or trailing bytes a decoder does not read.
    """
    if not data.startswith(b"\xff\xd8"):
        raise NotStrippable("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos, scans = 2, 0
    while True:
        marker, pos = _next_marker(data, pos)
        if marker == _EOI:
            if not scans:
                raise NotStrippable("no image data")
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _RESTART or marker == 0x01:
            raise NotStrippable("a stand-alone marker outside a scan")
        if pos + 2 > len(data):
            raise NotStrippable("truncated segment")
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        if length < 2 or pos + length > len(data):
            raise NotStrippable("truncated segment")
        if marker == _SOS:
            scan_end = _scan_end(data, pos + length)
            out += b"\xff\xda" + data[pos:scan_end]
            pos, scans = scan_end, scans + 1
            continue
        if marker in _KEPT:
            out += bytes((0xFF, marker)) + data[pos:pos + length]
        pos += length


def _next_marker(data: bytes, pos: int) -> tuple[int, int]:
    """The marker at `pos` (fill bytes skipped) and the position after it."""
    if pos >= len(data) or data[pos] != 0xFF:
        raise NotStrippable(f"no marker at byte {pos}")
    while pos < len(data) and data[pos] == 0xFF:
        pos += 1
    if pos >= len(data):
        raise NotStrippable("truncated marker")
    return data[pos], pos + 1


def _scan_end(data: bytes, pos: int) -> int:
    """Where an entropy-coded scan starting at `pos` ends: the first 0xFF that is neither a stuffed
    zero nor a restart marker."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise NotStrippable("a scan without an end")
        following = data[pos + 1]
        if following == 0x00 or following in _RESTART:
            pos += 2
        elif following == 0xFF:
            pos += 1  # a fill byte before the next marker
        else:
            return pos


def strip_webp(data: bytes) -> bytes:
    """The WebP with only its image chunks (VP8X, VP8 or VP8L, ALPH), the extended header's ICC,
    EXIF and XMP flags cleared, and nothing after the RIFF container.

    An animation is refused (its frames are not rewritten here).
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise NotStrippable("not a WebP")
    (riff_size,) = struct.unpack("<I", data[4:8])
    if 8 + riff_size > len(data):
        raise NotStrippable("truncated RIFF container")
    end = 8 + riff_size
    chunks = []
    pos = 12
    while pos + 8 <= end:
        fourcc = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        if pos + 8 + size > end:
            raise NotStrippable("truncated chunk")
        payload = data[pos + 8:pos + 8 + size]
        chunks.append((fourcc, payload))
        pos += 8 + size + (size & 1)
    if not any(fourcc in (b"VP8 ", b"VP8L") for fourcc, _payload in chunks):
        raise NotStrippable("no image chunk")
    body = bytearray(b"WEBP")
    for fourcc, payload in chunks:
        if fourcc not in _WEBP_KEPT:
            continue
        if fourcc == b"VP8X":
            if len(payload) < 10:
                raise NotStrippable("short VP8X chunk")
            if payload[0] & _VP8X_ANIMATION:
                raise NotStrippable("animated WebP")
            payload = bytes((payload[0] & ~_VP8X_METADATA_FLAGS & 0xFF,)) + payload[1:]
        body += fourcc + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) & 1 else b"")
    return b"RIFF" + struct.pack("<I", len(body)) + bytes(body)
