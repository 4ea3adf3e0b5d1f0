/**
 * The route table of the listener: every service's routes, compiled once, matched in registration
 * order (first match wins). String patterns use path-to-regexp (the router of Express and Koa):
 * well-known syntax, and it compiles patterns to one anchored RegExp each.
 */
import { match as compilePattern } from 'path-to-regexp';
import type { Route } from './service.js';

export interface MatchedRoute {
  readonly route: Route;
  readonly params: Record<string, string>;
}

export interface RouteTable {
  /** The route for a method and raw path; `undefined` when no route has that path and method. */
  match(method: string, path: string): MatchedRoute | undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

type Matcher = (path: string) => Record<string, string> | undefined;

function matcherOf(route: Route): Matcher {
  if (route.path instanceof RegExp) {
    const pattern = route.path;
    return (path) => {
      const found = pattern.exec(path);
      if (!found) return undefined;
      const params: Record<string, string> = {};
      found.slice(1).forEach((capture, index) => {
        params[String(index + 1)] = safeDecode(capture ?? '');
      });
      for (const [name, value] of Object.entries(found.groups ?? {}))
        params[name] = safeDecode(value ?? '');
      return params;
    };
  }
  // Our decoder: path-to-regexp's default throws on malformed escapes (`%zz`).
  const compiled = compilePattern<Record<string, string | string[]>>(route.path, {
    decode: safeDecode,
  });
  return (path) => {
    const found = compiled(path);
    if (!found) return undefined;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.params)) {
      if (value === undefined) continue;
      params[name] = Array.isArray(value) ? `/${value.join('/')}` : value;
    }
    return params;
  };
}

function acceptsMethod(route: Route, method: string): boolean {
  if (route.method === '*') return true;
  if (typeof route.method === 'string') return route.method === method;
  return (route.method as readonly string[]).includes(method);
}

export function createRouteTable(routes: readonly Route[]): RouteTable {
  const compiled = routes.map((route) => ({ route, matcher: matcherOf(route) }));
  return {
    match(method, path) {
      for (const { route, matcher } of compiled) {
        if (!acceptsMethod(route, method)) continue;
        const params = matcher(path);
        if (params) return { route, params };
      }
      return undefined;
    },
  };
}
