"""Full-text search over the agenda items of current document versions.

SQLite: FTS5 with bm25 and prefix matching, so "Integrationskonzept" also finds
"Integrationskonzeptes" without a stemmer. PostgreSQL: the German stemmer via
websearch_to_tsquery. User input is never passed through as query syntax: on SQLite every
word becomes a quoted term, PostgreSQL's websearch parser cannot fail.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from sqlalchemy import Engine, column, func, literal_column, select, table

from schemas.store import SearchHit
from schemas.tables import AgendaItem, Document, Meeting

item_table = AgendaItem.__table__
document_table = Document.__table__
meeting_table = Meeting.__table__

SNIPPET_WORDS = 16
TITLE_WEIGHT = 5.0  # a hit in the title counts five times one in the text (SQLite bm25)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


def search_agenda_items(
    engine: Engine,
    query: str,
    *,
    body: str | None = None,
    since: date | None = None,
    limit: int = 20,
    include_deleted: bool = False,
) -> list[SearchHit]:
    """Agenda items matching `query`, best first; items of deleted meetings or withdrawn files only on request.

    Query language (both databases): words are ANDed, "a phrase" in quotes, `or` between
    alternatives, -word excludes.
    """
    query = CONTROL_CHARACTERS.sub(" ", query)
    m, d = meeting_table.c, document_table.c
    filters = [] if include_deleted else [m.deleted.is_(False), d.deleted.is_(False)]
    if body is not None:
        filters.append(m.body == body)
    if since is not None:
        filters.append(m.start >= datetime.combine(since, time.min, UTC))
    if engine.dialect.name == "postgresql":
        statement = _postgresql_query(query, filters, limit)
    else:
        match = fts5_match_expression(query)
        if not match:
            return []
        statement = _sqlite_query(match, filters, limit)
    with engine.connect() as connection:
        rows = connection.execute(statement).mappings().all()
    return [SearchHit(**row) for row in rows]


def _hit_columns():
    a, d, m = item_table.c, document_table.c, meeting_table.c
    return [
        a.id.label("agenda_item_id"),
        a.meeting_id,
        a.document_id,
        m.name.label("meeting_name"),
        m.body,
        m.organization,
        m.start,
        a.number,
        a.title,
        d.url.label("document_url"),
    ]


def _current_items():
    a, d, m = item_table.c, document_table.c, meeting_table.c
    return item_table.join(document_table, d.current_version_id == a.version_id).join(meeting_table, m.id == a.meeting_id)


def _sqlite_query(match: str, filters: list, limit: int):
    fts = table("agenda_item_fts", column("rowid"))
    fts_name = literal_column("agenda_item_fts")
    score = func.bm25(fts_name, TITLE_WEIGHT, 1.0)  # lower is better
    return (
        select(
            *_hit_columns(),
            func.snippet(fts_name, -1, "[", "]", "…", SNIPPET_WORDS).label("snippet"),
            (-score).label("rank"),
        )
        .select_from(fts.join(_current_items(), item_table.c.id == fts.c.rowid))
        .where(fts_name.op("MATCH")(match), *filters)
        .order_by(score, item_table.c.id)
        .limit(limit)
    )


def _postgresql_query(query: str, filters: list, limit: int):
    a = item_table.c
    german = literal_column("'german'::regconfig")
    tsquery = func.websearch_to_tsquery(german, query)
    vector = literal_column("agenda_item.search_vector")
    ranked = (
        select(*_hit_columns(), a.text, func.ts_rank(vector, tsquery).label("rank"))
        .select_from(_current_items())
        .where(vector.op("@@")(tsquery), *filters)
        .order_by(literal_column("rank").desc(), a.id)
        .limit(limit)
        .subquery()
    )
    # ts_headline is costly: only for the rows that made the cut.
    options = f"StartSel=[, StopSel=], MaxWords={SNIPPET_WORDS * 2}, MinWords={SNIPPET_WORDS // 2}, MaxFragments=2"
    shown = func.coalesce(func.nullif(ranked.c.text, ""), ranked.c.title)
    columns = [c for c in ranked.c if c.name != "text"]
    return select(*columns, func.ts_headline(german, shown, tsquery, options).label("snippet")).order_by(
        ranked.c.rank.desc(), ranked.c.agenda_item_id
    )


def fts5_match_expression(query: str) -> str:
    """An FTS5 MATCH expression for a user's query in which only our own operators are syntax.

    Every word becomes a quoted prefix term ("wort"*), phrases stay phrases; empty if nothing
    searchable is left.
    """
    groups: list[list[str]] = [[]]
    excluded: list[str] = []
    for match in TOKEN.finditer(query):
        minus, phrase, word = match.groups()
        if word is not None and word.lower() == "or":
            if groups[-1]:
                groups.append([])
            continue
        if word is not None:
            minus, word = ("-", word[1:]) if word.startswith("-") else ("", word)
            term = _quoted(_strip_punctuation(word), prefix=True)
        else:
            term = _quoted(phrase, prefix=False)
        if not term:
            continue
        (excluded if minus else groups[-1]).append(term)
    alternatives = [" AND ".join(terms) for terms in groups if terms]
    if not alternatives:
        return ""
    expression = " OR ".join(f"({alt})" for alt in alternatives) if len(alternatives) > 1 else alternatives[0]
    for term in excluded:
        expression = f"({expression}) NOT {term}"
    return expression


def _strip_punctuation(word: str) -> str:
    return re.sub(r"^\W+|\W+$", "", word)


def _quoted(text: str, *, prefix: bool) -> str:
    if not re.search(r"\w", text):
        return ""
    return '"' + text.replace('"', '""') + '"' + ("*" if prefix else "")
