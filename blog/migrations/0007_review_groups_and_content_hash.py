from django.db import migrations

from blog.models import content_hash
from medspa.groups import create_group_with_permissions, remove_group_permissions

MEDICAL_REVIEWERS = "Medical reviewers"
# Clinicians (or the manager on their behalf) record reviews; they do not edit
# articles, so a review always vouches for text someone else wrote down.
REVIEWER_PERMISSIONS = [
    "blog.view_article",
    "blog.mark_reviewed",
    "blog.view_reviewer",
    "blog.add_reviewer",
    "blog.change_reviewer",
    "blog.view_articlereview",
]
CONTENT_EDITORS = "Content editors"
# Editors keep old addresses working after a move (blog.Redirect) and see who
# reviewed what; they cannot record a review.
EDITOR_PERMISSIONS = [
    "blog.view_redirect",
    "blog.add_redirect",
    "blog.change_redirect",
    "blog.delete_redirect",
    "blog.view_reviewer",
    "blog.view_articlereview",
]
# What the demo loader made before it marked its articles: left as they are
# by the loader from now on (no fingerprint), but flagged as demo content for
# the deploy check.
DEMO_AUTHOR = "Willow Aesthetics clinical team"


def forwards(apps, schema_editor):
    Article = apps.get_model("blog", "Article")
    for article in Article.objects.all():
        article.content_hash = content_hash(
            title=article.title,
            summary=article.summary,
            body=article.body,
            references=article.references,
        )
        article.is_demo = article.author_name == DEMO_AUTHOR and not article.wordpress_id
        article.save(update_fields=["content_hash", "is_demo"])
    create_group_with_permissions(apps, MEDICAL_REVIEWERS, *REVIEWER_PERMISSIONS)
    create_group_with_permissions(apps, CONTENT_EDITORS, *EDITOR_PERMISSIONS)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MEDICAL_REVIEWERS).delete()
    remove_group_permissions(apps, CONTENT_EDITORS, *EDITOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("blog", "0006_medical_review_provenance_redirects")]

    operations = [migrations.RunPython(forwards, backwards)]
