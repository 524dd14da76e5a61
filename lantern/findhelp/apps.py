from django.apps import AppConfig


class FindhelpConfig(AppConfig):
    """The survivor's find-help pages and the anonymous help requests they send.

    Sits above `referrals` and `matching`: it uses them, they never import it.
    """

    name = "lantern.findhelp"
    label = "findhelp"

    def ready(self) -> None:
        from lantern.findhelp import signals

        signals.connect()
