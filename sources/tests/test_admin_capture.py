"""The admin's side of capturing documents (issue 7): the capture page, the re-check button and
action, linking the sources a captured page names, and what re-checks found, against the tests'
own web server (never the internet)."""

import datetime
import hashlib

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from claims.tests.factories import UserFactory
from sources.models import Document, DocumentEvent, EventKind, Source
from sources.services import capture_url
from sources.tests.factories import DocumentEventFactory, DocumentFactory, ExcerptFactory, SourceFactory
from sources.tests.pages import ARTICLE, DEAL, page_saying, pdf_saying

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("limits")]

CAPTURE = reverse("admin:sources_document_capture")
DOCUMENTS = reverse("admin:sources_document_changelist")
EXCERPTS = reverse("admin:sources_excerpt_changelist")
SNAPSHOT = "The informant said the deal was struck in 2010. Officials denied it."
WHEN = datetime.datetime(2024, 3, 5, 12, 0, tzinfo=datetime.UTC)

# Measured on SQLite and PostgreSQL alike, each budget one above: the document list runs 5
# (session, user, the count twice, the rows with their publisher, excerpt count and latest
# finding), a document's page 11 (session, user, the document, its publisher and authors for
# their widgets, the excerpts with their flags, the findings, and the named sources).
DOCUMENT_LIST_QUERIES = 6
DOCUMENT_PAGE_QUERIES = 12


def flagged_excerpt(event, quote="the deal was struck in 2010"):
    """An excerpt of the event's document whose quote the event found gone from the page."""
    return ExcerptFactory(document=event.document, quote=quote, gone_in=event)


def messages_of(response):
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def change_page(document):
    return reverse("admin:sources_document_change", args=[document.pk])


def recheck_url(document):
    return reverse("admin:sources_document_recheck", args=[document.pk])


def link_source_url(document):
    return reverse("admin:sources_document_link_source", args=[document.pk])


@pytest.fixture
def viewer(db):
    """A staff member who may view documents, and do nothing else."""
    user = UserFactory(username="viewer")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="sources", codename="view_document"))
    return user


@pytest.fixture
def viewer_client(viewer):
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def captured(web):
    """A document captured from a page `web` serves under /deal."""
    return capture_url(web.put("/deal", page_saying(*DEAL)))


class TestDocumentList:
    def test_it_links_to_the_capture_page(self, checker_client):
        content = checker_client.get(DOCUMENTS).content.decode()
        assert f'<a href="{CAPTURE}" class="addlink">Capture a page or a file</a>' in content

    def test_a_user_who_may_not_add_documents_is_not_offered_the_capture_page(self, viewer_client):
        assert "Capture a page or a file" not in viewer_client.get(DOCUMENTS).content.decode()


