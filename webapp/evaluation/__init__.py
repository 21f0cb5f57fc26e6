"""The monthly evaluation of monev: each kegiatan's plan against what its OPD reported and what
field visits observed, with the flags Bappeda acts on; the desk's evaluation block and the
kegiatan page (/kegiatan/<code>). Above monev, submissions, OPD reports and follow-ups, which
it reads."""
