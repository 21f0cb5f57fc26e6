"""What the map page hands its script: URLs, vendor copies, tiles, the region and the words it shows.

The script carries no text of its own: every label is translated here, so the map speaks the
page's language and the catalogs stay the one place for wording.
"""
import functools
import json
from pathlib import Path

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from webapp.vocabulary import MonevStatus, ScoreBand, SiteKind
from webapp.regions.services import region_bbox

STRINGS = {
    **{band.value: band.lazy_label for band in ScoreBand},
    **{status.value: status.lazy_label for status in MonevStatus},
    "monev_belum": _l("Belum dikunjungi"),
    "score": _l("Skor"),
    "approved_score": _l("Skor disetujui"),
    "checked": _l("Terakhir dicek"),
    "visited": _l("Terakhir dikunjungi"),
    "approved_at": _l("Tanggal pemeriksaan (disetujui)"),
    "desa": _l("Desa/kelurahan"),
    "kecamatan": _l("Kecamatan"),
    "kind": _l("Jenis"),
    "status": _l("Status"),
    "site": _l("Lokasi"),
    "monev": _l("Monev"),
    "flagged": _l("Bukti ditandai untuk diperiksa"),
    "kegiatan": _l("Kegiatan"),
    "photo_alt": _l("Foto pemeriksaan terakhir di %(name)s"),
    "history": _l("Riwayat lokasi"),
    "loading": _l("Memuat data peta…"),
    "load_failed": _l("Data peta gagal dimuat. Periksa sambungan lalu coba lagi."),
    "session_expired": _l("Sesi Anda berakhir. Silakan masuk lagi."),
    "login": _l("Masuk"),
    "retry": _l("Coba lagi"),
    "no_tiles": _l("Peta dasar tidak dapat dimuat (tidak ada internet?). Titik lokasi dan daftar tetap berlaku."),
    "no_leaflet": _l("Peta tidak dapat ditampilkan. Gunakan daftar lokasi di bawah."),
    "count": _l("%(n)s lokasi"),
    "showing": _l("menampilkan %(shown)s dari %(n)s"),
    "more": _l("Tampilkan %(n)s lagi"),
    "empty": _l("Tidak ada lokasi yang cocok dengan filter ini."),
    "panel_hint": _l("Pilih lokasi di peta atau di daftar untuk melihat rinciannya."),
    "panel_loading": _l("Memuat rincian…"),
    "show_on_map": _l("Lihat di peta"),
    "close": _l("Tutup"),
    "avg": _l("Rata-rata skor terakhir"),
    "sites": _l("Jumlah lokasi"),
    "checked_in_period": _l("Dicek dalam periode"),
    "trend": _l("Tren"),
    "trend_up": _l("naik %(d)s poin"),
    "trend_down": _l("turun %(d)s poin"),
    "trend_flat": _l("tetap"),
    "trend_none": _l("belum ada pembanding"),
    "period": _l("Periode %(from)s – %(to)s, dibandingkan dengan periode sebelumnya yang sama panjang"),
    "data_as_of": _l("Data per %(date)s"),
    "no_data_date": _l("Belum ada skor yang disetujui."),
    "wib": _l("WIB"),
    "none": _l("—"),
    "aksi": _l("Aksi GEBER"),
    "aksi_date": _l("Tanggal aksi"),
    "aksi_participants": _l("Peserta"),
    "aksi_people": _l("%(n)s orang"),
    "aksi_waste": _l("Sampah terkumpul"),
    "aksi_bags": _l("%(n)s kantong"),
    "aksi_opds": _l("OPD yang ikut"),
    "aksi_group": _l("Sekolah/kelompok"),
    "aksi_count": _l("%(n)s aksi GEBER di peta"),
    "aksi_unplaced": _l("%(n)s aksi tanpa titik lokasi tidak ditampilkan"),
}


@functools.lru_cache(maxsize=4)
def _cdn_entries(static_folder: str) -> dict:
    return json.loads((Path(static_folder) / "vendor" / "cdn.json").read_text())


def vendor_config() -> dict:
    """Leaflet: the CDN address with its SRI hash, and the copy we serve."""
    entries = _cdn_entries(current_app.static_folder)
    return {
        name: {"cdn": e["cdn"], "integrity": e["integrity"], "local": url_for("static", filename=e["local"])}
        for name, e in entries.items()
    }


def page_config(mode: str, api: str, detail_url: str, summary_url: str, **extra) -> dict:
    """The JSON the map script reads from its container's data attribute (`api`: the blueprint of its data)."""
    south, west, north, east = region_bbox(current_app.config)
    return {
        "mode": mode,
        "clustersUrl": url_for(f"{api}.{'public_clusters' if mode == 'public' else 'map_clusters'}"),
        "listUrl": url_for(f"{api}.{'public_list' if mode == 'public' else 'map_list'}"),
        "detailUrl": detail_url,
        "summaryUrl": summary_url,
        "vendor": vendor_config(),
        "tiles": {"url": current_app.config["TILE_URL"], "attribution": current_app.config["TILE_ATTRIBUTION"]},
        "bbox": [south, west, north, east],
        "kinds": {kind.value: kind.label for kind in SiteKind},
        "strings": {key: str(text) for key, text in STRINGS.items()},
        **extra,
    }
