from django.contrib import admin

from .models import ComparisonFigure


@admin.register(ComparisonFigure)
class ComparisonFigureAdmin(admin.ModelAdmin):
    list_display = ("__str__", "attendance_pct", "persistent_absence_rate", "source", "sample")
    list_filter = ("area", "phase", "academic_year", "sample")
