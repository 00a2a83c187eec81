"""Controlled vocabularies of the API: every choice field draws from one of these."""

from django.db import models


class SourceKind(models.TextChoices):
    ESSAY = "essay", "essay"
    ARTICLE = "article", "article"
    REPORT = "report", "report"
    OFFICIAL_STATISTICS = "official_statistics", "official statistics"
    DATASET = "dataset", "dataset"
    WEBSITE = "website", "website"
    OTHER = "other", "other"


class Metric(models.TextChoices):
    """What a statistic counts."""

    ARRIVALS = "arrivals", "arrivals"
    DEPARTURES = "departures", "departures"
    DAILY_ARRIVALS = "daily_arrivals", "daily arrivals rate"
    RETURNS = "returns", "returns"
    EXPULSIONS = "expulsions", "expulsions"
    EXPULSION_LIST = "expulsion_list", "people listed for expulsion"
    EMIGRANT_POPULATION = "emigrant_population", "emigrant population (stock)"
    POPULATION_SHARE = "population_share", "share of the population"


class Qualifier(models.TextChoices):
    """How the source hedges a figure; part of the data, never dropped."""

    EXACT = "exact", "exact (as stated)"
    ABOUT = "about", "about"
    AT_LEAST = "at_least", "at least"
    AT_MOST = "at_most", "at most"
    MORE_THAN = "more_than", "more than"
    NOT_MUCH_MORE_THAN = "not_much_more_than", "probably not much more than"
    ORDER_OF_MAGNITUDE = "order_of_magnitude", "order of magnitude"


class Unit(models.TextChoices):
    PEOPLE = "people", "people"
    PEOPLE_PER_DAY = "people_per_day", "people per day"
    PERCENT = "percent", "percent"


class Measure(models.TextChoices):
    """What kind of quantity a number is: the key to not adding up unlike figures."""

    FLOW = "flow", "flow over the period"
    STOCK = "stock", "stock at the end of the period"
    CUMULATIVE = "cumulative", "cumulative since the period start"
    RATE = "rate", "rate"
    SHARE = "share", "share of a population"


class CountingMethod(models.TextChoices):
    BORDER_CROSSINGS = "border_crossings", "border crossings"
    REGISTRATIONS = "registrations", "registrations"
    OFFICIAL_COUNT = "official_count", "official count"
    INDUSTRY_ESTIMATE = "industry_estimate", "industry association estimate"
    ESTIMATE = "estimate", "estimate"
    HISTORICAL_RECORD = "historical_record", "historical record"
    UNSPECIFIED = "unspecified", "not stated by the source"


class OutletKind(models.TextChoices):
    NEWS_SITE = "news_site", "news site"
    TV = "tv", "TV"
    RADIO = "radio", "radio"
    YOUTUBE_CHANNEL = "youtube_channel", "YouTube channel"
    TELEGRAM_CHANNEL = "telegram_channel", "Telegram channel"
    CHANNEL_NETWORK = "channel_network", "network of channels"
    NEWSPAPER = "newspaper", "newspaper"
    JOURNAL = "journal", "journal or magazine"
    PODCAST = "podcast", "podcast"
    PUBLISHER = "publisher", "book publisher"
    OTHER = "other", "other"


class RecordStatus(models.TextChoices):
    """Whether an outlet or organization still operates."""

    ACTIVE = "active", "active"
    CLOSED = "closed", "closed"
    HISTORICAL = "historical", "historical"
    UNKNOWN = "unknown", "unknown"


class Platform(models.TextChoices):
    WEBSITE = "website", "website"
    YOUTUBE = "youtube", "YouTube"
    TELEGRAM = "telegram", "Telegram"
    TWITTER = "twitter", "Twitter"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    RADIO_BROADCAST = "radio_broadcast", "radio broadcast"
    PRINT = "print", "print"
    OTHER_SOCIAL_MEDIA = "other_social_media", "other social media"
    OTHER = "other", "other"


class AudienceMetric(models.TextChoices):
    SUBSCRIBERS = "subscribers", "subscribers"
    VIEWS_PER_VIDEO = "views_per_video", "views per video"
    PEOPLE_REACHED = "people_reached", "people reached"
    MONTHLY_VISITORS = "monthly_visitors", "monthly visitors"


class OrganizationKind(models.TextChoices):
    NGO = "ngo", "NGO"
    POLITICAL_ORGANIZATION = "political_organization", "political organization"
    UNIVERSITY_IN_EXILE = "university_in_exile", "university in exile"
    FUNDER = "funder", "funder"
    GOVERNMENT_COMMITTEE = "government_committee", "government committee"
    RESEARCH_INSTITUTE = "research_institute", "research institute"
    INDUSTRY_ASSOCIATION = "industry_association", "industry association"
    OTHER = "other", "other"


