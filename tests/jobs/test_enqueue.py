"""Enqueueing is transactional and talks to no mail server; the worker sends the mail."""

import pytest
from django.core import mail
from django.db import transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from boxerconnect import jobs
from boxerconnect.jobs.tasks import send_mail
from boxerconnect.jobs.worker import run_due_jobs
from tests.accounts.factories import UserFactory
from tests.jobs.tasks import record

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password/reset/"


def test_a_mail_job_holds_the_message_until_a_worker_sends_it():
    with transaction.atomic():
        result = jobs.enqueue_mail(to="ana@example.com", subject="Hi", body="Plain", html="<p>Rich</p>")

    row = DBTaskResult.objects.get()
    assert row.pk == result.db_result.pk
    assert row.status == TaskResultStatus.READY
    assert row.queue_name == "mail"
    assert row.task_path == send_mail.module_path
    assert row.args_kwargs["kwargs"] == {
        "to": "ana@example.com",
        "subject": "Hi",
        "body": "Plain",
        "html": "<p>Rich</p>",
    }
    assert mail.outbox == []

    assert run_due_jobs() == 1

    [message] = mail.outbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "Hi"
    assert message.body == "Plain"
    assert message.alternatives[0].content == "<p>Rich</p>"


def test_a_sent_mail_leaves_no_body_in_the_database():
    jobs.enqueue_mail(to="ana@example.com", subject="Reset", body="https://x/reset?token=SECRET")

    run_due_jobs()

    row = DBTaskResult.objects.get()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert "SECRET" not in repr(row.args_kwargs)
    assert row.args_kwargs["kwargs"]["to"] == "ana@example.com"


def test_a_rolled_back_transaction_enqueues_nothing():
    with transaction.atomic():
        jobs.enqueue_mail(to="kept@example.com", subject="kept", body="x")
        try:
            with transaction.atomic():
                jobs.enqueue_mail(to="gone@example.com", subject="gone", body="x")
                raise RuntimeError("the change fails after enqueueing")
        except RuntimeError:
            pass
    with transaction.atomic():
        jobs.enqueue_mail(to="gone-too@example.com", subject="gone", body="x")
        transaction.set_rollback(True)

    run_due_jobs()

    assert [m.to for m in mail.outbox] == [["kept@example.com"]]
    assert DBTaskResult.objects.count() == 1


def test_a_failed_registration_enqueues_no_mail(api):
    UserFactory(email="taken@example.com")

    response = api.post(
        "/api/v1/auth/register/",
        {"email": "TAKEN@example.com", "password": "Sturdy-Jab-Hook-42", "name": "Dup"},
        format="json",
    )

    assert response.status_code in (400, 409)
    assert DBTaskResult.objects.count() == 0


def test_a_backend_outside_the_database_gets_the_job_on_commit(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "mail"],
        }
    }

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            returned = jobs.enqueue(record, directory=str(tmp_path), name="rolled-back")
            transaction.set_rollback(True)
        with transaction.atomic():
            jobs.enqueue(record, directory=str(tmp_path), name="committed")
            ran_before_commit = (tmp_path / "committed").exists()

    assert returned is None
    assert len(callbacks) == 1
    assert ran_before_commit is False
    assert (tmp_path / "committed").read_text().count("\n") == 1
    assert not (tmp_path / "rolled-back").exists()


def test_a_mail_needs_a_recipient():
    with pytest.raises(ValueError, match="recipient"):
        jobs.enqueue_mail(to="", subject="x", body="x")


def test_a_reset_request_for_a_known_email_opens_no_smtp_connection(api, smtp_settings):
    user = UserFactory(email="known@example.com")

    response = api.post(RESET, {"email": user.email}, format="json")
    connections_after_the_request = smtp_settings.connections

    assert response.status_code == 202
    assert connections_after_the_request == 0
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY, queue_name="mail").count() == 1

    run_due_jobs()  # the worker's part

    assert smtp_settings.connections == 1
    [message] = smtp_settings.mails_to("known@example.com")
    assert "/reset-password?token=" in message.get_payload(decode=True).decode()