class TestCapturePage:
    def post(self, client, **data):
        return client.post(CAPTURE, {"url": "", "file_url": "", "kind": "article", **data})

    def refusal(self, client, **data):
        """The form's errors, having checked that the form was shown again and nothing stored."""
        response = self.post(client, **data)
        assert response.status_code == 200
        assert not Document.objects.exists()
        return response.context["form"].errors

    def test_it_shows_the_form(self, checker_client):
        response = checker_client.get(CAPTURE)
        assert response.status_code == 200
        assert set(response.context["form"].fields) == {"url", "file", "file_url", "kind"}
        assert 'enctype="multipart/form-data"' in response.content.decode()

    def test_a_page_captured_by_its_url_opens_as_a_new_document_with_a_message(self, checker_client, web):
        response = self.post(checker_client, url=web.put("/deal", page_saying(*DEAL)))
        document = Document.objects.get()
        assert response.status_code == 302 and response.url == change_page(document)
        assert (document.url, document.text) == (web.url("/deal"), "\n".join(DEAL))
        assert messages_of(response) == [("success", f"Captured “The deal”: {len(document.text):,} characters of text.")]

    def test_the_capture_is_recorded_in_the_users_name(self, checker_client, fact_checker, web):
        self.post(checker_client, url=web.put("/deal", page_saying(*DEAL)))
        assert Document.objects.get().history.get().history_user == fact_checker

    def test_the_kind_chosen_is_kept(self, checker_client, web):
        self.post(checker_client, url=web.put("/deal", page_saying(*DEAL)), kind="blog_post")
        assert Document.objects.get().kind == "blog_post"

    @pytest.mark.parametrize(
        ("name", "body", "title"),
        [
            ("notes.txt", b"Officials denied it.", "notes.txt"),
            ("deal.html", ARTICLE.encode(), "America's Secret Deal with Mexican Drug Cartels"),
            ("unodc.pdf", pdf_saying("Mexican cartels control most of the cocaine trade."), "UNODC report"),
        ],
        ids=["text", "html", "pdf"],
    )
    def test_an_uploaded_file_is_captured_as_a_new_document(self, checker_client, name, body, title):
        response = self.post(checker_client, file=SimpleUploadedFile(name, body))
        document = Document.objects.get()
        assert response.status_code == 302 and response.url == change_page(document)
        assert (document.title, document.captured_file, document.raw_sha256) == (title, name, hashlib.sha256(body).hexdigest())

    def test_the_address_a_file_came_from_is_kept(self, checker_client):
        self.post(checker_client, file=SimpleUploadedFile("notes.txt", b"Officials denied it."), file_url="https://example.org/notes.txt")
        assert Document.objects.get().url == "https://example.org/notes.txt"

    @pytest.mark.parametrize(
        ("path", "reason"),
        [
            ("/gone", "answered 404"),
            ("/loop", "More than 3 redirects"),
            ("/image", "only HTML, plain text and PDF"),
        ],
    )
    def test_a_page_that_cannot_be_captured_is_refused_on_the_url_field(self, checker_client, web, path, reason):
        errors = self.refusal(checker_client, url=web.url(path))
        assert list(errors) == ["url"] and reason in errors["url"][0]

    def test_an_invalid_url_is_refused_on_the_url_field(self, checker_client):
        assert self.refusal(checker_client, url="not a url") == {"url": ["Enter a valid URL."]}

    def test_a_page_already_captured_is_refused_on_the_url_field(self, checker_client, captured):
        response = self.post(checker_client, url=captured.url)
        assert response.status_code == 200 and Document.objects.count() == 1
        assert "already captured: “The deal”" in response.context["form"].errors["url"][0]

    def test_a_file_of_another_type_is_refused_on_the_file_field(self, checker_client):
        errors = self.refusal(checker_client, file=SimpleUploadedFile("photo.png", b"\x89PNG\r\n"))
        assert list(errors) == ["file"] and "is not a file that can be captured" in errors["file"][0]

    def test_an_invalid_address_for_a_file_is_refused_on_the_files_url_field(self, checker_client):
        errors = self.refusal(checker_client, file=SimpleUploadedFile("notes.txt", b"Words."), file_url="not a url")
        assert errors == {"file_url": ["Enter a valid URL."]}

    def test_a_url_and_a_file_together_are_refused_above_the_form(self, checker_client, web):
        errors = self.refusal(checker_client, url=web.url("/page"), file=SimpleUploadedFile("notes.txt", b"Words."))
        assert errors == {"__all__": ["Give a URL or a file, not both."]}

    def test_neither_a_url_nor_a_file_is_refused_on_the_url_field(self, checker_client):
        assert self.refusal(checker_client) == {"url": ["Give the page's URL, or a file to capture."]}

    def test_an_empty_post_is_refused_naming_each_field_missing(self, checker_client):
        response = checker_client.post(CAPTURE, {})
        assert response.context["form"].errors == {"url": ["Give the page's URL, or a file to capture."], "kind": ["This field is required."]}

    def test_an_uploaded_file_over_the_size_limit_is_refused_on_the_file_field(self, checker_client):
        errors = self.refusal(checker_client, file=SimpleUploadedFile("big.txt", b"x" * 40_000))
        assert errors == {"file": ["“big.txt” is larger than 32,768 bytes: not captured."]}

    def test_a_refusal_is_shown_next_to_its_field(self, checker_client, web):
        content = self.post(checker_client, url=web.url("/gone")).content.decode()
        assert '<div class="form-row errors">' in content and "answered 404" in content

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_a_user_who_may_not_add_documents_is_forbidden(self, viewer_client, web, method):
        response = getattr(viewer_client, method)(CAPTURE, {"url": web.url("/page"), "kind": "article"})
        assert response.status_code == 403
        assert not Document.objects.exists()


