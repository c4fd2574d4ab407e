import factory

from sources.models import Document, DocumentKind, Excerpt, Source, SourceKind


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
