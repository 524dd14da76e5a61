from typing import Any

from lantern.core.commands import SubcommandCommand
from lantern.matching.index import reindex


class Command(SubcommandCommand):
    help = "The match index (a read model of the directory for matching)."
    verbs = {"reindex": "rebuild every match index entry from the directory"}

    def handle_reindex(self, **_: Any) -> None:
        count = reindex()
        self.stdout.write(f"{count} services indexed for matching")