class TestACapturedDocumentsPage:
    def test_what_the_capture_read_is_shown_but_not_offered_for_editing(self, checker_client, web):
        document = capture_url(web.put("/deal", page_saying(*DEAL)))
        form = checker_client.get(change_page(document)).context["adminform"].form
        assert {"text", "url", "retrieved_at"}.isdisjoint(form.fields) and "title" in form.fields

    def test_a_document_typed_in_keeps_its_text_editable(self, checker_client):
        form = checker_client.get(change_page(DocumentFactory())).context["adminform"].form
        assert {"text", "url", "retrieved_at"} <= set(form.fields)


class TestRecheckButton:
    def test_a_document_with_a_url_offers_it(self, checker_client):
        document = DocumentFactory(url="https://example.org/deal")
        content = checker_client.get(change_page(document)).content.decode()
        assert f'<form method="post" action="{recheck_url(document)}" class="recheck-form">' in content
        assert ">Re-check the page</button>" in content

    def test_a_document_without_a_url_does_not(self, checker_client):
        content = checker_client.get(change_page(DocumentFactory(url=""))).content.decode()
        assert "Re-check the page" not in content

    def test_a_user_who_may_only_view_is_not_offered_it(self, viewer_client):
        content = viewer_client.get(change_page(DocumentFactory(url="https://example.org/deal"))).content.decode()
        assert "Re-check the page" not in content

    def test_a_changed_page_is_recorded_as_a_text_change_with_a_warning(self, checker_client, captured, web):
        web.put("/deal", page_saying("The informant said the deal was struck in 2011.", DEAL[1]))
        response = checker_client.post(recheck_url(captured))
        assert response.status_code == 302 and response.url == change_page(captured)
        assert DocumentEvent.objects.get(document=captured).kind == EventKind.TEXT_CHANGED
        assert messages_of(response) == [("warning", "“The deal”: text changed.")]

    def test_a_page_gone_is_recorded_as_a_dead_link_with_a_warning(self, checker_client, captured, web):
        web.remove("/deal")
        response = checker_client.post(recheck_url(captured))
        event = DocumentEvent.objects.get(document=captured)
        assert (event.kind, event.status) == (EventKind.LINK_DEAD, 404)
        [(level, message)] = messages_of(response)
        assert level == "warning" and message == f"“The deal”: link dead: {web.url('/deal')} answered 404 Not Found."

    def test_an_unchanged_page_is_reported_as_such(self, checker_client, captured):
        response = checker_client.post(recheck_url(captured))
        assert messages_of(response) == [("success", "“The deal”: unchanged.")]
        assert not DocumentEvent.objects.exists()

    def test_an_address_now_refused_is_an_error_and_records_nothing(self, checker_client, captured, limits):
        limits.CAPTURE_ALLOWED_NETWORKS = []
        response = checker_client.post(recheck_url(captured))
        [(level, message)] = messages_of(response)
        assert level == "error" and "private or reserved network" in message
        assert not DocumentEvent.objects.exists()

    def test_a_get_rechecks_nothing(self, checker_client, captured, web):
        web.remove("/deal")
        response = checker_client.get(recheck_url(captured))
        assert response.status_code == 302 and response.url == change_page(captured)
        captured.refresh_from_db()
        assert not DocumentEvent.objects.exists() and captured.last_checked_at is None

    def test_a_user_who_may_only_view_is_forbidden(self, viewer_client, captured, web):
        web.remove("/deal")
        assert viewer_client.post(recheck_url(captured)).status_code == 403
        assert not DocumentEvent.objects.exists()

    def test_an_unknown_document_is_not_found(self, checker_client):
        assert checker_client.post(reverse("admin:sources_document_recheck", args=[999999])).status_code == 404


