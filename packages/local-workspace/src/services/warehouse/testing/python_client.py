"""Runs one query through the Python databricks-sql-connector and prints the result as JSON.

Usage: python python_client.py HOST PORT HTTP_PATH TOKEN CA_FILE QUERY [PARAMS_JSON]

QUERY `@tables CATALOG SCHEMA` or `@columns CATALOG SCHEMA TABLE` runs the cursor metadata call.
"""
import json
import sys

from databricks import sql


def main() -> None:
    host, port, http_path, token, ca_file, query = sys.argv[1:7]
    parameters = json.loads(sys.argv[7]) if len(sys.argv) > 7 else None
    with sql.connect(
        server_hostname=host,
        http_path=http_path,
        access_token=token,
        _port=int(port),
        _tls_trusted_ca_file=ca_file,
        enable_telemetry=False,
    ) as connection:
        with connection.cursor() as cursor:
            if query.startswith("@tables "):
                _, catalog, schema = query.split()
                cursor.tables(catalog_name=catalog, schema_name=schema)
            elif query.startswith("@columns "):
                _, catalog, schema, table = query.split()
                cursor.columns(catalog_name=catalog, schema_name=schema, table_name=table)
            else:
                cursor.execute(query, parameters)
            rows = cursor.fetchall()
            columns = [description[0] for description in cursor.description]
            print(json.dumps({"columns": columns, "rows": [list(row) for row in rows]}, default=str))


if __name__ == "__main__":
    main()
