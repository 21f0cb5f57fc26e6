from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.types import JSONType


class Kecamatan(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Kemendagri code, e.g. "17.01.05".
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: GeoJSON geometry (Polygon/MultiPolygon) when an admin imported boundaries.
    boundary: Mapped[dict | None] = mapped_column(JSONType)

    desa: Mapped[list["Desa"]] = relationship(back_populates="kecamatan", order_by="Desa.code")

    def __repr__(self) -> str:
        return f"<Kecamatan {self.code} {self.name}>"


class Desa(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: "desa" or "kelurahan", from the first digit of the code's last part.
    kind: Mapped[str] = mapped_column(String(10))
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    boundary: Mapped[dict | None] = mapped_column(JSONType)

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="desa")

    def __repr__(self) -> str:
        return f"<Desa {self.code} {self.name}>"