class TestRecheckAction:
    def run_action(self, client, *documents):
        return client.post(DOCUMENTS, {"action": "recheck_pages", "_selected_action": [document.pk for document in documents]})

    def test_it_rechecks_each_selected_document(self, checker_client, web):
        changed = capture_url(web.put("/changed", page_saying(*DEAL, title="Changed")))
        dead = capture_url(web.put("/dead", page_saying("Officials confirmed it.", title="Dead")))
        web.put("/changed", page_saying("Something else entirely.", title="Changed"))
        web.remove("/dead")
        response = self.run_action(checker_client, changed, dead)
        assert response.status_code == 302
        assert sorted(DocumentEvent.objects.values_list("document__title", "kind")) == [
            ("Changed", EventKind.TEXT_CHANGED),
            ("Dead", EventKind.LINK_DEAD),
        ]
        assert {level for level, _ in messages_of(response)} == {"warning"}

    def test_more_documents_than_a_request_can_wait_for_are_refused_and_none_rechecked(self, checker_client):
        documents = DocumentFactory.create_batch(11, url="https://example.org/deal")
        response = self.run_action(checker_client, *documents)
        assert messages_of(response) == [("error", "Select at most 10 documents to re-check at once; recheck_documents re-checks them all.")]
        assert not Document.objects.filter(last_checked_at__isnull=False).exists()

    def test_it_warns_of_a_document_without_a_url(self, checker_client, captured):
        without = DocumentFactory(title="Leaked memo", url="")
        response = self.run_action(checker_client, captured, without)
        assert messages_of(response) == [
            ("success", "“The deal”: unchanged."),
            ("warning", "“Leaked memo” has no URL to re-check."),
        ]
        assert Document.objects.get(pk=captured.pk).last_checked_at is not None

    def test_a_user_who_may_only_view_is_not_offered_it(self, viewer_client):
        DocumentFactory()
        assert "recheck_pages" not in viewer_client.get(DOCUMENTS).content.decode()


class TestNamedSources:
    """The panel on a captured document's page listing the publisher and authors its page named."""

    def named(self, *authors, **metadata):
        return DocumentFactory(publisher=None, captured_metadata={"authors": list(authors), **metadata})

    def link(self, client, document, **data):
        return client.post(link_source_url(document), data)

    def test_a_name_no_source_goes_by_is_offered_to_be_created(self, checker_client):
        content = checker_client.get(change_page(self.named("Bill Conroy"))).content.decode()
        assert 'id="named-sources"' in content
        assert "<button type=\"submit\">Create “Bill Conroy” and link it</button>" in content

    def test_a_document_whose_page_named_no_one_has_no_panel(self, checker_client):
        assert 'id="named-sources"' not in checker_client.get(change_page(DocumentFactory())).content.decode()

    def test_creating_a_named_author_links_a_new_person(self, checker_client):
        document = self.named("Bill Conroy")
        response = self.link(checker_client, document, role="author", name="Bill Conroy")
        conroy = Source.objects.get(name="Bill Conroy")
        assert response.status_code == 302 and response.url == change_page(document)
        assert (conroy.kind, list(document.authors.all())) == ("person", [conroy])
        assert messages_of(response) == [("success", "Linked “Bill Conroy” as the document's author.")]

    def test_creating_a_named_publisher_links_a_new_outlet(self, checker_client):
        document = self.named(publisher="Narco News")
        self.link(checker_client, document, role="publisher", name="Narco News")
        document.refresh_from_db()
        assert (document.publisher.name, document.publisher.kind) == ("Narco News", "outlet")

    def test_a_name_several_sources_go_by_offers_each_to_link(self, checker_client):
        both = SourceFactory.create_batch(2, name="Bill Conroy")
        content = checker_client.get(change_page(self.named("Bill Conroy"))).content.decode()
        assert content.count("<button type=\"submit\">Link this one</button>") == 2
        for source in both:
            assert f'<input type="hidden" name="source" value="{source.pk}">' in content
        assert "Create “Bill Conroy”" not in content

    def test_linking_one_of_several_links_that_one(self, checker_client):
        _, chosen = SourceFactory.create_batch(2, name="Bill Conroy")
        document = self.named("Bill Conroy")
        self.link(checker_client, document, role="author", name="Bill Conroy", source=chosen.pk)
        assert list(document.authors.all()) == [chosen]
        assert Source.objects.filter(name="Bill Conroy").count() == 2

    def test_a_linked_name_is_shown_linked_and_offers_nothing_more(self, checker_client):
        conroy = SourceFactory(name="Bill Conroy")
        document = self.named("Bill Conroy")
        document.authors.add(conroy)
        content = checker_client.get(change_page(document)).content.decode()
        panel = content[content.index('id="named-sources"'):]
        assert "Link this one" not in panel and "<td>Bill Conroy</td>\n      </tr>" in panel

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            ({"role": "editor", "name": "Bill Conroy"}, "role: Select a valid choice. editor is not one of the available choices."),
            ({"role": "author", "name": "Somebody"}, "name: The captured page names no author “Somebody”."),
        ],
        ids=["bad role", "name not given"],
    )
    def test_a_bad_request_is_an_error_and_changes_nothing(self, checker_client, data, error):
        document = self.named("Bill Conroy")
        sources = Source.objects.count()
        response = self.link(checker_client, document, **data)
        assert response.status_code == 302 and messages_of(response) == [("error", error)]
        assert Source.objects.count() == sources and not document.authors.exists()

    def test_a_user_who_may_only_view_sees_the_names_but_is_offered_no_link(self, viewer_client):
        SourceFactory.create_batch(2, name="Bill Conroy")
        content = viewer_client.get(change_page(self.named("Bill Conroy", "MX1"))).content.decode()
        assert 'id="named-sources"' in content and "<td>MX1</td>" in content
        assert "Link this one" not in content and "Create “MX1”" not in content

    def test_a_user_who_may_only_view_is_forbidden(self, viewer_client):
        document = self.named("Bill Conroy")
        assert self.link(viewer_client, document, role="author", name="Bill Conroy").status_code == 403
        assert not Source.objects.filter(name="Bill Conroy").exists()

    def test_a_user_who_may_not_add_sources_is_not_offered_to_create_one(self):
        editor = UserFactory(username="document.editor", is_staff=True)
        editor.user_permissions.add(*Permission.objects.filter(content_type__app_label="sources", codename__in=["view_document", "change_document"]))
        client = Client()
        client.force_login(editor)
        assert "and link it</button>" not in client.get(change_page(self.named("Bill Conroy"))).content.decode()

    def test_creating_a_source_needs_permission_to_add_sources(self):
        editor = UserFactory(username="document.editor")
        editor.user_permissions.add(*Permission.objects.filter(content_type__app_label="sources", codename__in=["view_document", "change_document"]))
        client = Client()
        client.force_login(editor)
        document = self.named("Bill Conroy")
        assert self.link(client, document, role="author", name="Bill Conroy").status_code == 403
        assert not Source.objects.filter(name="Bill Conroy").exists()


