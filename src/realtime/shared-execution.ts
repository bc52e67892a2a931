import {
  getNamedType,
  getNullableType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLObjectType,
  type GraphQLSchema,
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  subscribe,
  visit,
  type DirectiveNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type SelectionSetNode,
} from "graphql";
import { OperationFacts } from "../common/document-cache";

/**
 * A subscription field whose source yields the same event objects to every subscriber of the
 * process (one feed per bid) and whose resolver returns the event unchanged (its arguments choose
 * the stream, not what an event looks like); and the fields of the event's type that depend on
 * the event alone: no arguments, no sub-selection, no context, no viewer.
 */
export interface SharedSubscription {
  field: string;
  pureFields: ReadonlySet<string>;
  /**
   * The pure fields are the event's own properties (no resolver of their own), so a flat
   * selection of them is read straight off the event, without graphql-js (the section streams).
   */
  properties?: boolean;
}

/** How one operation can share its per-event results, or null when it cannot. */
interface Plan {
  /** Tells documents apart in the per-event cache. */
  id: number;
  /** Variables the selection below the root field reads (directives): part of the key. */
  variables: string[];
  /** A flat selection (fields, no fragment or directive) read straight off the event; else null. */
  projection: Projection | null;
}

/** The response key of the root field and of each selected field, with the field it reads. */
interface Projection {
  root: string;
  rootName: string;
  type: GraphQLObjectType | null;
  fields: { key: string; name: string }[];
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Writes a WebSocket operation's events straight to its socket as graphql-ws `next` messages:
 * the event's result is executed and serialised once per document and relevant variables, then
 * every subscriber's message is that text behind its own operation id, in order. A source that
 * has a sink (a section stream) pushes into it synchronously instead of yielding its events.
 */
export interface DirectSink {
  /**
   * Sends one event. `droppable`: the event may be skipped when the socket is far behind (a
   * provisional message that a later sync recovers). Answers false when the socket is so far
   * behind that the stream should end (the client reconnects and syncs).
   */
  push(event: object, droppable: boolean): boolean;
  /**
   * The source takes the sink over: every event goes through `push`, and its iterator yields
   * nothing (it only ends), so no per-event mapping is kept around it for the stream's life.
   */
  claim(): void;
}

/** The socket a direct sink writes to (the `ws` WebSocket's parts it uses). */
export interface SinkSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  /** A text frame (`binary: false`: graphql-ws speaks JSON text) of bytes encoded before. */
  send(data: Buffer, options: { binary: false }): void;
}

/** Bytes waiting on a socket past which droppable events are skipped, and past which a stream ends. */
const SOFT_BUFFERED = 1 << 20;
const HARD_BUFFERED = 16 << 20;
const OPEN = 1;
const TEXT_FRAME = { binary: false } as const;

/**
 * graphql-ws's `subscribe`, sharing work across subscribers: graphql-js executes the selection
 * once per event and per subscriber, which for fifty co-editors of one bid meant fifty identical
 * executions per keystroke. When the operation selects only pure fields of a shared
 * subscription's events, the first subscriber's execution is kept on the event (weakly: it goes
 * with the event) and the others, with the same document and the same relevant variables,
 * receive that result; over a WebSocket, `sinkFor` also shares the serialised text (one string
 * per event, one send per socket). Anything else runs as graphql-js runs it.
 */
export class SharedExecution {
  /** Per document and operation name: how its results are shared, or null when they are not. */
  private readonly plans = new OperationFacts<Plan | null>((_operation, document, operationName) => {
    const variables = analyse(document, operationName, this.shared);
    if (!variables) return null;
    const properties = this.shared.some((rule) => rule.properties && rule.field === rootFieldOf(document, operationName));
    return { id: this.nextId++, variables, projection: properties ? projectionOf(document, operationName) : null };
  });
  private readonly results = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();
  private readonly texts = new WeakMap<object, Map<string, MaybePromise<string>>>();
  /** Execution arguments whose source claimed its sink (DirectSink.claim). */
  private readonly claimed = new WeakSet<ExecutionArgs>();
  private nextId = 1;
  /** The last `next` message encoded: the sinks an event reaches one after the other reuse its bytes. */
  private last: { id: string; text: string; bytes: Buffer } | null = null;

  constructor(private readonly shared: readonly SharedSubscription[]) {}

  /** graphql-ws's `subscribe` option. */
  readonly subscribe = async (args: ExecutionArgs): Promise<AsyncIterable<ExecutionResult> | ExecutionResult> => {
    const plan = this.planOf(args.document, args.operationName);
    if (!plan) return subscribe(args);
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    // Its events went to the socket through the sink: the iterator only tells when it ends.
    if (this.claimed.has(args)) return source as AsyncIterable<ExecutionResult>;
    const key = keyOf(plan, args.variableValues);
    return mapEach(source[Symbol.asyncIterator](), (event) =>
      typeof event === "object" && event !== null ? this.resultOf(event, key, args) : execute({ ...args, rootValue: event }),
    );
  };

