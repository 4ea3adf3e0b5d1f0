"""Conformance: Databricks' Python clients, unchanged, against the local Unity Catalog functions API.

    python python_functions_api.py sdk <host> <token> <warehouse_id>
    python python_functions_api.py unitycatalog-ai <host> <token>

`sdk` (databricks-sdk, the `sql` venv): w.functions.create / get / list / update / delete, and the
created function called over the Statement Execution API. `unitycatalog-ai` (the `langchain` venv):
DatabricksFunctionClient in its local execution mode, and databricks-langchain's UCFunctionToolkit
on it (creating functions and running SQL ones needs Databricks Connect). The workspace's CA comes from REQUESTS_CA_BUNDLE. Prints one JSON line.
"""
import json
import sys

from databricks.sdk import WorkspaceClient


def sdk(host, token, warehouse):
    from databricks.sdk.errors import NotFound
    from databricks.sdk.service.catalog import (
        ColumnTypeName,
        CreateFunction,
        CreateFunctionParameterStyle,
        CreateFunctionRoutineBody,
        CreateFunctionSecurityType,
        CreateFunctionSqlDataAccess,
        FunctionParameterInfo,
        FunctionParameterInfos,
    )
    from databricks.sdk.service.sql import StatementParameterListItem

    w = WorkspaceClient(host=host, token=token, auth_type="pat")
    out = {}
    created = w.functions.create(
        function_info=CreateFunction(
            name="scale",
            catalog_name="main",
            schema_name="uc",
            input_params=FunctionParameterInfos(
                parameters=[
                    FunctionParameterInfo(
                        name="x", type_text="decimal(10,2)", type_name=ColumnTypeName.DECIMAL, position=0,
                        comment="The amount",
                    ),
                    FunctionParameterInfo(
                        name="factor", type_text="int", type_name=ColumnTypeName.INT, position=1,
                        parameter_default="2",
                    ),
                ]
            ),
            data_type=ColumnTypeName.DECIMAL,
            full_data_type="DECIMAL(12,2)",
            routine_body=CreateFunctionRoutineBody.SQL,
            routine_definition="x * factor",
            parameter_style=CreateFunctionParameterStyle.S,
            is_deterministic=True,
            sql_data_access=CreateFunctionSqlDataAccess.CONTAINS_SQL,
            is_null_call=False,
            security_type=CreateFunctionSecurityType.DEFINER,
            specific_name="scale",
            comment="Scales an amount",
        )
    )
    out["created"] = created.full_name
    got = w.functions.get("main.uc.scale")
    out["get"] = {
        "data_type": got.data_type.value,
        "full_data_type": got.full_data_type,
        "routine_body": got.routine_body.value,
        "comment": got.comment,
        "parameters": [
            [p.name, p.type_name.value, p.type_text, json.loads(p.type_json), p.parameter_default, p.comment]
            for p in got.input_params.parameters
        ],
    }
    out["list"] = sorted(f.full_name for f in w.functions.list(catalog_name="main", schema_name="uc"))
    out["list_paged"] = sorted(
        f.full_name for f in w.functions.list(catalog_name="main", schema_name="uc", max_results=1)
    )
    table = w.functions.get("main.uc.orders_in")
    out["table"] = {
        "data_type": table.data_type.value,
        "full_data_type": table.full_data_type,
        "columns": [[p.name, p.type_text] for p in table.return_params.parameters],
    }
    python = w.functions.get("main.uc.shout")
    out["python"] = [python.routine_body.value, python.external_language, python.routine_definition.strip()]
    out["system_ai"] = [f.full_name for f in w.functions.list(catalog_name="system", schema_name="ai")]
    response = w.statement_execution.execute_statement(
        statement="SELECT main.uc.scale(:x) AS v",
        warehouse_id=warehouse,
        parameters=[StatementParameterListItem(name="x", value="1.25", type="DECIMAL(10,2)")],
    )
    out["called"] = response.result.data_array
    out["owner"] = w.functions.update("main.uc.scale", owner="someone@example.com").owner
    w.functions.delete("main.uc.scale")
    try:
        w.functions.get("main.uc.scale")
        out["deleted"] = "still there"
    except NotFound as error:
        out["deleted"] = [type(error).__name__, error.error_code, str(error)]
    return out


def unitycatalog_ai(host, token):
    from databricks_langchain import UCFunctionToolkit
    from unitycatalog.ai.core.databricks import DatabricksFunctionClient

    w = WorkspaceClient(host=host, token=token, auth_type="pat")
    client = DatabricksFunctionClient(client=w, execution_mode="local")
    out = {}
    out["list"] = sorted(f.full_name for f in client.list_functions(catalog="main", schema="uc"))
    out["source"] = client.get_function_source("main.uc.shout")
    result = client.execute_function("main.uc.shout", {"text": "hi", "times": 2})
    out["executed"] = {"format": result.format, "value": result.value, "error": result.error}
    toolkit = UCFunctionToolkit(function_names=["main.uc.*"], client=client)
    out["tools"] = {
        tool.name: {"description": tool.description, "schema": tool.args_schema.model_json_schema()}
        for tool in toolkit.tools
    }
    shout = next(tool for tool in toolkit.tools if tool.name == "main__uc__shout")
    out["tool_result"] = json.loads(shout.invoke({"text": "yo", "times": 3}))
    # create_function and the execution of SQL functions go through Databricks Connect (Spark
    # Connect over gRPC, which the local workspace does not serve): not called here.
    return out


def main():
    case = sys.argv[1]
    try:
        out = sdk(*sys.argv[2:5]) if case == "sdk" else unitycatalog_ai(*sys.argv[2:4])
    except BaseException as error:  # the test reads the error instead of a traceback
        out = {"error": f"{type(error).__name__}: {error}"}
    print(json.dumps(out, default=str))


main()
