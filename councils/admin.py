from django.contrib import admin

from councils.models import Council, Decision, Population, PreviousCode, Recommendation, ReportingYear


class PreviousCodeInline(admin.TabularInline):
    model = PreviousCode
    extra = 0


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["official_name", "code", "type", "county", "ceased_on"]
    list_filter = ["type", ("ceased_on", admin.EmptyFieldListFilter)]
    search_fields = ["name", "official_name", "code", "previous_codes__code"]
    readonly_fields = ["code"]
    autocomplete_fields = ["county", "successors"]
    inlines = [PreviousCodeInline]


@admin.register(ReportingYear)
class ReportingYearAdmin(admin.ModelAdmin):
    list_display = ["label", "start", "end", "published_on"]
    readonly_fields = ["start", "end"]


@admin.register(Population)
class PopulationAdmin(admin.ModelAdmin):
    list_display = ["council", "year", "population"]
    list_filter = ["year"]
    search_fields = ["council__name", "council__code"]
    list_select_related = ["council", "year"]
    autocomplete_fields = ["council"]


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["reference", "council", "category", "received", "decided", "outcome"]
    list_filter = ["outcome", "category", "public_report", "compliance"]
    search_fields = ["reference", "council__name", "council__code"]
    date_hierarchy = "decided"
    list_select_related = ["council"]
    autocomplete_fields = ["council"]
    inlines = [RecommendationInline]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["decision", "kind", "due"]
    list_filter = ["kind"]
    search_fields = ["decision__reference", "text"]
    list_select_related = ["decision"]
    raw_id_fields = ["decision"]