  /**
   * A sink for one WebSocket operation (`id`) when it can share its results, else null. Its
   * execution arguments are given with `bind` before the first event (the context that holds the
   * sink is part of them).
   */
  sinkFor(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
    id: string,
    socket: SinkSocket,
  ): SocketSink | null {
    const plan = this.planOf(document, operationName);
    if (!plan) return null;
    return new SocketSink(this, plan, keyOf(plan, variables), id, socket);
  }

  private planOf(document: DocumentNode, operationName: string | null | undefined): Plan | null {
    return this.plans.get(document, operationName);
  }

  private resultOf(event: object, key: string, args: ExecutionArgs): MaybePromise<ExecutionResult> {
    let perEvent = this.results.get(event);
    if (!perEvent) {
      perEvent = new Map();
      this.results.set(event, perEvent);
    }
    let result = perEvent.get(key);
    if (!result) {
      result = execute({ ...args, rootValue: event });
      perEvent.set(key, result);
    }
    return result;
  }

  /**
   * The graphql-ws `next` message of operation `id` around a shared text, as UTF-8 bytes. A
   * message handed to a socket as a string is measured and encoded again for every socket; as
   * bytes, it is encoded once for the consecutive sockets whose operations have the same id
   * (the provider names its section stream alike on every socket: src/client/section-provider.ts).
   */
  messageOf(id: string, text: string): Buffer {
    const last = this.last;
    if (last !== null && last.id === id && last.text === text) return last.bytes;
    const bytes = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":${text}}`);
    this.last = { id, text, bytes };
    return bytes;
  }

  /** A sink's source took it over (DirectSink.claim). */
  markClaimed(args: ExecutionArgs): void {
    this.claimed.add(args);
  }

  /** The text of an event's result, once per event, document and key (a sink's). */
  textOf(event: object, plan: Plan, key: string, args: ExecutionArgs): MaybePromise<string> {
    let perEvent = this.texts.get(event);
    if (!perEvent) {
      perEvent = new Map();
      this.texts.set(event, perEvent);
    }
    let text = perEvent.get(key);
    if (text === undefined && plan.projection) {
      const data = project(plan.projection, args.schema, event);
      if (data) perEvent.set(key, (text = JSON.stringify({ data })));
    }
    if (text === undefined) {
      const result = this.resultOf(event, key, args);
      text = result instanceof Promise ? result.then((r) => JSON.stringify(r)) : JSON.stringify(result);
      perEvent.set(key, text);
    }
    return text;
  }
}

function rootFieldOf(document: DocumentNode, operationName: string | null | undefined): string | null {
  const root = getOperationAST(document, operationName)?.selectionSet.selections[0];
  return root?.kind === Kind.FIELD ? root.name.value : null;
}

/** The flat selection of a shared subscription's operation, or null when it has fragments or directives. */
function projectionOf(document: DocumentNode, operationName: string | null | undefined): Projection | null {
  const operation = getOperationAST(document, operationName);
  const root = operation?.selectionSet.selections[0];
  if (!root || root.kind !== Kind.FIELD || root.directives?.length || !root.selectionSet) return null;
  const fields: Projection["fields"] = [];
  for (const selection of root.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.directives?.length) return null;
    fields.push({ key: selection.alias?.value ?? selection.name.value, name: selection.name.value });
  }
  return { root: root.alias?.value ?? root.name.value, rootName: root.name.value, type: null, fields };
}

/**
 * The result's data for a flat selection of pure fields, as graphql-js would answer it (leaves
 * serialised by their type, in selection order); null when graphql-js must answer instead (a
 * null in a non-null field, a field it does not know).
 */
function project(projection: Projection, schema: GraphQLSchema, event: object): Record<string, unknown> | null {
  if (!projection.type) {
    const field = schema.getSubscriptionType()?.getFields()[projection.rootName];
    const type = field ? getNamedType(field.type) : null;
    if (!isObjectType(type)) return null;
    projection.type = type;
  }
  const fields = projection.type.getFields();
  const out: Record<string, unknown> = {};
  for (const { key, name } of projection.fields) {
    if (name === "__typename") {
      out[key] = projection.type.name;
      continue;
    }
    const field = fields[name];
    if (!field) return null;
    const leaf = getNullableType(field.type);
    if (!isLeafType(leaf)) return null;
    const value = (event as Record<string, unknown>)[name];
    if (value === null || value === undefined) {
      if (isNonNullType(field.type)) return null;
      out[key] = null;
    } else out[key] = leaf.serialize(value);
  }
  return { [projection.root]: out };
}

