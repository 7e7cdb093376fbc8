"""Indexes for the editors' pages at scale (docs/performance.md, "Editors at a million claims").

- The trigram index on the claim's text goes: similar claims are found through the full-text
  index now (`claims.search.similar_claims`). At 1,000,000 claims the trigram index answered a
  similarity search in 1 to 2 s whatever the threshold, took 129 MB and most of the generator's
  index building.
- `(language, claimed_on, id)`: the admin's language filter lists the languages in use by
  skipping through this index (a few lookups, not a scan of every claim), and a list of one
  language's claims, newest first, reads it in order.
- Articles and reviews get an index in their ordering: their changelists (and the ClaimReview feed)
  sorted all 200,000 articles or 30,000 reviews for each page. Articles also get one on language,
  for the same filter as claims.
"""

from django.db import migrations, models

DROP_TRIGRAMS = "DROP INDEX IF EXISTS claims_claim_text_trgm"
CREATE_TRIGRAMS = "CREATE INDEX claims_claim_text_trgm ON claims_claim USING gin (text gin_trgm_ops)"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("claims", "0006_claim_topic_ids")]

    operations = [
        migrations.RunPython(on_postgresql(DROP_TRIGRAMS), on_postgresql(CREATE_TRIGRAMS), elidable=False),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["language", "claimed_on", "id"], name="claims_claim_language"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["-published_on", "id"], name="claims_article_published"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["language"], name="claims_article_language"),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(fields=["reviewed_on", "id"], name="claims_review_reviewed"),
        ),
    ]
