import json
from typing import Any

from lantern.core.commands import SubcommandCommand
from lantern.referrals.services import referrals_purge, referrals_tick


class Command(SubcommandCommand):
    help = "Referral timers: reminders, escalation, expiry, hold release and the purge."
    verbs = {
        "tick": "run every due timer once (safe to run every minute, even twice at once)",
        "purge": "empty the personal items of referrals closed past the retention window",
    }

    def handle_tick(self, **_: Any) -> None:
        self.stdout.write(json.dumps(referrals_tick().as_dict()))

    def handle_purge(self, **_: Any) -> None:
        self.stdout.write(json.dumps({"purged": referrals_purge()}))
