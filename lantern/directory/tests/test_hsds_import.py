"""`lantern hsds import`: round trip, validation and its reports, what an import keeps."""

import json

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.directory.hsds import taxonomy_term_json
from lantern.directory.hsds_io import (
    hsds_import,
    public_viewer,
    unredacted_viewer,
)
from lantern.directory.models import (
    Attribute,
    Language,
    Location,
    Phone,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from lantern.directory.profile import (
    CONFIDENTIAL_TERM,
    ELIGIBILITY_TERMS,
)
from lantern.directory.tests.hsds_support import (
    api_services,
    attribute_index,
    export,
    failed_import,
    flush_directory,
    import_,
    last_modified_stamps,
    read_json,
    rendered_organizations,
    rendered_services,
    row_counts,
    without_clock,
    write_json,
)

pytestmark = pytest.mark.django_db

# --- import --------------------------------------------------------------------------------


def test_import_round_trip_reproduces_every_service(demo, tmp_path, client):
    now = timezone.now()
    before = rendered_services(unredacted_viewer, now)
    before_public = rendered_services(public_viewer, now)
    before_orgs = rendered_organizations(now)
    before_terms = [taxonomy_term_json(t) for t in TaxonomyTerm.objects.order_by("id")]
    before_api = api_services(client)
    before_coarse = (
        dict(Location.objects.values_list("id", "coarse_latitude").order_by("id")),
        dict(Location.objects.values_list("id", "coarse_longitude").order_by("id")),
    )
    counts = row_counts()

    export(tmp_path, "--include-confidential")
    flush_directory()
    output, _ = import_(tmp_path)

    assert "service 40 (40 new)" in output
    assert row_counts() == {**counts, "Metadata": 0, "CapacityReminder": 0}
    assert rendered_services(unredacted_viewer, now) == before
    assert rendered_services(public_viewer, now) == before_public
    assert rendered_organizations(now) == before_orgs
    assert [taxonomy_term_json(t) for t in TaxonomyTerm.objects.order_by("id")] == before_terms
    assert without_clock(api_services(client)) == without_clock(before_api)
    # The coarse points outsiders' distance filters use are derived again on import.
    assert (
        dict(Location.objects.values_list("id", "coarse_latitude").order_by("id")),
        dict(Location.objects.values_list("id", "coarse_longitude").order_by("id")),
    ) == before_coarse


def test_import_is_idempotent(demo, tmp_path):
    export(tmp_path, "--include-confidential")
    flush_directory()
    first = hsds_import(path=tmp_path)
    counts = row_counts()
    stamps = last_modified_stamps()
    second = hsds_import(path=tmp_path)

    assert first.ok and second.ok
    assert row_counts() == counts
    # Nothing changed, so nothing looks modified to `modified_after` readers either.
    assert last_modified_stamps() == stamps
    assert second.counts == first.counts
    assert first.created["service"] == 40
    assert not any(second.created.values())
    # Importing into the directory it came from changes nothing either.
    output, _ = import_(tmp_path)
    assert row_counts() == counts
    assert "service 40 (0 new)" in output


def test_import_accepts_one_file_of_services_or_a_single_service(world_export, tmp_path):
    services = list(world_export.values())
    flush_directory()
    import_(write_json(tmp_path / "one.json", services[0]))
    assert [str(pk) for pk in Service.objects.values_list("id", flat=True)] == [services[0]["id"]]
    import_(write_json(tmp_path / "all.json", services))
    assert Service.objects.count() == 3
    # Lantern's own taxonomy terms are restored from the profile when they are missing.
    assert Service.objects.get(pk=services[0]["id"]).service_types.count() == 1


def test_import_with_one_bad_record_among_good_ones_writes_nothing_and_names_it(
    world_export, tmp_path
):
    services = list(world_export.values())
    bad = services[1]
    capacity = bad["capacities"][0]
    capacity["available"] = capacity["maximum"] + 5
    flush_directory()
    events = AuditEvent.objects.count()

    report = failed_import(write_json(tmp_path / "services.json", services))

    assert not any(row_counts().values())
    assert AuditEvent.objects.count() == events
    assert report.strip().splitlines() == [
        f"services.json[1] (id {bad['id']}): capacities/0/available: "
        f"{capacity['available']} is more than maximum {capacity['maximum']} "
        f"(object id {capacity['id']})"
    ]


def test_import_reports_every_invalid_record_schema_and_lantern_checks_alike(
    world_export, tmp_path
):
    services = sorted(world_export.values(), key=lambda s: s["name"])
    services[0]["status"] = "open"
    services[2]["minimum_age"], services[2]["maximum_age"] = 30, 20
    report = failed_import(write_json(tmp_path / "services.json", services))
    assert report.strip().splitlines() == [
        f"services.json[0] (id {services[0]['id']}): status: 'open' is not one of "
        "['active', 'inactive', 'defunct', 'temporarily closed']",
        f"services.json[2] (id {services[2]['id']}): minimum_age: 30 is more than maximum_age 20",
    ]


MUTATIONS = [
    ("min age above max age", lambda s: s.update(minimum_age=30, maximum_age=20), "minimum_age"),
    ("fractional age", lambda s: s.update(minimum_age=17.5), "minimum_age"),
    ("missing name", lambda s: s.pop("name"), "name"),
    ("bad email", lambda s: s.update(email="not-an-email"), "email"),
    ("bad url", lambda s: s.update(url="not a url"), "url"),
    ("url that is not one", lambda s: s.update(url="not a url"), "url"),
    (
        "capacity without time zone",
        lambda s: s["capacities"][0].update(updated="2025-01-01T10:00:00"),
        "capacities/0/updated",
    ),
    (
        "negative capacity",
        lambda s: s["capacities"][0].update(available=-1),
        "capacities/0/available",
    ),
    (
        "blank phone number",
        lambda s: s["phones"].append({"id": "8f0e1f0a-5a6e-4c61-9b1e-2f3a4b5c6d7e", "number": ""}),
        "phones/0/number",
    ),
    (
        "latitude out of range",
        lambda s: s["service_at_locations"][0]["location"].update(latitude=123.0),
        "service_at_locations/0/location/latitude",
    ),
    (
        "unknown location type",
        lambda s: s["service_at_locations"][0]["location"].update(location_type="boat"),
        "service_at_locations/0/location/location_type",
    ),
    (
        "unknown organization",
        lambda s: (
            s.pop("organization"),
            s.update(organization_id="3f2504e0-4f89-41d3-9a0c-0305e82c3301"),
        ),
        "organization_id",
    ),
    ("not a uuid", lambda s: s["languages"][0].update(id="nope"), "languages/0/id"),
]


@pytest.mark.parametrize(
    ("mutate", "field"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS]
)
def test_import_reports_the_field_of_an_invalid_record(world_export, tmp_path, mutate, field):
    services = sorted(world_export.values(), key=lambda s: s["name"])
    target = services[0]
    target["phones"] = []
    mutate(target)
    counts = row_counts()

    report = failed_import(write_json(tmp_path / "services.json", services))

    assert f"services.json[0] (id {target['id']}): {field}: " in report
    assert row_counts() == counts


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("accepts-pets", "sometimes"),
        ("genders-served", "everyone"),
        ("max-children", "two"),
        ("trafficking-types-served", "organ"),
    ],
)
def test_import_of_an_unknown_lantern_attribute_value_reports_the_term(
    world_export, tmp_path, code, value
):
    service = next(iter(world_export.values()))
    term = ELIGIBILITY_TERMS[code]
    service["attributes"].append(
        {
            "id": "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
            "taxonomy_term_id": str(term.id),
            "value": value,
        }
    )
    index = len(service["attributes"]) - 1

    report = failed_import(write_json(tmp_path / "services.json", list(world_export.values())))

    assert f"(id {service['id']}): attributes/{index}/value: {code}: expected" in report
    assert repr(value) in report


