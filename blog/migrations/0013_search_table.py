"""Search reads a narrow table of its own, kept in step with the articles by
a trigger, and one database function returns a page of results
(blog.search.find; costs in bench/PERFORMANCE.md, "13")."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# What search reads of an article's words: the rank vector (title words weigh
# most, then the summary's) and the full-text vector (those and the text's).
CREATE_VECTORS = """
CREATE FUNCTION blog_article_search_vectors(
    title text, summary text, body_text text,
    OUT rank_vector tsvector, OUT search_vector tsvector
) LANGUAGE sql IMMUTABLE AS $$
    SELECT rank, rank || setweight(to_tsvector('english', coalesce(body_text, '')), 'C')
    FROM (
        SELECT setweight(to_tsvector('english', coalesce(title, '')), 'A')
               || setweight(to_tsvector('english', coalesce(summary, '')), 'B') AS rank
    ) AS vectors
$$;
"""

# An article's search row follows the article: written when it is inserted or
# an update touches what search reads (the vectors only when the words
# changed), removed with it. Updates of anything else (a review, a
# fingerprint, a treatment set to NULL) leave it alone: when Django deletes a
# reviewed article it first updates the article's review, and a row written
# back then would outlive the article.
CREATE_SYNC = """
CREATE FUNCTION blog_articlesearch_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM blog_articlesearch WHERE article_id = OLD.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (NEW.title, NEW.summary, NEW.body_text)
           IS NOT DISTINCT FROM (OLD.title, OLD.summary, OLD.body_text) THEN
        UPDATE blog_articlesearch
        SET status = NEW.status, published_at = NEW.published_at,
            updated_at = NEW.updated_at
        WHERE article_id = NEW.id;
        IF FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO blog_articlesearch
        (article_id, status, published_at, updated_at, rank_vector, search_vector)
    SELECT NEW.id, NEW.status, NEW.published_at, NEW.updated_at, *
    FROM blog_article_search_vectors(NEW.title, NEW.summary, NEW.body_text)
    ON CONFLICT (article_id) DO UPDATE SET
        status = EXCLUDED.status,
        published_at = EXCLUDED.published_at,
        updated_at = EXCLUDED.updated_at,
        rank_vector = EXCLUDED.rank_vector,
        search_vector = EXCLUDED.search_vector;
    RETURN NULL;
END;
$$;
CREATE TRIGGER blog_article_search_sync
AFTER INSERT OR DELETE
   OR UPDATE OF title, summary, body_text, status, published_at, updated_at
ON blog_article FOR EACH ROW EXECUTE FUNCTION blog_articlesearch_sync();
INSERT INTO blog_articlesearch
    (article_id, status, published_at, updated_at, rank_vector, search_vector)
SELECT id, status, published_at, updated_at, vectors.*
FROM blog_article, blog_article_search_vectors(title, summary, body_text) AS vectors;
"""
DROP_SYNC = """
DROP TRIGGER blog_article_search_sync ON blog_article;
DROP FUNCTION blog_articlesearch_sync();
DROP FUNCTION blog_article_search_vectors(text, text, text);
"""

# The public articles matching a web-search-style query, best first: title
# hits above summary hits (ArticleSearch.rank_vector's weights), then the
# newest; a page of them with the count of all, and each one's excerpt with
# the query's words between the marks headline_options names.
#
# The full-text condition stands alone in the innermost query, kept apart by
# OFFSET 0 (the planner never merges such a subquery into its parent), and the
# function switches the sequential scan off, so the GIN index is the one way
# to find the rows: the planner prices a sequential scan by the pages it reads,
# not by the full-text vectors it would decompress to test each row, and when
# most articles match it picks a plan several times slower than the index's.
# PL/pgSQL keeps the plan for the connection. Headlines are made for the
# page's rows only, after the LIMIT.
CREATE_SEARCH_PAGE = """
CREATE FUNCTION blog_search_page(
    query text, page_size integer, page_offset integer, headline_options text
) RETURNS TABLE (id bigint, updated_at timestamptz, total bigint, headline text)
LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT page.article_id, page.updated_at, page.total,
           -- Without the marks' own characters, should an excerpt hold one.
           ts_headline('english', translate(article.excerpt, U&'\\E000\\E001', ''),
                       websearch_to_tsquery('english', query), headline_options)
    FROM (
        SELECT article_id, updated_at, rank, published_at, count(*) OVER () AS total
        FROM (
            SELECT article_id, status, published_at, updated_at,
                   ts_rank(rank_vector, terms) AS rank
            FROM blog_articlesearch, websearch_to_tsquery('english', query) AS terms
            WHERE search_vector @@ terms
            OFFSET 0
        ) AS matches
        WHERE status = 'published' AND published_at <= statement_timestamp()
        ORDER BY rank DESC, published_at DESC, article_id DESC
        LIMIT page_size OFFSET page_offset
    ) AS page
    JOIN blog_article AS article ON article.id = page.article_id
    ORDER BY page.rank DESC, page.published_at DESC, page.article_id DESC;
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0012_uploads_stored_without_metadata"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleSearch",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="blog.article",
                    ),
                ),
                ("status", models.CharField(max_length=10)),
                ("published_at", models.DateTimeField(null=True)),
                ("updated_at", models.DateTimeField()),
                ("rank_vector", django.contrib.postgres.search.SearchVectorField()),
                ("search_vector", django.contrib.postgres.search.SearchVectorField()),
            ],
        ),
        migrations.RemoveIndex(
            model_name="article",
            name="article_search_idx",
        ),
        migrations.RemoveField(
            model_name="article",
            name="search_vector",
        ),
        migrations.RunSQL(CREATE_VECTORS + CREATE_SYNC, DROP_SYNC),
        # After the rows are in: one build instead of an insert at a time.
        migrations.AddIndex(
            model_name="articlesearch",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="article_search_idx"
            ),
        ),
        migrations.RunSQL(
            CREATE_SEARCH_PAGE,
            "DROP FUNCTION blog_search_page(text, integer, integer, text)",
        ),
    ]
