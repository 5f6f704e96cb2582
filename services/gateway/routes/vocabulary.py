"""`GET /api/vocabulary`: every code people choose or read, with its label, from
shared/vocabulary.py, so that the web pages (and any other client) label codes as the
services validate them, instead of keeping their own tables. Public: it holds no data about
anyone, and the sign-in page may need it."""
from services.gateway.schemas import VocabularyView
from services.gateway.http import api
from shared import vocabulary


class VocabularyRoutes:
    @api("GET", "/api/vocabulary", response=VocabularyView)
    def vocabulary(self, request):
        """Every code with its label, each list in display order."""
        return vocabulary.as_json()