function keyOf(plan: Plan, variables: Record<string, unknown> | null | undefined): string {
  const values = variables ?? {};
  return `${plan.id}:${JSON.stringify(plan.variables.map((name) => values[name] ?? null))}`;
}

/**
 * One WebSocket operation's sink: a class rather than closures, as it lives as long as an idle
 * subscriber; its queue of texts still being executed is made only when one is.
 */
export class SocketSink implements DirectSink {
  /** Texts still being executed (an async resolver) hold the ones after them back, in order. */
  private waiting: MaybePromise<string>[] | null = null;
  private args: ExecutionArgs | null = null;

  constructor(
    private readonly shared: SharedExecution,
    private readonly plan: Plan,
    private readonly key: string,
    private readonly id: string,
    private readonly socket: SinkSocket,
  ) {}

  /** The operation's execution arguments, read at each event. */
  bind(args: ExecutionArgs): void {
    this.args = args;
  }

  claim(): void {
    if (this.args) this.shared.markClaimed(this.args);
  }

  push(event: object, droppable: boolean): boolean {
    const buffered = this.socket.bufferedAmount;
    if (buffered > HARD_BUFFERED) return false;
    if (droppable && buffered > SOFT_BUFFERED) return true;
    if (!this.args) throw new Error("SocketSink: push before bind");
    const text = this.shared.textOf(event, this.plan, this.key, this.args);
    if (!this.waiting?.length && typeof text === "string") this.write(text);
    else if ((this.waiting ??= []).push(text) === 1) void this.drain().catch(() => (this.waiting = null));
    return true;
  }

  private write(text: string): void {
    // The message is made per send, not kept: kept, it would weigh on every idle subscriber.
    if (this.socket.readyState === OPEN) this.socket.send(this.shared.messageOf(this.id, text), TEXT_FRAME);
  }

  private async drain(): Promise<void> {
    const waiting = this.waiting;
    while (waiting?.length) {
      this.write(await waiting[0]!);
      void waiting.shift();
    }
  }
}

/** The function form, for callers that need only the iterator path. */
export function sharedSubscribe(shared: readonly SharedSubscription[]): (args: ExecutionArgs) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult> {
  return new SharedExecution(shared).subscribe;
}

/**
 * Each event's result, as a thin iterator: one `then` per event and subscriber (bus.ts's
 * mapIterator, an async function, cost several promises each).
 * `return` reaches the source at once, so that an unsubscription never waits for an event.
 */
function mapEach(source: AsyncIterator<unknown>, fn: (event: unknown) => MaybePromise<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  return new Mapped(source, fn);
}

/** mapEach's iterator: a class rather than closures, as it lives as long as an idle subscriber. */
class Mapped implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly fn: (event: unknown) => MaybePromise<ExecutionResult>,
  ) {}

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next().then((item) => this.step(item));
  }

  private step(item: IteratorResult<unknown>): MaybePromise<IteratorResult<ExecutionResult>> {
    if (item.done) return { value: undefined, done: true };
    const result = this.fn(item.value);
    return result instanceof Promise ? result.then((value) => ({ value, done: false })) : { value: result, done: false };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.source.return?.();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function isAsyncIterable(value: object): value is AsyncIterable<unknown> {
  return Symbol.asyncIterator in value;
}

/**
 * The variables the root field's selection reads, when the operation is a subscription to a
 * shared field selecting only its pure fields; null otherwise.
 */
function analyse(document: DocumentNode, operationName: string | null | undefined, shared: readonly SharedSubscription[]): string[] | null {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== "subscription") return null;
  const [root, ...rest] = operation.selectionSet.selections;
  if (!root || rest.length || root.kind !== Kind.FIELD || !root.selectionSet) return null;
  const rule = shared.find((s) => s.field === root.name.value);
  if (!rule) return null;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const variables = new Set<string>();
  const readVariables = (directives: readonly DirectiveNode[] | undefined) =>
    directives?.forEach((directive) => visit(directive, { Variable: (node) => void variables.add(node.name.value) }));
  readVariables(root.directives);
  const seen = new Set<string>();
  const pure = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.every((selection) => {
      readVariables(selection.directives);
      switch (selection.kind) {
        case Kind.FIELD:
          return (
            (selection.name.value === "__typename" || rule.pureFields.has(selection.name.value)) && !selection.selectionSet && !selection.arguments?.length
          );
        case Kind.INLINE_FRAGMENT:
          return pure(selection.selectionSet);
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(selection.name.value);
          if (!fragment) return false;
          if (seen.has(fragment.name.value)) return true;
          seen.add(fragment.name.value);
          readVariables(fragment.directives);
          return pure(fragment.selectionSet);
        }
      }
    });
  return pure(root.selectionSet) ? [...variables].sort() : null;
}
