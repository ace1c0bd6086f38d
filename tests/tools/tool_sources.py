"""Custom tool sources as users write them, each with the schema it must give or the error.

The good ones are pinned exactly: a change to any of these schemas has to be deliberate.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GoodSource:
    source: str
    schema: dict[str, Any]


@dataclass(frozen=True)
class BadSource:
    source: str
    message: str  # a substring of the SchemaError's text


def tool(
    name: str, description: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    """The schema a tool's source should derive to."""
    parameters = {"type": "object", "properties": properties, "required": required}
    return {"name": name, "description": description, "parameters": parameters}


def typed(json_type: str, description: str, **more: Any) -> dict[str, Any]:
    """A property of one JSON type, with its description last as the deriver writes it."""
    return {"type": json_type, **more, "description": description}


GOOD_SOURCES: dict[str, GoodSource] = {
    "roll_dice": GoodSource(
        '''
def roll_dice() -> str:
    """
    Simulate the roll of a 20-sided die (d20).

    This function generates a random integer between 1 and 20, inclusive,
    which represents the outcome of a single roll of a d20.

    Returns:
        str: The result of the die roll.
    """
    import random

    dice_role_outcome = random.randint(1, 20)
    output_string = f"You rolled a {dice_role_outcome}"
    return output_string
''',
        tool(
            "roll_dice",
            "Simulate the roll of a 20-sided die (d20).\n\n"
            "This function generates a random integer between 1 and 20, inclusive,\n"
            "which represents the outcome of a single roll of a d20.",
            {},
            [],
        ),
    ),
    "weather_with_units": GoodSource(
        '''
from typing import Literal


def get_weather(city: str, units: Literal["metric", "imperial"] = "metric") -> str:
    """Get the current weather for a city.

    Args:
        city: Name of the city, e.g. "Oslo" or "San Francisco, CA".
        units: Unit system for the temperature.

    Returns:
        str: A one-line weather report.

    Raises:
        ValueError: If the city is unknown to the weather service.
    """
    import json
    import urllib.request

    url = f"https://wttr.in/{city}?format=j1"
    with urllib.request.urlopen(url, timeout=10) as response:
        data = json.load(response)
    current = data["current_condition"][0]
    temperature = current["temp_C"] if units == "metric" else current["temp_F"]
    return f"{city}: {temperature} degrees, {current['weatherDesc'][0]['value']}"
''',
        tool(
            "get_weather",
            "Get the current weather for a city.",
            {
                "city": typed("string", 'Name of the city, e.g. "Oslo" or "San Francisco, CA".'),
                "units": typed(
                    "string",
                    "Unit system for the temperature.",
                    enum=["metric", "imperial"],
                ),
            },
            ["city"],
        ),
    ),
    "add_numbers": GoodSource(
        '''
def add(a: float, b: float) -> float:
    """Add two numbers.

    Args:
        a (float): The first addend.
        b (float): The second addend.

    Returns:
        float: The sum a + b.
    """
    return a + b
''',
        tool(
            "add",
            "Add two numbers.",
            {"a": typed("number", "The first addend."), "b": typed("number", "The second addend.")},
            ["a", "b"],
        ),
    ),
    "calculator_with_module_helper": GoodSource(
        '''
import ast
import operator

_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def _evaluate(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    raise ValueError(f"Not arithmetic: {ast.dump(node)}")


def calculate(expression: str, precision: int = 6) -> str:
    """Evaluate an arithmetic expression safely.

    Only numbers, parentheses and the operators + - * / ** are allowed.

    Args:
        expression: The expression to evaluate, such as "(2 + 3) * 4".
        precision: Number of digits after the decimal point in the answer.

    Returns:
        The value of the expression, rounded.

    Raises:
        ValueError: If the expression contains anything but arithmetic.
        ZeroDivisionError: If it divides by zero.
    """
    return str(round(_evaluate(ast.parse(expression, mode="eval").body), precision))
''',
        tool(
            "calculate",
            "Evaluate an arithmetic expression safely.\n\n"
            "Only numbers, parentheses and the operators + - * / ** are allowed.",
            {
                "expression": typed("string", 'The expression to evaluate, such as "(2 + 3) * 4".'),
                "precision": typed(
                    "integer", "Number of digits after the decimal point in the answer."
                ),
            },
            ["expression"],
        ),
    ),
    "temperature_conversion_literals": GoodSource(
        """
from typing import Literal


def convert_temperature(
    value: float, from_unit: Literal["C", "F", "K"], to_unit: Literal["C", "F", "K"]
) -> float:
    '''Convert a temperature between Celsius, Fahrenheit and Kelvin.

    Args:
        value: The temperature to convert.
        from_unit: The unit of `value`.
        to_unit: The unit to convert to.
    '''
    kelvin = {"C": value + 273.15, "F": (value - 32) * 5 / 9 + 273.15, "K": value}[from_unit]
    return {"C": kelvin - 273.15, "F": (kelvin - 273.15) * 9 / 5 + 32, "K": kelvin}[to_unit]
""",
        tool(
            "convert_temperature",
            "Convert a temperature between Celsius, Fahrenheit and Kelvin.",
            {
                "value": typed("number", "The temperature to convert."),
                "from_unit": typed("string", "The unit of `value`.", enum=["C", "F", "K"]),
                "to_unit": typed("string", "The unit to convert to.", enum=["C", "F", "K"]),
            },
            ["value", "from_unit", "to_unit"],
        ),
    ),
    "flight_search_optional_and_lists": GoodSource(
        '''
from typing import List, Optional


def search_flights(
    origin: str,
    destination: str,
    date: Optional[str] = None,
    passengers: int = 1,
    airlines: Optional[List[str]] = None,
    max_stops: Optional[int] = None,
) -> list:
    """Search for flights between two airports.

    Args:
        origin: IATA code of the departure airport, e.g. "OSL".
        destination: IATA code of the arrival airport.
        date: Departure date as YYYY-MM-DD; today when not given.
        passengers: How many seats are needed.
        airlines: Only flights of these airlines (IATA codes).
        max_stops: The most stops a flight may make.

    Returns:
        list: Matching flights, cheapest first.
    """
    return []
''',
        tool(
            "search_flights",
            "Search for flights between two airports.",
            {
                "origin": typed("string", 'IATA code of the departure airport, e.g. "OSL".'),
                "destination": typed("string", "IATA code of the arrival airport."),
                "date": typed("string", "Departure date as YYYY-MM-DD; today when not given."),
                "passengers": typed("integer", "How many seats are needed."),
                "airlines": typed(
                    "array",
                    "Only flights of these airlines (IATA codes).",
                    items={"type": "string"},
                ),
                "max_stops": typed("integer", "The most stops a flight may make."),
            },
            ["origin", "destination"],
        ),
    ),
    "nested_pydantic_order": GoodSource(
        '''
from typing import List, Optional

from pydantic import BaseModel, Field


class Address(BaseModel):
    street: str = Field(..., description="Street and house number.")
    city: str = Field(..., description="City name.")
    postal_code: Optional[str] = Field(None, description="Postal code, if the country has them.")


class LineItem(BaseModel):
    sku: str = Field(..., description="Stock keeping unit of the product.")
    quantity: int = Field(1, description="How many to order.")


class Order(BaseModel):
    items: List[LineItem] = Field(..., description="What to order.")
    ship_to: Address = Field(..., description="Where to ship the order.")
    gift_note: Optional[str] = Field(default=None, description="A note for the recipient.")


def place_order(order: Order, express: bool = False) -> str:
    """Place an order in the shop.

    Args:
        order: The order to place.
        express: Ship with next-day delivery.
    """
    return "ok"
''',
        tool(
            "place_order",
            "Place an order in the shop.",
            {
                "order": typed(
                    "object",
                    "The order to place.",
                    properties={
                        "items": typed(
                            "array",
                            "What to order.",
                            items={
                                "type": "object",
                                "properties": {
                                    "sku": typed("string", "Stock keeping unit of the product."),
                                    "quantity": typed("integer", "How many to order."),
                                },
                                "required": ["sku"],
                            },
                        ),
                        "ship_to": typed(
                            "object",
                            "Where to ship the order.",
                            properties={
                                "street": typed("string", "Street and house number."),
                                "city": typed("string", "City name."),
                                "postal_code": typed(
                                    "string", "Postal code, if the country has them."
                                ),
                            },
                            required=["street", "city"],
                        ),
                        "gift_note": typed("string", "A note for the recipient."),
                    },
                    required=["items", "ship_to"],
                ),
                "express": typed("boolean", "Ship with next-day delivery."),
            },
            ["order"],
        ),
    ),
    "helper_function_before_tool": GoodSource(
        '''
def _mean(values):
    return sum(values) / len(values)


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def summarize_numbers(numbers: list[float]) -> dict:
    """Summarize a list of numbers with their count, mean and median.

    Args:
        numbers: The numbers to summarize; at least one.
    """
    return {"count": len(numbers), "mean": _mean(numbers), "median": _median(numbers)}
''',
        tool(
            "summarize_numbers",
            "Summarize a list of numbers with their count, mean and median.",
            {
                "numbers": typed(
                    "array", "The numbers to summarize; at least one.", items={"type": "number"}
                )
            },
            ["numbers"],
        ),
    ),
    "async_fetch": GoodSource(
        '''
async def fetch_url(url: str, timeout_seconds: float = 10.0) -> str:
    """Fetch a web page and return its first 2000 characters.

    Args:
        url: The address of the page, starting with http:// or https://.
        timeout_seconds: How long to wait for the server.
    """
    import httpx

    async with httpx.AsyncClient(timeout=timeout_seconds) as client:
        response = await client.get(url)
    return response.text[:2000]
''',
        tool(
            "fetch_url",
            "Fetch a web page and return its first 2000 characters.",
            {
                "url": typed(
                    "string", "The address of the page, starting with http:// or https://."
                ),
                "timeout_seconds": typed("number", "How long to wait for the server."),
            },
            ["url"],
        ),
    ),
    "injected_agent_state_and_id": GoodSource(
        '''
def remember_fact(agent_state: "AgentState", fact: str, agent_id: str = "") -> str:
    """Store a fact in the agent's human memory block.

    Args:
        agent_state: Injected by the server.
        fact: The fact to remember, as one sentence.
    """
    block = agent_state.memory.get_block("human")
    block.value += "\\n" + fact
    return "Remembered."
''',
        tool(
            "remember_fact",
            "Store a fact in the agent's human memory block.",
            {"fact": typed("string", "The fact to remember, as one sentence.")},
            ["fact"],
        ),
    ),
    "typing_attribute_access": GoodSource(
        '''
import typing


def tag_document(
    document_id: str, tags: typing.List[str], priority: typing.Optional[int] = None
) -> str:
    """Attach tags to a document.

    Args:
        document_id: The id of the document.
        tags: Tags to attach; existing tags are kept.
        priority: Review priority, 1 (high) to 5 (low).
    """
    return f"{document_id}: {', '.join(tags)}"
''',
        tool(
            "tag_document",
            "Attach tags to a document.",
            {
                "document_id": typed("string", "The id of the document."),
                "tags": typed(
                    "array", "Tags to attach; existing tags are kept.", items={"type": "string"}
                ),
                "priority": typed("integer", "Review priority, 1 (high) to 5 (low)."),
            },
            ["document_id", "tags"],
        ),
    ),
    "pep604_optional": GoodSource(
        '''
def send_email(to: str, subject: str, body: str, cc: str | None = None) -> str:
    """Send an email through the company SMTP relay.

    Args:
        to: Address of the recipient.
        subject: Subject line.
        body: Plain-text body of the message.
        cc: Address to copy, if any.
    """
    import smtplib
    from email.message import EmailMessage

    message = EmailMessage()
    message["To"], message["Subject"] = to, subject
    if cc:
        message["Cc"] = cc
    message.set_content(body)
    with smtplib.SMTP("localhost") as relay:
        relay.send_message(message)
    return "sent"
''',
        tool(
            "send_email",
            "Send an email through the company SMTP relay.",
            {
                "to": typed("string", "Address of the recipient."),
                "subject": typed("string", "Subject line."),
                "body": typed("string", "Plain-text body of the message."),
                "cc": typed("string", "Address to copy, if any."),
            },
            ["to", "subject", "body"],
        ),
    ),
    "union_with_none_without_default": GoodSource(
        '''
from typing import Union


def lookup_user(email: Union[str, None], user_id: Union[None, int]) -> dict:
    """Look a user up by email or by id.

    Args:
        email: The user's email address.
        user_id: The user's numeric id.
    """
    return {}
''',
        tool(
            "lookup_user",
            "Look a user up by email or by id.",
            {
                "email": typed("string", "The user's email address."),
                "user_id": typed("integer", "The user's numeric id."),
            },
            [],
        ),
    ),
    "dicts_bare_and_typed": GoodSource(
        '''
from typing import Dict


def update_inventory(counts: Dict[str, int], metadata: dict, extra: Dict = None) -> str:
    """Set stock counts for several products at once.

    Args:
        counts: New stock count per product SKU.
        metadata: Free-form data stored with the update.
        extra: More free-form data.
    """
    return f"updated {len(counts)} products"
''',
        tool(
            "update_inventory",
            "Set stock counts for several products at once.",
            {
                "counts": typed("object", "New stock count per product SKU."),
                "metadata": typed("object", "Free-form data stored with the update."),
                "extra": typed("object", "More free-form data."),
            },
            ["counts", "metadata"],
        ),
    ),
    "bare_list_holds_strings": GoodSource(
        '''
from typing import List


def add_to_shopping_list(items: list, shops: List) -> str:
    """Add items to the shared shopping list.

    Args:
        items: What to buy.
        shops: Where to buy it.
    """
    return ", ".join(items)
''',
        tool(
            "add_to_shopping_list",
            "Add items to the shared shopping list.",
            {
                "items": typed("array", "What to buy.", items={"type": "string"}),
                "shops": typed("array", "Where to buy it.", items={"type": "string"}),
            },
            ["items", "shops"],
        ),
    ),
    "numeric_literals": GoodSource(
        '''
from typing import Literal


def set_volume(level: Literal[0, 25, 50, 75, 100], gain: Literal[-1.5, 0, 1.5] = 0) -> str:
    """Set the speaker volume.

    Args:
        level: Volume in percent.
        gain: Extra gain in decibels.
    """
    return f"volume {level}%"
''',
        tool(
            "set_volume",
            "Set the speaker volume.",
            {
                "level": typed("integer", "Volume in percent.", enum=[0, 25, 50, 75, 100]),
                "gain": typed("number", "Extra gain in decibels.", enum=[-1.5, 0, 1.5]),
            },
            ["level"],
        ),
    ),
    "any_payload": GoodSource(
        '''
from typing import Any


def log_event(name: str, payload: Any) -> str:
    """Write an event to the audit log.

    Args:
        name: The event's name.
        payload: Any JSON value to store with it.
    """
    return "logged"
''',
        tool(
            "log_event",
            "Write an event to the audit log.",
            {
                "name": typed("string", "The event's name."),
                "payload": {"description": "Any JSON value to store with it."},
            },
            ["name", "payload"],
        ),
    ),
    "positional_only_and_keyword_only": GoodSource(
        '''
def create_reminder(text: str, /, minutes: int, *, repeat: bool = False, channel: str) -> str:
    """Create a reminder.

    Args:
        text: What to be reminded of.
        minutes: In how many minutes.
        repeat: Repeat every day at that time.
        channel: Where to deliver it: "sms" or "email".
    """
    return "ok"
''',
        tool(
            "create_reminder",
            "Create a reminder.",
            {
                "text": typed("string", "What to be reminded of."),
                "minutes": typed("integer", "In how many minutes."),
                "repeat": typed("boolean", "Repeat every day at that time."),
                "channel": typed("string", 'Where to deliver it: "sms" or "email".'),
            },
            ["text", "minutes", "channel"],
        ),
    ),
    "examples_section": GoodSource(
        '''
def slugify(title: str, max_length: int = 60) -> str:
    """Turn a title into a URL slug.

    Lowercases, keeps letters and digits, and joins words with hyphens.

    Args:
        title: The title to turn into a slug.
        max_length: The longest slug to return.

    Returns:
        str: The slug.

    Examples:
        >>> slugify("Hello, World!")
        'hello-world'
    """
    import re

    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:max_length]
''',
        tool(
            "slugify",
            "Turn a title into a URL slug.\n\n"
            "Lowercases, keeps letters and digits, and joins words with hyphens.\n\n"
            "Examples:\n>>> slugify(\"Hello, World!\")\n'hello-world'",
            {
                "title": typed("string", "The title to turn into a slug."),
                "max_length": typed("integer", "The longest slug to return."),
            },
            ["title"],
        ),
    ),
    "sphinx_style_docstring": GoodSource(
        '''
def translate(text: str, target_language: str) -> str:
    """Translate text into another language.

    :param text: The text to translate.
    :param target_language: ISO 639-1 code of the language to translate into.
    :returns: The translated text.
    """
    return text
''',
        tool(
            "translate",
            "Translate text into another language.",
            {
                "text": typed("string", "The text to translate."),
                "target_language": typed(
                    "string", "ISO 639-1 code of the language to translate into."
                ),
            },
            ["text", "target_language"],
        ),
    ),
    "numpy_style_docstring": GoodSource(
        '''
def moving_average(values: list[float], window: int = 3) -> list[float]:
    """Compute the moving average of a series.

    Parameters
    ----------
    values : list of float
        The series, oldest value first.
    window : int
        How many values each average covers.

    Returns
    -------
    list of float
        One average per full window.
    """
    return [sum(values[i : i + window]) / window for i in range(len(values) - window + 1)]
''',
        tool(
            "moving_average",
            "Compute the moving average of a series.",
            {
                "values": typed(
                    "array", "The series, oldest value first.", items={"type": "number"}
                ),
                "window": typed("integer", "How many values each average covers."),
            },
            ["values"],
        ),
    ),
    "model_inheritance_and_annotated": GoodSource(
        '''
from typing import Annotated, ClassVar, Optional

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ClassVar[str] = "record"

    id: str = Field(description="Unique id of the record.")


class Contact(Record):
    name: Annotated[str, Field(description="Full name.")]
    email: Optional[str] = Field(default=None, description="Email address.")
    _cache: dict = {}


def save_contact(contact: Contact) -> str:
    """Save a contact to the address book.

    Args:
        contact: The contact to save; an existing id is overwritten.
    """
    return contact.id
''',
        tool(
            "save_contact",
            "Save a contact to the address book.",
            {
                "contact": typed(
                    "object",
                    "The contact to save; an existing id is overwritten.",
                    properties={
                        "id": typed("string", "Unique id of the record."),
                        "name": typed("string", "Full name."),
                        "email": typed("string", "Email address."),
                    },
                    required=["id", "name"],
                )
            },
            ["contact"],
        ),
    ),
    "optional_list_of_models": GoodSource(
        '''
from typing import List, Literal, Optional

import pydantic


class Attendee(pydantic.BaseModel):
    email: str = pydantic.Field(description="The attendee's email address.")
    role: Literal["required", "optional"] = pydantic.Field(
        "required", description="Whether the attendee must come."
    )


def schedule_meeting(
    title: str, start: str, duration_minutes: int = 30, attendees: Optional[List[Attendee]] = None
) -> str:
    """Schedule a meeting in the shared calendar.

    Args:
        title: Title of the meeting.
        start: Start time in ISO 8601, e.g. 2025-03-01T10:00.
        duration_minutes: Length of the meeting.
        attendees: People to invite.
    """
    return "scheduled"
''',
        tool(
            "schedule_meeting",
            "Schedule a meeting in the shared calendar.",
            {
                "title": typed("string", "Title of the meeting."),
                "start": typed("string", "Start time in ISO 8601, e.g. 2025-03-01T10:00."),
                "duration_minutes": typed("integer", "Length of the meeting."),
                "attendees": typed(
                    "array",
                    "People to invite.",
                    items={
                        "type": "object",
                        "properties": {
                            "email": typed("string", "The attendee's email address."),
                            "role": typed(
                                "string",
                                "Whether the attendee must come.",
                                enum=["required", "optional"],
                            ),
                        },
                        "required": ["email"],
                    },
                ),
            },
            ["title", "start"],
        ),
    ),
    "defaults_never_in_schema": GoodSource(
        '''
def search_documents(
    query: str, page: int = 1, page_size: int = 20, sort: str = "relevance", exact: bool = False
) -> list:
    """Full-text search over the knowledge base.

    Args:
        query: Words to search for.
        page: Which page of results, from 1.
        page_size: Results per page.
        sort: "relevance" or "date".
        exact: Match the query as one phrase.
    """
    return []
''',
        tool(
            "search_documents",
            "Full-text search over the knowledge base.",
            {
                "query": typed("string", "Words to search for."),
                "page": typed("integer", "Which page of results, from 1."),
                "page_size": typed("integer", "Results per page."),
                "sort": typed("string", '"relevance" or "date".'),
                "exact": typed("boolean", "Match the query as one phrase."),
            },
            ["query"],
        ),
    ),
    "typing_module_alias": GoodSource(
        '''
import typing as t
from typing import List as Many


def split_bill(total: float, people: Many[str], tip_percent: t.Optional[float] = None) -> dict:
    """Split a restaurant bill evenly.

    Args:
        total: The bill before tip.
        people: Who is paying.
        tip_percent: Tip to add, in percent of the total.
    """
    return {}
''',
        tool(
            "split_bill",
            "Split a restaurant bill evenly.",
            {
                "total": typed("number", "The bill before tip."),
                "people": typed("array", "Who is paying.", items={"type": "string"}),
                "tip_percent": typed("number", "Tip to add, in percent of the total."),
            },
            ["total", "people"],
        ),
    ),
    "multi_line_parameter_description": GoodSource(
        '''
def run_sql(query: str, read_only: bool = True) -> str:
    """Run a SQL query against the analytics database.

    Args:
        query: The SQL to run. Use the table names from the schema in
            your memory; never guess column names.
        read_only: Refuse anything but SELECT.
    """
    return ""
''',
        tool(
            "run_sql",
            "Run a SQL query against the analytics database.",
            {
                "query": typed(
                    "string",
                    "The SQL to run. Use the table names from the schema in\n"
                    "your memory; never guess column names.",
                ),
                "read_only": typed("boolean", "Refuse anything but SELECT."),
            },
            ["query"],
        ),
    ),
    "method_like_self": GoodSource(
        '''
def count_words(self, text: str) -> int:
    """Count the words in a text.

    Args:
        text: The text to count the words of.
    """
    return len(text.split())
''',
        tool(
            "count_words",
            "Count the words in a text.",
            {"text": typed("string", "The text to count the words of.")},
            ["text"],
        ),
    ),
    "quoted_forward_reference": GoodSource(
        '''
from pydantic import BaseModel, Field


def create_ticket(ticket: "Ticket", notify: "bool" = True) -> str:
    """Open a support ticket.

    Args:
        ticket: The ticket to open.
        notify: Email the customer that it was opened.
    """
    return "opened"


class Ticket(BaseModel):
    subject: str = Field(description="One-line summary of the problem.")
    severity: int = Field(3, description="1 (outage) to 4 (question).")
''',
        tool(
            "create_ticket",
            "Open a support ticket.",
            {
                "ticket": typed(
                    "object",
                    "The ticket to open.",
                    properties={
                        "subject": typed("string", "One-line summary of the problem."),
                        "severity": typed("integer", "1 (outage) to 4 (question)."),
                    },
                    required=["subject"],
                ),
                "notify": typed("boolean", "Email the customer that it was opened."),
            },
            ["ticket"],
        ),
    ),
    "boolean_literal_and_nested_lists": GoodSource(
        '''
from typing import List, Literal


def plot_grid(cells: List[List[int]], show_axes: Literal[True, False] = True) -> str:
    """Draw a grid of numbers as an ASCII chart.

    Args:
        cells: Rows of the grid, top row first.
        show_axes: Draw the axes.
    """
    return ""
''',
        tool(
            "plot_grid",
            "Draw a grid of numbers as an ASCII chart.",
            {
                "cells": typed(
                    "array",
                    "Rows of the grid, top row first.",
                    items={"type": "array", "items": {"type": "integer"}},
                ),
                "show_axes": typed("boolean", "Draw the axes.", enum=[True, False]),
            },
            ["cells"],
        ),
    ),
    "docstring_without_summary": GoodSource(
        '''
def ping() -> str:
    """
    Returns:
        str: "pong".
    """
    return "pong"
''',
        tool("ping", "No description available", {}, []),
    ),
}


