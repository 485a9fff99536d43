import logging

from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = "Annual review letters"

    def ready(self) -> None:
        # WeasyPrint logs nine progress lines per PDF at INFO: too loud for a year of letters.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

        from councils.revisions import register_letter_counter
        from councils.signals import demo_data_clearing, demo_data_seeded
        from letters.demo import clear_demo_letters_first, seed_latest_demo_letters
        from letters.revisions import count_issued

        demo_data_seeded.connect(seed_latest_demo_letters, dispatch_uid="letters-demo-seeded")
        demo_data_clearing.connect(clear_demo_letters_first, dispatch_uid="letters-demo-clearing")
        # An import's preview says how many issued letters hold the figures it changes.
        register_letter_counter(count_issued)