class TestWhatRechecksFound:
    def test_a_text_change_shows_the_words_removed_and_added(self, checker_client):
        event = DocumentEventFactory()
        content = checker_client.get(reverse("admin:sources_documentevent_change", args=[event.pk])).content.decode()
        assert '<div class="text-diff">The informant said the deal was struck in <del>2010.</del><ins>2011.</ins> Officials denied it.</div>' in content

    def test_the_changed_text_is_shown_as_text_not_markup(self, checker_client):
        event = DocumentEventFactory(text=SNAPSHOT + " <script>alert(1)</script>")
        content = checker_client.get(reverse("admin:sources_documentevent_change", args=[event.pk])).content.decode()
        assert "<ins> &lt;script&gt;alert(1)&lt;/script&gt;</ins>" in content
        assert "<script>alert(1)" not in content

    def test_a_dead_link_shows_no_diff(self, checker_client):
        event = DocumentEventFactory(dead=True)
        content = checker_client.get(reverse("admin:sources_documentevent_change", args=[event.pk])).content.decode()
        assert 'class="text-diff"' not in content and "The server answered 404." in content

    def test_the_excerpts_a_change_left_without_their_quote_are_listed_on_it(self, checker_client):
        event = DocumentEventFactory()
        flagged_excerpt(event)
        content = checker_client.get(reverse("admin:sources_documentevent_change", args=[event.pk])).content.decode()
        assert "<div>“the deal was struck in 2010”</div>" in content

    def test_events_cannot_be_added(self, checker_client):
        assert checker_client.get(reverse("admin:sources_documentevent_add")).status_code == 403
        assert checker_client.get(reverse("admin:sources_documentevent_changelist")).context["has_add_permission"] is False

    def test_events_cannot_be_changed(self, checker_client):
        event = DocumentEventFactory()
        url = reverse("admin:sources_documentevent_change", args=[event.pk])
        assert 'name="_save"' not in checker_client.get(url).content.decode()
        assert checker_client.post(url, {"kind": "link_back", "reason": "Edited."}).status_code == 403
        event.refresh_from_db()
        assert event.kind == EventKind.TEXT_CHANGED

    def test_events_cannot_be_deleted(self, checker_client):
        event = DocumentEventFactory()
        assert checker_client.post(reverse("admin:sources_documentevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
        assert DocumentEvent.objects.filter(pk=event.pk).exists()

    def test_the_document_page_lists_its_events_the_newest_first_linking_to_each_change(self, checker_client):
        older = DocumentEventFactory(at=WHEN)
        newer = DocumentEventFactory(document=older.document, dead=True, at=WHEN + datetime.timedelta(days=1))
        response = checker_client.get(change_page(older.document))
        events = next(formset for formset in response.context["inline_admin_formsets"] if formset.formset.model is DocumentEvent)
        assert [form.instance for form in events.formset.forms] == [newer, older]
        assert f'<a href="{reverse("admin:sources_documentevent_change", args=[older.pk])}">What changed</a>' in response.content.decode()


class TestFlaggedExcerpts:
    def gone_since(self, event):
        url = reverse("admin:sources_documentevent_change", args=[event.pk])
        return f'<a class="quote-gone" href="{url}">Gone since 2024-03-05</a>'

    def test_the_document_page_shows_since_when_an_excerpts_quote_is_gone(self, checker_client):
        event = DocumentEventFactory(at=WHEN)
        flagged_excerpt(event)
        assert self.gone_since(event) in checker_client.get(change_page(event.document)).content.decode()

    def test_the_excerpt_list_shows_since_when_an_excerpts_quote_is_gone(self, checker_client):
        event = DocumentEventFactory(at=WHEN)
        flagged_excerpt(event)
        assert self.gone_since(event) in checker_client.get(EXCERPTS).content.decode()

    def test_the_excerpt_list_styles_the_flag_as_the_document_page_does(self, checker_client):
        assert "sources/capture.css" in checker_client.get(EXCERPTS).content.decode()

    def test_an_excerpt_still_on_the_page_shows_no_flag(self, checker_client):
        ExcerptFactory()
        assert "Gone since" not in checker_client.get(EXCERPTS).content.decode()

    @pytest.mark.parametrize(("choice", "listed"), [("gone", "gone"), ("there", "there")])
    def test_the_excerpt_list_filters_by_whether_the_quote_is_gone(self, checker_client, choice, listed):
        event = DocumentEventFactory()
        excerpts = {"gone": flagged_excerpt(event), "there": ExcerptFactory(document=event.document, quote="Officials denied it.")}
        response = checker_client.get(EXCERPTS, {"quote": choice})
        assert list(response.context["cl"].queryset) == [excerpts[listed]]


class TestDocumentListFilters:
    def listed(self, client, **parameters):
        return set(client.get(DOCUMENTS, parameters).context["cl"].queryset)

    def test_dead_links_are_the_documents_whose_latest_event_is_a_dead_link(self, checker_client):
        dead = DocumentEventFactory(dead=True, at=WHEN).document
        revived = DocumentEventFactory(dead=True, at=WHEN).document
        DocumentEventFactory(document=revived, back=True, at=WHEN + datetime.timedelta(days=1))
        DocumentEventFactory(at=WHEN)
        DocumentFactory()
        assert self.listed(checker_client, page="link_dead") == {dead}

    def test_quotes_gone_are_the_documents_with_a_flagged_excerpt(self, checker_client):
        event = DocumentEventFactory()
        flagged_excerpt(event)
        ExcerptFactory(document=event.document, quote="Officials denied it.")
        changed_but_quoted = DocumentEventFactory().document
        ExcerptFactory(document=changed_but_quoted, quote="Officials denied it.")
        assert self.listed(checker_client, page="quotes_gone") == {event.document}

    def test_the_page_now_column_says_what_the_latest_event_found(self, checker_client):
        revived = DocumentEventFactory(dead=True, at=WHEN).document
        DocumentEventFactory(document=revived, back=True, at=WHEN + datetime.timedelta(days=1))
        content = checker_client.get(DOCUMENTS).content.decode()
        assert '<td class="field-page_now">link back</td>' in content


def documents_with_findings(count):
    """Documents, each with an author, a text change that flagged an excerpt, then a dead link."""
    for _ in range(count):
        event = DocumentEventFactory(document__authors=[SourceFactory()], at=WHEN)
        flagged_excerpt(event)
        DocumentEventFactory(document=event.document, dead=True, at=WHEN + datetime.timedelta(days=1))


def document_with_findings(count):
    """A captured document naming its publisher and an author, with `count` excerpts each flagged by
    a text change of its own, and `count` dead links."""
    document = DocumentFactory(
        url="https://example.org/deal",
        authors=SourceFactory.create_batch(2),
        captured_metadata={"authors": ["Bill Conroy"], "publisher": "Narco News"},
    )
    for number in range(count):
        event = DocumentEventFactory(document=document, at=WHEN + datetime.timedelta(days=2 * number))
        flagged_excerpt(event, quote=document.text[number : number + 20])
        DocumentEventFactory(document=document, dead=True, at=WHEN + datetime.timedelta(days=2 * number + 1))
    return document


class TestQueryCounts:
    """Budgets just above what the pages run, and the same count for few rows as for many: a query
    per row or per inline row breaks them."""

    def test_the_document_list_stays_within_its_budget(self, checker_client, django_assert_max_num_queries):
        documents_with_findings(5)
        with django_assert_max_num_queries(DOCUMENT_LIST_QUERIES):
            response = checker_client.get(DOCUMENTS)
        assert response.context["cl"].result_count == 5

    def test_the_document_list_costs_the_same_for_two_documents_as_for_twelve(self, checker_client, count_queries):
        documents_with_findings(2)
        few = count_queries(checker_client, DOCUMENTS)
        documents_with_findings(10)
        assert count_queries(checker_client, DOCUMENTS) == few

    def test_a_document_page_stays_within_its_budget(self, checker_client, django_assert_max_num_queries):
        document = document_with_findings(3)
        checker_client.get(change_page(document))  # content types cached, as in a running server
        with django_assert_max_num_queries(DOCUMENT_PAGE_QUERIES):
            response = checker_client.get(change_page(document))
        assert response.status_code == 200

    def test_a_document_page_costs_the_same_for_one_excerpt_and_finding_as_for_ten(self, checker_client, count_queries):
        small, large = document_with_findings(1), document_with_findings(10)
        checker_client.get(change_page(small))  # content types cached, as in a running server
        assert count_queries(checker_client, change_page(small)) == count_queries(checker_client, change_page(large))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_recheck_in_the_browser_flags_the_excerpt_and_its_change_reads_as_a_diff(page_signed_in_as, fact_checker, web):
    """The re-check button looks like the object tools beside it; its finding shows on the document's
    page, and its diff reads on the event's. Screenshots of both pages go to test-artifacts/."""
    document = capture_url(web.put("/deal", page_saying(*DEAL)))
    ExcerptFactory(document=document, quote=DEAL[0])
    ExcerptFactory(document=document, quote=DEAL[1])
    web.put("/deal", page_saying("The informant said the deal was struck in 2011.", DEAL[1]))

    page = page_signed_in_as(fact_checker)
    page.goto(change_page(document))
    history, recheck_button = page.locator(".object-tools a.historylink"), page.locator(".object-tools .recheck-form button")
    assert recheck_button.inner_text() == "RE-CHECK THE PAGE"
    looks = "el => { const s = getComputedStyle(el); return [s.fontFamily, s.fontSize, s.fontWeight, s.lineHeight, s.letterSpacing, s.textTransform, s.padding, s.backgroundColor, s.color, s.borderRadius]; }"
    assert recheck_button.evaluate(looks) == history.evaluate(looks)
    assert recheck_button.bounding_box()["height"] == history.bounding_box()["height"]
    assert recheck_button.bounding_box()["y"] == history.bounding_box()["y"]
    recheck_button.click()
    assert page.inner_text(".messagelist") == "“The deal”: text changed; quotes gone from the page: 1."
    event = DocumentEvent.objects.get()
    flag = page.locator(".quote-gone")
    assert flag.inner_text() == f"Gone since {event.at:%Y-%m-%d}"
    in_the_error_colour = (
        "el => { const probe = document.createElement('span'); probe.style.color = 'var(--error-fg)'; document.body.append(probe);"
        " const expected = getComputedStyle(probe).color; probe.remove(); return getComputedStyle(el).color === expected; }"
    )
    assert flag.evaluate(in_the_error_colour)

    diff = page_signed_in_as(fact_checker)
    diff.goto(reverse("admin:sources_documentevent_change", args=[event.pk]))
    assert diff.inner_text(".text-diff del") == "2010."
    assert diff.inner_text(".text-diff ins") == "2011."

