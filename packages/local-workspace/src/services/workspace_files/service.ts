/**
 * The Workspace API: folders and files of the workspace tree, what the Databricks CLI, bundles
 * and `@lakechain/agent-server`'s deploy use to upload an app's source.
 *
 * - `POST /api/2.0/workspace/mkdirs {path}` (parents too);
 * - `POST /api/2.0/workspace/import {path, content (base64, at most 10 MB), format, language?,
 *   overwrite}`: an existing path without `overwrite` is `RESOURCE_ALREADY_EXISTS`, a missing
 *   parent folder `RESOURCE_DOES_NOT_EXIST`;
 * - `POST /api/2.0/workspace-files/import-file/{path}?overwrite=true`: the raw bytes (no base64,
 *   no 10 MB cap), parents created;
 * - `GET /api/2.0/workspace/get-status?path=`, `GET .../list?path=`, `GET .../export?path=`
 *   (`direct_download=true` for the raw bytes), `POST .../delete {path, recursive}`.
 *
 * Paths are absolute; `/Workspace/Users/...` and `/Users/...` name the same object, as on
 * Databricks. Everything is in memory; `workspace.workspaceFiles` reads it.
 */
import { randomInt } from 'node:crypto';
import { ApiError } from '../../platform/errors.js';
import { defineService, type RouteRequest } from '../../platform/service.js';

export type WorkspaceObjectType = 'DIRECTORY' | 'FILE' | 'NOTEBOOK';

export interface WorkspaceObject {
  path: string;
  objectType: WorkspaceObjectType;
  objectId: number;
  modifiedAt: number;
  createdAt: number;
  content?: Buffer;
  language?: string;
}

/** The workspace tree: for tests and for services that read uploaded files (apps). */
export interface LocalWorkspaceFiles {
  /** The object at `path` (either spelling), if any. */
  get(path: string): WorkspaceObject | undefined;
  /** A file's bytes. */
  readFile(path: string): Buffer | undefined;
  /** Every file under a folder, recursively, with paths relative to it. */
  filesUnder(folder: string): { relativePath: string; content: Buffer }[];
  /** Writes a file (parents created). */
  writeFile(path: string, content: Buffer | string): void;
  mkdirs(path: string): void;
}

export interface WorkspaceFilesOptions {
  /** Folders that exist from the start. Default `/Users/<mlflow.userName>`, `/Shared`. */
  folders?: string[];
}

/** Largest `content` of `workspace/import` (after base64 decoding), as Databricks enforces. */
const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

const notFound = (path: string) =>
  new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Path (${path}) doesn't exist.`);

/** `/Workspace/Users/x/` → `/Users/x`: one canonical spelling. */
export function canonicalPath(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.startsWith('/'))
    throw new ApiError(
      400,
      'INVALID_PARAMETER_VALUE',
      `Path (${String(raw)}) is not an absolute path: workspace paths start with "/".`,
    );
  let path = raw.replace(/\/+/g, '/').replace(/\/$/, '') || '/';
  if (path === '/Workspace') path = '/';
  else if (path.startsWith('/Workspace/')) path = path.slice('/Workspace'.length);
  if (path.split('/').some((segment) => segment === '..' || segment === '.'))
    throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `Path (${raw}) must not contain . or ..`);
  return path;
}

function parentOf(path: string): string {
  const index = path.lastIndexOf('/');
  return index <= 0 ? '/' : path.slice(0, index);
}

