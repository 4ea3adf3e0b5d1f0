/**
 * An app's `app.yaml` (or `app.yml`): the `command` to run (a list of arguments, no shell) and
 * its `env`, where `valueFrom` names a resource of the app whose id or name becomes the value.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface AppYaml {
  command?: string[];
  env: { name: string; value?: string; valueFrom?: string }[];
}

/** The manifest of an unpacked app; an app without one gets no command and no env. */
export function readAppYaml(directory: string): AppYaml {
  for (const file of ['app.yaml', 'app.yml']) {
    const path = join(directory, file);
    if (!existsSync(path)) continue;
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`${file} is not valid YAML: ${(error as Error).message}`);
    }
    const record = (parsed ?? {}) as Record<string, unknown>;
    let command: string[] | undefined;
    if (Array.isArray(record.command)) command = record.command.map(String);
    else if (typeof record.command === 'string')
      throw new Error(
        `${file}: "command" must be a list of arguments (it runs without a shell), e.g. ["npm", "run", "start"].`,
      );
    const env = Array.isArray(record.env)
      ? record.env
          .filter(
            (entry): entry is Record<string, unknown> =>
              typeof entry === 'object' && entry !== null,
          )
          .map((entry) => ({
            name: String(entry.name),
            ...(entry.value !== undefined ? { value: String(entry.value) } : {}),
            ...(entry.valueFrom !== undefined ? { valueFrom: String(entry.valueFrom) } : {}),
          }))
      : [];
    return { ...(command ? { command } : {}), env };
  }
  return { env: [] };
}

/** What an app resource gives an `env` entry's `valueFrom`: the resource's id or name. */
export function resourceValue(resources: unknown[], name: string): string | undefined {
  for (const raw of resources) {
    const resource = (raw ?? {}) as Record<string, Record<string, unknown> | string>;
    if (resource.name !== name) continue;
    for (const value of Object.values(resource)) {
      if (typeof value !== 'object' || value === null) continue;
      const id =
        value.experiment_id ?? value.id ?? value.name ?? value.space_id ?? value.instance_name;
      if (typeof id === 'string') return id;
    }
  }
  return undefined;
}
