import {
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationRule,
} from "graphql";

/** Documents kept; the least recently used is dropped first. */
const MAX_DOCUMENTS = 500;
/** Longer query texts are parsed every time rather than kept. */
const MAX_QUERY_CHARS = 20_000;

/** Operation names remembered per document; a document with more starts over. */
const MAX_OPERATIONS_PER_DOCUMENT = 8;

export type Prepared = { document: DocumentNode } | { syntaxError: unknown } | { errors: readonly GraphQLError[] };

/**
 * Parsed and validated documents by query text, for the WebSocket path (Apollo keeps its own for
 * HTTP). A live editor sends the same mutation many times a second; parsing and validating it
 * each time was a tenth of the server's time. Only valid documents are kept, so a stream of
 * invalid queries cannot push them out; the same text always yields the same DocumentNode, which
 * lets later stages key their own caches on it.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    private readonly parseOptions: ParseOptions,
  ) {}

  /** The cached document's own copy of a query text (the same text), or the text given. */
  text(query: string): string {
    return this.documents.get(query)?.loc?.source.body ?? query;
  }

  prepare(query: string): Prepared {
    const cached = this.documents.get(query);
    if (cached) {
      this.documents.delete(query);
      this.documents.set(query, cached);
      return { document: cached };
    }
    let document: DocumentNode;
    try {
      document = parse(query, this.parseOptions);
    } catch (syntaxError) {
      return { syntaxError };
    }
    const errors = validate(this.schema, document, this.rules);
    if (errors.length) return { errors };
    if (query.length <= MAX_QUERY_CHARS) {
      this.documents.set(query, document);
      if (this.documents.size > MAX_DOCUMENTS) this.documents.delete(this.documents.keys().next().value!);
    }
    return { document };
  }
}

/**
 * A fact about one operation of a document, worked out once per document and operation name and
 * kept as long as the document is: DocumentCache and Apollo hand out one DocumentNode per query
 * text, so a live editor's mutation is looked at once, not at every keystroke.
 */
export class OperationFacts<T> {
  private readonly byDocument = new WeakMap<DocumentNode, Map<string, T>>();

  constructor(private readonly compute: (operation: OperationDefinitionNode | null, document: DocumentNode, operationName: string | null | undefined) => T) {}

  get(document: DocumentNode, operationName: string | null | undefined): T {
    let byName = this.byDocument.get(document);
    if (!byName) this.byDocument.set(document, (byName = new Map<string, T>()));
    const key = operationName ?? "";
    if (byName.has(key)) return byName.get(key) as T;
    if (byName.size >= MAX_OPERATIONS_PER_DOCUMENT) byName.clear();
    const fact = this.compute(getOperationAST(document, operationName) ?? null, document, operationName);
    byName.set(key, fact);
    return fact;
  }
}