class FigureRole(models.TextChoices):
    FOUNDER = "founder", "founder"
    LEADER = "leader", "leader"
    PATRON = "patron", "patron"
    INITIATOR = "initiator", "initiator"
    MEMBER = "member", "member"


class PolicyTopic(models.TextChoices):
    ENTRY_AND_VISAS = "entry_and_visas", "entry and visas"
    RESIDENCE = "residence", "residence"
    WORK = "work", "work"
    COMPANY_REGISTRATION = "company_registration", "company registration"
    BANKING = "banking", "banking"
    ASYLUM_AND_REFUGEES = "asylum_and_refugees", "asylum and refugees"
    HOSTING_NGOS_AND_MEDIA = "hosting_ngos_and_media", "hosting NGOs and media"
    RELOCATION_OF_STAFF = "relocation_of_staff", "relocation of staff"
    FUNDING_EXILE_INSTITUTIONS = "funding_exile_institutions", "funding exile institutions"
    EXIT_AND_EXPULSION = "exit_and_expulsion", "exit and expulsion (origin country)"
    GENERAL_STANCE = "general_stance", "general stance towards exiles"


class Stance(models.TextChoices):
    WELCOMING = "welcoming", "welcoming"
    SUPPORTIVE = "supportive", "supportive"
    NEUTRAL = "neutral", "neutral"
    RESTRICTIVE = "restrictive", "restrictive"
    HOSTILE = "hostile", "hostile"


class PolicyStatus(models.TextChoices):
    ANNOUNCED = "announced", "announced"
    IN_FORCE = "in_force", "in force"
    SUSPENDED = "suspended", "suspended"
    REPEALED = "repealed", "repealed"
    # A policy of a past era that the source describes without saying how or when it ended.
    HISTORICAL = "historical", "historical (of a past era; its end not stated)"


class HealthState(models.TextChoices):
    OK = "ok", "ok"
    UNAVAILABLE = "unavailable", "unavailable"


class ApiKeyScope(models.TextChoices):
    """What an API key may do beyond reading what is public."""

    READ_DRAFTS = "read-drafts", "read drafts"
    WRITE = "write", "write"


class PublicationStatus(models.TextChoices):
    """Where a curated record is in the editorial workflow. Only published and retracted
    records are public; a retracted one is shown with its reason and date, never deleted."""

    DRAFT = "draft", "draft"
    IN_REVIEW = "in_review", "in review"
    PUBLISHED = "published", "published"
    RETRACTED = "retracted", "retracted"


class ChangeAction(models.TextChoices):
    """What a change in a record's history did."""

    CREATED = "created", "created"
    UPDATED = "updated", "updated"
    SUBMITTED = "submitted", "submitted for review"
    RETURNED = "returned", "returned to draft"
    PUBLISHED = "published", "published"
    RETRACTED = "retracted", "retracted"
    REVERTED = "reverted", "reverted to an earlier version"
    DELETED = "deleted", "deleted"
    # A correction of a published record (models.Revision) on its way: the record itself is
    # untouched until the correction is published, which is recorded as an update.
    CORRECTION_PROPOSED = "correction_proposed", "correction proposed"
    CORRECTION_SUBMITTED = "correction_submitted", "correction submitted for review"
    CORRECTION_WITHDRAWN = "correction_withdrawn", "correction withdrawn"


class SubscriptionStatus(models.TextChoices):
    """Whether a subscription is sent its changes."""

    ACTIVE = "active", "active"
    PAUSED = "paused", "paused"


class DeliveryStatus(models.TextChoices):
    """Where one delivery of a change to a subscription stands."""

    PENDING = "pending", "pending"  # queued, or waiting for its next attempt
    DELIVERED = "delivered", "delivered"  # the receiver answered 2xx
    FAILED = "failed", "failed"  # a day of attempts failed; the subscription was paused
    SKIPPED = "skipped", "skipped"  # not sent: the subscription was paused or deleted first


class RevisionStatus(models.TextChoices):
    """Where a proposed correction of a published record is in its review."""

    DRAFT = "draft", "draft"
    IN_REVIEW = "in_review", "in review"
    PUBLISHED = "published", "published"
    WITHDRAWN = "withdrawn", "withdrawn"


class ChangeChannel(models.TextChoices):
    """Through what a change was made."""

    API = "api", "API"
    ADMIN = "admin", "admin"
    IMPORT = "import", "dataset import"
    COMMAND = "command", "management command"
    DATABASE = "database", "database, outside the app"
