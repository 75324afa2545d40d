/**
 * A fake Elasticsearch/OpenSearch `_bulk` endpoint: NDJSON action/document line pairs in, the
 * bulk answer (`took`, `errors`, one item per action) out, documents kept per index by `_id`. It
 * checks what a cluster checks: the content type, the final newline, pairs that parse, and the
 * credentials when `auth` is set. Faults come from `FakeHttpServer.fault`.
 */
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './http.js';

export class FakeSearch extends FakeHttpServer {
  /** index -> _id -> document */
  readonly indices = new Map<string, Map<string, Record<string, unknown>>>();
  /** The `Authorization` header every request must carry, when set. */
  auth: string | undefined;
  /** Refuse documents of these indices (as a closed or read-only index does). */
  readonly refuse = new Set<string>();

  static async start(): Promise<FakeSearch> {
    const fake = new FakeSearch();
    fake.route('POST', '/_bulk', (request) => fake.bulk(request));
    fake.route('POST', '/:prefix/_bulk', (request) => fake.bulk(request));
    return fake.start();
  }

  /** Every document of an index, in no particular order. */
  documents(index: string): Record<string, unknown>[] {
    return [...(this.indices.get(index)?.values() ?? [])];
  }

  private bulk(request: FakeRequest): FakeResponse {
    if (this.auth !== undefined && request.headers.authorization !== this.auth) {
      return { status: 401, body: error('security_exception', 'missing authentication credentials for REST request') };
    }
    const type = String(request.headers['content-type'] ?? '');
    if (!/^application\/(x-ndjson|json)/.test(type)) {
      return { status: 406, body: error('content_type', `Content-Type header [${type}] is not supported`) };
    }
    if (!request.text.endsWith('\n')) {
      return {
        status: 400,
        body: error('illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]'),
      };
    }
    const lines = request.text.slice(0, -1).split('\n');
    const items: Record<string, unknown>[] = [];
    let errors = false;
    for (let index = 0; index < lines.length; index += 2) {
      let action: any;
      let document: any;
      try {
        action = JSON.parse(lines[index] as string);
        document = JSON.parse(lines[index + 1] ?? '');
      } catch {
        return { status: 400, body: error('x_content_parse_exception', `line ${index + 1} is not a JSON object`) };
      }
      const operation = Object.keys(action)[0] as string;
      const target = action[operation] ?? {};
      if (!['index', 'create'].includes(operation) || typeof target._index !== 'string') {
        return {
          status: 400,
          body: error('illegal_argument_exception', `Malformed action/metadata line [${index + 1}]`),
        };
      }
      const indexName = target._index as string;
      const id = String(target._id ?? `auto-${this.requests.length}-${index}`);
      if (this.refuse.has(indexName)) {
        errors = true;
        items.push({
          [operation]: {
            _index: indexName,
            _id: id,
            status: 403,
            error: { type: 'cluster_block_exception', reason: `index [${indexName}] blocked` },
          },
        });
        continue;
      }
      const documents = this.indices.get(indexName) ?? new Map();
      const created = !documents.has(id);
      documents.set(id, document);
      this.indices.set(indexName, documents);
      items.push({
        [operation]: {
          _index: indexName,
          _id: id,
          status: created ? 201 : 200,
          result: created ? 'created' : 'updated',
        },
      });
    }
    return { body: { took: 1, errors, items } };
  }
}

function error(type: string, reason: string): Record<string, unknown> {
  return { error: { type, reason, root_cause: [{ type, reason }] }, status: 400 };
}
