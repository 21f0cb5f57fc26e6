"""Monitoring and evaluation of development activities (programme, kegiatan)."""
