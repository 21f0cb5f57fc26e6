"""What a service raises when it cannot do what was asked. These know nothing of HTTP:
webapp/errors.py maps each to its status, the JSON envelope or the HTML page, and puts an
Invalid's field errors on a form.
"""


class DomainError(Exception):
    """A refusal the user should see: a translated message, field errors keyed by path, and a
    machine-readable code when the client needs to tell two refusals apart."""

    def __init__(self, message: str | None = None, errors: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.code = code


class NotFound(DomainError):
    """No such record, or one outside the user's scope (the two look the same from outside)."""


class Forbidden(DomainError):
    """The user sees the record but may not do this to it."""


class Conflict(DomainError):
    """The record's state does not allow this (a final review decision, a report already sent)."""


class Invalid(DomainError):
    """Bad input: `errors` names each field and what is wrong with it."""

    @classmethod
    def fields(cls, errors: dict) -> "Invalid":
        """An Invalid whose message is its field errors, one after another."""
        return cls("; ".join(str(m) for messages in errors.values() for m in messages), errors)


class TooLarge(Invalid):
    """Input over a size limit (a photo's bytes)."""


class Busy(DomainError):
    """Something the service needs is busy; the same request may succeed a little later."""
