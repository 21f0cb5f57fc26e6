"""Ids a client sends are checked before they reach the database (PostgreSQL's integer is 32-bit)."""
import pytest


@pytest.mark.parametrize("field", ["assignee_opd_id", "assignee_kecamatan_id"])
@pytest.mark.parametrize("value", [-17622223482, 2**31, 0])
def test_an_id_out_of_range_is_a_422_not_a_500(login_as, field, value):
    bappeda = login_as("bappeda")
    body = {"title": "Bersihkan saluran", "due_date": "2026-12-31", field: value}
    response = bappeda.post("/api/v1/followups", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]