def test_import_reports_a_confidential_flag_that_is_not_true_or_false(
    world, world_export, tmp_path
):
    service = world_export[str(world.b_confidential.service_id)]
    location = service["service_at_locations"][0]["location"]
    index = attribute_index(location, CONFIDENTIAL_TERM.id)
    location["attributes"][index]["value"] = "yes"

    report = failed_import(write_json(tmp_path / "services.json", [service]))

    assert (
        f"service_at_locations/0/location/attributes/{index}/value: confidential-location: "
        "expected true or false, got 'yes'" in report
    )


def test_import_reports_a_lantern_term_on_the_wrong_kind_of_object(world_export, tmp_path):
    service = next(iter(world_export.values()))
    service["attributes"].append(
        {
            "id": "1b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
            "taxonomy_term_id": str(CONFIDENTIAL_TERM.id),
            "value": "true",
        }
    )
    report = failed_import(write_json(tmp_path / "services.json", [service]))
    assert "confidential-location: a Lantern location term cannot describe a service" in report


def test_import_needs_taxonomy_terms_to_exist_or_be_included(demo, tmp_path):
    export(tmp_path, "--include-confidential")
    flush_directory()
    # Services alone: their custom accreditation term is neither in the directory nor here.
    services = read_json(tmp_path / "json" / "services.json")
    for service in services:
        for attr in service["attributes"]:
            attr.pop("taxonomy_term", None)
    report = failed_import(write_json(tmp_path / "services-only.json", services))
    assert "attributes/" in report and "unknown taxonomy term" in report
    assert "include it in taxonomy_terms.json" in report
    # The whole export directory includes the terms (and their taxonomy): it imports.
    import_(tmp_path)
    assert Attribute.objects.filter(link_entity="service").count() == 4


def test_import_of_a_redacted_export_keeps_what_it_withholds(world, tmp_path):
    location = world.b_confidential.location
    address = location.addresses.get()
    export(tmp_path)
    import_(tmp_path)

    location.refresh_from_db()
    assert location.confidential is True
    assert (location.latitude, location.longitude) == (41.9123, -87.6543)
    assert location.coarse_latitude is not None
    assert list(location.addresses.all()) == [address]


