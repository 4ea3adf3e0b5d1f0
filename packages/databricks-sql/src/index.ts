// placeholder: written by the databricks-sql work
export {};
