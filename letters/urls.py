from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("", views.index, name="index"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<str:kind>/", views.template_edit, name="template_edit"),
    path("templates/<str:kind>/preview/", views.template_preview, name="template_preview"),
    path(
        "templates/<str:kind>/preview.pdf", views.template_preview_pdf, name="template_preview_pdf"
    ),
    path("letterhead/", views.letterhead, name="letterhead"),
    path("letterhead/logo/", views.logo, name="logo"),
    path("approve/", views.approve, name="approve"),
    path("print/", views.print_batches, name="print"),
    path("print/<int:batch_id>.pdf", views.batch_pdf, name="batch_pdf"),
    path("pupils/<int:pupil_id>/", views.pupil_letters, name="pupil"),
    path("pupils/<int:pupil_id>/new/", views.letter_new, name="new"),
    path("<int:letter_id>.pdf", views.letter_pdf, name="pdf"),
]
