"""`categories list|seed|set|delete|recategorize`: the item keyword → category table."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.cli.command import Command, open_sessions
from app.core.db import session_scope
from app.data.category_keywords import CATEGORIES, DEFAULT_KEYWORDS
from app.models import CategoryKeyword, ReceiptItem
from app.services.categorize import Categorizer, normalize
from app.services.receipt_store import refresh_main_category


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="print the keyword table")
    sub.add_parser("seed", help="add keywords from app/data/category_keywords.py that are missing")
    set_parser = sub.add_parser("set", help="add or change one keyword")
    set_parser.add_argument("keyword")
    set_parser.add_argument("category")
    delete_parser = sub.add_parser("delete", help="remove one keyword")
    delete_parser.add_argument("keyword")
    sub.add_parser(
        "recategorize",
        help="apply the table to every stored receipt item the user has not corrected",
    )


def run(args: argparse.Namespace) -> int:
    with session_scope(open_sessions()) as session:
        return ACTIONS[args.action](session, args)


def list_keywords(session: Session, args: argparse.Namespace) -> int:
    rows = session.execute(
        select(CategoryKeyword.keyword, CategoryKeyword.category).order_by(
            CategoryKeyword.category, CategoryKeyword.keyword
        )
    )
    for keyword, category in rows:
        print(f"{category}\t{keyword}")
    return 0


def seed(session: Session, args: argparse.Namespace) -> int:
    rows = [{"keyword": k, "category": c} for k, c in DEFAULT_KEYWORDS.items()]
    added = session.scalars(
        insert(CategoryKeyword)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[CategoryKeyword.keyword])
        .returning(CategoryKeyword.keyword)
    ).all()
    print(json.dumps({"added": sorted(added)}))
    return 0


def set_keyword(session: Session, args: argparse.Namespace) -> int:
    keyword = normalize(args.keyword)
    if not keyword:
        print("keyword has no letters or digits", file=sys.stderr)
        return 2
    if args.category not in CATEGORIES:
        print(
            f"unknown category {args.category!r}; known: {', '.join(CATEGORIES)}", file=sys.stderr
        )
        return 2
    session.execute(
        insert(CategoryKeyword)
        .values(keyword=keyword, category=args.category)
        .on_conflict_do_update(
            index_elements=[CategoryKeyword.keyword], set_={"category": args.category}
        )
    )
    return 0


def delete_keyword(session: Session, args: argparse.Namespace) -> int:
    keyword = normalize(args.keyword)
    deleted = session.scalars(
        delete(CategoryKeyword)
        .where(CategoryKeyword.keyword == keyword)
        .returning(CategoryKeyword.keyword)
    ).all()
    if not deleted:
        print(f"no keyword {keyword!r} in the table", file=sys.stderr)
        return 1
    return 0


def recategorize(session: Session, args: argparse.Namespace) -> int:
    """Items the user has not corrected get the table's category; their transactions follow."""
    categorizer = Categorizer.from_db(session)
    receipts: set[uuid.UUID] = set()
    changed = 0
    items = session.execute(
        select(
            ReceiptItem.id, ReceiptItem.receipt_id, ReceiptItem.name, ReceiptItem.category
        ).where(ReceiptItem.corrected_at.is_(None))
    ).all()
    for item_id, receipt_id, name, current in items:
        category = categorizer.categorize(name)
        if category != current:
            session.execute(
                update(ReceiptItem).where(ReceiptItem.id == item_id).values(category=category)
            )
            receipts.add(receipt_id)
            changed += 1
    for receipt_id in receipts:
        refresh_main_category(session, receipt_id)
    print(json.dumps({"changed": changed}))
    return 0


ACTIONS: dict[str, Callable[[Session, argparse.Namespace], int]] = {
    "list": list_keywords,
    "seed": seed,
    "set": set_keyword,
    "delete": delete_keyword,
    "recategorize": recategorize,
}

COMMANDS = (Command("categories", "maintain the item keyword → category table", run, configure),)
