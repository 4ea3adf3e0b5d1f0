"""Conformance: Databricks' own Python MCP clients, unchanged, against the local managed MCP servers.

Usage: python python_mcp_clients.py <host> <token>
Prints one JSON object with what each client listed, called and got back (the test checks it).
Trust of the workspace's certificate comes from SSL_CERT_FILE / REQUESTS_CA_BUNDLE.
"""
import asyncio
import json
import sys

from databricks.sdk import WorkspaceClient
from databricks_langchain import DatabricksMCPServer, DatabricksMultiServerMCPClient
from databricks_mcp import DatabricksMCPClient


def text_of(result):
    return "".join(getattr(part, "text", "") for part in result.content)


def main():
    host, token = sys.argv[1], sys.argv[2]
    workspace = WorkspaceClient(host=host, token=token, auth_type="pat")
    out = {}

    # databricks-mcp: DatabricksMCPClient, one session per call.
    sql = DatabricksMCPClient(f"{host}/api/2.0/mcp/sql", workspace)
    out["sql_tools"] = [tool.name for tool in sql.list_tools()]
    out["sql_result"] = json.loads(
        text_of(sql.call_tool("execute_sql_read_only", {"query": "SELECT region FROM main.shop.orders ORDER BY id"}))
    )
    genie = DatabricksMCPClient(f"{host}/api/2.0/mcp/genie/sales", workspace)
    genie_tools = genie.list_tools()
    out["genie_tools"] = [tool.name for tool in genie_tools]
    out["genie_required"] = genie_tools[0].inputSchema.get("required")
    out["genie_answer"] = json.loads(text_of(genie.call_tool(genie_tools[0].name, {"query": "Totals?"})))
    out["genie_resources"] = [type(resource).__name__ for resource in genie.get_databricks_resources()]
    vector = DatabricksMCPClient(f"{host}/api/2.0/mcp/vector-search/main/shop", workspace)
    out["vector_tools"] = [tool.name for tool in vector.list_tools()]
    out["vector_rows"] = json.loads(text_of(vector.call_tool("main__shop__docs_index", {"query": "refund policy: 30 days"})))
    out["vector_resources"] = [type(resource).__name__ for resource in vector.get_databricks_resources()]
    functions = DatabricksMCPClient(f"{host}/api/2.0/mcp/functions/main/shop", workspace)
    function_tools = functions.list_tools()
    out["function_tools"] = [tool.name for tool in function_tools]
    out["function_schema"] = next(t for t in function_tools if t.name == "main__shop__region_total").inputSchema
    out["function_result"] = json.loads(
        text_of(functions.call_tool("main__shop__region_total", {"region": "EU"}))
    )
    out["function_table"] = json.loads(text_of(functions.call_tool("main__shop__orders_of", {"region": "US"})))
    out["function_python"] = json.loads(
        text_of(functions.call_tool("main__shop__greet", {"name": "Ada"}))
    )
    out["function_resources"] = sorted(
        ([type(resource).__name__, resource.to_dict()] for resource in functions.get_databricks_resources()),
        key=json.dumps,
    )
    python_exec = DatabricksMCPClient(f"{host}/api/2.0/mcp/functions/system/ai/python_exec", workspace)
    out["python_exec"] = json.loads(
        text_of(python_exec.call_tool("system__ai__python_exec", {"code": "print(6 * 7)"}))
    )
    try:
        DatabricksMCPClient(f"{host}/api/2.0/mcp/functions/main/shop/nope", workspace).list_tools()
        out["unknown_function"] = "no error"
    except BaseException as error:
        out["unknown_function"] = repr(error)
    try:
        DatabricksMCPClient(f"{host}/api/2.0/mcp/genie/nope", workspace).list_tools()
        out["unknown_space"] = "no error"
    except BaseException as error:  # ExceptionGroup from anyio's task group
        out["unknown_space"] = repr(error)

    # databricks-langchain: DatabricksMultiServerMCPClient over langchain-mcp-adapters.
    client = DatabricksMultiServerMCPClient(
        [
            DatabricksMCPServer(name="sql", url=f"{host}/api/2.0/mcp/sql", workspace_client=workspace),
            DatabricksMCPServer(name="genie", url=f"{host}/api/2.0/mcp/genie/sales", workspace_client=workspace),
            DatabricksMCPServer.from_uc_function(
                catalog="main", schema="shop", name="functions", workspace_client=workspace
            ),
        ]
    )

    async def langchain_side():
        tools = await client.get_tools()
        by_name = {tool.name: tool for tool in tools}
        result = await by_name["execute_sql_read_only"].ainvoke({"query": "SELECT COUNT(*) AS n FROM main.shop.orders"})
        refused = await by_name["execute_sql"].ainvoke({"query": "DROP TABLE main.shop.orders"})
        total = await by_name["main__shop__region_total"].ainvoke({"region": "US"})
        return sorted(by_name), result, refused, total

    names, result, refused, total = asyncio.run(langchain_side())
    out["langchain_tools"] = names
    out["langchain_result"] = str(result)
    out["langchain_refused"] = str(refused)
    out["langchain_function"] = str(total)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
