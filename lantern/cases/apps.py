from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "lantern.cases"
    label = "cases"

    def ready(self) -> None:
        from lantern.cases.demo import demo_seeded
        from lantern.directory import signals

        # `lantern demo seed` lives in the directory (below this app): it asks for demo cases.
        signals.demo_seeded.connect(demo_seeded, dispatch_uid="cases-demo-seed")