BAD_SOURCES: dict[str, BadSource] = {
    "syntax_error_names_its_line": BadSource(
        '''
def broken_total(prices: list[float]) -> float:
    """Add up prices."""
    return sum(prices) +
''',
        "Source code does not parse: line 4: invalid syntax",
    ),
    "unclosed_parenthesis": BadSource(
        'def greet(name: str -> str:\n    """Greet."""\n',
        "Source code does not parse: line 1:",
    ),
    "null_byte": BadSource(
        'def f():\n    """Doc."""\n    return "\0"\n',
        "Source code does not parse:",
    ),
    "no_function_at_all": BadSource(
        "import math\n\nRADIUS = 3\nAREA = math.pi * RADIUS**2\n",
        "No functions found in source code",
    ),
    "empty_source": BadSource("", "No functions found in source code"),
    "lambda_is_not_a_function": BadSource(
        "double = lambda x: 2 * x\n", "No functions found in source code"
    ),
    "missing_docstring": BadSource(
        "def multiply(a: int, b: int) -> int:\n    return a * b\n",
        "Function multiply missing docstring",
    ),
    "blank_docstring": BadSource(
        'def multiply(a: int, b: int) -> int:\n    """   """\n    return a * b\n',
        "Function multiply missing docstring",
    ),
    "missing_annotation": BadSource(
        '''
def multiply(a: int, b) -> int:
    """Multiply two integers.

    Args:
        a: The first factor.
        b: The second factor.
    """
    return a * b
''',
        "Parameter 'b' in function 'multiply' lacks a type annotation",
    ),
    "missing_parameter_description": BadSource(
        '''
def get_weather(city: str, units: str = "metric") -> str:
    """Get the weather for a city.

    Args:
        city: The city.
    """
    return ""
''',
        "Parameter 'units' in function 'get_weather' lacks a description in the docstring",
    ),
    "star_args": BadSource(
        '''
def total(*numbers: float) -> float:
    """Add numbers.

    Args:
        numbers: The numbers.
    """
    return sum(numbers)
''',
        "Parameter '*numbers' in function 'total' cannot be described by a tool schema",
    ),
    "star_star_kwargs": BadSource(
        '''
def configure(name: str, **options: str) -> str:
    """Configure a service.

    Args:
        name: The service.
        options: Its settings.
    """
    return name
''',
        "Parameter '**options' in function 'configure' cannot be described by a tool schema",
    ),
    "tuple_parameter": BadSource(
        '''
from typing import Tuple


def distance(coords: Tuple[float, float], other: Tuple[float, float]) -> float:
    """Distance between two points.

    Args:
        coords: The first point.
        other: The second point.
    """
    return 0.0
''',
        "Parameter 'coords' in function 'distance' has type 'Tuple[float, float]', "
        "which a tool schema cannot express: tuples are not supported",
    ),
    "callable_parameter": BadSource(
        '''
from typing import Callable


def apply(function: Callable[[int], int], value: int) -> int:
    """Apply a function to a value.

    Args:
        function: The function.
        value: The value.
    """
    return function(value)
''',
        "Parameter 'function' in function 'apply' has type 'Callable[[int], int]', "
        "which a tool schema cannot express: a function cannot be passed as JSON",
    ),
    "imported_type": BadSource(
        '''
from datetime import date


def days_until(day: date) -> int:
    """Count the days until a date.

    Args:
        day: The date.
    """
    return (day - date.today()).days
''',
        "Parameter 'day' in function 'days_until' has type 'date', which a tool schema cannot "
        "express: 'datetime.date' is imported from another module",
    ),
    "imported_module_attribute": BadSource(
        '''
import pathlib


def read_file(path: pathlib.Path) -> str:
    """Read a file.

    Args:
        path: The file.
    """
    return path.read_text()
''',
        "'pathlib.Path' is imported from another module",
    ),
    "model_field_without_description": BadSource(
        '''
from pydantic import BaseModel, Field


class Address(BaseModel):
    street: str = Field(description="Street and number.")
    zip_code: str


def ship(address: Address) -> str:
    """Ship a parcel.

    Args:
        address: Where to.
    """
    return "shipped"
''',
        "Field 'zip_code' of model 'Address' lacks a description",
    ),
    "model_field_of_imported_type": BadSource(
        '''
from datetime import datetime

from pydantic import BaseModel, Field


class Meeting(BaseModel):
    title: str = Field(description="Title.")
    when: datetime = Field(description="Start time.")


def book(meeting: Meeting) -> str:
    """Book a meeting.

    Args:
        meeting: The meeting.
    """
    return "booked"
''',
        "Field 'when' of model 'Meeting' has type 'datetime', which a tool schema cannot express",
    ),
    "union_of_two_types": BadSource(
        '''
from typing import Union


def find(key: Union[int, str]) -> str:
    """Find a record.

    Args:
        key: Its id or its name.
    """
    return ""
''',
        "Parameter 'key' in function 'find' has type 'Union[int, str]', which a tool schema "
        "cannot express: a union of several types is not supported",
    ),
    "pep604_union_of_two_types": BadSource(
        '''
def find(key: int | str | None = None) -> str:
    """Find a record.

    Args:
        key: Its id or its name.
    """
    return ""
''',
        "only one type besides None may be optional",
    ),
    "mixed_literal": BadSource(
        '''
from typing import Literal


def pick(choice: Literal["a", 1]) -> str:
    """Pick one.

    Args:
        choice: The choice.
    """
    return ""
''',
        "Literal values must be all strings, all numbers or all booleans",
    ),
    "recursive_model": BadSource(
        '''
from typing import List

from pydantic import BaseModel, Field


class Node(BaseModel):
    name: str = Field(description="Name of the node.")
    children: List["Node"] = Field(default_factory=list, description="Child nodes.")


def build_tree(root: Node) -> str:
    """Build a tree.

    Args:
        root: The root node.
    """
    return root.name
''',
        "Field 'children' of model 'Node' has type 'List['Node']', which a tool schema cannot "
        "express: model 'Node' contains itself; a tool schema cannot recurse",
    ),
    "dataclass_is_not_a_model": BadSource(
        '''
from dataclasses import dataclass


@dataclass
class Point:
    x: float
    y: float


def plot(point: Point) -> str:
    """Plot a point.

    Args:
        point: The point.
    """
    return ""
''',
        "'Point' is a class of the source but not a pydantic BaseModel",
    ),
    "optional_inside_a_list": BadSource(
        '''
from typing import List, Optional


def average(values: List[Optional[float]]) -> float:
    """Average some values.

    Args:
        values: The values; nulls are skipped.
    """
    return 0.0
''',
        "None is allowed only on a whole parameter or field",
    ),
    "undefined_name": BadSource(
        '''
def charge(amount: Money) -> str:
    """Charge a card.

    Args:
        amount: How much.
    """
    return ""
''',
        "'Money' is neither a JSON type nor a pydantic model the source defines",
    ),
    "set_parameter": BadSource(
        '''
def dedupe(words: set[str]) -> list:
    """Remove duplicate words.

    Args:
        words: The words.
    """
    return sorted(words)
''',
        "sets are not supported; use list[...]",
    ),
    "non_ascii_function_name": BadSource(
        '''
def café(order: str) -> str:
    """Order a coffee.

    Args:
        order: What to drink.
    """
    return order
''',
        "Tool name 'café' must be 1 to 64 ASCII letters, digits, underscores or hyphens",
    ),
    "function_name_too_long": BadSource(
        f'def {"x" * 65}() -> str:\n    """Too long a name."""\n',
        "must be 1 to 64 ASCII letters",
    ),
    "docstring_the_parser_chokes_on": BadSource(
        '''
def f(x: int) -> str:
    """Summary.

    : :
    """
''',
        "The docstring of function f does not parse (IndexError: list index out of range)",
    ),
    "generic_model_subscript": BadSource(
        '''
from pydantic import BaseModel, Field


class Box(BaseModel):
    item: str = Field(description="What is in the box.")


def ship(box: Box[int]) -> str:
    """Ship a box.

    Args:
        box: The box.
    """
    return ""
''',
        "has type 'Box[int]', which a tool schema cannot express: 'Box' cannot take type arguments",
    ),
    "models_that_expand_exponentially": BadSource(
        "from pydantic import BaseModel, Field\n\n"
        + "".join(
            f"class Level{level}(BaseModel):\n"
            f'    left: Level{level + 1} = Field(description="Left.")\n'
            f'    right: Level{level + 1} = Field(description="Right.")\n\n'
            for level in range(12)
        )
        + "class Level12(BaseModel):\n"
        '    leaf: str = Field(description="Leaf.")\n\n'
        "def walk(tree: Level0) -> str:\n"
        '    """Walk a tree.\n\n    Args:\n        tree: It.\n    """\n',
        "The models expand to more than 1000 objects",
    ),
    "duplicate_parameter": BadSource(
        '''
def echo(text: str, text: str) -> str:
    """Echo.

    Args:
        text: The text.
    """
    return text
''',
        "Parameter 'text' in function 'echo' is declared twice",
    ),
}
