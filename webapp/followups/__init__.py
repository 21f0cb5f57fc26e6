"""Follow-ups (tindak lanjut) on what a visit or a review found."""
