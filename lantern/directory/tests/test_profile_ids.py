"""Lantern profile ids: `profile_id` is the text of `profile_uuid` (UUIDv5), only cheaper."""

import uuid

import pytest

from lantern.directory.profile import (
    ALL_TERMS,
    PROFILE_NAMESPACE,
    profile_id,
    profile_uuid,
)


@pytest.mark.parametrize(
    "parts",
    [
        (),
        ("",),
        ("term", "service-type", "legal"),
        ("attribute", str(uuid.UUID(int=7)), "genders-served", "nonbinary"),
        ("attribute", str(uuid.UUID(int=8)), "area", "Cañon City, CO / Ōkubo 東京"),
        ("x" * 500,),
    ],
)
def test_profile_id_is_the_text_of_the_uuid5(parts):
    assert profile_id(*parts) == str(profile_uuid(*parts))
    assert profile_id(*parts) == str(uuid.uuid5(PROFILE_NAMESPACE, "/".join(parts)))


def test_every_term_id_agrees():
    for term in ALL_TERMS:
        assert profile_id("term", term.taxonomy.key, term.code) == str(term.id)