function bodyOf(request: RouteRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApiError(400, 'MALFORMED_REQUEST', 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

export const workspaceFilesService = defineService({
  name: 'workspaceFiles',
  create(context, options: WorkspaceFilesOptions | undefined) {
    const objects = new Map<string, WorkspaceObject>();
    let nextObjectId = randomInt(1_000_000, 9_000_000) * 1000;

    const put = (
      path: string,
      object: Omit<WorkspaceObject, 'path' | 'objectId' | 'createdAt'>,
    ) => {
      const existing = objects.get(path);
      objects.set(path, {
        path,
        objectId: existing?.objectId ?? nextObjectId++,
        createdAt: existing?.createdAt ?? Date.now(),
        ...object,
      });
    };

    const mkdirs = (path: string) => {
      const segments = path.split('/').filter(Boolean);
      let current = '';
      for (const segment of segments) {
        current = `${current}/${segment}`;
        const existing = objects.get(current);
        if (existing && existing.objectType !== 'DIRECTORY')
          throw new ApiError(
            400,
            'RESOURCE_ALREADY_EXISTS',
            `Cannot create directory ${path} because ${current} is an existing file.`,
          );
        if (!existing) put(current, { objectType: 'DIRECTORY', modifiedAt: Date.now() });
      }
    };

    const writeFile = (path: string, content: Buffer, overwrite: boolean, parents: boolean) => {
      const existing = objects.get(path);
      if (existing?.objectType === 'DIRECTORY')
        throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Path (${path}) is a directory.`);
      if (existing && !overwrite)
        throw new ApiError(
          400,
          'RESOURCE_ALREADY_EXISTS',
          `${path} already exists. Pass overwrite=true to replace it.`,
        );
      const parent = parentOf(path);
      if (parents) mkdirs(parent);
      else if (objects.get(parent)?.objectType !== 'DIRECTORY' && parent !== '/')
        throw new ApiError(
          404,
          'RESOURCE_DOES_NOT_EXIST',
          `The parent folder (${parent}) does not exist.`,
        );
      put(path, { objectType: 'FILE', content, modifiedAt: Date.now() });
    };

    const children = (folder: string) =>
      [...objects.values()].filter(
        (object) => object.path !== folder && parentOf(object.path) === folder,
      );

    const describe = (object: WorkspaceObject) => ({
      path: `/Workspace${object.path}`,
      object_type: object.objectType,
      object_id: object.objectId,
      created_at: object.createdAt,
      modified_at: object.modifiedAt,
      ...(object.objectType === 'FILE' ? { size: object.content?.length ?? 0 } : {}),
      ...(object.language ? { language: object.language } : {}),
    });

    let home: string | undefined;
    try {
      home = context.service<{ userName?: string }>('mlflow').userName;
    } catch {
      // A workspace without MLflow (tests of single services) has no user folder.
    }
    for (const folder of options?.folders ?? [...(home ? [`/Users/${home}`] : []), '/Shared'])
      mkdirs(canonicalPath(folder));

    const state: LocalWorkspaceFiles = {
      get: (path) => objects.get(canonicalPath(path)),
      readFile: (path) => objects.get(canonicalPath(path))?.content,
      filesUnder(folder) {
        const root = canonicalPath(folder);
        return [...objects.values()]
          .filter(
            (object) => object.objectType !== 'DIRECTORY' && object.path.startsWith(`${root}/`),
          )
          .map((object) => ({
            relativePath: object.path.slice(root.length + 1),
            content: object.content ?? Buffer.alloc(0),
          }));
      },
      writeFile: (path, content) =>
        writeFile(canonicalPath(path), Buffer.from(content), true, true),
      mkdirs: (path) => mkdirs(canonicalPath(path)),
    };

    const route = (
      method: 'GET' | 'POST',
      path: string,
      handle: (request: RouteRequest) => unknown,
      extra: { body?: 'raw' | 'json' | 'none'; maxBodyBytes?: number } = {},
    ) => ({
      method,
      path,
      name: 'workspace',
      body: extra.body ?? (method === 'GET' ? ('none' as const) : ('json' as const)),
      ...(extra.maxBodyBytes ? { maxBodyBytes: extra.maxBodyBytes } : {}),
      handle,
    });

    return {
      state,
      routes: [
        route('POST', '/api/2.0/workspace/mkdirs', (request) => {
          mkdirs(canonicalPath(bodyOf(request).path));
          return {};
        }),
        route(
          'POST',
          '/api/2.0/workspace/import',
          (request) => {
            const body = bodyOf(request);
            const path = canonicalPath(body.path);
            const format = String(body.format ?? 'SOURCE');
            if (typeof body.content !== 'string')
              throw new ApiError(400, 'INVALID_PARAMETER_VALUE', 'content (base64) is required.');
            const content = Buffer.from(body.content, 'base64');
            if (content.length > MAX_IMPORT_BYTES)
              throw new ApiError(
                400,
                'MAX_NOTEBOOK_SIZE_EXCEEDED',
                `File size imported is (${content.length} bytes), exceeded max size (${MAX_IMPORT_BYTES} bytes)`,
              );
            writeFile(path, content, body.overwrite === true, false);
            const object = objects.get(path) as WorkspaceObject;
            // SOURCE with a language makes a notebook; AUTO and RAW keep a plain file.
            if (format === 'SOURCE' && typeof body.language === 'string') {
              object.objectType = 'NOTEBOOK';
              object.language = body.language;
            }
            return {};
          },
          { maxBodyBytes: 16 * 1024 * 1024 },
        ),
        {
          method: 'POST' as const,
          path: '/api/2.0/workspace-files/import-file/*path',
          name: 'workspace',
          body: 'raw' as const,
          maxBodyBytes: 500 * 1024 * 1024,
          handle: (request: RouteRequest) => {
            const raw = request.params.path ?? '';
            const path = canonicalPath(raw.startsWith('/') ? raw : `/${raw}`);
            writeFile(path, request.rawBody, request.query.get('overwrite') === 'true', true);
            return {};
          },
        },
        route('GET', '/api/2.0/workspace/get-status', (request) => {
          const path = canonicalPath(request.query.get('path'));
          const object = objects.get(path);
          if (!object) throw notFound(`/Workspace${path}`);
          return describe(object);
        }),
        route('GET', '/api/2.0/workspace/list', (request) => {
          const path = canonicalPath(request.query.get('path'));
          const object = objects.get(path);
          if (!object && path !== '/') throw notFound(`/Workspace${path}`);
          if (object && object.objectType !== 'DIRECTORY') return { objects: [describe(object)] };
          return { objects: children(path).map(describe) };
        }),
        route('GET', '/api/2.0/workspace/export', (request) => {
          const path = canonicalPath(request.query.get('path'));
          const object = objects.get(path);
          if (!object || object.objectType === 'DIRECTORY') throw notFound(`/Workspace${path}`);
          const content = object.content ?? Buffer.alloc(0);
          if (request.query.get('direct_download') === 'true') {
            request.response.writeHead(200, { 'content-type': 'application/octet-stream' });
            request.response.end(content);
            return undefined;
          }
          return { content: content.toString('base64'), file_type: path.split('.').pop() ?? '' };
        }),
        route('POST', '/api/2.0/workspace/delete', (request) => {
          const body = bodyOf(request);
          const path = canonicalPath(body.path);
          const object = objects.get(path);
          if (!object) throw notFound(`/Workspace${path}`);
          const nested = [...objects.keys()].filter((key) => key.startsWith(`${path}/`));
          if (object.objectType === 'DIRECTORY' && nested.length > 0 && body.recursive !== true)
            throw new ApiError(
              400,
              'DIRECTORY_NOT_EMPTY',
              `Folder (${path}) is not empty. Pass recursive=true to delete it.`,
            );
          for (const key of [path, ...nested]) objects.delete(key);
          return {};
        }),
      ],
    };
  },
});
