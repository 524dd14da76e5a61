# Help requests stored the find-help form's own field names and values ("help",
# "wheelchair": "yes", "trafficking": "both", ...). They now store the one needs
# vocabulary that referrals use (`lantern.matching.needs`: the engine's `Needs` names,
# the API's `NeedsIn` shape). This rewrites the stored documents; the conversion is
# written out here (not imported) so that the migration never changes with later code.

import json

from django.db import migrations

YES_NO = {"yes": True, "no": False}
RENAMED_YES_NO = {
    "pets": "pets",
    "wheelchair": "needs_wheelchair_access",
    "substance": "active_substance_use",
    "id_documents": "has_id_documents",
}
AWAY_KM = {"50": 50.0, "150": 150.0}


def _number(value, kind):
    try:
        return kind(value)
    except (TypeError, ValueError):
        return None


def to_stored(old):
    new = {}
    if old.get("postcode"):
        new["postcode"] = str(old["postcode"])
    latitude = _number(old.get("latitude"), float)
    longitude = _number(old.get("longitude"), float)
    point = latitude is not None and longitude is not None
    if point:
        new["location"] = {"latitude": latitude, "longitude": longitude}
    point = point or bool(old.get("postcode")) or bool(old.get("city"))
    if point and _number(old.get("distance"), float) is not None:
        new["max_distance_km"] = float(old["distance"])
    if point and old.get("away") in AWAY_KM:
        new["away_from_km"] = AWAY_KM[old["away"]]
    if old.get("help"):
        new["help_types"] = sorted(old["help"] if isinstance(old["help"], list) else [old["help"]])
    for key, kind in (("age", int), ("children", int)):
        value = _number(old.get(key), kind)
        if value is not None:
            new[key] = value
    if old.get("gender"):
        new["gender"] = old["gender"]
    for was, now in RENAMED_YES_NO.items():
        if old.get(was) in YES_NO:
            new[now] = YES_NO[old[was]]
    trafficking = old.get("trafficking")
    if trafficking in ("sex", "labor"):
        new["trafficking_types"] = [trafficking]
    elif trafficking == "both":
        new["trafficking_types"] = ["labor", "sex"]
    if old.get("languages"):
        languages = old["languages"]
        new["languages"] = languages if isinstance(languages, list) else [languages]
    if old.get("only_open"):
        new["only_open"] = True
    return new


def forwards(apps, schema_editor):
    HelpRequest = apps.get_model("findhelp", "HelpRequest")
    for help_request in HelpRequest.objects.exclude(needs="").only("id", "needs").iterator():
        old = json.loads(help_request.needs)
        if "help" not in old and any(key in old for key in ("help_types", "location")):
            continue  # already in the new vocabulary
        new = to_stored(old)
        help_request.needs = json.dumps(new, sort_keys=True) if new else ""
        help_request.save(update_fields=["needs"])


class Migration(migrations.Migration):

    dependencies = [
        ('findhelp', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
