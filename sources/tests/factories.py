import factory
from django.utils import timezone

from sources.models import Document, DocumentEvent, DocumentKind, EventKind, Excerpt, Source, SourceKind


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda number: f"Source {number}")
    slug = factory.Sequence(lambda number: f"source-{number}")
    kind = SourceKind.PERSON


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document
        skip_postgeneration_save = True

    title = factory.Sequence(lambda number: f"Document {number}")
    slug = factory.Sequence(lambda number: f"document-{number}")
    kind = DocumentKind.ARTICLE
    publisher = factory.SubFactory(SourceFactory, kind=SourceKind.OUTLET)
    text = "The informant said the deal was struck in 2010. Officials denied it."

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            self.authors.set(extracted)


class ExcerptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Excerpt

    document = factory.SubFactory(DocumentFactory)
    quote = "the deal was struck in 2010"


class DocumentEventFactory(factory.django.DjangoModelFactory):
    """A text change a re-check found; `dead=True` a dead link, `back=True` a link come back."""

    class Meta:
        model = DocumentEvent

    class Params:
        dead = factory.Trait(kind=EventKind.LINK_DEAD, text="", raw_sha256="", status=404, reason="The server answered 404.")
        back = factory.Trait(kind=EventKind.LINK_BACK, text="", raw_sha256="")

    document = factory.SubFactory(DocumentFactory, url="https://example.org/deal")
    kind = EventKind.TEXT_CHANGED
    at = factory.LazyFunction(timezone.now)
    url = factory.LazyAttribute(lambda event: event.document.url or "https://example.org/deal")
    status = 200
    text = "The informant said the deal was struck in 2011. Officials denied it."
    raw_sha256 = "0" * 64
