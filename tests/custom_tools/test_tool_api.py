"""The custom tool API over HTTP: create, upsert, update, list, count, run, delete."""

import httpx

from tests.custom_tools.sources import adder, source, unique
from tests.factories import agent_body, missing_id


def create(http: httpx.Client, code: str, **fields: object) -> dict:
    response = http.post("/v1/tools/", json={"source_code": code, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_tool_is_created_from_source_with_its_derived_schema(http: httpx.Client) -> None:
    name = unique("add")
    tool = create(http, adder(name), tags=["math"], return_char_limit=100)
    assert tool["id"].startswith("tool-") and tool["name"] == name
    assert tool["tool_type"] == "custom" and tool["source_type"] == "python"
    assert tool["tags"] == ["math"] and tool["return_char_limit"] == 100
    assert tool["json_schema"] == {
        "name": name,
        "description": f"Tool {name}.",
        "parameters": {
            "type": "object",
            "properties": {
                "a": {"type": "integer", "description": "The first number."},
                "b": {"type": "integer", "description": "The second number."},
            },
            "required": ["a"],
        },
    }
    assert http.get(f"/v1/tools/{tool['id']}").json()["source_code"] == adder(name)


def test_post_and_put_upsert_by_name_keeping_the_id_and_tags(http: httpx.Client) -> None:
    name = unique("greet")
    first = create(http, source(name, "return 'hi'"), tags=["a"])
    changed = source(name, "return 'hello'")
    second = http.put("/v1/tools/", json={"source_code": changed, "description": "Greets."})
    assert second.status_code == 200, second.text
    assert second.json()["id"] == first["id"]
    assert second.json()["source_code"] == changed and second.json()["description"] == "Greets."
    assert second.json()["tags"] == ["a"]  # an empty tag list keeps the stored tags
    third = create(http, changed, tags=["b"])
    assert third["id"] == first["id"] and third["tags"] == ["b"]


def test_patch_changes_fields_and_rederives_the_schema_from_new_source(
    http: httpx.Client,
) -> None:
    name = unique("scale")
    tool = create(http, adder(name))
    new_source = source(name, "return x * 3", params="x: float", doc_args="x: What to scale.")
    response = http.patch(
        f"/v1/tools/{tool['id']}",
        json={"source_code": new_source, "tags": ["t"], "default_requires_approval": True},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["json_schema"]["parameters"]["properties"] == {
        "x": {"type": "number", "description": "What to scale."}
    }
    assert updated["tags"] == ["t"] and updated["default_requires_approval"] is True
    other = source(unique("other"), "return 1")
    mismatch = http.patch(f"/v1/tools/{tool['id']}", json={"source_code": other})
    assert mismatch.status_code == 400
    assert "does not match" in mismatch.json()["detail"]


def test_renaming_onto_an_existing_name_is_refused(http: httpx.Client) -> None:
    taken, mine = unique("taken"), unique("mine")
    create(http, source(taken, "return 1"))
    tool = create(http, source(mine, "return 1"))
    schema = {"name": taken, "description": "x", "parameters": {"type": "object", "properties": {}}}
    response = http.patch(f"/v1/tools/{tool['id']}", json={"json_schema": schema})
    assert response.status_code == 400
    assert f"Tool with name '{taken}' already exists" in response.json()["detail"]


def test_sources_that_cannot_become_a_schema_get_400_naming_the_problem(
    http: httpx.Client,
) -> None:
    cases = {
        "def f(:\n    pass\n": "line 1",
        "x = 1\n": "No functions found",
        "def f(a: int):\n    return a\n": "missing docstring",
        source(unique("t"), "return a", params="a", doc_args="a: thing"): "'a'",
    }
    for code, expected in cases.items():
        response = http.post("/v1/tools/", json={"source_code": code})
        assert response.status_code == 400, code
        detail = response.json()["detail"]
        assert detail.startswith("Failed to derive json schema: Schema generation failed: ")
        assert expected in detail, (code, detail)
    assert http.post("/v1/tools/", json={"source_code": "x", "bogus": 1}).status_code == 422
    typescript = http.post("/v1/tools/", json={"source_code": "x", "source_type": "typescript"})
    assert typescript.status_code == 400 and "json_schema" in typescript.json()["detail"]


def test_a_builtin_name_or_builtin_tool_cannot_be_taken_over(http: httpx.Client) -> None:
    response = http.post("/v1/tools/", json={"source_code": source("memory_insert", "return 1")})
    assert response.status_code == 400 and "built-in" in response.json()["detail"]
    builtin = http.get("/v1/tools/", params={"name": "memory_insert"}).json()[0]
    assert http.delete(f"/v1/tools/{builtin['id']}").status_code == 400
    assert http.patch(f"/v1/tools/{builtin['id']}", json={"tags": ["x"]}).status_code == 400


def test_list_filters_search_and_count(http: httpx.Client) -> None:
    stem = unique("zebra")
    ids = [create(http, source(f"{stem}_{i}", "return 1"))["id"] for i in range(3)]
    found = http.get("/v1/tools/", params={"search": stem.upper()}).json()
    assert sorted(t["id"] for t in found) == sorted(ids)
    custom = http.get("/v1/tools/", params={"tool_types": "custom", "limit": 1000}).json()
    assert set(ids) <= {t["id"] for t in custom} and {t["tool_type"] for t in custom} == {"custom"}
    by_id = http.get("/v1/tools/", params=[("tool_ids", ids[0]), ("tool_ids", ids[1])]).json()
    assert sorted(t["id"] for t in by_id) == sorted(ids[:2])
    letta = http.get("/v1/tools/", params={"return_only_letta_tools": True, "limit": 1000}).json()
    assert letta and all(t["tool_type"] != "custom" for t in letta)
    assert http.get("/v1/tools/count", params={"search": stem}).json() == 3
    total = http.get("/v1/tools/count").json()
    without = http.get("/v1/tools/count", params={"exclude_letta_tools": True}).json()
    assert total - without == len(letta)
    bad = http.get("/v1/tools/", params={"tool_types": "nonsense"})
    assert bad.status_code == 400 and "Invalid tool_type 'nonsense'" in bad.json()["detail"]


def test_delete_removes_the_tool_and_detaches_it(http: httpx.Client) -> None:
    tool = create(http, source(unique("gone"), "return 1"))
    agent = http.post("/v1/agents/", json=agent_body(tool_ids=[tool["id"]])).json()
    assert tool["name"] in {t["name"] for t in agent["tools"]}
    assert http.delete(f"/v1/tools/{tool['id']}").status_code == 200
    assert http.get(f"/v1/tools/{tool['id']}").status_code == 404
    tools = http.get(f"/v1/agents/{agent['id']}").json()["tools"]
    assert tool["name"] not in {t["name"] for t in tools}
    assert http.delete(f"/v1/tools/{missing_id('tool')}").status_code == 404


def test_run_from_source_returns_the_result_and_output(http: httpx.Client) -> None:
    name = unique("shout")  # other tests on this server may store a "shout"
    code = source(
        name, "print('working'); return text.upper()", params="text: str", doc_args="text: x"
    )
    response = http.post("/v1/tools/run", json={"source_code": code, "args": {"text": "hey"}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message_type"] == "tool_return_message"
    assert body["status"] == "success" and body["tool_return"] == "HEY"
    assert body["stdout"] == ["working\n"]
    assert http.get("/v1/tools/", params={"name": name}).json() == []  # nothing stored


def test_run_from_source_reports_exceptions_and_bad_arguments(http: httpx.Client) -> None:
    failing = source("boom", "raise ValueError('no good')")
    body = http.post("/v1/tools/run", json={"source_code": failing, "args": {}}).json()
    assert body["status"] == "error"
    assert body["tool_return"] == "Error executing function boom: ValueError: no good"
    typed = adder("add_typed")
    body = http.post("/v1/tools/run", json={"source_code": typed, "args": {"a": "x"}}).json()
    assert body["status"] == "error" and "'a'" in body["tool_return"]
    env = source("read_env", "import os; return os.environ.get('GREETING')")
    body = http.post(
        "/v1/tools/run",
        json={"source_code": env, "args": {}, "env_vars": {"GREETING": "hola"}},
    ).json()
    assert body["tool_return"] == "hola"
    ts = http.post("/v1/tools/run", json={"source_code": env, "args": {}, "source_type": "ruby"})
    assert ts.status_code == 422


def test_base_tools_are_listed_and_added(http: httpx.Client) -> None:
    added = http.post("/v1/tools/add-base-tools").json()
    names = {t["name"] for t in added}
    assert {"send_message", "run_code", "web_search", "fetch_webpage", "memory_insert"} <= names


def test_without_bubblewrap_tools_still_run_and_health_says_what_is_weaker(
    start_server,
) -> None:
    server = start_server(LETTALITE_TOOL_SANDBOX="process")
    with httpx.Client(base_url=server.url, timeout=30) as http:
        [warning] = http.get("/v1/health/").json()["warnings"]
        assert warning.startswith("Custom tools: they run as plain processes")
        code = source("double", "return n * 2", params="n: int", doc_args="n: a number")
        body = http.post("/v1/tools/run", json={"source_code": code, "args": {"n": 21}}).json()
        assert body["status"] == "success" and body["tool_return"] == "42"


def test_a_json_schema_that_json_schema_does_not_define_is_400_not_a_broken_tool(
    http: httpx.Client,
) -> None:
    """Such a schema made every call of the tool fail in the server (a 500, a failed turn)."""
    code = source(unique("typo"), "return a", params="a", doc_args="a: thing")
    name = code.split("(")[0].removeprefix("def ")
    typo = {"type": "object", "properties": {"a": {"type": "integr"}}}
    for field, schema in (
        ("json_schema", {"name": name, "parameters": typo}),
        ("args_json_schema", typo),
    ):
        response = http.post("/v1/tools/", json={"source_code": code, field: schema})
        assert response.status_code == 400, (field, response.text)
        assert "'integr' is not valid" in response.json()["detail"]
        assert "properties/a/type" in response.json()["detail"]
    assert http.get("/v1/tools/", params={"name": name}).json() == []
    bad_pattern = {"a": {"type": "string", "pattern": "("}}
    run = http.post(
        "/v1/tools/run",
        json={
            "source_code": code,
            "args": {"a": "x"},
            "json_schema": {"name": name, "parameters": {"properties": bad_pattern}},
        },
    )
    assert run.status_code == 400 and "is not a 'regex'" in run.json()["detail"]


def test_a_ref_the_json_schema_does_not_define_is_a_tool_error(http: httpx.Client) -> None:
    code = source(unique("dangling"), "return a", params="a", doc_args="a: thing")
    name = code.split("(")[0].removeprefix("def ")
    dangling = {"properties": {"a": {"$ref": "#/$defs/Missing"}}}
    response = http.post(
        "/v1/tools/run",
        json={
            "source_code": code,
            "args": {"a": 1},
            "json_schema": {"name": name, "parameters": dangling},
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "error"
    assert "#/$defs/Missing" in response.json()["tool_return"]


def test_patch_with_nulls_leaves_those_fields_as_they_are(http: httpx.Client) -> None:
    """As Letta applies an update (`exclude_none`). A null source used to be stored, and the
    tool, without source, silently stopped being offered to its agents."""
    name = unique("kept")
    tool = create(http, adder(name), return_char_limit=100, default_requires_approval=True)
    nulls = ("return_char_limit", "source_type", "source_code", "default_requires_approval")
    response = http.patch(f"/v1/tools/{tool['id']}", json=dict.fromkeys(nulls))
    assert response.status_code == 200, response.text
    assert {field: response.json()[field] for field in nulls} == {
        field: tool[field] for field in nulls
    }
    agent = http.post("/v1/agents/", json=agent_body(tool_ids=[tool["id"]])).json()
    ran = http.post(f"/v1/agents/{agent['id']}/tools/{name}/run", json={"args": {"a": 1}})
    assert ran.status_code == 200 and ran.json()["func_return"] == "3"


def test_a_schema_naming_another_function_or_an_unusable_env_name_is_refused(
    http: httpx.Client,
) -> None:
    name = unique("named")
    schema = {"name": unique("other"), "parameters": {"type": "object", "properties": {}}}
    response = http.post(
        "/v1/tools/", json={"source_code": source(name, "return 1"), "json_schema": schema}
    )
    assert response.status_code == 400 and "does not match" in response.json()["detail"]
    run = http.post(
        "/v1/tools/run",
        json={"source_code": source(name, "return 1"), "args": {}, "env_vars": {"A=B": "x"}},
    )
    assert run.status_code == 422 and "env_vars" in run.text
    agent = http.post("/v1/agents/", json=agent_body(secrets={"BAD=NAME": "x"}))
    assert agent.status_code == 422


def test_renaming_a_tool_renames_the_rules_that_name_it(http: httpx.Client) -> None:
    old, new = unique("before"), unique("after")
    tool = create(http, source(old, "return 1"), default_requires_approval=True)
    rules = [{"type": "constrain_child_tools", "tool_name": "memory_insert", "children": [old]}]
    agent = http.post("/v1/agents/", json=agent_body(tool_ids=[tool["id"]], tool_rules=rules))
    assert agent.status_code == 200, agent.text
    schema = {"name": new, "description": "x", "parameters": {"type": "object", "properties": {}}}
    renamed = http.patch(
        f"/v1/tools/{tool['id']}",
        json={"json_schema": schema, "source_code": source(new, "return 1")},
    )
    assert renamed.status_code == 200, renamed.text
    stored = http.get(f"/v1/agents/{agent.json()['id']}").json()["tool_rules"]
    assert {"type": "requires_approval", "tool_name": new} in [
        {"type": r["type"], "tool_name": r["tool_name"]} for r in stored
    ]
    assert next(r for r in stored if r["type"] == "constrain_child_tools")["children"] == [new]
    assert old not in str(stored)
