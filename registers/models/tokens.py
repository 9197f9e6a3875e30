"""API tokens' names (the token itself, hashed, with its expiry, is django-rest-knox's
`AuthToken`; knox has no name, and a school admin revoking a token needs to know which it
is: "MIS sync", "Power BI")."""

from django.db import models
from knox.models import AuthToken


class ApiToken(models.Model):
    """The name of one knox token; deleted with it (revoking deletes the knox row)."""

    token = models.OneToOneField(AuthToken, on_delete=models.CASCADE, related_name="named")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name
