"""The need-to-know table: one source for the services, the docs and the matrix test."""
from pathlib import Path

from shared.need_to_know import AUDIENCES, FIELDS, VIEWS, markdown, shape


def test_docs_page_is_the_table():
    page = (Path(__file__).resolve().parents[2] / "docs" / "need-to-know.md").read_text()
    assert page == markdown(), "docs/need-to-know.md is stale: python -m shared.need_to_know"


def test_every_view_names_only_fields_its_kind_has():
    for kind, views in VIEWS.items():
        for audience, fields in views.items():
            assert audience in AUDIENCES, (kind, audience)
            assert set(fields) <= set(FIELDS[kind]), (kind, audience)


def test_shape_leaves_out_what_the_audience_may_not_read():
    referral = {field: f"<{field}>" for field in FIELDS["referral"]}
    referral["history"] = [{"status": "no_further_action", "reason": "known to CID",
                            "reason_for_referrer": "Already being handled"}]
    seen = shape("referral", "referrer", referral)
    assert seen["history"] == [{"status": "no_further_action",
                                "reason_for_referrer": "Already being handled"}]
    owner = shape("referral", "owning_agency", referral)
    assert "history" not in owner and "details" not in owner and owner["summary"]


def test_an_audience_with_no_row_reads_nothing():
    assert shape("referral", "panel", {"id": "r1", "summary": "x"}) == {}
    assert shape("referral", "nobody", {"id": "r1"}) == {}
