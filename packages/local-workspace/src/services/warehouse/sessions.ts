/** Sessions and operations of the warehouse, keyed by the hex of their handle GUIDs. */
import type { EngineSession } from '../../engine/sql_engine.js';
import type { Operation } from './operations.js';
import { newHandleIdentifier, type ThriftStruct } from './thrift_types.js';

export interface WarehouseSession {
  readonly key: string;
  readonly identifier: ThriftStruct;
  readonly engine: EngineSession;
  readonly protocolVersion: number;
  readonly configuration: Record<string, string>;
  readonly operations: Set<string>;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, WarehouseSession>();
  private readonly operations = new Map<string, Operation>();

  add(
    engine: EngineSession,
    protocolVersion: number,
    configuration: Record<string, string>,
  ): WarehouseSession {
    const identifier = newHandleIdentifier();
    const session: WarehouseSession = {
      key: Buffer.from(identifier.guid).toString('hex'),
      identifier,
      engine,
      protocolVersion,
      configuration,
      operations: new Set(),
    };
    this.sessions.set(session.key, session);
    return session;
  }

  session(key: string): WarehouseSession | undefined {
    return this.sessions.get(key);
  }

  addOperation(session: WarehouseSession, operation: Operation): void {
    this.operations.set(operation.key, operation);
    session.operations.add(operation.key);
  }

  operation(key: string): Operation | undefined {
    return this.operations.get(key);
  }

  /** Close an operation and forget it. */
  async closeOperation(key: string): Promise<boolean> {
    const operation = this.operations.get(key);
    if (!operation) return false;
    this.operations.delete(key);
    this.sessions.get(operation.sessionKey)?.operations.delete(key);
    await operation.close();
    return true;
  }

  /** Close a session, its operations and its engine session. */
  async closeSession(key: string): Promise<boolean> {
    const session = this.sessions.get(key);
    if (!session) return false;
    this.sessions.delete(key);
    await Promise.all(
      [...session.operations].map((operationKey) => this.closeOperation(operationKey)),
    );
    await session.engine.close().catch(() => undefined);
    return true;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  get operationCount(): number {
    return this.operations.size;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((key) => this.closeSession(key)));
  }
}
