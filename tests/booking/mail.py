from django.core.mail.backends.base import BaseEmailBackend


class UnreachableBackend(BaseEmailBackend):
    """A mail server that refuses connections, like a stopped SMTP relay."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("[Errno 111] Connection refused")


class RefusesPatientsBackend(BaseEmailBackend):
    """Delivers to the clinic inbox; refuses every other recipient."""

    def send_messages(self, email_messages):
        from smtplib import SMTPRecipientsRefused

        from django.conf import settings
        from django.core import mail

        for message in email_messages:
            if message.to != [settings.CLINIC_INBOX_EMAIL]:
                refused = dict.fromkeys(message.to, (550, b"No such user"))
                raise SMTPRecipientsRefused(refused)
            mail.outbox.append(message)
        return len(email_messages)