def test_import_never_makes_a_location_public_by_saying_nothing(world, world_export, tmp_path):
    service = world_export[str(world.b_confidential.service_id)]
    location = service["service_at_locations"][0]["location"]
    location["attributes"] = [
        a for a in location["attributes"] if a["taxonomy_term_id"] != str(CONFIDENTIAL_TERM.id)
    ]
    import_(write_json(tmp_path / "services.json", [service]))
    assert Location.objects.get(pk=location["id"]).confidential is True

    location["attributes"].append(
        {
            "id": "2b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
            "taxonomy_term_id": str(CONFIDENTIAL_TERM.id),
            "value": "false",
        }
    )
    import_(write_json(tmp_path / "services.json", [service]))
    assert Location.objects.get(pk=location["id"]).confidential is False


def test_import_replaces_the_lists_a_record_carries(world, world_export, tmp_path):
    service = world_export[str(world.b_public.service_id)]
    capacity = service["capacities"][0]
    capacity["available"] = 0
    kept = service["languages"][0]["id"]
    extra = Language.objects.create(service_id=service["id"], code="fr", name="French")
    Phone.objects.create(service_id=service["id"], number="(212) 555-0177")

    import_(write_json(tmp_path / "services.json", [service]))

    assert ServiceCapacity.objects.get(pk=capacity["id"]).available == 0
    languages = Language.objects.filter(service_id=service["id"]).values_list("id", flat=True)
    assert [str(pk) for pk in languages] == [kept]
    assert not Language.objects.filter(pk=extra.pk).exists()
    assert not Phone.objects.filter(service_id=service["id"]).exists()


def test_import_can_renumber_a_service_at_location_given_by_reference(
    world, world_export, tmp_path
):
    service = world_export[str(world.b_public.service_id)]
    sal = service["service_at_locations"][0]
    sal["id"] = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
    location = sal.pop("location")  # only location_id: the location is in the directory

    import_(write_json(tmp_path / "services.json", [service]))

    rows = ServiceAtLocation.objects.filter(service_id=service["id"])
    assert [(str(r.pk), str(r.location_id)) for r in rows] == [(sal["id"], location["id"])]


def test_import_writes_one_audit_event_with_counts_only(world_export, tmp_path):
    services = list(world_export.values())
    import_(write_json(tmp_path / "services.json", services))

    event = AuditEvent.objects.get(action="hsds.import")
    assert event.actor is None and event.actor_label == "system:import"
    assert set(event.detail) == {"counts", "created", "mode", "skipped", "references_dropped"}
    assert event.detail["mode"] == "strict" and event.detail["skipped"] == 0
    assert event.detail["counts"]["service"] == 3
    text = json.dumps(event.detail)
    for service in services:
        assert service["name"] not in text and service["id"] not in text


def test_import_notes_hsds_fields_lantern_does_not_keep(world_export, tmp_path):
    service = next(iter(world_export.values()))
    service["fees"] = "None"
    service["accreditations"] = "Fictional"
    output, _ = import_(write_json(tmp_path / "services.json", [service]))
    assert "note: 1 value(s) of service.accreditations not kept" in output
    assert "note: 1 value(s) of service.fees not kept" in output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file or directory"),
        ("{not json", "not readable as JSON"),
        ("42", "expected an HSDS object, an array of them, or a page"),
        ("[42]", "input.json[0]: (record): expected an object, got int"),
    ],
)
def test_import_reports_input_that_is_not_hsds_json(tmp_path, content, message):
    path = tmp_path / "input.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert message in failed_import(path)


def test_import_of_a_directory_without_hsds_data_fails(tmp_path):
    assert "no HSDS data found" in failed_import(tmp_path)


def test_import_rejects_duplicate_service_ids(world_export, tmp_path):
    service = next(iter(world_export.values()))
    report = failed_import(write_json(tmp_path / "services.json", [service, service]))
    assert f"services.json[1] (id {service['id']}): id: duplicate: also services.json[0]" in report


def test_an_import_rebuilds_the_read_models_once_not_per_chunk(demo, tmp_path, monkeypatch):
    """Every chunk of every phase is flushed on its own; `bulk_written` (whose listeners
    rebuild the document cache and the match index) is sent once, after the last one."""
    from lantern.directory import signals
    from lantern.directory.hsds_io import reading

    export(tmp_path / "out")
    monkeypatch.setattr(reading, "_WRITE_CHUNK", 7)  # several chunks per phase
    monkeypatch.setattr("lantern.directory.hsds_io.importing._WRITE_CHUNK", 7)
    sent: list[object] = []

    def listener(sender: object, **kwargs: object) -> None:
        sent.append(sender)

    signals.bulk_written.connect(listener, dispatch_uid="test-import-once")
    try:
        out, _ = import_(tmp_path / "out")
    finally:
        signals.bulk_written.disconnect(dispatch_uid="test-import-once")
    assert "service 40 (0 new)" in out
    assert len(sent) == 1
